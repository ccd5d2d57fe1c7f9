"""The officials' back office on the web: the inbox and every handling action, through the
real views, forms and services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nara.agencies.models import Membership
from nara.audit.models import AuditEvent, EventType
from nara.complaints import answers, selectors, services
from nara.complaints.models import AnswerDraft, Complaint, Kind, Note, Status
from nara.core import clock
from tests.helpers import file_complaint, to_in_progress, to_pending_approval

SEOUL = ZoneInfo("Asia/Seoul")
EN = {"Accept-Language": "en"}
MONDAY = datetime(2026, 4, 6, 10, 0, tzinfo=SEOUL)  # no holiday in April 2026


def detail_url(complaint):
    return reverse("office:detail", kwargs={"receipt_no": complaint.receipt_no})


def action_url(name, complaint):
    return reverse(f"office:{name}", kwargs={"receipt_no": complaint.receipt_no})


def audited(complaint, event_type, actor=None) -> bool:
    events = AuditEvent.objects.filter(
        target_type="complaints.complaint", target_id=str(complaint.pk), event_type=event_type
    )
    if actor is not None:
        events = events.filter(actor=actor)
    return events.exists()


def triage_complaint(world):
    return file_complaint(
        world, title="Noise at night", body="Loud music every night.", category=None
    )


def inbox_receipts(response) -> set[str]:
    return {c.receipt_no for c in response.context["page"].object_list}


# --- who may enter --------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(world, client_for):
    complaint = file_complaint(world)
    for url in (reverse("office:inbox"), detail_url(complaint)):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_citizen_gets_404_on_the_office(world, client_for):
    complaint = file_complaint(world)
    client = client_for(world.citizen)
    assert client.get(reverse("office:inbox")).status_code == 404
    # even for their own complaint: the citizen's page is elsewhere
    assert client.get(detail_url(complaint)).status_code == 404


def test_official_without_2fa_in_session_is_sent_to_2fa(world, client):
    client.force_login(world.handler)
    response = client.get(reverse("office:inbox"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:2fa_verify")


def test_official_without_totp_set_up_is_sent_to_2fa_setup(world, client):
    world.handler.totp_confirmed = False
    world.handler.save(update_fields=["totp_confirmed"])
    client.force_login(world.handler)
    response = client.get(detail_url(file_complaint(world)))
    assert response["Location"] == reverse("accounts:2fa_setup")


def test_other_units_handler_gets_404_on_detail(world, client_for):
    complaint = file_complaint(world)
    assert client_for(world.other_handler).get(detail_url(complaint)).status_code == 404
    assert client_for(world.other_approver).get(detail_url(complaint)).status_code == 404


@pytest.mark.parametrize(
    "action",
    [
        "claim",
        "assign",
        "route",
        "transfer",
        "extend",
        "request_info",
        "note",
        "answer",
        "approve",
        "return",
    ],
)
def test_other_units_official_gets_404_on_every_action(world, client_for, action):
    complaint = to_pending_approval(world)
    fresh = file_complaint(world, title="Another pothole", body="Near exit 5.")
    for target in (complaint, fresh):
        for user in (world.other_handler, world.other_approver):
            response = client_for(user).post(
                action_url(action, target), {f"{action}-reason": "x", f"{action}-body": "x"}
            )
            assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert Complaint.objects.get(pk=fresh.pk).status == Status.RECEIVED


def test_unknown_receipt_number_is_404(world, client_for):
    assert client_for(world.handler).get("/office/complaints/NR-000000-XXXXXX/").status_code == 404


def test_actions_refuse_get(world, client_for):
    complaint = file_complaint(world)
    assert client_for(world.handler).get(action_url("claim", complaint)).status_code == 405


# --- the inbox --------------------------------------------------------------------------------


def test_inbox_shows_only_the_officials_units(world, client_for):
    roads = file_complaint(world)
    parks = file_complaint(world, title="Broken bench in the park", body="park", category=None)
    triage = triage_complaint(world)
    assert parks.unit == world.parks and triage.status == Status.TRIAGE

    assert inbox_receipts(client_for(world.handler).get("/office/")) == {roads.receipt_no}
    approver_all = client_for(world.approver).get("/office/", {"status": "open"})
    assert inbox_receipts(approver_all) == {roads.receipt_no}
    assert inbox_receipts(client_for(world.other_handler).get("/office/")) == {parks.receipt_no}
    assert inbox_receipts(client_for(world.operator).get("/office/")) == {triage.receipt_no}

    page = client_for(world.other_handler).get("/office/").content.decode()
    assert roads.receipt_no not in page and parks.receipt_no in page


def test_inbox_filters_by_status_kind_and_search(world, client_for):
    received = file_complaint(world, title="Pothole one", body="first")
    working = to_in_progress(
        world, file_complaint(world, title="Cracked sidewalk", body="second", kind=Kind.PROPOSAL)
    )
    answered = file_complaint(world, title="Pothole three", body="third")
    services.complaint_claim(complaint=answered, by=world.handler)
    answers.complaint_submit_answer(complaint=answered, by=world.handler, body="Fixed.")
    answers.complaint_approve(complaint=answered, by=world.approver)
    client = client_for(world.handler)

    assert inbox_receipts(client.get("/office/")) == {received.receipt_no, working.receipt_no}
    assert inbox_receipts(client.get("/office/", {"status": "in_progress"})) == {working.receipt_no}
    assert inbox_receipts(client.get("/office/", {"status": "answered"})) == {answered.receipt_no}
    assert len(inbox_receipts(client.get("/office/", {"status": "all"}))) == 3
    assert inbox_receipts(client.get("/office/", {"kind": Kind.PROPOSAL})) == {working.receipt_no}
    assert inbox_receipts(client.get("/office/", {"q": "sidewalk"})) == {working.receipt_no}
    assert inbox_receipts(client.get("/office/", {"q": received.receipt_no.lower()})) == {
        received.receipt_no
    }
    assert inbox_receipts(client.get("/office/", {"mine": "on"})) == {working.receipt_no}
    # a made-up filter value does not break the page
    response = client.get("/office/", {"status": "nonsense", "due": "<script>", "kind": "x"})
    assert response.status_code == 200


def test_inbox_filter_keeps_what_was_chosen(world, client_for):
    file_complaint(world)
    page = client_for(world.handler).get("/office/", {"q": "pothole", "due": "week"})
    html = page.content.decode()
    assert 'value="pothole"' in html
    assert '<option value="week" selected>' in html


def test_the_inbox_opens_with_an_empty_filter_form_without_building_one(
    world, client_for, monkeypatch
):
    from nara.complaints import forms_official

    client = client_for(world.handler, **EN)
    first = client.get("/office/").content.decode()  # the fragment may be rendered here
    assert 'name="status"' in first and 'name="q"' in first
    assert "Clear filters" not in first
    built = []
    monkeypatch.setattr(
        forms_official.InboxFilterForm, "__init__", lambda *a, **kw: built.append(1)
    )
    again = client.get("/office/").content.decode()

    def filter_form(html):
        return html.split('class="filters"')[1].split("</form>")[0]

    assert filter_form(again) == filter_form(first)  # the same filter form, remembered
    assert built == []  # and no form built for it
    monkeypatch.undo()
    # the defaults are what an empty form gives
    assert forms_official.InboxFilterForm({}).filters() == forms_official.InboxFilterForm.DEFAULTS


def test_overdue_complaints_stand_out_and_filter(world, client_for):
    with time_machine.travel(MONDAY, tick=False):
        late = file_complaint(world, title="Old pothole", body="old")
    with time_machine.travel(datetime(2026, 4, 14, 9, 0, tzinfo=SEOUL), tick=False):
        fresh = file_complaint(world, title="New pothole", body="new")
    with time_machine.travel(datetime(2026, 4, 15, 9, 0, tzinfo=SEOUL), tick=False):
        client = client_for(world.handler, **EN)
        response = client.get("/office/")
        html = response.content.decode()
        assert html.count('<tr class="overdue') == 1
        row = html.split(late.receipt_no)[0].rsplit("<tr", 1)[1]
        assert "overdue" in row
        assert '<span class="tag-overdue">Overdue</span>' in html
        assert inbox_receipts(client.get("/office/", {"due": "overdue"})) == {late.receipt_no}
        assert fresh.receipt_no in inbox_receipts(client.get("/office/"))
        detail = client.get(detail_url(late)).content.decode()
        assert "Overdue" in detail


def test_waiting_and_flagged_complaints_say_so(world, client_for):
    waiting = to_in_progress(world)
    services.complaint_request_info(complaint=waiting, by=world.handler, question="Where?")
    flagged = file_complaint(world, title="Bounced", body="bounced")
    for to_unit, by in (
        (world.parks, world.handler),
        (world.roads, world.other_handler),
        (world.parks, world.handler),
    ):
        flagged = services.complaint_transfer(
            complaint=flagged, by=by, to_unit=to_unit, reason="Not ours"
        )
    assert flagged.flagged
    html = client_for(world.handler, **EN).get("/office/").content.decode()
    assert "Waiting for citizen" in html
    html = client_for(world.other_handler, **EN).get("/office/").content.decode()
    assert "tag-flagged" in html and "Flagged" in html


def test_inbox_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.handler)
    for i in range(3):
        to_in_progress(world, file_complaint(world, title=f"Pothole {i}", body=f"body {i}"))
    client.get("/office/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/office/").status_code == 200
    for i in range(3, 30):
        to_in_progress(world, file_complaint(world, title=f"Pothole {i}", body=f"body {i}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/office/")
    assert len(response.context["page"].object_list) == 25
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_inbox_is_paginated(world, client_for):
    for i in range(27):
        file_complaint(world, title=f"Pothole {i}", body=f"body {i}")
    client = client_for(world.handler)
    first = client.get("/office/", {"status": "open"})
    second = client.get("/office/", {"status": "open", "page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert "status=open&amp;page=2" in first.content.decode()


def test_inbox_htmx_request_gets_the_results_only(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).get("/office/", {"q": "pothole"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="inbox-results"')
    assert "<html" not in html and complaint.receipt_no in html


# --- the complaint page ---------------------------------------------------------------------


def test_detail_shows_facts_contact_body_and_timeline(world, client_for):
    world.citizen.phone = "010-1234-5678"
    world.citizen.save(update_fields=["phone"])
    complaint = to_in_progress(world)
    services.complaint_add_note(complaint=complaint, by=world.handler, body="Called the crew.")
    html = client_for(world.approver, **EN).get(detail_url(complaint)).content.decode()
    for text in (
        complaint.receipt_no,
        complaint.title,
        "A deep pothole near exit 3.",
        "Alice",
        "alice@example.com",
        "010-1234-5678",
        "Called the crew.",
        "Claimed",
        "Note added",
        "Roads Division",
    ):
        assert text in html, text


def test_operator_on_triage_does_not_see_the_citizens_contact(world, client_for):
    complaint = triage_complaint(world)
    html = client_for(world.operator).get(detail_url(complaint)).content.decode()
    assert "alice@example.com" not in html
    assert action_url("route", complaint) in html


def test_detail_links_attachments_to_the_download_url(world, client_for):
    from nara.core.uploads import CleanFile

    complaint = file_complaint(
        world,
        attachments=[CleanFile(name="scan.pdf", content_type="application/pdf", data=b"%PDF-1.4")],
    )
    attachment = complaint.attachments.get()
    html = client_for(world.handler).get(detail_url(complaint)).content.decode()
    assert f"/complaints/{complaint.receipt_no}/attachments/{attachment.pk}/" in html


def test_action_forms_follow_role_and_state(world, client_for):
    complaint = file_complaint(world)
    handler_forms = set(client_for(world.handler).get(detail_url(complaint)).context["actions"])
    approver_forms = set(client_for(world.approver).get(detail_url(complaint)).context["actions"])
    assert {"claim", "transfer", "extend", "note"} <= handler_forms
    assert not {"assign", "approve", "return", "route"} & handler_forms
    assert {"assign", "transfer", "note"} <= approver_forms
    assert not {"claim", "answer", "extend", "request_info", "route"} & approver_forms
    to_in_progress(world, complaint)
    page = client_for(world.handler).get(detail_url(complaint))
    assert {"transfer", "extend", "request_info", "answer", "note"} <= set(page.context["actions"])
    assert "claim" not in page.context["actions"]
    # less frequent actions are links to pages of their own (one thing per page)
    html = page.content.decode()
    for name in ("transfer", "extend", "request_info"):
        assert action_url(name, complaint) in html
    extend_page = client_for(world.handler).get(action_url("extend", complaint))
    assert extend_page.status_code == 200 and 'type="date"' in extend_page.content.decode()


# --- every action through the web --------------------------------------------------------------


def test_claim(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).post(action_url("claim", complaint))
    assert response.status_code == 302 and response["Location"] == detail_url(complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.handler == world.handler
    assert audited(complaint, EventType.COMPLAINT_CLAIMED, world.handler)


def test_claim_in_the_wrong_state_says_so(world, client_for):
    complaint = to_in_progress(world)
    client = client_for(world.handler, **EN)
    response = client.post(action_url("claim", complaint), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(complaint)
    assert "This cannot be done in the current state." in response.content.decode()


def test_approver_cannot_claim(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.approver).post(action_url("claim", complaint))
    assert response.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == Status.RECEIVED


def test_assign(world, client_for):
    complaint = file_complaint(world)
    page = client_for(world.approver, **EN).get(action_url("assign", complaint)).content.decode()
    assert "Choose…" in page and f'value="{world.handler.pk}"' in page
    response = client_for(world.approver).post(
        action_url("assign", complaint), {"assign-handler": world.handler.pk}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.handler == world.handler
    assert audited(complaint, EventType.COMPLAINT_ASSIGNED, world.approver)


def test_assign_to_someone_outside_the_unit_is_refused(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.approver).post(
        action_url("assign", complaint), {"assign-handler": world.other_handler.pk}
    )
    assert response.status_code == 400
    assert response.context["forms"]["assign"].errors["handler"]
    assert Complaint.objects.get(pk=complaint.pk).handler is None


def test_transfer_with_reason(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).post(
        action_url("transfer", complaint),
        {"transfer-to_unit": world.parks.pk, "transfer-reason": "Parks handle this road."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("office:inbox")  # no longer ours to see
    complaint.refresh_from_db()
    assert complaint.unit == world.parks and complaint.transfer_count == 1
    assert audited(complaint, EventType.COMPLAINT_TRANSFERRED, world.handler)
    assert client_for(world.other_handler).get(detail_url(complaint)).status_code == 200


def test_transfer_without_reason_keeps_the_input(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler, **EN).post(
        action_url("transfer", complaint),
        {"transfer-to_unit": world.parks.pk, "transfer-reason": " "},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the reason for the transfer." in html
    assert 'class="error-summary"' in html and 'href="#id_transfer-reason"' in html
    assert f'<option value="{world.parks.pk}" selected>' in html
    complaint.refresh_from_db()
    assert complaint.unit == world.roads
    assert not audited(complaint, EventType.COMPLAINT_TRANSFERRED)


def test_transfer_to_the_same_unit_is_not_offered(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).post(
        action_url("transfer", complaint),
        {"transfer-to_unit": world.roads.pk, "transfer-reason": "Loop"},
    )
    assert response.status_code == 400
    assert response.context["forms"]["transfer"].errors["to_unit"]


@time_machine.travel(MONDAY, tick=False)
def test_extend_within_the_limit(world, client_for):
    complaint = file_complaint(world)
    assert complaint.due_at == datetime(2026, 4, 14, 18, 0, tzinfo=SEOUL)
    page = client_for(world.handler, **EN).get(action_url("extend", complaint)).content.decode()
    assert "2026-04-23 18:00" in page  # the limit: the period counted once more
    response = client_for(world.handler).post(
        action_url("extend", complaint),
        {"extend-new_due": "2026-04-20", "extend-reason": "Waiting for the contractor."},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.due_at == datetime(2026, 4, 20, 18, 0, tzinfo=SEOUL)
    assert complaint.extension_reason == "Waiting for the contractor."
    assert audited(complaint, EventType.COMPLAINT_EXTENDED, world.handler)
    # only once: the form is gone
    assert "extend" not in client_for(world.handler).get(detail_url(complaint)).context["actions"]


@time_machine.travel(MONDAY, tick=False)
def test_extend_over_the_limit_is_refused_with_the_input_kept(world, client_for):
    complaint = file_complaint(world)
    limit = clock.extension_limit(complaint.due_at, clock.period_for_kind(complaint.kind))
    assert timezone_date(limit) == date(2026, 4, 23)
    response = client_for(world.handler, **EN).post(
        action_url("extend", complaint),
        {"extend-new_due": "2026-04-24", "extend-reason": "Big job."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "may not be longer than the original period" in html
    assert 'value="2026-04-24"' in html and "Big job." in html
    complaint.refresh_from_db()
    assert complaint.extended_at is None
    assert not audited(complaint, EventType.COMPLAINT_EXTENDED)


def test_extend_with_a_bad_date_is_400(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).post(
        action_url("extend", complaint), {"extend-new_due": "not-a-date", "extend-reason": "x"}
    )
    assert response.status_code == 400
    assert response.context["forms"]["extend"].errors["new_due"]


def timezone_date(moment):
    return moment.astimezone(SEOUL).date()


def test_request_info(world, client_for):
    complaint = to_in_progress(world)
    response = client_for(world.handler).post(
        action_url("request_info", complaint), {"request_info-question": "Which exit exactly?"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.WAITING_CITIZEN and complaint.paused_at is not None
    assert complaint.info_requests.get().question == "Which exit exactly?"
    assert audited(complaint, EventType.COMPLAINT_INFO_REQUESTED, world.handler)
    html = client_for(world.handler, **EN).get(detail_url(complaint)).content.decode()
    assert "Which exit exactly?" in html and "waiting for citizen" in html.lower()


def test_add_note(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.approver).post(
        action_url("note", complaint), {"note-body": "Ask the district office."}
    )
    assert response.status_code == 302
    assert Note.objects.get(complaint=complaint).body == "Ask the district office."
    assert audited(complaint, EventType.COMPLAINT_NOTE_ADDED, world.approver)


def test_add_empty_note_is_400(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).post(action_url("note", complaint), {"note-body": ""})
    assert response.status_code == 400
    assert response.context["forms"]["note"].errors["body"]
    assert not Note.objects.exists()


def test_submit_answer(world, client_for):
    complaint = to_in_progress(world)
    response = client_for(world.handler).post(
        action_url("answer", complaint), {"answer-body": "We repaired it on Tuesday."}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert complaint.drafts.get().state == AnswerDraft.State.SUBMITTED
    assert audited(complaint, EventType.COMPLAINT_ANSWER_SUBMITTED, world.handler)


def test_approve(world, client_for):
    complaint = to_pending_approval(world)
    page = client_for(world.approver).get(detail_url(complaint))
    assert "We will repair it this week." in page.content.decode()
    assert {"approve", "return"} <= set(page.context["forms"])
    response = client_for(world.approver).post(action_url("approve", complaint))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
    assert complaint.answer == "We will repair it this week."
    assert audited(complaint, EventType.COMPLAINT_ANSWERED, world.approver)


def test_handler_cannot_approve(world, client_for):
    complaint = to_pending_approval(world)
    assert client_for(world.handler).post(action_url("approve", complaint)).status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == Status.PENDING_APPROVAL


def test_return_with_comment(world, client_for):
    complaint = to_pending_approval(world)
    response = client_for(world.approver).post(
        action_url("return", complaint), {"return-comment": "Give the repair date."}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.drafts.get().return_comment == "Give the repair date."
    assert audited(complaint, EventType.COMPLAINT_ANSWER_RETURNED, world.approver)
    html = client_for(world.handler).get(detail_url(complaint)).content.decode()
    assert "Give the repair date." in html


def test_a_returned_answer_and_the_new_draft_show_together(world, client_for):
    complaint = to_pending_approval(world)
    answers.complaint_return(complaint=complaint, by=world.approver, comment="Too vague.")
    handler = client_for(world.handler, **EN)
    handler.post(action_url("draft", complaint), {"answer-body": "Second try."})
    page = handler.get(detail_url(complaint)).content.decode()
    assert "Too vague." in page  # the returned answer, with the approver's comment
    assert "Second try.</textarea>" in page  # the saved draft, to carry on writing
    # a second return: the page shows the latest one (both drafts read in one query)
    handler.post(action_url("answer", complaint), {"answer-body": "Second try."})
    answers.complaint_return(complaint=complaint, by=world.approver, comment="Date?")
    complaint.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        drafts = selectors.last_answer_drafts(
            complaint, AnswerDraft.State.RETURNED, AnswerDraft.State.DRAFT
        )
    assert len(ctx.captured_queries) == 1
    assert set(drafts) == {AnswerDraft.State.RETURNED}
    assert drafts[AnswerDraft.State.RETURNED].return_comment == "Date?"
    page = handler.get(detail_url(complaint)).content.decode()
    assert "Date?" in page


def test_return_without_comment_is_400(world, client_for):
    complaint = to_pending_approval(world)
    response = client_for(world.approver).post(action_url("return", complaint), {})
    assert response.status_code == 400
    assert Complaint.objects.get(pk=complaint.pk).status == Status.PENDING_APPROVAL


def test_approver_cannot_approve_their_own_answer(world, client_for):
    Membership.objects.create(user=world.approver, unit=world.roads, role=Membership.Role.HANDLER)
    complaint = services.complaint_claim(complaint=file_complaint(world), by=world.approver)
    answers.complaint_submit_answer(complaint=complaint, by=world.approver, body="My answer.")
    client = client_for(world.approver, **EN)
    page = client.get(detail_url(complaint)).content.decode()
    assert "another approver of the unit must approve it" in page
    assert action_url("approve", complaint) not in page
    response = client.post(action_url("approve", complaint))
    assert response.status_code == 403
    assert "approved by someone other than its author" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert not audited(complaint, EventType.COMPLAINT_ANSWERED)


def test_operator_routes_out_of_triage(world, client_for):
    complaint = triage_complaint(world)
    client = client_for(world.operator)
    missing = client.post(action_url("route", complaint), {"route-to_unit": world.roads.pk})
    assert missing.status_code == 400
    response = client.post(
        action_url("route", complaint),
        {"route-to_unit": world.roads.pk, "route-reason": "Street noise is a roads matter."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("office:inbox")  # the operator's part is done
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED and complaint.unit == world.roads
    assert complaint.transfer_count == 0
    assert audited(complaint, EventType.COMPLAINT_ROUTED, world.operator)


def test_handlers_cannot_see_or_route_triage(world, client_for):
    complaint = triage_complaint(world)
    client = client_for(world.handler)
    assert client.get(detail_url(complaint)).status_code == 404
    response = client.post(
        action_url("route", complaint), {"route-to_unit": world.roads.pk, "route-reason": "Mine"}
    )
    assert response.status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == Status.TRIAGE


def test_full_journey_on_the_web(world, client_for):
    complaint = file_complaint(world)
    handler, approver = client_for(world.handler), client_for(world.approver)
    assert handler.post(action_url("claim", complaint)).status_code == 302
    assert handler.post(action_url("note", complaint), {"note-body": "Checked."}).status_code == 302
    assert (
        handler.post(action_url("answer", complaint), {"answer-body": "Repaired."}).status_code
        == 302
    )
    assert approver.post(action_url("approve", complaint)).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED and complaint.answer == "Repaired."
    html = approver.get(detail_url(complaint)).content.decode()
    assert "Repaired." in html
    assert approver.get(detail_url(complaint)).context["actions"] == []


def test_the_pages_of_less_frequent_actions_are_guarded_like_their_forms(world, client_for):
    complaint = file_complaint(world)
    for name in ("transfer", "extend", "request_info"):
        assert client_for(world.handler).get(action_url(name, complaint)).status_code == 200
        assert client_for(world.other_handler).get(action_url(name, complaint)).status_code == 404
        assert client_for(world.citizen).get(action_url(name, complaint)).status_code == 404
    assert client_for(world.approver).get(action_url("assign", complaint)).status_code == 200
    # a handler may not assign: refused with the 403 page, not shown a form
    assert client_for(world.handler).get(action_url("assign", complaint)).status_code == 403
    # inline actions are POST only
    assert client_for(world.handler).get(action_url("claim", complaint)).status_code == 405
    # a transfer with errors comes back on its own page, with what was typed
    response = client_for(world.handler).post(
        action_url("transfer", complaint),
        {"transfer-to_unit": world.parks.pk, "transfer-reason": ""},
    )
    assert response.status_code == 400
    assert response.templates[0].name == "office/action.html"
    assert f'value="{world.parks.pk}" selected' in response.content.decode()


def test_the_handler_saves_a_draft_answer_and_submits_it_later(world, client_for):
    complaint = file_complaint(world)
    handler = client_for(world.handler, **EN)
    draft_url = action_url("draft", complaint)
    assert 'formaction="' + draft_url + '"' in handler.get(detail_url(complaint)).content.decode()
    response = handler.post(draft_url, {"answer-body": "We are checking the site."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED  # saving is not submitting
    assert audited(complaint, EventType.COMPLAINT_ANSWER_DRAFTED, world.handler)
    page = handler.get(detail_url(complaint)).content.decode()
    assert "We are checking the site.</textarea>" in page and "Draft saved by" in page
    # saving again replaces the text; submitting sends that one draft up the approval line
    handler.post(draft_url, {"answer-body": "Repaired on Friday."})
    handler.post(action_url("answer", complaint), {"answer-body": "Repaired on Friday."})
    drafts = list(complaint.drafts.values_list("state", "body"))
    assert drafts == [(AnswerDraft.State.SUBMITTED, "Repaired on Friday.")]
    # the citizen's timeline says nothing of drafts
    citizen_page = client_for(world.citizen, **EN).get(f"/complaints/{complaint.receipt_no}/")
    assert "draft" not in citizen_page.content.decode().lower()


def test_a_draft_needs_text_and_the_right_person(world, client_for):
    complaint = file_complaint(world)
    draft_url = action_url("draft", complaint)
    empty = client_for(world.handler).post(draft_url, {"answer-body": "  "})
    assert empty.status_code == 400 and empty.context["forms"]["answer"].errors["body"]
    assert client_for(world.handler).get(draft_url).status_code == 405
    assert client_for(world.other_handler).post(draft_url, {"answer-body": "x"}).status_code == 404
    assert client_for(world.approver).post(draft_url, {"answer-body": "x"}).status_code == 403
    assert not complaint.drafts.exists()
