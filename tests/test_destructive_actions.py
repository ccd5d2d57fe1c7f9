"""Every destructive action asks first (issue #12): its URL answers GET with a confirmation
page (what will be lost, one red button that posts to the same URL, a way back) and changes
nothing; only its POST acts. Pages elsewhere only link to it.

DESTRUCTIVE lists them by URL name. Not listed, and why: `accounts:logout` (nothing is lost:
signing in again restores everything), `participation_moderation:unblock` and
`notifications:mark_read` (they undo or lose nothing), and decisions taken on a form with a
required reason (reject, return, hide: the reason is the deliberate step, and each is
audited and can be followed by another decision)."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from nara.accounts.models import ApiToken
from nara.participation.consultations import services as consultation_services
from nara.participation.consultations.models import Theme
from nara.participation.contributions.models import ContributionDraft
from tests.conftest import login
from tests.petition_helpers import moderator  # noqa: F401  (a fixture)
from tests.test_api_tokens import sign_in
from tests.test_participation_consultations_web import closed_with_comments
from tests.test_participation_contributions import citizen, form_data, new_url, process  # noqa: F401
from tests.test_petitions_web import en_client, png_upload, write_data

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# URL name → the templates allowed to hold a form that posts to it (its confirmation page)
DESTRUCTIVE = {
    "complaints:withdraw": {"complaints/withdraw_confirm.html"},
    "petitions:withdraw": {"petitions/withdraw_confirm.html"},
    "accounts:api_token_revoke": set(),  # confirm_action.html posts to request.path
    "consultations:theme_delete": set(),
    "contributions:discard": set(),
    "petitions:create_discard": set(),
    "office:filter_delete": set(),  # tests/test_saved_filters.py
    "participation_moderation:block": {"participation/moderation/block.html"},
    # the filters, then a page that counts the signatures they select and asks (confirm=on)
    "moderation:signatures": {"petitions/moderation/signatures.html"},
}


def test_no_page_but_its_confirmation_posts_to_a_destructive_action():
    posting = re.compile(r"""<form[^>]*action="\{% url ['"]([\w:]+)['"]""")
    wrong = []
    for path in TEMPLATES.rglob("*.html"):
        name = str(path.relative_to(TEMPLATES))
        for url_name in posting.findall(path.read_text(encoding="utf-8")):
            if url_name in DESTRUCTIVE and name not in DESTRUCTIVE[url_name]:
                wrong.append((name, url_name))
    assert wrong == []


def test_every_destructive_url_name_exists():
    from django.urls import NoReverseMatch

    for url_name in DESTRUCTIVE:
        try:
            reverse(url_name)
        except NoReverseMatch as error:
            assert "not a valid view function or pattern name" not in str(error), url_name


def assert_asks_first(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="confirm-actions">(.*?)</form>', html, re.S
    )
    assert form and form.group(1) == url
    assert 'class="danger"' in form.group(2) and 'class="button secondary"' in form.group(2)
    return html


@pytest.mark.django_db
def test_revoking_a_token_asks_first(world, client_for):
    sign_in(world.citizen, app="NaraApp/2.1")
    [token] = ApiToken.objects.filter(user=world.citizen)
    client = client_for(world.citizen, **{"Accept-Language": "en"})
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    html = assert_asks_first(client, url)
    assert "Revoke this token?" in html and "NaraApp/2.1" in html
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get(reverse("accounts:api_tokens")).content.decode().count(f'href="{url}"') == 1
    assert client_for(world.other_citizen).get(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_removing_a_theme_of_the_report_asks_first(world, moderator):  # noqa: F811
    consultation, comments = closed_with_comments(world, moderator)
    theme = consultation_services.theme_save(
        consultation=consultation,
        by=world.handler,
        title="보수 기한",
        summary="짧다는 의견",
        reply="partly",
        reply_text="10일로 조정합니다.",
        comment_ids=[comments[0].pk],
    )
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.handler)
    url = reverse("consultations:theme_delete", args=[consultation.pk, theme.pk])
    assert "보수 기한" in assert_asks_first(client, url)
    assert Theme.objects.filter(pk=theme.pk).exists()
    assert client.post(url).status_code == 302
    assert not Theme.objects.filter(pk=theme.pk).exists()


@pytest.mark.django_db
def test_deleting_a_contribution_draft_asks_first(process, citizen, world, client_for):  # noqa: F811
    citizen.post(new_url(process), form_data(title="Shade for the bus stop"))
    draft = ContributionDraft.objects.get(user=world.citizen)
    url = reverse("contributions:discard", args=[draft.token])
    assert "Shade for the bus stop" in assert_asks_first(citizen, url)
    assert client_for(world.other_citizen).get(url).status_code == 404
    assert ContributionDraft.objects.filter(pk=draft.pk).exists()
    assert citizen.post(url).status_code == 302
    assert not ContributionDraft.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_deleting_a_petition_draft_asks_first(world):
    client = en_client(world.citizen)
    client.post(reverse("petitions:create"), {**write_data(), "images": [png_upload()]})
    url = reverse("petitions:create_discard")
    assert "Delete your draft petition?" in assert_asks_first(client, url)
    assert client.get(reverse("petitions:create_preview")).status_code == 200  # still there
    assert client.post(url).status_code == 302
    assert client.get(reverse("petitions:create_preview")).status_code == 302
    assert client.get(url)["Location"] == reverse("petitions:create")  # nothing left to ask
