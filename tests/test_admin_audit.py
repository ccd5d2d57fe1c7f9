"""Accounts are deactivated and pseudonymised, never deleted with their history, and every
change made in the admin is an audit event (issue 11, security item 6)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import ProtectedError
from django.urls import reverse

from nara.accounts import services
from nara.accounts.models import ApiToken, Session, User
from nara.audit.models import AuditEvent, EventType
from nara.core import admin as core_admin
from nara.core.errors import NotAllowed
from tests.conftest import PASSWORD, make_user
from tests.helpers import file_complaint

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_deleting_a_user_in_the_admin_is_replaced_by_deactivation(world, client_for):
    citizen = world.citizen
    complaint = file_complaint(world)
    their_events = list(AuditEvent.objects.filter(actor=citizen).values_list("pk", flat=True))
    assert their_events
    ApiToken.issue(citizen)
    client = client_for(world.operator, **EN)

    # no delete view, no bulk delete
    assert client.get(admin_url(User, "delete", citizen.pk)).status_code == 403
    assert client.post(admin_url(User, "delete", citizen.pk), {"post": "yes"}).status_code == 403
    client.post(
        admin_url(User),
        {"action": "delete_selected", "_selected_action": [citizen.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=citizen.pk).exists()

    # the action asks first, then deactivates and pseudonymises
    ask = client.post(admin_url(User), {"action": "deactivate", "_selected_action": [citizen.pk]})
    assert ask.status_code == 200
    assert "removed for good" in ask.content.decode()
    citizen.refresh_from_db()
    assert citizen.is_active

    done = client.post(
        admin_url(User),
        {"action": "deactivate", "_selected_action": [citizen.pk], "post": "yes"},
        follow=True,
    )
    assert "1 account was deactivated and pseudonymised." in done.content.decode()
    citizen.refresh_from_db()
    assert not citizen.is_active
    assert citizen.email == f"deactivated-{citizen.pk}@deactivated.invalid"
    assert (citizen.name, citizen.phone, citizen.region_id) == ("", "", None)
    assert not citizen.has_usable_password() and not citizen.check_password(PASSWORD)
    assert not ApiToken.objects.filter(user=citizen).exists()
    assert not Session.objects.filter(user=citizen).exists()
    # the history keeps its actor; what they filed stays theirs
    assert set(AuditEvent.objects.filter(actor=citizen).values_list("pk", flat=True)) >= set(
        their_events
    )
    complaint.refresh_from_db()
    assert complaint.citizen_id == citizen.pk
    event = AuditEvent.objects.get(event_type=EventType.USER_DEACTIVATED)
    assert (event.actor, event.target_id, event.to_state) == (
        world.operator,
        str(citizen.pk),
        "deactivated",
    )
    assert world.citizen.email not in str(event.data)


def test_an_account_with_a_history_cannot_be_deleted(world):
    services.user_update_profile(user=world.citizen, name="Alice Kim")  # one audit event
    with pytest.raises(ProtectedError):
        world.citizen.delete()
    assert AuditEvent.objects.get(event_type=EventType.USER_PROFILE_UPDATED).actor == world.citizen


def test_deactivation_refuses_oneself_and_a_superuser_for_an_operator(world):
    with pytest.raises(NotAllowed):
        services.user_deactivate(by=world.operator, user=world.operator)
    root = make_user("root@example.com", staff=True, is_superuser=True)
    with pytest.raises(NotAllowed):
        services.user_deactivate(by=world.operator, user=root)
    root.refresh_from_db()
    assert root.is_active and root.email == "root@example.com"


def test_every_admin_page_that_can_change_something_is_audited(rf, world):
    request = rf.get("/admin/")
    request.user = make_user("root@example.com", staff=True, is_superuser=True)
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        changes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if changes:
            assert isinstance(model_admin, core_admin.AuditedAdmin), model._meta.label


def test_revoking_a_token_in_the_admin_is_audited(world, client_for):
    ApiToken.issue(world.citizen)
    token = ApiToken.objects.get(user=world.citizen)
    client = client_for(world.operator)
    response = client.post(admin_url(ApiToken, "delete", token.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    event = AuditEvent.objects.get(event_type=EventType.CONFIG_DELETED)
    assert (event.actor, event.target_type, event.target_id) == (
        world.operator,
        "accounts.apitoken",
        str(token.pk),
    )


def test_a_password_set_in_the_admin_is_audited_and_ends_the_tokens(world, client_for):
    raw = ApiToken.issue(world.citizen)
    client = client_for(world.operator)
    url = reverse("admin:auth_user_password_change", args=[world.citizen.pk])
    new = {"password1": "set-by-the-operator-88", "password2": "set-by-the-operator-88"}
    response = client.post(url, {**new, "usable_password": "true"})
    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.check_password("set-by-the-operator-88")
    event = AuditEvent.objects.get(
        event_type=EventType.USER_PROFILE_UPDATED, target_id=str(world.citizen.pk)
    )
    assert event.actor == world.operator and event.data["changed"] == ["password"]
    assert ApiToken.user_for(raw) is None


def test_a_group_changed_in_the_admin_is_audited(world, client_for):
    root = make_user("root@example.com", staff=True, is_superuser=True)
    response = client_for(root).post(admin_url(Group, "add"), {"name": "Auditors"})
    assert response.status_code == 302
    group = Group.objects.get(name="Auditors")
    assert AuditEvent.objects.filter(
        event_type=EventType.CONFIG_ADDED, target_type="auth.group", target_id=str(group.pk)
    ).exists()
