"""Every write about contributions: saving the draft (text and pictures), the final submit (once),
discarding and cleaning up drafts."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.errors import InvalidTransition
from nara.notifications.messages import localized, msg
from nara.notifications.services import notify
from nara.participation.models import Action, Process
from nara.participation.moderation import moderation_submit
from nara.participation.policies import require_act

from .images import Picture, files_delete, picture_store
from .models import (
    CAPTION_MAX,
    IMAGES_MAX,
    LOCATION_MAX,
    NAME_MAX,
    TEXT_MAX,
    TEXT_MIN,
    TITLE_MAX,
    Contribution,
    ContributionDraft,
    ContributionImage,
    DraftImage,
)

# Receipt numbers avoid letters people confuse when typing them (0/O, 1/I/L, 5/S, 2/Z, 8/B).
RECEIPT_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


class DraftExpired(InvalidTransition):
    """The draft is past its expiry: it can no longer be sent (the clean-up deletes it)."""

    def __init__(self, process):
        super().__init__(
            _(
                "Your draft has expired: drafts are kept for a limited time only. Please write "
                "your contribution again."
            )
        )
        self.process = process


def draft_lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "NARA_CONTRIBUTION_DRAFT_HOURS", 24))


def receipt_number_new() -> str:
    """A receipt number people can read out and type: HYS-2026-7KM9-QX3A."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(8))
    return f"HYS-{timezone.localdate().year}-{chars[:4]}-{chars[4:]}"


@dataclass
class DraftInput:
    """What the form sends: the texts as typed, and per picture slot (1–4) its caption, whether
    to remove the picture there, and a new accepted picture for it."""

    title: str = ""
    text: str = ""
    credit_name: str = ""
    credit_location: str = ""
    consent: bool = False
    captions: dict[int, str] | None = None
    remove_slots: frozenset[int] = frozenset()
    pictures: dict[int, Picture] | None = None
    ready: bool = False


def _clip(value: str, limit: int) -> str:
    return (value or "").replace("\x00", "").strip()[:limit]


def draft_save(
    *, user, process: Process, data: DraftInput, draft: ContributionDraft | None = None
) -> ContributionDraft:
    """Save what was typed and the accepted pictures into the user's draft for `process`
    (created when needed). Everything is kept even when the form had errors; `ready` says
    whether it may be previewed and submitted."""
    now = timezone.now()
    new_files: list[str] = []
    old_files: list[str] = []
    try:
        with transaction.atomic():
            require_act(user, process, Action.CONTRIBUTE)
            if draft is None:
                draft = (
                    ContributionDraft.objects.select_for_update()
                    .filter(user=user, process=process)
                    .first()
                )
                if draft is not None and draft.expires_at <= now:
                    old_files += _draft_files(draft)
                    draft.delete()
                    draft = None
            else:
                draft = ContributionDraft.objects.select_for_update().get(pk=draft.pk, user=user)
            if draft is None:
                draft = ContributionDraft(
                    token=uuid.uuid4(), user=user, process=process, created_at=now
                )
            draft.title = _clip(data.title, TITLE_MAX)
            draft.text = (data.text or "").replace("\x00", "")[: TEXT_MAX * 2]
            draft.credit_name = _clip(data.credit_name, NAME_MAX)
            draft.credit_location = _clip(data.credit_location, LOCATION_MAX)
            draft.consent = bool(data.consent)
            draft.ready = bool(data.ready)
            draft.updated_at = now
            draft.expires_at = now + draft_lifetime()
            draft.save()
            images = {image.slot: image for image in draft.images.all()}
            captions = data.captions or {}
            for slot in range(1, IMAGES_MAX + 1):
                current = images.get(slot)
                picture = (data.pictures or {}).get(slot)
                if current is not None and (slot in data.remove_slots or picture is not None):
                    old_files += [current.image, current.thumbnail]
                    current.delete()
                    current = None
                if picture is not None:
                    key, image, thumb = picture_store(picture)
                    new_files += [image, thumb]
                    current = DraftImage.objects.create(
                        draft=draft,
                        key=key,
                        slot=slot,
                        image=image,
                        thumbnail=thumb,
                        content_type=picture.content_type,
                        name=picture.name[:120],
                        width=picture.width,
                        height=picture.height,
                        thumb_width=picture.thumb_width,
                        thumb_height=picture.thumb_height,
                    )
                if current is not None and slot in captions:
                    caption = _clip(captions[slot], CAPTION_MAX)
                    if caption != current.caption:
                        current.caption = caption
                        current.save(update_fields=["caption"])
    except BaseException:
        files_delete(*new_files)
        raise
    transaction.on_commit(lambda: files_delete(*old_files))
    return draft


def _draft_files(draft: ContributionDraft) -> list[str]:
    names = []
    for image in draft.images.all():
        names += [image.image, image.thumbnail]
    return names


