"""The read replica (nara/core/replica.py): only the reads of a public page (an anonymous GET
or HEAD) go to it, and none inside a transaction; every write goes to the primary."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client, RequestFactory

from nara.accounts.models import ApiToken
from nara.complaints.models import Complaint
from nara.core import replica
from nara.core.replica import PublicReadsMiddleware, ReplicaRouter
from tests.live import BASE_DIR

router = ReplicaRouter()


def served(method: str, user, inside_transaction: bool = False) -> dict[str, str]:
    """Where a request's reads and writes would go."""
    request = getattr(RequestFactory(), method.lower())("/petitions/")
    request.user = user

    def view(request):
        if inside_transaction:
            with transaction.atomic():
                return {
                    "read": router.db_for_read(Complaint),
                    "write": router.db_for_write(Complaint),
                }
        return {"read": router.db_for_read(Complaint), "write": router.db_for_write(Complaint)}

    return PublicReadsMiddleware(view)(request)


class SignedIn:
    is_authenticated = True


@pytest.mark.django_db(transaction=True)  # no test transaction around the requests
def test_only_public_page_reads_go_to_the_replica():
    assert served("GET", AnonymousUser()) == {"read": "replica", "write": "default"}
    assert served("HEAD", AnonymousUser()) == {"read": "replica", "write": "default"}
    assert served("POST", AnonymousUser()) == {"read": "default", "write": "default"}
    assert served("GET", SignedIn()) == {"read": "default", "write": "default"}
    assert served("GET", AnonymousUser(), inside_transaction=True) == {
        "read": "default",
        "write": "default",
    }
    # outside a request (tasks, the scheduler, the shell): the primary
    assert router.db_for_read(Complaint) == "default"
    assert router.allow_migrate("replica", "complaints") is False
    assert router.allow_migrate("default", "complaints") is True


def settings_with(**env) -> dict:
    code = (
        "import json; from django.conf import settings;"
        "print(json.dumps({'dbs': sorted(settings.DATABASES), 'routers': settings.DATABASE_ROUTERS,"
        "'replica_mw': 'nara.core.replica.PublicReadsMiddleware' in settings.MIDDLEWARE,"
        "'cache': settings.CACHES['default']['BACKEND']}))"
    )
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "nara.settings", **env}
    for name in ("REPLICA_DATABASE_URL", "REDIS_URL", "CACHE_BACKEND"):
        if name not in env:
            environ.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=BASE_DIR, capture_output=True, check=True
    )
    return json.loads(out.stdout)


def test_the_replica_and_redis_are_switched_on_by_the_environment():
    pg = "postgres://nara@db-primary:5432/nara"
    plain = settings_with(DATABASE_URL=pg)
    assert plain == {
        "dbs": ["default"],
        "routers": [],
        "replica_mw": False,
        "cache": "django.core.cache.backends.db.DatabaseCache",
    }
    scaled = settings_with(
        DATABASE_URL=pg,
        REPLICA_DATABASE_URL="postgres://nara@db-replica:5432/nara",
        REDIS_URL="redis://redis:6379/0",
    )
    assert scaled == {
        "dbs": ["default", "replica"],
        "routers": ["nara.core.replica.ReplicaRouter"],
        "replica_mw": True,
        "cache": "django.core.cache.backends.redis.RedisCache",
    }


@pytest.mark.django_db
def test_an_api_request_with_a_token_reads_from_the_primary(world, settings, monkeypatch):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "nara.core.replica.PublicReadsMiddleware"]
    seen = []
    original = ApiToken.token_for.__func__

    def spy(cls, raw):
        seen.append(replica.public_read.get())
        return original(cls, raw)

    monkeypatch.setattr(ApiToken, "token_for", classmethod(spy))
    raw = ApiToken.issue(world.citizen)
    response = Client().get("/api/v1/complaints", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert seen == [False]  # the token, and then the citizen's own complaints: the primary
