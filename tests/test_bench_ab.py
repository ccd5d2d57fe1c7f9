"""bench/_common.py's A/B harness: the order of the runs and the table's figures (the runs
themselves need a server and PostgreSQL: `make bench-ab`, bench/README.md)."""

from types import SimpleNamespace

import pytest

from bench import _common as common


def test_every_round_runs_every_variant_in_the_reverse_order_of_the_round_before():
    schedule = common.ab_schedule(["", "prepared", "sessions"], 4)
    assert schedule == [
        (0, ""),
        (0, "prepared"),
        (0, "sessions"),
        (1, "sessions"),
        (1, "prepared"),
        (1, ""),
        (2, ""),
        (2, "prepared"),
        (2, "sessions"),
        (3, "sessions"),
        (3, "prepared"),
        (3, ""),
    ]


def test_the_variants_are_all_on_then_each_switch_off():
    args = SimpleNamespace(ab_switches="sessions, memo")
    assert common.ab_variants(args) == ["", "sessions", "memo"]
    with pytest.raises(SystemExit):
        common.ab_variants(SimpleNamespace(ab_switches="sessions,typo"))


def figures(p99, cpu, requests=100, errors=0):
    return {
        "p99": p99,
        "rps": requests / 10,
        "app_cpu_ms": cpu,
        "db_cpu_ms": 0.5,
        "requests": requests,
        "errors": errors,
    }


def test_the_summary_compares_each_variant_with_all_on():
    summary = common.ab_summary(
        {
            "": {"inbox": [figures(10, 1.5), figures(30, 1.5), figures(20, 1.5)]},
            "prepared": {"inbox": [figures(40, 3.5, requests=100), figures(40, 1.5, 300)]},
        }
    )
    on, off = summary[""]["inbox"], summary["prepared"]["inbox"]
    assert on["p99"] == 20  # the median of the rounds
    assert on["cpu_ms"] == 2.0  # app + db per request
    assert off["cpu_ms"] == (4.0 * 100 + 2.0 * 300) / 400  # over all the requests
    assert off["p99_ratio"] == 2.0
    assert off["cpu_ratio"] == 1.25


def test_a_variant_with_errors_fails_the_run(capsys):
    summary = common.ab_summary(
        {"": {"page": [figures(10, 1)]}, "memo": {"page": [figures(10, 1, errors=2)]}}
    )
    assert not common.ab_ok(summary)
    assert "memo off: page" in capsys.readouterr().out


def test_each_simulated_person_has_an_address_of_their_own():
    addresses = {common.client_address(n) for n in range(0, 2**24, 4099)}
    assert len(addresses) == len(range(0, 2**24, 4099))
    assert common.client_address(0) == "10.0.0.0"
    assert common.client_address(2**24 - 1) == "10.255.255.255"