def draft_check(draft: ContributionDraft) -> None:
    """What must hold before the final submit (the form checks the same, with its messages)."""
    errors = {}
    if not draft.title.strip():
        errors["title"] = _("Give your contribution a title.")
    text = draft.text.strip()
    if len(text) < TEXT_MIN:
        errors["text"] = _("Write at least %(n)d characters.") % {"n": TEXT_MIN}
    elif len(text) > TEXT_MAX:
        errors["text"] = _("Write at most %(n)d characters.") % {"n": TEXT_MAX}
    if not draft.consent:
        errors["consent"] = _("Agree to the submission guidelines to send your contribution.")
    if len(draft.images.all()) > IMAGES_MAX:
        errors["pictures"] = _("A contribution can have at most %(n)d pictures.") % {
            "n": IMAGES_MAX
        }
    if errors:
        raise ValidationError(errors)


def contribution_submit(*, user, token) -> Contribution:
    """The final submit: the draft becomes a contribution waiting for moderation, with its
    pictures, exactly once. A repeated or simultaneous submit of the same draft returns the
    contribution already made. The author gets a receipt (in-site and by e-mail)."""
    key = str(token)
    earlier = Contribution.objects.filter(author=user, submit_key=key).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            now = timezone.now()
            draft = (
                ContributionDraft.objects.select_for_update()
                .select_related("process")
                .filter(token=token, user=user, expires_at__gt=now)
                .first()
            )
            if draft is None:
                earlier = Contribution.objects.filter(author=user, submit_key=key).first()
                if earlier is not None:  # a simultaneous submit made it meanwhile
                    return earlier
                expired = (
                    ContributionDraft.objects.select_related("process")
                    .filter(token=token, user=user)
                    .first()
                )
                if expired is not None:
                    raise DraftExpired(expired.process)
                raise ContributionDraft.DoesNotExist
            process = draft.process
            require_act(user, process, Action.CONTRIBUTE)
            draft_check(draft)
            contribution = Contribution.objects.create(
                author=user,
                process=process,
                receipt_number=_unique_receipt_number(),
                title=draft.title.strip(),
                text=draft.text.strip(),
                credit_name=draft.credit_name,
                credit_location=draft.credit_location,
                submit_key=key,
            )
            for order, image in enumerate(draft.images.all(), start=1):
                ContributionImage.objects.create(
                    contribution=contribution,
                    order=order,
                    image=image.image,
                    thumbnail=image.thumbnail,
                    content_type=image.content_type,
                    caption=image.caption,
                    alt=image.caption or _("Picture %(n)d of the contribution") % {"n": order},
                    width=image.width,
                    height=image.height,
                    thumb_width=image.thumb_width,
                    thumb_height=image.thumb_height,
                )
            draft.delete()  # its pictures' files now belong to the contribution
            moderation_submit(item=contribution)
            url = contribution.get_absolute_url()
            notify(
                user=user,
                subject=msg(
                    _("Contribution received: receipt number %(no)s"),
                    {"no": contribution.receipt_number},
                ),
                body=msg(
                    _(
                        "We received your contribution “%(title)s” to “%(process)s”. Your "
                        "receipt number is %(no)s. Moderators check it against the submission "
                        "guidelines before it is published; we will tell you when they have."
                    ),
                    {
                        "title": contribution.title,
                        "process": localized(process, "title"),
                        "no": contribution.receipt_number,
                    },
                ),
                url=url,
            )
    except IntegrityError:
        earlier = Contribution.objects.filter(author=user, submit_key=key).first()
        if earlier is None:
            raise
        return earlier
    return contribution


def _unique_receipt_number() -> str:
    for _attempt in range(10):
        number = receipt_number_new()
        if not Contribution.objects.filter(receipt_number=number).exists():
            return number
    raise RuntimeError("could not find a free receipt number")


def draft_discard(*, user, token) -> None:
    """Throw the user's draft away, text and pictures."""
    with transaction.atomic():
        draft = ContributionDraft.objects.filter(token=token, user=user).first()
        if draft is None:
            return
        names = _draft_files(draft)
        draft.delete()
        transaction.on_commit(lambda: files_delete(*names))


def drafts_cleanup(*, now=None) -> int:
    """Delete drafts past their expiry, with their pictures' files. Returns how many."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        # A draft being submitted is locked by the submit: skip it rather than delete the files
        # the new contribution is taking over (the submit deletes the draft itself).
        drafts = list(
            ContributionDraft.objects.select_for_update(skip_locked=True)
            .filter(expires_at__lte=now)
            .order_by("pk")
            .prefetch_related("images")
        )
        names = []
        for draft in drafts:
            names += _draft_files(draft)
            draft.delete()
            count += 1
        transaction.on_commit(lambda: files_delete(*names))
    return count
