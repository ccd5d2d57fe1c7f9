"""The operators' admin: who gets in, holidays moving deadlines through the service, read-only
logs and complaints, TOTP reset, outbox retry."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.urls import reverse

from nara.accounts.models import User
from nara.agencies.models import Membership, RoutingRule, Unit
from nara.audit.models import AuditEvent, EventType
from nara.complaints.models import Complaint
from nara.core.models import Holiday
from nara.notifications.models import OutboxMessage
from tests.helpers import file_complaint

SEOUL = ZoneInfo("Asia/Seoul")
MONDAY = datetime(2026, 4, 6, 10, 0, tzinfo=SEOUL)  # no holiday in April 2026
EN = {"Accept-Language": "en"}


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- who gets in ------------------------------------------------------------------------------


def test_non_staff_cannot_reach_the_admin(world, client_for):
    for user in (None, world.citizen, world.handler, world.approver):
        client = client_for(user)
        for url in ("/admin/", admin_url(Holiday, "add"), admin_url(AuditEvent)):
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response["Location"].startswith("/admin/login/")


def test_operator_without_2fa_is_sent_to_2fa(world, client):
    client.force_login(world.operator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:2fa_verify")


def test_operator_sees_every_admin_page(world, client_for):
    file_complaint(world)
    client = client_for(world.operator)
    assert client.get("/admin/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {
            "core",
            "accounts",
            "agencies",
            "audit",
            "notifications",
            "complaints",
        }:
            continue
        assert client.get(admin_url(model)).status_code == 200, model
        if model_admin.has_add_permission(_request_for(world.operator)):
            assert client.get(admin_url(model, "add")).status_code == 200, model
        first = model.objects.first()
        if first is not None:
            assert client.get(admin_url(model, "change", first.pk)).status_code == 200, model


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- holidays go through the service -----------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_operator_adds_a_holiday_and_open_due_dates_move(world, client_for):
    complaint = file_complaint(world)
    assert complaint.due_at == datetime(2026, 4, 14, 18, 0, tzinfo=SEOUL)
    client = client_for(world.operator, **EN)
    response = client.post(
        admin_url(Holiday, "add"),
        {"date": "2026-04-08", "name": "Temporary holiday", "_save": "Save"},
        follow=True,
    )
    assert response.status_code == 200
    holiday = Holiday.objects.get(date=date(2026, 4, 8))
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 15, 18, 0, tzinfo=SEOUL)
    assert "The due date of 1 open complaint moved." in response.content.decode()
    assert AuditEvent.objects.filter(
        event_type=EventType.HOLIDAY_ADDED, actor=world.operator, target_id=str(holiday.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        event_type=EventType.COMPLAINT_DUE_MOVED, target_id=str(complaint.pk)
    ).exists()


@time_machine.travel(MONDAY, tick=False)
def test_operator_removes_a_holiday_and_due_dates_move_back(world, client_for):
    from nara.core.services import holiday_add

    complaint = file_complaint(world)
    holiday = holiday_add(by=world.operator, day=date(2026, 4, 8), name="Temporary holiday")
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 15, 18, 0, tzinfo=SEOUL)
    client = client_for(world.operator, **EN)
    response = client.post(admin_url(Holiday, "delete", holiday.pk), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not Holiday.objects.exists()
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 14, 18, 0, tzinfo=SEOUL)
    assert AuditEvent.objects.filter(event_type=EventType.HOLIDAY_REMOVED).exists()


@time_machine.travel(MONDAY, tick=False)
def test_bulk_delete_of_holidays_moves_due_dates(world, client_for):
    from nara.core.services import holiday_add

    complaint = file_complaint(world)
    holiday_add(by=world.operator, day=date(2026, 4, 8), name="One")
    holiday_add(by=world.operator, day=date(2026, 4, 9), name="Two")
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 16, 18, 0, tzinfo=SEOUL)
    client = client_for(world.operator)
    response = client.post(
        admin_url(Holiday),
        {
            "action": "delete_selected",
            "_selected_action": list(Holiday.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 14, 18, 0, tzinfo=SEOUL)
    assert AuditEvent.objects.filter(event_type=EventType.HOLIDAY_REMOVED).count() == 2


def test_duplicate_holiday_is_a_form_error(world, client_for):
    Holiday.objects.create(date=date(2026, 4, 8), name="Existing")
    response = client_for(world.operator).post(
        admin_url(Holiday, "add"), {"date": "2026-04-08", "name": "Again"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"]
    assert Holiday.objects.count() == 1


# --- read-only pages --------------------------------------------------------------------------


def test_audit_log_is_read_only(world, client_for):
    file_complaint(world)
    event = AuditEvent.objects.first()
    client = client_for(world.operator)
    assert client.get(admin_url(AuditEvent)).status_code == 200
    assert client.get(admin_url(AuditEvent, "change", event.pk)).status_code == 200
    assert client.get(admin_url(AuditEvent, "add")).status_code == 403
    response = client.post(
        admin_url(AuditEvent, "change", event.pk), {"event_type": "holiday.added"}
    )
    assert response.status_code == 403
    assert (
        client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    )
    event.refresh_from_db()
    assert event.event_type == EventType.COMPLAINT_FILED


def test_complaints_are_read_only_in_the_admin(world, client_for):
    complaint = file_complaint(world)
    client = client_for(world.operator)
    listing = client.get(admin_url(Complaint))
    assert complaint.receipt_no in listing.content.decode()
    assert client.get(admin_url(Complaint, "add")).status_code == 403
    response = client.post(admin_url(Complaint, "change", complaint.pk), {"status": "closed"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "received"


# --- operators manage the organisation --------------------------------------------------------


def test_operator_edits_routing_rules_in_the_list(world, client_for):
    rules = list(RoutingRule.objects.order_by("pk"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "_save": "Save",
    }
    for i, rule in enumerate(RoutingRule.objects.order_by("priority", "id")):
        data[f"form-{i}-id"] = rule.pk
        data[f"form-{i}-priority"] = 5 if rule.unit == world.parks else rule.priority
        if rule.is_active and rule.unit != world.parks:
            data[f"form-{i}-is_active"] = "on"
    response = client_for(world.operator).post(admin_url(RoutingRule), data)
    assert response.status_code == 302
    parks_rule = RoutingRule.objects.get(unit=world.parks)
    assert parks_rule.priority == 5 and not parks_rule.is_active


def test_operator_adds_a_unit_with_a_member(world, client_for):
    response = client_for(world.operator).post(
        admin_url(Unit, "add"),
        {
            "code": "moi-bridges",
            "name_ko": "교량과",
            "name_en": "Bridges Division",
            "kind": Unit.Kind.DEPARTMENT,
            "parent": world.ministry.pk,
            "is_active": "on",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": world.handler.pk,
            "memberships-0-role": Membership.Role.APPROVER,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(code="moi-bridges")
    assert unit.parent == world.ministry
    assert Membership.objects.filter(
        unit=unit, user=world.handler, role=Membership.Role.APPROVER
    ).exists()


def test_operator_creates_a_user(world, client_for):
    response = client_for(world.operator).post(
        admin_url(User, "add"),
        {
            "email": "New.Official@Example.com",
            "name": "New Official",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-unit": world.roads.pk,
            "memberships-0-role": Membership.Role.HANDLER,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.official@example.com")
    assert user.check_password("a-long-enough-password-42")
    assert not user.is_superuser
    assert user.memberships.get().unit == world.roads


def test_operator_cannot_make_a_superuser(world, client_for):
    page = client_for(world.operator).get(admin_url(User, "change", world.citizen.pk))
    assert "is_superuser" not in page.context["adminform"].form.fields


def test_totp_reset_action_clears_the_secret_and_is_audited(world, client_for):
    client = client_for(world.operator, **EN)
    response = client.post(
        admin_url(User),
        {"action": "reset_totp", "_selected_action": [world.handler.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Two-factor authentication was reset for 1 user" in response.content.decode()
    world.handler.refresh_from_db()
    assert world.handler.totp_secret == "" and not world.handler.totp_confirmed
    assert AuditEvent.objects.filter(
        actor=world.operator, target_type="accounts.user", target_id=str(world.handler.pk)
    ).exists()
    world.approver.refresh_from_db()
    assert world.approver.totp_confirmed


# --- the outbox ---------------------------------------------------------------------------------


def test_outbox_is_read_only_with_retry_now(world, client_for):
    from django.utils import timezone

    message = OutboxMessage.objects.create(
        to_email="x@example.com",
        subject="Hello",
        body="Body",
        status=OutboxMessage.Status.FAILED,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error="SMTP down",
    )
    client = client_for(world.operator)
    assert client.get(admin_url(OutboxMessage, "add")).status_code == 403
    response = client.post(
        admin_url(OutboxMessage), {"action": "retry_now", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Hello"]


@pytest.mark.parametrize("model", [AuditEvent, OutboxMessage, Complaint])
def test_read_only_pages_have_no_delete(world, client_for, model):
    client = client_for(world.operator)
    html = client.get(admin_url(model)).content.decode()
    assert "delete_selected" not in html
