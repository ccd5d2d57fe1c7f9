"""Every {% memo %} fragment of the templates, one test each: the page is rendered (the
fragment kept), one field the fragment shows is changed through a service or the ORM, and the
page is rendered again with memo on. The new value must appear: a key that does not change
when a shown field does would serve the old fragment, here as to the next person.

Keyless fragments (the head, the header's links, the language choice, the inbox's empty
filter form) show only what is fixed while the process runs and the language: their test
renders them for two people in two languages."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from nara.agencies.models import Unit
from nara.complaints import answers, services
from nara.core.templatetags import memo
from nara.participation.consultations.models import Consultation
from tests.helpers import file_complaint, to_in_progress

from .test_participation_consultations import make_consultation

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
KO = {"Accept-Language": "ko"}

COVERED = set()  # the fragments these tests cover, by name


def covers(*names):
    COVERED.update(names)
    return lambda test: test


@pytest.fixture(autouse=True)
def _memo_on(settings):
    settings.NARA_OFF = frozenset()
    memo.forget()
    yield
    memo.forget()


def shows_the_change(client, url: str, change, new: str, old: str | None = None) -> str:
    """Render `url`, `change()` one shown field, render again: `new` must appear (and `old`,
    if given, be gone)."""
    first = client.get(url)
    assert first.status_code == 200
    assert new not in first.content.decode()
    change()
    html = client.get(url).content.decode()
    assert new in html, f"{new!r} not shown after the change: the memo key did not change"
    if old is not None:
        assert old not in html
    return html


def update(instance, **fields):
    type(instance).objects.filter(pk=instance.pk).update(**fields)


# --- the officials' inbox and handling page ---------------------------------------------------


def office_detail(complaint):
    return reverse("office:detail", kwargs={"receipt_no": complaint.receipt_no})


@covers("inbox-row")
@pytest.mark.parametrize("field", ["title", "unit name", "handler name", "status"])
def test_inbox_row(world, client_for, field):
    complaint = to_in_progress(world)
    client = client_for(world.handler, **EN)
    changes = {
        "title": (lambda: update(complaint, title="Broken streetlight"), "Broken streetlight"),
        "unit name": (lambda: update(world.roads, name_en="Road Works"), "Road Works"),
        "handler name": (lambda: update(world.handler, name="Hong Gildong"), "Hong Gildong"),
        "status": (
            lambda: services.complaint_request_info(
                complaint=complaint, by=world.handler, question="Which exit?"
            ),
            "Clock stopped: waiting for citizen",
        ),
    }
    change, new = changes[field]
    shows_the_change(client, reverse("office:inbox"), change, new)


@covers("office-facts")
@pytest.mark.parametrize("field", ["address", "unit name", "category", "citizen phone"])
def test_office_facts(world, client_for, field):
    complaint = to_in_progress(world)
    client = client_for(world.handler, **EN)
    changes = {
        "address": (lambda: update(complaint, address="1 Sejong-daero"), "1 Sejong-daero"),
        "unit name": (lambda: update(world.roads, name_en="Road Works"), "Road Works"),
        "category": (
            lambda: update(world.roads_category, name_en="Potholes and cracks"),
            "Potholes and cracks",
        ),
        "citizen phone": (lambda: update(world.citizen, phone="010-2222-3333"), "010-2222-3333"),
    }
    change, new = changes[field]
    shows_the_change(client, office_detail(complaint), change, new)


@covers("office-timeline")
@pytest.mark.parametrize("field", ["new event", "actor name"])
def test_office_timeline(world, client_for, field):
    complaint = to_in_progress(world)
    client = client_for(world.approver, **EN)
    changes = {
        "new event": (
            lambda: services.complaint_request_info(
                complaint=complaint, by=world.handler, question="Which exit exactly?"
            ),
            "<strong>More information requested</strong>",  # the question shows elsewhere too
        ),
        "actor name": (lambda: update(world.handler, name="Hong Gildong"), "— Hong Gildong"),
    }
    change, new = changes[field]
    shows_the_change(client, office_detail(complaint), change, new)


@covers("office-action-fields")
def test_office_action_fields(world, client_for):
    """The static fields of an empty action form are memoized by form; the same form with
    something in it (a saved answer draft) shows it."""
    complaint = to_in_progress(world)
    client = client_for(world.handler, **EN)
    html = shows_the_change(
        client,
        office_detail(complaint),
        lambda: answers.complaint_save_answer_draft(
            complaint=complaint, by=world.handler, body="We will repair it on Friday."
        ),
        "We will repair it on Friday.",
    )
    # the note form's fields, still from the memo, are the note's, not the answer's
    note = re.search(r'<section class="panel" id="action-note".*?</section>', html, re.S)
    assert note and "We will repair it on Friday." not in note.group()


@covers("inbox-filters")
def test_inbox_filters(world, client_for):
    """Keyless: the empty filter form shows choices fixed while the process runs, in the
    page's language."""
    english = client_for(world.handler, **EN).get(reverse("office:inbox")).content.decode()
    korean = client_for(world.approver, **KO).get(reverse("office:inbox")).content.decode()
    assert 'name="q"' in english and 'name="q"' in korean
    assert "Filter complaints" in english and "Filter complaints" not in korean


