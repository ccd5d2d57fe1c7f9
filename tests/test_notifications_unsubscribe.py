"""Every notification e-mail carries a one-click unsubscribe (RFC 8058) that switches the
user's notification e-mails off without logging in; opening the link changes nothing."""

from urllib.parse import urlsplit

from django.test import Client
from django.utils import translation

from nara.audit.models import AuditEvent, EventType
from nara.notifications.models import Notification, OutboxMessage
from nara.notifications.services import notify, unsubscribe_url


def _path(url: str) -> str:
    return urlsplit(url).path


def test_a_notification_mail_has_the_headers_and_a_visible_link(world):
    notify(user=world.citizen, subject="Answered", body="Your complaint was answered.")
    mail = OutboxMessage.objects.get()
    url = unsubscribe_url(world.citizen)
    assert mail.headers == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert url in mail.body


def test_opening_the_link_changes_nothing_and_the_button_stops_the_mails(world):
    path = _path(unsubscribe_url(world.citizen))
    client = Client()
    with translation.override("en"):
        page = client.get(path, headers={"accept-language": "en"})
    assert page.status_code == 200 and b"Stop the e-mails" in page.content
    world.citizen.refresh_from_db()
    assert world.citizen.notify_email
    assert client.post(path).status_code == 200
    world.citizen.refresh_from_db()
    assert not world.citizen.notify_email
    assert AuditEvent.objects.filter(
        event_type=EventType.USER_PROFILE_UPDATED, target_id=str(world.citizen.pk)
    ).exists()
    notify(user=world.citizen, subject="Answered", body="Still on the site.")
    assert not OutboxMessage.objects.exists()
    assert Notification.objects.filter(user=world.citizen).exists()


def test_the_mail_clients_one_click_post_needs_no_csrf_token_and_a_bad_token_is_404(world):
    path = _path(unsubscribe_url(world.citizen))
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    world.citizen.refresh_from_db()
    assert not world.citizen.notify_email
    assert client.post("/notifications/unsubscribe/forged/").status_code == 404
    other = path.replace("/unsubscribe/", "/unsubscribe/x")
    assert client.get(other).status_code == 404


def test_a_link_sent_to_an_address_the_user_has_left_no_longer_works(world):
    path = _path(unsubscribe_url(world.citizen))
    world.citizen.email = "new-address@example.com"
    world.citizen.save(update_fields=["email"])
    assert Client().post(path).status_code == 404
    world.citizen.refresh_from_db()
    assert world.citizen.notify_email


def test_officials_duty_mail_has_no_unsubscribe(world):
    notify(user=world.handler, subject="Assigned", body="A complaint was assigned to you.")
    mail = OutboxMessage.objects.get()
    assert mail.headers == {} and "/notifications/unsubscribe/" not in mail.body
