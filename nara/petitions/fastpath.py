"""Signing with an API token: the hot path of a national surge.

The rules are those of services.petition_sign (one signature per canonical e-mail, only while
the petition is open, thresholds fire once). On PostgreSQL the work is two statements and no
explicit transaction: one reads the token's user, one checks the petition, inserts the signature
(ON CONFLICT: already signed) and adds one to a random shard of the count, atomically, returning
the new count. Other databases take the ordinary service path. The same tests run on both."""

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from nara.accounts.models import ApiToken

from . import emails, services
from .models import SIGNABLE_STATUSES, Petition, Status

SIGNED, ALREADY, NOT_SIGNABLE, NOT_FOUND, BAD_TOKEN = (
    "signed",
    "already",
    "not_signable",
    "not_found",
    "bad_token",
)
TOKEN_TOUCH_SECONDS = 300  # last_used_at is refreshed at most this often


@dataclass
class SignResult:
    outcome: str
    count: int = 0


def sign_with_token(raw_token: str, petition_id: int, ip: str = "") -> SignResult:
    if not raw_token or len(raw_token) > 200:
        return SignResult(BAD_TOKEN)
    if connection.vendor == "postgresql":
        return _sign_postgresql(raw_token, petition_id, ip)
    return _sign_generic(raw_token, petition_id, ip)


def _visible_outcome(petition_id: int, user) -> SignResult:
    """Why the petition could not be signed: 404 if the user may not see it, else 409."""
    from .selectors import can_see_unpublished

    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None or not (petition.is_public or can_see_unpublished(user, petition)):
        return SignResult(NOT_FOUND)
    return SignResult(NOT_SIGNABLE, services.signature_count(petition_id))


def _sign_generic(raw_token: str, petition_id: int, ip: str) -> SignResult:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash(raw_token), user__is_active=True)
        .first()
    )
    if token is None or (token.user.needs_two_factor and not token.two_factor):
        return SignResult(BAD_TOKEN)
    _touch(token.pk, token.last_used_at)
    petition = Petition.objects.select_related("type").filter(pk=petition_id).first()
    if petition is None or not petition.is_signable():
        return _visible_outcome(petition_id, token.user)
    try:
        services.petition_sign(petition=petition, by=token.user, ip=ip)
    except services.AlreadySigned:
        return SignResult(ALREADY, services.signature_count(petition_id))
    except services.NotSignable:
        return _visible_outcome(petition_id, token.user)
    return SignResult(SIGNED, services.signature_count(petition_id))


def _touch(token_id: int, last_used_at) -> None:
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


USER_SQL = """
SELECT u.id, u.email, u.name, r.id, r.code, t.id, t.last_used_at, t.two_factor,
       (u.is_staff OR u.is_moderator
        OR EXISTS (SELECT 1 FROM agencies_membership m WHERE m.user_id = u.id)) AS needs_2fa
FROM accounts_apitoken t
JOIN accounts_user u ON u.id = t.user_id
LEFT JOIN core_region r ON r.id = u.region_id
WHERE t.key_hash = %s AND u.is_active
"""

SIGN_SQL = """
WITH p AS (
    SELECT p.id, p.status, t.refer_threshold, t.answer_threshold
    FROM petitions_petition p JOIN petitions_petitiontype t ON t.id = p.type_id
    WHERE p.id = %(petition)s AND p.status = ANY(%(signable)s)
      AND p.opened_at <= %(now)s AND p.closes_at > %(now)s
), ins AS (
    INSERT INTO petitions_signature (petition_id, user_id, email_canonical, email_domain, name,
        region_id, sido_code, ip_hash, created_at, notify, valid, invalidation_id)
    SELECT p.id, %(user)s, %(canonical)s, %(domain)s, %(name)s, %(region)s, %(sido)s,
        %(ip)s, %(now)s, true, true, NULL
    FROM p
    ON CONFLICT (petition_id, email_canonical) DO NOTHING
    RETURNING petition_id
), bump AS (
    UPDATE petitions_signaturecounter SET count = count + 1
    WHERE petition_id = (SELECT petition_id FROM ins) AND shard = %(shard)s
    RETURNING count
)
SELECT (SELECT status FROM p), (SELECT refer_threshold FROM p), (SELECT answer_threshold FROM p),
       (SELECT count(*) FROM ins),
       (SELECT COALESCE(SUM(count), 0) FROM petitions_signaturecounter
        WHERE petition_id = %(petition)s) + (SELECT count(*) FROM bump)
"""


def _sign_postgresql(raw_token: str, petition_id: int, ip: str) -> SignResult:
    with connection.cursor() as cursor:
        cursor.execute(USER_SQL, [ApiToken.hash(raw_token)])
        row = cursor.fetchone()
        if row is None:
            return SignResult(BAD_TOKEN)
        (
            user_id,
            email,
            name,
            region_id,
            region_code,
            token_id,
            last_used_at,
            two_factor,
            needs_2fa,
        ) = row
        if needs_2fa and not two_factor:
            return SignResult(BAD_TOKEN)
        _touch(token_id, last_used_at)
        cursor.execute(
            SIGN_SQL,
            {
                "petition": petition_id,
                "now": timezone.now(),
                "signable": list(SIGNABLE_STATUSES),
                "user": user_id,
                "canonical": emails.canonical(email),
                "domain": emails.domain_of(email),
                "name": (name or email.split("@")[0])[:100],
                "region": region_id,
                "sido": (region_code or "")[:2],
                "ip": services.ip_hash(ip),
                "shard": random.randrange(settings.NARA_SIGNATURE_COUNTER_SHARDS),
            },
        )
        status, refer_at, answer_at, inserted, total = cursor.fetchone()
    if status is None:
        from nara.accounts.models import User

        return _visible_outcome(petition_id, User.objects.get(pk=user_id))
    if not inserted:
        return SignResult(ALREADY, total)
    if (total >= refer_at and status == Status.OPEN) or (
        total >= answer_at and status != Status.AWAITING_ANSWER
    ):
        services.reach_thresholds(petition_id)
    return SignResult(SIGNED, total)
