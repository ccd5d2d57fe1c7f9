"""The client address rate limits key on: REMOTE_ADDR, or X-Forwarded-For behind our proxies."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from nara.core.ratelimit import client_ip


def request_from(rf, remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **meta)


def test_without_trusted_proxies_a_forged_header_is_ignored(rf, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(rf, forwarded="203.0.113.9")) == "10.0.0.1"
    assert client_ip(request_from(rf, forwarded="1.2.3.4, 203.0.113.9")) == "10.0.0.1"
    assert client_ip(request_from(rf)) == "10.0.0.1"


def test_the_default_trusts_no_proxy():
    assert django_settings.NARA_TRUSTED_PROXY_COUNT == 0


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client forged the left entry
        (1, " 6.6.6.6 ,203.0.113.9 ", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_trusted_proxies_pick_the_right_entry(rf, settings, count, forwarded, expected):
    settings.NARA_TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(rf, forwarded=forwarded)) == expected


@pytest.mark.parametrize(
    "count, forwarded",
    [
        (1, None),  # no header
        (1, ""),
        (1, " , "),
        (2, "203.0.113.9"),  # fewer entries than proxies
        (1, "not-an-address"),
        (1, "203.0.113.9, 999.1.1.1"),
        (1, "203.0.113.9, <script>"),
        (2, "garbage, 10.1.1.1"),
    ],
)
def test_missing_or_garbage_entries_fall_back_to_remote_addr(rf, settings, count, forwarded):
    settings.NARA_TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(rf, forwarded=forwarded)) == "10.0.0.1"


@pytest.mark.parametrize(
    "key, counted_as",
    [
        # IPv6 by its /64 (a subscriber's allocation), IPv4 carried in IPv6 as IPv4
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("2001:DB8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("64:ff9b::203.0.113.9", "203.0.113.9"),
        ("203.0.113.9", "203.0.113.9"),
        ("42", "42"),  # a user's id
        ("resend:2001:db8::1", "resend:2001:db8::1"),
        ("citizen@example.com", "citizen@example.com"),
    ],
)
def test_limits_count_an_ipv6_client_by_its_64(key, counted_as):
    from nara.core.ratelimit import client_key

    assert client_key(key) == counted_as


@pytest.mark.django_db
def test_rotating_within_a_64_shares_one_limit(settings):
    from nara.core.ratelimit import hit

    settings.NARA_RATE_LIMITS = {"guess": (3, WHOLE_RUN)}
    answers = [hit("guess", f"2001:db8:7:7::{n:x}") for n in range(1, 6)]
    assert answers == [True, True, True, False, False]
    assert hit("guess", "2001:db8:7:8::1")  # the next subscriber


def test_the_client_address_itself_is_not_grouped(rf, settings):
    """Stored and shown (a signature's address hash a moderator matches, the audit log) as
    the client's own address."""
    settings.NARA_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(rf, remote="2001:db8:0:7::abcd")) == "2001:db8:0:7::abcd"


