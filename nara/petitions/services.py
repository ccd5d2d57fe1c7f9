"""Every write to a petition. Each state change runs in one transaction: lock the petition, check
who may do it and that the transition table allows it, change the state, write the audit event,
queue notifications (outbox rows in the same transaction; mail leaves after commit).

Signing is the hot path of a national surge and is kept short: insert the signature, add one to a
random shard of the count, and, only when a threshold may have been crossed, take the petition's
lock to move it on (exactly once: the transition re-reads the state under the lock)."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import route
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.core.transitions import lock, transition
from nara.core.uploads import CleanFile
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import policies
from .models import (
    Petition,
    PetitionImage,
    PetitionType,
    RejectionReason,
    SignatureCounter,
    Status,
    Supporter,
)
from .transitions import TABLE, Action, can_transition

Role = Membership.Role
S = Status
TITLE_MAX, BODY_MIN, BODY_MAX, LINKS_MAX, IMAGES_MAX = 100, 30, 5000, 3, 3


class AlreadySigned(Exception):
    """This person's signature is already counted on this petition (409)."""


class NotSignable(InvalidTransition):
    def __init__(self):
        super().__init__(_("This petition is not open for signatures."))


def petition_url(petition: Petition) -> str:
    return f"/petitions/{petition.pk}/"


def office_url(petition: Petition) -> str:
    return f"/office/petitions/{petition.pk}/"


def ip_hash(ip: str) -> str:
    """A keyed hash of a client address: moderators can match it, nobody can read it back."""
    if not ip:
        return ""
    return salted_hmac("nara.petitions.ip", ip, algorithm="sha256").hexdigest()[:32]


def petition_transition(
    petition: Petition, *, by, action: Action, allowed, event: EventType, data=None
):
    """One state change of a petition (nara.core.transitions.transition), its type read with
    the locked row."""
    return transition(
        petition,
        by=by,
        action=action,
        table=TABLE,
        allowed=allowed,
        event=event,
        data=data,
        locker=lambda p: lock(p, "type"),
    )


# --- writing ---------------------------------------------------------------------------------


def default_type() -> PetitionType:
    return PetitionType.objects.get(code=settings.NARA_PETITION_DEFAULT_TYPE)


def clean_links(links) -> list[str]:
    cleaned = []
    for raw in links or []:
        link = (raw or "").strip()
        if not link:
            continue
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 500:
            raise ValidationError({"links": _("Links must be web addresses (https://…).")})
        cleaned.append(link)
    if len(cleaned) > LINKS_MAX:
        raise ValidationError({"links": _("Add at most %(n)d links.") % {"n": LINKS_MAX}})
    return cleaned


