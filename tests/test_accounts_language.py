"""The language a person chose survives signing in (issue #12): chosen with the header's
buttons in this session, it stays through sign-in (and an official's second step) and becomes
the profile's; a language only negotiated, or a cookie left by someone else, changes nothing."""

import pytest
from django.conf import settings
from django.urls import reverse

from nara.audit.models import EventType
from tests.test_accounts import EN, current_code, events, log_in


@pytest.mark.django_db
def test_the_language_chosen_before_signing_in_stays_and_is_saved(client, world):
    assert world.citizen.preferred_language == "ko"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = log_in(client, world.citizen.email)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get(reverse("home")).wsgi_request.LANGUAGE_CODE == "en"
    world.citizen.refresh_from_db()
    assert world.citizen.preferred_language == "en"  # mail and notifications follow it
    change = events(EventType.USER_PROFILE_UPDATED, world.citizen).get()
    assert change.data == {"fields": ["preferred_language"]}


@pytest.mark.django_db
def test_a_language_only_negotiated_does_not_change_the_profile(client, world):
    response = log_in(client, world.citizen.email, **EN)  # Accept-Language, no choice made
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    world.citizen.refresh_from_db()
    assert world.citizen.preferred_language == "ko"


@pytest.mark.django_db
def test_a_language_cookie_left_from_before_is_not_a_choice(client, world):
    """The site writes the cookie at each sign-in and it outlives signing out: on a shared
    computer it is the last person's, or an old one of this person's own."""
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    log_in(client, world.citizen.email)  # Alice chose English: her profile says so
    client.post(reverse("accounts:logout"))
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # still there
    log_in(client, world.other_citizen.email)  # Bob, on the same browser, chose nothing
    world.other_citizen.refresh_from_db()
    assert world.other_citizen.preferred_language == "ko"
    assert client.get(reverse("home")).wsgi_request.LANGUAGE_CODE == "ko"  # his own


@pytest.mark.django_db
def test_switching_language_when_signed_in_changes_the_profile(client_for, world):
    client = client_for(world.citizen)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    world.citizen.refresh_from_db()
    assert world.citizen.preferred_language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # not a language
    world.citizen.refresh_from_db()
    assert world.citizen.preferred_language == "en"


@pytest.mark.django_db
def test_an_official_keeps_the_chosen_language_through_the_second_step(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = log_in(client, world.handler.email)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.handler.refresh_from_db()
    assert world.handler.preferred_language == "ko"  # not before the second step
    page = client.get(reverse("accounts:2fa_verify"))
    assert page.wsgi_request.LANGUAGE_CODE == "en"
    done = client.post(reverse("accounts:2fa_verify"), {"code": current_code()})
    assert done.status_code == 302
    world.handler.refresh_from_db()
    assert world.handler.preferred_language == "en"
    assert client.get(reverse("home")).wsgi_request.LANGUAGE_CODE == "en"
