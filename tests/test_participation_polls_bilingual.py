"""A poll in Korean and English (issue #12): an English reader answers a poll they can read;
where nobody wrote the English, the Korean shows, marked "Korean only" and as Korean text."""

import pytest
from django.test import Client
from django.utils import translation

from nara.core import bilingual
from nara.participation.models import PhaseKind
from tests.conftest import login
from tests.participation_helpers import make_process
from tests.test_participation_polls import make_poll
from tests.test_participation_polls_web import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll(world):
    poll = make_poll(make_process(world.roads, current=PhaseKind.INPUT, slug="parks-survey"))
    poll.title_en = "Parks survey"
    poll.save(update_fields=["title_en"])
    first = poll.questions.first()
    first.text_en = "Which park do you use most?"
    first.save(update_fields=["text_en"])
    option = first.choices.first()
    option.text_en = "The riverside park"
    option.save(update_fields=["text_en"])
    return poll


def page(poll, language: str, user=None) -> str:
    client = Client(headers={"Accept-Language": language})
    if user is not None:
        login(client, user)
    response = client.get(url(poll))
    assert response.status_code == 200
    return response.content.decode()


def test_an_english_reader_reads_the_english_and_is_told_what_is_korean_only(poll, world):
    english = page(poll, "en", world.citizen)  # signed in: the form with its options
    assert "<h1>Parks survey</h1>" in english and "Which park do you use most?" in english
    assert "The riverside park" in english
    untranslated = poll.questions.all()[1]
    assert f'<span lang="ko">{untranslated.text}</span>' in english
    assert '<span class="korean-only">(Korean only)</span>' in english
    korean = page(poll, "ko")
    assert poll.title in korean and "Parks survey" not in korean
    assert "Korean only" not in korean and "한국어만" not in korean


def test_every_part_of_the_poll_page_reads_in_english(poll, world):
    first = poll.questions.first()
    first.help_text, first.help_text_en = "하나만 고르십시오.", "Choose one."
    first.save(update_fields=["help_text", "help_text_en"])
    poll.process.title_en = "Parks"
    poll.process.save(update_fields=["title_en"])
    english = page(poll, "en", world.citizen)
    assert "Choose one." in english and "하나만 고르십시오." not in english
    breadcrumbs = english.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert ">Parks</a>" in breadcrumbs
    untranslated = first.choices.all()[1]  # an option without English: marked as Korean
    assert f'<span lang="ko">{untranslated.text}</span>' in english


def test_plain_text_for_labels_and_titles(poll):
    question = poll.questions.all()[1]
    with translation.override("en"):
        assert bilingual.text(question, "text") == f"{question.text} (Korean only)"
        assert bilingual.text(question, "text", mark=False) == question.text
        assert bilingual.text(poll, "title") == "Parks survey"
    with translation.override("ko"):
        assert bilingual.text(poll, "title") == poll.title
