"""The officials' inbox as a work list (issue #12): a dense table, the soonest due first, what
is due today marked like what is overdue, other orders on request, and an approver's inbox
opening on the answers that wait for their approval."""

from datetime import datetime

import pytest
import time_machine

from nara.complaints.models import Kind
from tests.helpers import file_complaint, to_answered, to_pending_approval
from tests.test_web_official import EN, SEOUL, inbox_receipts

pytestmark = pytest.mark.django_db


def inbox_order(response) -> list[str]:
    return [c.receipt_no for c in response.context["page"].object_list]


def test_the_inbox_is_a_table_that_marks_what_is_due_today_and_sorts(world, client_for):
    with time_machine.travel(datetime(2026, 4, 14, 9, 0, tzinfo=SEOUL), tick=False):
        other = file_complaint(world, title="Street light", body="dark", kind=Kind.OTHER)  # 3 h
        week = file_complaint(world, title="Pothole", body="deep")  # 7 days
    with time_machine.travel(datetime(2026, 4, 14, 10, 0, tzinfo=SEOUL), tick=False):
        client = client_for(world.handler, **EN)
        html = client.get("/office/").content.decode()
        assert '<table class="inbox-table' in html and '<th scope="col">Due</th>' not in html
        assert 'aria-sort="ascending">Due</th>' in html
        today = html.split(other.receipt_no)[0].rsplit("<tr", 1)[1]
        row = html.split(other.receipt_no, 1)[1].split("</tr>")[0]
        assert 'class="due-today' in today and "Due today" in row
        assert html.count('class="due-today') == 1  # the 7-day one is not
        order = inbox_order(client.get("/office/"))
        assert order == [other.receipt_no, week.receipt_no]  # the soonest due first
        newest = inbox_order(client.get("/office/", {"sort": "-received"}))
        assert newest == [week.receipt_no, other.receipt_no]
        later = client.get("/office/", {"sort": "-due"}).content.decode()
        assert 'aria-sort="descending">Due</th>' in later


def test_an_approvers_inbox_opens_on_what_waits_for_approval(world, client_for):
    open_one = file_complaint(world, title="Open one", body="x")
    waiting = to_pending_approval(world)
    client = client_for(world.approver, **EN)
    assert inbox_receipts(client.get("/office/")) == {waiting.receipt_no}
    page = client.get("/office/").content.decode()
    assert '<option value="pending_approval" selected>' in page
    everything = inbox_receipts(client.get("/office/", {"status": "open"}))
    assert everything == {waiting.receipt_no, open_one.receipt_no}
    # the next page, or any other order, keeps what an approver's inbox is about
    for query in ({"page": "1"}, {"sort": ""}, {"sort": "-received"}, {"status": "bogus"}):
        assert inbox_receipts(client.get("/office/", query)) == {waiting.receipt_no}, query
    # a handler's opens on everything open, as before
    assert open_one.receipt_no in inbox_receipts(client_for(world.handler).get("/office/"))


def test_only_what_is_still_on_the_clock_is_due_today(world, client_for):
    with time_machine.travel(datetime(2026, 4, 14, 9, 0, tzinfo=SEOUL), tick=False):
        answered = file_complaint(world, title="Street light", body="dark", kind=Kind.OTHER)
        to_answered(world, answered)
    with time_machine.travel(datetime(2026, 4, 14, 10, 0, tzinfo=SEOUL), tick=False):
        html = client_for(world.handler, **EN).get("/office/", {"status": "all"}).content.decode()
    assert answered.receipt_no in html and 'class="due-today' not in html


def test_officials_have_a_workspace_navigation_work_first(world, client_for, moderator):
    """Officials get their own navigation, apart from the citizens' menu: inbox, approvals,
    petitions and proposals to answer; each link opens (the approvals on every step waiting for
    the official, whatever it approves: here a complaint's answer, for its unit's approver)."""
    waiting = to_pending_approval(world)
    client = client_for(world.handler, **EN)
    html = client.get("/").content.decode()
    workspace = html.split('<nav class="workspace"', 1)[1].split("</nav>", 1)[0]
    links = [part.split('"', 1)[0] for part in workspace.split('href="')[1:]]
    labels = ["Inbox", "Approvals", "Petitions to answer", "Proposals to answer"]
    assert [label for label in labels if f">{label}</a>" in workspace] == labels
    assert links[:2] == ["/office/", "/office/approvals/"]
    for link in links:
        assert client.get(link).status_code == 200, link
    approvals = client.get("/office/", {"status": "pending_approval"})
    assert inbox_receipts(approvals) == {waiting.receipt_no}
    worklist = client_for(world.approver, **EN).get("/office/approvals/").content.decode()
    assert (
        waiting.receipt_no in worklist and f"/office/complaints/{waiting.receipt_no}/" in worklist
    )
    assert waiting.receipt_no not in client.get("/office/approvals/").content.decode()  # drafter
    assert '<nav class="workspace"' not in client_for(world.citizen).get("/").content.decode()
    moderating = client_for(moderator, **EN).get("/").content.decode()
    assert ">Participation moderation</a>" in moderating and ">Approvals</a>" not in moderating
