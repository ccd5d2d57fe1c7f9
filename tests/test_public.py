"""The public's pages: published complaints (with consent, personal data masked) and figures."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from nara.complaints import answers, services
from nara.complaints.models import Kind

from .helpers import file_complaint, to_answered

EN = {"Accept-Language": "en"}
SEOUL = ZoneInfo("Asia/Seoul")


def test_only_answered_complaints_with_consent_are_listed(world, client_for):
    published = to_answered(
        world, file_complaint(world, title="Published pothole", publish_consent=True)
    )
    file_complaint(world, title="Open with consent", body="b1", publish_consent=True)
    to_answered(world, file_complaint(world, title="Answered private", body="b2"))
    response = client_for(None, **EN).get("/complaints/public/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Published pothole" in html
    assert reverse("complaints:public_detail", args=[published.receipt_no]) in html
    assert "Open with consent" not in html and "Answered private" not in html


def test_public_search_and_unit_filter(world, client_for):
    to_answered(
        world,
        file_complaint(world, title="Pothole downtown", body="Deep hole", publish_consent=True),
    )
    park = file_complaint(
        world,
        title="Broken park bench",
        body="In the park",
        category=None,
        publish_consent=True,
    )
    assert park.unit == world.parks
    services.complaint_claim(complaint=park, by=world.other_handler)
    answers.complaint_submit_answer(complaint=park, by=world.other_handler, body="Fixed.")
    answers.complaint_approve(complaint=park, by=world.other_approver)

    client = client_for(None, **EN)
    html = client.get("/complaints/public/?q=bench").content.decode()
    assert "Broken park bench" in html and "Pothole downtown" not in html
    html = client.get("/complaints/public/?unit=moi-roads").content.decode()
    assert "Pothole downtown" in html and "Broken park bench" not in html
    html = client.get("/complaints/public/?unit=seoul-parks&q=hole").content.decode()
    assert "Broken park bench" not in html and "Pothole downtown" not in html


def test_public_page_masks_personal_data(world, client_for):
    world.citizen.phone = "02-555-0199"
    world.citizen.save(update_fields=["phone"])
    complaint = file_complaint(
        world,
        title="Pothole reported by Alice",
        body=(
            "Call me on 010-1234-5678 or 02-555-0199, write to alice@example.com. "
            "My number is 900101-1234567, card 1234 5678 9012 3456, car 12가 3456."
        ),
        address="Sejong-daero 209",
        latitude="37.5665",
        longitude="126.978",
        publish_consent=True,
        attachments=[],
    )
    complaint = services.complaint_claim(complaint=complaint, by=world.handler)
    answers.complaint_submit_answer(
        complaint=complaint,
        by=world.handler,
        body="Dear Alice, we called 010-1234-5678. Our desk: roads@gov.example.kr.",
    )
    answers.complaint_approve(complaint=complaint, by=world.approver)

    response = client_for(None, **EN).get(f"/complaints/public/{complaint.receipt_no}/")
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (
        "010-1234-5678",
        "02-555-0199",
        "alice@example.com",
        "roads@gov.example.kr",
        "900101-1234567",
        "1234 5678 9012 3456",
        "12가 3456",
        "Alice",
        world.citizen.email,
        "Sejong-daero 209",
        "37.5665",
        "126.978",
    ):
        assert secret not in html, secret
    assert "***-****-****" in html and "***@***" in html and "******-*******" in html
    assert "Pothole reported by" in html and "we called" in html
    assert "Roads Division" in html and "attachments" not in html


def test_public_page_is_404_without_consent_or_answer(world, client_for):
    private = to_answered(world, file_complaint(world, title="Private", body="p"))
    open_one = file_complaint(world, title="Open", body="o", publish_consent=True)
    client = client_for(None)
    for complaint in (private, open_one):
        assert client.get(f"/complaints/public/{complaint.receipt_no}/").status_code == 404
    assert client.get("/complaints/public/NOPE/").status_code == 404


@pytest.mark.parametrize(
    "url, status",
    [
        ("/complaints/public/?q=%00", 400),  # a NUL: refused
        ("/complaints/public/?q=" + "x" * 5000, 200),
        ("/complaints/public/?unit=%00&page=abc", 400),
        ("/complaints/public/?unit=no-such-unit", 200),  # an unknown filter is ignored
        ("/complaints/public/%00/", 400),
        ("/complaints/figures/?x=%00", 400),
    ],
)
def test_public_pages_never_fail_on_garbage(world, client_for, url, status):
    assert client_for(None).get(url).status_code == status


def test_public_list_is_paginated(world, client_for):
    for i in range(22):
        to_answered(
            world, file_complaint(world, title=f"Hole {i}", body=f"b{i}", publish_consent=True)
        )
    client = client_for(None)
    assert len(client.get("/complaints/public/").context["items"]) == 20
    assert len(client.get("/complaints/public/?page=2").context["items"]) == 2


def _answer(world, complaint, *, rating=None):
    complaint = services.complaint_claim(complaint=complaint, by=world.handler)
    answers.complaint_submit_answer(complaint=complaint, by=world.handler, body="Done.")
    complaint = answers.complaint_approve(complaint=complaint, by=world.approver)
    if rating:
        services.complaint_rate(complaint=complaint, by=world.citizen, rating=rating)
    return complaint


def test_figures_for_a_small_dataset(world, client_for):
    start = datetime(2025, 3, 4, 10, 0, tzinfo=SEOUL)  # a Tuesday, a working day
    with time_machine.travel(start, tick=False):
        on_time = file_complaint(world, title="Pothole A", body="a")  # 7 days
        late = file_complaint(world, title="Pothole B", body="b", kind=Kind.OTHER)  # 3 hours
        file_complaint(world, title="Pothole C", body="c")  # never answered
        file_complaint(world, title="Broken park bench", body="d", category=None)  # parks
    assert late.due_at == datetime(2025, 3, 4, 14, 0, tzinfo=SEOUL)
    with time_machine.travel(datetime(2025, 3, 4, 12, 0, tzinfo=SEOUL), tick=False):
        _answer(world, on_time, rating=5)  # 2 hours
    with time_machine.travel(datetime(2025, 3, 4, 15, 0, tzinfo=SEOUL), tick=False):
        _answer(world, late)  # 5 hours, one hour late

    response = client_for(None, **EN).get("/complaints/figures/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>" in html and '<th scope="col"' in html
    roads = html.split('<th scope="row">Ministry of the Interior</th>')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in roads.split("<td")[1:]]
    assert cells[0] == "3"  # received
    assert cells[1] == "2"  # answered
    assert cells[2] == "50.0%"  # on time
    assert cells[3] == "3.5 hours"  # median of 2 h and 5 h
    assert cells[4] == "5.0"  # satisfaction
    parks = html.split('<th scope="row">Seoul</th>')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in parks.split("<td")[1:]]
    assert cells[0] == "1" and cells[1] == "0"
    assert "no data" in cells[2]


def test_public_search_cannot_be_used_to_guess_masked_data(world, client_for):
    """Searching the originals would tell whether a hidden phone number is in a complaint."""
    complaint = file_complaint(
        world,
        title="Noise at night",
        body="Call me at 010-1234-5678 about the construction noise.",
        publish_consent=True,
    )
    to_answered(world, complaint)
    client = client_for(None)
    listed = client.get(reverse("complaints:public_list"), {"q": "construction noise"})
    assert complaint.receipt_no.encode() in listed.content
    for probe in ("010-1234-5678", "1234-5678", "Alice"):
        response = client.get(reverse("complaints:public_list"), {"q": probe})
        assert complaint.receipt_no.encode() not in response.content, probe
