"""Sessions read with their user (nara/accounts/sessions.py): one query for both, the row's user
id kept in step with the session's data, and Django's checks unchanged."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nara.accounts import services
from nara.accounts.models import Session
from tests.conftest import PASSWORD, make_user
from tests.helpers import file_complaint

PROFILE = "/accounts/profile/"


def user_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def test_a_signed_in_request_reads_its_session_and_user_in_one_query(world, client_for):
    client = client_for(world.citizen)
    client.get(PROFILE)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PROFILE).status_code == 200
    sessions = [q["sql"] for q in ctx.captured_queries if "accounts_session" in q["sql"]]
    assert len(sessions) == 1 and 'JOIN "accounts_user"' in sessions[0]
    assert user_queries(ctx) == []  # no query of its own for the user


def test_the_row_names_the_user_from_login_to_logout(world):
    client = Client()
    response = client.post("/accounts/login/", {"email": world.citizen.email, "password": PASSWORD})
    assert response.status_code == 302
    row = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert row.user_id == world.citizen.pk
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=row.pk).exists()


def test_a_row_without_its_user_still_signs_in_through_the_users_query(world, client_for):
    client = client_for(world.citizen)
    Session.objects.update(user=None)  # as a session copied without its user
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PROFILE)
    assert response.status_code == 200 and response.wsgi_request.user == world.citizen
    assert len(user_queries(ctx)) == 1


def test_the_session_data_decides_who_is_signed_in_not_the_row(world, client_for):
    client = client_for(world.citizen)
    Session.objects.update(user=world.other_citizen)  # a row out of step with its data
    response = client.get(PROFILE)
    assert response.wsgi_request.user == world.citizen


def test_an_inactive_user_read_with_the_session_is_signed_out(world, client_for):
    client = client_for(world.citizen)
    world.citizen.is_active = False
    world.citizen.save(update_fields=["is_active"])
    response = client.get(PROFILE)
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_a_password_changed_elsewhere_ends_the_session(world, client_for):
    client = client_for(world.citizen)
    world.citizen.set_password("another-horse-battery-7")
    world.citizen.save()
    response = client.get(PROFILE)
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_a_totp_reset_ends_that_officials_sessions_only(world, client_for):
    handler, approver = client_for(world.handler), client_for(world.approver)
    services.user_totp_reset(by=world.operator, user=world.handler)
    assert not Session.objects.filter(user=world.handler).exists()
    assert Session.objects.filter(user=world.approver).exists()
    assert handler.get("/office/").status_code == 302
    assert approver.get("/office/").status_code == 200


def test_the_migration_brings_open_sessions_along_with_their_user(world, client_for):
    migration = importlib.import_module("nara.accounts.migrations.0004_session_with_user")
    handler = client_for(world.handler)  # signed in, 2FA passed
    key = handler.cookies["sessionid"].value
    later = timezone.now() + timezone.timedelta(days=1)
    # as Django's own store wrote them before this migration
    for row in Session.objects.all():
        DjangoSession.objects.create(
            session_key=row.session_key, session_data=row.session_data, expire_date=row.expire_date
        )
    DjangoSession.objects.create(
        session_key="b" * 32, session_data=DjangoStore().encode({"lang": "en"}), expire_date=later
    )
    DjangoSession.objects.create(
        session_key="c" * 32,
        session_data=DjangoStore().encode({SESSION_KEY: str(world.citizen.pk)}),
        expire_date=timezone.now() - timezone.timedelta(days=1),  # expired: left behind
    )
    Session.objects.all().delete()
    migration.copy_open_sessions(apps, None)
    copied = dict(Session.objects.values_list("session_key", "user_id"))
    assert copied == {key: world.handler.pk, "b" * 32: None}
    assert handler.get("/office/").status_code == 200  # still signed in
    # and a TOTP reset finds the migrated session by its user
    services.user_totp_reset(by=world.operator, user=world.handler)
    assert handler.get("/office/").status_code == 302


def test_a_row_out_of_step_with_its_data_is_put_right_by_the_next_request(world, client_for):
    client = client_for(world.citizen)
    Session.objects.update(user=None)  # as written by a process that did not keep the id
    client.get(PROFILE)
    assert Session.objects.get().user_id == world.citizen.pk


@pytest.mark.parametrize("data", [{SESSION_KEY: "not-a-number"}, {}])
def test_a_session_without_a_usable_user_id_saves_without_one(db, data):
    store = importlib.import_module("nara.accounts.sessions").SessionStore()
    store.update(data)
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None


def test_the_scheduler_clears_expired_sessions_and_keeps_open_ones(world, client_for):
    from django.core.management import call_command

    client_for(world.citizen)
    client_for(world.handler)
    Session.objects.filter(user=world.handler).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    call_command("scheduler", "--once")  # tasks run at once in tests (ImmediateBackend)
    assert list(Session.objects.values_list("user_id", flat=True)) == [world.citizen.pk]


def membership_queries(ctx) -> int:
    """Queries that read memberships on their own (not as a subquery of another)."""
    return sum(q["sql"].startswith('SELECT "agencies_membership"') for q in ctx.captured_queries)


def test_memberships_are_read_with_the_session_and_take_effect_at_the_next_request(
    world, client_for
):
    from nara.agencies.models import Membership

    handler = client_for(world.handler)
    handler.get("/office/")
    with CaptureQueriesContext(connection) as ctx:
        assert handler.get("/office/").status_code == 200
    assert membership_queries(ctx) == 0
    Membership.objects.filter(user=world.handler).delete()  # no longer an official of roads
    assert handler.get("/office/").status_code == 404  # officials only


def test_an_agency_administrator_covers_the_units_below_through_the_session(world, client_for):
    from nara.agencies.models import Membership

    admin = make_user("admin@example.com", official=True)
    Membership.objects.create(user=admin, unit=world.ministry, role=Membership.Role.AGENCY_ADMIN)
    complaint = file_complaint(world)  # routed to roads, below the ministry
    page = client_for(admin).get(f"/office/complaints/{complaint.receipt_no}/")
    assert page.status_code == 200


def test_an_api_token_reads_its_users_memberships_with_it(world):
    from nara.accounts.models import ApiToken

    token = ApiToken.issue(world.handler, two_factor=True)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/inbox")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/inbox").status_code == 200
    assert membership_queries(ctx) == 0
    citizen = Client(headers={"Authorization": f"Bearer {ApiToken.issue(world.citizen)}"})
    assert citizen.get("/api/v1/inbox").status_code == 403


def test_the_unread_count_is_read_with_the_session(world, client_for):
    from nara.notifications.models import Notification

    for n in range(3):
        Notification.objects.create(user=world.citizen, title=f"Update {n}", body="", url="/")
    Notification.objects.create(user=world.other_citizen, title="Not yours", body="", url="/")
    client = client_for(world.citizen, **{"Accept-Language": "en"})
    client.get(PROFILE)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(PROFILE).content.decode()
    assert "3 unread" in page
    assert not any(
        "notifications_notification" in q["sql"].split("(SELECT")[0] for q in ctx.captured_queries
    )
    client.post("/notifications/read/")  # all read, then the next page counts again
    assert "unread" not in client.get(PROFILE).content.decode()


def test_a_page_shown_after_a_post_counts_the_unread_notifications_again(world, client_for):
    """A GET changes no notification: its header shows the count read with the session. A
    POST may have notified the user (a signature confirmed from an e-mail link renders its
    page without a redirect): its header counts again."""
    from django.test import RequestFactory

    from nara.notifications.context_processors import unread
    from nara.notifications.models import Notification

    user = world.citizen
    user.unread_read_with_session = 3  # as read with the session, before the view ran
    for n in range(4):
        Notification.objects.create(user=user, title=f"Update {n}", body="", url="/")
    for method, shown in (("get", 3), ("head", 3), ("post", 4)):
        request = getattr(RequestFactory(), method)("/")
        request.user = user
        assert unread(request)["nara_unread_count"]() == shown
