"""Signing rate limits: per client address (burst and hourly), per e-mail domain and petition
(the big providers exempt), behind a trusted proxy only by the address it reports."""

import pytest

from nara.petitions.abuse import sign_allowed

pytestmark = pytest.mark.django_db  # the counters are rows (nara.core.ratelimit)


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {
        **settings.NARA_RATE_LIMITS,
        "petition_sign_burst": (3, 10),
        "petition_sign_ip": (5, 3600),
        "petition_sign_domain": (2, 600),
    }


def req(rf, remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.post("/", **meta)


def test_a_burst_from_one_address_is_limited(rf):
    assert [sign_allowed(req(rf), 1) for _ in range(4)] == [True, True, True, False]
    assert sign_allowed(req(rf, remote="10.0.0.2"), 1)  # someone else is not


def test_the_hourly_limit_counts_every_attempt(rf, settings):
    settings.NARA_RATE_LIMITS["petition_sign_burst"] = (100, 10)
    assert [sign_allowed(req(rf), 1) for _ in range(6)] == [True] * 5 + [False]


def test_a_small_domain_is_limited_per_petition_but_big_providers_are_not(rf, settings):
    settings.NARA_RATE_LIMITS["petition_sign_burst"] = (100, 10)
    settings.NARA_RATE_LIMITS["petition_sign_ip"] = (100, 3600)
    addresses = (f"10.0.1.{i}" for i in range(1, 100))
    tiny = [sign_allowed(req(rf, next(addresses)), 1, f"u{i}@tiny.example") for i in range(3)]
    assert tiny == [True, True, False]
    assert sign_allowed(req(rf, next(addresses)), 2, "u9@tiny.example")  # another petition
    naver = [sign_allowed(req(rf, next(addresses)), 1, f"u{i}@naver.com") for i in range(5)]
    assert all(naver)


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(rf, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    one = [sign_allowed(req(rf, "10.9.9.9", "203.0.113.7"), 1) for _ in range(4)]
    assert one == [True, True, True, False]
    # a forged left-hand entry does not buy a new allowance
    assert not sign_allowed(req(rf, "10.9.9.9", "6.6.6.6, 203.0.113.7"), 1)
    assert sign_allowed(req(rf, "10.9.9.9", "203.0.113.8"), 1)


def test_the_switch_turns_them_off_for_load_tests(rf, settings):
    settings.NARA_RATE_LIMITS_ENABLED = False
    assert all(sign_allowed(req(rf), 1, "a@tiny.example") for _ in range(20))
