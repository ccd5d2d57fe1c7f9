"""The moderators' pages: who may enter, opening and rejecting a petition, and the bulk
invalidation of signatures, through the real views, forms and services."""

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nara.audit.models import EventType
from nara.petitions import signing
from nara.petitions.models import (
    Petition,
    RejectionReason,
    Signature,
    SignatureInvalidation,
    Status,
)
from tests import petition_helpers
from tests.conftest import login, make_user
from tests.petition_helpers import audited, gathering, in_review, opened, signers

SEOUL = ZoneInfo("Asia/Seoul")
EN = {"Accept-Language": "en"}

# the shared fixtures, used by name
moderator = petition_helpers.moderator
small_type = petition_helpers.small_type


def url(name, petition=None, **kwargs):
    if petition is not None:
        kwargs["pk"] = petition.pk
    return reverse(f"moderation:{name}", kwargs=kwargs or None)


def confirmation(response) -> dict:
    """The fields of the confirmation form, as the browser would send them."""
    html = response.content.decode()
    form = html[html.index('<section class="panel" aria-labelledby="confirm-heading"') :]
    form = form[form.index("<form") : form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.pop("csrfmiddlewaretoken", None)
    return {name: unescape(value) for name, value in fields.items()}


def sign(petition, users, ip=""):
    for user in users:
        signing.petition_sign(petition=petition, by=user, ip=ip)


# --- who may enter --------------------------------------------------------------------------

PERSONAS = ["anonymous", "citizen", "moderator_without_2fa", "moderator", "handler"]
# (url name, method, whose page) — every moderation URL
PAGES = [
    ("queue", "get", None),
    ("open_list", "get", None),
    ("detail", "get", "review"),
    ("open", "post", "review"),
    ("reject", "post", "review"),
    ("signatures", "get", "open"),
    ("signatures", "post", "open"),
]
MODERATOR_STATUS = {"get": 200, "post": 400}  # an empty POST is refused with its form's errors


def client_as(persona, world, moderator):
    client = Client(headers=EN)
    if persona == "anonymous":
        return client
    if persona == "moderator_without_2fa":
        client.force_login(moderator)  # password only: the 2FA step not passed
        return client
    user = {"citizen": world.citizen, "moderator": moderator, "handler": world.handler}[persona]
    return login(client, user)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name,method,target", PAGES)
def test_permission_matrix(world, moderator, small_type, persona, name, method, target):
    petitions = {
        "review": in_review(world, small_type),
        "open": opened(world, small_type, moderator, title="Another petition about parks"),
    }
    client = client_as(persona, world, moderator)
    path = url(name, petitions[target]) if target else url(name)
    response = getattr(client, method)(path)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif persona == "moderator_without_2fa":
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:2fa_verify")
    elif persona == "moderator":
        assert response.status_code == MODERATOR_STATUS[method]
    else:
        assert response.status_code == 404
    if method == "post":  # whoever posted, nothing changed
        assert Petition.objects.get(pk=petitions["review"].pk).status == Status.REVIEW
        assert not SignatureInvalidation.objects.exists()


def test_the_guidelines_are_published(client, world):
    response = client.get(url("guidelines"), headers=EN)
    assert response.status_code == 200
    for label in RejectionReason.labels:
        assert str(label) in response.content.decode()
    assert "Moderation guidelines" in response.content.decode()


def test_the_image_of_a_petition_is_served_to_moderators_only(world, moderator, small_type):
    from nara.petitions.models import PetitionImage

    petition = in_review(world, small_type)
    image = PetitionImage.objects.create(petition=petition, file="petitions/none.png")
    path = url("image", petition, image_id=image.pk)
    assert client_as("citizen", world, moderator).get(path).status_code == 404
    # the file is missing from storage: a 404, never a 500
    assert client_as("moderator", world, moderator).get(path).status_code == 404


def test_unknown_and_absurd_numbers_are_404(world, moderator):
    client = client_as("moderator", world, moderator)
    assert client.get("/moderation/999999/").status_code == 404
    assert client.get("/moderation/99999999999999999999999/").status_code == 404
    assert client.get("/moderation/99999999999999999999999/signatures/").status_code == 404


# --- the queue ---------------------------------------------------------------------------------


def test_queue_lists_petitions_in_review_oldest_first_with_overdue_ones_standing_out(
    world, moderator, small_type
):
    older = in_review(world, small_type, title="Older petition about potholes")
    newer = in_review(world, small_type, title="Newer petition about potholes")
    Petition.objects.filter(pk=older.pk).update(
        review_started_at=timezone.now() - timedelta(days=20),
        review_due_at=timezone.now() - timedelta(days=6),
    )
    gathering(world, small_type, title="Not in the queue yet")
    response = client_as("moderator", world, moderator).get(url("queue"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [older.pk, newer.pk]
    assert response.context["overdue"] == 1
    html = response.content.decode()
    assert html.count('class="card overdue"') == 1
    assert "Past the moderation target" in html
    assert "2 petitions are waiting for review." in html
    assert url("guidelines") in html


def test_queue_reads_a_fixed_number_of_queries(world, moderator, small_type):
    client = client_as("moderator", world, moderator)
    in_review(world, small_type)
    client.get(url("queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("queue"))
    for _ in range(4):
        in_review(world, small_type)
    with CaptureQueriesContext(connection) as more:
        client.get(url("queue"))
    assert len(more) == len(few)


def test_open_list_reaches_the_signatures_page(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    sign(petition, signers(2))
    in_review(world, small_type, title="Still in review")
    response = client_as("moderator", world, moderator).get(url("open_list"))
    rows = list(response.context["page"].object_list)
    assert [p.pk for p in rows] == [petition.pk]
    assert rows[0].live == 2
    assert url("signatures", petition) in response.content.decode()


# --- one petition: open or reject ----------------------------------------------------------------


def test_detail_shows_the_petition_without_the_authors_email_and_routes_the_unit(
    world, moderator, small_type
):
    original = opened(world, small_type, moderator, title="Repair potholes on Sejong-daero")
    petition = in_review(world, small_type, title="Potholes on Sejong-daero again")
    response = client_as("moderator", world, moderator).get(url("detail", petition))
    assert response.status_code == 200
    html = response.content.decode()
    assert petition.body in html
    assert world.citizen.name in html
    assert world.citizen.email not in html
    assert response.context["forms"]["open"].initial["unit"] == world.roads.pk
    assert f'<option value="{world.roads.pk}" selected>' in html
    assert [p.pk for p in response.context["similar"]] == [original.pk]
    assert "reject" in response.context["forms"]


def test_moderator_opens_a_petition_for_the_chosen_unit(world, moderator, small_type):
    petition = in_review(world, small_type)
    client = client_as("moderator", world, moderator)
    response = client.post(url("open", petition), {"open-unit": world.parks.pk})
    assert response.status_code == 302
    assert response["Location"] == url("detail", petition)
    petition.refresh_from_db()
    assert petition.status == Status.OPEN
    assert petition.unit == world.parks
    assert petition.closes_at is not None
    assert audited(petition, EventType.PETITION_OPENED, moderator)
    page = client.get(response["Location"])
    assert "The petition is open for signatures" in page.content.decode()
    assert "open" not in page.context["forms"]


def test_opening_needs_an_active_unit(world, moderator, small_type):
    petition = in_review(world, small_type)
    world.parks.is_active = False
    world.parks.save(update_fields=["is_active"])
    client = client_as("moderator", world, moderator)
    for bad in ("", "abc", str(world.parks.pk), "99999999999999999999"):
        response = client.post(url("open", petition), {"open-unit": bad})
        assert response.status_code == 400
        assert response.context["failed_form"].errors["unit"]
        assert 'class="error-summary"' in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == Status.REVIEW


def test_opening_twice_is_a_clear_conflict(world, moderator, small_type):
    petition = in_review(world, small_type)
    client = client_as("moderator", world, moderator)
    client.post(url("open", petition), {"open-unit": world.roads.pk})
    response = client.post(url("open", petition), {"open-unit": world.parks.pk})
    assert response.status_code == 409
    assert "This cannot be done now" in response.content.decode()
    petition.refresh_from_db()
    assert petition.unit == world.roads


def test_moderator_rejects_with_a_published_reason(world, moderator, small_type):
    petition = in_review(world, small_type)
    response = client_as("moderator", world, moderator).post(
        url("reject", petition),
        {"reject-reason": "personal_data", "reject-text": "It names a neighbour."},
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.REJECTED
    assert petition.rejection_reason == RejectionReason.PERSONAL_DATA
    assert petition.rejection_text == "It names a neighbour."
    assert petition.duplicate_of is None
    assert audited(petition, EventType.PETITION_REJECTED, moderator)


def test_rejecting_needs_a_reason_and_an_explanation_and_keeps_what_was_typed(
    world, moderator, small_type
):
    petition = in_review(world, small_type)
    client = client_as("moderator", world, moderator)
    response = client.post(url("reject", petition), {"reject-reason": "", "reject-text": ""})
    assert response.status_code == 400
    errors = response.context["failed_form"].errors
    assert set(errors) == {"reason", "text"}
    response = client.post(
        url("reject", petition), {"reject-reason": "bogus", "reject-text": "Kept text"}
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == Status.REVIEW


@pytest.mark.parametrize("duplicate", ["", "abc", "999999", "gathering", "self"])
def test_a_duplicate_needs_the_number_of_a_published_original(
    world, moderator, small_type, duplicate
):
    petition = in_review(world, small_type)
    unpublished = gathering(world, small_type, title="Still gathering")
    number = {"gathering": str(unpublished.pk), "self": str(petition.pk)}.get(duplicate, duplicate)
    response = client_as("moderator", world, moderator).post(
        url("reject", petition),
        {
            "reject-reason": "duplicate",
            "reject-text": "Sign the original.",
            "reject-duplicate_of": number,
        },
    )
    assert response.status_code == 400
    assert response.context["failed_form"].errors["duplicate_of"]
    assert f'value="{number}"' in response.content.decode() or not number
    petition.refresh_from_db()
    assert petition.status == Status.REVIEW


def test_a_duplicate_is_rejected_with_a_link_to_the_original(world, moderator, small_type):
    original = opened(world, small_type, moderator, title="The original petition")
    petition = in_review(world, small_type)
    client = client_as("moderator", world, moderator)
    response = client.post(
        url("reject", petition),
        {
            "reject-reason": "duplicate",
            "reject-text": "Sign the original.",
            "reject-duplicate_of": f"#{original.pk}",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.REJECTED
    assert petition.rejection_reason == RejectionReason.DUPLICATE
    assert petition.duplicate_of == original
    page = client.get(url("detail", petition)).content.decode()
    assert url("detail", original) in page


def test_a_petition_still_gathering_may_be_rejected_but_not_opened(world, moderator, small_type):
    petition = gathering(world, small_type)
    client = client_as("moderator", world, moderator)
    response = client.get(url("detail", petition))
    assert set(response.context["forms"]) == {"reject"}
    response = client.post(url("open", petition), {"open-unit": world.roads.pk})
    assert response.status_code == 409


# --- bulk invalidation of signatures ---------------------------------------------------------------


@pytest.fixture
def signed(world, moderator, small_type):
    """An open petition with 4 signatures from 203.0.113.7 (two at bad.example), and 2 from
    elsewhere; thresholds high enough that it stays open."""
    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    sign(petition, signers(2), ip="203.0.113.7")
    sign(
        petition,
        [make_user(f"bot{i}@bad.example") for i in range(2)],
        ip="203.0.113.7",
    )
    sign(petition, signers(2), ip="198.51.100.1")
    return petition


def test_the_preview_counts_what_would_be_invalidated_and_changes_nothing(world, moderator, signed):
    client = client_as("moderator", world, moderator)
    response = client.post(
        url("signatures", signed), {"ip": " 203.0.113.7 ", "reason": "One address, many names"}
    )
    assert response.status_code == 200
    assert response.context["preview"] == 4
    html = response.content.decode()
    assert "Invalidate 4 signatures" in html
    assert 'name="confirm" value="on"' in html
    assert Signature.objects.filter(petition=signed, valid=True).count() == 6
    assert signing.signature_count(signed.pk) == 6

    response = client.post(
        url("signatures", signed),
        {"ip": "203.0.113.7", "email_domain": "@BAD.example", "reason": "Scripted"},
    )
    assert response.context["preview"] == 2


def test_confirming_invalidates_recounts_and_audits(world, moderator, signed):
    client = client_as("moderator", world, moderator)
    data = {"ip": "203.0.113.7", "reason": "One address, many names"}
    preview = client.post(url("signatures", signed), data).context["preview"]
    response = client.post(url("signatures", signed), {**data, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url("signatures", signed)
    valid = Signature.objects.filter(petition=signed, valid=True).count()
    assert valid == 6 - preview == 2
    assert signing.signature_count(signed.pk) == valid
    record = SignatureInvalidation.objects.get(petition=signed)
    assert record.count == preview and record.by == moderator
    assert audited(signed, EventType.PETITION_SIGNATURES_INVALIDATED, moderator)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "4 signatures were invalidated. The count is now 2." in html
    assert page.context["count"] == 2
    assert list(page.context["history"]) == [record]
    assert "203.0.113.7" not in html  # the address is matched, never stored nor shown


def test_invalidating_needs_a_filter_and_a_reason(world, moderator, signed):
    client = client_as("moderator", world, moderator)
    for data in ({"reason": "no filter"}, {"reason": "no filter", "confirm": "on"}):
        response = client.post(url("signatures", signed), data)
        assert response.status_code == 400
        assert response.context["failed_form"].non_field_errors()
        assert "Choose the signatures" in response.content.decode()
    response = client.post(url("signatures", signed), {"email_domain": "bad.example"})
    assert response.status_code == 400
    assert response.context["failed_form"].errors["reason"]
    assert 'value="bad.example"' in response.content.decode()
    assert Signature.objects.filter(petition=signed, valid=True).count() == 6
    assert not SignatureInvalidation.objects.exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"ip": "not-an-ip"}, "ip"),
        ({"email_domain": "no domain"}, "email_domain"),
        ({"since": "yesterday"}, "since"),
        ({"since": "0001-01-01T00:00"}, "since"),  # out of the database's range in UTC
        ({"until": "9999-12-31T23:59"}, "until"),
        ({"since": "2026-04-06T11:00", "until": "2026-04-06T10:00"}, "until"),
    ],
)
def test_bad_filters_are_refused_with_what_was_typed_kept(world, moderator, signed, data, field):
    response = client_as("moderator", world, moderator).post(
        url("signatures", signed), {**data, "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 400
    assert response.context["failed_form"].errors[field]
    for value in data.values():
        assert f'value="{value}"' in response.content.decode()
    assert not SignatureInvalidation.objects.exists()


def test_the_time_window_is_in_local_time(world, moderator, signed):
    signatures = list(Signature.objects.filter(petition=signed).order_by("id"))
    inside = datetime(2026, 4, 6, 10, 30, tzinfo=SEOUL)  # 01:30 UTC
    Signature.objects.filter(pk__in=[s.pk for s in signatures[:3]]).update(created_at=inside)
    Signature.objects.filter(pk__in=[s.pk for s in signatures[3:]]).update(
        created_at=inside + timedelta(hours=2)
    )
    client = client_as("moderator", world, moderator)
    data = {"since": "2026-04-06T10:00", "until": "2026-04-06T11:00", "reason": "A <burst>"}
    preview = client.post(url("signatures", signed), data)
    assert preview.context["preview"] == 3
    assert confirmation(preview) == {**data, "ip": "", "email_domain": "", "confirm": "on"}
    response = client.post(url("signatures", signed), confirmation(preview))
    assert response.status_code == 302
    record = SignatureInvalidation.objects.get()
    assert record.count == 3
    assert record.since == datetime(2026, 4, 6, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert signing.signature_count(signed.pk) == 3


def test_no_signatures_before_a_petition_opens(world, moderator, small_type):
    petition = in_review(world, small_type)
    client = client_as("moderator", world, moderator)
    assert client.get(url("signatures", petition)).status_code == 404


def test_an_answered_petition_keeps_its_history_but_takes_no_new_invalidation(
    world, moderator, signed
):
    Petition.objects.filter(pk=signed.pk).update(status=Status.ANSWERED)
    client = client_as("moderator", world, moderator)
    page = client.get(url("signatures", signed))
    assert page.status_code == 200
    assert not page.context["may_invalidate"]
    response = client.post(url("signatures", signed), {"ip": "203.0.113.7", "reason": "late"})
    assert response.status_code == 409
    assert not SignatureInvalidation.objects.exists()


def test_pages_render_in_korean(world, moderator, signed):
    client = Client()  # Korean, the default language
    client.force_login(moderator)
    session = client.session
    session["nara_2fa_verified"] = True
    session.save()
    review = in_review(world, signed.type, title="In review")
    for path in (
        url("queue"),
        url("open_list"),
        url("guidelines"),
        url("detail", review),
        url("detail", signed),
        url("signatures", signed),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert '<html lang="ko">' in response.content.decode()
