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
from tests.conftest import PASSWORD
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
    from tests.helpers import to_pending_approval

    to_pending_approval(world)  # an approval line with its step
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
            "approvals",
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
    from nara.complaints.holidays import holiday_add

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
    from nara.complaints.holidays import holiday_add

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
    # the new unit and the role it grants are in Nara's audit log, with who did it
    event = AuditEvent.objects.get(
        event_type=EventType.CONFIG_ADDED, target_type="agencies.unit", target_id=str(unit.pk)
    )
    assert event.actor == world.operator
    added = [part["added"] for part in event.data["change"] if part.get("added")]
    assert len(added) == 1 and added[0]["name"] == "membership"
    assert str(world.handler) in added[0]["object"]


def test_routing_rule_changes_are_audited(world, client_for):
    rule = RoutingRule.objects.get(unit=world.parks)
    response = client_for(world.operator).post(
        admin_url(RoutingRule, "change", rule.pk),
        {"priority": 7, "keywords": "park", "unit": world.parks.pk, "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(event_type=EventType.CONFIG_CHANGED, target_id=str(rule.pk))
    assert event.actor == world.operator
    assert {"changed": {"fields": ["Priority", "Keywords"]}} in event.data["change"]


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


# --- operators and superusers ------------------------------------------------------------------


@pytest.fixture
def superuser(world):
    from tests.conftest import make_user

    return make_user("root@example.com", staff=True, is_superuser=True)


def change_form_data(page) -> dict:
    """The POST data of an admin change page as it stands (fields and inline formsets)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    add(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_operator_cannot_take_over_a_superuser(world, client_for, superuser):
    client = client_for(world.operator)
    change = admin_url(User, "change", superuser.pk)
    page = client.get(change)
    assert page.status_code == 200  # they may look
    assert page.context["has_change_permission"] is False
    data = change_form_data(client_for(superuser).get(change))
    data.update(email="mine@example.com", is_active="")
    assert client.post(change, data).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password).status_code == 403
    new = {"password1": "taken-over-secret-99", "password2": "taken-over-secret-99"}
    assert client.post(password, {**new, "set_usable_password": "true"}).status_code == 403
    assert client.get(admin_url(User, "delete", superuser.pk)).status_code == 403
    assert client.post(admin_url(User, "delete", superuser.pk), {"post": "yes"}).status_code == 403
    bulk = client.post(
        admin_url(User),
        {"action": "deactivate", "_selected_action": [superuser.pk], "post": "yes"},
    )
    assert bulk.status_code == 302  # back to the list, with the refusal as a message
    superuser.refresh_from_db()
    assert superuser.email == "root@example.com" and superuser.is_active
    assert superuser.check_password(PASSWORD)


def test_operator_can_still_change_other_users(world, client_for):
    client = client_for(world.operator)
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[world.citizen.pk])).status_code
        == 200
    )
    page = client.get(admin_url(User, "change", world.citizen.pk))
    assert page.context["has_change_permission"] is True


def test_superuser_can_change_a_superuser(world, client_for, superuser):
    other = User.objects.create_superuser(email="root2@example.com", password=PASSWORD)
    client = client_for(superuser)
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[other.pk])).status_code == 200
    )
    assert client.get(admin_url(User, "delete", other.pk)).status_code == 403  # deactivated only


def test_operator_cannot_reset_a_superusers_totp(world, client_for, superuser):
    client = client_for(world.operator, **EN)
    response = client.post(
        admin_url(User),
        {"action": "reset_totp", "_selected_action": [superuser.pk, world.handler.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Two-factor authentication was reset for 1 user" in html
    assert "1 superuser was left out" in html
    superuser.refresh_from_db()
    assert superuser.totp_confirmed and superuser.totp_secret
    world.handler.refresh_from_db()
    assert not world.handler.totp_confirmed


def test_totp_reset_service_refuses_a_superuser_for_an_operator(world, superuser):
    from nara.accounts.services import user_totp_reset
    from nara.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        user_totp_reset(by=world.operator, user=superuser)
    superuser.refresh_from_db()
    assert superuser.totp_confirmed
    user_totp_reset(by=superuser, user=superuser)
    superuser.refresh_from_db()
    assert not superuser.totp_confirmed


def user_updates(user):
    return AuditEvent.objects.filter(
        event_type=EventType.USER_PROFILE_UPDATED, target_id=str(user.pk)
    )


def test_membership_and_operator_changes_are_audited(world, client_for):
    client = client_for(world.operator)
    change = admin_url(User, "change", world.citizen.pk)
    data = change_form_data(client.get(change))
    data.update(
        {
            "is_staff": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-unit": str(world.parks.pk),
            "memberships-0-role": Membership.Role.HANDLER,
        }
    )
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.citizen.refresh_from_db()
    assert world.citizen.is_staff
    event = user_updates(world.citizen).get()
    assert event.actor == world.operator
    assert event.data == {
        "by_operator": True,
        "created": False,
        "changed": ["is_staff"],
        "memberships": [{"change": "added", "unit": "seoul-parks", "role": "handler"}],
    }

    # taking the membership away again is recorded too
    data = change_form_data(client.get(change))
    data["memberships-0-DELETE"] = "on"
    assert client.post(change, data).status_code == 302
    assert not world.citizen.memberships.exists()
    latest = user_updates(world.citizen).order_by("-id").first()
    assert latest.data["changed"] == []
    assert latest.data["memberships"] == [
        {"change": "removed", "unit": "seoul-parks", "role": "handler"}
    ]


def test_saving_an_unchanged_user_writes_no_event(world, client_for):
    client = client_for(world.operator)
    change = admin_url(User, "change", world.handler.pk)
    assert client.post(change, change_form_data(client.get(change))).status_code == 302
    assert not user_updates(world.handler).exists()


def test_creating_an_official_in_the_admin_is_audited(world, client_for):
    test_operator_creates_a_user(world, client_for)
    user = User.objects.get(email="new.official@example.com")
    event = user_updates(user).get()
    assert event.data["created"] is True
    assert event.data["memberships"] == [
        {"change": "added", "unit": "moi-roads", "role": "handler"}
    ]


# --- signed-in users who are not operators ------------------------------------------------------


@pytest.mark.parametrize("persona", ["citizen", "handler"])
def test_admin_gives_non_operators_a_404_not_a_redirect_loop(world, client_for, persona):
    client = client_for(getattr(world, persona))
    response = client.get("/admin/", follow=True)  # RedirectCycleError if it loops
    assert response.status_code == 404
    assert [url for url, _status in response.redirect_chain] == ["/admin/login/?next=/admin/"]


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
