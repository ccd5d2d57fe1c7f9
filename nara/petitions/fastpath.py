"""Signing with an API token: the hot path of a national surge.

The rules are those of signing.petition_sign (one signature per canonical e-mail, only while
the petition is open, thresholds fire once). On PostgreSQL the work is one prepared statement
in autocommit: it reads the token's user, checks the petition, inserts the signature (ON
CONFLICT: already signed) and adds one to a random shard of the count, atomically, returning
the new count. Other databases take the ordinary service path. The same tests run on both."""

import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from nara.accounts.models import ApiToken
from nara.core import ratelimit

from . import emails, services, signing
from .models import SIGNABLE_STATUSES, Petition, Status

SIGNED, ALREADY, NOT_SIGNABLE, NOT_FOUND, BAD_TOKEN, LIMITED = (
    "signed",
    "already",
    "not_signable",
    "not_found",
    "bad_token",
    "limited",
)

# The rate limits of signing (nara/core/ratelimit.py), per client address: a burst, an hour.
LIMITS = ("petition_sign_burst", "petition_sign_ip")


@dataclass
class SignResult:
    outcome: str
    count: int = 0


def sign_with_token(raw_token: str, petition_id: int, ip: str = "") -> SignResult:
    """Sign with a token from the client address `ip`; the attempt counts against the address's
    signing limits (LIMITED past them), on PostgreSQL in the signing statement itself."""
    if not raw_token or len(raw_token) > 200:
        return SignResult(BAD_TOKEN)
    if connection.vendor == "postgresql":
        return _sign_postgresql(raw_token, petition_id, ip)
    if not ratelimit.hit_all(*((scope, ip) for scope in LIMITS)):
        return SignResult(LIMITED)
    return _sign_generic(raw_token, petition_id, ip)


def _visible_outcome(petition_id: int, user) -> SignResult:
    """Why the petition could not be signed: 404 if the user may not see it, else 409."""
    from .selectors import can_see_unpublished

    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None or not (petition.is_public or can_see_unpublished(user, petition)):
        return SignResult(NOT_FOUND)
    return SignResult(NOT_SIGNABLE, signing.signature_count(petition_id))


def _sign_generic(raw_token: str, petition_id: int, ip: str) -> SignResult:
    user = ApiToken.user_for(raw_token)
    if user is None:
        return SignResult(BAD_TOKEN)
    petition = Petition.objects.select_related("type").filter(pk=petition_id).first()
    if petition is None or not petition.is_signable():
        return _visible_outcome(petition_id, user)
    try:
        signing.petition_sign(petition=petition, by=user, ip=ip)
    except services.AlreadySigned:
        return SignResult(ALREADY, signing.signature_count(petition_id))
    except services.NotSignable:
        return _visible_outcome(petition_id, user)
    return SignResult(SIGNED, signing.signature_count(petition_id))