# --- the citizen's pages ----------------------------------------------------------------------


def citizen_detail(complaint):
    return reverse("complaints:detail", args=[complaint.receipt_no])


@covers("my-complaint-row")
@pytest.mark.parametrize("field", ["title", "unit name", "status"])
def test_my_complaint_row(world, client_for, field):
    complaint = file_complaint(world)
    client = client_for(world.citizen, **EN)
    changes = {
        "title": (lambda: update(complaint, title="Broken streetlight"), "Broken streetlight"),
        "unit name": (lambda: update(world.roads, name_en="Road Works"), "Road Works"),
        "status": (
            lambda: services.complaint_claim(complaint=complaint, by=world.handler),
            'class="status status-in_progress"',  # not the filter's option
        ),
    }
    change, new = changes[field]
    shows_the_change(client, reverse("complaints:mine"), change, new)


@covers("mine-status-options")
def test_mine_status_options(world, client_for):
    client = client_for(world.citizen, **EN)
    url = reverse("complaints:mine")
    client.get(url + "?status=received")
    html = client.get(url + "?status=answered").content.decode()
    assert 'value="answered" selected' in html and 'value="received" selected' not in html


@covers("citizen-facts")
@pytest.mark.parametrize("field", ["address", "unit name", "category", "status"])
def test_citizen_facts(world, client_for, field):
    complaint = file_complaint(world)
    client = client_for(world.citizen, **EN)
    changes = {
        "address": (lambda: update(complaint, address="1 Sejong-daero"), "1 Sejong-daero"),
        "unit name": (lambda: update(world.roads, name_en="Road Works"), "Road Works"),
        "category": (
            lambda: update(world.roads_category, name_en="Potholes and cracks"),
            "Potholes and cracks",
        ),
        "status": (
            lambda: services.complaint_claim(complaint=complaint, by=world.handler),
            "Being handled",
        ),
    }
    change, new = changes[field]
    shows_the_change(client, citizen_detail(complaint), change, new)


@covers("citizen-text")
def test_citizen_text(world, client_for):
    complaint = file_complaint(world)
    shows_the_change(
        client_for(world.citizen, **EN),
        citizen_detail(complaint),
        lambda: update(complaint, body="The pothole is now two metres wide."),
        "The pothole is now two metres wide.",
        old="A deep pothole near exit 3.",
    )


@covers("citizen-timeline")
def test_citizen_timeline(world, client_for):
    complaint = to_in_progress(world)
    shows_the_change(
        client_for(world.citizen, **EN),
        citizen_detail(complaint),
        lambda: services.complaint_request_info(
            complaint=complaint, by=world.handler, question="Which exit?"
        ),
        "More information requested",
    )


# --- the site's header ------------------------------------------------------------------------


