"""Notifications: in-site messages and e-mail through the outbox."""

import hashlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from . import messages
from .models import Notification, OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_FROM_DOMAIN = re.compile(r"@([A-Za-z0-9.-]+)>?\s*$")
LEASE_EXPIRED = "lease expired: its sender stopped before marking it sent"

MAX_ATTEMPTS = 30  # with the backoff capped at an hour: about a day of retries
MAX_BACKOFF = timedelta(hours=1)


def lease() -> timedelta:
    """How long a sender holds a message it claimed. Longer than any send can take (the SMTP
    timeout applies to each exchange of one send): a lease that ran out while its sender was
    still talking to the mail server would let a second sender send it again."""
    return timedelta(seconds=settings.NARA_OUTBOX_LEASE_SECONDS)


def email_enqueue(
    *, to: str, subject, body, headers: dict[str, str] | None = None, user=None
) -> OutboxMessage:
    """Queue an e-mail in the current transaction; a task sends it after commit. `headers`
    are extra mail headers (e.g. List-Unsubscribe).

    `subject` and `body` (a text, or a list of parts joined) may be translatable messages
    (nara.notifications.messages): they are rendered now, in the active language, and, for a
    mail to a `user`, rendered again when sent, in the user's language of that moment."""
    parts = body if isinstance(body, list) else [body]
    message = OutboxMessage.objects.create(
        to_email=to,
        subject=str(subject)[:200],
        body="".join(str(part) for part in parts),
        user=user,
        message={"subject": messages.kept(subject), "body": [messages.kept(p) for p in parts]}
        if user is not None
        else {},
        headers=dict(headers or {}),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _schedule_delivery(message.pk))
    return message


def _schedule_delivery(message_id: int) -> None:
    from .tasks import deliver_outbox_message

    try:
        deliver_outbox_message.enqueue(message_id)
    except Exception:  # the periodic sweep will pick it up
        log.exception("could not enqueue outbox message %s", message_id)


def notify(*, user, subject: str, body: str, url: str = "", email: bool = True) -> None:
    """Tell a user something, in-site and/or by e-mail according to their preferences.

    `subject` and `body` may be lazy translations: they are rendered in the user's language."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject_text, body_text = str(subject), str(body)
        if user.notify_site:
            Notification.objects.create(
                user=user,
                title=subject_text[:200],
                body=body_text,
                url=url,
                # rendered again when read, in the reader's language of the moment
                message={"title": messages.stored(subject), "body": messages.stored(body)},
            )
        if email and user.notify_email:
            parts, headers = [body, f"\n\n{settings.SITE_URL}{url}" if url else ""], {}
            # duty mail (assignments, deadlines, queues) is not something to unsubscribe from
            if not (user.is_official or user.is_staff or user.is_moderator):
                stop = unsubscribe_url(user)
                footer = messages.msg(gettext_lazy("Stop these e-mails: %(url)s"), {"url": stop})
                parts += ["\n\n-- \n", footer]
                headers = one_click_headers(stop)
            email_enqueue(to=user.email, subject=subject, body=parts, headers=headers, user=user)


UNSUBSCRIBE_SALT = "nara.notifications.unsubscribe"


def unsubscribe_token(user, *, salt: str = UNSUBSCRIBE_SALT) -> str:
    """A signed token naming the user and their current address, for a link that switches
    some mail off without logging in (`salt` says which: these notifications, a digest…). The
    same in every mail, so old mails keep working; mails sent to an address the user has since
    left no longer do."""
    return signing.Signer(salt=salt).sign_object(
        {"u": user.pk, "e": _address_tag(user.email)}, compress=True
    )


def unsubscribe_user(token: str, *, salt: str = UNSUBSCRIBE_SALT):
    """The user a token names, or None when it is not one of ours (or their address changed)."""
    User = get_user_model()

    try:
        data = signing.Signer(salt=salt).unsign_object(token or "")
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"]).first()
    if user is None or data.get("e") != _address_tag(user.email):
        return None
    return user


def unsubscribe_url(user) -> str:
    """The address that switches the user's notification e-mails off."""
    token = unsubscribe_token(user)
    return settings.SITE_URL + reverse("notifications:unsubscribe", kwargs={"token": token})


