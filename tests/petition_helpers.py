"""Bring petitions to a given state through the real services, with tiny thresholds."""

import itertools

import pytest

from nara.audit.models import AuditEvent
from nara.petitions import services
from nara.petitions.models import PetitionType

from .conftest import make_user

_seq = itertools.count(1)

BODY = "Please repair the potholes on Sejong-daero before the rainy season starts."


@pytest.fixture
def moderator(db):
    user = make_user("moderator@example.com", official=True, name="Moon Moderator")
    user.is_moderator = True
    user.save(update_fields=["is_moderator"])
    return user


@pytest.fixture
def small_type(db):
    """2 supporters, 3 signatures → referred, 5 → official answer."""
    return PetitionType.objects.create(
        code="small",
        name_ko="작은 청원",
        name_en="Small petition",
        supporters_needed=2,
        refer_threshold=3,
        answer_threshold=5,
    )


def supporters(n: int):
    return [make_user(f"supporter{next(_seq)}@example.com") for _ in range(n)]


def gathering(world, petition_type, *, author=None, title="Fix the potholes on Sejong-daero"):
    return services.petition_create(
        author=author or world.citizen,
        title=title,
        body=BODY,
        category=world.roads_category,
        type=petition_type,
    )


def in_review(world, petition_type, **kwargs):
    petition = gathering(world, petition_type, **kwargs)
    for user in supporters(petition_type.supporters_needed):
        petition = services.petition_support(petition=petition, by=user)
    return petition


def opened(world, petition_type, moderator, **kwargs):
    petition = in_review(world, petition_type, **kwargs)
    return services.petition_open(petition=petition, by=moderator, unit=world.roads)


def signers(n: int):
    return [make_user(f"signer{next(_seq)}@example.com") for _ in range(n)]


def audited(petition, event_type, actor=None) -> bool:
    """The petition has an audit event of this type (by `actor`, if given)."""
    events = AuditEvent.objects.filter(
        target_type="petitions.petition", target_id=str(petition.pk), event_type=event_type
    )
    if actor is not None:
        events = events.filter(actor=actor)
    return events.exists()
