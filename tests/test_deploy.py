"""compose.yaml (the topology of README "Production") holds together: docker cannot run here,
so this reads it. Two app nodes behind the proxy, two workers, one scheduler, PostgreSQL with a
read replica, Redis; every setting it passes is one nara/settings.py reads."""

import re

import yaml

from tests.live import BASE_DIR

COMPOSE = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS = (BASE_DIR / "nara" / "settings.py").read_text()


def running(*words: str) -> list[str]:
    return sorted(
        name
        for name, service in SERVICES.items()
        if all(word in (service.get("command") or []) for word in words)
    )


def test_two_app_nodes_two_workers_and_one_scheduler():
    assert running("granian", "nara.wsgi:application") == ["app1", "app2"]
    assert running("db_worker") == ["worker1", "worker2"]
    assert running("scheduler") == ["scheduler"]
    assert set(SERVICES) >= {"proxy", "db", "db-replica", "redis", "migrate"}


def test_every_nara_process_shares_the_primary_the_replica_and_redis():
    for name in ("app1", "app2", "worker1", "worker2", "scheduler", "migrate"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].split("@")[1] == "db:5432/nara", name
        assert env["REPLICA_DATABASE_URL"].split("@")[1] == "db-replica:5432/nara", name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
        assert env["NARA_TRUSTED_PROXY_COUNT"] == "1", name  # the proxy appends one address
        for variable in env:
            assert f'"{variable}"' in SETTINGS, f"{variable} is not a setting Nara reads"


def test_the_proxy_spreads_over_every_app_node_and_the_mounted_files_exist():
    nginx = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert re.findall(r"server (app\d):8000", nginx) == running("granian")
    assert "$proxy_add_x_forwarded_for" in nginx and "X-Request-Start" in nginx
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (BASE_DIR / source).is_file(), source
    assert "requirements.lock" in (BASE_DIR / "Dockerfile").read_text()
