"""Following and digests: one activity row per event, one digest mail per user and period with
what they follow (in their language, nothing when nothing happened, never a mail per event),
and the one-click unsubscribe (RFC 8058) that needs no login, ignores GET and takes the mail
client's POST."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from time_machine import travel

from nara.notifications.messages import localized, msg
from nara.notifications.models import OutboxMessage
from nara.notifications.tasks import deliver_due_outbox
from nara.participation import following, services
from nara.participation.models import Activity, DigestFrequency, DigestPreference, PhaseKind
from nara.participation.tasks import participation_digests_tick
from tests import test_outbox
from tests.participation_helpers import make_process
from tests.states import kst

MONDAY = kst(2026, 3, 9, 10, 0)  # a Monday, after the 08:00 digest hour
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# the real SMTP server of tests/test_outbox.py (aiosmtpd on 127.0.0.1)
smtp, smtp_factory, use_smtp = test_outbox.smtp, test_outbox.smtp_factory, test_outbox.use_smtp


@pytest.fixture(autouse=True)
def _https_site(settings):
    settings.SITE_URL = "https://nara.example"


def _news(process, text="Roads news", target=None):
    """An activity whose message has a part rendered per language (the unit's name)."""
    following.record_activity(
        process=process,
        target=target,
        message=msg(_("%(unit)s: %(text)s"), {"unit": localized(process.unit), "text": text}),
        url=f"/participation/p/{process.slug}/",
    )


@pytest.fixture
def setup(world):
    with travel(MONDAY, tick=False):
        process = make_process(world.roads, current=PhaseKind.INPUT, slug="bikes")
    world.citizen.preferred_language = "en"
    world.citizen.save(update_fields=["preferred_language"])
    return process


def _send(at) -> int:
    with travel(at, tick=False):
        return following.digests_send()


def test_record_activity_stores_one_row_in_every_language(world, setup):
    for i in range(30):
        services.follow_create(user=world.citizen if i == 0 else _user(i), target=setup)
    _news(setup)
    activity = Activity.objects.get()  # one row, whatever the number of followers
    assert activity.message == {"ko": "도로과: Roads news", "en": "Roads Division: Roads news"}
    assert activity.url == "/participation/p/bikes/"


def _user(i):
    from tests.conftest import make_user

    return make_user(f"follower{i}@example.com")


def test_a_weekly_digest_is_one_mail_per_week_with_everything_in_it(world, setup):
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)
    for i in range(5):
        with travel(MONDAY + (i + 1) * HOUR, tick=False):
            _news(setup, text=f"event {i}")
    assert _send(MONDAY + 2 * DAY) == 0  # mid-week: not yet
    assert OutboxMessage.objects.count() == 0
    assert _send(MONDAY + 7 * DAY) == 1  # next Monday 10:00, past the 08:00 boundary
    assert _send(MONDAY + 7 * DAY + HOUR) == 0  # the same period twice: nothing more
    mail = OutboxMessage.objects.get()
    assert mail.to_email == world.citizen.email
    assert mail.subject == "Your participation digest: 5 updates"
    for i in range(5):
        assert f"[시범 참여 과정] Roads Division: event {i}" in mail.body
    assert "https://nara.example/participation/p/bikes/" in mail.body
    token_url = following.unsubscribe_url(world.citizen)
    assert token_url.startswith("https://nara.example/participation/unsubscribe/")
    assert token_url in mail.body  # the visible link
    assert mail.headers == {
        "List-Unsubscribe": f"<{token_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_a_daily_digest_follows_the_day_and_nothing_is_sent_when_nothing_happened(world, setup):
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)
        services.digest_frequency_set(user=world.citizen, frequency=DigestFrequency.DAILY)
    with travel(MONDAY + HOUR, tick=False):
        _news(setup, text="on Monday")
    assert _send(MONDAY + 3 * HOUR) == 0  # Monday's digest hour passed before the follow
    assert _send(MONDAY + DAY) == 1  # Tuesday 10:00
    with travel(MONDAY + DAY + HOUR, tick=False):
        _news(setup, text="on Tuesday")
    assert _send(MONDAY + 2 * DAY - 3 * HOUR) == 0  # Wednesday 07:00: before the hour
    assert _send(MONDAY + 2 * DAY) == 1
    assert _send(MONDAY + 3 * DAY) == 0  # nothing happened on Wednesday
    bodies = list(OutboxMessage.objects.values_list("body", flat=True))
    assert len(bodies) == 2
    assert "on Monday" in bodies[0] and "on Tuesday" not in bodies[0]
    assert "on Tuesday" in bodies[1] and "on Monday" not in bodies[1]
    assert DigestPreference.objects.get(user=world.citizen).covered_until == kst(2026, 3, 12, 8, 0)


def test_the_digest_is_in_each_followers_language_and_covers_followed_items(world, setup):
    phase = setup.phases.get(kind=PhaseKind.INPUT)  # an item in the process, followed alone
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)  # English
        services.follow_create(user=world.other_citizen, target=phase)  # Korean
    with travel(MONDAY + HOUR, tick=False):
        _news(setup, text="about the process")
        _news(setup, text="about the item", target=phase)
    assert _send(MONDAY + 7 * DAY) == 2
    english = OutboxMessage.objects.get(to_email=world.citizen.email).body
    korean = OutboxMessage.objects.get(to_email=world.other_citizen.email).body
    # process followers get everything in the process; item followers only that item's news
    assert "Roads Division: about the process" in english
    assert "Roads Division: about the item" in english
    assert "도로과: about the item" in korean
    assert "about the process" not in korean


