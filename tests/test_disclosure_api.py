"""Information-disclosure requests through the JSON API: the whole journey (request → transfer →
extension → third-party notice → 부분공개 with grounds → the file downloaded → objection → its
decision), every answer as the OpenAPI document declares it; and who may do what."""

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from time_machine import travel

from nara.disclosure import services
from nara.disclosure.models import Status
from tests.conftest import ApiClient
from tests.disclosure_helpers import PDF, decided, file_request
from tests.test_api_contract import assert_keeps_contract

SEOUL = ZoneInfo("Asia/Seoul")
BASE = "/disclosure-requests"
pytestmark = pytest.mark.django_db


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def ok(response, method: str, template: str, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return assert_keeps_contract(response, method, f"{BASE}{template}")


def test_a_whole_journey_through_the_api(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        citizen, other_handler = ApiClient(world.citizen), ApiClient(world.other_handler)
        handler, approver = ApiClient(world.handler), ApiClient(world.approver)
        request = {
            "unit": world.parks.code,
            "title": "Road repair contracts 2025",
            "body": "The contracts for road repairs in 2025, with their prices.",
            "form": "copy",
            "delivery": "online",
        }
        missing = citizen.post(BASE, {**request, "title": "", "form": "fax"})
        assert set(ok(missing, "POST", "", 400)["errors"]) == {"title", "form"}
        body = ok(citizen.post(BASE, request, {"Idempotency-Key": "one"}), "POST", "", 201)
        no = body["no"]
        assert citizen.post(BASE, request, {"Idempotency-Key": "one"}).json()["no"] == no
        assert body["status"] == "received" and body["due_at"].startswith("2026-10-07T18:00")
        assert body["published_in_register"] is True

        # the parks say the roads hold it: 이송, the clock restarts at the ministry
    with travel(kst(2026, 9, 22, 10, 0), tick=False):
        body = ok(
            other_handler.post(
                f"{BASE}/{no}/transfer", {"to_unit": world.roads.code, "reason": "Roads hold it"}
            ),
            "POST",
            "/{no}/transfer",
        )
        assert body["agency"]["code"] == world.ministry.code
        assert body["due_at"].startswith("2026-10-08T18:00")
        assert other_handler.get(f"{BASE}/{no}").status_code == 404  # not theirs any more
        body = ok(
            handler.post(f"{BASE}/{no}/extend", {"days": 10, "reason": "Many contracts"}),
            "POST",
            "/{no}/extend",
        )
        assert body["due_at"].startswith("2026-10-23T18:00")  # 10-09 한글날 skipped
        again = handler.post(f"{BASE}/{no}/extend", {"days": 1, "reason": "Again"})
        assert again.status_code == 409
        body = ok(
            handler.post(
                f"{BASE}/{no}/third-parties", {"name": "Hanil Construction", "contact": "Busan"}
            ),
            "POST",
            "/{no}/third-parties",
        )
        party = body["third_parties"][0]
        assert party["opinion_due_at"].startswith("2026-09-29T00:00")  # 9-25 추석: to Mon 9-28
        assert ok(citizen.get(f"{BASE}/{no}"), "GET", "/{no}")["third_parties"] == []
    with travel(kst(2026, 9, 23, 10, 0), tick=False):
        ok(
            handler.post(
                f"{BASE}/{no}/third-parties/{party['id']}/opinion",
                {"opinion": "objects", "text": "Our unit prices are trade secrets."},
            ),
            "POST",
            "/{no}/third-parties/{party_id}/opinion",
        )

    # the decision: 부분공개 on §9(7), with the file, approved on its line
    with travel(kst(2026, 10, 1, 10, 0), tick=False):
        decision = {
            "grade": "partial",
            "grounds": [],
            "reasons": "Unit prices withheld.",
            "pages": 12,
            "files": [{"name": "contracts.pdf", "content": base64.b64encode(PDF).decode()}],
        }
        refused = handler.post(f"{BASE}/{no}/decision", decision)
        errors = ok(refused, "POST", "/{no}/decision", 400)["errors"]
        assert set(errors) == {"grounds", "third_party_reasons"}
        decision |= {"grounds": ["7"], "third_party_reasons": "The totals are public money."}
        body = ok(handler.post(f"{BASE}/{no}/decision", decision), "POST", "/{no}/decision")
        assert body["status"] == "pending_approval" and body["decision"]["fee"] == 250 + 11 * 50
        assert citizen.get(f"{BASE}/{no}").json()["decision"] is None  # not before approval
        assert handler.post(f"{BASE}/{no}/decision/approve", {}).status_code == 403
        body = ok(
            approver.post(f"{BASE}/{no}/decision/approve", {}), "POST", "/{no}/decision/approve"
        )
        assert body["status"] == "decided"

        body = ok(citizen.get(f"{BASE}/{no}"), "GET", "/{no}")
        assert body["decision"]["grade"] == "partial" and body["decision"]["grounds"] == ["7"]
        assert body["decision"]["available_from"].startswith("2026-10-31T00:00")
        file_id = body["files"][0]["id"]
        early = citizen.get(f"{BASE}/{no}/files/{file_id}")
        assert early.status_code == 404  # the third party's 30 days
        assert handler.get(f"{BASE}/{no}/files/{file_id}").status_code == 200

    with travel(kst(2026, 10, 31, 9, 0), tick=False):
        citizen, handler, approver = (
            ApiClient(world.citizen),
            ApiClient(world.handler),
            ApiClient(world.approver),
        )
        download = citizen.get(f"{BASE}/{no}/files/{file_id}")
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content) == PDF

        body = ok(
            citizen.post(f"{BASE}/{no}/objection", {"reasons": "The prices are public money."}),
            "POST",
            "/{no}/objection",
        )
        assert body["status"] == "objected"
        assert body["objection"]["due_at"].startswith("2026-11-10T18:00")
        ok(
            handler.post(f"{BASE}/{no}/objection/extend", {"reason": "The council meets"}),
            "POST",
            "/{no}/objection/extend",
        )
        ok(
            handler.post(
                f"{BASE}/{no}/objection/decision",
                {"outcome": "dismissed", "reasons": "The unit prices stay withheld."},
            ),
            "POST",
            "/{no}/objection/decision",
        )
        body = ok(
            approver.post(f"{BASE}/{no}/objection/approve", {}), "POST", "/{no}/objection/approve"
        )
        assert body["status"] == Status.CLOSED
        mine = ok(citizen.get(BASE), "GET", "")
        assert mine["count"] == 1 and mine["items"][0]["objection"]["outcome"] == "dismissed"
        inbox = handler.get("/disclosure-inbox")
        assert inbox.status_code == 200 and inbox.json()["count"] == 1


# --- who may do what ---------------------------------------------------------------------------

# (method, path, body, who may: "requester" / "handler" / "approver")
ACTIONS = [
    ("GET", "", None, "viewer"),
    ("POST", "/withdraw", {}, "requester"),
    ("POST", "/transfer", {"to_unit": "seoul-parks", "reason": "Held there"}, "handler"),
    ("POST", "/extend", {"days": 3, "reason": "Many files"}, "handler"),
    ("POST", "/third-parties", {"name": "Kim", "contact": "Seoul"}, "handler"),
    ("POST", "/decision", {"grade": "open", "pages": 1}, "handler"),
    ("POST", "/decision/approve", {}, "approver"),
    ("POST", "/decision/return", {"comment": "Check"}, "approver"),
    ("POST", "/objection", {"reasons": "Why"}, "requester"),
    ("POST", "/objection/extend", {"reason": "Council"}, "handler"),
    ("POST", "/objection/decision", {"outcome": "dismissed", "reasons": "No"}, "handler"),
    ("POST", "/objection/approve", {}, "approver"),
    ("POST", "/objection/return", {"comment": "Check"}, "approver"),
]
PERSONAS = ["anonymous", "citizen", "other_citizen", "handler", "approver", "other_handler"]
ROLE_OF = {"citizen": "requester", "handler": "handler", "approver": "approver"}


@pytest.mark.parametrize("method, path, body, who", ACTIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_action_as_every_persona(world, persona, method, path, body, who):
    r = file_request(world)
    client = ApiClient(None if persona == "anonymous" else getattr(world, persona))
    url = f"{BASE}/{r.no}{path}"
    response = client.get(url) if method == "GET" else client.post(url, body)
    template = "/{no}" + path
    if persona == "anonymous":
        expected = {401}
    elif persona in ("other_citizen", "other_handler"):
        expected = {404}  # never a hint that it exists
    elif who == "viewer" or ROLE_OF[persona] == who:
        expected = {200, 409}  # allowed; 409 where the state does not allow it yet
    else:
        expected = {403}
    assert response.status_code in expected, (persona, path, response.content)
    assert_keeps_contract(response, method, f"{BASE}{template}")


def test_an_unknown_request_is_404_and_the_inbox_is_for_officials(world):
    citizen = ApiClient(world.citizen)
    assert citizen.get(f"{BASE}/2026-999999").status_code == 404
    assert citizen.get("/disclosure-inbox").status_code == 403
    assert ApiClient().get(BASE).status_code == 401


def test_a_file_that_is_not_base64_or_not_a_document_is_a_field_error(world):
    r = file_request(world)
    handler = ApiClient(world.handler)
    bad = {"grade": "open", "files": [{"name": "a.pdf", "content": "%%%"}]}
    response = handler.post(f"{BASE}/{r.no}/decision", bad)
    assert list(ok(response, "POST", "/{no}/decision", 400)["errors"]) == ["files.0.content"]
    exe = base64.b64encode(b"MZ\x90\x00 not a document").decode()
    response = handler.post(
        f"{BASE}/{r.no}/decision",
        {"grade": "open", "files": [{"name": "a.exe", "content": exe}]},
    )
    assert list(ok(response, "POST", "/{no}/decision", 400)["errors"]) == ["files.0"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_files_and_third_party_opinions_as_every_persona(world, persona):
    decided_request = decided(world, grade="open")
    file_id = decided_request.files.get().pk
    undecided = file_request(world)
    party = services.third_party_notify(
        request=undecided, by=world.handler, name="Kim", contact="Seoul"
    )
    client = ApiClient(None if persona == "anonymous" else getattr(world, persona))
    download = client.get(f"{BASE}/{decided_request.no}/files/{file_id}")
    opinion = client.post(
        f"{BASE}/{undecided.no}/third-parties/{party.pk}/opinion", {"opinion": "agrees"}
    )
    expected = {
        "anonymous": (401, 401),
        "citizen": (200, 403),
        "other_citizen": (404, 404),
        "handler": (200, 200),
        "approver": (200, 403),
        "other_handler": (404, 404),
    }[persona]
    assert (download.status_code, opinion.status_code) == expected
    assert_keeps_contract(opinion, "POST", f"{BASE}/{{no}}/third-parties/{{party_id}}/opinion")


DISCLOSURE_ROUTES = {(method, f"{BASE}/{{no}}{path}") for method, path, _body, _who in ACTIONS} | {
    ("POST", BASE),
    ("GET", BASE),
    ("GET", f"{BASE}/{{no}}/files/{{file_id}}"),
    ("POST", f"{BASE}/{{no}}/third-parties/{{party_id}}/opinion"),
    ("GET", "/disclosure-inbox"),
}


def test_the_disclosure_tests_cover_every_disclosure_route():
    """The matrices above, the journey (POST and GET of the list) and the inbox's test."""
    from nara.api.api import api

    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if path.startswith(("/api/v1/disclosure-requests", "/api/v1/disclosure-inbox"))
    }
    assert routes == DISCLOSURE_ROUTES
