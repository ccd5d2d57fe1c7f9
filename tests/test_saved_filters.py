"""An official's saved inbox filters (issue #12): saved from the filters in use, listed above
the inbox as links that apply them, deleted after a confirmation, each change audited; nobody
else sees or deletes them."""

import pytest
from django.urls import reverse

from nara.audit.models import AuditEvent, EventType
from nara.complaints.models import SavedFilter
from tests.helpers import file_complaint
from tests.test_web_official import EN, inbox_receipts

pytestmark = pytest.mark.django_db


def test_an_official_saves_the_filters_in_use_and_applies_them_with_one_click(world, client_for):
    mine = file_complaint(world, title="Pothole", body="deep")
    client = client_for(world.handler, **EN)
    page = client.get("/office/", {"status": "all", "q": "Pothole"}).content.decode()
    assert 'class="save-filter"' in page  # offered only when filtered
    assert 'class="save-filter"' not in client.get("/office/").content.decode()

    response = client.post(
        reverse("office:filter_save"),
        {"status": "all", "q": "Pothole", "filter_name": " Potholes  "},
    )
    saved = SavedFilter.objects.get(user=world.handler)
    assert (saved.name, saved.query) == ("Potholes", "q=Pothole&status=all")
    assert response["Location"] == "/office/?q=Pothole&status=all"
    inbox = client.get("/office/").content.decode()
    assert 'href="/office/?q=Pothole&amp;status=all">Potholes</a>' in inbox
    assert inbox_receipts(client.get("/office/?q=Pothole&status=all")) == {mine.receipt_no}
    event = AuditEvent.objects.get(event_type=EventType.USER_FILTER_SAVED)
    assert event.actor == world.handler and event.data["name"] == "Potholes"
    # the same name again replaces its filters
    client.post(reverse("office:filter_save"), {"due": "overdue", "filter_name": "Potholes"})
    assert SavedFilter.objects.get(user=world.handler).query == "due=overdue&status=open"


def test_a_filter_without_a_name_is_not_saved_and_the_page_says_why(world, client_for):
    client = client_for(world.handler, **EN)
    response = client.post(reverse("office:filter_save"), {"status": "all", "filter_name": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<ul class="errorlist" id="filter-name-error"><li>Give the filter a name.' in html
    assert 'aria-invalid="true" aria-describedby="filter-name-error"' in html  # beside the name
    assert '<option value="all" selected>' in html  # the list it was under, shown again
    assert not SavedFilter.objects.exists()
    long_name = "x" * 61
    response = client.post(
        reverse("office:filter_save"), {"status": "all", "filter_name": long_name}
    )
    html = response.content.decode()
    assert "at most 60 characters" in html and f'value="{long_name}"' in html  # kept whole
    assert not SavedFilter.objects.exists()


def test_filters_the_list_would_not_take_are_refused_not_saved_as_others(world, client_for):
    client = client_for(world.handler, **EN)
    response = client.post(
        reverse("office:filter_save"), {"q": "x" * 201, "status": "all", "filter_name": "Bad"}
    )
    assert response.status_code == 400
    assert "These filters cannot be saved" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_a_long_search_in_korean_is_saved_whole(world, client_for):
    """Each Korean letter is nine characters of the saved query string (%EB%8F%84)."""
    search = "도로" * 100  # the longest search the inbox takes
    response = client_for(world.handler, **EN).post(
        reverse("office:filter_save"), {"q": search, "status": "all", "filter_name": "Roads"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=world.handler)
    assert len(saved.query) > 1800 and response["Location"] == f"/office/?{saved.query}"


def test_only_its_owner_sees_and_deletes_a_saved_filter(world, client_for):
    client = client_for(world.handler, **EN)
    client.post(reverse("office:filter_save"), {"status": "all", "filter_name": "All mine"})
    saved = SavedFilter.objects.get()
    url = reverse("office:filter_delete", kwargs={"filter_id": saved.pk})
    other = client_for(world.other_handler, **EN)
    assert "All mine" not in other.get("/office/").content.decode()
    assert other.get(url).status_code == 404 and other.post(url).status_code == 404
    assert client.get(url).status_code == 200  # asks first
    assert SavedFilter.objects.exists()
    assert client.post(url).status_code == 302
    assert not SavedFilter.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.USER_FILTER_DELETED).count() == 1


def test_citizens_have_no_saved_filters(world, client_for):
    client = client_for(world.citizen)
    response = client.post(reverse("office:filter_save"), {"filter_name": "x"})
    assert response.status_code == 404  # official_required
    assert not SavedFilter.objects.exists()
