"""Signing a petition: one click for signed-in citizens, name, e-mail and region with a
mailed confirmation for anyone else; the count in shards; thresholds reached move the petition
once, under its lock, and everyone concerned is told."""

import hashlib
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import unit_members
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import NotAllowed
from nara.core.prepared import PreparedQuery
from nara.notifications.messages import msg
from nara.notifications.services import email_enqueue, notify

from . import emails
from .models import (
    PendingSignature,
    Petition,
    Signature,
    Status,
)
from .services import AlreadySigned, NotSignable, format_date, ip_hash, office_url, petition_url
from .signing_limits import mail_refusal
from .transitions import Action, can_transition

Role = Membership.Role
S = Status


def _increment(petition_id: int) -> None:
    shard = random.randrange(settings.NARA_SIGNATURE_COUNTER_SHARDS)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE petitions_signaturecounter SET count = count + 1 "
            "WHERE petition_id = %s AND shard = %s",
            [petition_id, shard],
        )


def signature_count(petition_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(count), 0) FROM petitions_signaturecounter WHERE petition_id = %s",
            [petition_id],
        )
        return cursor.fetchone()[0]


def _add_signature(petition: Petition, signature: Signature) -> Signature:
    """Insert and count, in one transaction; AlreadySigned if the person's signature is there."""
    if not petition.is_signable():
        raise NotSignable()
    try:
        with transaction.atomic():
            signature.save(force_insert=True)
            _increment(petition.pk)
    except IntegrityError:
        raise AlreadySigned() from None
    _after_signature(petition)
    return signature


def _after_signature(petition: Petition) -> None:
    kind = petition.type
    if petition.status == S.AWAITING_ANSWER:
        return
    total = signature_count(petition.pk)
    if total >= kind.refer_threshold:
        reach_thresholds(petition.pk)