def test_what_happened_before_following_or_in_an_unpublished_process_is_not_sent(world, setup):
    hidden = make_process(world.roads, slug="hidden", published=False)
    with travel(MONDAY, tick=False):
        _news(setup, text="before")
    with travel(MONDAY + HOUR, tick=False):
        services.follow_create(user=world.citizen, target=setup)
        services.follow_create(user=world.handler, target=hidden)
    with travel(MONDAY + 2 * HOUR, tick=False):
        _news(hidden, text="secret")
    assert _send(MONDAY + 7 * DAY) == 0
    assert not OutboxMessage.objects.exists()


def test_no_digest_when_switched_off_unfollowed_or_e_mail_refused(world, setup):
    with travel(MONDAY, tick=False):
        for user in (world.citizen, world.other_citizen, world.handler):
            services.follow_create(user=user, target=setup)
        services.digest_frequency_set(user=world.citizen, frequency=DigestFrequency.OFF)
        services.follow_delete(user=world.other_citizen, target=setup)
        world.handler.notify_email = False
        world.handler.save(update_fields=["notify_email"])
    with travel(MONDAY + HOUR, tick=False):
        _news(setup)
    assert _send(MONDAY + 7 * DAY) == 0
    assert not OutboxMessage.objects.exists()


def test_turning_the_digest_back_on_does_not_send_what_happened_while_off(world, setup):
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)
        services.digest_frequency_set(user=world.citizen, frequency=DigestFrequency.OFF)
    with travel(MONDAY + HOUR, tick=False):
        _news(setup, text="while off")
    with travel(MONDAY + 2 * HOUR, tick=False):
        services.digest_frequency_set(user=world.citizen, frequency=DigestFrequency.WEEKLY)
    with travel(MONDAY + 3 * HOUR, tick=False):
        _news(setup, text="after")
    assert _send(MONDAY + 7 * DAY) == 1
    body = OutboxMessage.objects.get().body
    assert "after" in body and "while off" not in body


def test_the_periodic_task_sends_the_digests(world, setup):
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)
    with travel(MONDAY + HOUR, tick=False):
        _news(setup)
    with travel(MONDAY + 7 * DAY, tick=False):
        assert participation_digests_tick.call() == 1


def test_the_digest_reaches_a_real_smtp_server_with_the_unsubscribe_headers(
    world, setup, smtp, django_capture_on_commit_callbacks
):
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=setup)
    with travel(MONDAY + HOUR, tick=False):
        _news(setup)
    with travel(MONDAY + 7 * DAY, tick=False):
        assert following.digests_send() == 1
        assert deliver_due_outbox.call() == 1
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == [world.citizen.email]
    url = following.unsubscribe_url(world.citizen)
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.get_content()


# --- one-click unsubscribe ----------------------------------------------------------------------


def _path(user) -> str:
    return reverse("participation:unsubscribe", kwargs={"token": following.unsubscribe_token(user)})


def test_get_shows_a_button_and_unsubscribes_nobody(world, setup):
    services.follow_create(user=world.citizen, target=setup)
    response = Client().get(_path(world.citizen), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post"' in page and "Unsubscribe</button>" in page
    assert DigestPreference.objects.get(user=world.citizen).frequency == DigestFrequency.WEEKLY


def test_the_mail_clients_one_click_post_unsubscribes_without_login_or_csrf(world, setup):
    services.follow_create(user=world.citizen, target=setup)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _path(world.citizen),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert DigestPreference.objects.get(user=world.citizen).frequency == DigestFrequency.OFF
    # again: still fine (idempotent)
    assert client.post(_path(world.citizen)).status_code == 200
    with travel(MONDAY + HOUR, tick=False):
        _news(setup)
    assert _send(MONDAY + 14 * DAY) == 0


def test_the_button_unsubscribes_and_a_user_without_a_follow_is_fine(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_path(world.other_citizen), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Done: you will get no more" in response.content.decode()
    assert DigestPreference.objects.get(user=world.other_citizen).frequency == "off"


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ:1:abc", "x" * 300])
def test_a_forged_or_broken_token_is_404(world, token):
    response = Client(enforce_csrf_checks=True).post(
        reverse("participation:unsubscribe", kwargs={"token": token})
    )
    assert response.status_code == 404
    assert not DigestPreference.objects.exists()


def test_a_token_of_one_user_only_unsubscribes_that_user(world):
    assert following.unsubscribe_user(following.unsubscribe_token(world.citizen)) == world.citizen
    assert following.unsubscribe_token(world.citizen) != following.unsubscribe_token(
        world.other_citizen
    )


def test_a_digest_link_names_the_address_it_was_sent_to(world):
    """As for notification mails: after the user changes address, old digests' links no longer
    work, and a digest token does not switch off notification e-mails (another salt)."""
    from nara.notifications.services import unsubscribe_user as notifications_user

    token = following.unsubscribe_token(world.citizen)
    assert notifications_user(token) is None
    world.citizen.email = "moved@example.com"
    world.citizen.save(update_fields=["email"])
    assert following.unsubscribe_user(token) is None
