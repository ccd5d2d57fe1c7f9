"""Petitions through the services: canonical e-mail, the transition table, signing (also
concurrently), thresholds firing exactly once, e-mail confirmation, bulk invalidation, the
clock, the official answer and who hears about it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.models import Region
from nara.notifications.models import Notification, OutboxMessage
from nara.petitions import answers, clock, emails, invalidation, services, signing
from nara.petitions.models import (
    PendingSignature,
    Petition,
    Signature,
    SignatureCounter,
    Status,
)
from nara.petitions.services import AlreadySigned, NotSignable
from tests.helpers import together

from .conftest import make_user
from .petition_helpers import gathering, in_review, opened, signers, supporters

pytestmark = pytest.mark.django_db


def count(petition) -> int:
    return signing.signature_count(petition.pk)


def events(petition, event_type) -> int:
    return AuditEvent.objects.filter(
        target_type="petitions.petition", target_id=str(petition.pk), event_type=event_type
    ).count()


def region(code="11110"):
    return Region.objects.get(code=code)


# --- canonical e-mail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("Kim.Min.Su+petition@Gmail.com", "kimminsu@gmail.com"),
        ("kimminsu@googlemail.com", "kimminsu@gmail.com"),
        ("KIM.MIN+x@naver.com", "kim.min+x@naver.com"),  # naver keeps dots and plus
        ("lee+news@outlook.com", "lee@outlook.com"),
        ("  park@Daum.NET ", "park@daum.net"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
    ],
)
def test_canonical_email(raw, canonical):
    assert emails.canonical(raw) == canonical


def test_disposable_domains_include_subdomains(settings):
    assert emails.is_disposable("mailinator.com")
    assert emails.is_disposable("xyz.mailinator.com")
    assert not emails.is_disposable("naver.com")
    assert not emails.is_disposable("com")


# --- writing and supporters ----------------------------------------------------------------


def test_create_checks_lengths_and_links(world, small_type):
    with pytest.raises(ValidationError) as error:
        services.petition_create(author=world.citizen, title="", body="short", type=small_type)
    assert set(error.value.message_dict) == {"title", "body"}
    with pytest.raises(ValidationError) as error:
        services.petition_create(
            author=world.citizen,
            title="A title",
            body="x" * 40,
            links=["javascript:alert(1)"],
            type=small_type,
        )
    assert "links" in error.value.message_dict


def test_create_is_idempotent_with_a_key(world, small_type):
    kwargs = dict(author=world.citizen, title="A title", body="x" * 40, type=small_type)
    first = services.petition_create(**kwargs, idempotency_key="k1")
    again = services.petition_create(**kwargs, idempotency_key="k1")
    assert first.pk == again.pk and Petition.objects.count() == 1
    assert events(first, EventType.PETITION_CREATED) == 1


def test_anonymous_cannot_create(world, small_type):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        services.petition_create(author=AnonymousUser(), title="t", body="x" * 40)


def test_supporters_bring_the_petition_to_review(world, small_type):
    petition = gathering(world, small_type)
    with pytest.raises(ValidationError):
        services.petition_support(petition=petition, by=world.citizen)  # the author
    first, second = supporters(2)
    petition = services.petition_support(petition=petition, by=first)
    petition = services.petition_support(petition=petition, by=first)  # twice counts once
    assert petition.supporter_count == 1 and petition.status == Status.GATHERING
    petition = services.petition_support(petition=petition, by=second)
    assert petition.status == Status.REVIEW
    assert petition.review_due_at - petition.review_started_at == timedelta(days=14)
    assert events(petition, EventType.PETITION_SUPPORTED) == 2


# --- the transition table -----------------------------------------------------------------


def _attempts(world, moderator):
    """Each action as its service call, by someone allowed to do it."""
    return {
        "support": lambda p: services.petition_support(petition=p, by=supporters(1)[0]),
        "withdraw": lambda p: services.petition_withdraw(petition=p, by=world.citizen),
        "open": lambda p: services.petition_open(petition=p, by=moderator, unit=world.roads),
        "reject": lambda p: services.petition_reject(
            petition=p, by=moderator, reason="out_of_scope", text="Not for the government."
        ),
        "answer": lambda p: answers.petition_answer_save(
            petition=p, by=world.handler, text="Draft.", submit=False
        ),
        "extend": lambda p: answers.petition_extend_answer(
            petition=p, by=world.approver, days=10, reason="We need a study."
        ),
    }


ALLOWED = {
    "support": {Status.GATHERING},
    "withdraw": {Status.GATHERING, Status.REVIEW},
    "open": {Status.REVIEW},
    "reject": {Status.GATHERING, Status.REVIEW, Status.OPEN},
    "answer": {Status.REFERRED, Status.AWAITING_ANSWER, Status.CLOSED},
    "extend": {Status.AWAITING_ANSWER},
}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_action_from_every_status(world, moderator, small_type, action, status):
    petition = gathering(world, small_type)
    now = timezone.now()
    Petition.objects.filter(pk=petition.pk).update(
        status=status,
        unit=world.roads,
        opened_at=now,
        closes_at=now + timedelta(days=30),
        answer_due_at=now + timedelta(days=30),
    )
    petition.refresh_from_db()
    audit_before = AuditEvent.objects.count()
    attempt = _attempts(world, moderator)[action]
    if status in ALLOWED[action]:
        attempt(petition)
        assert AuditEvent.objects.count() > audit_before
    else:
        with pytest.raises(InvalidTransition):
            attempt(petition)
        petition.refresh_from_db()
        assert petition.status == status
        assert AuditEvent.objects.count() == audit_before


def test_only_moderators_open_and_reject(world, moderator, small_type):
    petition = in_review(world, small_type)
    for someone in (world.citizen, world.handler, world.operator):
        with pytest.raises(NotAllowed):
            services.petition_open(petition=petition, by=someone)
        with pytest.raises(NotAllowed):
            services.petition_reject(petition=petition, by=someone, reason="other", text="No.")


def test_open_routes_and_creates_the_count_shards(world, moderator, small_type, settings):
    petition = in_review(world, small_type)
    petition = services.petition_open(petition=petition, by=moderator)
    assert petition.unit == world.roads  # the roads category's routing rule
    assert petition.closes_at - petition.opened_at == timedelta(days=30)
    shards = SignatureCounter.objects.filter(petition=petition).count()
    assert shards == settings.NARA_SIGNATURE_COUNTER_SHARDS


def test_a_duplicate_rejection_names_a_published_original(world, moderator, small_type):
    original = opened(world, small_type, moderator)
    petition = in_review(world, small_type, author=world.other_citizen)
    with pytest.raises(ValidationError):
        services.petition_reject(petition=petition, by=moderator, reason="duplicate", text="Dup.")
    unpublished = gathering(world, small_type)
    with pytest.raises(ValidationError):
        services.petition_reject(
            petition=petition,
            by=moderator,
            reason="duplicate",
            text="Dup.",
            duplicate_of=unpublished,
        )
    petition = services.petition_reject(
        petition=petition, by=moderator, reason="duplicate", text="Dup.", duplicate_of=original
    )
    assert petition.status == Status.REJECTED and petition.duplicate_of == original


# --- signing -------------------------------------------------------------------------------


def test_one_signature_per_person(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    signing.petition_sign(petition=petition, by=world.other_citizen)
    with pytest.raises(AlreadySigned):
        signing.petition_sign(petition=petition, by=world.other_citizen)
    assert count(petition) == 1 == Signature.objects.filter(petition=petition).count()


def test_a_signed_in_person_cannot_sign_again_by_e_mail(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    signing.petition_sign(petition=petition, by=world.other_citizen)  # bob@example.com
    pending = signing.petition_sign_by_email(
        petition=petition, name="Bob", email="BOB@example.com", region=region()
    )
    token = _token_of(pending)
    with pytest.raises(AlreadySigned):
        signing.petition_confirm_signature(token=token)
    assert count(petition) == 1


def test_signing_needs_an_open_petition(world, moderator, small_type):
    petition = in_review(world, small_type)
    with pytest.raises(NotSignable):
        signing.petition_sign(petition=petition, by=world.other_citizen)
    petition = services.petition_open(petition=petition, by=moderator)
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now())
    petition.refresh_from_db()
    with pytest.raises(NotSignable):
        signing.petition_sign(petition=petition, by=world.other_citizen)


def test_thresholds_fire_once_each(world, moderator, small_type):
    petition = opened(world, small_type, moderator)  # refer at 3, answer at 5
    for user in signers(7):
        signing.petition_sign(petition=petition, by=user)
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_ANSWER
    assert petition.answer_due_at - petition.answer_required_at == timedelta(days=30)
    assert events(petition, EventType.PETITION_REFERRED) == 1
    assert events(petition, EventType.PETITION_ANSWER_REQUIRED) == 1
    to_author = Notification.objects.filter(user=world.citizen, url=f"/petitions/{petition.pk}/")
    # written, in review, opened, referred, answer required: one each
    assert to_author.count() == 5
    # the unit's officials hear of both
    assert Notification.objects.filter(user=world.handler).count() == 2


def _token_of(pending) -> str:
    """The link's token, as the person would read it in the mail."""
    message = OutboxMessage.objects.filter(to_email=pending.email).latest("id")
    return message.body.split("/petitions/confirm/")[1].split("/")[0]


