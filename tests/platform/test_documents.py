"""Documents and photos (issue 12, item 6): content-checked uploads (not by the name), the
sha256 and thumbnails, downloads scoped like their project and audited, never deleted, the
documents each stage transition needs, the S3-compatible storage against a local endpoint."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import socket
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from PIL import Image

from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from jigai.documents import services as documents
from jigai.documents.models import Document
from jigai.projects import workflow
from jigai.projects.models import Stage
from tests.platform.document_samples import jpeg, pdf, plain_zip, png, upload_file, xlsx
from tests.platform.test_projects_money import _project

D0 = dt.date(2023, 6, 1)


@pytest.fixture
def files(settings, tmp_path):
    """The documents' folder of this test (the default local storage under MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _stored(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def project(programme, user):
    return _project(programme, user, name="资料归档")


def _upload(project, name, data, user, kind="other", who="yx_officer", **kw):
    return documents.upload(project, kind=kind, file=upload_file(name, data), actor=user(who), **kw)


# --------------------------------------------------------------------------- bad input
GOOD_JPEG = jpeg()
BROKEN_HEADER = GOOD_JPEG[:2] + b"\x00" * 40 + GOOD_JPEG[42:]  # SOI kept, the header zeroed


@pytest.mark.parametrize(
    ("name", "data", "kind", "says"),
    [
        ("报告.pdf", png(), "other", "the content is a PNG file, which its name does not say"),
        ("报告.pdf", "这不是PDF".encode(), "other", "the content is no PDF, photo, xlsx or docx"),
        ("报告.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "other", "program (executable)"),
        ("报告.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "other", "program (executable)"),
        ("报告.pdf", b"#!/bin/sh\nrm -rf /\n", "other", "program (executable)"),
        ("现场.jpg", BROKEN_HEADER, "photo_before", "the photo is damaged"),
        ("现场.png", png()[:60], "photo_before", "the photo is damaged"),
        ("批复.pdf", pdf()[:-40], "approval", "the PDF is cut off"),
        ("表.xlsx", plain_zip(), "survey_table", "not an Excel (xlsx) or Word (docx)"),
        (
            "招标.jpg",
            GOOD_JPEG,
            "tender_documents",
            "“Tender documents” accepts DOCX、PDF, not JPEG",
        ),
        ("空.pdf", b"", "other", "the file is empty"),
    ],
    ids=[
        "png-named-pdf",
        "text-named-pdf",
        "windows-exe-named-pdf",
        "elf-named-pdf",
        "script-named-pdf",
        "jpeg-broken-header",
        "png-cut-off",
        "pdf-without-trailer",
        "zip-named-xlsx",
        "photo-for-a-pdf-kind",
        "empty",
    ],
)
def test_bad_file_is_refused_naming_the_field_and_nothing_is_stored(
    project, user, files, name, data, kind, says
):
    before = Document.objects.count(), AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(BusinessError) as refused:
        _upload(project, name, data, user, kind=kind)
    assert refused.value.message.startswith(f"File “{name}”: ")
    assert says in refused.value.message
    assert (Document.objects.count(), AuditEntry.objects.count()) == before
    assert _stored(files) == []


def test_oversized_file_is_refused_before_it_is_read(project, user, files, settings):
    settings.DOCUMENT_MAX_MB = 1
    big = pdf("x" * (1024 * 1024))
    with translation.override("en"), pytest.raises(BusinessError) as refused:
        _upload(project, "大.pdf", big, user)
    assert refused.value.message == "File “大.pdf”: 1.0 MB is more than the limit of 1 MB."
    assert Document.objects.count() == 0 and _stored(files) == []
    with translation.override("zh-hans"), pytest.raises(BusinessError) as refused:
        _upload(project, "大.pdf", big, user)
    assert refused.value.message.startswith("文件“大.pdf”：")


def test_same_file_twice_on_the_same_record_is_refused(project, user, files):
    first = _upload(project, "合同.pdf", pdf("c"), user, kind="contract")
    stored = _stored(files)
    with translation.override("en"), pytest.raises(BusinessError) as refused:
        _upload(project, "合同副本.pdf", pdf("c"), user, kind="contract")
    assert refused.value.message == (
        f"File “合同副本.pdf”: the same file (SHA-256 {first.sha256[:12]}…) is already kept "
        "here as “合同.pdf”."
    )
    assert Document.objects.count() == 1 and _stored(files) == stored
    # the same file on one of the project's buildings is another record: kept
    item = project.items.order_by("pk").first()
    on_building = _upload(project, "合同.pdf", pdf("c"), user, kind="contract", item=item)
    assert (on_building.attached_to, on_building.sha256) == (f"item:{item.pk}", first.sha256)


def test_building_of_another_project_and_unknown_kind_are_refused(project, programme, user, files):
    other = _project(programme, user, n=1, code="residential_combined", name="别的项目")
    with translation.override("en"):
        with pytest.raises(BusinessError, match="^Building: the building is not in this project"):
            _upload(project, "a.pdf", pdf(), user, item=other.items.get())
        with pytest.raises(BusinessError, match="^Kind: choose a kind of document"):
            _upload(project, "a.pdf", pdf(), user, kind="passport")
    assert Document.objects.count() == 0 and _stored(files) == []


def test_only_the_roles_the_kinds_file_names_upload_a_kind(project, user, files):
    with pytest.raises(PermissionDenied):  # the audit report: the auditor's
        _upload(project, "审计.pdf", pdf(), user, kind="audit_report", who="yx_officer")
    with pytest.raises(PermissionDenied):  # the contractor uploads no kind
        _upload(project, "a.pdf", pdf(), user, kind="other", who="contractor")
    with pytest.raises(BusinessError, match="另一个|another county"):  # another county's officer
        _upload(project, "a.pdf", pdf(), user, kind="other", who="pd_officer")
    assert Document.objects.count() == 0 and _stored(files) == []


# --------------------------------------------------------------------------- good files
def test_pdf_and_photo_are_kept_with_their_sha256_and_the_photo_with_a_thumbnail(
    project, user, files
):
    data = pdf("批复")
    doc = _upload(project, "立项批复.pdf", data, user, kind="approval")
    assert (doc.format, doc.content_type, doc.size) == ("pdf", "application/pdf", len(data))
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert (files / doc.stored_as).read_bytes() == data
    assert doc.thumbnail == ""

    # 800×600 taken with the camera turned (EXIF orientation 6) and a GPS position
    photo = jpeg((800, 600), orientation=6, gps=True)
    item = project.items.order_by("pk").first()
    shot = _upload(project, "外墙.JPG", photo, user, kind="photo_before", item=item)
    assert (shot.format, shot.width, shot.height) == ("jpeg", 800, 600)
    assert shot.sha256 == hashlib.sha256(photo).hexdigest()
    assert (files / shot.stored_as).read_bytes() == photo  # the original, as taken
    with Image.open(files / shot.thumbnail) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (240, 320)  # upright (portrait) and at most 320 px
        assert 0x8825 not in thumb.getexif() and 0x0112 not in thumb.getexif()
    with Image.open(io.BytesIO(photo)) as original:
        assert 0x8825 in original.getexif()  # the GPS was there to strip
    entry = AuditEntry.objects.get(action="document.upload", object_id=str(shot.pk))
    assert entry.data["k"] == "photo_before" and entry.after["sha256"] == shot.sha256
    with translation.override("zh-hans"):
        assert _sentence(entry) == (
            f"周盂县 上传了 外墙.JPG（改造前照片）至 {project.code}（{item.building}）"
        )


def _sentence(entry):
    from jigai.audit import messages

    return messages.render(entry.action, entry.data)


def test_xlsx_and_docx_are_told_apart_by_their_content_types(project, user, files):
    doc = _upload(project, "调查摸底表.xlsx", xlsx(), user, kind="survey_table")
    assert doc.format == "xlsx"
    with translation.override("en"), pytest.raises(BusinessError, match="XLSX file"):
        _upload(project, "实施方案.docx", xlsx() + b"", user, kind="implementation_plan")


# --------------------------------------------------------------------------- downloads
def test_download_scoped_like_the_project_with_safe_headers_and_audited(
    project, user, client_as, files
):
    doc = _upload(project, "竣工验收报告.pdf", pdf("ys"), user, kind="completion_acceptance")
    shot = _upload(project, "完工.png", png(), user, kind="photo_after")
    response = client_as("inspector").get(f"/documents/{doc.pk}/")
    assert response.status_code == 200
    assert response.content == pdf("ys")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(action="document.download").latest("seq")
    assert (entry.actor.username, entry.object_id) == ("inspector", str(doc.pk))
    image = client_as("yx_officer").get(f"/documents/{shot.pk}/")
    assert image["Content-Disposition"].startswith("inline;")
    assert image["Content-Type"] == "image/png"
    thumb = client_as("yx_officer").get(f"/documents/{shot.pk}/thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client_as("yx_officer").get(f"/documents/{doc.pk}/thumbnail/").status_code == 404


def test_another_countys_document_answers_404_and_the_attempt_is_audited(
    project, user, client_as, files
):
    doc = _upload(project, "合同.pdf", pdf("k"), user, kind="contract")
    downloads = AuditEntry.objects.filter(action="document.download").count()
    client = client_as("pd_officer")
    assert client.get(f"/documents/{doc.pk}/").status_code == 404
    assert client.get(f"/documents/{doc.pk}/thumbnail/").status_code == 404
    assert client.get("/documents/999999/").status_code == 404
    refused = AuditEntry.objects.filter(action="access.refused", actor__username="pd_officer")
    assert [(e.data["t"], e.data["id"]) for e in refused] == [
        ("documents.Document", str(doc.pk))
    ] * 2
    assert AuditEntry.objects.filter(action="document.download").count() == downloads
    # the contractor sees only the projects it builds: not this one
    assert client_as("contractor").get(f"/documents/{doc.pk}/").status_code == 404


def test_a_tampered_file_is_not_served(project, user, client_as, files):
    doc = _upload(project, "合同.pdf", pdf("t"), user, kind="contract")
    (files / doc.stored_as).write_bytes(pdf("changed"))
    response = client_as("yx_officer").get(f"/documents/{doc.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/projects/{project.pk}/"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not AuditEntry.objects.filter(action="document.download").exists()


# --------------------------------------------------------------------------- never deleted
def test_documents_are_superseded_not_deleted(project, user, files):
    old = _upload(project, "合同.pdf", pdf("v1"), user, kind="contract")
    new = _upload(project, "合同（补充）.pdf", pdf("v2"), user, kind="contract", supersedes=old)
    old.refresh_from_db()
    assert old.superseded_by_id == new.pk
    entry = AuditEntry.objects.get(action="document.supersede")
    assert (entry.object_id, entry.after) == (str(old.pk), {"superseded_by": new.pk})
    with pytest.raises(BusinessError):  # already superseded
        _upload(project, "合同3.pdf", pdf("v3"), user, kind="contract", supersedes=old)
    with pytest.raises(BusinessError):  # not the same kind
        _upload(project, "批复.pdf", pdf("v4"), user, kind="approval", supersedes=new)
    with pytest.raises(ValueError, match="never deleted"):
        old.delete()
    with pytest.raises(ValueError, match="never deleted"), transaction.atomic():
        Document.objects.filter(pk=old.pk).delete()  # a queryset's delete too
    assert Document.objects.count() == 2 and len(_stored(files)) == 2


# --------------------------------------------------------------------------- transitions
def test_transitions_are_refused_without_their_documents_and_list_them(project, user, files):
    officer = user("yx_officer")
    with translation.override("en"), pytest.raises(BusinessError) as refused:
        workflow.take(project, "declare", actor=officer, on_date=D0)
    assert refused.value.details == [
        "Upload the document “Survey table”.",
        "Upload the document “County implementation plan”.",
    ]
    _upload(project, "调查摸底表.xlsx", xlsx(), user, kind="survey_table")
    with translation.override("zh-hans"), pytest.raises(BusinessError) as refused:
        workflow.take(project, "declare", actor=officer, on_date=D0)
    assert refused.value.details == ["请上传“县区实施方案”。"]
    assert project.transitions.count() == 0
    _upload(project, "实施方案.pdf", pdf("plan"), user, kind="implementation_plan")
    workflow.take(project, "declare", actor=officer, on_date=D0)

    approver = user("fgw_approver")
    with translation.override("en"), pytest.raises(BusinessError) as refused:
        workflow.take(project, "approve", actor=approver, on_date=D0)
    assert refused.value.details == ["Upload the document “Project approval”."]
    _upload(project, "立项批复.pdf", pdf("pf"), user, kind="approval", who="fgw_approver")
    workflow.take(project, "approve", actor=approver, on_date=D0)
    project.refresh_from_db()
    assert project.stage == Stage.APPROVED
    assert [k.code for k in documents.missing_for(project, "tender")] == [
        "award_notice",
        "contract",
    ]
    assert [k.code for k in documents.missing_for(project, "accept")] == ["completion_acceptance"]
    assert documents.missing_for(project, "fund") == []


# --------------------------------------------------------------------------- pages
def test_project_page_panel_and_upload_through_the_page(project, user, client_as, files):
    client = client_as("yx_officer")
    page = client.get(f"/projects/{project.pk}/")
    panel = page.context["documents"]
    assert [(label, [k.code for k in ks]) for label, ks in panel["needs"]] == [
        ("申报", ["survey_table", "implementation_plan"])
    ]
    assert "audit_report" not in [k.code for k in panel["upload_kinds"]]
    item = project.items.order_by("pk").first()
    response = client.post(
        f"/documents/project/{project.pk}/upload/",
        {"kind": "photo_before", "item": item.pk, "file": upload_file("楼.jpg", jpeg())},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    doc = Document.objects.get()
    assert (doc.item_id, doc.kind, doc.uploaded_by.username) == (
        item.pk,
        "photo_before",
        "yx_officer",
    )
    html = response.content.decode()
    assert f'src="/documents/{doc.pk}/thumbnail/"' in html and doc.sha256[:12] in html
    assert " style=" not in html.split('data-testid="documents"')[1].split("</div>")[0]
    bad = client.post(
        f"/documents/project/{project.pk}/upload/",
        {"kind": "approval", "file": upload_file("批复.pdf", b"MZ" + b"\x00" * 64)},
        follow=True,
    )
    assert [str(m) for m in bad.context["messages"]] == [
        "文件“批复.pdf”：内容是程序（可执行文件），一律不接受。"
    ]
    assert Document.objects.count() == 1
    assert (
        client.post(
            f"/documents/project/{project.pk}/upload/", {"kind": "other", "item": "x"}, follow=True
        ).status_code
        == 200
    )
    assert (
        client_as("pd_officer").post(f"/documents/project/{project.pk}/upload/").status_code == 404
    )
    assert (
        client_as("contractor").post(f"/documents/project/{project.pk}/upload/").status_code == 403
    )


# --------------------------------------------------------------------------- S3
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(settings, monkeypatch):
    """A local S3-compatible endpoint (moto in server mode) and the documents' storage on it."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="jigai-documents")
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "jigai-documents",
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


def test_s3_round_trip_against_a_local_endpoint(project, user, client_as, s3):
    data = jpeg((640, 480), gps=True)
    doc = _upload(project, "改造后.jpg", data, user, kind="photo_after")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="jigai-documents")["Contents"])
    assert keys == sorted([doc.stored_as, doc.thumbnail])
    body = s3.get_object(Bucket="jigai-documents", Key=doc.stored_as)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == doc.sha256 == hashlib.sha256(data).hexdigest()
    response = client_as("yx_officer").get(f"/documents/{doc.pk}/")
    assert response.status_code == 200 and response.content == data
    thumb = s3.get_object(Bucket="jigai-documents", Key=doc.thumbnail)["Body"].read()
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.size == (320, 240) and 0x8825 not in im.getexif()
    # a refused upload leaves nothing in the bucket; a delete is refused, the object stays
    with pytest.raises(BusinessError):
        _upload(project, "改造后2.pdf", b"MZ" + b"\x00" * 64, user, kind="photo_after")
    with pytest.raises(ValueError, match="never deleted"):
        doc.delete()
    keys_after = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="jigai-documents")["Contents"])
    assert keys_after == keys
