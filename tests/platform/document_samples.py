"""Small real files for the documents tests, and the helper that gives a project the
documents a stage transition needs (tests that walk projects through their stages)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jigai.documents import services as documents


def pdf(tag: str = "") -> bytes:
    """A minimal PDF (header, one page, xref and trailer); ``tag`` makes its bytes unique."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    )
    body += f"% {tag}\n".encode()
    xref = len(body)
    return body + (
        b"xref\n0 4\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\n"
        + f"startxref\n{xref}\n%%EOF\n".encode()
    )


def jpeg(size=(800, 600), *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A JPEG photo, optionally with an EXIF orientation and a GPS position."""
    im = Image.new("RGB", size, (180, 40, 40))
    im.paste((20, 60, 200), (0, 0, size[0] // 2, size[1] // 4))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (37.0, 51.0, 0.0), 3: "E", 4: (113.0, 34.0, 0.0)}
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif.tobytes() if (orientation or gps) else b"")
    return out.getvalue()


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "调查摸底表"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not an office file")
    return out.getvalue()


def upload_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def attach_needed(project, action: str, actor) -> list:
    """Upload a small PDF of each kind the transition ``action`` still needs, as ``actor``
    (who must be allowed to upload those kinds on the project)."""
    return [
        documents.upload(
            project,
            kind=kind.code,
            file=upload_file(f"{kind.zh}.pdf", pdf(f"{project.pk}-{kind.code}")),
            actor=actor,
        )
        for kind in documents.missing_for(project, action)
    ]
