"""Signing by e-mail cannot flood a stranger's mailbox (issue 11, security item 3): one pending
link per address and petition, a daily cap of links per address across petitions, both on the
canonical address, on the web form and the API alike, and under concurrent requests."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nara.audit.models import AuditEvent, EventType
from nara.core.models import Region
from nara.notifications.models import OutboxMessage
from nara.petitions import emails, signing
from nara.petitions.models import PendingSignature
from tests.helpers import together

from .petition_helpers import opened
from .test_petitions_web import en_client, sign_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cap(settings):
    settings.NARA_SIGNING_MAILS_PER_ADDRESS_PER_DAY = 3
    settings.NARA_RATE_LIMITS_ENABLED = False  # these limits hold without the cache's ones


def jongno() -> Region:
    """(loaded by core's data migration; a transactional test before may have emptied it)"""
    seoul, _ = Region.objects.get_or_create(code="11", defaults={"name_ko": "서울특별시"})
    district, _ = Region.objects.get_or_create(
        code="11110", defaults={"name_ko": "종로구", "parent": seoul}
    )
    return district


def sign(petition, email, region=None):
    return signing.petition_sign_by_email(
        petition=petition, name="Kim", email=email, region=region or jongno()
    )


def links_to(canonical: str) -> int:
    """Confirmation mails in the outbox for the addresses of one person."""
    mails = OutboxMessage.objects.filter(body__contains="/petitions/confirm/")
    return sum(1 for m in mails if emails.canonical(m.to_email) == canonical)


def refusals(reason: str) -> int:
    events = AuditEvent.objects.filter(event_type=EventType.PETITION_SIGNATURE_REFUSED)
    return sum(1 for e in events if e.data.get("reason") == reason)


def petitions(world, small_type, moderator, n):
    return [opened(world, small_type, moderator, title=f"Petition number {i}") for i in range(n)]


def test_a_second_request_while_the_link_works_sends_nothing(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    assert sign(petition, "Kim.Min.Su+petition@gmail.com") is not None
    # the same mailbox, written another way, six times
    for _ in range(6):
        assert sign(petition, "kimminsu@googlemail.com") is None
    assert links_to("kimminsu@gmail.com") == 1
    assert refusals("already_pending") == 6
    assert PendingSignature.objects.filter(petition=petition).count() == 1


def test_once_the_link_expired_a_new_one_may_be_sent(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    first = sign(petition, "kim@example.org")
    PendingSignature.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    assert sign(petition, "kim@example.org") is not None
    assert links_to("kim@example.org") == 2


def test_an_address_gets_a_few_links_a_day_across_petitions(world, moderator, small_type):
    several = petitions(world, small_type, moderator, 5)
    sent = [sign(p, "victim@naver.com") is not None for p in several]  # a big provider too
    assert sent == [True, True, True, False, False]
    assert links_to("victim@naver.com") == 3
    assert refusals("address_daily_cap") == 2
    assert sign(several[3], "someone.else@naver.com") is not None  # another person is not held
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert sign(several[3], "victim@naver.com") is not None  # a day later, one more
    assert links_to("victim@naver.com") == 4


def test_the_web_form_gives_the_same_page_and_sends_one_mail(world, moderator, small_type):
    jongno()
    petition = opened(world, small_type, moderator)
    url = reverse("petitions:sign_by_email", args=[petition.pk])
    check_email = reverse("petitions:check_email", args=[petition.pk])
    for _ in range(3):
        response = en_client().post(url, sign_data(email="minsu@example.org"))
        assert response.status_code == 302 and response["Location"] == check_email
    assert links_to("minsu@example.org") == 1
    page = en_client().get(check_email).content.decode()
    assert "if you asked before, no new mail is sent" in page


def test_the_api_answers_202_each_time_and_sends_one_mail(world, moderator, small_type):
    jongno()
    petition = opened(world, small_type, moderator)
    signer = {"name": "홍길동", "email": "gildong@example.org", "region": "11110"}
    for _ in range(3):
        response = Client().post(
            f"/api/v1/petitions/{petition.pk}/signatures",
            data=json.dumps(signer),
            content_type="application/json",
        )
        assert response.status_code == 202
        assert response.json() == {"status": "confirmation_sent"}
    assert links_to("gildong@example.org") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_address_send_one_mail(world, moderator, small_type):
    several = petitions(world, small_type, moderator, 2)
    region = jongno()
    results = []

    def request(i):
        results.append(sign(several[i % 2], "target@example.org", region))

    assert together(8, request) == [None] * 8
    assert links_to("target@example.org") == 2  # one per petition
    assert len([r for r in results if r is not None]) == 2
