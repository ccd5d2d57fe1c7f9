"""The citizen's complaint pages: filing, the complaint page, my complaints."""

import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image

from nara.complaints import answers, services
from nara.complaints.models import Attachment, Complaint, Kind, Status
from nara.core.uploads import CleanFile

from .helpers import file_complaint, to_answered, to_pending_approval

EN = {"Accept-Language": "en"}
FILE_URL = "/complaints/new/"


def make_jpeg() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Secret Phone"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"secret comment", quality=95)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(world, **overrides) -> dict:
    data = {
        "kind": Kind.GRIEVANCE,
        "title": "Pothole on Jong-ro",
        "body": "There is a deep pothole in front of building 12.",
        "category": str(world.roads_category.pk),
        "address": "",
        "latitude": "",
        "longitude": "",
        "sido": "",
        "sigungu": "",
        "token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def detail_url(complaint) -> str:
    return f"/complaints/{complaint.receipt_no}/"


# --- filing -------------------------------------------------------------------------------------


def test_form_lists_kinds_with_their_periods_and_a_token(world, client_for):
    response = client_for(world.citizen, **EN).get(FILE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "7 days" in html and "14 days" in html and "3 working hours" in html
    token = response.context["form"]["token"].value()
    assert str(uuid.UUID(token)) == token
    assert f'value="{token}"' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in html and "multiple" in html
    assert 'name="publish_consent"' in html
    assert 'name="publish_consent" checked' not in html  # private unless the citizen opts in
    assert "<legend>" in html


def test_filing_with_a_photo_routes_and_stores_it_reencoded(world, client_for):
    client = client_for(world.citizen, **EN)
    original = make_jpeg()
    data = form_data(
        world,
        address="Jong-ro 12, Seoul",
        latitude="37.5703591",
        longitude="126.9825",
        publish_consent="on",
    )
    data["attachments"] = [upload("photo of the hole.jpg", original)]
    response = client.post(FILE_URL, data)
    assert response.status_code == 302, response.context["form"].errors
    complaint = Complaint.objects.get()
    assert response["Location"] == detail_url(complaint)
    assert complaint.citizen == world.citizen
    assert complaint.unit == world.roads and complaint.status == Status.RECEIVED
    assert complaint.publish_consent is True
    assert str(complaint.latitude) == "37.570359" and str(complaint.longitude) == "126.982500"
    attachment = Attachment.objects.get(complaint=complaint)
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert stored != original and b"Secret Phone" not in stored and b"secret comment" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert complaint.receipt_no in html
    assert "Your complaint was received" in html  # the success message with receipt and due date
    assert reverse("complaints:attachment", args=[complaint.receipt_no, attachment.pk]) in html


def test_double_submit_with_the_same_token_files_one_complaint(world, client_for):
    client = client_for(world.citizen)
    data = form_data(world)
    first = client.post(FILE_URL, data)
    second = client.post(FILE_URL, data)
    assert Complaint.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail_url(Complaint.objects.get())


def test_validation_errors_keep_what_was_typed_and_name_the_field(world, client_for):
    client = client_for(world.citizen, **EN)
    data = form_data(world, title="", body="My carefully written text", address="Main st 1")
    response = client.post(FILE_URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "My carefully written text" in html and 'value="Main st 1"' in html
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#id_title"' in html and "Write a title." in html
    assert 'id="id_title_error"' in html and 'aria-invalid="true"' in html
    assert f'value="{data["token"]}"' in html  # the same token, so a fixed resubmission is one
    assert Complaint.objects.count() == 0


def test_an_exe_named_jpg_is_refused_on_the_attachments_field(world, client_for):
    client = client_for(world.citizen, **EN)
    data = form_data(world)
    data["attachments"] = [upload("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 200)]
    response = client.post(FILE_URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"]
    html = response.content.decode()
    assert 'id="id_attachments_error"' in html and "holiday.jpg" in html
    assert "choose your attachments again" in html
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


def test_a_repeat_is_shown_first_and_can_be_filed_anyway(world, client_for):
    earlier = file_complaint(world, title="Pothole on Jong-ro", body="Deep hole at no. 12")
    client = client_for(world.citizen, **EN)
    data = form_data(world, title="Pothole on Jong-ro", body="Deep  hole at no. 12 ")
    response = client.post(FILE_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You filed this complaint before" in html
    assert earlier.receipt_no in html and detail_url(earlier) in html
    assert 'name="confirm_repeat"' in html
    assert "Deep  hole at no. 12" in html  # typed text kept
    assert Complaint.objects.count() == 1

    data["confirm_repeat"] = "on"
    response = client.post(FILE_URL, data)
    assert response.status_code == 302
    assert Complaint.objects.count() == 2
    assert response["Location"] != detail_url(earlier)


def test_unconfirmed_email_cannot_file(world, client_for):
    world.citizen.email_confirmed = False
    world.citizen.save(update_fields=["email_confirmed"])
    client = client_for(world.citizen, **EN)
    page = client.get(FILE_URL)
    assert page.status_code == 200
    assert "Confirm your e-mail address first" in page.content.decode()
    assert reverse("accounts:resend_confirmation") in page.content.decode()
    assert "form" not in page.context
    response = client.post(FILE_URL, form_data(world))
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_anonymous_is_sent_to_login(world, client_for):
    complaint = file_complaint(world)
    for url in (FILE_URL, detail_url(complaint), "/complaints/mine/"):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    assert client_for(None).post(FILE_URL, form_data(world)).status_code == 302
    assert Complaint.objects.count() == 1


def test_rate_limit_on_filing(world, client_for, settings):
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "complaint_file": (1, 3600)}
    client = client_for(world.citizen)
    assert client.post(FILE_URL, form_data(world)).status_code == 302
    response = client.post(FILE_URL, form_data(world, title="Another", body="Other text"))
    assert response.status_code == 429
    assert Complaint.objects.count() == 1


def test_coordinates_come_in_pairs_and_in_range(world, client_for):
    client = client_for(world.citizen)
    response = client.post(FILE_URL, form_data(world, latitude="37.5"))
    assert response.status_code == 400
    assert "longitude" in response.context["form"].errors
    response = client.post(FILE_URL, form_data(world, latitude="91", longitude="181"))
    assert set(response.context["form"].errors) == {"latitude", "longitude"}
    assert Complaint.objects.count() == 0


# --- the complaint page ---------------------------------------------------------------------------


def test_complaint_page_shows_the_facts(world, client_for):
    complaint = file_complaint(world, address="Jong-ro 12")
    response = client_for(world.citizen, **EN).get(detail_url(complaint))
    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.receipt_no in html and "Roads Division" in html and "7 days" in html
    assert 'class="status status-received"' in html
    assert "Jong-ro 12" in html and "Filed" in html  # the timeline
    assert '<time datetime="' in html
    assert reverse("complaints:withdraw", args=[complaint.receipt_no]) in html
    assert reverse("complaints:follow_up", args=[complaint.receipt_no]) not in html


def test_complaint_page_is_404_for_another_citizen(world, client_for):
    complaint = file_complaint(world)
    assert client_for(world.other_citizen).get(detail_url(complaint)).status_code == 404
    assert client_for(world.other_handler).get(detail_url(complaint)).status_code == 404
    assert client_for(world.citizen).get("/complaints/NR-000000-XXXXXX/").status_code == 404


def test_officials_are_sent_to_the_office_page(world, client_for):
    complaint = file_complaint(world)
    response = client_for(world.handler).get(detail_url(complaint))
    assert response.status_code == 302
    assert response["Location"] == f"/office/complaints/{complaint.receipt_no}/"


@pytest.mark.parametrize(
    "persona, status",
    [
        ("citizen", 200),
        ("other_citizen", 404),
        ("handler", 200),
        ("approver", 200),
        ("other_handler", 404),
    ],
)
def test_attachment_download_permissions(world, client_for, persona, status):
    complaint = services.complaint_file(
        citizen=world.citizen,
        kind=Kind.GRIEVANCE,
        title="Pothole",
        body="See photo",
        category=world.roads_category,
        attachments=[CleanFile(name="photo.jpg", content_type="image/jpeg", data=b"x")],
    )
    item = complaint.attachments.get()
    url = reverse("complaints:attachment", args=[complaint.receipt_no, item.pk])
    response = client_for(getattr(world, persona)).get(url)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"x"
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "photo.jpg" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
    other = reverse("complaints:attachment", args=[complaint.receipt_no, item.pk + 1000])
    assert client_for(world.citizen).get(other).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_reply_to_a_request_for_information_resumes_handling(world, client_for):
    complaint = file_complaint(world)
    services.complaint_request_info(
        complaint=complaint, by=world.handler, question="Which side of the road is it on?"
    )
    client = client_for(world.citizen, **EN)
    html = client.get(detail_url(complaint)).content.decode()
    assert "Which side of the road is it on?" in html
    assert "Paused while waiting for you" in html
    url = reverse("complaints:reply_info", args=[complaint.receipt_no])
    assert url in html

    empty = client.post(url, {"reply": "   "})
    assert empty.status_code == 400 and "Write your reply." in empty.content.decode()

    response = client.post(url, {"reply": "The northbound side."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.paused_at is None
    assert complaint.info_requests.get().reply == "The northbound side."
    again = client.post(url, {"reply": "Once more"})
    assert again.status_code == 302  # not waiting any more: a message, nothing changes
    assert complaint.info_requests.get().reply == "The northbound side."


def test_withdraw_asks_for_confirmation_first(world, client_for):
    complaint = file_complaint(world)
    client = client_for(world.citizen, **EN)
    url = reverse("complaints:withdraw", args=[complaint.receipt_no])
    page = client.get(url)
    assert page.status_code == 200 and "Withdraw the complaint?" in page.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED
    assert client_for(world.other_citizen).post(url).status_code == 404
    assert client_for(world.handler).post(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.WITHDRAWN


def test_an_answered_complaint_cannot_be_withdrawn(world, client_for):
    complaint = to_answered(world)
    client = client_for(world.citizen, **EN)
    response = client.post(reverse("complaints:withdraw", args=[complaint.receipt_no]))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
    page = client.get(response["Location"]).content.decode()
    assert "This cannot be done in the current state." in page


def test_the_answer_shows_only_once_approved(world, client_for):
    complaint = to_pending_approval(world)
    client = client_for(world.citizen, **EN)
    html = client.get(detail_url(complaint)).content.decode()
    assert "We will repair it this week." not in html  # the draft
    assert reverse("complaints:rate", args=[complaint.receipt_no]) not in html
    answers.complaint_approve(complaint=complaint, by=world.approver)
    html = client.get(detail_url(complaint)).content.decode()
    assert "We will repair it this week." in html
    assert reverse("complaints:rate", args=[complaint.receipt_no]) in html
    assert reverse("complaints:follow_up", args=[complaint.receipt_no]) in html
    assert reverse("complaints:withdraw", args=[complaint.receipt_no]) not in html


def test_rating_the_answer_closes_the_complaint(world, client_for):
    complaint = to_answered(world)
    client = client_for(world.citizen, **EN)
    url = reverse("complaints:rate", args=[complaint.receipt_no])
    bad = client.post(url, {"rating": "9"})
    assert bad.status_code == 400
    assert 'href="#id_rating"' in bad.content.decode()
    response = client.post(url, {"rating": "4", "comment": "Quick, thanks"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.rating == 4
    assert complaint.rating_comment == "Quick, thanks"
    html = client.get(detail_url(complaint)).content.decode()
    assert "4 out of 5" in html and url not in html


def test_a_follow_up_is_linked_to_the_first_complaint(world, client_for):
    first = to_answered(world)
    client = client_for(world.citizen, **EN)
    url = reverse("complaints:follow_up", args=[first.receipt_no])
    page = client.get(url)
    assert page.status_code == 200
    assert first.receipt_no in page.content.decode()
    response = client.post(url, form_data(world, title="Still a hole", body="It came back."))
    assert response.status_code == 302
    follow = Complaint.objects.exclude(pk=first.pk).get()
    assert follow.parent == first
    assert response["Location"] == detail_url(follow)
    html = client.get(detail_url(first)).content.decode()
    assert detail_url(follow) in html
    assert detail_url(first) in client.get(detail_url(follow)).content.decode()


def test_no_follow_up_of_an_open_or_foreign_complaint(world, client_for):
    open_one = file_complaint(world)
    client = client_for(world.citizen)
    url = reverse("complaints:follow_up", args=[open_one.receipt_no])
    assert client.get(url).status_code == 302
    assert client.post(url, form_data(world)).status_code == 302
    answered = to_answered(world, file_complaint(world, title="Second", body="Other"))
    other_url = reverse("complaints:follow_up", args=[answered.receipt_no])
    assert client_for(world.other_citizen).get(other_url).status_code == 404
    assert Complaint.objects.count() == 2


def test_the_timeline_never_shows_notes_nor_officials(world, client_for):
    complaint = file_complaint(world)
    services.complaint_claim(complaint=complaint, by=world.handler)
    services.complaint_add_note(
        complaint=complaint, by=world.handler, body="Internal: the contractor owes us"
    )
    html = client_for(world.citizen, **EN).get(detail_url(complaint)).content.decode()
    assert "the contractor owes us" not in html
    assert "Note added" not in html and "Claimed" not in html
    assert world.handler.name not in html and world.handler.email not in html
    assert "Filed" in html


# --- my complaints --------------------------------------------------------------------------------


def test_my_complaints_lists_only_mine_with_a_status_filter(world, client_for):
    mine = file_complaint(world, title="My pothole")
    answered = to_answered(world, file_complaint(world, title="My answered one", body="b"))
    file_complaint(world, citizen=world.other_citizen, title="Bob's pothole")
    client = client_for(world.citizen, **EN)
    html = client.get("/complaints/mine/").content.decode()
    assert mine.receipt_no in html and answered.receipt_no in html
    assert "Bob's pothole" not in html and "Roads Division" in html
    html = client.get("/complaints/mine/?status=answered").content.decode()
    assert answered.receipt_no in html and mine.receipt_no not in html


def _mine_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/complaints/mine/").status_code == 200
    return len(queries)


def test_my_complaints_query_count_does_not_grow(world, client_for):
    client = client_for(world.citizen)
    for i in range(3):
        file_complaint(world, title=f"Pothole {i}", body=f"Hole {i}")
    few = _mine_queries(client)
    for i in range(3, 30):
        file_complaint(world, title=f"Pothole {i}", body=f"Hole {i}")
    many = _mine_queries(client)
    assert many == few


def test_my_complaints_is_paginated(world, client_for):
    for i in range(23):
        file_complaint(world, title=f"Pothole {i}", body=f"Hole {i}")
    client = client_for(world.citizen)
    first = client.get("/complaints/mine/")
    assert len(first.context["page"].object_list) == 20
    second = client.get("/complaints/mine/?page=2")
    assert len(second.context["page"].object_list) == 3


# --- garbage in, never a 500 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": "bad\x00title"}, "title"),
        ({"body": "bad\x00body"}, "body"),
        ({"title": "x" * 5000}, "title"),
        ({"body": "y" * 100_000}, "body"),
        ({"latitude": "abc", "longitude": "1"}, "latitude"),
        ({"latitude": "nan", "longitude": "inf"}, "latitude"),
        ({"latitude": "1e999", "longitude": "2"}, "latitude"),
        ({"latitude": "-90.5", "longitude": "200"}, "longitude"),
        ({"category": "999999"}, "category"),
        ({"category": "abc"}, "category"),
        ({"category": "\x00"}, "category"),
        ({"sido": "-1"}, "sido"),
        ({"sido": "11", "sigungu": "26110"}, "sigungu"),  # a 구 of Busan under Seoul
        ({"kind": "petition"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"address": "a" * 1000}, "address"),
    ],
)
def test_garbage_form_input_is_a_form_error(world, client_for, overrides, field):
    response = client_for(world.citizen).post(FILE_URL, form_data(world, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Complaint.objects.count() == 0


def test_garbage_token_still_files_once(world, client_for):
    response = client_for(world.citizen).post(FILE_URL, form_data(world, token="\x00" * 300))
    assert response.status_code == 302
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    "url, status",
    [
        ("/complaints/mine/?status=%00&page=%00", 400),  # a NUL: refused
        ("/complaints/mine/?page=999999999999999999999", 200),  # the last page
        ("/complaints/mine/?status=" + "x" * 5000, 200),  # an unknown filter is ignored
        ("/complaints/%00/", 400),
        ("/complaints/" + "A" * 500 + "/", 404),
        ("/complaints/NR-1/attachments/%00/", 400),
        ("/complaints/NR-1/attachments/99999999999999999999999/", 404),
    ],
)
def test_garbage_urls_are_never_a_500(world, client_for, url, status):
    assert client_for(world.citizen).get(url).status_code == status


def test_garbage_posts_on_the_complaint_page(world, client_for):
    complaint = to_answered(world)
    client = client_for(world.citizen)
    rate = reverse("complaints:rate", args=[complaint.receipt_no])
    for data in ({"rating": "\x00"}, {"rating": "x" * 10000}, {"rating": "3", "comment": "\x00"}):
        assert client.post(rate, data).status_code == 400
    reply = reverse("complaints:reply_info", args=[complaint.receipt_no])
    assert client.post(reply, {"reply": "\x00"}).status_code == 302  # wrong state: message
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
