"""Two entry re-tests with the same lab report number at the same moment (PostgreSQL: real
concurrent transactions): on lots of two projects (no common row lock) exactly one is
stored and the other is refused naming the field, never a 5xx nor two records."""

import time

from django.utils import translation

from jigai.core.errors import BusinessError
from tests.platform.concurrency import POSTGRES_RACE, race

pytestmark = POSTGRES_RACE


def test_one_report_number_recorded_twice_at_once_is_stored_once(monkeypatch):
    from jigai.accounts.models import User
    from jigai.demo.loader import load_demo
    from jigai.programmes.models import Programme
    from jigai.quality import services
    from jigai.quality.models import EntryTest
    from tests.platform.test_quality import WALL_OK, quality_project

    load_demo()  # a transactional test starts from whatever earlier ones left
    programme = Programme.objects.get(year=2023)

    def user(name):
        return User.objects.get(username=name)

    inspector = user("inspector")
    lots = []
    for name in ("并发复验甲", "并发复验乙"):
        project = quality_project(programme, user, name=name)
        services.generate_lots(project, inspector)
        lots.append(project.inspection_lots.get(measure_id="wall_eps_80", seq=1))

    def record(lot):
        def run():
            with translation.override("en"):  # each thread starts in the default language
                return services.record_entry_test(
                    lot,
                    actor=inspector,
                    material="eps",
                    maker="阳泉保温材料厂",
                    batch="B-1",
                    quantity="1000",
                    lab="检测中心",
                    report_no="RACE-1",
                    tested_on=services.timezone.localdate(),
                    values=WALL_OK,
                )

        return run

    # hold each transaction open for a moment after its insert, so that the other one
    # checks the report number while the first is not committed yet (a real overlap)
    real_record = services.audit.record

    def slow_record(**fields):
        time.sleep(0.5)
        return real_record(**fields)

    monkeypatch.setattr(services.audit, "record", slow_record)
    results = race(record(lots[0]), record(lots[1]))
    monkeypatch.undo()
    refused = [r for r in results if isinstance(r, BusinessError)]
    assert len(refused) == 1, results
    assert refused[0].message.startswith("Report number: RACE-1 is already recorded")
    assert EntryTest.objects.filter(report_no="RACE-1").count() == 1
