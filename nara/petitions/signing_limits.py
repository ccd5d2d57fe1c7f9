"""How many confirmation mails one address gets when people sign without an account.

Anyone can type anyone's address into the signing form, so the form must not be a way to flood
a stranger's mailbox: per petition, an address has at most one confirmation pending (a second
request while the first link still works sends nothing), and across petitions it gets at most
NARA_SIGNING_MAILS_PER_ADDRESS_PER_DAY confirmation mails in 24 hours. The address is the
canonical one (emails.canonical: dots and +tags do not make another mailbox). The limits count
the pending signatures themselves (no cache, exact on every node), one request for an address
after the other (a lock per address for the length of the transaction)."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection

from .models import PendingSignature

ALREADY_PENDING = "already_pending"
DAILY_CAP = "address_daily_cap"


def mail_refusal(*, petition, email_canonical: str, now) -> str:
    """Why no confirmation mail may go to this address for this petition now ("" if one may).
    Call it inside the transaction that creates the pending signature."""
    _lock_address(email_canonical)
    pending = PendingSignature.objects.filter(
        petition=petition, email_canonical=email_canonical, confirmed_at=None, expires_at__gt=now
    )
    if pending.exists():
        return ALREADY_PENDING
    sent_today = PendingSignature.objects.filter(
        email_canonical=email_canonical, created_at__gt=now - timedelta(days=1)
    ).count()
    if sent_today >= settings.NARA_SIGNING_MAILS_PER_ADDRESS_PER_DAY:
        return DAILY_CAP
    return ""


def _lock_address(email_canonical: str) -> None:
    """Until the transaction ends, other requests for this address wait here. SQLite needs
    nothing: its write transactions (BEGIN IMMEDIATE, see settings) already run one at a time."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"petition-signing-mail:{email_canonical}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
