"""Helpers for the participation moderation tests: real posted items of two registered kinds
(comments on a draft, "Have Your Say" contributions), brought to any moderation state through
the moderation services."""

import itertools

import pytest
from django.db import transaction

from nara.participation import moderation
from nara.participation.models import ModerationStatus
from tests.conftest import make_user
from tests.participation_helpers import make_process

_numbers = itertools.count(1)


def _ensure_registered():
    from nara.participation.consultations.models import Comment
    from nara.participation.contributions.models import Contribution

    for model in (Comment, Contribution):
        if model._meta.label_lower not in moderation.REGISTRY:
            moderation.register(model)


KINDS = ("consultations.comment", "contributions.contribution")


@pytest.fixture
def only_two_kinds(monkeypatch):
    """The registry with only the two kinds these tests use (the other apps' models may not
    have their tables yet while they are being built)."""
    _ensure_registered()
    for kind in list(moderation.REGISTRY):
        if kind not in KINDS:
            monkeypatch.delitem(moderation.REGISTRY, kind)


@pytest.fixture
def consultation(world, only_two_kinds):
    from nara.participation.consultations.models import Consultation

    return Consultation.objects.create(
        process=make_process(world.roads), title="도로법 시행령 일부개정안", summary="요약"
    )


@pytest.fixture
def citizen_en(db):
    return make_user("emma@example.com", name="Emma", preferred_language="en")


def make_moderator(email="moderator2@example.com"):
    user = make_user(email, official=True, name="Second Moderator")
    user.is_moderator = True
    user.save(update_fields=["is_moderator"])
    return user


def comment(consultation, author, body="시행 시기를 늦춰 주세요.", *, state="pending", by=None):
    """A comment on the draft, submitted, then brought to `state` by moderator `by`."""
    from nara.participation.consultations.models import Comment, Stance

    with transaction.atomic():
        item = Comment.objects.create(
            consultation=consultation, author=author, stance=Stance.SUPPORT, body=body
        )
        moderation.moderation_submit(item=item)
    return to_state(item, state, by)


def contribution(
    process, author, text="우리 동네 공원에 그늘막을 설치해 주세요.", *, state="pending", by=None
):
    from nara.participation.contributions.models import Contribution

    _ensure_registered()
    n = next(_numbers)
    with transaction.atomic():
        item = Contribution.objects.create(
            process=process,
            author=author,
            receipt_number=f"T-{n:06d}",
            title=f"제안 {n}",
            text=text,
            submit_key=f"key-{n}",
        )
        moderation.moderation_submit(item=item)
    return to_state(item, state, by)


def to_state(item, state, by):
    steps = {
        ModerationStatus.PENDING: [],
        ModerationStatus.PUBLISHED: [("approve", "")],
        ModerationStatus.REJECTED: [("reject", "off_topic")],
        ModerationStatus.HIDDEN: [("approve", ""), ("hide", "abuse")],
    }[state]
    for decision, code in steps:
        item = moderation.moderation_decide(
            item=item, by=by, decision=decision, reason_code=code, notify_author=False
        )
    item.refresh_from_db()
    return item