def petition_sign(*, petition: Petition, by, ip: str = "") -> Signature:
    """A signed-in citizen signs with one click. One signature per person."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed()
    region = by.region if by.region_id else None
    return _add_signature(
        petition,
        Signature(
            petition=petition,
            user=by,
            email_canonical=emails.canonical(by.email),
            email_domain=emails.domain_of(by.email),
            name=(by.name or by.display_name)[:100],
            region_id=by.region_id,
            sido_code=_sido(region),
            ip_hash=ip_hash(ip),
            notify=True,
        ),
    )


def _sido(region) -> str:
    if region is None:
        return ""
    return region.code[:2]


def _signature_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Refused(Exception):
    """The signature is refused without telling the sender (disposable domain, a form sent
    faster than a person can): the caller answers as if it were accepted."""


def petition_sign_by_email(
    *,
    petition: Petition,
    name: str,
    email: str,
    region,
    notify_answer: bool = True,
    ip: str = "",
    form_seconds: float | None = None,
    language: str = "",
) -> PendingSignature | None:
    """Someone without an account signs: we send a link; the signature counts once they press
    Confirm on the page it opens. Returns None when the attempt is refused quietly, or when no
    mail may go to the address now (signing_limits: one pending link per petition, a daily cap)."""
    name = (name or "").strip()
    email = (email or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter your name.")
    elif len(name) > 100:
        errors["name"] = _("The name can be at most 100 characters.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter a valid e-mail address.")
    if region is None:
        errors["region"] = _("Choose your region.")
    if errors:
        raise ValidationError(errors)
    if not petition.is_signable():
        raise NotSignable()
    domain = emails.domain_of(email)
    reason = ""
    if emails.is_disposable(domain):
        reason = "disposable_domain"
    elif form_seconds is not None and form_seconds < settings.NARA_PETITION_FORM_MIN_SECONDS:
        reason = "form_too_fast"
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    canonical = emails.canonical(email)
    with transaction.atomic():
        reason = reason or mail_refusal(petition=petition, email_canonical=canonical, now=now)
        if reason:  # no mail: the caller answers as if it had gone (the page says why it may not)
            audit_record(
                actor=None,
                event_type=EventType.PETITION_SIGNATURE_REFUSED,
                target=petition,
                data={"reason": reason, "domain": domain, "ip": ip_hash(ip)},
            )
            return None
        pending = PendingSignature.objects.create(
            petition=petition,
            token_hash=_signature_token_hash(token),
            name=name,
            email=email,
            email_canonical=canonical,
            region=region,
            notify=notify_answer,
            language=language or settings.LANGUAGE_CODE,
            ip_hash=ip_hash(ip),
            created_at=now,
            expires_at=now + timedelta(hours=settings.NARA_SIGNATURE_CONFIRM_HOURS),
        )
        with translation.override(language or settings.LANGUAGE_CODE):
            email_enqueue(
                to=email,
                subject=str(_("Confirm your signature: %(title)s") % {"title": petition.title}),
                body=str(
                    _(
                        "Someone, we hope you, signed the petition “%(title)s” with this "
                        "address. To count your signature, open this link and press Confirm:"
                        "\n\n%(link)s\n\nIf it was not you, ignore this mail: nothing is "
                        "counted without the button. The link works for %(hours)d hours."
                    )
                    % {
                        "title": petition.title,
                        "link": f"{settings.SITE_URL}/petitions/confirm/{token}/",
                        "hours": settings.NARA_SIGNATURE_CONFIRM_HOURS,
                    }
                ),
            )
    return pending


# The confirmation page and its button read the pending signature by its link: compiled once
# (nara.core.prepared), the e-mail path's most frequent query.
_pending_by_hash = PreparedQuery(
    lambda token_hash: (
        PendingSignature.objects.select_related("petition", "petition__type", "region")
        .filter(token_hash=token_hash)
        .order_by()[:1]
    )
)


def pending_signature_for(token: str) -> PendingSignature | None:
    """The pending signature a link names, if it is still valid. Reading spends nothing."""
    if not token or len(token) > 100:
        return None
    pending = _pending_by_hash.first(token_hash=_signature_token_hash(token))
    if pending is None or pending.expires_at <= timezone.now():
        return None
    return pending


def petition_confirm_signature(*, token: str, pending: PendingSignature | None = None) -> Signature:
    """The Confirm button: spends the token and counts the signature, in one transaction (a
    spent link always has its signature). AlreadySigned when it was counted before. `pending`:
    the link's pending signature when the caller has just read it (pending_signature_for)."""
    if pending is None or pending.token_hash != _signature_token_hash(token):
        pending = pending_signature_for(token)
    if pending is None:
        raise ValidationError({"token": _("This link is not valid or has expired.")})
    region = pending.region
    with transaction.atomic():
        spent = PendingSignature.objects.filter(pk=pending.pk, confirmed_at=None).update(
            confirmed_at=timezone.now()
        )
        if not spent:
            raise AlreadySigned()
        return _add_signature(
            pending.petition,
            Signature(
                petition=pending.petition,
                email_canonical=pending.email_canonical,
                email_domain=emails.domain_of(pending.email),
                name=pending.name,
                region=region,
                sido_code=_sido(region),
                ip_hash=pending.ip_hash,
                notify=pending.notify,
                language=pending.language,
            ),
        )


# --- thresholds ------------------------------------------------------------------------------


