from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import messages


class Notification(models.Model):
    """An in-site notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # the title's and body's message ids and parameters (nara.notifications.messages.stored):
    # shown in the reader's language; `title` and `body` keep the text as first rendered (in
    # the recipient's language then), for what a person wrote and for older notifications
    message = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # the unread count on every page a signed-in user sees: counted from the index alone
            models.Index(
                fields=["user"], condition=models.Q(read_at=None), name="notification_unread_idx"
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    def shown_title(self) -> str:
        """The title in the active language."""
        spec = (self.message or {}).get("title")
        return messages.render(spec)[:200] if spec else self.title

    def shown_body(self) -> str:
        """The body in the active language."""
        spec = (self.message or {}).get("body")
        return messages.render(spec) if spec else self.body


class OutboxMessage(models.Model):
    """An e-mail waiting to be sent. Written in the transaction of the change that causes it and
    sent by a task, so a mail server that is down delays mail but loses none."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # A notification's mail is kept as its message ids (nara.notifications.messages) and
    # rendered again when sent, in the recipient's language of that moment:
    # {"subject": spec or text, "body": [spec or text, …]}. `subject` and `body` above are the
    # same rendered when queued, for the admin and as the fallback.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.JSONField(default=dict, blank=True)
    # extra mail headers, e.g. List-Unsubscribe on digests (RFC 8058)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # while a worker is sending it
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"
