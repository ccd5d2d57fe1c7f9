"""API tokens end (issue 11, security item 7): after NARA_API_TOKEN_DAYS, when the password
changes wherever it is changed, and when their owner revokes them (DELETE /api/v1/auth/token,
or the profile's token page)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nara.accounts.models import ApiToken
from nara.audit.models import AuditEvent, EventType
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def sign_in(user, app: str = "") -> str:
    response = Client().post(
        "/api/v1/auth/token",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
        headers={"User-Agent": app} if app else {},
    )
    assert response.status_code == 200
    return response.json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def complaints(token: str) -> int:
    return Client().get("/api/v1/complaints", headers=bearer(token)).status_code


def test_a_token_ends_after_the_configured_days(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        response = Client().post(
            "/api/v1/auth/token",
            {"email": world.citizen.email, "password": PASSWORD},
            content_type="application/json",
        )
        token = response.json()["token"]
        days = settings.NARA_API_TOKEN_DAYS
        assert response.json()["expires_at"].startswith(
            timezone.localtime(start + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
        )
        clock.shift(timedelta(days=days) - timedelta(seconds=1))
        assert complaints(token) == 200
        clock.shift(timedelta(seconds=1))
        assert complaints(token) == 401


def test_the_days_are_a_setting(world, settings):
    settings.NARA_API_TOKEN_DAYS = 2
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = sign_in(world.citizen)
        clock.shift(timedelta(days=2))
        assert complaints(token) == 401


def test_delete_revokes_the_token_used_and_only_it(world):
    phone, tablet = sign_in(world.citizen), sign_in(world.citizen)
    response = Client().delete("/api/v1/auth/token", headers=bearer(phone))
    assert response.status_code == 204
    assert complaints(phone) == 401
    assert complaints(tablet) == 200
    assert Client().delete("/api/v1/auth/token", headers=bearer(phone)).status_code == 401
    event = AuditEvent.objects.get(event_type=EventType.USER_API_TOKEN_REVOKED)
    assert event.actor == world.citizen


def test_delete_without_a_token_is_401(world):
    assert Client().delete("/api/v1/auth/token").status_code == 401


def test_a_password_changed_anywhere_ends_the_tokens(world):
    token = sign_in(world.citizen)
    world.citizen.set_password("changed-elsewhere-55")  # the admin, manage.py changepassword
    world.citizen.save()
    assert complaints(token) == 401


def test_the_profile_lists_the_tokens_and_revokes_one(world, client_for):
    phone = sign_in(world.citizen, app="NaraApp/2.1 (Android 15)\x00\n")
    other = sign_in(world.other_citizen)
    client = client_for(world.citizen, **EN)
    page = client.get(reverse("accounts:api_tokens"))
    assert page.status_code == 200
    [mine] = page.context["tokens"]
    assert mine.user == world.citizen
    html = page.content.decode()
    ends = timezone.localtime(mine.expires_at).strftime("%Y-%m-%d")  # the office's date (KST)
    for text in ("Issued", "Last used", "Ends", "Revoke", ends):
        assert text in html
    assert "<h3>NaraApp/2.1 (Android 15)</h3>" in html  # which app each token is (its name)

    # another person's token cannot be revoked from here, and it keeps working; the answer is
    # the one a token already revoked (in another tab) gets: nothing to learn from it
    theirs = ApiToken.objects.get(user=world.other_citizen)
    response = client.post(reverse("accounts:api_token_revoke", args=[theirs.pk]), follow=True)
    assert response.redirect_chain == [(reverse("accounts:api_tokens"), 302)]
    assert "There is no such token" in response.content.decode()
    assert complaints(other) == 200

    response = client.post(reverse("accounts:api_token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    assert complaints(phone) == 401
    page = client.get(reverse("accounts:api_tokens"))
    assert "No app is signed in with a token." in page.content.decode()
    again = client.post(reverse("accounts:api_token_revoke", args=[mine.pk]), follow=True)
    assert "There is no such token" in again.content.decode()


def test_the_token_page_speaks_korean_too(world, client_for):
    sign_in(world.citizen)
    page = client_for(world.citizen, **{"Accept-Language": "ko"}).get(
        reverse("accounts:api_tokens")
    )
    assert page.status_code == 200
    assert page.wsgi_request.LANGUAGE_CODE == "ko"


def test_the_token_page_needs_login(client):
    response = client.get(reverse("accounts:api_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(reverse("accounts:api_token_revoke", args=[1])).status_code == 302


def test_the_openapi_documents_both_token_operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = spec["paths"]["/api/v1/auth/token"]
    # 413: every operation declares the answer to a body over the limit (RequestSizeLimitMiddleware)
    assert set(operations["post"]["responses"]) == {"200", "400", "401", "413", "429"}
    assert set(operations["delete"]["responses"]) == {"204", "401", "413"}
    issued = operations["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][issued["$ref"].rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"token", "expires_at", "device"}
    assert operations["delete"]["security"] == [{"BearerToken": []}]
