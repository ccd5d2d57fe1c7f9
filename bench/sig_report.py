"""bench/signatures's report: the tables of a run (rates, latencies, CPU per signature, the
rate every 5 s, the count) and the verdict against the goals."""

from __future__ import annotations

import os

from bench import _common as common

GOAL_RATE = 2000  # accepted signatures per second, signed-in
GOAL_P99_MS = 250
GOAL_FLOOR_RATIO = 0.4
GOAL_OTHER_P99_MS = 100


def error_count(kind: dict, ok_statuses: dict[str, set[str]]) -> int:
    bad = sum(kind["errors"].values())
    for step, sts in kind["statuses"].items():
        good = ok_statuses.get(step, {"200"})
        bad += sum(n for s, n in sts.items() if s not in good)
    return bad


def _busy(kind: dict, step: str | None) -> int:
    """Answers 503 'please retry' (load shedding): counted among the errors too."""
    return sum(
        sts.get("503", 0) for st, sts in kind["statuses"].items() if step is None or st == step
    )


def timeline_line(kind: dict, seconds: float, every: int = 5) -> str:
    """Accepted signatures per second, averaged over `every` seconds, from the start of the
    warm-up to the end of the measurement (complete buckets only)."""
    tl = {int(k): v for k, v in kind["timeline"].items()}
    if not tl:
        return "-"
    out = []
    for s in range(0, int(seconds) - every + 1, every):
        out.append(f"{sum(tl.get(x, 0) for x in range(s, s + every)) / every:.0f}")
    return " ".join(out)


def drift_line(phase: dict, every: int = 5) -> str:
    """Per `every` seconds of a phase: the app's and PostgreSQL's CPU per accepted signature
    and the other processes' share of the machine. A cost per signature that rises while
    "other" stays flat means something grows with the data; "other" rising means the
    machine (bench/README.md, "Does the signed-in rate fall over a run?")."""
    slices = phase.get("cpu_slices") or []
    tl = {int(k): v for k, v in phase["by_kind"]["sign"]["timeline"].items()}
    out = []
    for i, c in enumerate(slices):
        accepted = sum(tl.get(x, 0) for x in range(i * every, (i + 1) * every))
        if not accepted:
            continue
        other = max(0.0, c["machine_pct"] - c["server_pct"] - c["postgres_pct"])
        out.append(
            f"{1000 * c['server_cpu_s'] / accepted:.2f}+{1000 * c['postgres_cpu_s'] / accepted:.2f}"
            f"/{other:.0f}%"
        )
    return "app+db ms/sig / rest of the machine (load generator included): " + " ".join(out)