# The canonical e-mail in SQL, as emails.canonical computes it for ASCII addresses (lower case;
# googlemail.com is gmail.com; +tags and dots dropped where the provider ignores them). An
# address with other characters (an internationalised domain) takes the Python path instead.
SIGN_SQL_TEMPLATE = """
WITH req AS (
    SELECT * FROM unnest(%(keys)s::text[], %(petitions)s::bigint[], %(ips)s::text[],
                         %(limit_keys)s::text[], %(limit_keys_2)s::text[])
        WITH ORDINALITY AS r(key, petition, ip, lk1, lk2, n)
), rl_in AS (
    -- the signing limits (LIMITS): ratelimit.py's counters, counted here for the whole batch;
    -- NULL keys when the limits are off
    SELECT lk1 AS scope_key, %(window_end)s::bigint AS window_end, count(*)::int AS k
    FROM req WHERE lk1 IS NOT NULL GROUP BY lk1
    UNION ALL
    SELECT lk2, %(window_end_2)s::bigint, count(*)::int FROM req WHERE lk2 IS NOT NULL GROUP BY lk2
), rl AS (
    INSERT INTO nara_rate_count AS c (scope_key, window_end, hits)
    SELECT scope_key, window_end, k FROM rl_in ORDER BY scope_key  -- rows locked in one order
    ON CONFLICT (scope_key) DO UPDATE SET
        hits = CASE WHEN c.window_end >= excluded.window_end THEN c.hits + excluded.hits
                    ELSE excluded.hits END,
        window_end = greatest(c.window_end, excluded.window_end)
    RETURNING scope_key, hits
), allowed AS (
    -- a request's own count: the counter after the batch, less the batch's later requests
    -- (the n-th from the end of the batch counts hits - n + 1)
    SELECT req.n,
        coalesce(c1.hits - row_number() OVER (PARTITION BY req.lk1 ORDER BY req.n DESC)
                 < %(limit)s, true)
        AND coalesce(c2.hits - row_number() OVER (PARTITION BY req.lk2 ORDER BY req.n DESC)
                      < %(limit_2)s, true) AS ok
    FROM req
    LEFT JOIN rl c1 ON c1.scope_key = req.lk1
    LEFT JOIN rl c2 ON c2.scope_key = req.lk2
), u AS (
    SELECT req.n, req.petition, req.ip, u.id AS user_id, lower(u.email) AS e,
           left(coalesce(nullif(u.name, ''), split_part(u.email, '@', 1)), 100) AS name,
           r.id AS region_id, left(coalesce(r.code, ''), 2) AS sido, t.id AS token_id,
           (t.last_used_at IS NULL OR t.last_used_at < %(stale)s) AS stale,
           (t.two_factor OR NOT (u.is_staff OR u.is_moderator OR EXISTS (
               SELECT 1 FROM agencies_membership m WHERE m.user_id = u.id))) AS token_ok,
           u.email ~ '^[ -~]+$' AS ascii
    FROM req
    JOIN allowed a ON a.n = req.n AND a.ok
    JOIN accounts_apitoken t ON t.key_hash = req.key AND t.expires_at > %(now)s
    JOIN accounts_user u ON u.id = t.user_id AND u.is_active
        -- ApiToken.password_tag_of: the token ends when the password changes
        AND t.password_tag = encode(sha256(convert_to(%(tag_key)s || ':' || u.password,
                                                      'UTF8')), 'hex')
    LEFT JOIN core_region r ON r.id = u.region_id
), d AS (
    SELECT u.*, substring(e from '@([^@]*)$') AS dom0 FROM u WHERE token_ok AND ascii
), n AS (
    SELECT d.*, CASE WHEN dom0 = ANY(%(alias_from)s) THEN %(alias_to)s ELSE dom0 END AS dom,
           CASE WHEN dom0 = ANY(%(plus)s) OR dom0 = ANY(%(alias_from)s)
                THEN split_part(left(e, length(e) - length(dom0) - 1), '+', 1)
                ELSE left(e, length(e) - length(dom0) - 1) END AS loc
    FROM d
), ok AS (
    SELECT n.*, CASE WHEN dom = ANY(%(dots)s) THEN replace(loc, '.', '') ELSE loc END
                || '@' || dom AS canonical
    FROM n
), first AS (
    -- one person twice in the same batch: the first request signs, the other finds it signed
    SELECT ok.*, min(n) OVER (PARTITION BY petition, canonical) AS first_n FROM ok
), touch AS (
    UPDATE accounts_apitoken SET last_used_at = %(now)s
    WHERE id IN (SELECT token_id FROM ok WHERE stale)
    RETURNING 1
), p AS (
    SELECT p.id, p.status, t.refer_threshold, t.answer_threshold
    FROM petitions_petition p JOIN petitions_petitiontype t ON t.id = p.type_id
    WHERE p.id IN (SELECT petition FROM req) AND p.status = ANY(%(signable)s)
      AND p.opened_at <= %(now)s AND p.closes_at > %(now)s
), ins AS (
    INSERT INTO petitions_signature (petition_id, user_id, email_canonical, email_domain, name,
        region_id, sido_code, ip_hash, created_at, notify, language, valid, invalidation_id)
    SELECT p.id, f.user_id, f.canonical, f.dom, f.name, f.region_id, f.sido,
        f.ip, %(now)s, true, '', true, NULL
    FROM first f JOIN p ON p.id = f.petition
    WHERE f.n = f.first_n
    ORDER BY f.n
    ON CONFLICT (petition_id, email_canonical) DO NOTHING
    RETURNING petition_id, email_canonical
), added AS (
    SELECT petition_id, count(*) AS k FROM ins GROUP BY petition_id
), bump AS (
    UPDATE petitions_signaturecounter c SET count = c.count + added.k
    FROM added WHERE c.petition_id = added.petition_id AND c.shard = %(shard)s
    RETURNING c.petition_id
)
SELECT req.n, u.user_id IS NOT NULL, coalesce(u.token_ok, false), coalesce(u.ascii, true),
       u.user_id, p.status, p.refer_threshold, p.answer_threshold,
       f.n IS NOT NULL AND f.n = f.first_n
           AND EXISTS (SELECT 1 FROM ins
                       WHERE ins.petition_id = f.petition AND ins.email_canonical = f.canonical),
       (SELECT coalesce(sum(count), 0) FROM petitions_signaturecounter c
        WHERE c.petition_id = req.petition)
           + coalesce((SELECT k FROM added WHERE added.petition_id = req.petition), 0)
           * (SELECT count(*) FROM bump WHERE bump.petition_id = req.petition),
       a.ok
FROM req
JOIN allowed a ON a.n = req.n
LEFT JOIN u ON u.n = req.n
LEFT JOIN first f ON f.n = req.n
LEFT JOIN p ON p.id = req.petition
ORDER BY req.n
"""
ALIASES = sorted(emails.DOMAIN_ALIASES.items())
assert [to for _from, to in ALIASES] == ["gmail.com"]  # one target, as SIGN_SQL assumes


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# The rules' lists, sent with each statement; the one target domain is part of its text.
LISTS = {
    "signable": sorted(SIGNABLE_STATUSES),
    "alias_from": [a for a, _to in ALIASES],
    "plus": sorted(emails.PLUS_TAGS),
    "dots": sorted(emails.DOTS_IGNORED),
}