def test_e_mail_signature_counts_only_when_confirmed(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    pending = signing.petition_sign_by_email(
        petition=petition, name="Kim", email="kim@example.org", region=region()
    )
    token = _token_of(pending)
    assert count(petition) == 0
    # opening the link (a mail scanner's GET) reads, never spends
    assert signing.pending_signature_for(token).pk == pending.pk
    assert signing.pending_signature_for(token).pk == pending.pk
    assert count(petition) == 0
    signature = signing.petition_confirm_signature(token=token)
    assert signature.sido_code == "11" and count(petition) == 1
    with pytest.raises(AlreadySigned):
        signing.petition_confirm_signature(token=token)
    assert count(petition) == 1
    with pytest.raises(ValidationError):
        signing.petition_confirm_signature(token="not-a-token")


def test_an_expired_link_counts_nothing(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    pending = signing.petition_sign_by_email(
        petition=petition, name="Kim", email="kim@example.org", region=region()
    )
    PendingSignature.objects.filter(pk=pending.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError):
        signing.petition_confirm_signature(token=_token_of(pending))
    assert count(petition) == 0


@pytest.mark.parametrize(
    "email, seconds", [("bot@mailinator.com", 30), ("bot@sub.yopmail.com", 30), ("a@b.kr", 0.5)]
)
def test_quiet_refusals_send_nothing_and_are_audited(world, moderator, small_type, email, seconds):
    petition = opened(world, small_type, moderator)
    mails = OutboxMessage.objects.count()
    result = signing.petition_sign_by_email(
        petition=petition, name="Bot", email=email, region=region(), form_seconds=seconds
    )
    assert result is None
    assert OutboxMessage.objects.count() == mails
    assert events(petition, EventType.PETITION_SIGNATURE_REFUSED) == 1


def test_e_mail_signing_checks_its_input(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    with pytest.raises(ValidationError) as error:
        signing.petition_sign_by_email(petition=petition, name="", email="nope", region=None)
    assert set(error.value.message_dict) == {"name", "email", "region"}


# --- bulk invalidation ---------------------------------------------------------------------


def test_invalidation_by_domain_ip_and_window_recounts(world, moderator, small_type):
    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    for i in range(3):
        signing.petition_sign(petition=petition, by=make_user(f"s{i}@spam.example"), ip="10.0.0.9")
    for i in range(4):
        signing.petition_sign(petition=petition, by=make_user(f"p{i}@people.example"), ip="1.2.3.4")
    assert count(petition) == 7
    with pytest.raises(ValidationError):
        invalidation.signatures_invalidate(petition=petition, by=moderator, reason="Nothing chosen")
    with pytest.raises(NotAllowed):
        invalidation.signatures_invalidate(
            petition=petition, by=world.handler, reason="x", email_domain="spam.example"
        )
    record = invalidation.signatures_invalidate(
        petition=petition, by=moderator, reason="Scripted", email_domain="SPAM.example"
    )
    assert record.count == 3 and count(petition) == 4
    record = invalidation.signatures_invalidate(
        petition=petition, by=moderator, reason="Same address", ip="1.2.3.4"
    )
    assert record.count == 4 and count(petition) == 0
    assert events(petition, EventType.PETITION_SIGNATURES_INVALIDATED) == 2
    # a window that matches nothing changes nothing
    later = timezone.now() + timedelta(hours=1)
    record = invalidation.signatures_invalidate(
        petition=petition, by=moderator, reason="Window", since=later
    )
    assert record.count == 0
    # signing goes on after a recount, on top of it
    signing.petition_sign(petition=petition, by=make_user("late@people.example"))
    assert count(petition) == 1 == Signature.objects.filter(petition=petition, valid=True).count()


# --- the clock -----------------------------------------------------------------------------


def test_tick_expires_closes_and_keeps_referred(world, moderator, small_type):
    stale = gathering(world, small_type)
    Petition.objects.filter(pk=stale.pk).update(support_deadline=timezone.now())
    ended = opened(world, small_type, moderator, title="Ended petition")
    referred = opened(world, small_type, moderator, title="Referred petition")
    for user in signers(3):
        signing.petition_sign(petition=referred, by=user)
    Petition.objects.filter(pk__in=[ended.pk, referred.pk]).update(closes_at=timezone.now())
    done = clock.petitions_tick()
    assert done["expired"] == 1 and done["closed"] == 1
    states = dict(Petition.objects.values_list("pk", "status"))
    assert states[stale.pk] == Status.EXPIRED
    assert states[ended.pk] == Status.CLOSED
    assert states[referred.pk] == Status.REFERRED
    referred.refresh_from_db()
    assert not referred.is_signable()
    assert clock.petitions_tick() == {
        "expired": 0,
        "closed": 0,
        "synced": 0,
        "drafts_removed": 0,
    }


def test_tick_removes_abandoned_draft_images(settings):
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    old = default_storage.save("petition-drafts/7/old.jpg", ContentFile(b"x"))
    fresh = default_storage.save("petition-drafts/7/fresh.jpg", ContentFile(b"x"))
    long_ago = timezone.now().timestamp() - settings.SESSION_COOKIE_AGE - 60
    os.utime(default_storage.path(old), (long_ago, long_ago))
    assert clock.petition_drafts_cleanup() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)


# --- the answer ----------------------------------------------------------------------------


def test_the_answer_is_approved_published_and_signers_hear_of_it(
    world, moderator, small_type, django_capture_on_commit_callbacks
):
    petition = opened(world, small_type, moderator)
    quiet = make_user("quiet@example.com", notify_site=False, notify_email=False)
    users = signers(4) + [quiet]
    for user in users:
        signing.petition_sign(petition=petition, by=user)
    wants = signing.petition_sign_by_email(
        petition=petition, name="Kim", email="kim@example.org", region=region(), language="en"
    )
    signing.petition_confirm_signature(token=_token_of(wants))
    silent = signing.petition_sign_by_email(
        petition=petition,
        name="Lee",
        email="lee@example.org",
        region=region(),
        notify_answer=False,
    )
    signing.petition_confirm_signature(token=_token_of(silent))
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_ANSWER

    with pytest.raises(NotAllowed):
        answers.petition_answer_save(
            petition=petition, by=world.other_handler, text="x", submit=True
        )
    answers.petition_answer_save(petition=petition, by=world.handler, text="Draft", submit=False)
    answers.petition_answer_save(petition=petition, by=world.handler, text="We act.", submit=True)
    with pytest.raises(NotAllowed):
        answers.petition_answer_approve(petition=petition, by=world.handler)
    answers.petition_answer_return(petition=petition, by=world.approver, comment="Add dates.")
    with pytest.raises(InvalidTransition):
        answers.petition_answer_approve(petition=petition, by=world.approver)
    answers.petition_answer_save(
        petition=petition, by=world.handler, text="We act by June.", submit=True
    )
    mails_before = set(OutboxMessage.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # the task telling the signers
        petition = answers.petition_answer_approve(petition=petition, by=world.approver)
    assert petition.status == Status.ANSWERED and petition.answer.text == "We act by June."
    assert events(petition, EventType.PETITION_ANSWERED) == 1

    answered_url = f"/petitions/{petition.pk}/"
    answered = Notification.objects.filter(
        url=answered_url, created_at__gte=petition.answered_at
    ).exclude(user__in=[world.handler, world.approver])
    told = set(answered.values_list("user__email", flat=True))
    assert told == {u.email for u in users[:4]} | {world.citizen.email}  # quiet chose neither
    new_mail = OutboxMessage.objects.exclude(pk__in=mails_before)
    recipients = set(new_mail.values_list("to_email", flat=True))
    assert "kim@example.org" in recipients and "lee@example.org" not in recipients
    to_kim = new_mail.get(to_email="kim@example.org")
    assert "answered" in to_kim.subject  # in English, the language Kim signed in
    assert "quiet@example.com" not in recipients


def test_the_answer_period_is_extended_once(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    for user in signers(5):
        signing.petition_sign(petition=petition, by=user)
    petition.refresh_from_db()
    due = petition.answer_due_at
    with pytest.raises(ValidationError):
        answers.petition_extend_answer(petition=petition, by=world.approver, days=31, reason="x")
    petition = answers.petition_extend_answer(
        petition=petition, by=world.approver, days=30, reason="A study is needed."
    )
    assert petition.answer_due_at == due + timedelta(days=30)
    with pytest.raises(InvalidTransition):
        answers.petition_extend_answer(petition=petition, by=world.approver, days=1, reason="x")


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_person_signing_concurrently_counts_once(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    outcomes = together(
        8, lambda i: signing.petition_sign(petition=petition, by=world.other_citizen)
    )
    assert sum(o is None for o in outcomes) == 1
    assert all(o is None or isinstance(o, AlreadySigned) for o in outcomes)
    assert count(petition) == 1 == Signature.objects.filter(petition=petition).count()


@pytest.mark.django_db(transaction=True)
def test_64_distinct_concurrent_signers_count_64_and_thresholds_fire_once(
    world, moderator, small_type
):
    small_type.refer_threshold, small_type.answer_threshold = 20, 40
    small_type.save()
    petition = opened(world, small_type, moderator)
    people = signers(64)
    outcomes = together(64, lambda i: signing.petition_sign(petition=petition, by=people[i]))
    assert outcomes == [None] * 64
    assert count(petition) == 64 == Signature.objects.filter(petition=petition).count()
    assert events(petition, EventType.PETITION_REFERRED) == 1
    assert events(petition, EventType.PETITION_ANSWER_REQUIRED) == 1
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_ANSWER


@pytest.mark.django_db(transaction=True)
def test_invalidation_while_people_sign_keeps_the_count_exact(world, moderator, small_type):
    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    for i in range(10):
        signing.petition_sign(petition=petition, by=make_user(f"b{i}@bots.example"))
    people = signers(24)

    def work(i):
        if i == 0:
            invalidation.signatures_invalidate(
                petition=petition, by=moderator, reason="Bots", email_domain="bots.example"
            )
        else:
            signing.petition_sign(petition=petition, by=people[i])

    outcomes = together(24, work)
    assert outcomes == [None] * 24
    valid = Signature.objects.filter(petition=petition, valid=True).count()
    assert valid == 23 and count(petition) == 23


def test_the_clock_fires_a_threshold_that_signing_missed(world, moderator, small_type):
    petition = opened(world, small_type, moderator)  # refer at 3
    for user in signers(3):
        signing.petition_sign(petition=petition, by=user)
    # as if the signatures had committed together, each seeing the count before the others
    Petition.objects.filter(pk=petition.pk).update(status=Status.OPEN, referred_at=None)
    clock.petitions_tick()
    petition.refresh_from_db()
    assert petition.status == Status.REFERRED


def test_a_moderator_can_invalidate_the_signatures_of_an_ipv6_address(
    world, moderator, small_type, client_for, settings
):
    """Review of issue #11: grouping IPv6 clients by /64 had been done in client_ip, so
    signatures stored the hash of the network and a moderator's address matched none of them.
    Only rate limits group addresses (ratelimit.client_key)."""
    from nara.petitions.forms_moderation import InvalidateForm

    settings.NARA_TRUSTED_PROXY_COUNT = 0
    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    address = "2001:db8:1:2::5"  # in the moderator's evidence (a server log, a report)
    answer = client_for(make_user("v6@people.example")).post(
        f"/petitions/{petition.pk}/sign/", REMOTE_ADDR=address
    )
    assert answer.status_code == 302
    form = InvalidateForm({"ip": address, "reason": "One address, scripted"})
    assert form.is_valid(), form.errors
    record = invalidation.signatures_invalidate(
        petition=petition, by=moderator, reason="One address, scripted", ip=form.cleaned_data["ip"]
    )
    assert record.count == 1
