"""The permission matrix: every persona × every API endpoint (POST /auth/token aside, tested in
test_api.py), and the complaint pages on the web (the citizen's and the office's).

For each endpoint the complaint is first brought to a state where the action is allowed for the
right persona, so that every 403 and 404 below comes from permission, never from the state.
Rules the table follows:
- no token → 401 everywhere but the public list of units;
- a complaint's URL is 404 for whoever may not see it: another citizen, a handler or approver of
  another unit, an operator once the complaint has left the triage queue;
- 403 for who sees it but may not act: the citizen on officials' actions, officials on the
  citizen's actions, the handler on approval, the approver on handling (the approver may transfer:
  policies.can_transfer includes the approver's right to assign);
- allowed cells succeed (200/201) and do what they say; refused cells change nothing.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from time_machine import travel

from nara.audit.models import AuditEvent
from nara.complaints.models import Complaint, Status
from nara.core import clock
from tests.states import complaint_in, kst

PERSONAS = (
    "anonymous",
    "owner",
    "other_citizen",
    "handler",
    "other_handler",
    "approver",
    "operator",
)

# fmt: off
# endpoint                 anonymous owner other  handler o.handl approver operator
MATRIX: dict[str, tuple[int, ...]] = {
    "GET /units":              (200,   200,  200,   200,    200,    200,     200),
    "POST /complaints":        (401,   201,  201,   201,    201,    201,     201),
    "GET /complaints":         (401,   200,  200,   200,    200,    200,     200),
    "GET /complaints/{no}":    (401,   200,  404,   200,    404,    200,     404),
    "GET /inbox":              (401,   403,  403,   200,    200,    200,     200),
    "POST claim":              (401,   403,  404,   200,    404,    403,     404),
    "POST transfer":           (401,   403,  404,   200,    404,    200,     404),
    "POST extend":             (401,   403,  404,   200,    404,    403,     404),
    "POST request-info":       (401,   403,  404,   200,    404,    403,     404),
    "POST answer":             (401,   403,  404,   200,    404,    403,     404),
    "POST approve":            (401,   403,  404,   403,    404,    200,     404),
    "POST return":             (401,   403,  404,   403,    404,    200,     404),
    "POST reply-info":         (401,   200,  404,   403,    404,    403,     404),
    "POST withdraw":           (401,   200,  404,   403,    404,    403,     404),
    "POST rating":             (401,   200,  404,   403,    404,    403,     404),
}
# fmt: on


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{no}" is the complaint's receipt number
    state: str | None = None  # the complaint's status before the call (None: no complaint used)
    body: Any = None  # dict, or a function (world, complaint) -> dict
    after: str | None = None  # the complaint's status after an allowed call
    extra: dict = field(default_factory=dict)


def _extend_body(world, complaint):
    new_due = timezone.localtime(clock.add_working_days(complaint.due_at, 1)).date()
    return {"new_due": new_due.isoformat(), "reason": "A site visit is needed."}


ENDPOINTS: dict[str, Endpoint] = {
    "GET /units": Endpoint("GET", "/units"),
    "POST /complaints": Endpoint(
        "POST",
        "/complaints",
        body={"kind": "grievance", "title": "Pothole", "body": "A pothole on Jong-ro."},
    ),
    "GET /complaints": Endpoint("GET", "/complaints", state=Status.RECEIVED),
    "GET /complaints/{no}": Endpoint("GET", "/complaints/{no}", state=Status.RECEIVED),
    "GET /inbox": Endpoint("GET", "/inbox", state=Status.RECEIVED),
    "POST claim": Endpoint(
        "POST", "/complaints/{no}/claim", Status.RECEIVED, {}, Status.IN_PROGRESS
    ),
    "POST transfer": Endpoint(
        "POST",
        "/complaints/{no}/transfer",
        Status.RECEIVED,
        {"to_unit": "seoul-parks", "reason": "The park office is competent."},
        Status.RECEIVED,
    ),
    "POST extend": Endpoint(
        "POST", "/complaints/{no}/extend", Status.RECEIVED, _extend_body, Status.RECEIVED
    ),
    "POST request-info": Endpoint(
        "POST",
        "/complaints/{no}/request-info",
        Status.RECEIVED,
        {"question": "Near which exit?"},
        Status.WAITING_CITIZEN,
    ),
    "POST answer": Endpoint(
        "POST",
        "/complaints/{no}/answer",
        Status.IN_PROGRESS,
        {"body": "We repair it on Friday."},
        Status.PENDING_APPROVAL,
    ),
    "POST approve": Endpoint(
        "POST", "/complaints/{no}/approve", Status.PENDING_APPROVAL, {}, Status.ANSWERED
    ),
    "POST return": Endpoint(
        "POST",
        "/complaints/{no}/return",
        Status.PENDING_APPROVAL,
        {"comment": "Say when."},
        Status.IN_PROGRESS,
    ),
    "POST reply-info": Endpoint(
        "POST",
        "/complaints/{no}/reply-info",
        Status.WAITING_CITIZEN,
        {"reply": "Exit 3."},
        Status.IN_PROGRESS,
    ),
    "POST withdraw": Endpoint(
        "POST", "/complaints/{no}/withdraw", Status.RECEIVED, {}, Status.WITHDRAWN
    ),
    "POST rating": Endpoint(
        "POST",
        "/complaints/{no}/rating",
        Status.ANSWERED,
        {"rating": 4, "comment": "Quick."},
        Status.CLOSED,
    ),
}


def persona_user(world, persona):
    return {
        "anonymous": None,
        "owner": world.citizen,
        "other_citizen": world.other_citizen,
        "handler": world.handler,
        "other_handler": world.other_handler,
        "approver": world.approver,
        "operator": world.operator,
    }[persona]


@pytest.fixture
def monday():
    with travel(kst(2026, 3, 9, 10, 0), tick=False):
        yield


def test_the_matrix_covers_every_endpoint_and_persona():
    assert set(MATRIX) == set(ENDPOINTS)
    assert all(len(row) == len(PERSONAS) for row in MATRIX.values())


def test_the_matrix_covers_every_api_route_but_the_token():
    """The petition routes have their own matrix (tests/test_petitions_api.py), so have the
    disclosure routes (tests/test_disclosure_api.py), the token's
    operations their own tests (tests/test_api_tokens.py: anyone with a token revokes it), the
    public documents' routes theirs (tests/test_documents_open.py: no token, anyone)."""
    from nara.api.api import api

    from .test_disclosure_api import DISCLOSURE_ROUTES
    from .test_documents_open import DOCUMENT_ROUTES
    from .test_petitions_api import PETITION_ROUTES

    schema = api.get_openapi_schema()
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    covered = {(e.method, e.path.replace("{no}", "{receipt_no}")) for e in ENDPOINTS.values()} | {
        ("POST", "/auth/token"),
        ("DELETE", "/auth/token"),
    }
    assert routes == covered | PETITION_ROUTES | DOCUMENT_ROUTES | DISCLOSURE_ROUTES


