"""Polls: validation of every kind, one response per person (also under concurrency), region
gating, results (Borda count, first choices), and who sees what."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from nara.core.errors import NotAllowed
from nara.core.models import Region
from nara.participation.models import PhaseKind
from nara.participation.polls import selectors, services
from nara.participation.polls.models import Answer, Choice, Poll, Question, QuestionKind, Response
from nara.participation.selectors import published_process
from tests.conftest import make_user
from tests.participation_helpers import make_process, move_to_phase

K = QuestionKind


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the site's default language is Korean)."""
    with translation.override("en"):
        yield


def make_poll(process, *, always=False):
    """A poll with one question of each kind (ranking: top 2 of 4)."""
    poll = Poll.objects.create(
        process=process, title="공원 이용 설문", published=True, results_always_public=always
    )
    single = Question.objects.create(poll=poll, position=1, text="자주 가나요?", kind=K.SINGLE)
    multiple = Question.objects.create(
        poll=poll, position=2, text="필요한 시설은?", kind=K.MULTIPLE, max_choices=2
    )
    ranking = Question.objects.create(
        poll=poll, position=3, text="우선순위는?", kind=K.RANKING, max_choices=2
    )
    Question.objects.create(poll=poll, position=4, text="하고 싶은 말", kind=K.TEXT, required=False)
    for q, options in (
        (single, ["매일", "매주", "거의 안 감"]),
        (multiple, ["화장실", "벤치", "조명", "운동기구"]),
        (ranking, ["안전", "청결", "녹지", "주차"]),
    ):
        for i, label in enumerate(options):
            Choice.objects.create(question=q, position=i, text=label)
    return selectors.poll_for(process, poll.pk)


def qs(poll):
    questions = list(poll.questions.all())
    return questions, {q.kind: [c.pk for c in q.choices.all()] for q in questions}


def good(poll, *, single=0, multiple=(0, 1), ranking=(0, 1), text=""):
    questions, ids = qs(poll)
    by_kind = {q.kind: q.pk for q in questions}
    return {
        by_kind[K.SINGLE]: str(ids[K.SINGLE][single]),
        by_kind[K.MULTIPLE]: [str(ids[K.MULTIPLE][i]) for i in multiple],
        by_kind[K.RANKING]: {
            str(ids[K.RANKING][c]): str(r) for r, c in enumerate(ranking, start=1)
        },
        by_kind[K.TEXT]: text,
    }


@pytest.fixture
def process(world):
    return make_process(world.roads, current=PhaseKind.INPUT)


@pytest.fixture
def poll(process):
    return make_poll(process)


def error_for(poll, answers, kind):
    question = next(q for q in poll.questions.all() if q.kind == kind)
    with pytest.raises(ValidationError) as error:
        services.answers_clean(poll, answers)
    return error.value.message_dict.get(f"q{question.pk}")


def test_a_good_response_is_stored(world, poll):
    services.poll_respond(poll=poll, by=world.citizen, answers=good(poll, text="좋아요"))
    response = Response.objects.get()
    assert response.answers.count() == 1 + 2 + 2 + 1
    ranked = list(response.answers.filter(rank__isnull=False).order_by("rank"))
    assert [a.rank for a in ranked] == [1, 2]
    poll.refresh_from_db()
    assert poll.response_count == 1


def test_single_choice_validation(world, poll):
    _, ids = qs(poll)
    answers = good(poll)
    key = next(q.pk for q in poll.questions.all() if q.kind == K.SINGLE)
    for bad, message in (
        ("", "Choose one option."),
        ("999999", "Choose one of the options shown."),
        ("abc", "Choose one of the options shown."),
        (str(qs(poll)[1][K.MULTIPLE][0]), "Choose one of the options shown."),
        ([str(ids[K.SINGLE][0]), str(ids[K.SINGLE][1])], "Choose only one option."),
    ):
        assert error_for(poll, {**answers, key: bad}, K.SINGLE) == [message]