def compact(sql: str) -> str:
    """The statement without comments and needless spaces: psycopg converts a statement's
    placeholders once and keeps the result only for statements of at most 4,096 bytes (its
    MAX_CACHED_STATEMENT_LENGTH); a longer one was converted again for every batch, a third of
    the signing request's CPU (the in-process profile of bench/signatures.py)."""
    sql = re.sub(r"--[^\n]*", " ", sql)  # the statement's strings hold no "--"
    parts = re.split(r"('(?:[^']|'')*')", sql)  # string literals stay as they are
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r" ?([-,()=<>+*|]) ?", r"\1", re.sub(r"\s+", " ", parts[i]))
    return "".join(parts).strip()


SIGN_SQL = compact(SIGN_SQL_TEMPLATE.replace("%(alias_to)s", _literal(ALIASES[0][1])))


def _sign_postgresql(raw_token: str, petition_id: int, ip: str) -> SignResult:
    row = _batcher.run(ApiToken.hash(raw_token), petition_id, ip)
    found, token_ok, ascii_only, user_id, status, refer_at, answer_at, inserted, total, ok = row
    if not ok:
        return SignResult(LIMITED)
    if not found or not token_ok:
        return SignResult(BAD_TOKEN)
    if not ascii_only:
        return _sign_generic(raw_token, petition_id, ip)  # an internationalised address
    if status is None:
        from nara.accounts.models import User

        return _visible_outcome(petition_id, User.objects.get(pk=user_id))
    if not inserted:
        return SignResult(ALREADY, total)
    # `total` is the count as this statement saw it: signatures committed meanwhile by other
    # statements are missing from it. Near a threshold, look again under the petition's lock.
    margin = settings.NARA_SIGNATURE_COUNTER_SHARDS + max(1, settings.NARA_SIGNING_BATCH) * 4
    if (total + margin >= refer_at and status == Status.OPEN) or (
        total + margin >= answer_at and status != Status.AWAITING_ANSWER
    ):
        signing.reach_thresholds(petition_id)
    return SignResult(SIGNED, total)


class BatchWaitTimeout(Exception):
    """The request waited longer than NARA_SHED_AFTER_MS for its turn: answer "please retry"."""


class _Request:
    __slots__ = ("key", "petition", "ip", "done", "row", "error")

    def __init__(self, key, petition, ip):
        self.key, self.petition, self.ip = key, petition, ip
        self.done, self.row, self.error = False, None, None


class _Batcher:
    """Group commit: the signatures that arrive while one statement runs go together in the
    next one (one round trip, one commit for all). Each request still returns only once its
    own signature is committed. One statement at a time per process.

    Every decision is taken under one lock, from the state it guards: the queue of requests no
    statement has taken yet and whether a statement is running. When none is, one of the
    oldest waiting requests (the first NARA_SIGNING_BATCH) takes them all and runs the
    statement in its own thread; the others wait until a statement ends and look again. No
    thread hands its turn to another, so no timing can leave the batcher without one:
    `running` is set and cleared by the thread that runs the statement, the clearing in a
    `finally`. A request gives up (BatchWaitTimeout) only while no statement has taken it."""

    def __init__(self):
        self.changed = threading.Condition()  # a statement ended
        self.queue: list[_Request] = []
        self.running = False
        self.clock = time.monotonic

    def run(self, key: str, petition_id: int, ip: str):
        me = _Request(key, petition_id, ip)
        with self.changed:
            batch = self._wait_for_turn(me)
        if batch:
            self._execute(batch)
        if me.error is not None:
            raise me.error
        return me.row

    def _wait_for_turn(self, me: _Request) -> list[_Request]:
        """The batch this thread must run (`me` among them), or [] once another thread's
        statement has answered `me`. Called with the lock held."""
        size = max(1, settings.NARA_SIGNING_BATCH)
        patience = settings.NARA_SHED_AFTER_MS / 1000 or None
        deadline = None if patience is None else self.clock() + patience
        self.queue.append(me)
        while not me.done and (self.running or me not in self.queue[:size]):
            left = None  # taken by a running statement: its answer comes (statement_timeout)
            if deadline is not None and me in self.queue:
                left = deadline - self.clock()
                if left <= 0:
                    self.queue.remove(me)
                    raise BatchWaitTimeout()
            self.changed.wait(left)
        if me.done:
            return []
        batch = self.queue[:size]
        del self.queue[:size]
        self.running = True
        return batch

    def _execute(self, batch: list[_Request]) -> None:
        try:
            rows = _execute_batch(batch)
            for request, row in zip(batch, rows, strict=True):
                request.row = row
        except BaseException as error:  # every request of the batch learns of it
            for request in batch:
                request.error = error
        finally:
            with self.changed:
                for request in batch:
                    request.done = True
                self.running = False
                self.changed.notify_all()


