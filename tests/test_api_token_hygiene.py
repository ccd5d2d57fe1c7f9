"""API tokens, issue 11 review: signing in again and again does not pile up tokens, and tokens
without an expiry date (from before migration 0005) are deleted."""

import pytest
from django.test import Client

from nara.accounts.models import ApiToken
from nara.accounts.tasks import clear_expired_sessions
from tests.conftest import PASSWORD


def api_token(email, ip="10.8.8.8"):
    return Client().post(
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
