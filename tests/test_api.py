"""The JSON API end to end, its error shapes, and idempotent filing."""

import json
import re

import pyotp
import pytest
from django.test import Client

from nara.accounts.models import ApiToken
from nara.complaints.models import Complaint, Status
from tests.conftest import PASSWORD, TOTP_SECRET
from tests.helpers import file_complaint

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")


def post(path, data, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().post(
        f"/api/v1{path}", data=json.dumps(data), content_type="application/json", headers=headers
    )


def get(path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(f"/api/v1{path}", headers=headers)


def otp_now():
    return pyotp.TOTP(TOTP_SECRET).now()


def test_the_whole_journey_through_the_api(world):
    citizen = post("/auth/token", {"email": world.citizen.email, "password": PASSWORD}).json()[
        "token"
    ]
    response = post(
        "/complaints",
        {
            "kind": "grievance",
            "title": "Pothole on Jong-ro",
            "body": "A deep pothole near the bus stop.",
            "location": {"address": "Jong-ro 1", "latitude": 37.57, "longitude": 126.98},
        },
        citizen,
        **{"Idempotency-Key": "journey-1"},
    )
    assert response.status_code == 201, response.content
    filed = response.json()
    assert set(filed) >= {"receipt_no", "status", "kind", "title", "unit", "received_at", "due_at"}
    assert filed["status"] == "received"
    assert filed["unit"] == {"code": "moi-roads", "name": "도로과"}
    assert ISO_WITH_OFFSET.match(filed["received_at"]) and ISO_WITH_OFFSET.match(filed["due_at"])
    no = filed["receipt_no"]

    handler = post(
        "/auth/token", {"email": world.handler.email, "password": PASSWORD, "otp": otp_now()}
    ).json()["token"]
    inbox = get("/inbox", handler).json()
    assert [c["receipt_no"] for c in inbox["items"]] == [no]
    answered = post(f"/complaints/{no}/answer", {"body": "We will repair it on Friday."}, handler)
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "pending_approval"
    assert get(f"/complaints/{no}", citizen).json()["answer"] is None  # not before approval

    # the approver's TOTP step must differ from the handler's? No: separate users, separate steps.
    approver = post(
        "/auth/token", {"email": world.approver.email, "password": PASSWORD, "otp": otp_now()}
    ).json()["token"]
    approved = post(f"/complaints/{no}/approve", {}, approver)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "answered"

    mine = get(f"/complaints/{no}", citizen).json()
    assert mine["answer"] == "We will repair it on Friday."
    assert ISO_WITH_OFFSET.match(mine["answered_at"])
    rated = post(f"/complaints/{no}/rating", {"rating": 5, "comment": "Quick, thanks"}, citizen)
    assert rated.status_code == 200
    assert rated.json()["status"] == "closed" and rated.json()["rating"] == 5
    assert get("/complaints", citizen).json()["count"] == 1


def test_officials_need_their_totp_code_for_a_token(world):
    assert (
        post("/auth/token", {"email": world.handler.email, "password": PASSWORD}).status_code == 401
    )
    assert (
        post(
            "/auth/token", {"email": world.handler.email, "password": PASSWORD, "otp": "000000"}
        ).status_code
        == 401
    )
    assert (
        post(
            "/auth/token", {"email": world.handler.email, "password": PASSWORD, "otp": otp_now()}
        ).status_code
        == 200
    )


def test_a_wrong_password_gets_401_and_too_many_get_429(world, settings):
    for _ in range(settings.NARA_SIGNIN_BACKOFF["FREE"]):  # then the account waits
        assert (
            post("/auth/token", {"email": world.citizen.email, "password": "nope"}).status_code
            == 401
        )
    assert (
        post("/auth/token", {"email": world.citizen.email, "password": PASSWORD}).status_code == 429
    )


def test_no_token_is_401_and_a_bad_token_is_401(world):
    assert get("/complaints").status_code == 401
    assert get("/complaints", "garbage").status_code == 401
    assert post("/complaints", {"kind": "other", "title": "t", "body": "b"}).status_code == 401


def test_the_units_list_is_public(world):
    units = get("/units").json()
    assert {"code": "moi-roads", "name": "도로과", "parent": "moi"} in units


def test_an_idempotency_key_makes_a_retry_create_one_complaint(world, api_for):
    api = api_for(world.citizen)
    body = {"kind": "proposal", "title": "More benches", "body": "Please add benches in the park."}
    first = api.post("/complaints", body, headers={"Idempotency-Key": "k-1"})
    second = api.post("/complaints", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["receipt_no"] == second.json()["receipt_no"]
    assert Complaint.objects.count() == 1
    # a different key with the same content is a repeat: shown the earlier one first
    third = api.post("/complaints", body, headers={"Idempotency-Key": "k-2"})
    assert third.status_code == 409
    assert third.json()["earlier"]["receipt_no"] == first.json()["receipt_no"]
    fourth = api.post(
        "/complaints", {**body, "confirm_repeat": True}, headers={"Idempotency-Key": "k-2"}
    )
    assert fourth.status_code == 201 and Complaint.objects.count() == 2


def test_the_same_key_from_another_citizen_is_another_complaint(world, api_for):
    body = {"kind": "other", "title": "Streetlight out", "body": "Lamp 12 is dark."}
    a = api_for(world.citizen).post("/complaints", body, headers={"Idempotency-Key": "same"})
    b = api_for(world.other_citizen).post("/complaints", body, headers={"Idempotency-Key": "same"})
    assert a.json()["receipt_no"] != b.json()["receipt_no"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "nonsense", "title": "t", "body": "b"}, "kind"),
        ({"kind": "other", "title": "", "body": "b"}, "title"),
        ({"kind": "other", "title": "x" * 201, "body": "b"}, "title"),
        ({"kind": "other", "title": "t"}, "body"),
        ({"kind": "other", "title": "t\x00", "body": "b"}, "title"),
        ({"kind": "other", "title": "t", "body": "b", "category": "nope"}, "category"),
        (
            {
                "kind": "other",
                "title": "t",
                "body": "b",
                "location": {"latitude": 91, "longitude": 0},
            },
            "location.latitude",
        ),
        ({"kind": "other", "title": "t", "body": "b", "location": {"latitude": 37.5}}, "location"),
        (
            {"kind": "other", "title": "t", "body": "b", "location": {"region": "99999"}},
            "location.region",
        ),
        ({"kind": "other", "title": "t", "body": "b", "unexpected": 1}, "unexpected"),
        ({"kind": ["other"], "title": {"a": 1}, "body": 3}, "kind"),
    ],
)
def test_bad_input_gets_400_with_errors_by_field(world, api_for, body, field):
    response = api_for(world.citizen).post("/complaints", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"x"',
        b"\xff\xfe",
        b'{"kind": "other", "title": "\\u0000", "body": "b"}',
    ],
)
def test_garbage_bodies_never_give_500(world, raw):
    token = ApiToken.issue(world.citizen)
    response = Client().post(
        "/api/v1/complaints",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400, (raw, response.status_code, response.content)


def test_garbage_in_paths_and_queries_never_gives_500(world, api_for):
    api = api_for(world.handler)
    for path, status in [
        ("/complaints/%00", 400),
        ("/complaints/" + "A" * 5000, 404),
        ("/inbox?limit=abc", 400),
        ("/inbox?limit=-5&offset=-1", 400),
        ("/inbox?q=%00", 400),
        ("/complaints?limit=999999999999999999999", 400),
    ]:
        assert api.get(path).status_code == status, path


def test_an_action_in_the_wrong_state_is_409(world, api_for):
    complaint = file_complaint(world)
    response = api_for(world.approver).post(f"/complaints/{complaint.receipt_no}/approve", {})
    assert response.status_code == 409


def test_a_too_large_request_is_413(world, api_for, settings):
    settings.NARA_MAX_REQUEST_BYTES = 1000
    response = api_for(world.citizen).post(
        "/complaints", {"kind": "other", "title": "t", "body": "x" * 2000}
    )
    assert response.status_code == 413


def test_transfer_extend_request_info_reply_and_withdraw_through_the_api(world, api_for):
    complaint = file_complaint(world)
    no = complaint.receipt_no
    handler = api_for(world.handler)
    assert (
        handler.post(f"/complaints/{no}/request-info", {"question": "Which exit?"}).json()["status"]
        == "waiting_citizen"
    )
    citizen = api_for(world.citizen)
    replied = citizen.post(f"/complaints/{no}/reply-info", {"reply": "Exit 3"}).json()
    assert replied["status"] == "in_progress" and replied["info_requests"][0]["reply"] == "Exit 3"
    extended = handler.post(
        f"/complaints/{no}/extend", {"new_due": "2099-01-01", "reason": "Need a survey"}
    )
    assert extended.status_code == 400 and "new_due" in extended.json()["errors"]
    moved = handler.post(
        f"/complaints/{no}/transfer", {"to_unit": "seoul-parks", "reason": "Park road"}
    )
    assert moved.status_code == 200 and moved.json()["unit"]["code"] == "seoul-parks"
    # the first handler no longer sees it
    assert handler.get(f"/complaints/{no}").status_code == 404
    assert citizen.post(f"/complaints/{no}/withdraw", {}).json()["status"] == Status.WITHDRAWN


def test_the_openapi_document_lists_every_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/complaints",
        "/api/v1/complaints/{receipt_no}",
        "/api/v1/units",
        "/api/v1/inbox",
    ]:
        assert path in paths
    for action in [
        "transfer",
        "extend",
        "request-info",
        "answer",
        "approve",
        "return",
        "reply-info",
        "withdraw",
        "rating",
    ]:
        assert f"/api/v1/complaints/{{receipt_no}}/{action}" in paths


