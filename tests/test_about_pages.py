"""The official banner, the footer and the pages it links to (issue #12): on every page, in both
languages, with the operator and contact details the deployment sets."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ("about:privacy", "about:terms", "about:accessibility", "about:contact")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["ko", "en"])
def test_each_footer_page_is_public_in_both_languages(name, language):
    response = Client(headers={"accept-language": language}).get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for linked in PAGES:  # the footer links to all of them, from every page
        assert f'href="{reverse(linked)}"' in html


def test_the_operator_and_contact_come_from_the_settings(settings):
    settings.NARA_OFFICIAL_BANNER = "on"
    settings.NARA_OPERATOR = {"ko": "행정안전부", "en": "the Ministry of the Interior and Safety"}
    settings.NARA_CONTACT = {**settings.NARA_CONTACT, "phone": "02-2100-3399", "email": ""}
    settings.NARA_OFFICIAL_DOMAIN = ".go.kr"
    html = Client(headers={"accept-language": "ko"}).get(reverse("home")).content.decode()
    assert "행정안전부 공식 누리집입니다" in html and "행정안전부에서 운영합니다" in html
    assert 'href="tel:02-2100-3399"' in html and "mailto:" not in html.split("<footer")[1]
    assert "공식 누리집 주소는 .go.kr로 끝납니다" in html
    english = Client(headers={"accept-language": "en"}).get(reverse("about:contact"))
    assert "run by the Ministry of the Interior and Safety" in english.content.decode()


def test_a_deployment_that_is_not_a_government_site_turns_the_banner_off(settings):
    settings.NARA_OFFICIAL_BANNER = "off"
    html = Client().get(reverse("home")).content.decode()
    assert "official-banner" not in html and "site-footer" in html


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("www.nara.go.kr", True),
        ("nara.go.kr", True),
        ("nara.example", False),
        ("go.kr.evil.example", False),
    ],
)
def test_by_default_the_banner_shows_only_under_the_official_domain(settings, host, shown):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [host]
    settings.NARA_OFFICIAL_BANNER = "auto"
    html = Client().get(reverse("home"), HTTP_HOST=host).content.decode()
    assert ("official-banner" in html) is shown


def test_the_old_terms_page_leads_to_the_footers(client):
    response = client.get(reverse("accounts:terms"))
    assert response.status_code == 301 and response["Location"] == reverse("about:terms")
    signup = client.get(reverse("accounts:signup")).content.decode()
    assert f'href="{reverse("about:terms")}"' in signup
    assert f'href="{reverse("about:privacy")}"' in signup
