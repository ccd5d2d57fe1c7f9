"""bench/signatures's load generator: the signers, the e-mail signers and the other page's
observer, each process a spec of its own (`python bench/sig_loadgen.py SPEC.json`, started by
signatures.run_phase): asyncio keep-alive clients, no Django. Prints what it saw as JSON. Also
how a client reads the confirmation page and presses Confirm (the probes use it too)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common  # noqa: E402

HOST = "127.0.0.1"
SIGNER_MAIL_DOMAIN = "mail.bench.nara.kr"


CONFIRM_RE = re.compile(r"/petitions/confirm/([A-Za-z0-9_\-]+)/")
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
INPUT_RE = re.compile(r"<(input|button)\b([^>]*)>", re.I)
ATTR_RE = re.compile(r'([a-zA-Z_:-]+)\s*=\s*"([^"]*)"')


# The result page of Confirm, asked in English (the source language: no translation needed to
# recognise it). Both "counted" and "already counted" answer 200: the text tells them apart.
COUNTED_MARK = b"Your signature is counted"
ALREADY_MARK = b"already counted"


def confirm_form(html: str, page_path: str) -> tuple[str, dict] | None:
    """The Confirm form of the page (a POST form to the page itself, not the language switcher
    of the header): (action, fields to post back: hidden inputs and named buttons)."""
    import html as htmllib

    for attrs, inner in FORM_RE.findall(html):
        a = {k.lower(): htmllib.unescape(v) for k, v in ATTR_RE.findall(attrs)}
        if a.get("method", "get").lower() != "post":
            continue
        action = a.get("action") or page_path
        if action.split("?")[0] not in (page_path, f"http://{HOST}{page_path}"):
            continue
        fields = {}
        for tag, tattrs in INPUT_RE.findall(inner):
            t = {k.lower(): htmllib.unescape(v) for k, v in ATTR_RE.findall(tattrs)}
            if "name" not in t:
                continue
            if tag.lower() == "input" and t.get("type", "text").lower() not in ("hidden", "submit"):
                continue
            fields.setdefault(t["name"], t.get("value", ""))
        return action, fields
    return None


def confirm_post(html: str, page: str, set_cookies: list[str]) -> tuple[str, dict, bytes] | None:
    """What pressing Confirm sends: (path, headers, body); the CSRF cookie goes back if the
    form carries a CSRF token."""
    from urllib.parse import urlencode

    form = confirm_form(html, page)
    if form is None:
        return None
    action, fields = form
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}
    if "csrfmiddlewaretoken" in fields:
        csrf = cookie_value(set_cookies, "csrftoken")
        if csrf is None:
            return None
        headers["Cookie"] = f"csrftoken={csrf}"
    return action, headers, urlencode(fields).encode()


def confirm_result(body: bytes) -> str:
    if COUNTED_MARK in body:
        return "counted"
    if ALREADY_MARK in body:
        return "already"
    return "other"


def cookie_value(set_cookies: list[str], name: str) -> str | None:
    for c in set_cookies:
        k, _, rest = c.partition("=")
        if k.strip() == name:
            return rest.split(";", 1)[0]
    return None


class Stats:
    """What one load-generator process saw."""

    def __init__(self, spec):
        self.t_measure = spec["t_start"] + spec["warmup"]
        self.t_end = self.t_measure + spec["duration"]
        self.t_start = spec["t_start"]
        self.lat: dict[str, list[float]] = {}  # step -> latencies (ms) in the window
        self.statuses: dict[str, dict[str, int]] = {}  # step -> status -> n (whole run)
        self.errors: dict[str, int] = {}
        self.accepted_all = 0
        self.accepted_window = 0
        self.unknown = 0  # the request went out but no answer came back: outcome unknown
        self.timeline: dict[int, int] = {}  # second since t_start -> accepted

    def record(self, step: str, status: int, t0: float, t1_wall: float, lat: float):
        s = self.statuses.setdefault(step, {})
        s[str(status)] = s.get(str(status), 0) + 1
        if self.t_measure <= t1_wall <= self.t_end + 3600:
            self.lat.setdefault(step, []).append(lat * 1000)

    def accept(self, t1_wall: float):
        self.accepted_all += 1
        self.timeline[int(t1_wall - self.t_start)] = (
            self.timeline.get(int(t1_wall - self.t_start), 0) + 1
        )
        if t1_wall >= self.t_measure:
            self.accepted_window += 1

    def error(self, kind: str):
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def out(self, extra: dict) -> dict:
        return {
            "latencies": self.lat,
            "statuses": self.statuses,
            "errors": self.errors,
            "accepted_all": self.accepted_all,
            "accepted_window": self.accepted_window,
            "unknown": self.unknown,
            "timeline": {str(k): v for k, v in sorted(self.timeline.items())},
            **extra,
        }


async def _sign_clients(spec, stats: Stats) -> dict:
    """Signed-in signers (and the floor): one new identity per request."""
    port, path, prefix = spec["port"], spec["path"], spec["token_prefix"]
    next_i = [spec["lo"]]
    hi = spec["hi"]
    exhausted = [False]

    async def client():
        http = common.HttpClient(HOST, port, spec["timeout"])
        await asyncio.sleep(max(0.0, stats.t_start - time.time()))
        while time.time() < stats.t_end:
            i = next_i[0]
            if i >= hi:
                exhausted[0] = True
                break
            next_i[0] += 1
            req = common.http_request(
                "POST",
                HOST,
                port,
                path,
                {
                    "Authorization": f"Bearer {prefix}{i}",
                    "Content-Type": "application/json",
                    "X-Forwarded-For": common.client_address(i),
                },
                b"{}",
            )
            t0 = time.perf_counter()
            try:
                status, _h, _b = await http.request(req)
            except (OSError, TimeoutError, ValueError, IndexError) as exc:
                stats.error(type(exc).__name__)
                stats.unknown += 1
                await asyncio.sleep(0.01)
                continue
            t1 = time.perf_counter()
            now = time.time()
            stats.record("sign", status, t0, now, t1 - t0)
            if status == 201:
                stats.accept(now)
        http.close()

    await asyncio.gather(*(client() for _ in range(spec["clients"])))
    return {"exhausted": exhausted[0], "used": next_i[0] - spec["lo"]}


class OutboxReader:
    """Reads the confirmation links from the outbox table, as the signer would read the mail:
    one query for the new rows of this process's addresses, for all its clients at once.

    Ids are taken when a row is inserted but become visible when its transaction commits, so a
    row may appear below the highest id already seen: each look goes back LOOKBACK ids and
    skips the rows it has seen."""

    LOOKBACK = 500
    EVERY = 0.01  # seconds between looks while someone waits for a mail

    def __init__(self, dsn: str, after_id: int, mine: str):
        self.dsn, self.high, self.mine = dsn, after_id, mine
        self.floor = after_id
        self.seen: set[int] = set()
        self.waiting: dict[str, asyncio.Future] = {}
        self.early: dict[str, str] = {}
        self.polls = 0
        self.running = True

    def expect(self, email: str) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        if email in self.early:
            fut.set_result(self.early.pop(email))
        else:
            self.waiting[email] = fut
        return fut

    async def run(self):
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            while self.running:
                if not self.waiting:
                    await asyncio.sleep(self.EVERY)
                    continue
                low = max(self.floor, self.high - self.LOOKBACK)
                self.seen = {i for i in self.seen if i > low}
                cur = await conn.execute(
                    "SELECT id, to_email, body FROM notifications_outboxmessage "
                    "WHERE id > %s AND to_email LIKE %s AND NOT (id = ANY(%s))",
                    (low, self.mine + "%", list(self.seen)),
                )
                rows = await cur.fetchall()
                self.polls += 1
                for pk, email, body in rows:
                    self.seen.add(pk)
                    self.high = max(self.high, pk)
                    m = CONFIRM_RE.search(body)
                    if not m:
                        continue
                    fut = self.waiting.pop(email, None)
                    if fut is None:
                        self.early[email] = m.group(1)
                    elif not fut.done():
                        fut.set_result(m.group(1))
                await asyncio.sleep(self.EVERY)


async def _email_clients(spec, stats: Stats) -> dict:
    """Signers by e-mail: submit, read the mail, open the link, press Confirm."""
    port, path = spec["port"], spec["path"]
    reader = OutboxReader(spec["dsn"], spec["outbox_after_id"], spec["email_prefix"])
    poller = asyncio.create_task(reader.run())
    region = spec["region"]
    seq = [0]

    async def client(c: int):
        http = common.HttpClient(HOST, port, spec["timeout"])

        async def timed(name: str, method: str, target: str, headers: dict, body: bytes = b""):
            """One request of the flow, its answer recorded under `name`."""
            t0 = time.perf_counter()
            answer = await http.request(
                common.http_request(method, HOST, port, target, headers, body)
            )
            stats.record(name, answer[0], t0, time.time(), time.perf_counter() - t0)
            return answer

        await asyncio.sleep(max(0.0, stats.t_start - time.time()))
        while time.time() < stats.t_end:
            seq[0] += 1
            # a person of their own: an address (per-address limits) and a mail domain (the
            # per-domain limit) of their own
            address = common.client_address(spec["address_base"] + seq[0])
            email = f"{spec['email_prefix']}{c}-{seq[0]}@d{seq[0]}.{SIGNER_MAIL_DOMAIN}"
            payload = json.dumps(
                {"name": "김서명", "email": email, "region": region}, ensure_ascii=False
            ).encode()
            step = "submit"
            t_flow = time.perf_counter()
            try:
                mail = reader.expect(email)
                status, _h, body = await timed(
                    "submit",
                    "POST",
                    path,
                    {"Content-Type": "application/json", "X-Forwarded-For": address},
                    payload,
                )
                if status != 202:
                    reader.waiting.pop(email, None)
                    continue
                step = "mail"
                t0 = time.perf_counter()
                token = await asyncio.wait_for(mail, spec["mail_timeout"])
                stats.record("mail", 200, t0, time.time(), time.perf_counter() - t0)
                step = "confirm page"
                page = f"/petitions/confirm/{token}/"
                status, headers, body = await timed(
                    "confirm page",
                    "GET",
                    page,
                    {"Accept-Language": "ko", "X-Forwarded-For": address},
                )
                if status != 200:
                    continue
                post = confirm_post(body.decode("utf-8", "replace"), page, headers["set-cookie"])
                if post is None:
                    stats.error("confirm page: no Confirm form")
                    continue
                action, post_headers, form_body = post
                step = "confirm"
                status, headers, body = await timed(
                    "confirm",
                    "POST",
                    action,
                    {**post_headers, "X-Forwarded-For": address},
                    form_body,
                )
                if status in (301, 302, 303):  # a success page elsewhere: follow it
                    step = "after confirm"
                    location = headers.get("location", "").replace(f"http://{HOST}:{port}", "")
                    status, _h, body = await timed(
                        "after confirm", "GET", location, {"Accept-Language": "en"}
                    )
                now = time.time()
                result = confirm_result(body)
                if status == 200 and result == "counted":
                    stats.accept(now)
                    stats.record("whole signature", 200, t_flow, now, time.perf_counter() - t_flow)
                else:
                    stats.error(f"confirm: {status} {result}")
            except (OSError, TimeoutError, ValueError, IndexError) as exc:
                stats.error(f"{step}: {type(exc).__name__}")
                if step in ("confirm", "after confirm"):
                    stats.unknown += int(step == "confirm")
                reader.waiting.pop(email, None)
                await asyncio.sleep(0.01)
        http.close()

    await asyncio.gather(*(client(c) for c in range(spec["clients"])))
    reader.running = False
    await poller
    return {"outbox_polls": reader.polls}


async def _observer(spec, stats: Stats) -> dict:
    """Visitors of the other petition's page: one arrives every interval whether or not the
    previous one got its page (open loop: a slow server does not slow the arrivals down). Each
    takes an idle keep-alive connection or opens a new one (connecting counts in its time)."""
    port = spec["port"]
    req = common.http_request("GET", HOST, port, spec["path"], {"Accept-Language": "ko"})
    interval = spec["interval_ms"] / 1000
    idle: list = []
    tasks: set = set()
    opened = [0]

    async def visit():
        if idle:
            http = idle.pop()
        else:
            http = common.HttpClient(HOST, port, spec["timeout"])
            opened[0] += 1
        t0 = time.perf_counter()
        try:
            status, _h, _b = await http.request(req)
        except (OSError, TimeoutError, ValueError, IndexError) as exc:
            stats.error(type(exc).__name__)
            http.close()
            return
        stats.record("other page", status, t0, time.time(), time.perf_counter() - t0)
        idle.append(http)

    await asyncio.sleep(max(0.0, stats.t_start - time.time()))
    next_t = time.perf_counter()
    while time.time() < stats.t_end:
        task = asyncio.create_task(visit())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        next_t += interval
        await asyncio.sleep(max(0.0, next_t - time.perf_counter()))
    if tasks:
        await asyncio.gather(*tasks)
    for http in idle:
        http.close()
    return {"connections": opened[0]}


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    stats = Stats(spec)
    runner = {"sign": _sign_clients, "email": _email_clients, "observe": _observer}[spec["kind"]]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    extra = asyncio.run(runner(spec, stats))
    extra["cpu_s"] = time.process_time() - cpu0
    extra["wall_s"] = time.perf_counter() - wall0
    sys.stdout.write(json.dumps(stats.out(extra)))


if __name__ == "__main__":
    main(sys.argv[1])