@pytest.mark.django_db
def test_behind_a_proxy_one_client_cannot_lock_out_another(client, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    url = reverse("accounts:password_reset")
    limit, _window = settings.NARA_RATE_LIMITS["password_reset"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for i in range(limit):
        response = client.post(
            url, {"email": f"x{i}@example.com"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
        )
        assert response.status_code == 302
    attacker = client.post(
        url, {"email": "y@example.com"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert attacker.status_code == 429
    other = client.post(
        url, {"email": "z@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    assert other.status_code == 302


WHOLE_RUN = 10**9  # seconds: the test never crosses a window's end


def _hit_at_once(threads: int, scope: str, key: str) -> list[bool]:
    """`hit(scope, key)` from `threads` threads at once, each with its own connection."""
    import threading

    from django.db import connection

    from nara.core.ratelimit import hit

    start = threading.Barrier(threads)
    answers = []

    def attempt():
        try:
            start.wait()
            answers.append(hit(scope, key))
        finally:
            connection.close()

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_are_all_counted_even_with_the_database_cache(settings):
    """The database cache's `incr` is a read and a write: when the limits were counted with it,
    attempts made at once read the same count and more than the limit got through. They are
    counted by one statement in the database whatever the cache."""
    from django.core.management import call_command

    from nara.core.ratelimit import hit

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "nara_cache_ratelimit_test",
        }
    }
    call_command("createcachetable")
    settings.NARA_RATE_LIMITS = {"guess": (5, WHOLE_RUN)}
    for victim in range(4):  # SQLite's lost updates come less often than PostgreSQL's
        answers = _hit_at_once(16, "guess", f"victim{victim}@example.com")
        assert answers.count(True) == 5
    assert not hit("guess", "victim0@example.com")
    assert hit("guess", "someone-else@example.com")


@pytest.mark.django_db
def test_a_new_window_starts_from_one_and_ended_windows_are_forgotten(settings, monkeypatch):
    """Counting never deletes (a request's answer must not depend on a DELETE); the periodic
    task forgets the windows that have ended, and only those."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nara.core import ratelimit
    from nara.core.models import RateCount
    from nara.core.tasks import forget_ended_rate_windows

    settings.NARA_RATE_LIMITS = {"guess": (2, 30)}
    now = 6000.0
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    assert [ratelimit.hit("guess", k) for k in ("a", "a", "a", "b")] == [True, True, False, True]
    now = 6060.0  # a later window: a starts again from one
    with CaptureQueriesContext(connection) as queries:
        assert [ratelimit.hit("guess", "a") for _ in range(3)] == [True, True, False]
    assert not any("DELETE" in q["sql"] for q in queries)
    assert RateCount.objects.count() == 2  # b's ended window is still there
    monkeypatch.setattr(ratelimit, "PURGE_BATCH", 1)  # several batches
    ratelimit.hit("guess", "c")
    now = 6029.0 + ratelimit.PURGE_GRACE  # b's window ended at 6030: kept a little longer
    assert forget_ended_rate_windows.call() == 0
    now = 6031.0 + ratelimit.PURGE_GRACE
    assert forget_ended_rate_windows.call() == 1  # b's; a's and c's end at 6090
    assert set(RateCount.objects.values_list("hits", flat=True)) == {3, 1}
    now = 6090.0 + ratelimit.PURGE_GRACE
    assert forget_ended_rate_windows.call() == 2
    assert not RateCount.objects.exists()


@pytest.mark.django_db
def test_with_any_cache_the_attempts_count_in_the_database(settings):
    """Every process and node counts in one place, the same rows the signing statement uses."""
    from nara.core.models import RateCount
    from nara.core.ratelimit import hit

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.NARA_RATE_LIMITS = {"guess": (3, WHOLE_RUN)}
    assert [hit("guess", "k") for _ in range(4)] == [True, True, True, False]
    assert RateCount.objects.get().hits == 4


@pytest.mark.django_db
def test_several_limits_count_in_one_statement(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nara.core.ratelimit import hit_all

    settings.NARA_RATE_LIMITS = {"burst": (2, WHOLE_RUN), "hourly": (3, WHOLE_RUN)}
    with CaptureQueriesContext(connection) as queries:
        assert hit_all(("burst", "10.0.0.1"), ("hourly", "10.0.0.1"))
    assert len(queries) == 1
    assert hit_all(("burst", "10.0.0.1"), ("hourly", "10.0.0.1"))
    assert not hit_all(("burst", "10.0.0.1"), ("hourly", "10.0.0.1"))  # the burst's third
    assert not hit_all(("burst", "10.0.0.2"), ("hourly", "10.0.0.1"))  # the hourly's fourth
    assert hit_all(("burst", "10.0.0.2"), ("hourly", "10.0.0.3"))
