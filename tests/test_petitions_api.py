"""The petitions JSON API: public lists and pages, signatures with a token (counted at once) and
without one (a confirmation mail), its refusals (401, 404, 409, 429, 400) and the OpenAPI spec."""

import json
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from time_machine import travel

from nara.accounts.models import ApiToken
from nara.core.models import Region
from nara.notifications.models import OutboxMessage
from nara.petitions import answers, services, signing
from nara.petitions.models import PendingSignature, Signature, Status
from tests.petition_helpers import gathering, in_review, moderator, opened, signers, small_type
from tests.states import kst

__all__ = ["moderator", "small_type"]  # fixtures

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")
SIGNER = {"name": "홍길동", "email": "gildong@example.org", "region": "11110"}


def post(path, data=None, token=None, raw=None, client=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return (client or Client()).post(
        f"/api/v1{path}",
        data=raw if raw is not None else json.dumps(data if data is not None else {}),
        content_type="application/json",
        headers=headers,
    )


def get(path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().get(f"/api/v1{path}", headers=headers)


def token_of(user) -> str:
    return ApiToken.issue(user, two_factor=user.needs_two_factor)


def sign(petition, *people):
    for person in people:
        signing.petition_sign(petition=petition, by=person)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- lists -----------------------------------------------------------------------------------


def test_the_lists_filter_by_status_and_search_in_korean_and_english(world, moderator, small_type):
    potholes = opened(world, small_type, moderator)
    trees = opened(world, small_type, moderator, title="Plant trees in Namsan park")
    korean = opened(world, small_type, moderator, title="세종대로 포트홀을 고쳐 주세요")
    dropped = opened(world, small_type, moderator, title="Rename every street")
    services.petition_reject(
        petition=dropped, by=moderator, reason="out_of_scope", text="Not for the government."
    )
    hidden = gathering(world, small_type, title="Potholes again, still gathering")

    assert set(ids(get("/petitions"))) == {potholes.pk, trees.pk, korean.pk}
    assert set(ids(get("/petitions?status=open"))) == {potholes.pk, trees.pk, korean.pk}
    assert ids(get("/petitions?status=rejected")) == [dropped.pk]
    assert ids(get("/petitions?status=answered")) == []
    assert ids(get("/petitions?q=namsan")) == [trees.pk]
    assert ids(get("/petitions?q=포트홀")) == [korean.pk]
    assert ids(get("/petitions?status=rejected&q=street")) == [dropped.pk]
    assert hidden.pk not in ids(get("/petitions?q=potholes"))
    for name in ("popular", "recent", "awaiting", "closed"):
        assert hidden.pk not in ids(get(f"/petitions?status={name}"))

    sign(trees, *signers(2))
    popular = get("/petitions?status=popular&limit=1").json()
    assert popular["count"] == 3 and len(popular["items"]) == 1
    item = get("/petitions?q=namsan").json()["items"][0]
    assert item["signature_count"] == 2  # live, from the shards
    assert item["unit"] == {"code": "moi-roads", "name": "도로과"}
    assert item["category"] == "roads" and item["status"] == "open"
    assert ISO_WITH_OFFSET.match(item["opened_at"]) and ISO_WITH_OFFSET.match(item["closes_at"])
    assert set(ids(get("/petitions?limit=2"))) | set(ids(get("/petitions?limit=2&offset=2"))) == {
        potholes.pk,
        trees.pk,
        korean.pk,
    }


def test_a_list_takes_the_same_few_queries_however_long(
    world, moderator, small_type, django_assert_max_num_queries
):
    for i in range(4):
        opened(world, small_type, moderator, title=f"Petition number {i}")
    with django_assert_max_num_queries(3):
        assert len(ids(get("/petitions"))) == 4


@pytest.mark.parametrize(
    "query",
    [
        "status=nonsense",
        "status=" + "x" * 5000,
        "q=" + "x" * 201,
        "limit=0",
        "limit=101",
        "limit=abc",
        "offset=-1",
        "offset=99999999999999999999",
    ],
)
def test_bad_list_parameters_are_400(world, query):
    response = get(f"/petitions?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_the_lists_need_no_token_and_ignore_one(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    assert ids(get("/petitions", token=token_of(world.citizen))) == [petition.pk]
    assert get("/petitions?q=%00").status_code == 400


# --- a petition's page -----------------------------------------------------------------------


def test_the_page_has_the_live_count_thresholds_and_times(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    sign(petition, *signers(2))
    response = get(f"/petitions/{petition.pk}")
    assert response.status_code == 200, response.content
    assert "도로과".encode() in response.content  # UTF-8, not \uXXXX escapes
    page = response.json()
    assert page["id"] == petition.pk and page["title"] == petition.title
    assert page["body"] == petition.body and page["status"] == "open"
    assert page["category"] == "roads"
    assert page["unit"] == {"code": "moi-roads", "name": "도로과"}
    assert page["signature_count"] == 2
    assert page["thresholds"] == {"refer": 3, "answer": 5, "supporters": 2}
    assert ISO_WITH_OFFSET.match(page["opened_at"]) and ISO_WITH_OFFSET.match(page["closes_at"])
    assert page["answer_due_at"] is None
    assert page["answer"] is None and page["rejection"] is None


def test_the_answer_appears_once_published(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    sign(petition, *signers(5))  # 3 → referred, 5 → an official answer is due
    page = get(f"/petitions/{petition.pk}").json()
    assert page["status"] == Status.AWAITING_ANSWER and page["signature_count"] == 5
    assert ISO_WITH_OFFSET.match(page["answer_due_at"])
    assert ids(get("/petitions?status=awaiting")) == [petition.pk]

    answers.petition_answer_save(
        petition=petition, by=world.handler, text="We repave it in May.", submit=True
    )
    assert get(f"/petitions/{petition.pk}").json()["answer"] is None  # not before approval
    answers.petition_answer_approve(petition=petition, by=world.approver)
    page = get(f"/petitions/{petition.pk}").json()
    assert page["status"] == Status.ANSWERED
    assert page["answer"]["text"] == "We repave it in May."
    assert ISO_WITH_OFFSET.match(page["answer"]["published_at"])
    assert ids(get("/petitions?status=answered")) == [petition.pk]


def test_a_rejection_is_published_with_its_reason(world, moderator, small_type):
    original = opened(world, small_type, moderator)
    copy = in_review(world, small_type, author=world.other_citizen)
    services.petition_reject(
        petition=copy,
        by=moderator,
        reason="duplicate",
        text="Sign the earlier one instead.",
        duplicate_of=original,
    )
    page = get(f"/petitions/{copy.pk}").json()
    assert page["status"] == "rejected" and page["signature_count"] == 0
    assert page["rejection"] == {
        "reason": "duplicate",
        "text": "Sign the earlier one instead.",
        "duplicate_of": original.pk,
    }


def test_an_unpublished_petition_is_404_but_for_its_author_and_moderators(
    world, moderator, small_type
):
    petition = gathering(world, small_type)
    path = f"/petitions/{petition.pk}"
    assert get(path).status_code == 404
    assert get(path).json()["detail"]
    assert get(path, token_of(world.other_citizen)).status_code == 404
    assert get(path, token_of(world.handler)).status_code == 404  # no agency chosen yet
    assert get(f"{path}/regions").status_code == 404
    assert post(f"{path}/signatures", SIGNER).status_code == 404
    assert post(f"{path}/signatures", token=token_of(world.other_citizen)).status_code == 404
    assert not PendingSignature.objects.exists() and not Signature.objects.exists()

    mine = get(path, token_of(world.citizen))
    assert mine.status_code == 200, mine.content
    assert mine.json()["status"] == "gathering" and mine.json()["signature_count"] == 0
    assert mine.json()["opened_at"] is None
    assert get(path, token_of(moderator)).status_code == 200
    # seen, but not open for signatures: 409
    assert post(f"{path}/signatures", token=token_of(world.citizen)).status_code == 409


@pytest.mark.parametrize(
    "path", ["/petitions/0", "/petitions/-1", "/petitions/99999999999999999999", "/petitions/1"]
)
def test_petitions_that_cannot_exist_are_404(world, path):
    assert get(path).status_code == 404
    assert get(f"{path}/regions").status_code == 404
    assert post(f"{path}/signatures", SIGNER).status_code == 404


@pytest.mark.parametrize("path", ["/petitions/abc", "/petitions/%00", "/petitions/" + "9" * 5000])
def test_garbage_ids_are_400(world, path):
    assert get(path).status_code == 400
    assert post(f"{path}/signatures", SIGNER).status_code == 400


# --- signing with a token ---------------------------------------------------------------------


def test_signing_with_a_token_is_201_then_409(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    token = token_of(world.other_citizen)
    first = post(f"/petitions/{petition.pk}/signatures", token=token)
    assert first.status_code == 201, first.content
    assert first.json() == {"signature_count": 1, "signed": True}
    again = post(f"/petitions/{petition.pk}/signatures", token=token, **{"Accept-Language": "en"})
    assert again.status_code == 409
    assert again.json() == {"errors": {"petition": ["You already signed this petition."]}}
    signature = Signature.objects.get(petition=petition)
    assert signature.user == world.other_citizen
    assert signing.signature_count(petition.pk) == 1
    # an official may sign as a person too; an empty body is fine
    empty = post(f"/petitions/{petition.pk}/signatures", raw=b"", token=token_of(world.handler))
    assert empty.status_code == 201 and empty.json()["signature_count"] == 2


def test_a_token_signer_is_the_same_person_as_their_email(world, moderator, small_type):
    """Signed by e-mail (confirmed) first: the token signature is a repeat."""
    petition = opened(world, small_type, moderator)
    response = post(
        f"/petitions/{petition.pk}/signatures",
        {**SIGNER, "email": world.other_citizen.email.upper()},
    )
    assert response.status_code == 202
    signing.petition_confirm_signature(token=_link_token(world.other_citizen.email.upper()))
    again = post(f"/petitions/{petition.pk}/signatures", token=token_of(world.other_citizen))
    assert again.status_code == 409
    assert signing.signature_count(petition.pk) == 1


def test_a_petition_no_longer_open_is_409(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    services.petition_reject(
        petition=petition, by=moderator, reason="defamation", text="It names a private person."
    )
    response = post(f"/petitions/{petition.pk}/signatures", token=token_of(world.other_citizen))
    assert response.status_code == 409 and response.json()["detail"]
    assert post(f"/petitions/{petition.pk}/signatures", SIGNER).status_code == 409
    assert (
        not Signature.objects.exists()
        and not OutboxMessage.objects.filter(to_email=SIGNER["email"]).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_person_signing_concurrently_through_the_api_counts_once(
    world, moderator, small_type
):
    petition = opened(world, small_type, moderator)
    token = token_of(world.other_citizen)
    n = 8
    barrier = threading.Barrier(n)
    statuses: list = [None] * n

    def run(i):
        try:
            client = Client()
            barrier.wait(timeout=30)
            statuses[i] = post(f"/petitions/{petition.pk}/signatures", token=token, client=client)
            statuses[i] = statuses[i].status_code
        except Exception as error:  # collected, asserted below
            statuses[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * (n - 1), statuses
    assert Signature.objects.filter(petition=petition).count() == 1
    assert signing.signature_count(petition.pk) == 1


# --- signing by e-mail -----------------------------------------------------------------------


def _link_token(email: str) -> str:
    mail = OutboxMessage.objects.filter(to_email=email).latest("id")
    return re.search(r"/petitions/confirm/([^/\s]+)/", mail.body).group(1)


def test_signing_without_a_token_mails_a_confirmation_link(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    response = post(f"/petitions/{petition.pk}/signatures", {**SIGNER, "notify": True})
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "confirmation_sent"}
    mail = OutboxMessage.objects.get(to_email=SIGNER["email"])
    assert "/petitions/confirm/" in mail.body and petition.title in mail.subject
    pending = PendingSignature.objects.get(petition=petition)
    assert (pending.name, pending.region.code, pending.notify) == ("홍길동", "11110", True)
    assert signing.signature_count(petition.pk) == 0  # nothing counts before Confirm

    signing.petition_confirm_signature(token=_link_token(SIGNER["email"]))
    assert get(f"/petitions/{petition.pk}").json()["signature_count"] == 1
    regions = get(f"/petitions/{petition.pk}/regions").json()
    assert regions["items"][0] == {"code": "11", "name": "서울특별시", "count": 1}
    assert len(regions["items"]) == Region.objects.filter(parent=None).count()
    assert regions["unknown"] == 0
    assert all(row["count"] == 0 for row in regions["items"][1:])


def test_a_province_code_is_a_region_too_and_notify_defaults_to_no(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    response = post(f"/petitions/{petition.pk}/signatures", {**SIGNER, "region": "26"})
    assert response.status_code == 202
    pending = PendingSignature.objects.get(petition=petition)
    assert pending.region.code == "26" and pending.notify is False


def test_region_names_follow_the_language(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    english = Client().get(f"/api/v1/petitions/{petition.pk}/regions", HTTP_ACCEPT_LANGUAGE="en")
    names = {row["code"]: row["name"] for row in english.json()["items"]}
    assert names["11"] == "Seoul"


def test_a_disposable_domain_gets_the_same_answer_and_no_mail(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    accepted = post(f"/petitions/{petition.pk}/signatures", SIGNER)
    refused = post(
        f"/petitions/{petition.pk}/signatures", {**SIGNER, "email": "bot@10minutemail.com"}
    )
    assert (refused.status_code, refused.content) == (accepted.status_code, accepted.content)
    assert refused.headers["Content-Type"] == accepted.headers["Content-Type"]
    assert not OutboxMessage.objects.filter(to_email="bot@10minutemail.com").exists()
    assert PendingSignature.objects.filter(petition=petition).count() == 1  # the real one only


@pytest.mark.parametrize("authorization", ["Bearer garbage", "Bearer ", "Basic YTpi", "Token x"])
def test_an_invalid_token_is_401_never_anonymous(world, moderator, small_type, authorization):
    petition = opened(world, small_type, moderator)
    headers = {"Authorization": authorization}
    response = post(f"/petitions/{petition.pk}/signatures", SIGNER, **headers)
    assert response.status_code == 401, response.content
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert get(f"/petitions/{petition.pk}", **headers).status_code == 401
    assert get(f"/petitions/{petition.pk}/regions", **headers).status_code == 401
    assert not PendingSignature.objects.exists()
    assert not OutboxMessage.objects.filter(to_email=SIGNER["email"]).exists()


def test_a_revoked_account_token_is_401(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    token = token_of(world.other_citizen)
    world.other_citizen.is_active = False
    world.other_citizen.save(update_fields=["is_active"])
    assert post(f"/petitions/{petition.pk}/signatures", token=token).status_code == 401
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({**SIGNER, "region": "99999"}, "region"),
        ({**SIGNER, "region": "1111"}, "region"),
        ({**SIGNER, "region": "abc"}, "region"),
        ({**SIGNER, "region": "x" * 11}, "region"),
        ({**SIGNER, "region": ""}, "region"),
        ({"name": "Kim", "email": "kim@example.org"}, "region"),
        ({**SIGNER, "email": "not an address"}, "email"),
        ({**SIGNER, "email": "a@"}, "email"),
        ({**SIGNER, "email": "x" * 250 + "@example.org"}, "email"),
        ({**SIGNER, "name": "   "}, "name"),
        ({**SIGNER, "name": "x" * 101}, "name"),
        ({**SIGNER, "name": "Kim\x00"}, "name"),
        ({**SIGNER, "name": ["Kim"]}, "name"),
        ({**SIGNER, "notify": "perhaps"}, "notify"),
        ({**SIGNER, "region": 11110}, "region"),
        ({**SIGNER, "extra": 1}, "extra"),
        ({}, "email"),
    ],
)
def test_bad_input_is_400_by_field_and_nothing_is_sent(world, moderator, small_type, body, field):
    petition = opened(world, small_type, moderator)
    response = post(f"/petitions/{petition.pk}/signatures", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert (
        not PendingSignature.objects.exists()
        and not OutboxMessage.objects.filter(to_email__contains="@example.org").exists()
    )


def test_the_errors_are_localized(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    response = Client().post(
        f"/api/v1/petitions/{petition.pk}/signatures",
        data=json.dumps({**SIGNER, "region": "99999"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json() == {"errors": {"region": ["Unknown region."]}}


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"name": "\\u0000"}', b"1e999"]
)
def test_garbage_bodies_never_give_500(world, moderator, small_type, raw):
    petition = opened(world, small_type, moderator)
    response = post(f"/petitions/{petition.pk}/signatures", raw=raw)
    assert response.status_code == 400, (raw, response.status_code, response.content)


def test_a_huge_body_is_refused_before_it_is_read(world, moderator, small_type, settings):
    settings.NARA_MAX_REQUEST_BYTES = 1000
    petition = opened(world, small_type, moderator)
    response = post(f"/petitions/{petition.pk}/signatures", {**SIGNER, "name": "x" * 5000})
    assert response.status_code == 413


# --- rate limits -----------------------------------------------------------------------------


def test_too_many_signings_from_one_address_are_429(world, moderator, small_type, settings):
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {
        **settings.NARA_RATE_LIMITS,
        "petition_sign_burst": (3, 60),
        "petition_sign_ip": (100, 3600),
    }
    with travel(kst(2026, 5, 4, 10, 0, 30), tick=False):
        petition = opened(world, small_type, moderator)
        for i in range(3):
            body = {**SIGNER, "email": f"person{i}@example.org"}
            assert post(f"/petitions/{petition.pk}/signatures", body).status_code == 202
        refused = post(f"/petitions/{petition.pk}/signatures", {**SIGNER, "email": "p9@x.org"})
        assert refused.status_code == 429
        assert refused.json()["detail"] == "시도 횟수가 너무 많습니다. 잠시 후 다시 시도하십시오."
        assert not OutboxMessage.objects.filter(to_email="p9@x.org").exists()
        with_token = post(f"/petitions/{petition.pk}/signatures", token=token_of(world.citizen))
        assert with_token.status_code == 429 and not Signature.objects.exists()
        # another address is not held back
        other = Client(REMOTE_ADDR="10.1.2.3")
        assert post(f"/petitions/{petition.pk}/signatures", SIGNER, client=other).status_code == 202


def test_too_many_signings_from_one_mail_domain_are_429(world, moderator, small_type, settings):
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_sign_domain": (2, 600)}

    def from_address(i, email):
        client = Client(REMOTE_ADDR=f"10.0.0.{i}")
        body = {**SIGNER, "email": email}
        return post(f"/petitions/{petition.pk}/signatures", body, client=client).status_code

    with travel(kst(2026, 5, 4, 10, 0, 30), tick=False):
        petition = opened(world, small_type, moderator)
        assert [from_address(i, f"p{i}@bots.example") for i in range(1, 4)] == [202, 202, 429]
        # the big providers are never limited by domain
        assert [from_address(i, f"p{i}@gmail.com") for i in range(4, 8)] == [202] * 4


# --- the permission matrix --------------------------------------------------------------------

PERSONAS = ("anonymous", "author", "other_citizen", "handler", "other_handler", "moderator")

# fmt: off
# method, route, the petition's state                 anonym. author other handler o.handl moder.
PETITION_MATRIX: dict[tuple[str, str, str], tuple[int, ...]] = {
    ("GET",  "/petitions",                 "open"):      (200,  200,  200,  200,   200,   200),
    ("GET",  "/petitions/{id}",            "open"):      (200,  200,  200,  200,   200,   200),
    ("GET",  "/petitions/{id}",            "gathering"): (404,  200,  404,  404,   404,   200),
    ("GET",  "/petitions/{id}/regions",    "open"):      (200,  200,  200,  200,   200,   200),
    ("GET",  "/petitions/{id}/regions",    "gathering"): (404,  200,  404,  404,   404,   200),
    ("POST", "/petitions/{id}/signatures", "open"):      (202,  201,  201,  201,   201,   201),
    ("POST", "/petitions/{id}/signatures", "gathering"): (404,  409,  404,  404,   404,   409),
}
# fmt: on
PETITION_ROUTES = {(method, path) for method, path, _state in PETITION_MATRIX}


def test_the_petition_matrix_covers_every_petition_route():
    from nara.api.api import api

    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if path.startswith("/api/v1/petitions")
    }
    assert routes == PETITION_ROUTES


@pytest.mark.parametrize(
    ("route", "persona", "expected"),
    [
        pytest.param(route, persona, row[i], id=f"{route[0]} {route[1]} ({route[2]})-{persona}")
        for route, row in PETITION_MATRIX.items()
        for i, persona in enumerate(PERSONAS)
    ],
)
def test_petition_permission_matrix(world, moderator, small_type, route, persona, expected):
    method, path, state = route
    if state == "open":
        petition = opened(world, small_type, moderator)
    else:
        petition = gathering(world, small_type)
    user = {
        "anonymous": None,
        "author": world.citizen,
        "other_citizen": world.other_citizen,
        "handler": world.handler,
        "other_handler": world.other_handler,
        "moderator": moderator,
    }[persona]
    token = token_of(user) if user else None
    path = path.replace("{id}", str(petition.pk))
    if method == "GET":
        response = get(path, token)
    else:
        response = post(path, None if user else SIGNER, token)
    assert response.status_code == expected, response.content
    signed = Signature.objects.filter(petition=petition).count()
    assert signed == (1 if expected == 201 else 0)


# --- the spec --------------------------------------------------------------------------------


def test_the_openapi_document_lists_the_petition_paths(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in [
        "/api/v1/petitions",
        "/api/v1/petitions/{id}",
        "/api/v1/petitions/{id}/regions",
        "/api/v1/petitions/{id}/signatures",
    ]:
        assert path in paths, sorted(paths)
    signing = paths["/api/v1/petitions/{id}/signatures"]["post"]
    assert {"201", "202", "400", "401", "404", "409", "429"} <= set(signing["responses"])
    assert {} in signing["security"]  # the token is optional
    assert "security" not in paths["/api/v1/petitions"]["get"]
    listing = {p["name"] for p in paths["/api/v1/petitions"]["get"]["parameters"]}
    assert listing == {"status", "q", "limit", "offset"}


def test_the_answer_waits_on_an_approval_line(world, moderator, small_type):
    """A petition's submitted answer waits on a one-step line of its unit's approvers (the
    approval engine); answers submitted before the engine get their line from the data
    migration, and are approved the same way."""
    import importlib

    from django.apps import apps

    from nara.approvals.models import ApprovalLine, LineStatus

    petition = opened(world, small_type, moderator)
    sign(petition, *signers(5))
    answers.petition_answer_save(petition=petition, by=world.handler, text="May.", submit=True)
    line = ApprovalLine.objects.get(kind=answers.KIND)
    assert (line.drafter, line.subject.petition) == (world.handler, petition)
    assert (line.steps.get().unit, line.steps.get().role) == (world.roads, "approver")
    ApprovalLine.objects.all().delete()  # as it stood before the engine
    migration = importlib.import_module("nara.petitions.migrations.0003_answer_lines")
    migration.give_lines(apps, None)
    migration.give_lines(apps, None)  # once only
    assert ApprovalLine.objects.filter(status=LineStatus.IN_PROGRESS).count() == 1
    answers.petition_answer_approve(petition=petition, by=world.approver)
    assert get(f"/petitions/{petition.pk}").json()["status"] == Status.ANSWERED
    assert ApprovalLine.objects.get().status == LineStatus.APPROVED
