"""Moderators invalidate signatures in bulk (by address, e-mail domain, time window); the
count is recomputed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import NotAllowed, required

from . import emails, policies
from .models import (
    Petition,
    Signature,
    SignatureCounter,
    SignatureInvalidation,
)
from .services import ip_hash


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