CELLS = [
    pytest.param(name, persona, MATRIX[name][i], id=f"{name}-as-{persona}")
    for name in MATRIX
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.parametrize(("name", "persona", "expected"), CELLS)
def test_permission_matrix(world, api_for, monday, name, persona, expected):
    endpoint = ENDPOINTS[name]
    complaint = complaint_in(world, endpoint.state) if endpoint.state else None
    path = endpoint.path.replace("{no}", complaint.receipt_no if complaint else "")
    body = endpoint.body(world, complaint) if callable(endpoint.body) else endpoint.body
    audit_before = AuditEvent.objects.count()
    # an answer's approval line records its own events beside the complaint's
    complaint_events = AuditEvent.objects.exclude(target_type="approvals.approvalline")
    complaint_audit_before = complaint_events.count()
    complaints_before = Complaint.objects.count()
    fields_before = Complaint.objects.filter(pk=complaint.pk).values().get() if complaint else None

    client = api_for(persona_user(world, persona))
    if endpoint.method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, body)

    assert response.status_code == expected, response.content
    if expected >= 400:  # refused: nothing changed
        assert AuditEvent.objects.count() == audit_before
        assert Complaint.objects.count() == complaints_before
        if complaint is not None:
            assert Complaint.objects.filter(pk=complaint.pk).values().get() == fields_before
        return

    data = response.json()
    if name == "POST /complaints":
        assert data["status"] == Status.RECEIVED
        filed = Complaint.objects.get(receipt_no=data["receipt_no"])
        assert filed.citizen == persona_user(world, persona)
    elif name == "GET /units":
        assert {u["code"] for u in data} >= {"moi", "moi-roads", "seoul", "seoul-parks"}
    elif name == "GET /complaints":
        listed = [c["receipt_no"] for c in data["items"]]
        assert listed == ([complaint.receipt_no] if persona == "owner" else [])
    elif name == "GET /inbox":
        listed = [c["receipt_no"] for c in data["items"]]
        sees = persona in ("handler", "approver")  # of the routed unit
        assert listed == ([complaint.receipt_no] if sees else [])
    elif name == "GET /complaints/{no}":
        assert data["receipt_no"] == complaint.receipt_no
    else:  # an action: it happened
        complaint.refresh_from_db()
        assert data["status"] == complaint.status == endpoint.after
        assert complaint_events.count() == complaint_audit_before + 1  # one, the complaint's
        if name == "POST transfer":
            assert complaint.unit == world.parks
        if name == "POST extend":
            assert data["extended"] is True
        if name == "POST approve":
            assert data["answer"] == "We will repair it this week."