@covers("header")
def test_header(world, client_for):
    client = client_for(world.handler, **EN)  # signed in with a second factor, as moderators
    shows_the_change(
        client,
        reverse("petitions:list"),
        lambda: update(world.handler, is_moderator=True),
        reverse("moderation:queue"),
    )


@covers("head", "header-account", "header-visitor", "language-choice")
def test_keyless_header_fragments(world, client_for):
    """The same for everyone in a language: links, static files and the language choice."""
    url = reverse("petitions:list")
    visitor_en = client_for(None, **EN).get(url).content.decode()
    visitor_ko = client_for(None, **KO).get(url).content.decode()
    citizen_en = client_for(world.citizen, **EN).get(url).content.decode()
    citizen_ko = client_for(world.other_citizen, **KO).get(url).content.decode()
    for html in (visitor_en, visitor_ko, citizen_en, citizen_ko):
        assert "nara.css" in html  # head
    assert ">Sign up<" in visitor_en and ">Sign up<" not in visitor_ko  # header-visitor
    assert ">My account<" in citizen_en and ">My account<" not in citizen_ko  # header-account
    current = 'value="{}" lang="{}" aria-current="true"'
    assert current.format("en", "en") in visitor_en  # language-choice
    assert current.format("ko", "ko") in visitor_ko
    assert current.format("ko", "ko") in citizen_ko


@covers("banner", "footer")
def test_banner_and_footer(settings, client_for, monkeypatch):
    """They show the operator and contact the deployment names. Changed here without the
    settings fixture, whose every change forgets all fragments (as a restart does)."""
    from nara.core import context_processors

    settings.NARA_OFFICIAL_BANNER = "on"
    url = reverse("about:contact")  # a page not kept whole by the public page cache
    client = client_for(None, **EN)
    before = client.get(url).content.decode()
    assert "the Nara demonstration service" in before and "How to tell" in before
    monkeypatch.setattr(context_processors, "operator", lambda: "the Ministry of the Interior")
    monkeypatch.setattr(
        django_settings, "NARA_CONTACT", {**django_settings.NARA_CONTACT, "phone": "02-2100-3399"}
    )
    after = client.get(url).content.decode()
    assert "An official website of the Ministry of the Interior" in after
    assert "run by the Ministry of the Interior" in after and "02-2100-3399" in after
    monkeypatch.setattr(context_processors, "official_banner", lambda request: False)
    assert "How to tell" not in client.get(url).content.decode()


# --- participation ----------------------------------------------------------------------------


@covers("consultation-header")
@pytest.mark.parametrize("field", ["title", "English title", "unit name", "tab"])
def test_consultation_header(world, client_for, field):
    consultation = make_consultation(world.roads)
    client = client_for(world.citizen, **EN)
    url = reverse("consultations:detail", args=[consultation.pk])
    if field == "tab":
        client.get(url)
        comments = reverse("consultations:comments", args=[consultation.pk])
        html = client.get(comments).content.decode()
        assert f'href="{comments}" aria-current="page"' in html
        return
    changes = {
        "title": (
            lambda: Consultation.objects.filter(pk=consultation.pk).update(title="개정안 2차"),
            '<h1><span lang="ko">개정안 2차</span>',  # not the page's <title>
        ),
        "English title": (
            lambda: Consultation.objects.filter(pk=consultation.pk).update(
                title_en="Road rules, second draft"
            ),
            "<h1>Road rules, second draft</h1>",
        ),
        "unit name": (
            lambda: Unit.objects.filter(pk=world.roads.pk).update(name_en="Road Works"),
            "Road Works",
        ),
    }
    change, new = changes[field]
    shows_the_change(client, url, change, new)


# --- every site is covered --------------------------------------------------------------------


def test_every_memo_in_the_templates_has_a_test_here():
    names = set()
    for template in Path(django_settings.BASE_DIR, "templates").rglob("*.html"):
        names.update(re.findall(r'{%\s*memo\s+"([^"]+)"', template.read_text()))
    assert names == COVERED, f"memo fragments without a test: {sorted(names - COVERED)}"