def reach_thresholds(petition_id: int) -> None:
    """Move the petition on for every threshold its count has reached. Under the petition's lock
    the state is read again, so each threshold fires exactly once however many signers cross it
    together."""
    with transaction.atomic():
        p = Petition.objects.select_for_update().select_related("type").get(pk=petition_id)
        total = signature_count(p.pk)
        now = timezone.now()
        fired = []
        if total >= p.type.refer_threshold and can_transition(p.status, Action.REFER):
            old, p.status, p.referred_at = p.status, S.REFERRED, now
            fired.append((EventType.PETITION_REFERRED, old, p.status))
        if total >= p.type.answer_threshold and can_transition(p.status, Action.REQUIRE_ANSWER):
            old, p.status = p.status, S.AWAITING_ANSWER
            p.answer_required_at = now
            p.answer_due_at = now + timedelta(days=p.type.answer_days)
            fired.append((EventType.PETITION_ANSWER_REQUIRED, old, p.status))
        if not fired:
            return
        p.signature_count = total
        p.save()
        for event, old, new in fired:
            audit_record(
                actor=None,
                event_type=event,
                target=p,
                from_state=old,
                to_state=new,
                data={"signatures": total},
            )
            tell_everyone(p, event)


def _threshold_message(p: Petition, event: EventType):
    if event == EventType.PETITION_REFERRED:
        return (
            msg(_("Petition “%(title)s” referred to the agency"), {"title": p.title}),
            msg(
                _("It reached %(n)s signatures and was referred to the competent agency."),
                {"n": f"{p.type.refer_threshold:,}"},
            ),
        )
    if event == EventType.PETITION_ANSWER_REQUIRED:
        return (
            msg(_("Petition “%(title)s” will get an official answer"), {"title": p.title}),
            msg(
                _("It reached %(n)s signatures. The government answers by %(due)s."),
                {"n": f"{p.type.answer_threshold:,}", "due": format_date(p.answer_due_at)},
            ),
        )
    return (
        msg(_("Petition “%(title)s” answered"), {"title": p.title}),
        msg(_("The official answer is published on the petition's page."), {}),
    )


def tell_everyone(p: Petition, event: EventType) -> None:
    """The author and the agency now; the signers through a task after commit."""
    subject, body = _threshold_message(p, event)
    notify(user=p.author, subject=subject, body=body, url=petition_url(p))
    if p.unit_id and event != EventType.PETITION_ANSWERED:
        for official in unit_members(p.unit, Role.HANDLER, Role.APPROVER):
            notify(user=official, subject=subject, body=body, url=office_url(p), email=False)
    transaction.on_commit(lambda: _schedule_signer_notice(p.pk, event.value))


def _schedule_signer_notice(petition_id: int, event: str) -> None:
    from .tasks import notify_signers

    notify_signers.enqueue(petition_id, event)


def notify_signers_batch(petition_id: int, event: str, after_id: int, size: int = 500) -> int:
    """Tell the next `size` signers (by id, after `after_id`) what happened, respecting their
    choices; returns the last id done (0 when none was left). Signed-in signers get it by their
    preferences, e-mail signers only if they asked to hear about the answer."""
    p = Petition.objects.select_related("type", "author").get(pk=petition_id)
    subject, body = _threshold_message(p, EventType(event))
    batch = list(
        Signature.objects.filter(petition_id=petition_id, valid=True, id__gt=after_id)
        .exclude(user_id=p.author_id)
        .select_related("user")
        .order_by("id")[:size]
    )
    if not batch:
        return 0
    link = f"{settings.SITE_URL}{petition_url(p)}"
    # the e-mail signers' addresses as they typed them, in one query for the batch
    addresses = dict(
        PendingSignature.objects.filter(
            petition_id=petition_id,
            email_canonical__in=[s.email_canonical for s in batch if not s.user_id and s.notify],
        )
        .exclude(confirmed_at=None)
        .order_by("-confirmed_at")
        .values_list("email_canonical", "email")
    )
    with transaction.atomic():
        for signature in batch:
            if signature.user_id:
                notify(user=signature.user, subject=subject, body=body, url=petition_url(p))
            elif signature.notify and (address := addresses.get(signature.email_canonical)):
                with translation.override(signature.language or settings.LANGUAGE_CODE):
                    email_enqueue(to=address, subject=str(subject), body=f"{body}\n\n{link}")
    return batch[-1].pk
