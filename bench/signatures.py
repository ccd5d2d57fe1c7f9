"""bench/signatures — a national surge on one petition (issue #3, "Must show" 3).

One command, no arguments needed:

    .venv/bin/python bench/signatures.py        # or: make bench-signatures

1. Creates a scratch PostgreSQL database (`nara_bench_sig`), migrates it, collects the static
   files, and loads 300,000 citizens with an API token each (COPY; the tokens are derived from a
   secret of the run, so the load generator knows them without a list), a moderator, an agency,
   and opens, through the real services, the hot petition, "another petition" whose public page
   is watched during the surge, and two small petitions for the in-process profile and probes.
2. Profiles in-process (the WSGI application called directly, cProfile on the CPU clock): the
   signed-in signing request below and past the refer threshold, each step of the e-mail path
   and the other petition's page: SQL, wall time, CPU in Django and in the PostgreSQL backend.
3. Serves the app with granian (production settings, DEBUG off, plain HTTP on 127.0.0.1, the
   database cache, rate limits on: each signer comes from an address of their own, sent as
   X-Forwarded-For) and checks each path once on the probe petition.
4. Phase 1, signed-in: 64 keep-alive clients (asyncio, in 2 processes of their own), each request
   a new citizen: `POST /api/v1/petitions/{id}/signatures` with a bearer token → 201. Meanwhile
   a visitor of the other petition's public page arrives every 50 ms (its own process).
5. Phase 2, by e-mail: 64 clients, each signature a new address: `POST …/signatures`
   `{name, email, region}` → 202; the link's token is read from the outbox table (as a mail
   client would read the mail); `GET /petitions/confirm/<token>/`; `POST` the page's form back
   (Confirm) → accepted when the answer says the signature is counted.
6. Checks that the public count (API and SQL) equals the signatures accepted in both phases.
7. The floor: a minimal WSGI app (bench/floor_app.py) on the same granian settings and database,
   one INSERT per request, under the same clients; prints the ratio.
8. Prints the tables and the goal check; drops the database (unless --keep). Exit status 1 when
   a goal is missed. See bench/README.md.

The in-process profile is bench/sig_profile.py; the load generator, a script each client process
runs, bench/sig_loadgen.py; the tables and the goals, bench/sig_report.py."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common  # noqa: E402
from bench.sig_loadgen import (  # noqa: E402
    ALREADY_MARK,
    CONFIRM_RE,
    COUNTED_MARK,
    HOST,
    SIGNER_MAIL_DOMAIN,
    confirm_post,
    confirm_result,
)
from bench.sig_profile import print_profile, profile_signing  # noqa: E402
from bench.sig_report import error_count, report  # noqa: E402

ROOT = common.ROOT
MAIL_DOMAIN = "sig.bench.nara.kr"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=float, default=60, help="seconds measured per phase")
    p.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per phase")
    p.add_argument("--floor-duration", type=float, default=20, help="seconds of the floor")
    p.add_argument("--clients", type=int, default=64, help="concurrent signers")
    p.add_argument(
        "--loadgen-procs", type=int, default=2, help="processes the clients are spread over"
    )
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument(
        "--threads",
        type=int,
        default=48,
        help="granian blocking threads per worker (more than the signing gate's 32: pages "
        "must find a free thread while signers wait at the signing gates)",
    )
    p.add_argument(
        "--backpressure", type=int, default=0, help="granian --backpressure (0: its default)"
    )
    p.add_argument(
        "--citizens",
        type=int,
        default=300_000,
        help="distinct citizens for the signed-in phase (each signs once)",
    )
    p.add_argument("--observer-ms", type=float, default=50, help="other page: one GET every …")
    p.add_argument(
        "--refer-threshold", type=int, help="the petition type's (default: the type's 50,000)"
    )
    p.add_argument(
        "--answer-threshold", type=int, help="the petition type's (default: the type's 200,000)"
    )
    p.add_argument(
        "--profile", type=int, default=1000, help="signing requests profiled in-process (0: skip)"
    )
    p.add_argument(
        "--profile-only",
        action="store_true",
        help="stop after the in-process profile (no server, no load); prints the full pstats",
    )
    p.add_argument(
        "--phases",
        default="signed,email,floor",
        help="comma-separated subset of signed,email,floor",
    )
    p.add_argument(
        "--settings-patch",
        metavar="PYTHON",
        help="try a settings change without editing nara/settings.py: Python statements run "
        "after `from nara.settings import *` (server and in-process profile), e.g. "
        "\"DATABASES['default'].setdefault('OPTIONS', {}).update("
        "server_side_binding=True, "
        'prepare_threshold=2)"',
    )
    p.add_argument(
        "--app",
        default="nara.wsgi:application",
        help="the WSGI application granian serves (a module on PYTHONPATH: to try a variant)",
    )
    p.add_argument("--port", type=int, default=0, help="granian's port (0: a free one)")
    p.add_argument("--floor-port", type=int, default=0, help="the floor's port (0: a free one)")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db-name", default="nara_bench_sig")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--keep", action="store_true", help="keep the database (and granian logs)")
    p.add_argument("--seed", type=int, default=3)
    common.add_settings_args(p)
    common.add_ab_args(p)
    args = p.parse_args(argv)
    args.phases = {x.strip() for x in args.phases.split(",") if x.strip()}
    args.port = args.port or common.free_port()
    args.floor_port = args.floor_port or common.free_port()
    if args.ab:  # the signed-in phase only, shorter (see run_ab)
        args.profile = 0
        if "--duration" not in " ".join(argv if argv is not None else sys.argv):
            args.duration = 10
    return args


T_START = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T_START:6.1f} s] {msg}", flush=True)


# --- the data ------------------------------------------------------------------------------------

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지"
GIVEN = "민서준도윤하지우현수예은시연주원건호태희영진성경미혜정선동재나라아람솔빛한결다온"
HOT_TITLE = "전국 모든 초등학교 통학로에 보행자 안전 펜스를 설치해 주세요"
HOT_BODY = (
    "아이들이 매일 걷는 통학로의 절반 이상에 보도와 차도를 나누는 펜스가 없습니다. "
    "지난해에만 통학로 교통사고로 많은 어린이가 다쳤습니다. 전국 모든 초등학교 반경 "
    "300미터 안의 통학로에 보행자 안전 펜스를 설치하고, 설치 현황을 매년 공개해 주십시오."
)
OTHER_TITLE = "지하철 심야 운행을 주말에 한 시간 연장해 주세요"
OTHER_BODY = (
    "주말 밤 늦게 귀가하는 시민이 많지만 막차가 일러 택시를 잡지 못하는 일이 잦습니다. "
    "수도권 지하철의 주말 운행을 한 시간 연장하는 방안을 검토해 주시기 바랍니다."
)


class World:
    """Who signs, what they sign, and the secrets the load generator derives tokens from."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.token_prefix = f"sig{secrets.token_hex(8)}-"
        self.extra = max(args.profile, 0) * 3 + 600  # profile, supporters, probes
        if args.ab:  # a petition of its own for each A/B run, with its supporters
            runs = args.ab_rounds * len(common.ab_variants(args))
            self.extra += runs * 110
        self.citizens = args.citizens + self.extra
        self.next_extra = args.citizens  # the next unused index of the extra pool

    def token(self, i: int) -> str:
        return f"{self.token_prefix}{i}"

    def take(self, n: int) -> range:
        """n citizens of the extra pool (never used by the signed-in phase)."""
        start = self.next_extra
        self.next_extra += n
        if self.next_extra > self.citizens:
            raise RuntimeError("extra pool exhausted")
        return range(start, start + n)

    def build(self):
        from django.conf import settings
        from django.db import connection, transaction
        from django.utils import timezone

        from nara.accounts.models import ApiToken, User
        from nara.agencies.models import Membership, Unit
        from nara.core.models import Region
        from nara.petitions import services, signing
        from nara.petitions.models import PetitionType

        rng = self.rng
        now = timezone.now()
        self.regions = list(
            Region.objects.exclude(parent=None).order_by("code").values_list("pk", "code")
        )
        if not self.regions:
            raise RuntimeError("no 시군구 regions: the data migration did not run")
        with connection.cursor() as cur:
            cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
            base = cur.fetchone()[0] + 1
        self.user_base = base
        password = "!" + secrets.token_hex(20)  # unusable: these citizens sign with tokens
        t0 = time.monotonic()
        defaults = {f.attname: f.get_default() for f in User._meta.concrete_fields}
        defaults.update(password=password, last_login=None, date_joined=now, email_confirmed=True)

        def user_rows():
            for i in range(self.citizens):
                region_pk = self.regions[i % len(self.regions)][0]
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                yield {
                    **defaults,
                    "id": base + i,
                    "email": f"citizen{i}@{MAIL_DOMAIN}",
                    "name": name,
                    "region_id": region_pk,
                    "notify_email": i % 3 != 0,
                }

        # as ApiToken.issue() records them: every citizen has the same (unusable) password
        tag = ApiToken.password_tag_of(User(password=password))
        expires = now + timedelta(days=settings.NARA_API_TOKEN_DAYS)

        def token_rows():
            for i in range(self.citizens):
                yield {
                    "id": i + 1,
                    "user_id": base + i,
                    "key_hash": hashlib.sha256(self.token(i).encode()).hexdigest(),
                    "created_at": now,
                    "last_used_at": now,
                    "expires_at": expires,
                    "password_tag": tag,
                    "two_factor": False,
                    "client": "bench",
                }

        with transaction.atomic():
            copy_rows(User, user_rows())
            copy_rows(ApiToken, token_rows())
            with connection.cursor() as cur:
                for table in ("accounts_user", "accounts_apitoken"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
        say(f"{self.citizens:,} citizens with API tokens (COPY, {time.monotonic() - t0:.1f} s)")

        def staff(email, **fields):
            return User.objects.create(
                email=email,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                password=password,
                email_confirmed=True,
                totp_secret="NARABENCHTOTPSECRETBASE32AAAAAAA",
                totp_confirmed=True,
                **fields,
            )

        self.moderator = staff(f"moderator@{MAIL_DOMAIN}", is_moderator=True)
        self.unit = Unit.objects.create(
            code="bench-sig-moe", name_ko="교육부", name_en="Ministry of Education", kind="ministry"
        )
        for role in (Membership.Role.HANDLER, Membership.Role.APPROVER):
            Membership.objects.create(
                user=staff(f"{role}@{MAIL_DOMAIN}"), unit=self.unit, role=role
            )

        ptype = PetitionType.objects.get(code=settings.NARA_PETITION_DEFAULT_TYPE)
        if self.args.refer_threshold is not None:
            ptype.refer_threshold = self.args.refer_threshold
        if self.args.answer_threshold is not None:
            ptype.answer_threshold = self.args.answer_threshold
        ptype.save()
        self.ptype = ptype
        users = {u.pk: u for u in User.objects.filter(pk__gte=base + self.args.citizens)}

        def user(i):
            return users[base + i]

        def open_petition(title, body):
            author = user(self.take(1)[0])
            petition = services.petition_create(author=author, title=title, body=body, type=ptype)
            for i in self.take(ptype.supporters_needed):
                petition = services.petition_support(petition=petition, by=user(i))
            return services.petition_open(petition=petition, by=self.moderator, unit=self.unit)

        self.open_petition = open_petition
        t0 = time.monotonic()
        self.hot = open_petition(HOT_TITLE, HOT_BODY)
        self.other = open_petition(OTHER_TITLE, OTHER_BODY)
        self.probe = open_petition("벤치마크 점검용 청원: " + HOT_TITLE[:60], HOT_BODY)
        # a petition past its refer threshold: each signature then takes the petition's lock
        self.past_refer = open_petition("벤치마크 점검용 청원 2: " + HOT_TITLE[:60], HOT_BODY)
        from nara.petitions.models import SignatureCounter

        SignatureCounter.objects.filter(petition=self.past_refer, shard=0).update(
            count=ptype.refer_threshold
        )
        # the other petition has some signatures of its own
        for i in self.take(20):
            signing.petition_sign(petition=self.other, by=user(i), ip="10.0.0.1")
        say(
            f"petitions opened through the services ({time.monotonic() - t0:.1f} s): hot "
            f"#{self.hot.pk}, other #{self.other.pk}, probe #{self.probe.pk}, past-refer "
            f"#{self.past_refer.pk}; type thresholds {ptype.refer_threshold:,} → referred, "
            f"{ptype.answer_threshold:,} → answer; {settings.NARA_SIGNATURE_COUNTER_SHARDS} "
            f"count shards"
        )


def copy_rows(model, rows) -> int:
    """COPY rows (dicts keyed by attname) into the model's table."""
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    names = [f.attname for f in fields]
    n = 0
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
                n += 1
    return n


# --- probes: each path once, through the server ----------------------------------------------


def http_once(port: int, method: str, path: str, headers=None, body: bytes = b"", cookies=None):
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", data=body or None, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.headers.get_all("Set-Cookie") or [], r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.headers.get_all("Set-Cookie") or [], e.read()


def outbox_token(dsn: str, email: str, timeout: float = 10) -> str | None:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT body FROM notifications_outboxmessage WHERE to_email = %s "
                "ORDER BY id DESC LIMIT 1",
                (email,),
            ).fetchone()
            if row and (m := CONFIRM_RE.search(row[0])):
                return m.group(1)
            time.sleep(0.05)
    return None


