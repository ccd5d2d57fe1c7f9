"""Disclosure requests through their services: the decision and the objection on approval
lines, third parties, fees, released files and what each persona may do."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from time_machine import travel

from nara.approvals.models import ApprovalLine, LineStatus
from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.disclosure import decisions, fees, selectors, services
from nara.disclosure.models import Delivery, DraftState, Form, Opinion, Outcome, Status
from nara.notifications.models import Notification, OutboxMessage
from tests.disclosure_helpers import decided, file_request, pdf_file

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def events(r) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=selectors.TARGET_TYPE, target_id=str(r.pk))
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def test_a_request_gets_a_number_of_its_year_and_the_requester_is_told(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        first = file_request(world)
        second = file_request(world, by=world.other_citizen)
    assert (first.no, second.no) == ("2026-000001", "2026-000002")
    assert first.agency == world.ministry and first.status == Status.RECEIVED
    assert Notification.objects.filter(user=world.citizen, url=f"/disclosure/{first.no}/").exists()
    assert Notification.objects.filter(user=world.handler).count() == 2
    assert events(first) == [EventType.DISCLOSURE_REQUESTED]


def test_a_retry_with_the_same_key_files_nothing_twice(world):
    one = file_request(world, idempotency_key="k-1")
    assert file_request(world, idempotency_key="k-1") == one


def test_what_is_asked_and_how_are_required(world):
    with pytest.raises(ValidationError) as error:
        file_request(world, title=" ", body="", form="fax", delivery="pigeon")
    assert set(error.value.message_dict) == {"title", "body", "form", "delivery"}


def test_fees_follow_the_table():
    assert fees.fee_for(form=Form.COPY, delivery=Delivery.MAIL, pages=12, grade="partial") == (
        250 + 11 * 50 + 3000
    )
    assert fees.fee_for(form=Form.ELECTRONIC, delivery=Delivery.ONLINE, pages=40, grade="open") == 0
    assert fees.fee_for(form=Form.COPY, delivery=Delivery.IN_PERSON, pages=3, grade="closed") == 0


def test_the_fee_table_is_a_setting(world, settings):
    settings.NARA_DISCLOSURE_FEES = {"electronic": {"first_page": 100, "next_pages": 10}}
    r = decided(world, request=file_request(world))
    assert r.decision.fee == 100 + 11 * 10


def test_grounds_are_required_unless_the_information_is_open(world):
    r = file_request(world)
    for grade, grounds in (("partial", []), ("closed", []), ("open", ["6"]), ("closed", ["99"])):
        with pytest.raises(ValidationError) as error:
            decisions.decision_submit(
                request=r, by=world.handler, grade=grade, grounds=grounds, reasons="Why"
            )
        assert "grounds" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        decisions.decision_submit(
            request=r, by=world.handler, grade="closed", grounds=["4"], reasons="", files=[]
        )
    assert "reasons" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        decisions.decision_submit(
            request=r, by=world.handler, grade="closed", grounds=["4"], reasons="x",
            files=[pdf_file()],
        )  # fmt: skip
    assert "files" in error.value.message_dict


def test_several_grounds_are_kept_in_the_order_of_the_act(world):
    r = decided(world, grade="closed", grounds=("7", "6", "7"))
    assert r.decision.grounds == ["6", "7"]
    assert len(r.decision.ground_labels()) == 2


def test_the_whole_journey_through_the_services(world):
    """Request → transfer → extension → third party → decision returned, resubmitted and
    approved (부분공개) → the file after the third-party wait → objection → its decision."""
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world, unit=world.parks)  # the wrong agency first
    with travel(kst(2026, 9, 22, 10, 0), tick=False):
        r = services.request_transfer(
            request=r, by=world.other_handler, to_unit=world.roads, reason="Roads hold it"
        )
        assert r.due_at == kst(2026, 10, 8, 18, 0)  # 9-22 (1) … 10-08 (10)
        r = services.request_extend(request=r, by=world.handler, days=5, reason="Many files")
        party = services.third_party_notify(
            request=r, by=world.handler, name="Hanil Construction", contact="legal@hanil.example"
        )
    assert OutboxMessage.objects.filter(to_email="legal@hanil.example").exists()
    with travel(kst(2026, 9, 23, 10, 0), tick=False):
        services.third_party_opinion(
            request=r, by=world.handler, party_id=party.pk, opinion=Opinion.OBJECTS,
            text="Our prices are trade secrets.",
        )  # fmt: skip
    with travel(kst(2026, 10, 1, 10, 0), tick=False):
        with pytest.raises(ValidationError) as error:  # disclosed despite the objection: why?
            decisions.decision_submit(
                request=r, by=world.handler, grade="partial", grounds=["7"], reasons="Prices"
            )
        assert "third_party_reasons" in error.value.message_dict
        submit = dict(
            request=r, by=world.handler, grade="partial", grounds=["7"],
            reasons="Unit prices withheld (§9(7)).", pages=12, files=[pdf_file()],
            third_party_reasons="Public money: the totals are in the public interest.",
        )  # fmt: skip
        decisions.decision_submit(**submit)
        with pytest.raises(NotAllowed):  # not the drafter's, nor another unit's approver
            decisions.decision_decide(request=r, by=world.other_approver, approve=True)
        decisions.decision_decide(request=r, by=world.approver, approve=False, comment="Fee?")
        r.refresh_from_db()
        assert r.status == Status.RECEIVED and r.decision.state == DraftState.RETURNED
        decisions.decision_submit(**{**submit, "files": []})
        r = decisions.decision_decide(request=r, by=world.approver, approve=True)
    assert r.status == Status.DECIDED and r.decision.state == DraftState.APPROVED
    assert r.decision.fee == 0  # electronic file, online
    assert r.decision.available_from == kst(2026, 10, 31, 0, 0)  # 30 days after 10-01
    file = r.files.get()
    with travel(kst(2026, 10, 30, 23, 0), tick=False):
        with pytest.raises(Http404):
            selectors.file_for_download(user=world.citizen, r=r, file_id=file.pk)
        assert selectors.file_for_download(user=world.handler, r=r, file_id=file.pk) == file
        with pytest.raises(Http404):
            selectors.file_for_download(user=world.other_citizen, r=r, file_id=file.pk)
    with travel(kst(2026, 10, 31, 9, 0), tick=False):
        assert selectors.file_for_download(user=world.citizen, r=r, file_id=file.pk) == file
        services.file_release(request=r, by=world.citizen, file=file)
        objection = services.objection_file(request=r, by=world.citizen, reasons="Prices too")
        services.objection_extend(request=r, by=world.handler, reason="Council meets")
        with pytest.raises(InvalidTransition):
            services.objection_extend(request=r, by=world.handler, reason="Again")
        decisions.objection_submit(
            request=r, by=world.handler, outcome=Outcome.DISMISSED, reasons="Trade secrets."
        )
        r = decisions.objection_decide(request=r, by=world.approver, approve=True)
    objection.refresh_from_db()
    assert r.status == Status.CLOSED and objection.state == DraftState.APPROVED
    assert objection.due_at == kst(2026, 11, 10, 18, 0)  # Mon 11-02 (1) … Tue 11-10 (7)
    assert events(r) == [
        EventType.DISCLOSURE_REQUESTED,
        EventType.DISCLOSURE_TRANSFERRED,
        EventType.DISCLOSURE_EXTENDED,
        EventType.DISCLOSURE_THIRD_PARTY_NOTIFIED,
        EventType.DISCLOSURE_THIRD_PARTY_OPINION,
        EventType.DISCLOSURE_DECISION_SUBMITTED,
        EventType.DISCLOSURE_DECISION_RETURNED,
        EventType.DISCLOSURE_DECISION_SUBMITTED,
        EventType.DISCLOSURE_DECIDED,
        EventType.DISCLOSURE_RELEASED,
        EventType.DISCLOSURE_OBJECTION_FILED,
        EventType.DISCLOSURE_OBJECTION_EXTENDED,
        EventType.DISCLOSURE_DECISION_SUBMITTED,
        EventType.DISCLOSURE_OBJECTION_DECIDED,
    ]
    kinds = set(ApprovalLine.objects.values_list("kind", "status"))
    assert ("disclosure.objection", LineStatus.APPROVED) in kinds
    assert ("disclosure.decision", LineStatus.RETURNED) in kinds


def test_an_open_decision_cannot_be_objected_to(world):
    r = decided(world, grade="open")
    assert services.objection_until(r) is None
    with pytest.raises(InvalidTransition):
        services.objection_file(request=r, by=world.citizen, reasons="Why not")


def test_a_withdrawal_cancels_the_decisions_line(world):
    r = file_request(world)
    decisions.decision_submit(
        request=r, by=world.handler, grade="closed", grounds=["5"], reasons="In progress"
    )
    services.request_withdraw(request=r, by=world.citizen)
    r.refresh_from_db()
    assert r.status == Status.WITHDRAWN
    assert ApprovalLine.objects.get().status == LineStatus.CANCELLED


def test_an_objection_accepted_releases_its_files(world):
    r = decided(world, grade="closed", grounds=("5",))
    services.objection_file(request=r, by=world.citizen, reasons="It has ended")
    decisions.objection_submit(
        request=r, by=world.handler, outcome=Outcome.ACCEPTED, reasons="It has ended.",
        files=[pdf_file("minutes.pdf")],
    )  # fmt: skip
    decisions.objection_decide(request=r, by=world.approver, approve=True)
    file = r.files.get()
    assert selectors.file_for_download(user=world.citizen, r=r, file_id=file.pk) == file


# --- who may do what ---------------------------------------------------------------------------

ACTIONS = {
    "transfer": lambda r, u, w: services.request_transfer(
        request=r, by=u, to_unit=w.parks, reason="Held there"
    ),
    "extend": lambda r, u, w: services.request_extend(request=r, by=u, days=3, reason="Files"),
    "third_party": lambda r, u, w: services.third_party_notify(
        request=r, by=u, name="Kim", contact="Seoul"
    ),
    "decision": lambda r, u, w: decisions.decision_submit(
        request=r, by=u, grade="open", reasons="", pages=1
    ),
    "withdraw": lambda r, u, w: services.request_withdraw(request=r, by=u),
}
ALLOWED = {
    "transfer": {"handler"},
    "extend": {"handler"},
    "third_party": {"handler"},
    "decision": {"handler"},
    "withdraw": {"citizen"},
}
PERSONAS = ["citizen", "other_citizen", "handler", "approver", "other_handler"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_may_do_only_their_part(world, action, persona):
    r = file_request(world)
    user = getattr(world, persona)
    if persona in ("citizen", "handler", "approver"):
        assert selectors.request_get_visible(user=user, no=r.no) == r
    else:
        with pytest.raises(Http404):
            selectors.request_get_visible(user=user, no=r.no)
    if persona in ALLOWED[action]:
        ACTIONS[action](r, user, world)
    else:
        with pytest.raises(NotAllowed):
            ACTIONS[action](r, user, world)


def test_only_an_approver_of_the_unit_decides_on_the_line(world):
    r = file_request(world)
    decisions.decision_submit(request=r, by=world.handler, grade="open", reasons="", pages=2)
    for user in (world.citizen, world.handler, world.other_approver, world.other_handler):
        with pytest.raises(NotAllowed):
            decisions.decision_decide(request=r, by=user, approve=True)
    decisions.decision_decide(request=r, by=world.approver, approve=True)


def test_the_register_anonymises_and_leaves_out_opted_out_requests(world):
    world.citizen.name = "홍길동"
    world.citizen.save(update_fields=["name"])
    shown = file_request(world, body="홍길동이 요청합니다. 연락처 010-1234-5678")
    file_request(world, title="Private one", published_in_register=False)
    assert list(selectors.register()) == [shown]
    text = selectors.anonymised(shown, shown.body)
    assert "홍길동" not in text and "5678" not in text
    with pytest.raises(Http404):
        selectors.register_entry(no="2099-000001")


def test_the_inbox_puts_overdue_requests_first(world):
    with travel(datetime.now(SEOUL) - timedelta(days=40), tick=False):
        old = file_request(world, title="Old")
    new = file_request(world, title="New")
    decided(world, request=file_request(world, title="Done"))
    rows = list(selectors.inbox(user=world.handler))
    assert [x.title for x in rows] == ["Old", "New", "Done"]
    assert rows[0].is_overdue and not rows[1].is_overdue
    assert list(selectors.inbox(user=world.other_handler)) == []
    assert old != new
