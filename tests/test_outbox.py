"""The mail outbox against a real SMTP server (aiosmtpd on 127.0.0.1): mail is written in the
transaction of the change that causes it, sent after commit, kept and retried when the server is
down, sent exactly once, and given up after MAX_ATTEMPTS.

pytest-django's `db` wraps each test in a transaction, so on_commit callbacks (the delivery task)
run only through `django_capture_on_commit_callbacks(execute=True)`."""

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from time_machine import travel

from nara.audit.models import AuditEvent
from nara.complaints.models import Complaint
from nara.notifications import services as outbox
from nara.notifications.models import Notification, OutboxMessage
from nara.notifications.tasks import deliver_due_outbox
from tests.helpers import file_complaint
from tests.states import kst

T0 = kst(2026, 3, 9, 10, 0)


class Collector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A port nothing listens on (bound once to find it, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_factory():
    """Start SMTP servers on given ports; all are stopped after the test."""
    started = []

    def start(port: int) -> Collector:
        collector = Collector()
        controller = Controller(collector, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return collector

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def use_smtp(settings):
    def point_at(port: int) -> None:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }

    return point_at


@pytest.fixture
def smtp(smtp_factory, use_smtp) -> Collector:
    """A live SMTP server the site sends to."""
    port = free_port()
    collector = smtp_factory(port)
    use_smtp(port)
    return collector


@pytest.fixture
def smtp_down(use_smtp) -> int:
    """The site sends to a port where nothing listens; returns that port."""
    port = free_port()
    use_smtp(port)
    return port


def test_a_notification_mail_reaches_the_smtp_server(
    world, smtp, django_capture_on_commit_callbacks
):
    with travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(world)

    # the citizen gets the receipt by mail; the handler's "new complaint" is in-site only
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == [world.citizen.email]
    assert message["To"] == world.citizen.email
    assert complaint.receipt_no in message["Subject"]
    body = message.get_content()
    assert f"/complaints/{complaint.receipt_no}/" in body
    assert "2026-03-17 18:00" in body  # the deadline, in Seoul time
    sent = OutboxMessage.objects.get()
    assert (sent.status, sent.attempts, sent.to_email) == (
        OutboxMessage.Status.SENT,
        1,
        world.citizen.email,
    )
    assert sent.sent_at == T0


def test_a_mail_survives_a_server_that_is_down_and_leaves_once_it_is_back(
    world, smtp_down, smtp_factory, django_capture_on_commit_callbacks
):
    with travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        complaint = file_complaint(world)
    assert callbacks, "the delivery was scheduled on commit"

    # the complaint is filed all the same; its mail waits in the outbox
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at == T0 + timedelta(minutes=2)
    assert message.sent_at is None

    collector = smtp_factory(smtp_down)  # the server comes back on the same port

    with travel(T0 + timedelta(minutes=1), tick=False):  # not yet time to retry
        assert outbox.outbox_deliver_due() == 0
    assert collector.messages == []

    with travel(T0 + timedelta(minutes=3), tick=False):
        assert outbox.outbox_deliver_due() == 1
        assert outbox.outbox_deliver_due() == 0  # the sweep again: nothing more
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2
    assert message.sent_at == T0 + timedelta(minutes=3)
    assert len(collector.messages) == 1
    assert collector.messages[0][0] == [world.citizen.email]
    assert complaint.receipt_no in collector.messages[0][1]["Subject"]


def test_the_periodic_task_sends_what_is_due(
    world, smtp_down, smtp_factory, django_capture_on_commit_callbacks
):
    with travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        file_complaint(world)
    collector = smtp_factory(smtp_down)
    with travel(T0 + timedelta(minutes=5), tick=False):
        result = deliver_due_outbox.enqueue()
    assert result.return_value == 1
    assert len(collector.messages) == 1


def test_a_message_is_never_sent_twice(world, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        message = outbox.email_enqueue(to="someone@example.com", subject="Hello", body="Once.")
    assert outbox.outbox_deliver(message.pk) is True
    assert outbox.outbox_deliver(message.pk) is False
    assert outbox.outbox_deliver_due() == 0
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)


def test_after_max_attempts_a_message_is_failed_and_left_alone(
    world, smtp_down, smtp_factory, django_capture_on_commit_callbacks
):
    with travel(T0, tick=False), django_capture_on_commit_callbacks(execute=False):
        with transaction.atomic():
            message = outbox.email_enqueue(to="someone@example.com", subject="Hi", body="Hi.")
    moments = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.PENDING
        with travel(message.next_attempt_at, tick=False):
            assert outbox.outbox_deliver_due() == 0
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error
        moments.append(message.next_attempt_at)
    assert message.status == OutboxMessage.Status.FAILED
    gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]  # backing off

    collector = smtp_factory(smtp_down)  # even with the server back, a failed mail stays put
    with travel(T0 + timedelta(days=30), tick=False):
        assert outbox.outbox_deliver_due() == 0
        assert outbox.outbox_deliver(message.pk) is False
    assert collector.messages == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, outbox.MAX_ATTEMPTS)