def probe(args, world: World, dsn: str) -> dict:
    """Each path once on the probe petition: is it there, what does it answer, how is the
    region given, what does Confirm answer."""
    port, pid = args.port, world.probe.pk
    found: dict = {"notes": []}
    path = f"/api/v1/petitions/{pid}/signatures"
    i = world.take(1)[0]
    st, _h, _c, body = http_once(
        port,
        "POST",
        path,
        {"Authorization": f"Bearer {world.token(i)}", "Content-Type": "application/json"},
        b"{}",
    )
    found["signed"] = {"status": st, "body": body[:300].decode("utf-8", "replace")}
    found["signed_ok"] = st == 201
    # the same person again: 409 expected
    st2, _h, _c, _b = http_once(
        port,
        "POST",
        path,
        {"Authorization": f"Bearer {world.token(i)}", "Content-Type": "application/json"},
        b"{}",
    )
    found["signed_again"] = st2
    # the other petition's public page (fallback: its API)
    found["other_path"] = None
    for other in (f"/petitions/{world.other.pk}/", f"/api/v1/petitions/{world.other.pk}"):
        st, *_ = http_once(port, "GET", other, {"Accept-Language": "ko"})
        found.setdefault("other_tried", {})[other] = st
        if st == 200:
            found["other_path"] = other
            break
    # the e-mail path; the region by code (as the complaints API), else by id
    region_pk, region_code = world.regions[0]
    found["email_ok"] = False
    for region in (region_code, region_pk):
        email = f"probe-{secrets.token_hex(4)}@{SIGNER_MAIL_DOMAIN}"
        payload = json.dumps({"name": "홍길동", "email": email, "region": region}).encode()
        st, _h, _c, body = http_once(
            port, "POST", path, {"Content-Type": "application/json"}, payload
        )
        found["email_submit"] = {"status": st, "body": body[:300].decode("utf-8", "replace")}
        if st == 202:
            found["region_value"] = "code" if region == region_code else "id"
            break
    else:
        return found
    token = outbox_token(dsn, email)
    if token is None:
        found["notes"].append("no confirmation link found in the outbox for the probe")
        return found
    page = f"/petitions/confirm/{token}/"
    st, _h, cookies, body = http_once(port, "GET", page, {"Accept-Language": "ko"})
    found["confirm_get"] = st
    post = confirm_post(body.decode("utf-8", "replace"), page, cookies) if st == 200 else None
    if post is None:
        found["notes"].append(f"confirm page {page}: {st}, no Confirm form (or no CSRF cookie)")
        return found
    action, headers, form_body = post
    found["confirm_action"] = action
    results = []
    for _ in range(2):  # Confirm, then Confirm again (the link is spent: "already counted")
        st, h, _c, body = http_once(port, "POST", action, headers, form_body)
        if st in (301, 302, 303):
            location = h.get("Location", "").replace(f"http://{HOST}:{port}", "")
            found["confirm_location"] = location
            _st, _h, _c, body = http_once(port, "GET", location, {"Accept-Language": "en"})
        results.append((st, confirm_result(body)))
    found["confirm_post"], found["confirm_again"] = results
    found["email_ok"] = results[0] == (results[0][0], "counted") and results[1][1] == "already"
    if not found["email_ok"]:
        found["notes"].append(
            f"Confirm answered {results[0]}, then {results[1]}: expected a page saying "
            f"{COUNTED_MARK.decode()!r}, then one saying {ALREADY_MARK.decode()!r}"
        )
    return found


