"""Fixed-window rate limits, counted in the database (`RateCount`, UNLOGGED on PostgreSQL)
whatever the cache is: one atomic statement per request for all its counters, shared by every
process and node, and the same counters the signing statement counts in
(nara/petitions/fastpath.py). Measured cheaper than Redis on the signing path (bench/README.md).
Limits are settings (NARA_RATE_LIMITS); NARA_RATE_LIMITS=off in the environment switches them
off for load tests."""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.db import connection


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address. Behind NARA_TRUSTED_PROXY_COUNT = N proxies it is the N-th entry
    of X-Forwarded-For from the right (each of our proxies appends one entry; anything further
    left was sent by the client and may be forged). With N = 0 the header is ignored."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "NARA_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [e for e in entries if e]
    if len(entries) < proxies:
        return remote
    return _valid_ip(entries[-proxies]) or remote


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 clients behind a translator (RFC 6052)


def client_key(key: str) -> str:
    """What a limit counts for a key that is an address: an IPv6 address by its /64 network
    (one subscriber's allocation: rotating within it is free), an IPv4 address carried in IPv6
    (::ffff:a.b.c.d, 64:ff9b::a.b.c.d) as that IPv4 address. Any other key as it is. Only limits
    group addresses: what is stored and shown (a signature's address hash, the audit log)
    keeps the client's own address."""
    try:
        ip = ipaddress.ip_address(key)
    except ValueError:
        return key
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip in _NAT64:
        return str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def hit(scope: str, key: str) -> bool:
    """Count one attempt for (scope, key). True if it is within the limit."""
    return hit_all((scope, key))


def counter(scope: str, key: str, now: float) -> tuple[str, int, int, int]:
    """(digest, limit, window, bucket) of the counter of (scope, key) at `now` (a key that is
    an address counts for its client_key): the row
    `RateCount.scope_key` names, for the statements that count in the table themselves (the
    signing statement, nara/petitions/fastpath.py)."""
    limit, window = settings.NARA_RATE_LIMITS[scope]
    digest = hashlib.sha256(f"{scope}:{client_key(key)}".encode()).hexdigest()[:32]
    return digest, limit, window, int(now // window)


def hit_all(*limits: tuple[str, str]) -> bool:
    """Count one attempt against each (scope, key) at once, in one statement. True if every
    count is within its limit."""
    if not settings.NARA_RATE_LIMITS_ENABLED:
        return True
    now = time.time()
    counters = {}  # digest → (limit, window, bucket), one per distinct (scope, key)
    for scope, key in limits:
        digest, limit, window, bucket = counter(scope, key, now)
        counters[digest] = (limit, window, bucket)
    counts = _count_in_table({d: (b + 1) * w for d, (_l, w, b) in counters.items()})
    return all(counts[d] <= limit for d, (limit, _w, _b) in counters.items())


# One statement, atomic on PostgreSQL and SQLite (3.35+): the first attempt of a window
# inserts the row or starts it again from 1, later ones add 1 to it. A node whose clock is
# behind counts in the newer window rather than resetting it.
_UPSERT = """
INSERT INTO nara_rate_count (scope_key, window_end, hits) VALUES {values}
ON CONFLICT (scope_key) DO UPDATE SET
    hits = CASE WHEN nara_rate_count.window_end >= excluded.window_end
        THEN nara_rate_count.hits + 1 ELSE 1 END,
    window_end = CASE WHEN nara_rate_count.window_end >= excluded.window_end
        THEN nara_rate_count.window_end ELSE excluded.window_end END
RETURNING scope_key, hits
"""


def _count_in_table(window_ends: dict[str, int]) -> dict[str, int]:
    """Every counter of a request in one statement (a cache's `incr` on the database cache is a
    read and a write: concurrent attempts would each read the same count); → {digest: count}."""
    values = ", ".join(["(%s, %s, 1)"] * len(window_ends))
    # rows locked in the order of their keys, as the signing statement does: no deadlock
    params = [p for item in sorted(window_ends.items()) for p in item]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(values=values), params)
        return dict(cursor.fetchall())


PURGE_BATCH = 10_000
# seconds a window is kept after its end: a worker whose clock is ahead must not reset
# counters that are still running
PURGE_GRACE = 300


def forget_ended_windows(now: float | None = None) -> int:
    """Delete the counters whose window ended PURGE_GRACE ago (by the periodic task
    `forget_ended_rate_windows`, never by a request: a DELETE that waits for a lock or fails
    must not change anyone's answer), in batches of PURGE_BATCH rows; on PostgreSQL skipping
    the rows a request is counting in right now (they go next time). → the rows deleted."""
    ended = (time.time() if now is None else now) - PURGE_GRACE
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    deleted = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM nara_rate_count WHERE scope_key IN (SELECT scope_key FROM "
                f"nara_rate_count WHERE window_end <= %s LIMIT %s{skip_locked})",
                [ended, PURGE_BATCH],
            )
            batch = cursor.rowcount
        deleted += batch
        if batch < PURGE_BATCH:  # after a full batch there may be more
            return deleted
