"""Poll pages: answering (errors keep what was typed, "you already answered"), the results page
(chart figures equal table figures, free text only for the agency), CSV exports, query counts
that do not grow with the data, and bad input that never causes a 500."""

import csv
import io
import re

import pytest

from nara.core.models import Region
from nara.participation.models import PhaseKind
from nara.participation.polls import services
from nara.participation.polls.models import QuestionKind, Response
from tests.conftest import make_user
from tests.participation_helpers import make_process, move_to_phase
from tests.test_participation_polls import good, make_poll

K = QuestionKind


def url(poll, name=""):
    base = f"/participation/polls/{poll.process.slug}/{poll.pk}/"
    return base + name


def form_data(poll, answers):
    """The POST body the page's form sends for `answers` (as built by `good`)."""
    data = {}
    for question in poll.questions.all():
        value = answers.get(question.pk)
        name = f"q{question.pk}"
        if question.kind == K.RANKING:
            for cid, rank in (value or {}).items():
                data[f"{name}_{cid}"] = rank
        elif value not in (None, ""):
            data[name] = value
    return data


@pytest.fixture
def client():
    """Pages in English (the site's default is Korean)."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def client_for(client_for):
    return lambda user, **headers: client_for(user, **{"Accept-Language": "en", **headers})


@pytest.fixture
def process(world):
    return make_process(world.roads, current=PhaseKind.INPUT, slug="parks-survey")


@pytest.fixture
def poll(process):
    return make_poll(process)


def respond_many(poll, n, start=0):
    for i in range(start, start + n):
        user = make_user(f"r{i}@example.com")
        services.poll_respond(
            poll=poll,
            by=user,
            answers=good(
                poll,
                single=i % 3,
                multiple=(i % 4,),
                ranking=(i % 4, (i + 1) % 4),
                text=f"의견 {i} 010-1234-{i:04d}",
            ),
        )


def test_anonymous_sees_the_questions_and_a_login_prompt(client, poll):
    response = client.get(url(poll))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please log in to take part." in body and "자주 가나요?" in body
    assert '<form method="post" novalidate class="poll-form">' not in body


def test_answering_through_the_page(world, client_for, poll):
    client = client_for(world.citizen)
    response = client.post(url(poll), form_data(poll, good(poll, text="좋아요")))
    assert response.status_code == 302
    assert Response.objects.filter(user=world.citizen).count() == 1
    page = client.get(url(poll)).content.decode()
    assert "You have already answered this poll." in page
    again = client.post(url(poll), form_data(poll, good(poll)))
    assert (
        again.status_code == 409
        and "You have already answered this poll." in again.content.decode()
    )
    assert Response.objects.count() == 1


def test_errors_keep_everything_typed(world, client_for, poll):
    client = client_for(world.citizen)
    answers = good(poll, text="남겨둘 의견")
    data = form_data(poll, answers)
    single = next(q for q in poll.questions.all() if q.kind == K.SINGLE)
    ranking = next(q for q in poll.questions.all() if q.kind == K.RANKING)
    multiple = next(q for q in poll.questions.all() if q.kind == K.MULTIPLE)
    del data[f"q{single.pk}"]
    response = client.post(url(poll), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose one option." in body
    assert f'aria-describedby="id_q{single.pk}_error"' in body
    assert "남겨둘 의견" in body
    for cid in answers[multiple.pk]:
        assert re.search(rf'value="{cid}"[^>]*checked', body), cid
    for cid, rank in answers[ranking.pk].items():
        select = re.search(rf'name="q{ranking.pk}_{cid}".*?</select>', body, re.S).group(0)
        assert f'<option value="{rank}" selected>' in select
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"qx": "1"},
        {"q1": "\x00"},
        {"q999999999999": ["1", "2"]},
        {"token": "not-a-token"},
    ],
)
def test_bad_input_never_500(world, client_for, poll, data):
    client = client_for(world.citizen)
    question = next(q for q in poll.questions.all() if q.kind == K.RANKING)
    data = {**data, f"q{question.pk}_999": "1" * 50}
    response = client.post(url(poll), data)
    assert response.status_code == 400


def test_strange_urls_are_404(client, poll):
    assert client.get(f"/participation/polls/{poll.process.slug}/999999/").status_code == 404
    assert client.get("/participation/polls/nope/1/").status_code == 404
    assert client.get(f"/participation/polls/{poll.process.slug}/{poll.pk}x/").status_code == 404


def test_resident_of_another_region_is_refused_on_the_page(world, client_for):
    seoul = Region.objects.get_or_create(code="11", defaults={"name_ko": "서울특별시"})[0]
    busan = Region.objects.get_or_create(code="26", defaults={"name_ko": "부산광역시"})[0]
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul, slug="seoul-poll")
    poll = make_poll(process)
    client = client_for(make_user("busan@example.com", region=busan))
    page = client.get(url(poll)).content.decode()
    assert "Only residents of" in page
    response = client.post(url(poll), form_data(poll, good(poll)))
    assert response.status_code == 403
    assert not Response.objects.exists()


# --- results ---------------------------------------------------------------------------------


def test_results_hidden_from_the_public_until_the_results_phase(world, client_for, process, poll):
    respond_many(poll, 3)
    assert client_for(None).get(url(poll, "results/")).status_code == 404
    assert client_for(world.citizen).get(url(poll, "results.csv")).status_code == 404
    assert client_for(world.handler).get(url(poll, "results/")).status_code == 200
    move_to_phase(process, PhaseKind.RESULTS)
    assert client_for(None).get(url(poll, "results/")).status_code == 200


def test_results_stay_public_after_every_phase_has_ended(world, client_for, process, poll):
    from datetime import timedelta

    from django.utils import timezone

    from nara.participation.models import Phase

    respond_many(poll, 3)
    move_to_phase(process, PhaseKind.RESULTS)
    # the results phase (the last one) ended yesterday: no phase is open any more
    shift = timezone.now() - Phase.objects.get(process=process, kind=PhaseKind.RESULTS).ends_at
    for phase in Phase.objects.filter(process=process):
        phase.starts_at += shift - timedelta(days=1)
        phase.ends_at += shift - timedelta(days=1)
        phase.save()
    anonymous = client_for(None)
    assert anonymous.get(url(poll, "results/")).status_code == 200
    assert anonymous.get(url(poll, "results.csv")).status_code == 200
    assert "See the results" in anonymous.get(url(poll)).content.decode()
    listing = anonymous.get(f"/participation/polls/{process.slug}/").content.decode()
    assert "See the results" in listing


def test_results_stay_hidden_before_the_results_phase_even_between_phases(
    world, client_for, process, poll
):
    from nara.participation.models import Phase

    Phase.objects.filter(process=process, kind=PhaseKind.INPUT).delete()  # a gap now
    anonymous = client_for(None)
    assert anonymous.get(url(poll, "results/")).status_code == 404
    assert "See the results" not in anonymous.get(url(poll)).content.decode()


def _figures(body):
    """Per question: the chart's figures and the table's figures, by option id."""
    charts, tables = {}, {}
    for section in re.findall(r'<section class="poll-result".*?</section>', body, re.S):
        chart = dict(re.findall(r'data-choice="(\d+)" data-value="(\d+)"', section))
        table = dict(
            re.findall(
                r'<tr data-choice="(\d+)">.*?<td class="num" data-figure>(\d+)</td>', section, re.S
            )
        )
        if chart or table:
            qid = re.search(r'id="result-(\d+)"', section).group(1)
            charts[qid], tables[qid] = chart, table
    return charts, tables


def test_chart_figures_equal_table_figures_and_free_text_is_hidden(
    world, client_for, process, poll
):
    respond_many(poll, 7)
    move_to_phase(process, PhaseKind.RESULTS)
    body = client_for(world.citizen).get(url(poll, "results/")).content.decode()
    charts, tables = _figures(body)
    assert len(charts) == 3  # the three choice questions
    assert charts == tables
    assert any(int(v) > 0 for chart in charts.values() for v in chart.values())
    assert "<caption>" in body and 'scope="col"' in body and 'scope="row"' in body
    assert "Borda" in body
    assert "010-1234" not in body and "의견 1" not in body  # free text stays with the agency
    assert "7 people answered" in body
    official = client_for(world.handler).get(url(poll, "results/")).content.decode()
    assert "의견 1 010-1234-0001" in official


def test_results_csv_has_bom_and_the_page_figures(world, client_for, process, poll):
    respond_many(poll, 5)
    move_to_phase(process, PhaseKind.RESULTS)
    response = client_for(None).get(url(poll, "results.csv"))
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["question_no", "question", "kind", "option", "count"]
    single = [r for r in rows[1:] if r[2] == "single"]
    assert sum(int(r[4]) for r in single) == 5
    assert {r[3] for r in single} == {"매일", "매주", "거의 안 감"}
    text_rows = [r for r in rows[1:] if r[2] == "text"]
    assert text_rows and text_rows[0][4] == "5" and "010" not in raw.decode("utf-8-sig")


def test_full_export_is_for_the_agency_only_and_anonymised(world, client_for, process, poll):
    respond_many(poll, 3)
    move_to_phase(process, PhaseKind.RESULTS)
    anonymous = client_for(None).get(url(poll, "responses.csv"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (world.citizen, world.other_handler):
        assert client_for(user).get(url(poll, "responses.csv")).status_code == 404, user
    response = client_for(world.handler).get(url(poll, "responses.csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffresponse_no,")
    assert len(text.strip().splitlines()) == 4
    assert "example.com" not in text and "r1@" not in text
    for user_id in Response.objects.values_list("user_id", flat=True):
        assert f",{user_id}," not in text


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["", "results/", "list"])
def test_query_counts_do_not_grow_with_the_data(
    world, client_for, process, poll, page, django_assert_max_num_queries
):
    client = client_for(world.handler)  # the agency sees results in any phase
    target = f"/participation/polls/{process.slug}/" if page == "list" else url(poll, page)
    respond_many(poll, 3)
    client.get(target)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    respond_many(poll, 30, start=3)
    make_poll(process)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(target).status_code == 200
