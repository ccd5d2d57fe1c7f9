"""Notifications are kept as message ids and parameters and read in the reader's language of
the moment (nara/notifications/messages.py), with Korean particles chosen after the names."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.complaints import services
from nara.notifications.messages import localized, msg, render, stored
from nara.notifications.models import Notification
from nara.notifications.services import notify
from tests.helpers import to_in_progress


def inbox_text(client, language: str) -> str:
    page = client.get(reverse("notifications:inbox"), headers={"accept-language": language})
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
def test_a_notification_written_in_korean_reads_in_english(client_for, world):
    complaint = to_in_progress(world)
    with translation.override("ko"):  # the official works in Korean; the citizen prefers it too
        services.complaint_transfer(
            complaint=complaint, by=world.handler, to_unit=world.parks, reason="공원 안입니다"
        )
    client = client_for(world.citizen)
    english = inbox_text(client, "en")
    assert f"Complaint {complaint.receipt_no} sent to Parks Division" in english
    assert "Your complaint is now handled by Parks Division" in english
    assert "공원과" not in english
    korean = inbox_text(client, "ko")
    assert f"민원 {complaint.receipt_no}: 공원과로 전달" in korean  # 로 after 과, not (으)로
    assert "(으)로" not in korean


@pytest.mark.django_db
def test_particles_follow_the_name_in_korean(world):
    names = {"민원실": "민원실로", "교통정책국": "교통정책국으로", "Data Office": "Data Office로"}
    for name, expected in names.items():
        unit = Unit.objects.create(code=f"u{len(name)}", name_ko=name, kind=Unit.Kind.DEPARTMENT)
        notify(
            user=world.citizen,
            subject=msg(
                _("Complaint %(no)s sent to %(unit)s"), {"no": "1", "unit": localized(unit)}
            ),
            body="",
            email=False,
        )
        with translation.override("ko"):
            assert expected in Notification.objects.filter(user=world.citizen).first().shown_title()


@pytest.mark.django_db
def test_what_a_person_wrote_is_shown_as_written(world):
    notify(user=world.citizen, subject=_("Petitions"), body="Fix the lights, please", email=False)
    n = Notification.objects.get(user=world.citizen)
    assert n.message == {"title": {"f": "gettext", "a": ["Petitions"], "p": {}}, "body": None}
    with translation.override("en"):
        assert (n.shown_title(), n.shown_body()) == ("Petitions", "Fix the lights, please")
    with translation.override("ko"):
        assert n.shown_title() == "청원"


def test_a_message_that_does_not_fit_its_parameters_never_fails():
    spec = {"f": "gettext", "a": ["Hello %(name)s"], "p": {}}
    assert render(spec) == "Hello %(name)s"


def test_values_that_depend_on_the_language_are_kept_in_each():
    kept = stored(msg(_("New proposal: %(title)s"), {"title": "자전거", "label": _("Petitions")}))
    assert kept["p"]["title"] == "자전거"
    assert kept["p"]["label"] == {"l": {"ko": "청원", "en": "Petitions"}}
    assert stored("plain text") is None
