"""The participation core: creating processes (phases checked, audited), the list of processes,
a process page (timeline, what the viewer can do, components, follow), following, and "My
participation" (follows, digest setting, posts with their moderation status)."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from nara.audit.models import AuditEvent, EventType
from nara.core.errors import NotAllowed
from nara.core.models import Region
from nara.participation import components, services
from nara.participation.models import (
    DigestFrequency,
    DigestPreference,
    Follow,
    PhaseKind,
    Process,
)
from tests.conftest import make_user
from tests.participation_helpers import make_process


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source texts: pages and messages in English."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


EN = {"Accept-Language": "en"}
DAY = timedelta(days=1)


def phases_from(start, *kinds, days=7):
    return [(k, start + i * days * DAY, start + (i + 1) * days * DAY) for i, k in enumerate(kinds)]


# --- services ------------------------------------------------------------------------------------


def test_an_official_of_the_unit_creates_a_process_with_phases_and_it_is_audited(world):
    now = timezone.now()
    process = services.process_create(
        by=world.handler,
        unit=world.roads,
        slug="bike-lanes",
        title="  Bike lanes on Jong-ro ",
        summary="Where should they go?",
        phases=phases_from(now - DAY, PhaseKind.INFORMATION, PhaseKind.INPUT),
        published=True,
    )
    assert process.title == "Bike lanes on Jong-ro"
    phases = list(process.phases.order_by("starts_at"))
    assert [p.kind for p in phases] == ["information", "input"]
    assert "comment" in phases[1].actions  # the defaults of the kind
    event = AuditEvent.objects.get(event_type=EventType.PARTICIPATION_PROCESS_CREATED)
    assert event.actor == world.handler and event.to_state == "published"
    assert len(event.data["phases"]) == 2


def test_an_operator_may_create_a_process_for_any_unit_and_others_may_not(world):
    now = timezone.now()
    services.process_create(
        by=world.operator, unit=world.parks, slug="parks", title="Parks", phases=[]
    )
    for outsider in (world.citizen, world.other_handler):
        with pytest.raises(NotAllowed):
            services.process_create(
                by=outsider,
                unit=world.roads,
                slug=f"x-{outsider.pk}",
                title="X",
                phases=phases_from(now, PhaseKind.INPUT),
            )
    assert not Process.objects.filter(slug__startswith="x-").exists()


@pytest.mark.parametrize(
    "phases, message",
    [
        ("overlap", "Phases must follow each other in order without overlapping."),
        ("backwards", "A phase must end after it starts."),
        ("unknown", "Unknown phase kind."),
        ("bad_action", "Unknown action in a phase."),
    ],
)
def test_phases_must_be_ordered_and_not_overlap(world, phases, message):
    now = timezone.now()
    specs = {
        "overlap": [
            (PhaseKind.INPUT, now, now + 7 * DAY),
            (PhaseKind.VOTING, now + 6 * DAY, now + 9 * DAY),
        ],
        "backwards": [(PhaseKind.INPUT, now, now - DAY)],
        "unknown": [("party", now, now + DAY)],
        "bad_action": [(PhaseKind.INPUT, now, now + DAY, ["dance"])],
    }[phases]
    with pytest.raises(ValidationError) as error:
        services.process_create(
            by=world.handler, unit=world.roads, slug="p", title="P", phases=specs
        )
    assert [str(m) for m in error.value.message_dict["phases"]] == [message]
    assert not Process.objects.exists()


def test_phases_may_touch_and_a_slug_is_used_once(world):
    now = timezone.now()
    touching = phases_from(now, PhaseKind.INPUT, PhaseKind.VOTING)
    services.process_create(
        by=world.handler, unit=world.roads, slug="p", title="P", phases=touching
    )
    with pytest.raises(ValidationError) as error:
        services.process_create(by=world.handler, unit=world.roads, slug="p", title="Q")
    assert "slug" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.process_create(by=world.handler, unit=world.roads, slug="no spaces", title="")
    assert set(error.value.message_dict) == {"slug", "title"}


def test_phases_set_and_publish_are_audited_with_before_and_after(world):
    now = timezone.now()
    process = services.process_create(
        by=world.handler, unit=world.roads, slug="p", title="P", phases=[]
    )
    with pytest.raises(ValidationError):
        services.process_publish(by=world.handler, process=process)  # no phases yet
    services.process_phases_set(
        by=world.approver,
        process=process,
        phases=phases_from(now, PhaseKind.INPUT, PhaseKind.RESULTS),
    )
    services.process_publish(by=world.handler, process=process)
    process.refresh_from_db()
    assert process.published
    changes = AuditEvent.objects.filter(event_type=EventType.PARTICIPATION_PROCESS_CHANGED)
    assert changes.count() == 2
    phase_change = changes.exclude(data={}).get(to_state="")
    assert phase_change.data["phases_before"] == []
    assert [p["kind"] for p in phase_change.data["phases_after"]] == ["input", "results"]
    with pytest.raises(NotAllowed):
        services.process_phases_set(by=world.other_handler, process=process, phases=[])


def test_follow_is_idempotent_and_unfollow_too(world):
    process = make_process(world.roads)
    first = services.follow_create(user=world.citizen, target=process)
    second = services.follow_create(user=world.citizen, target=process)
    assert first.pk == second.pk
    assert Follow.objects.count() == 1
    assert DigestPreference.objects.get(user=world.citizen).frequency == DigestFrequency.WEEKLY
    assert services.follow_delete(user=world.citizen, target=process) == 1
    assert services.follow_delete(user=world.citizen, target=process) == 0


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_make_one_follow(world):
    import threading

    from django.db import connection

    process = make_process(world.roads)
    barrier = threading.Barrier(2)
    errors = []

    def click():
        try:
            barrier.wait(timeout=10)
            services.follow_create(user=world.citizen, target=process)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Follow.objects.filter(user=world.citizen).count() == 1


# --- the list of processes -----------------------------------------------------------------------


def _spread(world, n: int, prefix: str):
    """n open, n upcoming and n finished published processes, and one unpublished."""
    for i in range(n):
        make_process(world.roads, current=PhaseKind.INPUT, slug=f"{prefix}-open-{i}")
        upcoming = make_process(world.parks, current=PhaseKind.INPUT, slug=f"{prefix}-up-{i}")
        upcoming.phases.update(
            starts_at=timezone.now() + 30 * DAY, ends_at=timezone.now() + 40 * DAY
        )
        finished = make_process(world.roads, current=PhaseKind.INPUT, slug=f"{prefix}-done-{i}")
        finished.phases.update(
            starts_at=timezone.now() - 40 * DAY, ends_at=timezone.now() - 30 * DAY
        )
    make_process(world.roads, slug=f"{prefix}-hidden", published=False, title="Secret plan")


def test_home_lists_open_upcoming_and_finished_published_processes(world, client):
    _spread(world, 1, "a")
    page = client.get(reverse("participation:home"), headers=EN).content.decode()
    assert "a-open-0" in page and "a-up-0" not in page and "a-done-0" not in page
    assert "Current phase: Input" in page and "Roads Division" in page
    assert "Secret plan" not in page
    upcoming = client.get("/participation/?show=upcoming", headers=EN).content.decode()
    assert "a-up-0" in upcoming and "Next phase: Information" in upcoming
    finished = client.get("/participation/?show=finished", headers=EN).content.decode()
    assert "a-done-0" in finished and "a-open-0" not in finished
    filtered = client.get("/participation/?agency=seoul-parks&show=upcoming").content.decode()
    assert "a-up-0" in filtered
    assert "a-open-0" not in client.get("/participation/?agency=seoul-parks").content.decode()


def test_home_filters_by_region_including_its_districts(world, client):
    seoul, busan = Region.objects.get(code="11"), Region.objects.get(code="26")
    make_process(world.roads, slug="in-jongno", region=Region.objects.get(code="11110"))
    make_process(world.roads, slug="in-busan", region=busan)
    page = client.get(f"/participation/?region={seoul.code}").content.decode()
    assert "in-jongno" in page and "in-busan" not in page


def test_home_survives_odd_query_parameters(world, client):
    _spread(world, 1, "a")
    for query in ("show=\x00", "page=-1", "page=abc", "region=" + "9" * 500):
        assert client.get(f"/participation/?{query}").status_code == 200, query  # ignored
    assert client.get("/participation/?agency=%00").status_code == 400  # a NUL: refused


def test_home_query_count_does_not_grow_with_the_data(world, client, django_assert_max_num_queries):
    _spread(world, 2, "small")
    with django_assert_max_num_queries(12) as small:
        client.get("/participation/")
    _spread(world, 12, "big")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/participation/")
    assert response.content.decode().count('class="card"') == 14


# --- a process page -----------------------------------------------------------------------------


def test_process_page_shows_timeline_possibilities_and_components(world, client_for):
    seoul = Region.objects.get(code="11")
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul, slug="bikes")

    def provider(p):
        return [components.Component(kind="Draft", title=f"Draft of {p.slug}", url="/x/")]

    components.register(provider)
    try:
        anonymous = client_for(None).get("/participation/p/bikes/", headers=EN).content.decode()
        resident = make_user("jongno@example.com", region=Region.objects.get(code="11110"))
        mine = client_for(resident).get("/participation/p/bikes/", headers=EN).content.decode()
        other = client_for(world.other_citizen).get("/participation/p/bikes/", headers=EN)
    finally:
        components._PROVIDERS.remove(provider)
    assert "Draft of bikes" in anonymous
    assert 'aria-current="step"' in anonymous and "Current phase" in anonymous
    assert "Please log in to take part." in anonymous
    assert "Log in to follow this." in anonymous
    assert "Open to you:</strong> Propose" in mine
    assert "Open to you:</strong> Comment" in mine
    assert "Only officials" not in mine  # the agency's actions are not listed for citizens
    assert "Only residents of Seoul may do this." in other.content.decode()
    assert process.title in mine


def test_officials_of_the_unit_see_their_actions_on_the_process_page(world, client_for):
    make_process(world.roads, current=PhaseKind.DELIBERATION, slug="p")
    page = client_for(world.handler).get("/participation/p/p/", headers=EN).content.decode()
    assert "Open to you:</strong> Publish the report" in page


def test_an_unpublished_process_is_404_except_for_its_agency_and_operators(world, client_for):
    make_process(world.roads, slug="draft", published=False)
    for user in (None, world.citizen, world.other_handler):
        assert client_for(user).get("/participation/p/draft/").status_code == 404
    for user in (world.handler, world.approver, world.operator):
        response = client_for(user).get("/participation/p/draft/", headers=EN)
        assert response.status_code == 200
        assert "not published yet" in response.content.decode()
    assert client_for(None).get("/participation/p/nothing-here/").status_code == 404


def test_between_phases_the_page_says_when_the_next_one_starts(world, client):
    process = make_process(world.roads, current=PhaseKind.INPUT, slug="gap")
    now = timezone.now()
    process.phases.filter(kind=PhaseKind.INPUT).update(ends_at=now - timedelta(hours=1))
    process.phases.filter(kind=PhaseKind.DELIBERATION).update(starts_at=now + DAY)
    page = client.get("/participation/p/gap/", headers=EN).content.decode()
    assert "Nothing is open right now. The next phase, Deliberation, starts on" in page


def test_process_page_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    process = make_process(world.roads, slug="p")
    client = client_for(world.citizen)
    with django_assert_max_num_queries(30) as small:
        client.get("/participation/p/p/")
    for i in range(20):
        services.follow_create(user=make_user(f"f{i}@example.com"), target=process)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/participation/p/p/").status_code == 200


# --- following on the web -----------------------------------------------------------------------


def test_follow_and_unfollow_buttons(world, client_for):
    process = make_process(world.roads, slug="p")
    client = client_for(world.citizen)
    url = reverse("participation:follow", args=["participation.process", process.pk])
    for _ in range(2):  # a double click
        response = client.post(url, {"action": "follow", "next": "/participation/p/p/"})
        assert response.status_code == 302 and response["Location"] == "/participation/p/p/"
    assert Follow.objects.filter(user=world.citizen).count() == 1
    page = client.get("/participation/p/p/", headers=EN).content.decode()
    assert "Unfollow" in page
    client.post(url, {"action": "unfollow", "next": "https://evil.example/"})
    assert not Follow.objects.exists()


def test_follow_refuses_what_cannot_be_seen_or_followed(world, client_for):
    hidden = make_process(world.roads, slug="hidden", published=False)
    client = client_for(world.citizen)
    follow = "participation:follow"
    assert (
        client.post(
            reverse(follow, args=["participation.process", hidden.pk]), {"action": "follow"}
        )
    ).status_code == 404
    assert (
        client.post(reverse(follow, args=["accounts.user", world.citizen.pk]), {"action": "follow"})
    ).status_code == 404
    assert client.post(reverse(follow, args=["participation.process", 999999])).status_code == 404
    assert not Follow.objects.exists()
    anonymous = client_for(None).post(reverse(follow, args=["participation.process", hidden.pk]))
    assert anonymous.status_code == 302  # to the login page
    assert client.get(reverse(follow, args=["participation.process", hidden.pk])).status_code == 405


# --- My participation ---------------------------------------------------------------------------


def test_my_participation_lists_follows_and_saves_the_digest_setting(world, client_for):
    process = make_process(world.roads, slug="p", title="Bike lanes")
    services.follow_create(user=world.citizen, target=process)
    client = client_for(world.citizen)
    page = client.get(reverse("participation:me"), headers=EN).content.decode()
    assert "Bike lanes" in page
    assert re.search(r'<input[^>]*value="weekly"[^>]*checked', page)
    response = client.post(reverse("participation:me"), {"frequency": "daily"})
    assert response.status_code == 302
    assert DigestPreference.objects.get(user=world.citizen).frequency == "daily"
    bad = client.post(reverse("participation:me"), {"frequency": "hourly"}, headers=EN)
    assert bad.status_code == 200
    assert "aria-describedby" in bad.content.decode()
    assert DigestPreference.objects.get(user=world.citizen).frequency == "daily"
    assert client_for(None).get(reverse("participation:me")).status_code == 302


def _comment(process, author, status, reason=""):
    """A comment on a draft, written straight to the table (its create service is the
    consultations app's): enough to list it here."""
    from nara.participation.consultations.models import Comment, Consultation

    consultation, _ = Consultation.objects.get_or_create(
        process=process, defaults={"title": "Draft", "summary": "Why"}
    )
    return Comment.objects.create(
        consultation=consultation,
        author=author,
        stance="support",
        body="My view",
        moderation_status=status,
        moderation_reason=reason,
    )


def test_my_participation_shows_my_posts_with_status_and_reason(
    world, client_for, monkeypatch, django_assert_max_num_queries
):
    from nara.participation import moderation
    from nara.participation.consultations.models import Comment

    monkeypatch.setattr(
        moderation, "REGISTRY", {"consultations.comment": moderation.Registration(Comment)}
    )
    process = make_process(world.roads, slug="p")
    _comment(process, world.citizen, "rejected", reason="Personal data of a neighbour")
    _comment(process, world.citizen, "pending")
    _comment(process, world.other_citizen, "hidden", reason="Someone else's")
    services.follow_create(user=world.citizen, target=process)
    client = client_for(world.citizen)
    page = client.get(reverse("participation:me"), headers=EN).content.decode()
    assert "Comments on drafts" in page
    assert "Personal data of a neighbour" in page
    assert "Rejected" in page and "Awaiting moderation" in page
    assert "Someone else" not in page
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("participation:me"))
    for i in range(10):
        _comment(process, world.citizen, "published")
        services.follow_create(user=world.citizen, target=make_process(world.parks, slug=f"f{i}"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("participation:me"))


# --- admin: operators author processes -----------------------------------------------------------


def _admin_post(world, phases):
    data = {
        "slug": "from-admin",
        "title": "From the admin",
        "summary": "",
        "unit": world.roads.pk,
        "region": "",
        "published": "on",
        "phases-TOTAL_FORMS": str(len(phases)),
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
    }
    for i, (kind, start, end) in enumerate(phases):
        data.update(
            {
                f"phases-{i}-kind": kind,
                f"phases-{i}-title": "",
                f"phases-{i}-starts_at_0": start.strftime("%Y-%m-%d"),
                f"phases-{i}-starts_at_1": start.strftime("%H:%M:%S"),
                f"phases-{i}-ends_at_0": end.strftime("%Y-%m-%d"),
                f"phases-{i}-ends_at_1": end.strftime("%H:%M:%S"),
            }
        )
    return data


def test_an_operator_authors_a_process_with_phases_in_the_admin(world, client_for):
    client = client_for(world.operator)
    url = reverse("admin:participation_process_add")
    assert client.get(url).status_code == 200
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    overlapping = [
        (PhaseKind.INPUT, start, start + 7 * DAY),
        (PhaseKind.VOTING, start + 6 * DAY, start + 9 * DAY),
    ]
    response = client.post(url, _admin_post(world, overlapping), headers=EN)
    assert response.status_code == 200
    assert "without overlapping" in response.content.decode()
    assert not Process.objects.exists()
    good = [
        (PhaseKind.INPUT, start, start + 7 * DAY),
        (PhaseKind.VOTING, start + 7 * DAY, start + 9 * DAY),
    ]
    response = client.post(url, _admin_post(world, good))
    assert response.status_code == 302, response.content.decode()[:3000]
    process = Process.objects.get(slug="from-admin")
    assert process.created_by == world.operator
    phases = list(process.phases.order_by("starts_at"))
    assert [p.kind for p in phases] == ["input", "voting"]
    assert phases[1].actions == ["vote", "respond", "answer"]  # unticked: the kind's defaults
    event = AuditEvent.objects.get(event_type=EventType.PARTICIPATION_PROCESS_CREATED)
    assert event.actor == world.operator
    assert client_for(world.citizen).get(url).status_code == 302  # to the admin login
