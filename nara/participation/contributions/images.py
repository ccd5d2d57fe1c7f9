"""Pictures of contributions: checked by content, re-encoded without metadata (EXIF, GPS…),
resized for phones, with a thumbnail. Only JPEG and PNG are accepted (what
`nara.core.uploads.clean_upload` can check); GIF and WebP are refused with a clear message."""

import io
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from nara.core.korean import WithParticles
from nara.core.uploads import JPEG, PNG, clean_upload, display_name

FULL_SIDE = 1600  # longest side of the stored picture, enough for any phone
THUMB_SIDE = 480
IMAGE_DIR = "contributions"
ACCEPTED = ".jpg,.jpeg,.png,image/jpeg,image/png"


def max_image_bytes() -> int:
    return int(
        getattr(settings, "NARA_CONTRIBUTION_MAX_IMAGE_BYTES", settings.NARA_MAX_ATTACHMENT_BYTES)
    )


@dataclass(frozen=True)
class Picture:
    """An accepted picture: the full image and its thumbnail, ready to store."""

    name: str  # as the author knows it (for messages and the form)
    content_type: str
    data: bytes = field(repr=False)
    width: int
    height: int
    thumb: bytes = field(repr=False)
    thumb_width: int
    thumb_height: int


def _not_a_picture(display: str) -> ValidationError:
    return ValidationError(
        WithParticles(_("%(name)s is not a picture we can accept: choose a JPEG or PNG file.")),
        code="wrong_type",
        params={"name": display},
    )


def picture_clean(upload: UploadedFile) -> Picture:
    """Check and prepare one uploaded picture; ValidationError with a clear message if not."""
    display = display_name(upload)
    try:
        clean = clean_upload(upload, max_bytes=max_image_bytes(), max_side=FULL_SIDE)
    except ValidationError as error:
        if getattr(error, "code", None) == "wrong_type":
            raise _not_a_picture(display) from None
        raise
    if clean.content_type not in (JPEG, PNG):
        raise _not_a_picture(display)
    with Image.open(io.BytesIO(clean.data)) as image:
        image.load()
        width, height = image.size
        thumb = image.copy()
    if thumb.mode == "P":
        thumb = thumb.convert("RGBA")
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if clean.content_type == JPEG:
        if thumb.mode not in ("L", "RGB"):
            thumb = thumb.convert("RGB")
        thumb.save(buffer, "JPEG", quality=80, optimize=True)
    else:
        thumb.save(buffer, "PNG", optimize=True)
    return Picture(
        name=display,
        content_type=clean.content_type,
        data=clean.data,
        width=width,
        height=height,
        thumb=buffer.getvalue(),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )


def picture_store(picture: Picture) -> tuple[str, str, str]:
    """Store a picture and its thumbnail under random names; returns (key, image, thumbnail)."""
    key = secrets.token_hex(12)
    extension = ".png" if picture.content_type == PNG else ".jpg"
    image = default_storage.save(f"{IMAGE_DIR}/{key}{extension}", ContentFile(picture.data))
    thumb = default_storage.save(f"{IMAGE_DIR}/{key}-thumb{extension}", ContentFile(picture.thumb))
    return key, image, thumb


def files_delete(*names: str) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            pass
