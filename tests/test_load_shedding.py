"""A saturated site says "please retry" (503, Retry-After), never shows an error page."""

import time

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_a_request_queued_too_long_behind_the_proxy_is_told_to_retry(client, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    settings.NARA_SHED_AFTER_MS = 2000
    stale = f"t={time.time() - 10:.3f}"
    response = client.get("/", headers={"X-Request-Start": stale, "Accept-Language": "en"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.NARA_RETRY_AFTER_SECONDS)
    assert b"Please retry in a moment" in response.content
    fresh = f"t={int(time.time() * 1_000_000)}"  # microseconds, as nginx's ${msec} scaled
    assert client.get("/", headers={"X-Request-Start": fresh}).status_code == 200


def test_the_queue_header_is_ignored_without_a_trusted_proxy(client, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 0
    response = client.get("/", headers={"X-Request-Start": "t=1"})
    assert response.status_code == 200


def test_the_busy_page_is_localized(client, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    response = client.get("/", headers={"X-Request-Start": "t=1", "Accept-Language": "ko"})
    assert response.status_code == 503
    assert 'lang="ko"' in response.content.decode()


def test_a_database_refusing_work_gives_retry_not_500(client, monkeypatch):
    from nara.complaints import views

    def overloaded(*args, **kwargs):
        raise OperationalError("sorry, too many clients already")

    monkeypatch.setattr(views.selectors, "public_complaints", overloaded)
    response = client.get("/complaints/public/")
    assert response.status_code == 503 and response["Retry-After"]
    api = client.get("/api/v1/units", headers={"X-Request-Start": "t=1"})
    assert api.status_code == 200  # no trusted proxy: the header means nothing


def test_the_api_gets_json(client, settings):
    settings.NARA_TRUSTED_PROXY_COUNT = 1
    response = client.get("/api/v1/units", headers={"X-Request-Start": "t=1"})
    assert response.status_code == 503
    assert "errors" in response.json() and response["Retry-After"]


def test_more_requests_in_flight_than_the_limit_are_told_to_retry(rf, settings):
    from django.http import HttpResponse

    from nara.core.middleware import LoadSheddingMiddleware

    settings.NARA_MAX_IN_FLIGHT = 1
    seen = []

    def view(request):
        # while this request is being served, a second one arrives
        seen.append(shedder(rf.get("/petitions/")).status_code)
        return HttpResponse("ok")

    shedder = LoadSheddingMiddleware(view)
    assert shedder(rf.get("/")).status_code == 200
    assert seen == [503]
    assert shedder.in_flight.count == 0  # released, also after the refusal


def test_e_mail_signing_waits_its_turn_and_pages_do_not(rf, settings):
    from django.http import HttpResponse

    from nara.petitions.middleware import EmailSigningGate

    settings.NARA_EMAIL_SIGNING_CONCURRENCY = 1
    settings.NARA_EMAIL_SIGNING_WAIT_SECONDS = 0
    seen = []

    def view(request):
        if seen:  # the nested requests themselves
            return HttpResponse("ok")
        seen.append(0)
        # while one e-mail signature is being handled, others arrive
        seen.append(gate(rf.post("/petitions/7/sign/email/")).status_code)  # waits: 503 here
        seen.append(gate(rf.get("/petitions/confirm/abc/")).status_code)  # also gated
        seen.append(gate(rf.get("/petitions/7/")).status_code)  # a page: never gated
        return HttpResponse("ok")

    gate = EmailSigningGate(view)
    outer = rf.post("/api/v1/petitions/7/signatures")  # without a token: the e-mail path
    assert gate(outer).status_code == 200
    assert seen[1:] == [503, 503, 200]
    assert gate(rf.post("/petitions/7/sign/email/")).status_code == 200  # released


def _public_list_raising(monkeypatch, error):
    from nara.complaints import views

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(views.selectors, "public_complaints", failing)


@pytest.mark.parametrize(
    "message",
    [
        "sorry, too many clients already",
        "FATAL: remaining connection slots are reserved for roles with the SUPERUSER attribute",
        "database is locked",
    ],
)
def test_each_kind_of_overload_gives_retry(client, monkeypatch, message):
    _public_list_raising(monkeypatch, OperationalError(message))
    response = client.get("/complaints/public/")
    assert response.status_code == 503 and response["Retry-After"]


@pytest.mark.parametrize(
    "message",
    [
        "no such column: complaints_complaint.missing",  # SQLite, a migration not applied
        "no such table: complaints_complaint",
        "disk I/O error",
    ],
)
def test_a_database_error_that_is_not_overload_is_a_real_error(
    client, monkeypatch, caplog, message
):
    """Not hidden behind "please retry": a 500, logged as an error."""
    _public_list_raising(monkeypatch, OperationalError(message))
    client.raise_request_exception = False
    response = client.get("/complaints/public/")
    assert response.status_code == 500
    assert any(r.levelname == "ERROR" and r.name == "django.request" for r in caplog.records)
    assert not any(r.name == "nara.busy" for r in caplog.records)


def test_a_real_statement_timeout_gives_retry(client, monkeypatch):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")

    def slow(*args, **kwargs):
        # in a savepoint: its rollback undoes the SET LOCAL too
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr("nara.complaints.views.selectors.public_complaints", slow)
    response = client.get("/complaints/public/")
    assert response.status_code == 503


def test_a_real_missing_column_is_a_real_error(client, monkeypatch):
    """A broken query as the database reports it (SQLite: OperationalError; PostgreSQL:
    ProgrammingError): never "please retry"."""
    from django.db import connection

    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM complaints_complaint")

    monkeypatch.setattr("nara.complaints.views.selectors.public_complaints", broken)
    client.raise_request_exception = False
    assert client.get("/complaints/public/").status_code == 500


@pytest.mark.parametrize("header", ["t=inf", "t=-inf", "t=nan", "inf"])
def test_a_request_start_that_is_no_time_is_ignored(settings, header):
    """float() reads "inf": the unit loop (÷1000 while > 1e11) never ended, a request thread
    spinning for good."""
    from nara.core.middleware import waited_too_long

    settings.NARA_TRUSTED_PROXY_COUNT = 1
    assert waited_too_long({"HTTP_X_REQUEST_START": header}) is False
