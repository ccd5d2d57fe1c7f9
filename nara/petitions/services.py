"""Every write to a petition. Each state change runs in one transaction: lock the petition, check
who may do it and that the transition table allows it, change the state, write the audit event,
queue notifications (outbox rows in the same transaction; mail leaves after commit).

Signing is the hot path of a national surge and is kept short: insert the signature, add one to a
random shard of the count, and, only when a threshold may have been crossed, take the petition's
lock to move it on (exactly once: the transition re-reads the state under the lock)."""

import hashlib
import random
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import route, unit_members
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.core.transitions import lock, transition
from nara.core.uploads import CleanFile
from nara.notifications.services import email_enqueue, msg, notify

from . import emails, policies
from .models import (
    AnswerStatus,
    PendingSignature,
    Petition,
    PetitionAnswer,
    PetitionImage,
    PetitionType,
    RejectionReason,
    Signature,
    SignatureCounter,
    SignatureInvalidation,
    Status,
    Supporter,
)
from .signing_limits import mail_refusal
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


def _office_url(petition: Petition) -> str:
    return f"/office/petitions/{petition.pk}/"


def ip_hash(ip: str) -> str:
    """A keyed hash of a client address: moderators can match it, nobody can read it back."""
    if not ip:
        return ""
    return salted_hmac("nara.petitions.ip", ip, algorithm="sha256").hexdigest()[:32]


