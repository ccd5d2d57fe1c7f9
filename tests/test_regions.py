"""A region is chosen in two steps, 시·도 then 시·군·구, in every form that asks for one
(nara/core/regions.py; issue #12): the complaint form, the profile, the e-mail signature."""

import pytest
from django.urls import reverse

from nara.complaints.models import Complaint
from nara.core.models import Region
from tests.test_web_citizen import FILE_URL, form_data

pytestmark = pytest.mark.django_db


def test_a_complaint_keeps_the_sigungu_or_else_the_sido(world, client_for):
    client = client_for(world.citizen)
    page = client.get(FILE_URL).content.decode()
    assert 'name="sido"' in page and 'name="sigungu"' in page
    assert f'hx-get="{reverse("sigungu_options")}"' in page and 'hx-target="#id_sigungu"' in page
    assert 'name="region"' not in page  # no flat list of 286 regions
    client.post(FILE_URL, form_data(world, sido="11", sigungu="11110"))
    client.post(FILE_URL, form_data(world, sido="26", sigungu="", title="In Busan"))
    regions = [c.region.code for c in Complaint.objects.order_by("id")]
    assert regions == ["11110", "26"]


def test_the_profile_shows_the_region_already_chosen_in_both_selects(world, client_for):
    world.citizen.region = Region.objects.get(code="11110")
    world.citizen.save(update_fields=["region"])
    html = client_for(world.citizen).get(reverse("accounts:profile")).content.decode()
    assert '<option value="11" selected>' in html
    assert '<option value="11110" selected>' in html


def test_the_sigungu_of_a_sido_are_its_own(client):
    html = client.get(reverse("sigungu_options"), {"sido": "11"}).content.decode()
    assert "종로구" in html and "해운대구" not in html