def report(args, results: dict) -> bool:
    print()
    rows = []
    cpu_rows = []
    sig, em, fl = results.get("signed"), results.get("email"), results.get("floor")
    floor_rate = fl["by_kind"]["sign"]["rate"] if fl else None

    def add(name, phase, kind_name, step, ok):
        k = phase["by_kind"][kind_name]
        s = k["summary"].get(step, {"n": 0, "p50": float("nan"), "p99": float("nan")})
        rate = k["rate"] if step in ("sign", "confirm") else float("nan")
        rows.append(
            [
                name,
                f"{rate:,.0f}" if rate == rate else "",
                f"{k['accepted_all']:,}" if step in ("sign", "confirm") else "",
                f"{s['p50']:.1f}",
                f"{s['p90']:.1f}" if "p90" in s else "",
                f"{s['p99']:.1f}",
                f"{s['max']:.1f}" if "max" in s else "",
                s["n"],
                error_count(k, ok) if step in ("sign", "confirm", "other page") else "",
                _busy(k, None if step == "confirm" else step),
            ]
        )

    if sig and "sign" in sig["by_kind"]:
        add("signed-in: POST …/signatures (201)", sig, "sign", "sign", {"sign": {"201"}})
        if "observe" in sig["by_kind"]:
            add("  other petition's page meanwhile", sig, "observe", "other page", {})
    if em and "email" in em["by_kind"]:
        ok = {
            "submit": {"202"},
            "mail": {"200"},
            "confirm page": {"200"},
            "confirm": {str(results["probe"]["confirm_post"][0])},
            "after confirm": {"200"},
            "whole signature": {"200"},
        }
        k = em["by_kind"]["email"]
        k["error_count"] = error_count(k, ok)
        add("e-mail: whole signature (accepted = Confirm)", em, "email", "confirm", ok)
        rows[-1][3:8] = [
            f"{k['summary'].get('whole signature', {}).get(x, float('nan')):.1f}"
            for x in ("p50", "p90", "p99", "max")
        ] + [k["summary"].get("whole signature", {}).get("n", 0)]
        rows[-1][8] = k["error_count"]
        for step in ("submit", "mail", "confirm page", "confirm", "after confirm"):
            if step in k["summary"]:
                s = k["summary"][step]
                rows.append(
                    [
                        f"  {step}",
                        "",
                        "",
                        f"{s['p50']:.1f}",
                        f"{s['p90']:.1f}",
                        f"{s['p99']:.1f}",
                        f"{s['max']:.1f}",
                        s["n"],
                        sum(
                            n for st, n in k["statuses"].get(step, {}).items() if st not in ok[step]
                        ),
                        _busy(k, step),
                    ]
                )
        if "observe" in em["by_kind"]:
            add("  other petition's page meanwhile", em, "observe", "other page", {})
    if fl:
        add("floor: minimal WSGI, one INSERT (201)", fl, "sign", "sign", {"sign": {"201"}})
    print(
        f"RESULTS: granian {args.workers} workers × {args.threads} threads"
        + (f", backpressure {args.backpressure}" if args.backpressure else "")
        + f"; {args.clients} keep-alive clients in {args.loadgen_procs} processes; "
        f"{args.duration:g} s measured after {args.warmup:g} s warm-up (floor "
        f"{args.floor_duration:g} s)"
        + (f"; settings patch: {args.settings_patch}" if args.settings_patch else "")
        + (f"; app {args.app}" if args.app != "nara.wsgi:application" else "")
    )
    print(
        common.fmt_table(
            [
                "what",
                "accepted/s",
                "accepted (all)",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "measured",
                "errors",
                "of which 503",
            ],
            rows,
        )
    )
    for name, phase, kind in (
        ("signed-in", sig, "sign"),
        ("e-mail", em, "email"),
        ("floor", fl, "sign"),
    ):
        if not phase or kind not in phase["by_kind"]:
            continue
        c = phase["cpu"]
        k = phase["by_kind"][kind]
        obs = phase["by_kind"].get("observe", {}).get("cpu_pct", 0.0)
        other = max(
            0.0, c["machine_pct"] - c["server_pct"] - c["postgres_pct"] - k["cpu_pct"] - obs
        )
        n = max(
            1,
            sum(
                sum(v.values())
                for step, v in k["statuses"].items()
                if step not in ("mail", "whole signature")
            ),
        )
        accepted = max(1, k["accepted_all"])
        cpu_rows.append(
            [
                name,
                f"{c['machine_pct']:.0f}%",
                f"{c['server_pct']:.0f}%",
                f"{c['postgres_pct']:.0f}%",
                f"{k['cpu_pct']:.0f}% ({k['procs']} procs)",
                f"{obs:.0f}%",
                f"{other:.0f}%",
                f"{1000 * c['server_cpu_s'] / accepted:.2f}",
                f"{1000 * c['postgres_cpu_s'] / accepted:.2f}",
                f"{n:,}",
            ]
        )
    if cpu_rows:
        print()
        print(
            f"CPU during each phase, % of one core ({os.cpu_count()} cores = "
            f"{100 * (os.cpu_count() or 1)}%), and per accepted signature"
        )
        print(
            common.fmt_table(
                [
                    "phase",
                    "machine",
                    "granian (app)",
                    "postgres",
                    "load generator",
                    "observer",
                    "other procs",
                    "app ms/sig",
                    "db ms/sig",
                    "requests",
                ],
                cpu_rows,
            )
        )
    if sig and "sign" in sig["by_kind"]:
        print()
        print(
            "signed-in accepted/s per 5 s (from the start of the warm-up): "
            + timeline_line(sig["by_kind"]["sign"], sig["warmup"] + sig["duration"])
        )
        print("  and per 5 s, " + drift_line(sig))
        if sig["by_kind"]["sign"].get("exhausted"):
            print("WARNING: the citizens ran out before the end (raise --citizens)")
    if em and "email" in em["by_kind"]:
        print(
            "e-mail accepted/s per 5 s: "
            + timeline_line(em["by_kind"]["email"], em["warmup"] + em["duration"])
        )
    cc = results.get("count")
    if cc:
        print()
        print(
            f"COUNT: accepted {cc['expected']:,} (signed-in {results['accepted_signed']:,} + "
            f"e-mail {results['accepted_email']:,}); API signature_count {cc['api_count']} "
            f"(HTTP {cc['api_status']}); SQL valid signatures {cc['sql_valid_signatures']:,}; "
            f"shard sum {cc['shard_sum']:,}; outcome unknown (no answer) {cc['unknown_outcomes']}"
        )
        t1 = sig["t_start"] if sig else None
        for label, key in (("refer", "referred_at"), ("answer", "answer_required_at")):
            if cc.get(key) and t1:
                print(
                    f"  {label} threshold reached {cc[key] - t1:.1f} s after the signed-in "
                    f"phase started (its status now: {cc['status']})"
                )
        if not cc.get("referred_at"):
            print(f"  no threshold reached (status {cc['status']})")
    return verdict(args, results, floor_rate)


