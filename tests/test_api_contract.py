"""The API answers as its OpenAPI document declares: each answer found wrong by the fuzzer
(tests/test_api_fuzz.py), checked here as a plain case: the status is declared for the
operation and the body matches the declared schema."""

import json
from datetime import timedelta

import jsonschema_rs
import pytest
from django.test import Client

from nara.api.api import api
from nara.wsgi import application
from tests.conftest import ApiClient
from tests.helpers import file_complaint, to_in_progress, wsgi_environ
from tests.petition_helpers import opened


def declared(method: str, path: str, status: int) -> dict:
    """The schema the document declares for this answer (fails if the status is not declared)."""
    document = api.get_openapi_schema()
    responses = document["paths"][f"/api/v1{path}"][method.lower()]["responses"]
    declared_statuses = {int(code) for code in responses}
    assert status in declared_statuses, f"{status} not declared for {method} {path}"
    schema = responses[status]["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def assert_keeps_contract(response, method: str, path: str) -> dict:
    body = response.json()
    jsonschema_rs.validate(declared(method, path, response.status_code), body)
    return body


def post_raw(path: str, raw: bytes, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(
        f"/api/v1{path}", data=raw, content_type="application/json", headers=headers
    )


@pytest.fixture
def tokens(world):
    return {"citizen": ApiClient(world.citizen).token, "handler": ApiClient(world.handler).token}


# --- a body that is not JSON -----------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"\x00", b"{", b"\xff\xfe"])
@pytest.mark.parametrize(
    "who, path, template",
    [
        (None, "/auth/token", "/auth/token"),
        ("citizen", "/complaints", "/complaints"),
        ("citizen", "/complaints/{no}/rating", "/complaints/{receipt_no}/rating"),
        ("handler", "/complaints/{no}/claim", "/complaints/{receipt_no}/claim"),
        (None, "/petitions/{pk}/signatures", "/petitions/{id}/signatures"),
    ],
)
def test_a_body_that_is_not_json_is_a_declared_400(
    world, moderator, small_type, tokens, raw, who, path, template
):
    complaint = to_in_progress(world)
    petition = opened(world, small_type, moderator)
    url = path.format(no=complaint.receipt_no, pk=petition.pk)
    response = post_raw(url, raw, tokens.get(who))
    assert response.status_code == 400
    body = assert_keeps_contract(response, "POST", template)
    assert list(body["errors"]) == ["__all__"]


# --- query parameters the API refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    "who, path, query",
    [
        ("citizen", "/complaints", "offset=null"),
        ("citizen", "/complaints", "limit=1000"),
        ("handler", "/inbox", "status=" + "0" * 31),
        ("handler", "/inbox", "offset=-1"),
    ],
)
def test_a_refused_query_parameter_is_a_declared_400(world, tokens, who, path, query):
    response = Client().get(
        f"/api/v1{path}?{query}", headers={"Authorization": f"Bearer {tokens[who]}"}
    )
    assert response.status_code == 400
    body = assert_keeps_contract(response, "GET", path)
    assert list(body["errors"]) == [query.split("=")[0]]


# --- the repeated complaint -------------------------------------------------------------------


def test_the_409_for_a_repeated_complaint_is_declared_with_the_earlier_one(world, api_for):
    data = {"kind": "grievance", "title": "Pothole on Jong-ro", "body": "Near the bus stop."}
    citizen = api_for(world.citizen)
    first = citizen.post("/complaints", data)
    assert first.status_code == 201
    again = citizen.post("/complaints", data)
    assert again.status_code == 409
    body = assert_keeps_contract(again, "POST", "/complaints")
    assert body["earlier"] == {"receipt_no": first.json()["receipt_no"], "status": "received"}


# --- values of another JSON type --------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("confirm_repeat", 0),
        ("confirm_repeat", "true"),
        ("publish_consent", 1),
        ("location", {"latitude": "37.5", "longitude": 126.9}),
    ],
)
def test_a_value_of_another_type_than_declared_is_refused(world, api_for, field, value):
    data = {"kind": "grievance", "title": "Pothole", "body": "Near the bus stop.", field: value}
    response = api_for(world.citizen).post("/complaints", data)
    assert response.status_code == 400, response.content
    body = assert_keeps_contract(response, "POST", "/complaints")
    assert any(key.startswith(field) for key in body["errors"])


@pytest.mark.parametrize("rating", ["5", 4.0, True])
def test_a_rating_must_be_a_json_integer(world, api_for, rating):
    complaint = file_complaint(world)
    response = api_for(world.citizen).post(
        f"/complaints/{complaint.receipt_no}/rating", {"rating": rating}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rating"]


def test_an_extension_date_is_still_read_from_its_iso_string(world, api_for):
    from django.utils import timezone

    from nara.core.clock import is_working_day

    complaint = to_in_progress(world)
    # a working day after the due date, as the office counts days (KST, holidays): computed in
    # UTC it failed from 15:00 UTC on, when the UTC date is the day before the office's
    new_due = timezone.localdate(complaint.due_at) + timedelta(days=3)
    while not is_working_day(new_due):
        new_due += timedelta(days=1)
    new_due = new_due.isoformat()
    response = api_for(world.handler).post(
        f"/complaints/{complaint.receipt_no}/extend", {"new_due": new_due, "reason": "Survey"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["extended"] is True


# --- a body over the API's limit (2 MB) -------------------------------------------------------

BIG = json.dumps({"kind": "other", "title": "x", "body": "y" * (2 * 1024 * 1024)}).encode()


def wsgi_post(path: str, body: bytes, token: str | None = None) -> tuple[int, dict]:
    """Through the production WSGI application (nara.wsgi), as granian calls it."""
    environ = wsgi_environ(f"/api/v1{path}", body=body, token=token)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = int(status.split()[0])

    chunks = application(environ, start_response)
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return seen["status"], json.loads(content)


@pytest.fixture
def keep_the_test_connection(monkeypatch):
    """As Django's test client does: a request's end must not close the test's connection."""
    from django.core import signals
    from django.db import close_old_connections

    from nara.petitions import surge

    monkeypatch.setattr(surge, "_close_if_obsolete", lambda: None)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "who, path, template",
    [
        (None, "/auth/token", "/auth/token"),
        (None, "/complaints", "/complaints"),
        ("citizen", "/complaints", "/complaints"),
        ("handler", "/complaints/{no}/answer", "/complaints/{receipt_no}/answer"),
        (None, "/petitions/{pk}/signatures", "/petitions/{id}/signatures"),
        ("citizen", "/petitions/{pk}/signatures", "/petitions/{id}/signatures"),
    ],
)
def test_a_body_over_2_mb_is_a_declared_413(
    world, moderator, small_type, tokens, keep_the_test_connection, who, path, template
):
    complaint = to_in_progress(world)
    petition = opened(world, small_type, moderator)
    url = path.format(no=complaint.receipt_no, pk=petition.pk)
    status, body = wsgi_post(url, BIG, tokens.get(who))
    assert status == 413
    jsonschema_rs.validate(declared("POST", template, 413), body)
    assert list(body) == ["errors"] and list(body["errors"]) == ["__all__"]


def test_every_operation_declares_the_413(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "413" in operation["responses"], (method, path)