# --- running a phase -----------------------------------------------------------------------------


def run_phase(args, tmp: Path, server_pid: int, specs: list[dict]) -> dict:
    """Start the load-generator processes together, measure CPU meanwhile, merge."""
    t_start = time.time() + 1.5  # the processes start, import, then all begin at once
    argv_list = []
    for n, spec in enumerate(specs):
        spec = {"t_start": t_start, "timeout": 30.0, **spec}
        f = tmp / f"spec-{spec['kind']}-{n}-{secrets.token_hex(3)}.json"
        f.write_text(json.dumps(spec))
        argv_list.append([common.PYTHON, str(Path(__file__).with_name("sig_loadgen.py")), str(f)])
    cpu = None
    procs_done: list[dict] = []

    slices: list[dict] = []  # the same, every 5 s: does the cost per signature drift?

    def measure():
        nonlocal cpu
        time.sleep(max(0.0, t_start - time.time()))
        meter = common.CpuMeter(server_pid)
        every = common.CpuMeter(server_pid)
        # measure the whole run of the generators (warm-up included), from their start
        while not procs_done:
            time.sleep(0.05)
            if time.time() >= t_start + 5 * (len(slices) + 1):  # the timeline's 5 s buckets
                slices.append(every.stop())
                every = common.CpuMeter(server_pid)
        cpu = meter.stop()

    import threading

    th = threading.Thread(target=measure)
    th.start()
    try:
        results = common.run_processes(
            argv_list, timeout=1.5 + specs[0]["warmup"] + specs[0]["duration"] + 120
        )
    finally:
        procs_done.append({})
        th.join()
    merged = {
        "by_kind": {},
        "cpu": cpu,
        "cpu_slices": slices,
        "t_start": t_start,
        "warmup": specs[0]["warmup"],
        "duration": specs[0]["duration"],
    }
    for spec, r in zip(specs, results, strict=True):
        k = merged["by_kind"].setdefault(
            spec["kind"],
            {
                "latencies": {},
                "statuses": {},
                "errors": {},
                "accepted_all": 0,
                "accepted_window": 0,
                "unknown": 0,
                "timeline": {},
                "cpu_s": 0.0,
                "wall_s": 0.0,
                "procs": 0,
                "exhausted": False,
            },
        )
        for step, lats in r["latencies"].items():
            k["latencies"].setdefault(step, []).extend(lats)
        for step, sts in r["statuses"].items():
            d = k["statuses"].setdefault(step, {})
            for s, n in sts.items():
                d[s] = d.get(s, 0) + n
        for e, n in r["errors"].items():
            k["errors"][e] = k["errors"].get(e, 0) + n
        for sec, n in r["timeline"].items():
            k["timeline"][sec] = k["timeline"].get(sec, 0) + n
        for key in ("accepted_all", "accepted_window", "unknown"):
            k[key] += r[key]
        k["cpu_s"] += r["cpu_s"]
        k["wall_s"] = max(k["wall_s"], r["wall_s"])
        k["procs"] += 1
        k["exhausted"] = k["exhausted"] or r.get("exhausted", False)
    for k in merged["by_kind"].values():
        k["summary"] = {step: common.latency_summary(v) for step, v in k["latencies"].items()}
        k["cpu_pct"] = 100 * k["cpu_s"] / max(1e-9, k["wall_s"])
        k["rate"] = k["accepted_window"] / specs[0]["duration"]
        del k["latencies"]
    return merged