def test_a_token_issued_before_becoming_an_official_stops_working(world):
    """Officials must pass TOTP for a token; an older citizen token cannot skip it."""
    from nara.agencies.models import Membership

    complaint = file_complaint(world)
    old_token = ApiToken.issue(world.other_citizen)
    Membership.objects.create(user=world.other_citizen, unit=world.roads, role="handler")
    assert post(f"/complaints/{complaint.receipt_no}/claim", {}, old_token).status_code == 401
    assert get("/complaints", old_token).status_code == 401


def test_paging_parameters_out_of_range_are_400(world, api_for):
    citizen, handler = api_for(world.citizen), api_for(world.handler)
    assert citizen.get("/complaints?offset=99999999999999999999").status_code == 400
    assert citizen.get("/complaints?limit=0").status_code == 400
    assert handler.get("/inbox?offset=-1").status_code == 400
    assert handler.get("/inbox?limit=1000").status_code == 400
    assert handler.get("/inbox?q=" + "x" * 300).status_code == 400


def test_any_idempotency_key_up_to_100_characters_is_kept(world, api_for):
    api = api_for(world.citizen)
    body = {"kind": "other", "title": "Streetlight", "body": "Lamp 7 is dark."}
    key = "k" * 100
    first = api.post("/complaints", body, headers={"Idempotency-Key": key})
    again = api.post("/complaints", body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["receipt_no"] == again.json()["receipt_no"]
    too_long = api.post("/complaints", body, headers={"Idempotency-Key": "k" * 101})
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()["errors"]


def test_read_answers_match_their_declared_schemas(world):
    """The complaint reads are rendered without ninja's validation on the way out
    (api._read): what they send must still be what the OpenAPI document declares."""
    from nara.api import schemas
    from nara.complaints import services

    first = file_complaint(world)
    services.complaint_claim(complaint=first, by=world.handler)
    services.complaint_request_info(complaint=first, by=world.handler, question="Which exit?")
    file_complaint(world, title="Another pothole", parent=first)
    citizen = ApiToken.issue(world.citizen)
    handler = ApiToken.issue(world.handler, two_factor=True)

    listed = get("/complaints", citizen)
    assert listed.status_code == 200
    page = schemas.ComplaintListOut.model_validate(listed.json())
    assert page.count == 2 and {c.parent for c in page.items} == {None, first.receipt_no}
    assert any(c.info_requests and c.info_requests[0].question == "Which exit?" for c in page.items)
    for item in listed.json()["items"]:  # nothing more than declared either
        assert set(item) == set(schemas.ComplaintOut.model_fields)

    one = get(f"/complaints/{first.receipt_no}", citizen)
    assert (
        schemas.ComplaintOut.model_validate(one.json()).info_requests[0].question == "Which exit?"
    )
    assert ISO_WITH_OFFSET.match(one.json()["info_requests"][0]["asked_at"])

    inbox = get("/inbox", handler)
    assert inbox.status_code == 200
    assert schemas.ComplaintListOut.model_validate(inbox.json()).count == 2


def test_lists_read_the_same_queries_however_many_complaints_they_show(world):
    """The API's lists read only the columns they show (selectors.API_FIELDS): a column left
    out that complaint_out reads would cost a query per complaint."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nara.complaints import services

    citizen = ApiToken.issue(world.citizen)
    handler = ApiToken.issue(world.handler, two_factor=True)

    def queries(path, token) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert get(path, token).status_code == 200
        return len(ctx.captured_queries)

    first = file_complaint(world)
    few = queries("/complaints", citizen), queries("/inbox", handler)
    for n in range(4):
        more = file_complaint(world, title=f"Pothole {n}", parent=first)
        services.complaint_claim(complaint=more, by=world.handler)
        services.complaint_request_info(complaint=more, by=world.handler, question="Where?")
    many = queries("/complaints", citizen), queries("/inbox", handler)
    assert many == few
    listed = get("/complaints", citizen).json()["items"]
    assert len(listed) == 5 and sum(bool(c["info_requests"]) for c in listed) == 4


def test_information_requests_of_a_long_list_are_read_in_batches(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nara.complaints import selectors, services

    complaints = [file_complaint(world, title=f"Pothole {n}") for n in range(27)]
    first, last = complaints[0], complaints[-1]
    for c in (first, last):
        services.complaint_claim(complaint=c, by=world.handler)
    services.complaint_request_info(complaint=first, by=world.handler, question="Which exit?")
    services.complaint_reply_info(complaint=first, by=world.citizen, reply="Exit 3.")
    services.complaint_request_info(complaint=first, by=world.handler, question="Since when?")
    services.complaint_request_info(complaint=last, by=world.handler, question="How deep?")
    with CaptureQueriesContext(connection) as ctx:
        asked = selectors.info_requests_of(complaints)
    assert len(ctx.captured_queries) == 2  # 25 complaints, then 2 (padded to 25)
    assert set(asked) == {first.pk, last.pk}
    assert [r.question for r in asked[first.pk]] == ["Which exit?", "Since when?"]
    assert [r.question for r in asked[last.pk]] == ["How deep?"]
    assert selectors.info_requests_of([]) == {}