def test_multiple_choice_validation(world, poll):
    answers = good(poll)
    key = next(q.pk for q in poll.questions.all() if q.kind == K.MULTIPLE)
    _, ids = qs(poll)
    assert error_for(poll, {**answers, key: []}, K.MULTIPLE) == ["Choose at least one option."]
    three = [str(i) for i in ids[K.MULTIPLE][:3]]
    assert error_for(poll, {**answers, key: three}, K.MULTIPLE) == ["Choose at most 2 options."]
    assert error_for(poll, {**answers, key: ["0"]}, K.MULTIPLE) == [
        "Choose one of the options shown."
    ]
    # the same option twice counts once
    twice = [str(ids[K.MULTIPLE][0])] * 2
    cleaned = services.answers_clean(poll, {**answers, key: twice})
    assert cleaned[key] == [ids[K.MULTIPLE][0]]


def test_ranking_validation(world, poll):
    answers = good(poll)
    key = next(q.pk for q in poll.questions.all() if q.kind == K.RANKING)
    _, ids = qs(poll)
    r = [str(i) for i in ids[K.RANKING]]
    cases = [
        ({}, "Rank your top 2 options."),
        ({r[0]: "1"}, "Rank your top 2 options."),
        ({r[0]: "1", r[1]: "1"}, "Give each rank to one option only."),
        ({r[0]: "1", r[1]: "3"}, "Ranks are numbers from 1 to 2."),
        ({r[0]: "x", r[1]: "2"}, "Ranks are numbers from 1 to 2."),
        ({r[0]: "1", "424242": "2"}, "Choose one of the options shown."),
    ]
    for value, message in cases:
        assert error_for(poll, {**answers, key: value}, K.RANKING) == [message], value
    cleaned = services.answers_clean(poll, {**answers, key: {r[2]: "2", r[3]: "1"}})
    assert cleaned[key] == [ids[K.RANKING][3], ids[K.RANKING][2]]


def test_rank_all_when_no_limit(world, poll):
    question = next(q for q in poll.questions.all() if q.kind == K.RANKING)
    question.max_choices = None
    ids = [c.pk for c in question.choices.all()]
    with pytest.raises(ValidationError) as error:
        services.answer_clean(question, {str(ids[0]): "1", str(ids[1]): "2"}, ids)
    assert error.value.messages == ["Rank all the options, from 1 (first choice) on."]
    order = services.answer_clean(question, {str(c): str(4 - i) for i, c in enumerate(ids)}, ids)
    assert order == list(reversed(ids))


def test_free_text_validation(world, poll):
    answers = good(poll)
    question = next(q for q in poll.questions.all() if q.kind == K.TEXT)
    too_long = "가" * (services.TEXT_MAX + 1)
    assert error_for(poll, {**answers, question.pk: too_long}, K.TEXT) == [
        "An answer can be at most 2000 characters."
    ]
    question.required = True
    with pytest.raises(ValidationError) as error:
        services.answer_clean(question, "   ", [])
    assert error.value.messages == ["Write an answer."]


def test_all_problems_are_reported_at_once(world, poll):
    with pytest.raises(ValidationError) as error:
        services.poll_respond(poll=poll, by=world.citizen, answers={})
    assert len(error.value.message_dict) == 3  # the three required questions
    assert not Response.objects.exists()


def test_one_response_per_person(world, poll):
    services.poll_respond(poll=poll, by=world.citizen, answers=good(poll))
    with pytest.raises(services.AlreadyResponded):
        services.poll_respond(poll=poll, by=world.citizen, answers=good(poll, single=1))
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_by_one_person_create_one_response(world):
    process = make_process(world.roads, current=PhaseKind.INPUT)
    poll = make_poll(process)
    answers = good(poll)
    barrier = threading.Barrier(8)
    outcomes = [None] * 8

    def run(i):
        try:
            barrier.wait()
            services.poll_respond(poll=poll, by=world.citizen, answers=answers)
        except Exception as error:  # collected, asserted below
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o is None for o in outcomes) == 1
    assert all(o is None or isinstance(o, services.AlreadyResponded) for o in outcomes), outcomes
    assert Response.objects.filter(poll=poll).count() == 1
    assert Answer.objects.count() == 5  # the optional text left empty
    poll.refresh_from_db()
    assert poll.response_count == 1