def test_the_outbox_row_is_rolled_back_with_the_change(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            file_complaint(world)
            assert OutboxMessage.objects.count() == 1  # written in the same transaction
            raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert Complaint.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert smtp.messages == []


def test_a_notification_rolled_back_sends_nothing(world, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.notify(user=world.citizen, subject="Hello", body="Never sent.")
            raise RuntimeError
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert Notification.objects.count() == 0
    assert smtp.messages == []


def test_preferences_decide_the_channels(world, smtp, django_capture_on_commit_callbacks):
    world.citizen.notify_email = False
    world.citizen.save(update_fields=["notify_email"])
    world.other_citizen.notify_site = False
    world.other_citizen.save(update_fields=["notify_site"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.notify(user=world.citizen, subject="Site only", body="x")
        outbox.notify(user=world.other_citizen, subject="Mail only", body="y")
    assert list(Notification.objects.values_list("user__email", "title")) == [
        (world.citizen.email, "Site only")
    ]
    assert [(r, m["Subject"]) for r, m in smtp.messages] == [
        ([world.other_citizen.email], "Mail only")
    ]


def test_a_message_being_sent_is_not_sent_again_and_a_dead_senders_lease_expires(world, smtp):
    message = OutboxMessage.objects.create(
        to_email="a@example.com", subject="Hello", body="Body", next_attempt_at=kst(2026, 11, 2, 9)
    )
    # another worker claimed it a moment ago
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING, lease_until=kst(2026, 11, 2, 9, 5)
    )
    with travel(kst(2026, 11, 2, 9, 1), tick=False):
        assert outbox.outbox_deliver(message.pk) is False
        assert outbox.outbox_deliver_due() == 0
    assert smtp.messages == []
    # that worker died: after the lease, the sweep puts it back and sends it
    with travel(kst(2026, 11, 2, 9, 6), tick=False):
        assert outbox.outbox_deliver_due() == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.lease_until is None
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_sending_holds_no_transaction_open(smtp, monkeypatch):
    """A slow mail server must not hold the database's write lock (SQLite) while it talks."""
    from django.db import connection

    seen = []
    original = SMTPBackend.send_messages

    def spy(self, *args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SMTPBackend, "send_messages", spy)
    message = OutboxMessage.objects.create(
        to_email="a@example.com", subject="Hi", body="B", next_attempt_at=kst(2026, 11, 2, 9)
    )
    assert outbox.outbox_deliver(message.pk) is True
    assert seen == [False]


class SenderKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no `except Exception` catches it."""


def test_a_mail_sent_again_after_its_sender_died_carries_the_same_message_id(
    world, smtp, monkeypatch
):
    """The one window the outbox cannot close (its sender dies after the mail server accepted
    the mail, before SENT is committed): the copy sent again is recognisably the same mail."""
    message = OutboxMessage.objects.create(
        to_email="a@example.com", subject="Receipt", body="B", next_attempt_at=kst(2026, 11, 2, 9)
    )
    original = SMTPBackend.send_messages

    def accepted_then_killed(self, messages):
        original(self, messages)
        raise SenderKilled

    monkeypatch.setattr(SMTPBackend, "send_messages", accepted_then_killed)
    with travel(kst(2026, 11, 2, 9), tick=False), pytest.raises(SenderKilled):
        outbox.outbox_deliver(message.pk)
    monkeypatch.setattr(SMTPBackend, "send_messages", original)
    with travel(kst(2026, 11, 2, 9, 4), tick=False):  # the lease still holds: nothing
        assert outbox.outbox_deliver_due() == 0
    with travel(kst(2026, 11, 2, 9, 6), tick=False):  # it ran out: the sweep sends it again
        assert outbox.outbox_deliver_due() == 1
    first, second = (m["Message-ID"] for _, m in smtp.messages)
    assert first == second
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert first == outbox.message_id_header(message)
    assert message.last_error == outbox.LEASE_EXPIRED


@pytest.mark.django_db(transaction=True)
def test_sent_is_committed_before_the_mail_connection_closes(smtp, monkeypatch):
    """The crash window is one UPDATE: SENT is committed once the server accepted the mail,
    not after the SMTP goodbye (QUIT) too."""
    seen = []
    original = SMTPBackend.close

    def spy(self):
        if self.connection is not None:
            seen.append(OutboxMessage.objects.get().status)
        return original(self)

    monkeypatch.setattr(SMTPBackend, "close", spy)
    OutboxMessage.objects.create(
        to_email="a@example.com", subject="Hi", body="B", next_attempt_at=kst(2026, 11, 2, 9)
    )
    assert outbox.outbox_deliver(OutboxMessage.objects.get().pk) is True
    assert seen == [OutboxMessage.Status.SENT]


def test_a_mail_is_sent_in_the_recipients_language_of_the_moment_it_leaves(
    world, smtp_down, smtp_factory, django_capture_on_commit_callbacks
):
    """Kept as message ids, a notification's mail is rendered when it leaves: a citizen who
    switched to English while the mail server was down gets it in English, footer included."""
    world.citizen.preferred_language = "ko"
    world.citizen.save(update_fields=["preferred_language"])
    with travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(world)
    queued = OutboxMessage.objects.get()
    assert queued.status == OutboxMessage.Status.PENDING  # the server is down
    assert "접수" in queued.subject and "이메일 수신 중단" in queued.body  # written in Korean

    world.citizen.preferred_language = "en"
    world.citizen.save(update_fields=["preferred_language"])
    collector = smtp_factory(smtp_down)
    with travel(T0 + timedelta(minutes=3), tick=False):
        assert outbox.outbox_deliver_due() == 1
    ((_to, sent),) = collector.messages
    assert complaint.receipt_no in sent["Subject"] and "접수" not in sent["Subject"]
    body = sent.get_content()
    assert "Stop these e-mails: http" in body and "이메일 수신 중단" not in body
    assert f"/complaints/{complaint.receipt_no}/" in body
    assert sent["List-Unsubscribe"]  # the one-click header is kept


def test_a_mail_written_as_text_leaves_as_written(world, smtp):
    with transaction.atomic():
        message = outbox.email_enqueue(
            to="someone@example.com", subject="안녕하세요", body="한 번.", user=world.citizen
        )
    world.citizen.preferred_language = "en"
    world.citizen.save(update_fields=["preferred_language"])
    assert outbox.outbox_deliver(message.pk) is True
    ((_to, sent),) = smtp.messages
    assert (sent["Subject"], sent.get_content().strip()) == ("안녕하세요", "한 번.")
