"""What a file is, from its content (never from its name): PDF by its header and trailer,
images by decoding them with Pillow, xlsx/docx by the package's ``[Content_Types].xml``;
executables are named as such. Thumbnails of images: EXIF orientation applied, no EXIF
(so no GPS position) kept."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {  # the formats a file name claims
    "pdf": "pdf",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "webp": "webp",
    "xlsx": "xlsx",
    "docx": "docx",
}
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux ELF
    b"#!",  # a script
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
OOXML_MAIN = {  # the main part's content type in [Content_Types].xml
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
}
PILLOW_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 80_000_000  # a photo of more pixels is refused (decompression bomb)
THUMBNAIL_PX = 320


class NotRecognised(ValueError):
    """The content is no format we keep; the message says what was found."""


@dataclass(frozen=True)
class Sniffed:
    format: str
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def claimed_format(name: str) -> str | None:
    """The format the file name claims by its extension (None: no known extension)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTENSIONS.get(ext)


def sniff(data: bytes) -> Sniffed:
    """The format of ``data``, or :class:`NotRecognised` saying why not."""
    if not data:
        raise NotRecognised(_("the file is empty."))
    if data.startswith(EXECUTABLE_MAGIC):
        raise NotRecognised(_("the content is a program (executable), which is never accepted."))
    if data.startswith(b"%PDF-"):
        tail = data[-2048:]
        if b"%%EOF" not in tail or b"startxref" not in tail:
            raise NotRecognised(_("the PDF is cut off (no trailer at its end)."))
        return Sniffed("pdf")
    if data.startswith(b"PK\x03\x04"):
        return Sniffed(_office(data))
    return _image(data)


def _office(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                raise NotRecognised(_("the package's content list is too large."))
            types = z.read(info)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise NotRecognised(_("the zip file is not an Excel (xlsx) or Word (docx) file.")) from exc
    for fmt, main in OOXML_MAIN.items():
        if main in types:
            return fmt
    raise NotRecognised(_("the zip file is not an Excel (xlsx) or Word (docx) file."))


def _image(data: bytes) -> Sniffed:
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = PILLOW_FORMATS.get(im.format or "")
            if fmt is None:
                raise NotRecognised(_("the content is no PDF, photo, xlsx or docx file."))
            if im.width * im.height > MAX_PIXELS:
                raise NotRecognised(_("the photo has too many pixels."))
            im.load()  # decodes every pixel: a damaged photo fails here
            return Sniffed(fmt, im.width, im.height)
    except NotRecognised:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        if _looks_like_image(data):
            raise NotRecognised(_("the photo is damaged: it does not decode.")) from None
        raise NotRecognised(_("the content is no PDF, photo, xlsx or docx file.")) from None


def _looks_like_image(data: bytes) -> bool:
    """Whether ``data`` begins like a JPEG, PNG or WebP (whether or not it decodes)."""
    return data.startswith((b"\xff\xd8", b"\x89PNG")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def thumbnail(data: bytes) -> bytes:
    """A JPEG of at most ``THUMBNAIL_PX`` on its longer side, turned upright by the EXIF
    orientation and carrying no EXIF at all (no GPS position)."""
    with Image.open(io.BytesIO(data)) as im:
        upright = ImageOps.exif_transpose(im)
        upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=82)  # no exif= given: none written
        return out.getvalue()
