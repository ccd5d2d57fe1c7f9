"""API tokens, issue 11 review: signing in again and again does not pile up tokens, and tokens
without an expiry date (from before migration 0005) are deleted."""

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from nara.accounts.models import ApiToken
from nara.accounts.tasks import clear_expired_sessions
from tests.conftest import PASSWORD


def api_token(email, ip="10.8.8.8"):
    return Client(headers={"Accept-Language": "en"}).post(
        "/api/v1/auth/token",
        {"email": email, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_signing_in_again_and_again_keeps_at_most_the_cap_of_tokens(world, settings):
    settings.NARA_API_TOKENS_PER_USER = 3
    raws = [api_token(world.citizen.email).json()["token"] for _ in range(5)]
    assert ApiToken.objects.filter(user=world.citizen).count() == 3
    assert [ApiToken.user_for(raw) for raw in raws[:2]] == [None, None]  # the oldest ended
    assert all(ApiToken.user_for(raw) == world.citizen for raw in raws[2:])


@pytest.mark.django_db
def test_tokens_without_an_expiry_are_cleaned_up(world):
    raw = ApiToken.issue(world.citizen)
    ApiToken.objects.filter(key_hash=ApiToken.hash(raw)).update(expires_at=None)
    fresh = ApiToken.issue(world.citizen)
    clear_expired_sessions.call()
    assert list(ApiToken.objects.values_list("key_hash", flat=True)) == [ApiToken.hash(fresh)]


@pytest.mark.django_db
def test_successful_api_sign_ins_per_account_are_limited(world, settings):
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "api_token_signins": (3, 3600)}
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [api_token(world.citizen.email).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        again = api_token(world.citizen.email)
        assert again.status_code == 429
        assert again["Retry-After"] == "3600"
        assert again.json() == {"detail": "Too many attempts. Try again later."}
        assert api_token(world.other_citizen.email).status_code == 200  # others sign in
