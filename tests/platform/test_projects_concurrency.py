"""Two people approving or paying at the same moment (PostgreSQL: real
concurrent transactions; SQLite has no row locks, so these run on PostgreSQL)."""

import datetime as dt
from decimal import Decimal

from jigai.core.errors import BusinessError
from tests.platform.concurrency import POSTGRES_RACE, race

pytestmark = POSTGRES_RACE
D = dt.date(2023, 6, 1)


def _setup():
    from jigai.accounts.models import User
    from jigai.demo.loader import load_demo
    from jigai.programmes.models import Programme
    from jigai.projects import services
    from tests.platform.test_projects import _eligible

    load_demo()  # a transactional test starts from whatever earlier ones left
    programme = Programme.objects.get(year=2023)
    officer = User.objects.get(username="yx_officer")
    category = programme.categories.get(code="residential_standalone")
    project = services.create_project(
        programme=programme, category=category, name="并发测试", actor=officer
    )
    services.add_buildings(project, _eligible(programme), actor=officer)
    for item in project.items.all():
        services.set_design(
            item,
            measures=[],
            eta=Decimal("0.4"),
            cost_fen=100_000_00,
            window_fen=50_000_00,
            source="entered",
            actor=officer,
        )
    return project


def test_two_approvals_at_once_approve_once():
    from jigai.accounts.models import User
    from jigai.projects import workflow
    from tests.platform.document_samples import attach_needed

    project = _setup()
    for action in ("declare", "approve"):
        attach_needed(project, action, User.objects.get(username="yx_officer"))
    workflow.take(project, "declare", actor=User.objects.get(username="yx_officer"), on_date=D)
    approver = User.objects.get(username="fgw_approver")
    results = race(*[lambda: workflow.take(project, "approve", actor=approver, on_date=D)] * 2)
    assert sum(isinstance(r, BusinessError) for r in results) == 1
    assert project.transitions.filter(to_stage="approved").count() == 1


def test_same_voucher_from_two_clerks_counts_once_and_different_vouchers_both_count():
    from jigai.accounts.models import User
    from jigai.projects import funding

    project = _setup()
    clerk = User.objects.get(username="czj_finance")

    def pay(ref, amount):
        return lambda: funding.record_payment(
            project, ledger="provincial", amount_fen=amount, on_date=D, reference=ref, actor=clerk
        )

    results = race(pay("SB-A", 1_000_00), pay("SB-A", 1_000_00))
    assert sum(isinstance(r, Exception) for r in results) == 1
    results = race(pay("SB-B", 2_000_00), pay("SB-C", 3_000_00), pay("SB-D", 4_000_00))
    assert not any(isinstance(r, Exception) for r in results)
    assert funding.balances(project)["provincial"] == 10_000_00


def test_two_owners_payments_at_once_never_exceed_what_the_building_owes():
    from jigai.accounts.models import User
    from jigai.projects import funding

    project = _setup()
    item = project.items.order_by("pk").first()
    # 南山小区1号楼, 2776.80 m²: cost 10,000,000 fen, window lines 5,000,000
    # P = 2281 × 2776.80 = 6,333,881; O = min(22,214,400, 5,000,000, 3,666,119) = 3,666,119
    assert item.plan_owners_fen == 3_666_119
    clerk = User.objects.get(username="yx_officer")

    def pay(ref):
        return lambda: funding.record_payment(
            project,
            ledger="owners",
            amount_fen=2_000_000,
            on_date=D,
            reference=ref,
            actor=clerk,
            building=item.building,
        )

    results = race(pay("YZ-A"), pay("YZ-B"))
    refused = [r for r in results if isinstance(r, BusinessError)]
    assert len(refused) == 1
    # the message gives the figures (the threads speak the default language, Chinese):
    # due 36,661.19, paid 20,000.00 by the other clerk, 16,661.19 yuan left
    text = " ".join([refused[0].message, *refused[0].details])
    assert all(f in text for f in ("20,000.00", "16,661.19", "36,661.19")), text
    assert funding.owner_payments_by_building(project) == {item.building_id: 2_000_000}


def test_the_same_file_uploaded_twice_at_once_is_kept_once(settings, tmp_path):
    """Two officers upload the same contract to the project at the same moment: the project's
    row lock lets one in; the other is refused as a duplicate and leaves no file behind."""
    from jigai.accounts.models import User
    from jigai.documents import services as documents
    from jigai.documents.models import Document
    from tests.platform.document_samples import pdf, upload_file

    settings.MEDIA_ROOT = str(tmp_path)
    project = _setup()
    officer = User.objects.get(username="yx_officer")
    data = pdf("same contract")

    def send():
        return documents.upload(
            project, kind="contract", file=upload_file("合同.pdf", data), actor=officer
        )

    results = race(send, send)
    assert sum(isinstance(r, BusinessError) for r in results) == 1
    assert sum(isinstance(r, Document) for r in results) == 1
    assert Document.objects.filter(project=project, kind="contract").count() == 1
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
