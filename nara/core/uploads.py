"""Checking citizens' attachments by their content.

Nothing the browser says is trusted: neither the file name nor the content type. A file is
accepted only when its first bytes say PDF, JPEG or PNG, and then:

* images are decoded by Pillow (with a pixel limit against decompression bombs), turned upright
  according to their EXIF orientation and re-encoded from the pixels alone, so that no metadata
  (EXIF, GPS position, ICC profile, text chunks, comments) and nothing appended to the file
  (polyglots) survives;
* PDFs are kept byte for byte, but must look complete (``%%EOF`` near the end) and must not contain
  scripts, launch actions or embedded files. PDF names are compared after resolving ``#xx``
  escapes, and compressed object streams are inflated and checked too, since that is where such
  dictionaries hide in PDF 1.5+ files.

``clean_uploads`` is what forms and views call; it returns ``CleanFile`` objects whose ``name``
is safe to use as a stored file name (the directory is the caller's business).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from nara.core.korean import WithParticles

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
_PILLOW_FORMATS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",)}

# Anything larger is refused as too_many_pixels; overridable with settings.NARA_MAX_IMAGE_PIXELS.
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
JPEG_QUALITY = 85
MAX_STEM_CHARS = 80
FALLBACK_STEM = "attachment"
MAX_DISPLAY_NAME_CHARS = 100

# PDF names that make a document active or carry other files. "EmbeddedFiles" is the name tree
# key that lists attachments; "EmbeddedFile" is the type of the attached stream itself.
_FORBIDDEN_PDF_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"}
)
# How much inflated object-stream data one PDF may make us read (protects against zip bombs).
_MAX_PDF_INFLATE_BYTES = 64 * 1024 * 1024
_PDF_EOF_WINDOW = 1024

# A PDF name: "/" then regular characters (anything but white space and delimiters).
_PDF_NAME_RE = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_NAME_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
# The "stream" keyword that starts stream data (not the end of "endstream").
_PDF_STREAM_RE = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_PDF_OBJ_RE = re.compile(rb"(?<![A-Za-z])obj(?![A-Za-z])")
_PDF_FILTER_NAMES = frozenset(
    {
        b"ASCIIHexDecode",
        b"ASCII85Decode",
        b"LZWDecode",
        b"FlateDecode",
        b"RunLengthDecode",
        b"CCITTFaxDecode",
        b"JBIG2Decode",
        b"DCTDecode",
        b"JPXDecode",
        b"Crypt",
        b"AHx",
        b"A85",
        b"LZW",
        b"Fl",
        b"RL",
        b"CCF",
        b"DCT",
    }
)

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


@dataclass(frozen=True)
class CleanFile:
    """An accepted attachment: a safe stored name, the detected content type and the bytes."""

    name: str
    content_type: str
    data: bytes = field(repr=False)


# --- public API ---------------------------------------------------------------------------------


def clean_upload(
    upload: UploadedFile, *, max_bytes: int | None = None, max_side: int | None = None
) -> CleanFile:
    """Check one uploaded file by its content; raise ValidationError or return a CleanFile.

    Optional: `max_bytes` replaces settings.NARA_MAX_ATTACHMENT_BYTES as the size limit, and
    `max_side` shrinks images whose longer side is larger to that many pixels (aspect kept)."""
    display = display_name(upload)
    data = _read_limited(upload, display, max_bytes)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationError(
            WithParticles(_("%(name)s is not a PDF, JPEG or PNG file.")),
            code="wrong_type",
            params={"name": display},
        )
    if content_type == PDF:
        _check_pdf(data, display)
    else:
        data = _reencode_image(data, content_type, display, max_side)
    return CleanFile(
        name=safe_name(upload.name or "", content_type),
        content_type=content_type,
        data=data,
    )


def clean_uploads(files: list[UploadedFile]) -> list[CleanFile]:
    """Check all attachments of one submission; every file's problem is reported at once."""
    files = list(files)
    max_files = int(settings.NARA_MAX_ATTACHMENTS)
    if len(files) > max_files:
        raise ValidationError(
            _("You can attach at most %(max)d files; you chose %(count)d."),
            code="too_many",
            params={"max": max_files, "count": len(files)},
        )
    cleaned: list[CleanFile] = []
    errors: list[ValidationError] = []
    for upload in files:
        try:
            cleaned.append(clean_upload(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return cleaned


def sniff_content_type(data: bytes) -> str | None:
    """The content type that the leading bytes prove, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def safe_name(original: str, content_type: str) -> str:
    """A stored file name: the sanitised stem of `original` plus the detected type's extension.

    Only letters and digits (any script, Korean included), "-" and "_" are kept; every other run
    of characters (path separators, dots, spaces, control and bidi characters) becomes one "_".
    """
    base = re.split(r"[/\\]", original or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 else base
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    stem = re.sub(r"_{2,}", "_", stem).strip("-_")[:MAX_STEM_CHARS].strip("-_")
    if not stem:
        stem = FALLBACK_STEM
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    return stem + EXTENSIONS[content_type]


# --- reading ------------------------------------------------------------------------------------


def display_name(upload: UploadedFile) -> str:
    """The file name as the citizen knows it, for messages only (shortened, never for storage)."""
    name = re.split(r"[/\\]", upload.name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if len(name) > MAX_DISPLAY_NAME_CHARS:
        name = name[: MAX_DISPLAY_NAME_CHARS - 1] + "…"
    return name or _("attachment")


def limits_text() -> str:
    """What an attachments field says of the limits (the settings of the moment)."""
    return _("Up to %(n)d files: PDF, JPEG or PNG, at most %(mb)s MB each.") % {
        "n": settings.NARA_MAX_ATTACHMENTS,
        "mb": f"{settings.NARA_MAX_ATTACHMENT_BYTES / (1024 * 1024):g}",
    }


def _format_mb(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g}" if mb >= 1 else f"{mb:.2f}"


def _too_large(display: str, limit: int) -> ValidationError:
    return ValidationError(
        WithParticles(_("%(name)s is larger than %(limit_mb)s MB.")),
        code="too_large",
        params={"name": display, "limit_mb": _format_mb(limit), "limit_bytes": limit},
    )


def _read_limited(upload: UploadedFile, display: str, max_bytes: int | None = None) -> bytes:
    limit = int(settings.NARA_MAX_ATTACHMENT_BYTES if max_bytes is None else max_bytes)
    if upload.size is not None and upload.size > limit:
        raise _too_large(display, limit)
    try:
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    data = upload.read(limit + 1) or b""  # never trust .size: read one byte past the limit
    if len(data) > limit:
        raise _too_large(display, limit)
    if not data:
        raise ValidationError(
            WithParticles(_("%(name)s is empty.")), code="empty", params={"name": display}
        )
    return bytes(data)


# --- images -------------------------------------------------------------------------------------


def _max_pixels() -> int:
    return int(getattr(settings, "NARA_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def _corrupt(display: str) -> ValidationError:
    return ValidationError(
        WithParticles(_("%(name)s is damaged or incomplete and cannot be read.")),
        code="corrupt",
        params={"name": display},
    )


def _too_many_pixels(display: str, max_pixels: int) -> ValidationError:
    return ValidationError(
        WithParticles(
            _(
                "The image %(name)s is too large: at most %(max_megapixels)s megapixels are accepted."
            )
        ),
        code="too_many_pixels",
        params={"name": display, "max_megapixels": f"{max_pixels / 1_000_000:g}"},
    )


def _reencode_image(
    data: bytes, content_type: str, display: str, max_side: int | None = None
) -> bytes:
    max_pixels = _max_pixels()
    formats = _PILLOW_FORMATS[content_type]
    # Pillow's own bomb check warns (and errs beyond twice Image.MAX_IMAGE_PIXELS); make the
    # warning an error for this block only. catch_warnings restores the filters on exit.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open reads only the header: check the size before any pixel is decoded.
            with Image.open(io.BytesIO(data), formats=[formats[0]]) as probe:
                if probe.format not in formats:
                    raise _corrupt(display)
                _check_pixels(probe, display, max_pixels)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[formats[0]]) as image:
                _check_pixels(image, display, max_pixels)
                image.load()
                upright = _upright(image)
                if max_side and max(upright.size) > max_side:
                    upright = _shrunk(upright, max_side)
                return _encode_without_metadata(upright, content_type)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(display, max_pixels) from None
        except Exception as error:  # Pillow raises many types for malformed input
            logger.info("Refused unreadable %s upload: %r", content_type, error)
            raise _corrupt(display) from None


def _check_pixels(image: Image.Image, display: str, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _corrupt(display)
    if width * height > max_pixels:
        raise _too_many_pixels(display, max_pixels)


def _shrunk(image: Image.Image, max_side: int) -> Image.Image:
    """A copy whose longer side is `max_side` pixels (the aspect ratio kept)."""
    if image.mode == "P":
        image = image.convert("RGBA")
    image = image.copy()
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception as error:  # broken EXIF must not lose the picture: it is dropped anyway
        logger.info("Ignored unreadable EXIF orientation: %r", error)
        return image.copy()


def _encode_without_metadata(image: Image.Image, content_type: str) -> bytes:
    buffer = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")  # CMYK, YCbCr, …
        # Savers fall back to image.info for some metadata (comment, ICC): give them nothing.
        image.info = {}
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        transparency = image.info.get("transparency")
        if image.mode not in ("1", "L", "LA", "I;16", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
            transparency = None
        image.info = {}
        options = {"optimize": True}
        if transparency is not None:
            options["transparency"] = transparency
        image.save(buffer, "PNG", **options)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def _unsafe_pdf(display: str) -> ValidationError:
    return ValidationError(
        _("%(name)s: PDF with scripts or embedded files is not accepted."),
        code="wrong_type",
        params={"name": display},
    )


def _pdf_names(chunk: bytes) -> set[bytes]:
    names = set()
    for match in _PDF_NAME_RE.finditer(chunk):
        name = match.group(1)
        if b"#" in name:
            name = _PDF_NAME_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        names.add(name)
    return names


def _check_pdf(data: bytes, display: str) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise _corrupt(display)
    if _pdf_names(data) & _FORBIDDEN_PDF_NAMES:
        raise _unsafe_pdf(display)
    for chunk in _pdf_object_streams(data, display):
        if _pdf_names(chunk) & _FORBIDDEN_PDF_NAMES:
            raise _unsafe_pdf(display)


def _pdf_object_streams(data: bytes, display: str) -> Iterator[bytes]:
    """Yield the inflated content of every compressed object stream (/Type /ObjStm).

    Dictionaries, actions included, may live inside such streams where a byte scan cannot see
    them. Object streams that we cannot inflate plainly (other filters, predictors, encryption,
    too much data) are refused rather than waved through.
    """
    budget = _MAX_PDF_INFLATE_BYTES
    view = memoryview(data)
    previous_end = 0
    for match in _PDF_STREAM_RE.finditer(data):
        # The stream's dictionary sits between the last "obj" keyword and "stream".
        start = previous_end
        for obj in _PDF_OBJ_RE.finditer(data, previous_end, match.start()):
            start = obj.end()
        previous_end = match.end()
        names = _pdf_names(data[start : match.start()])
        if b"ObjStm" not in names or b"Filter" not in names:
            continue  # not an object stream, or an unfiltered one the byte scan already covered
        if (names & _PDF_FILTER_NAMES) != {b"FlateDecode"} or b"DecodeParms" in names:
            raise _unsafe_pdf(display)
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(view[match.end() :], budget + 1)
        except zlib.error:
            raise _unsafe_pdf(display) from None
        budget -= len(chunk)
        if budget < 0:
            raise _unsafe_pdf(display)
        yield chunk