def _address_tag(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def one_click_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients show an Unsubscribe button that POSTs."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def email_notifications_off(*, user) -> None:
    """Switch the user's notification e-mails off (in-site notifications stay); audited."""
    from nara.audit.models import EventType
    from nara.audit.services import audit_record

    with transaction.atomic():
        changed = (
            type(user).objects.filter(pk=user.pk, notify_email=True).update(notify_email=False)
        )
        if changed:
            audit_record(
                actor=None,  # whoever holds the mail's link; no one signed in
                event_type=EventType.USER_PROFILE_UPDATED,
                target=user,
                data={"notify_email": False, "via": "unsubscribe link"},
            )


def outbox_deliver(message_id: int) -> bool:
    """Send one queued message; True when sent. The message is claimed with a lease in a short
    transaction and sent outside any transaction, so a slow mail server never holds a database
    lock and two workers never send the same mail. A failure is retried later with backoff.

    Sent once, crashes included, but for one window: a sender that dies (or stalls past its
    lease) after the mail server accepted the message and before SENT is committed leaves a
    message that is sent again once the lease runs out. SENT is committed as soon as the server
    has accepted the message, before the connection is closed, so the window is one UPDATE;
    and the second copy carries the same Message-ID (`message_id_header`), by which receiving
    servers and mail clients drop duplicates."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(status=OutboxMessage.Status.SENDING, lease_until=now + lease())
    if not claimed:
        return False
    message = OutboxMessage.objects.select_related("user").get(pk=message_id)
    subject, body = _in_language_of_now(message)
    connection = mailers["default"]  # a new connection, opened here and closed at the end
    try:
        try:
            connection.open()  # kept open across send_messages: SENT is committed before QUIT
            accepted = connection.send_messages(
                [
                    EmailMessage(
                        subject=subject,
                        body=body,
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[message.to_email],
                        headers={"Message-ID": message_id_header(message), **message.headers},
                    )
                ]
            )
            if not accepted:
                raise OSError("the mail server accepted no recipient")
        except Exception as exc:  # any transport failure: keep the message, retry later
            outbox_retry_later(message, f"{type(exc).__name__}: {exc}"[:2000])
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.SENT,
            attempts=message.attempts + 1,
            sent_at=timezone.now(),
            lease_until=None,
        )
        return True
    finally:
        try:
            connection.close()
        except Exception:  # the goodbye failed: what was accepted is recorded all the same
            log.warning("closing the mail connection failed", exc_info=True)


def _in_language_of_now(message: OutboxMessage) -> tuple[str, str]:
    """The mail's subject and body in its recipient's language now (they may have changed it,
    or the catalogue its wording, since the mail was queued); as queued when it was not kept as
    message ids or does not render."""
    kept = message.message or {}
    if message.user is None or not kept:
        return message.subject, message.body
    try:
        with translation.override(message.user.preferred_language or settings.LANGUAGE_CODE):
            subject = messages.shown(kept["subject"])[:200]
            return subject, "".join(messages.shown(part) for part in kept["body"])
    except (KeyError, TypeError, ValueError):
        log.warning("outbox message %s: kept text does not render", message.pk, exc_info=True)
        return message.subject, message.body


def outbox_retry_later(message: OutboxMessage, error: str) -> None:
    """A send failed: back to the queue with backoff, or FAILED after MAX_ATTEMPTS."""
    attempts = message.attempts + 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED
        if attempts >= MAX_ATTEMPTS
        else OutboxMessage.Status.PENDING,
        attempts=attempts,
        last_error=error,
        lease_until=None,
        next_attempt_at=timezone.now() + min(timedelta(minutes=2**attempts), MAX_BACKOFF),
    )
    log.warning("outbox message %s not sent: %s", message.pk, error)


def message_id_header(message: OutboxMessage) -> str:
    """The same Message-ID every time this outbox message is sent, so that a copy sent again
    after a crash is recognised as the same mail (RFC 5322 3.6.4)."""
    domain = DEFAULT_FROM_DOMAIN.search(settings.DEFAULT_FROM_EMAIL)
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<nara.outbox.{message.pk}.{stamp}@{domain.group(1) if domain else 'nara'}>"


def outbox_release_expired_leases() -> int:
    """Messages whose sender died mid-send go back to the queue. One that the mail server had
    already accepted is sent again, with the same Message-ID (see `outbox_deliver`): mail is
    delivered at least once, never lost."""
    return OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, lease_until__lt=timezone.now()
    ).update(
        status=OutboxMessage.Status.PENDING,
        lease_until=None,
        last_error=LEASE_EXPIRED,
    )


def outbox_deliver_due(limit: int = 200) -> int:
    """Send every pending message whose time has come. Returns how many were sent."""
    outbox_release_expired_leases()
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_deliver(pk) for pk in ids)


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def outbox_retry(*, message_ids: list[int]) -> tuple[int, int]:
    """Put failed messages back in the queue and try every unsent one now.
    Returns (sent, tried)."""
    unsent = OutboxMessage.objects.filter(pk__in=message_ids).exclude(
        status=OutboxMessage.Status.SENT
    )
    unsent.filter(status=OutboxMessage.Status.FAILED).update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now()
    )
    ids = list(unsent.values_list("pk", flat=True))
    return sum(outbox_deliver(pk) for pk in ids), len(ids)