def split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    size = (hi - lo) // parts
    return [(lo + p * size, hi if p == parts - 1 else lo + (p + 1) * size) for p in range(parts)]


def client_split(clients: int, parts: int) -> list[int]:
    return [clients // parts + (1 if p < clients % parts else 0) for p in range(parts)]


def phase_signed(args, tmp, server, world: World, other_path: str | None, petition=None) -> dict:
    """The signed-in phase on the hot petition (or `petition`)."""
    petition = petition or world.hot
    procs = max(1, min(args.loadgen_procs, args.clients))
    specs = []
    for (lo, hi), clients in zip(
        split(0, args.citizens, procs), client_split(args.clients, procs), strict=True
    ):
        specs.append(
            {
                "kind": "sign",
                "port": args.port,
                "path": f"/api/v1/petitions/{petition.pk}/signatures",
                "token_prefix": world.token_prefix,
                "lo": lo,
                "hi": hi,
                "clients": clients,
                "warmup": args.warmup,
                "duration": args.duration,
            }
        )
    if other_path:
        specs.append(observer_spec(args, other_path))
    return run_phase(args, tmp, server.proc.pid, specs)


def observer_spec(args, path: str) -> dict:
    return {
        "kind": "observe",
        "port": args.port,
        "path": path,
        "interval_ms": args.observer_ms,
        "warmup": args.warmup,
        "duration": args.duration,
    }


def outbox_max_id() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM notifications_outboxmessage")
        return cur.fetchone()[0]


def phase_email(args, tmp, server, world: World, found: dict, dsn: str) -> dict:
    procs = max(1, min(args.loadgen_procs, args.clients))
    after = outbox_max_id()
    region_pk, region_code = world.regions[7 % len(world.regions)]
    region = region_code if found.get("region_value") == "code" else region_pk
    run = secrets.token_hex(3)
    specs = []
    for p, clients in enumerate(client_split(args.clients, procs)):
        specs.append(
            {
                "kind": "email",
                "port": args.port,
                "path": f"/api/v1/petitions/{world.hot.pk}/signatures",
                "region": region,
                "email_prefix": f"s{run}p{p}c",
                "address_base": 8_000_000 + p * 1_000_000,
                "dsn": dsn,
                "outbox_after_id": after,
                "mail_timeout": 10.0,
                "clients": clients,
                "warmup": args.warmup,
                "duration": args.duration,
            }
        )
    if found.get("other_path"):
        specs.append(observer_spec(args, found["other_path"]))
    return run_phase(args, tmp, server.proc.pid, specs)


def phase_floor(args, tmp, env, world: World, dsn: str) -> dict:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor")
        conn.execute(
            "CREATE TABLE bench_floor (id bigserial PRIMARY KEY, k text NOT NULL UNIQUE, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
    server = common.granian_start(
        env={**env, "FLOOR_DATABASE_URL": dsn},
        port=args.floor_port,
        workers=args.workers,
        threads=args.threads,
        backpressure=args.backpressure or None,
        log_path=tmp / "granian-floor.log",
        app="bench.floor_app:application",
    )
    try:
        procs = max(1, min(args.loadgen_procs, args.clients))
        specs = []
        for (lo, hi), clients in zip(
            split(0, 10_000_000, procs), client_split(args.clients, procs), strict=True
        ):
            specs.append(
                {
                    "kind": "sign",
                    "port": args.floor_port,
                    "path": "/floor/signatures",
                    "token_prefix": world.token_prefix,
                    "lo": lo,
                    "hi": hi,
                    "clients": clients,
                    "warmup": min(args.warmup, 3),
                    "duration": args.floor_duration,
                }
            )
        result = run_phase(args, tmp, server.proc.pid, specs)
        with psycopg.connect(dsn, autocommit=True) as conn:
            result["rows"] = conn.execute("SELECT count(*) FROM bench_floor").fetchone()[0]
        return result
    finally:
        server.stop()


# --- A/B: the signed-in phase with each machinery switch off ----------------------------------


def run_ab(args, tmp: Path, env: dict, world: World, other_path: str | None) -> dict:
    """The signed-in phase (and the other petition's page meanwhile) with everything on and with
    each switch off, a fresh granian per variant (bench/README.md, "A/B"). Each run signs a
    petition of its own, opened like the hot one, with the same citizens: every run starts from
    the same state. Their tokens are marked used just before each run, so that no run pays for
    recording their use (ApiToken.TOUCH_SECONDS) and another not."""
    from django.db import connection

    from nara.accounts.models import ApiToken

    petitions = [
        world.open_petition(f"A/B {n}: {HOT_TITLE}"[:200], HOT_BODY)
        for n in range(args.ab_rounds * len(common.ab_variants(args)))
    ]
    say(f"A/B: {len(petitions)} petitions opened, one per run")
    runs = iter(petitions)
    connection.close()

    start_server = common.ab_server_starter(
        args, env, tmp / "granian.log", backpressure=args.backpressure or None, app=args.app
    )

    def measure(server) -> dict:
        petition = next(runs)
        with connection.cursor() as cur:  # every run's tokens equally fresh
            cur.execute(
                "UPDATE accounts_apitoken SET last_used_at = now() WHERE last_used_at < %s",
                [datetime.now(UTC) - timedelta(seconds=ApiToken.TOUCH_SECONDS / 2)],
            )
        connection.close()
        result = phase_signed(args, tmp, server, world, other_path, petition=petition)
        sign = result["by_kind"]["sign"]
        requests = sum(sum(st.values()) for st in sign["statuses"].values())
        cpu = result["cpu"] or {}
        errors = error_count(sign, {"sign": {"201"}})
        figures = {
            "signing with a token": {
                "p99": sign["summary"].get("sign", {}).get("p99", float("nan")),
                "rps": sign["rate"],
                "app_cpu_ms": 1000 * cpu.get("server_cpu_s", 0) / max(1, requests),
                "db_cpu_ms": 1000 * cpu.get("postgres_cpu_s", 0) / max(1, requests),
                "requests": requests,
                "errors": errors,
            }
        }
        other = result["by_kind"].get("observe")
        if other:
            figures["other petition's page meanwhile"] = {
                "p99": other["summary"].get("other page", {}).get("p99", float("nan")),
                "rps": 0.0,
                "app_cpu_ms": 0.0,  # the server's CPU is counted with the signatures
                "db_cpu_ms": 0.0,
                "requests": sum(sum(st.values()) for st in other["statuses"].values()),
                "errors": error_count(other, {"other page": {"200"}}),
            }
        if sign["exhausted"]:
            say("    (the citizens ran out before the end of the run: raise --citizens)")
        return figures

    results = common.run_ab(args, start_server=start_server, measure=measure, say=say)
    return common.print_ab(
        f"A/B, signed-in signing: granian {args.workers} × {args.threads}, {args.clients} "
        f"clients, {args.warmup:g} + {args.duration:g} s per run, {args.ab_rounds} rounds; "
        f"{common.settings_line(env)} (cpu per signing request, the observer's pages included)",
        results,
    )


# --- the count -------------------------------------------------------------------------------


def count_check(args, world: World, expected: int, unknown: int) -> dict:
    from django.conf import settings
    from django.db import connection

    from nara.petitions.models import Petition

    # the public pages and API may be cached for NARA_PUBLIC_CACHE_SECONDS
    time.sleep(settings.NARA_PUBLIC_CACHE_SECONDS + 1)
    st, _h, _c, body = http_once(args.port, "GET", f"/api/v1/petitions/{world.hot.pk}")
    api_count = None
    if st == 200:
        try:
            api_count = json.loads(body).get("signature_count")
        except ValueError:
            pass
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE valid), count(*) FROM petitions_signature "
            "WHERE petition_id = %s",
            [world.hot.pk],
        )
        valid, all_rows = cur.fetchone()
        cur.execute(
            "SELECT COALESCE(SUM(count), 0) FROM petitions_signaturecounter WHERE petition_id = %s",
            [world.hot.pk],
        )
        shards = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM petitions_pendingsignature WHERE petition_id = %s "
            "AND confirmed_at IS NOT NULL",
            [world.hot.pk],
        )
        confirmed = cur.fetchone()[0]
    p = Petition.objects.get(pk=world.hot.pk)
    exact = api_count == expected and valid == expected and shards == expected
    return {
        "expected": expected,
        "unknown_outcomes": unknown,
        "api_status": st,
        "api_count": api_count,
        "sql_valid_signatures": valid,
        "sql_all_signatures": all_rows,
        "shard_sum": shards,
        "confirmed_pending": confirmed,
        "exact": exact,
        "status": p.status,
        "referred_at": p.referred_at.timestamp() if p.referred_at else None,
        "answer_required_at": p.answer_required_at.timestamp() if p.answer_required_at else None,
    }