def test_region_gating(world):
    seoul = Region.objects.get_or_create(code="11", defaults={"name_ko": "서울특별시"})[0]
    busan = Region.objects.get_or_create(code="26", defaults={"name_ko": "부산광역시"})[0]
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul)
    poll = make_poll(process)
    outsider = make_user("busan@example.com", region=busan)
    resident = make_user("seoul@example.com", region=seoul)
    assert services.respond_refusal(outsider, poll) is not None
    with pytest.raises(NotAllowed):
        services.poll_respond(poll=poll, by=outsider, answers=good(poll))
    services.poll_respond(poll=poll, by=resident, answers=good(poll))
    assert Response.objects.get().user == resident


@pytest.mark.parametrize("phase", [PhaseKind.INFORMATION, PhaseKind.DELIBERATION])
def test_closed_phases_refuse_responses(world, process, poll, phase):
    move_to_phase(process, phase)
    poll = selectors.poll_for(make_fresh(process), poll.pk)
    with pytest.raises(NotAllowed):
        services.poll_respond(poll=poll, by=world.citizen, answers=good(poll))


def make_fresh(process):
    return published_process(process.slug)


def test_unpublished_poll_refuses(world, process, poll):
    Poll.objects.filter(pk=poll.pk).update(published=False)
    poll.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.poll_respond(poll=poll, by=world.citizen, answers=good(poll))


# --- results ---------------------------------------------------------------------------------


def test_results_counts_borda_and_first_choices(world, poll):
    _, ids = qs(poll)
    people = [make_user(f"p{i}@example.com") for i in range(4)]
    # ranking top 2 of 4 options (안전 0, 청결 1, 녹지 2, 주차 3); 4 options → 4, 3 points
    ballots = [(0, 1), (0, 2), (1, 0), (2, 1)]
    for person, ranking in zip(people, ballots, strict=True):
        services.poll_respond(
            poll=poll, by=person, answers=good(poll, single=0, multiple=(0,), ranking=ranking)
        )
    results = {r.question.kind: r for r in selectors.poll_results(poll)}
    ranking = results[K.RANKING]
    points = {row.choice.pk: (row.points, row.first, row.count) for row in ranking.rows}
    r = ids[K.RANKING]
    assert points[r[0]] == (4 + 4 + 3, 2, 3)
    assert points[r[1]] == (3 + 4 + 3, 1, 3)
    assert points[r[2]] == (3 + 4, 1, 2)
    assert points[r[3]] == (0, 0, 0)
    assert [row.choice.pk for row in ranking.rows] == [r[0], r[1], r[2], r[3]]
    single = {row.choice.pk: (row.count, row.percent) for row in results[K.SINGLE].rows}
    assert single[ids[K.SINGLE][0]] == (4, 100.0)
    assert results[K.MULTIPLE].respondents == 4
    assert results[K.TEXT].respondents == 0


def test_results_visibility(world, process):
    poll = make_poll(process)
    assert not selectors.can_see_results(world.citizen, poll)
    assert selectors.can_see_results(world.handler, poll)  # the agency, at any time
    assert not selectors.can_see_results(world.other_handler, poll)
    move_to_phase(process, PhaseKind.RESULTS)
    poll = selectors.poll_for(make_fresh(process), poll.pk)
    assert selectors.can_see_results(world.citizen, poll)
    assert not selectors.can_see_free_text(world.citizen, poll)
    assert selectors.can_see_free_text(world.handler, poll)
    always = make_poll(make_process(world.roads, current=PhaseKind.INPUT), always=True)
    assert selectors.can_see_results(world.citizen, always)


def test_anonymised_responses_hold_no_account(world, poll):
    services.poll_respond(poll=poll, by=world.citizen, answers=good(poll, text="개인 의견"))
    rows = list(selectors.anonymised_responses(poll))
    assert rows == [(1, ["매일", "화장실; 벤치", "안전 > 청결", "개인 의견"])]
