"""The pages of disclosure requests: the requester's form (nothing typed is lost on an error),
their list and request, the officials' inbox and actions, the public register; and who sees
what (404 for the others)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nara.disclosure.models import DisclosureRequest, Status
from tests.disclosure_helpers import PDF, decided, file_request

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}  # the assertions read the English pages


@pytest.fixture
def client_for(client_for):
    return lambda user, **headers: client_for(user, **(EN | headers))


@pytest.fixture
def client():
    from django.test import Client

    return Client(headers=EN)


def test_the_form_keeps_what_was_typed_and_files_the_request(world, client_for):
    client = client_for(world.citizen)
    assert client.get("/disclosure/new/").status_code == 200
    data = {
        "unit": world.roads.pk,
        "title": "",
        "body": "The minutes of the 2025 road safety committee.",
        "form": "electronic",
        "delivery": "online",
        "published_in_register": "on",
    }
    response = client.post("/disclosure/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_title"' in page and "The minutes of the 2025 road safety committee." in page
    response = client.post("/disclosure/new/", {**data, "title": "Road safety minutes"})
    r = DisclosureRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disclosure/{r.no}/"
    page = client.get(f"/disclosure/{r.no}/").content.decode()
    assert r.no in page and "Road safety minutes" in page
    assert "Road safety minutes" in client.get("/disclosure/mine/").content.decode()


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/disclosure/new/")["Location"].startswith("/accounts/login/")
    assert client.get("/disclosure/")["Location"] == "/open/requests/"  # the register


def test_the_section_opens_on_ones_own_requests(world, client_for):
    assert client_for(world.citizen).get("/disclosure/")["Location"] == "/disclosure/mine/"


@pytest.mark.parametrize("persona", ["other_citizen", "other_handler"])
def test_others_get_404(world, client_for, persona):
    r = file_request(world)
    client = client_for(getattr(world, persona))
    assert client.get(f"/disclosure/{r.no}/").status_code == 404
    assert client.get(f"/office/disclosure/{r.no}/").status_code == 404
    assert client.post(f"/office/disclosure/{r.no}/extend/", {}).status_code == 404


def test_a_citizen_has_no_office_pages(world, client_for):
    r = file_request(world)
    client = client_for(world.citizen)
    assert client.get("/office/disclosure/").status_code == 404
    assert client.post(f"/office/disclosure/{r.no}/extend/", {}).status_code == 404


def test_the_official_works_through_the_pages(world, client_for):
    r = file_request(world)
    handler, approver = client_for(world.handler), client_for(world.approver)
    inbox = handler.get("/office/disclosure/").content.decode()
    assert r.no in inbox
    page = handler.get(f"/office/disclosure/{r.no}/").content.decode()
    assert f'action="/office/disclosure/{r.no}/decision/"' in page
    response = handler.post(
        f"/office/disclosure/{r.no}/third-party/",
        {"third_party-name": "Hanil", "third_party-contact": "Busan"},
    )
    assert response.status_code == 302
    party = r.third_parties.get()
    response = handler.post(
        f"/office/disclosure/{r.no}/opinion/",
        {"opinion-party": party.pk, "opinion-opinion": "objects", "opinion-text": ""},
    )
    assert response.status_code == 400  # their reasons are required
    assert 'id="id_opinion-text_error"' in response.content.decode()
    handler.post(
        f"/office/disclosure/{r.no}/opinion/",
        {"opinion-party": party.pk, "opinion-opinion": "agrees", "opinion-text": ""},
    )
    response = handler.post(
        f"/office/disclosure/{r.no}/decision/",
        {
            "decision-grade": "partial",
            "decision-reasons": "Names withheld",
            "decision-pages": "3",
            "decision-files": SimpleUploadedFile("minutes.pdf", PDF),
        },
    )
    assert response.status_code == 400  # no grounds
    assert "Names withheld" in response.content.decode()
    response = handler.post(
        f"/office/disclosure/{r.no}/decision/",
        {
            "decision-grade": "partial",
            "decision-grounds": ["6"],
            "decision-reasons": "Names withheld",
            "decision-pages": "3",
            "decision-files": SimpleUploadedFile("minutes.pdf", PDF),
        },
    )
    assert response.status_code == 302
    assert handler.post(f"/office/disclosure/{r.no}/approve/", {}).status_code == 403
    assert approver.post(f"/office/disclosure/{r.no}/approve/", {}).status_code == 302
    r.refresh_from_db()
    assert r.status == Status.DECIDED
    citizen = client_for(world.citizen)
    page = citizen.get(f"/disclosure/{r.no}/").content.decode()
    assert "§9(6)" in page and "minutes.pdf" in page
    download = citizen.get(f"/disclosure/{r.no}/files/{r.files.get().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert (
        client_for(world.other_citizen)
        .get(f"/disclosure/{r.no}/files/{r.files.get().pk}/")
        .status_code
        == 404
    )


def test_the_register_shows_published_requests_without_the_requester(world, client):
    world.citizen.name = "Alice Kim"
    world.citizen.save(update_fields=["name"])
    shown = decided(world, request=file_request(world, title="Bridge inspections by Alice Kim"))
    hidden = file_request(world, title="My private one", published_in_register=False)
    page = client.get("/open/requests/").content.decode()
    assert shown.no in page and hidden.no not in page and "Alice Kim" not in page
    page = client.get(f"/open/requests/{shown.no}/").content.decode()
    assert "§9(6)" in page and "Alice Kim" not in page
    assert f"/disclosure/{shown.no}/files/" not in page  # the files are the requester's
    assert client.get(f"/open/requests/{hidden.no}/").status_code == 404
    # the register's search reads what it shows: a masked name finds nothing
    assert shown.no in client.get("/open/requests/", {"q": "Bridge"}).content.decode()
    assert shown.no not in client.get("/open/requests/", {"q": "Alice"}).content.decode()