# --- main ----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-sig-"))
    env = common.production_env(
        args.db_url, args.db_name, tmp, lab=args.lab_settings, redis=args.redis
    )
    say(f"settings: {common.settings_line(env)}")
    if args.settings_patch:
        (tmp / "bench_settings_patched.py").write_text(
            "from nara.settings import *  # noqa: F403\n\n" + args.settings_patch + "\n"
        )
        sys.path.insert(0, str(tmp))
        env.update(
            DJANGO_SETTINGS_MODULE="bench_settings_patched",
            PYTHONPATH=os.pathsep.join(
                [str(tmp), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        )
    dsn = f"{args.db_url}/{args.db_name}"
    server = None
    results: dict = {
        "settings": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(args).items()}
    }
    t_all = time.monotonic()
    ok = False
    try:
        common.start(args, env, say)
        from django.db import connection

        world = World(args)
        world.build()
        connection.close()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        if args.profile:
            say(
                f"profiling {args.profile} signing requests in-process (twice: below and past refer)"
            )
            results["profile"] = profile_signing(world, args.profile)
            print_profile(results["profile"])
            if args.profile_only:
                for label, e in results["profile"].items():
                    if "pstats_text" in e:
                        print(f"\n--- pstats, {label} (cumulative, whole run)\n{e['pstats_text']}")
                        print("top functions by own time (ms per request; calls per request):")
                        for name, c, t, calls in e["top_tottime"]:
                            print(f"    {t:7.3f} own  {c:7.3f} cum  {calls:5.1f}×  {name}")
                return 0
        connection.close()

        say(
            f"granian: {args.workers} workers × {args.threads} threads on port {args.port}"
            + (f", backpressure {args.backpressure}" if args.backpressure else "")
        )
        server = common.granian_start(
            env=env,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            backpressure=args.backpressure or None,
            log_path=tmp / "granian.log",
            app=args.app,
        )
        found = results["probe"] = probe(args, world, dsn)
        say(
            "probe: signed-in "
            f"{found['signed']['status']} (again: {found['signed_again']}), e-mail submit "
            f"{found.get('email_submit', {}).get('status')}, confirm page "
            f"{found.get('confirm_get')}, Confirm {found.get('confirm_post')}"
            + (f" → {found['confirm_location']}" if found.get("confirm_location") else "")
            + f" (again: {found.get('confirm_again')}); other page {found.get('other_tried')}"
        )
        for note in found["notes"]:
            say(f"probe: {note}")
        if not (found["signed_ok"] and found["email_ok"] and found["other_path"]):
            log = (tmp / "granian.log").read_text(errors="replace").strip().splitlines()
            if log:
                say("granian log (last lines):\n    " + "\n    ".join(log[-15:]))
        if args.ab:
            server.stop()
            server = None
            if not found["signed_ok"]:
                say(f"A/B skipped: the signing endpoint answered {found['signed']}")
                return 1
            results["ab"] = run_ab(args, tmp, env, world, found["other_path"])
            ok = common.ab_ok(results["ab"])
            results["ok"] = ok
            say(f"done in {time.monotonic() - t_all:.0f} s")
            return 0 if ok else 1
        accepted_signed = accepted_email = unknown = 0
        if "signed" in args.phases:
            if found["signed_ok"]:
                say(
                    f"phase 1, signed-in: {args.clients} clients, {args.warmup:g} + {args.duration:g} s"
                )
                results["signed"] = phase_signed(args, tmp, server, world, found["other_path"])
                k = results["signed"]["by_kind"]["sign"]
                accepted_signed, unknown = k["accepted_all"], unknown + k["unknown"]
                say(f"phase 1 done: {k['rate']:,.0f} accepted/s, {k['accepted_all']:,} accepted")
            else:
                results["signed_skip"] = f"signing endpoint answered {found['signed']}"
                say(f"phase 1 skipped: {results['signed_skip']}")
        if "email" in args.phases:
            if found["email_ok"]:
                say(
                    f"phase 2, e-mail: {args.clients} clients, {args.warmup:g} + {args.duration:g} s"
                )
                results["email"] = phase_email(args, tmp, server, world, found, dsn)
                k = results["email"]["by_kind"]["email"]
                accepted_email, unknown = k["accepted_all"], unknown + k["unknown"]
                say(f"phase 2 done: {k['rate']:,.0f} accepted/s, {k['accepted_all']:,} accepted")
            else:
                results["email_skip"] = (
                    f"e-mail path: submit {found.get('email_submit')}, confirm page "
                    f"{found.get('confirm_get')}, Confirm {found.get('confirm_post')}; "
                    + "; ".join(found["notes"])
                )
                say(f"phase 2 skipped: {results['email_skip']}")
        results["accepted_signed"], results["accepted_email"] = accepted_signed, accepted_email
        if "signed" in results or "email" in results:
            say("checking the count")
            results["count"] = count_check(args, world, accepted_signed + accepted_email, unknown)
        server.stop()
        server = None
        if "floor" in args.phases:
            say(f"the floor: bench/floor_app.py, {args.clients} clients, {args.floor_duration:g} s")
            results["floor"] = phase_floor(args, tmp, env, world, dsn)
            say(f"floor: {results['floor']['by_kind']['sign']['rate']:,.0f} inserts/s")
        ok = report(args, results)
        results["ok"] = ok
        say(f"done in {time.monotonic() - t_all:.0f} s")
        return 0 if ok else 1
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        common.finish(args, server, tmp, say)


if __name__ == "__main__":
    sys.exit(main())