def _transition(petition: Petition, *, by, action: Action, allowed, event: EventType, data=None):
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
                    {"n": locked.supporter_count, "due": _date(locked.review_due_at)},
                ),
                url=petition_url(locked),
            )
    return locked


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def petition_withdraw(*, petition: Petition, by) -> Petition:
    """The author takes the petition back before it opens."""
    with _transition(
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
    with _transition(
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
            body=msg(_("It collects signatures until %(closes)s."), {"closes": _date(p.closes_at)}),
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
    with _transition(
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


# --- signing ---------------------------------------------------------------------------------


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


def pending_signature_for(token: str) -> PendingSignature | None:
    """The pending signature a link names, if it is still valid. Reading spends nothing."""
    if not token or len(token) > 100:
        return None
    pending = (
        PendingSignature.objects.select_related("petition", "petition__type")
        .filter(token_hash=_signature_token_hash(token))
        .first()
    )
    if pending is None or pending.expires_at <= timezone.now():
        return None
    return pending


def petition_confirm_signature(*, token: str) -> Signature:
    """The Confirm button: spends the token and counts the signature, in one transaction (a
    spent link always has its signature). AlreadySigned when it was counted before."""
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
            _tell_everyone(p, event)


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
                {"n": f"{p.type.answer_threshold:,}", "due": _date(p.answer_due_at)},
            ),
        )
    return (
        msg(_("Petition “%(title)s” answered"), {"title": p.title}),
        msg(_("The official answer is published on the petition's page."), {}),
    )


def _tell_everyone(p: Petition, event: EventType) -> None:
    """The author and the agency now; the signers through a task after commit."""
    subject, body = _threshold_message(p, event)
    notify(user=p.author, subject=subject, body=body, url=petition_url(p))
    if p.unit_id and event != EventType.PETITION_ANSWERED:
        for official in unit_members(p.unit, Role.HANDLER, Role.APPROVER):
            notify(user=official, subject=subject, body=body, url=_office_url(p), email=False)
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


# --- anti-abuse ------------------------------------------------------------------------------


def signatures_invalidate(
    *,
    petition: Petition,
    by,
    reason: str,
    ip: str = "",
    email_domain: str = "",
    since=None,
    until=None,
) -> SignatureInvalidation:
    """A moderator invalidates signatures in bulk (by client address, e-mail domain and/or time
    window; at least one); the count is recomputed from the valid signatures."""
    if not policies.is_moderator(by):
        raise NotAllowed()
    reason = required(reason, "reason", _("Give the reason: it is kept in the audit log."))
    email_domain = emails.domain_of("x@" + email_domain) if email_domain.strip() else ""
    if not (ip or email_domain or since or until):
        raise ValidationError(
            {"__all__": _("Choose the signatures: an address, a domain or a time window.")}
        )
    if since and until and since >= until:
        raise ValidationError({"until": _("The end of the window must be after its start.")})
    selection = invalidation_selection(
        petition, ip=ip, email_domain=email_domain, since=since, until=until
    )
    with transaction.atomic():
        # the shards are locked first: signers wait for the recount instead of racing it
        list(SignatureCounter.objects.select_for_update().filter(petition=petition))
        record = SignatureInvalidation.objects.create(
            petition=petition,
            by=by,
            ip_hash=ip_hash(ip.strip()) if ip else "",
            email_domain=email_domain,
            since=since,
            until=until,
            reason=reason,
        )
        record.count = Signature.objects.filter(selection).update(valid=False, invalidation=record)
        record.save(update_fields=["count"])
        total = recount(petition)
        audit_record(
            actor=by,
            event_type=EventType.PETITION_SIGNATURES_INVALIDATED,
            target=petition,
            data={
                "invalidated": record.count,
                "count": total,
                "domain": email_domain,
                "ip": bool(ip),
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "reason": reason,
            },
        )
    return record


def invalidation_selection(petition, *, ip="", email_domain="", since=None, until=None) -> Q:
    """The valid signatures a bulk invalidation with these filters takes (also counted for the
    moderator's confirmation step before anything changes)."""
    selection = Q(petition=petition, valid=True)
    if ip:
        selection &= Q(ip_hash=ip_hash(ip.strip()))
    if email_domain:
        selection &= Q(email_domain=emails.domain_of("x@" + email_domain))
    if since:
        selection &= Q(created_at__gte=since)
    if until:
        selection &= Q(created_at__lt=until)
    return selection


def recount(petition: Petition) -> int:
    """Set the count to the number of valid signatures (shard 0 holds it, the rest zero).
    Call with the shards locked."""
    total = Signature.objects.filter(petition=petition, valid=True).count()
    SignatureCounter.objects.filter(petition=petition).exclude(shard=0).update(count=0)
    SignatureCounter.objects.filter(petition=petition, shard=0).update(count=total)
    Petition.objects.filter(pk=petition.pk).update(signature_count=total)
    return total


# --- the clock -------------------------------------------------------------------------------


def petitions_tick(now=None) -> dict:
    """Periodic: expire petitions that found too few supporters, close those whose signing
    period ended, and refresh the list counts. Each change is its own audited transition."""
    now = now or timezone.now()
    done = {"expired": 0, "closed": 0, "synced": 0}
    for p in Petition.objects.filter(status=S.GATHERING, support_deadline__lte=now):
        with _transition(
            p,
            by=None,
            action=Action.EXPIRE,
            allowed=policies.anyone,
            event=EventType.PETITION_EXPIRED,
        ) as change:
            notify(
                user=change.obj.author,
                subject=msg(
                    _("Your petition “%(title)s” did not find enough supporters"),
                    {"title": p.title},
                ),
                body=msg(_("It can no longer be opened for signatures."), {}),
                url=petition_url(p),
            )
        done["expired"] += 1
    # a threshold crossed by signatures that committed together fires here at the latest
    for p in Petition.objects.filter(status__in=(S.OPEN, S.REFERRED)).select_related("type"):
        total = signature_count(p.pk)
        if total >= p.type.refer_threshold and (
            p.status == S.OPEN or total >= p.type.answer_threshold
        ):
            reach_thresholds(p.pk)
    for p in Petition.objects.filter(status__in=(S.OPEN,), closes_at__lte=now):
        with _transition(
            p,
            by=None,
            action=Action.CLOSE,
            allowed=policies.anyone,
            event=EventType.PETITION_CLOSED,
        ) as change:
            change.obj.signature_count = signature_count(p.pk)
        done["closed"] += 1
    done["drafts_removed"] = petition_drafts_cleanup(now)
    for p in Petition.objects.filter(
        status__in=(S.OPEN, S.REFERRED, S.AWAITING_ANSWER), closes_at__gt=now - timedelta(days=1)
    ).only("pk", "signature_count"):
        total = signature_count(p.pk)
        if total != p.signature_count:
            Petition.objects.filter(pk=p.pk).update(signature_count=total)
            done["synced"] += 1
    return done


DRAFT_DIR = "petition-drafts"  # images of petitions being written, per user (views_create)


def petition_drafts_cleanup(now=None) -> int:
    """Remove images of petitions still being written whose session can no longer exist."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    removed = 0
    try:
        users, _files = default_storage.listdir(DRAFT_DIR)
    except FileNotFoundError:
        return 0
    for user_dir in users:
        for name in default_storage.listdir(f"{DRAFT_DIR}/{user_dir}")[1]:
            path = f"{DRAFT_DIR}/{user_dir}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed


# --- the official answer ---------------------------------------------------------------------


def _answer_for(p: Petition) -> PetitionAnswer | None:
    return PetitionAnswer.objects.filter(petition=p).first()


def _pending_answer(p: Petition) -> PetitionAnswer:
    answer = _answer_for(p)
    if answer is None or answer.status != AnswerStatus.PENDING:
        raise InvalidTransition(_("No answer is awaiting approval."))
    return answer


def petition_answer_save(*, petition: Petition, by, text: str, submit: bool) -> PetitionAnswer:
    """A handler of the competent agency drafts the answer, and submits it for approval."""
    text = required(text, "text", _("Write the answer."))
    event = EventType.PETITION_ANSWER_SUBMITTED if submit else EventType.PETITION_ANSWER_DRAFTED
    with _transition(
        petition, by=by, action=Action.ANSWER, allowed=policies.can_answer, event=event
    ) as change:
        p = change.obj
        answer = _answer_for(p) or PetitionAnswer(petition=p, drafted_by=by)
        if answer.status in (AnswerStatus.PENDING, AnswerStatus.PUBLISHED):
            raise InvalidTransition(_("The answer is awaiting approval or already published."))
        answer.text, answer.drafted_by = text, by
        answer.status = AnswerStatus.PENDING if submit else AnswerStatus.DRAFT
        answer.save()
        if submit:
            for approver in unit_members(p.unit, Role.APPROVER):
                notify(
                    user=approver,
                    subject=msg(_("Petition answer to approve: %(title)s"), {"title": p.title}),
                    body=text[:500],
                    url=_office_url(p),
                    email=False,
                )
    return answer


def petition_answer_return(*, petition: Petition, by, comment: str) -> PetitionAnswer:
    comment = required(comment, "comment", _("Say what should change."))
    with _transition(
        petition,
        by=by,
        action=Action.ANSWER,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWER_RETURNED,
    ) as change:
        answer = _pending_answer(change.obj)
        answer.status, answer.return_comment = AnswerStatus.RETURNED, comment
        answer.save()
        notify(
            user=answer.drafted_by,
            subject=msg(_("Petition answer returned: %(title)s"), {"title": petition.title}),
            body=comment,
            url=_office_url(petition),
            email=False,
        )
    return answer


def petition_answer_approve(*, petition: Petition, by) -> Petition:
    """The approver approves: the answer is published on the petition and everyone is told."""
    with _transition(
        petition,
        by=by,
        action=Action.PUBLISH,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWERED,
    ) as change:
        p = change.obj
        answer = _pending_answer(p)
        now = timezone.now()
        answer.status, answer.approved_by, answer.published_at = AnswerStatus.PUBLISHED, by, now
        answer.save()
        p.answered_at = now
        p.signature_count = signature_count(p.pk)
        change.data = {"on_time": p.answer_due_at is None or now <= p.answer_due_at}
        _tell_everyone(p, EventType.PETITION_ANSWERED)
    return p


def petition_extend_answer(*, petition: Petition, by, days: int, reason: str) -> Petition:
    """Once, with a published reason, at most the type's extension."""
    reason = required(reason, "reason", _("Give the reason: it is published."))
    with _transition(
        petition,
        by=by,
        action=Action.EXTEND,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWER_EXTENDED,
    ) as change:
        p = change.obj
        if p.answer_extended:
            raise InvalidTransition(_("The answer period can be extended only once."))
        if not 1 <= days <= p.type.extension_days:
            raise ValidationError(
                {"days": _("Extend by 1 to %(n)d days.") % {"n": p.type.extension_days}}
            )
        p.answer_due_at += timedelta(days=days)
        p.answer_extended, p.extension_reason = True, reason
        change.data = {"days": days, "due": p.answer_due_at.isoformat()}
    return p