def verdict(args, results: dict, floor_rate) -> bool:
    print()
    checks = []
    sig, em = results.get("signed"), results.get("email")
    if sig and "sign" in sig["by_kind"]:
        k = sig["by_kind"]["sign"]
        p99 = k["summary"].get("sign", {}).get("p99", float("inf"))
        errors = error_count(k, {"sign": {"201"}})
        checks.append(
            (
                k["rate"] >= GOAL_RATE,
                f"signed-in: {k['rate']:,.0f} accepted/s (goal ≥ {GOAL_RATE:,})",
            )
        )
        checks.append((p99 < GOAL_P99_MS, f"signed-in: p99 {p99:.0f} ms (goal < {GOAL_P99_MS})"))
        checks.append((errors == 0, f"signed-in: {errors} errors (goal 0)"))
        if floor_rate:
            ratio = k["rate"] / floor_rate
            checks.append(
                (
                    ratio >= GOAL_FLOOR_RATIO,
                    f"signed-in / floor: {k['rate']:,.0f} / {floor_rate:,.0f} = {ratio:.2f} "
                    f"(goal ≥ {GOAL_FLOOR_RATIO})",
                )
            )
        else:
            checks.append((False, "floor not measured"))
    else:
        checks.append((False, "signed-in phase not run: " + results.get("signed_skip", "")))
    if em and "email" in em["by_kind"]:
        k = em["by_kind"]["email"]
        checks.append((k["error_count"] == 0, f"e-mail: {k['error_count']} errors (goal 0)"))
    elif "email" in args.phases:
        checks.append((False, "e-mail phase not run: " + results.get("email_skip", "")))
    for name, phase in (("signed-in", sig), ("e-mail", em)):
        if phase and "observe" in phase["by_kind"]:
            o = phase["by_kind"]["observe"]
            p99 = o["summary"].get("other page", {}).get("p99", float("inf"))
            bad = error_count(o, {})
            checks.append(
                (
                    p99 < GOAL_OTHER_P99_MS and bad == 0,
                    f"other petition's page during the {name} surge: p99 {p99:.0f} ms, "
                    f"{bad} errors (goal < {GOAL_OTHER_P99_MS} ms, 0)",
                )
            )
        elif phase:
            checks.append((False, f"other petition's page not measured ({name})"))
    cc = results.get("count")
    if cc:
        checks.append(
            (
                cc["exact"] and cc["unknown_outcomes"] == 0,
                f"exact count: accepted {cc['expected']:,}, API {cc['api_count']}, SQL "
                f"{cc['sql_valid_signatures']:,}, shards {cc['shard_sum']:,}",
            )
        )
    for ok, text in checks:
        print(f"{'OK  ' if ok else 'FAIL'} {text}")
    return all(ok for ok, _ in checks)
