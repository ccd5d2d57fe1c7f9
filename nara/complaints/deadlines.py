"""The statutory clock at work on open complaints: escalation of overdue ones, the 30-day
progress notice, and deadlines moved when the holiday calendar changes (run by the scheduler's
tasks and by complaints/holidays.py)."""

from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core import clock
from nara.notifications.messages import msg
from nara.notifications.services import notify

from .models import OPEN_STATUSES, Complaint, Status
from .services import complaint_url, compute_due, lock_complaint, notify_unit

Role = Membership.Role


def complaints_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate open, overdue complaints to their unit's approvers, once per deadline."""
    now = now or timezone.now()
    count = 0
    overdue = Complaint.objects.filter(
        status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.PENDING_APPROVAL],
        due_at__lt=now,
        escalated_at=None,
        unit__isnull=False,
    ).values_list("pk", flat=True)
    for pk in list(overdue[:500]):
        with transaction.atomic():
            complaint = lock_complaint(Complaint(pk=pk))
            if complaint.escalated_at is not None or complaint.due_at >= now:
                continue
            complaint.escalated_at = now
            complaint.save(update_fields=["escalated_at", "updated_at"])
            audit_record(
                actor=None,
                event_type=EventType.COMPLAINT_ESCALATED,
                target=complaint,
                from_state=complaint.status,
                to_state=complaint.status,
                data={"due_at": complaint.due_at.isoformat()},
            )
            notify_unit(
                complaint.unit,
                (Role.APPROVER,),
                msg(_("Overdue complaint %(no)s"), {"no": complaint.receipt_no}),
                msg(
                    _("The handling period ended %(due)s."),
                    {"due": clock.local_text(complaint.due_at)},
                ),
                complaint,
            )
            count += 1
    return count


def complaints_send_progress_notices(*, now: datetime | None = None) -> int:
    """A progress notice (중간 통지) to citizens whose complaint is open after 30 days."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=settings.NARA_PROGRESS_NOTICE_DAYS)
    count = 0
    ids = Complaint.objects.filter(
        status__in=OPEN_STATUSES,
        received_at__lte=cutoff,
        progress_notice_at=None,
    ).values_list("pk", flat=True)
    for pk in list(ids[:500]):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=pk)
            if complaint.progress_notice_at is not None:
                continue
            complaint.progress_notice_at = now
            complaint.save(update_fields=["progress_notice_at", "updated_at"])
            audit_record(
                actor=None,
                event_type=EventType.COMPLAINT_PROGRESS_NOTICE,
                target=complaint,
                from_state=complaint.status,
                to_state=complaint.status,
            )
            notify(
                user=complaint.citizen,
                subject=msg(_("Complaint %(no)s: progress notice"), {"no": complaint.receipt_no}),
                body=msg(
                    _(
                        "Your complaint “%(title)s” is still being handled (%(status)s). "
                        "Current deadline: %(due)s."
                    ),
                    {
                        "title": complaint.title,
                        "status": complaint.get_status_display,
                        "due": clock.local_text(complaint.due_at),
                    },
                ),
                url=complaint_url(complaint),
            )
            count += 1
    return count


def complaints_recompute_due(*, around: date, by=None) -> int:
    """Recompute the deadlines of open complaints whose clock could cover `around` (a holiday
    added or removed). Extended deadlines, which the citizen was told, stay as they are."""
    start_of_day = timezone.make_aware(datetime.combine(around, time.min))
    moved = 0
    candidates = Complaint.objects.filter(
        status__in=OPEN_STATUSES,
        extended_at=None,
        clock_started_at__lt=start_of_day + timezone.timedelta(days=1),
        due_at__gte=start_of_day - timezone.timedelta(days=1),
    ).select_for_update()
    for complaint in candidates:
        due = compute_due(complaint)
        if due != complaint.due_at:
            audit_record(
                actor=by,
                event_type=EventType.COMPLAINT_DUE_MOVED,
                target=complaint,
                from_state=complaint.status,
                to_state=complaint.status,
                data={
                    "from": complaint.due_at.isoformat(),
                    "to": due.isoformat(),
                    "day": around.isoformat(),
                },
            )
            complaint.due_at = due
            complaint.escalated_at = None if due > timezone.now() else complaint.escalated_at
            complaint.save(update_fields=["due_at", "escalated_at", "updated_at"])
            moved += 1
    return moved
