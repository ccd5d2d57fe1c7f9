"""The signing route served in front of Django (nara/wsgi.py → nara/petitions/surge.py) answers
exactly as the API view does, keeps the site's protections, and hands everything else to Django."""

import json
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client

from nara.accounts.models import ApiToken
from nara.petitions import fastpath, signing
from nara.petitions.models import Petition
from nara.wsgi import application
from tests.helpers import wsgi_environ

from .petition_helpers import gathering, opened

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """As Django's test client does: a request's start and end must not close the test's
    connection (it holds the test's transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    from nara.petitions import surge

    monkeypatch.setattr(surge, "_close_if_obsolete", lambda: None)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def wsgi(path, *, method="POST", token=None, body=b"", **meta):
    """Call the production WSGI application as granian would."""
    environ = wsgi_environ(path, method=method, body=body, token=token, **meta)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    chunks = application(environ, start_response)
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return int(seen["status"].split()[0]), seen["headers"], content


def via_view(path, token, **headers):
    """The same request through Django and django-ninja (the API view)."""
    response = Client().post(
        path,
        data=b"",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )
    return response.status_code, response.json()


def sign_path(petition_id) -> str:
    return f"/api/v1/petitions/{petition_id}/signatures"


@pytest.fixture
def petition(world, moderator, small_type):
    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    return opened(world, small_type, moderator)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_it_answers_as_the_api_view_does(world, petition, language):
    path = sign_path(petition.pk)
    first, second = (ApiToken.issue(u) for u in (world.other_citizen, world.citizen))
    status, headers, body = wsgi(path, token=first, HTTP_ACCEPT_LANGUAGE=language)
    assert (status, json.loads(body)) == (201, {"signature_count": 1, "signed": True})
    assert via_view(path, second, **{"Accept-Language": language}) == (
        201,
        {"signature_count": 2, "signed": True},
    )
    # already signed, each way, answered the same way, in the visitor's language
    fast = wsgi(path, token=second, HTTP_ACCEPT_LANGUAGE=language)
    assert (fast[0], json.loads(fast[2])) == via_view(path, first, **{"Accept-Language": language})
    assert fast[0] == 409
    assert signing.signature_count(petition.pk) == 2


def test_every_outcome_matches_the_view(world, moderator, small_type, petition):
    citizen = ApiToken.issue(world.other_citizen)
    unpublished = gathering(world, small_type, title="Still gathering supporters")
    closed = opened(world, small_type, moderator, title="A closed petition")
    Petition.objects.filter(pk=closed.pk).update(status="closed")
    cases = [
        (sign_path(999_999), citizen),  # no such petition
        (sign_path(unpublished.pk), citizen),  # not public: 404 for others
        (sign_path(unpublished.pk), ApiToken.issue(world.citizen)),  # its author: 409
        (sign_path(closed.pk), citizen),  # public, not open: 409
        (sign_path(petition.pk), "not-a-token"),
        (sign_path(petition.pk), ApiToken.issue(world.handler)),  # no second factor
        (sign_path(99_999_999_999_999_999), citizen),
    ]
    for path, token in cases:
        fast = wsgi(path, token=token, HTTP_ACCEPT_LANGUAGE="en")
        assert (fast[0], json.loads(fast[2])) == via_view(
            path, token, **{"Accept-Language": "en"}
        ), path
    assert [wsgi(p, token=t)[0] for p, t in cases] == [404, 404, 409, 409, 401, 401, 404]


def test_a_malformed_authorization_is_401(petition):
    status, headers, _body = wsgi(sign_path(petition.pk), HTTP_AUTHORIZATION="Basic abc")
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer"


def test_it_sends_the_security_headers(world, petition):
    status, headers, _body = wsgi(sign_path(petition.pk), token=ApiToken.issue(world.citizen))
    assert status == 201
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in headers["Cache-Control"]


def test_hsts_on_secure_requests(world, petition, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    status, headers, _body = wsgi(
        sign_path(petition.pk), token=ApiToken.issue(world.citizen), **{"wsgi.url_scheme": "https"}
    )
    assert status == 201 and headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # plain HTTP goes to Django (whose SecurityMiddleware redirects it in production; its
    # settings were read at start-up, so here Django answers itself: its CSP header shows it)
    status, headers, _body = wsgi(sign_path(petition.pk), token=ApiToken.issue(world.citizen))
    assert "Content-Security-Policy" in headers


def test_rate_limits_apply(world, petition, settings):
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_sign_burst": (2, 10)}
    tokens = [ApiToken.issue(u) for u in (world.citizen, world.other_citizen, world.operator)]
    statuses = [wsgi(sign_path(petition.pk), token=t)[0] for t in tokens]
    assert statuses == [201, 201, 429]


def test_a_saturated_server_says_retry(world, petition, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    status, headers, body = wsgi(
        sign_path(petition.pk),
        token=ApiToken.issue(world.citizen),
        HTTP_X_REQUEST_START=f"t={time.time() - 60:.3f}",
    )
    assert status == 503 and headers["Retry-After"] and "errors" in json.loads(body)
    assert signing.signature_count(petition.pk) == 0


def test_a_dropped_database_connection_is_retried_once_then_retry_later(
    world, petition, monkeypatch
):
    from types import SimpleNamespace

    from nara.petitions import surge

    closed = []  # the shim closes a broken connection (a stand-in: the test's must stay open)
    monkeypatch.setattr(
        surge,
        "connection",
        SimpleNamespace(connection=None, close_at=None, close=lambda: closed.append(1)),
    )
    real = fastpath.sign_with_token
    failures = []

    def flaky(*args):
        if len(failures) < 1:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args)

    monkeypatch.setattr(fastpath, "sign_with_token", flaky)
    assert wsgi(sign_path(petition.pk), token=ApiToken.issue(world.citizen))[0] == 201
    assert closed == [1]

    def down(*args):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(fastpath, "sign_with_token", down)
    status, headers, _body = wsgi(sign_path(petition.pk), token=ApiToken.issue(world.other_citizen))
    assert status == 503 and headers["Retry-After"]
    assert closed == [1, 1, 1]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"REQUEST_METHOD": "GET"}, 405),  # reading the route: Django (405 from the API)
        ({"HTTP_HOST": "evil.example"}, 400),  # a host we do not serve: Django's 400
        ({"CONTENT_LENGTH": str(10**10)}, 413),  # oversized: Django's 413
    ],
)
def test_anything_unusual_goes_to_django(world, petition, change, expected):
    status, _headers, _body = wsgi(
        sign_path(petition.pk), token=ApiToken.issue(world.citizen), **change
    )
    assert status == expected
    assert signing.signature_count(petition.pk) == 0


def test_other_requests_go_to_django(world, petition):
    status, _headers, body = wsgi(
        sign_path(petition.pk),
        body=json.dumps({"name": "Kim", "email": "kim@example.org", "region": "11"}).encode(),
    )
    assert status == 202 and json.loads(body) == {"status": "confirmation_sent"}
    assert wsgi("/healthz", method="GET")[0] == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the signing statement is PG's")
@pytest.mark.django_db(transaction=True)
def test_a_signature_counted_is_never_answered_already_signed(world, petition, settings):
    """Review of issue #11: the batch used to delete ended rate windows after its statement had
    committed; when that DELETE waited past lock_timeout behind another statement, the batch
    failed, was retried, found its signatures there and answered 409 "You already signed" for
    the signature it had just counted. Requests never delete now (a periodic task does)."""
    import psycopg

    raw = ApiToken.issue(world.other_citizen)
    settings.NARA_RATE_LIMITS_ENABLED = True
    with connection.cursor() as cursor:  # an ended window someone else is resetting right now
        cursor.execute(
            "INSERT INTO nara_rate_count VALUES ('ended', %s, 3)", [int(time.time()) - 100]
        )
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    other = psycopg.connect(**params)
    try:
        other.execute("SELECT * FROM nara_rate_count WHERE scope_key = 'ended' FOR UPDATE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 300")
        status, _headers, body = wsgi(sign_path(petition.pk), token=raw)
    finally:
        other.rollback()
        other.close()
    assert signing.signature_count(petition.pk) == 1
    assert (status, json.loads(body)) == (201, {"signature_count": 1, "signed": True})