# --- the triage queue: only the operator sees and routes it ------------------------------------

# fmt: off
# endpoint                 anonymous owner other  handler o.handl approver operator
TRIAGE_MATRIX: dict[str, tuple[int, ...]] = {
    "GET /complaints/{no}":    (401,   200,  404,   404,    404,    404,     200),
    "POST route":              (401,   403,  404,   404,    404,    404,     200),
}
# fmt: on


@pytest.mark.parametrize(
    ("name", "persona", "expected"),
    [
        pytest.param(name, persona, TRIAGE_MATRIX[name][i], id=f"triage-{name}-as-{persona}")
        for name in TRIAGE_MATRIX
        for i, persona in enumerate(PERSONAS)
    ],
)
def test_triage_matrix(world, api_for, monday, name, persona, expected):
    complaint = complaint_in(world, Status.TRIAGE)
    client = api_for(persona_user(world, persona))
    if name == "POST route":
        response = client.post(
            f"/complaints/{complaint.receipt_no}/transfer",
            {"to_unit": "moi-roads", "reason": "Noise is for the roads office here."},
        )
    else:
        response = client.get(f"/complaints/{complaint.receipt_no}")
    assert response.status_code == expected, response.content
    complaint.refresh_from_db()
    if name == "POST route" and expected == 200:
        assert complaint.status == Status.RECEIVED and complaint.unit == world.roads
    else:
        assert complaint.status == Status.TRIAGE and complaint.unit is None


def test_the_operator_inbox_holds_the_triage_queue_and_a_handler_inbox_does_not(
    world, api_for, monday
):
    complaint = complaint_in(world, Status.TRIAGE)
    operator = api_for(world.operator).get("/inbox").json()
    handler = api_for(world.handler).get("/inbox").json()
    assert [c["receipt_no"] for c in operator["items"]] == [complaint.receipt_no]
    assert handler["items"] == []


# --- web pages -----------------------------------------------------------------------------------
# The citizen's page sends the officials who may see the complaint to their office page (302);
# the office page is for officials only (anyone else: 404, anonymous: to the login page).

# fmt: off
#                          anonymous owner other  handler o.handl approver operator
CITIZEN_DETAIL =          (302,      200,  404,   302,    404,    302,     404)
CITIZEN_DETAIL_TRIAGE =   (302,      200,  404,   404,    404,    404,     302)
OFFICE_DETAIL =           (302,      404,  404,   200,    404,    200,     404)
OFFICE_DETAIL_TRIAGE =    (302,      404,  404,   404,    404,    404,     200)
# fmt: on

PAGES = {
    "citizen": ("/complaints/{no}/", CITIZEN_DETAIL, CITIZEN_DETAIL_TRIAGE),
    "office": ("/office/complaints/{no}/", OFFICE_DETAIL, OFFICE_DETAIL_TRIAGE),
}


@pytest.mark.parametrize(
    ("page", "persona", "expected", "triage"),
    [
        pytest.param(
            page, p, row[i], triage, id=f"{page}-detail{'-triage' if triage else ''}-as-{p}"
        )
        for page, (_url, plain, in_triage) in PAGES.items()
        for triage, row in ((False, plain), (True, in_triage))
        for i, p in enumerate(PERSONAS)
    ],
)
def test_complaint_page_matrix(world, client_for, monday, page, persona, expected, triage):
    complaint = complaint_in(world, Status.TRIAGE if triage else Status.RECEIVED)
    url = PAGES[page][0].format(no=complaint.receipt_no)
    response = client_for(persona_user(world, persona)).get(url)
    assert response.status_code == expected
    if expected == 302:
        location = response["Location"]
        if persona == "anonymous":
            assert location.startswith("/accounts/login/")
        else:  # an official who may see it is sent to the office page
            assert location == f"/office/complaints/{complaint.receipt_no}/"
    if expected == 200:
        assert complaint.receipt_no in response.content.decode()
