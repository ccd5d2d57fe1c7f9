"""Participation content in Korean and English (issue #12): processes, drafts for comment and
participatory budgets carry an English version that English readers get; where nobody wrote one,
the Korean shows, marked as Korean (and "Korean only"); the admin and the assessment form edit
both; what is sent about a draft names it in each reader's language."""

import pytest
from django.test import Client
from django.urls import reverse

from nara.participation.budgets import services as budget_services
from nara.participation.budgets.models import Budget, Project
from nara.participation.consultations.models import Consultation
from nara.participation.models import Activity, Process
from tests.conftest import login
from tests.participation_helpers import make_process
from tests.test_participation_budgets import add_project, make_budget
from tests.test_participation_consultations import approve, make_consultation

pytestmark = pytest.mark.django_db

MARK = '<span class="korean-only">(Korean only)</span>'


def page(path: str, language: str, user=None) -> str:
    client = Client(headers={"Accept-Language": language})
    if user is not None:
        login(client, user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- processes ---------------------------------------------------------------------------------


def test_a_process_reads_in_the_readers_language(world):
    process = make_process(world.roads, slug="road-ideas", title="도로 제안")
    process.title_en, process.summary_en = "Road ideas", "Tell us.\n\nTwo paragraphs."
    process.save()
    english = page(process.get_absolute_url(), "en")
    assert "<h1>Road ideas</h1>" in english and "<title>Road ideas" in english
    assert "<p>Tell us.</p>" in english and MARK not in english
    korean = page(process.get_absolute_url(), "ko")
    assert "<h1>도로 제안</h1>" in korean and "Road ideas" not in korean
    listed = page(reverse("participation:home"), "en")
    assert "Road ideas" in listed and "도로 제안" not in listed


def test_a_process_without_english_is_marked_korean_only(world):
    process = make_process(world.roads, slug="road-ideas", title="도로 제안")
    english = page(process.get_absolute_url(), "en")
    assert f'<h1><span lang="ko">도로 제안</span> {MARK}</h1>' in english
    assert "<title>도로 제안 (Korean only)" in english  # plain text where HTML cannot go
    assert '<div lang="ko"><p>요약</p></div><p class="korean-only">(Korean only)</p>' in english
    assert "Korean only" not in page(process.get_absolute_url(), "ko")


def test_the_process_admin_edits_both_side_by_side(world, client_for):
    process = make_process(world.roads, slug="road-ideas")
    html = client_for(world.operator).get(admin_url(Process, "change", process.pk))
    html = html.content.decode()
    for name in ("title_en", "summary_en", "phases-0-title_en"):
        assert f'name="{name}"' in html, name
    assert html.index('name="title"') < html.index('name="title_en"') < html.index('"summary"')


# --- drafts for comment ------------------------------------------------------------------------


def test_a_draft_reads_in_english_with_its_law_text_in_korean(world):
    consultation = make_consultation(
        world.roads, title_en="Road repair rules", summary_en="Shorter repair times."
    )
    consultation.articles.filter(number="제1조").update(heading_en="Purpose")
    english = page(consultation.get_absolute_url(), "en")
    assert "<h1>Road repair rules</h1>" in english and "Shorter repair times." in english
    assert "제1조(Purpose)" in english  # the heading's English
    assert '제3조(<span lang="ko">보수 기한</span>)' in english  # no English: Korean, as Korean
    assert "The text of the draft is in Korean only" in english
    assert 'class="paragraph"' in english and 'lang="ko">' in english
    # its process carries the same texts: the process page and lists show them
    process = consultation.process
    assert (process.title_en, process.summary_en) == ("Road repair rules", "Shorter repair times.")
    korean = page(consultation.get_absolute_url(), "ko")
    assert consultation.title in korean and "Road repair rules" not in korean
    assert "Korean only" not in korean and "제1조(목적)" in korean


def test_an_english_title_added_in_the_admin_reaches_the_cached_pages(world, client_for):
    consultation = make_consultation(world.roads)
    assert MARK in page(consultation.get_absolute_url(), "en")  # rendered, cached: no English
    articles = list(consultation.articles.order_by("order"))
    data = {
        "title": consultation.title,
        "title_en": "Road repair rules",
        "scope": consultation.scope,
        "summary": consultation.summary,
        "summary_en": "Shorter repair times.",
        "current_text_ref": consultation.current_text_ref,
        "articles-TOTAL_FORMS": str(len(articles)),
        "articles-INITIAL_FORMS": str(len(articles)),
    }
    for i, article in enumerate(articles):
        data |= {
            f"articles-{i}-id": article.pk,
            f"articles-{i}-consultation": consultation.pk,
            f"articles-{i}-order": article.order,
            f"articles-{i}-number": article.number,
            f"articles-{i}-heading": article.heading,
            f"articles-{i}-heading_en": "Time to repair" if article.number == "제3조" else "",
        }
    response = client_for(world.operator).post(
        admin_url(Consultation, "change", consultation.pk), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    english = page(consultation.get_absolute_url(), "en")
    assert "<h1>Road repair rules</h1>" in english and "제3조(Time to repair)" in english
    process = Process.objects.get(pk=consultation.process_id)
    assert process.title_en == "Road repair rules"  # the process page says the same
    assert "<h1>Road repair rules</h1>" in page(process.get_absolute_url(), "en")


def test_what_followers_are_sent_names_the_draft_in_their_language(world, moderator):
    from nara.participation.consultations import services
    from nara.participation.consultations.models import Stance

    consultation = make_consultation(world.roads, title_en="Road repair rules")
    comment = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.SUPPORT,
        body="좋습니다. " * 3,
    )
    approve(comment, moderator)
    activity = Activity.objects.get(process=consultation.process)
    assert activity.text("en") == "New comment on the draft Road repair rules"
    assert consultation.title in activity.text("ko")
    assert "Road repair rules" not in activity.text("ko")


# --- participatory budgets ---------------------------------------------------------------------


def test_the_ballot_reads_in_english_and_marks_what_has_none(world):
    budget = make_budget(world)
    budget.title_en = "Participatory budget 2026"
    budget.save(update_fields=["title_en"])
    translated = add_project(budget, world.other_citizen, cost=1_000_000, title="가로등 교체")
    Project.objects.filter(pk=translated.pk).update(
        title_en="New street lights", description_en="Brighter streets at night for everyone."
    )
    add_project(budget, world.other_citizen, cost=2_000_000, title="벤치 설치")
    ballot = reverse("budgets:ballot", args=[budget.pk])
    english = page(ballot, "en", world.citizen)
    assert "Participatory budget 2026" in english
    assert "New street lights" in english and "Brighter streets at night" in english
    assert f'<span lang="ko">벤치 설치</span> {MARK}' in english
    korean = page(ballot, "ko", world.citizen)  # the ballot's rows are cached per language
    assert "가로등 교체" in korean and "New street lights" not in korean
    assert "Korean only" not in korean
    project_page = page(translated.get_absolute_url(), "en")
    assert "<h1>New street lights</h1>" in project_page


def test_an_agency_official_writes_a_projects_english_at_any_time(world):
    from nara.agencies.models import Membership
    from nara.audit.models import AuditEvent, EventType

    Membership.objects.get_or_create(
        user=world.handler, unit=world.roads, defaults={"role": Membership.Role.HANDLER}
    )
    budget = make_budget(world)  # voting: the assessment is long over
    project = add_project(budget, world.other_citizen, cost=1_000_000)
    ballot = reverse("budgets:ballot", args=[budget.pk])
    untranslated = f'<span lang="ko">사업</span> {MARK}'  # the project's row
    assert untranslated in page(ballot, "en", world.citizen)  # rendered and cached
    url = reverse("budgets:english", args=[project.pk])
    # nobody else may: citizens and officials of another unit get 404, anonymous a sign-in
    for outsider in (world.citizen, world.other_handler):
        client = login(Client(), outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"title_en": "Hacked"}).status_code == 404
    assert Client().get(url).status_code == 302
    client = login(Client(headers={"Accept-Language": "en"}), world.handler)
    form = client.get(url).content.decode()
    assert 'name="title_en"' in form and 'lang="en"' in form
    too_long = client.post(url, {"title_en": "x" * 151, "description_en": "Kept."})
    assert too_long.status_code == 400 and "Kept." in too_long.content.decode()
    response = client.post(url, {"title_en": " Benches in the park ", "description_en": "Ten."})
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    project.refresh_from_db()
    assert (project.title_en, project.description_en) == ("Benches in the park", "Ten.")
    assert AuditEvent.objects.filter(
        event_type=EventType.BUDGET_PROJECT_ENGLISH, actor=world.handler
    ).exists()
    english = page(ballot, "en", world.citizen)
    assert "Benches in the park" in english and untranslated not in english  # cache renewed
    assert "Benches in the park" not in page(ballot, "ko", world.citizen)


def test_budget_texts_are_free_to_change_after_the_rules_lock(world):
    budget = make_budget(world)
    budget_services.budget_lock_style(budget=budget, by=world.operator)
    changed = budget_services.budget_update(
        budget=budget,
        by=world.operator,
        title_en=" Budget 2026 ",
        summary="무엇에 쓸까요",
        summary_en="What to fund.",
    )
    assert (changed.title_en, changed.summary_en) == ("Budget 2026", "What to fund.")
    html = page(changed.get_absolute_url(), "en")
    assert "<h1>Budget 2026</h1>" in html and "What to fund." in html
    assert Budget.objects.get(pk=budget.pk).style_locked()