def validate_petition(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give your petition a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": TITLE_MAX}
    if len(body) < BODY_MIN:
        errors["body"] = _("Explain your petition in at least %(n)d characters.") % {"n": BODY_MIN}
    elif len(body) > BODY_MAX:
        errors["body"] = _("The text can be at most %(n)d characters.") % {"n": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return title, body


def petition_create(
    *,
    author,
    title: str,
    body: str,
    category=None,
    links=(),
    images: list[CleanFile] = (),
    type: PetitionType | None = None,
    idempotency_key: str = "",
) -> Petition:
    """A citizen submits a petition: it starts gathering early supporters through its share
    link. A retry with the same idempotency key returns the first petition."""
    if not getattr(author, "is_authenticated", False):
        raise NotAllowed()
    title, body = validate_petition(title, body)
    links = clean_links(links)
    if len(images) > IMAGES_MAX:
        raise ValidationError({"images": _("Add at most %(n)d images.") % {"n": IMAGES_MAX}})
    if idempotency_key and (
        earlier := Petition.objects.filter(author=author, idempotency_key=idempotency_key).first()
    ):
        return earlier
    type = type or default_type()
    now = timezone.now()
    written = []
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                author=author,
                type=type,
                title=title,
                body=body,
                category=category,
                links=links,
                status=S.GATHERING,
                created_at=now,
                support_deadline=now + timedelta(days=type.support_days),
                idempotency_key=idempotency_key,
            )
            for position, item in enumerate(images):
                image = PetitionImage.objects.create(
                    petition=petition,
                    file=ContentFile(item.data, name=item.name),
                    position=position,
                )
                written.append(image.file.name)
            audit_record(
                actor=author,
                event_type=EventType.PETITION_CREATED,
                target=petition,
                to_state=petition.status,
            )
            notify(
                user=author,
                subject=msg(_("Your petition “%(title)s” needs supporters"), {"title": title}),
                body=msg(
                    _(
                        "Share its link: when %(n)d people support it within %(days)d days, "
                        "moderators review it and open it for signatures."
                    ),
                    {"n": type.supporters_needed, "days": type.support_days},
                ),
                url=petition_url(petition),
            )
    except BaseException as error:
        for name in written:
            default_storage.delete(name)
        if isinstance(error, IntegrityError) and idempotency_key:
            if same := Petition.objects.filter(
                author=author, idempotency_key=idempotency_key
            ).first():
                return same
        raise
    return petition


def petition_support(*, petition: Petition, by) -> Petition:
    """An early supporter (사전동의) backs the petition through its share link. At the number
    the petition type asks for, the petition goes to moderation."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed()
    with transaction.atomic():
        locked = Petition.objects.select_for_update().select_related("type").get(pk=petition.pk)
        if not can_transition(locked.status, Action.SUPPORT):
            raise InvalidTransition()
        if locked.author_id == by.pk:
            raise ValidationError({"petition": _("You cannot support your own petition.")})
        if Supporter.objects.filter(petition=locked, user=by).exists():
            return locked  # supporting twice counts once
        Supporter.objects.create(petition=locked, user=by)
        locked.supporter_count += 1
        old = locked.status
        now = timezone.now()
        if locked.supporter_count >= locked.type.supporters_needed:
            locked.status = S.REVIEW
            locked.review_started_at = now
            locked.review_due_at = now + timedelta(days=locked.type.review_days)
        locked.save()
        audit_record(
            actor=by,
            event_type=EventType.PETITION_SUPPORTED,
            target=locked,
            from_state=old,
            to_state=locked.status,
            data={"supporters": locked.supporter_count},
        )
        if locked.status == S.REVIEW:
            notify(
                user=locked.author,
                subject=msg(_("Your petition “%(title)s” is in review"), {"title": locked.title}),
                body=msg(
                    _("It has %(n)d supporters. Moderators will review it by %(due)s."),
                    {"n": locked.supporter_count, "due": format_date(locked.review_due_at)},
                ),
                url=petition_url(locked),
            )
    return locked


def format_date(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def petition_withdraw(*, petition: Petition, by) -> Petition:
    """The author takes the petition back before it opens."""
    with petition_transition(
        petition,
        by=by,
        action=Action.WITHDRAW,
        allowed=policies.can_withdraw,
        event=EventType.PETITION_WITHDRAWN,
    ) as change:
        pass
    return change.obj


# --- moderation ------------------------------------------------------------------------------


def petition_open(*, petition: Petition, by, unit=None) -> Petition:
    """A moderator accepts the petition: it opens for signatures for the type's period, with
    the competent agency chosen (or found by the routing rules)."""
    with petition_transition(
        petition,
        by=by,
        action=Action.OPEN,
        allowed=policies.can_moderate,
        event=EventType.PETITION_OPENED,
    ) as change:
        p = change.obj
        now = timezone.now()
        p.unit = unit or p.unit or route(category=p.category, text=f"{p.title}\n{p.body}")
        p.opened_at = now
        p.closes_at = now + timedelta(days=p.type.open_days)
        SignatureCounter.objects.bulk_create(
            SignatureCounter(petition=p, shard=i)
            for i in range(settings.NARA_SIGNATURE_COUNTER_SHARDS)
        )
        change.data = {"unit": p.unit.code if p.unit else None}
        notify(
            user=p.author,
            subject=msg(_("Your petition “%(title)s” is open"), {"title": p.title}),
            body=msg(
                _("It collects signatures until %(closes)s."), {"closes": format_date(p.closes_at)}
            ),
            url=petition_url(p),
        )
    return p


def petition_reject(
    *, petition: Petition, by, reason: str, text: str, duplicate_of: Petition | None = None
) -> Petition:
    """A moderator rejects the petition with a published reason."""
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    text = required(text, "text", _("Explain the decision: it is published."))
    if reason == RejectionReason.DUPLICATE:
        if duplicate_of is None or not duplicate_of.is_public or duplicate_of.pk == petition.pk:
            raise ValidationError(
                {"duplicate_of": _("Give the number of the published petition it duplicates.")}
            )
    with petition_transition(
        petition,
        by=by,
        action=Action.REJECT,
        allowed=policies.can_moderate,
        event=EventType.PETITION_REJECTED,
        data={"reason": reason},
    ) as change:
        p = change.obj
        p.rejection_reason, p.rejection_text = reason, text
        p.duplicate_of = duplicate_of if reason == RejectionReason.DUPLICATE else None
        notify(
            user=p.author,
            subject=msg(_("Your petition “%(title)s” was not accepted"), {"title": p.title}),
            body=text,
            url=petition_url(p),
        )
    return p
