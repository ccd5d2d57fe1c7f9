"""Mail to an address nobody has confirmed carries no text the person who typed the address
chose (issue 11, security item 4): a stranger signing up someone else's address must not be
able to send that person an official mail with their own words in it. Checked on the mails a
real SMTP server receives (aiosmtpd, as tests/test_outbox.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from nara.accounts.models import User
from tests.test_outbox import smtp, smtp_factory, use_smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server(request):
    """A live SMTP server the site sends to (tests/test_outbox.py's `smtp`)."""
    return request.getfixturevalue("smtp")


PHISHING = "환급 대상자입니다. http://refund.example/ 에서 계좌 확인"
VICTIM = "victim@example.com"


def sign_up(name: str, email: str = VICTIM):
    return Client().post(
        reverse("accounts:signup"),
        {
            "email": email,
            "name": name,
            "password1": "purple-monkey-dishwasher-42",
            "password2": "purple-monkey-dishwasher-42",
            "preferred_language": "ko",
            "accept_terms": "on",
        },
    )


def bodies(mail_server) -> list[str]:
    return [
        message.get_content() + str(message["Subject"]) for _to, message in mail_server.messages
    ]


def assert_nothing_typed(text: str) -> None:
    for piece in (PHISHING, "환급", "refund.example", "계좌"):
        assert piece not in text


def test_the_confirmation_mail_carries_no_name_typed_by_a_stranger(
    mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(PHISHING).status_code == 302
    [(recipients, message)] = mail_server.messages
    assert recipients == [VICTIM]
    body = message.get_content()
    assert "/accounts/confirm/" in body
    assert_nothing_typed(body + str(message["Subject"]))


def test_signing_up_the_same_address_again_mails_no_typed_text_either(
    mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(PHISHING)
        sign_up("다른 " + PHISHING)  # the fresh link for the unconfirmed account
    assert len(mail_server.messages) == 2
    for text in bodies(mail_server):
        assert_nothing_typed(text)


def test_the_already_registered_mail_and_the_reset_mail_carry_no_typed_name(
    mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(PHISHING)
        User.objects.filter(email=VICTIM).update(is_active=False)
        sign_up(PHISHING)  # "you already have an account", to an address never confirmed
        User.objects.filter(email=VICTIM).update(is_active=True)
        Client().post(reverse("accounts:password_reset"), {"email": VICTIM})
    assert len(mail_server.messages) == 3
    for text in bodies(mail_server):
        assert_nothing_typed(text)