_batcher = _Batcher()


def _limit_params(ips: list[str], at: float) -> dict:
    """The signing limits' counters of each request (its client address) for SIGN_SQL."""
    params = {}
    for i, scope in enumerate(LIMITS):
        suffix = f"_{i + 1}" if i else ""
        keys, limit, window_end = [], 2**31 - 1, 0
        for ip in ips:
            if settings.NARA_RATE_LIMITS_ENABLED:
                digest, limit, window, bucket = ratelimit.counter(scope, ip, at)
                keys.append(digest)
                window_end = (bucket + 1) * window
            else:
                keys.append(None)
        params.update({f"limit_keys{suffix}": keys, f"limit{suffix}": limit})
        params[f"window_end{suffix}"] = window_end
    return params


def _execute_batch(batch: list[_Request]) -> list[tuple]:
    now = timezone.now()
    ips = [r.ip for r in batch]
    rows = _execute_prepared(
        SIGN_SQL,
        {
            "keys": [r.key for r in batch],
            "petitions": [r.petition for r in batch],
            "ips": [services.ip_hash(ip) for ip in ips],
            **_limit_params(ips, now.timestamp()),
            **LISTS,
            "now": now,
            "stale": now - timedelta(seconds=ApiToken.TOUCH_SECONDS),
            "tag_key": ApiToken.password_tag_key(),
            "shard": random.randrange(settings.NARA_SIGNATURE_COUNTER_SHARDS),
        },
        many=True,
    )
    return [row[1:] for row in rows]  # in request order (ORDER BY n)


def _execute_prepared(sql: str, params: dict, many: bool = False):
    """Run one statement as a server-side prepared statement on Django's connection (psycopg
    keeps it per connection), in a transaction of its own: planned once (a generic plan,
    PostgreSQL would otherwise keep re-planning it) and bounded by
    NARA_SIGNING_STATEMENT_TIMEOUT_MS, a signing statement stuck behind a lock must not keep
    its batch waiting forever. Both settings hold for this statement only (SET LOCAL), not
    for the connection's other queries."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's prepared statements off unless DB_PREPARED_STATEMENTS is on,
        # which also ignores prepare=True: allow them, only where asked for explicitly.
        raw.prepare_threshold = 2**31 - 1
    timeout = int(settings.NARA_SIGNING_STATEMENT_TIMEOUT_MS)
    with raw.transaction(), psycopg.Cursor(raw) as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"SET LOCAL statement_timeout = {timeout}")
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if many else cursor.fetchone()


def canonical_in_sql(email: str) -> tuple[str, str] | None:
    """The canonical address and domain SIGN_SQL computes (for the tests to compare with
    Python's rules)."""
    start = SIGN_SQL.index("FROM req JOIN allowed a")
    end_marker = "LEFT JOIN core_region r ON r.id=u.region_id"
    joins = SIGN_SQL[start : SIGN_SQL.index(end_marker) + len(end_marker)]
    sql = SIGN_SQL.split("),first AS")[0].replace(
        joins,
        "FROM req, (SELECT 0 AS id, %(email)s AS email, '' AS name, false AS is_staff, "
        "false AS is_moderator) u, "
        "(SELECT 0 AS id, null::timestamptz AS last_used_at, true AS two_factor) t, "
        "(SELECT null::bigint AS id, null AS code) r",
    )
    return _execute_prepared(
        sql + ") SELECT canonical, dom FROM ok",
        {
            "email": email,
            "stale": timezone.now(),
            "keys": ["-"],
            "petitions": [0],
            "ips": [""],
            **LISTS,
            **{f"limit_keys{s}": [None] for s in ("", "_2")},
            **{f"{name}{s}": 0 for name in ("limit", "window_end") for s in ("", "_2")},
        },
    )
