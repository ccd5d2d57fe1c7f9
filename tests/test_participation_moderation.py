# ruff: noqa: F811  (pytest fixtures imported from the helpers module)
"""Participation moderation services: the decision table, reasons the author sees, the spam
score that never decides alone, flags, blocking accounts, concurrency, the audit trail."""

import pytest
from django.core.exceptions import ValidationError

from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.notifications.models import Notification
from nara.participation import moderation, moderation_queue, policies
from nara.participation.blocking import account_block, account_unblock
from nara.participation.models import Action, Flag, ModerationStatus, PostingBlock, SpamExample
from nara.participation.moderation import flag_create, flags_dismiss, moderation_decide
from tests.conftest import make_user
from tests.helpers import together
from tests.test_participation_moderation_helpers import (  # noqa: F401  (fixtures)
    citizen_en,
    comment,
    consultation,
    contribution,
    make_moderator,
    only_two_kinds,
)

P, PUB, REJ, HID = (
    ModerationStatus.PENDING,
    ModerationStatus.PUBLISHED,
    ModerationStatus.REJECTED,
    ModerationStatus.HIDDEN,
)
# decision × state → new state; a pair not listed is refused
ALLOWED = {
    ("approve", P): PUB,
    ("reject", P): REJ,
    ("hide", P): HID,
    ("hide", PUB): HID,
    ("restore", HID): PUB,
    ("restore", REJ): PUB,
}
SPAM_TEXT = (
    "고수익 부업!!! 무료 상담 문의 010-1234-5678 카톡 아이디: money77 지금 클릭 http://bit.ly/x"
)


def events(item, event_type=None):
    rows = AuditEvent.objects.filter(target_type=item._meta.label_lower, target_id=str(item.pk))
    return rows.filter(event_type=event_type) if event_type else rows


@pytest.mark.parametrize("decision", ["approve", "reject", "hide", "restore"])
@pytest.mark.parametrize("state", [P, PUB, REJ, HID])
def test_decision_table(consultation, world, moderator, decision, state):
    item = comment(consultation, world.citizen, state=state, by=moderator)
    before = events(item).count()
    if (decision, state) in ALLOWED:
        item = moderation_decide(item=item, by=moderator, decision=decision, reason_code="abuse")
        item.refresh_from_db()
        assert item.moderation_status == ALLOWED[(decision, state)]
        assert item.moderated_by == moderator
        assert events(item).count() == before + 1
    else:
        with pytest.raises(InvalidTransition):
            moderation_decide(item=item, by=moderator, decision=decision, reason_code="abuse")
        item.refresh_from_db()
        assert item.moderation_status == state
        assert events(item).count() == before


@pytest.mark.parametrize(
    "decision,event",
    [
        ("approve", EventType.PARTICIPATION_APPROVED),
        ("reject", EventType.PARTICIPATION_REJECTED),
        ("hide", EventType.PARTICIPATION_HIDDEN),
    ],
)
def test_each_decision_is_audited_with_its_reason(consultation, world, moderator, decision, event):
    item = comment(consultation, world.citizen)
    assert events(item, EventType.PARTICIPATION_SUBMITTED).count() == 1
    moderation_decide(item=item, by=moderator, decision=decision, reason_code="spam", reason="광고")
    row = events(item, event).get()
    assert row.actor == moderator
    assert (row.from_state, row.to_state) == (P, ALLOWED[(decision, P)])
    assert row.data["reason_code"] == "spam"


def test_restore_is_audited(consultation, world, moderator):
    item = comment(consultation, world.citizen, state=HID, by=moderator)
    moderation_decide(item=item, by=moderator, decision="restore")
    row = events(item, EventType.PARTICIPATION_RESTORED).get()
    assert (row.from_state, row.to_state) == (HID, PUB)


@pytest.mark.parametrize("decision", ["reject", "hide"])
def test_rejecting_or_hiding_needs_a_reason(consultation, world, moderator, decision):
    item = comment(consultation, world.citizen, state=P)
    with pytest.raises(ValidationError):
        moderation_decide(item=item, by=moderator, decision=decision)
    with pytest.raises(ValidationError):  # "other" needs the explanation
        moderation_decide(item=item, by=moderator, decision=decision, reason_code="other")
    with pytest.raises(ValidationError):
        moderation_decide(item=item, by=moderator, decision=decision, reason_code="nonsense")
    item.refresh_from_db()
    assert item.moderation_status == P


def test_only_moderators_decide(consultation, world, moderator):
    item = comment(consultation, world.citizen)
    for person in (world.other_citizen, world.handler, world.operator):
        with pytest.raises(NotAllowed):
            moderation_decide(item=item, by=person, decision="approve")
    item.refresh_from_db()
    assert item.moderation_status == P


def test_the_author_reads_the_reason_in_their_language(consultation, citizen_en, moderator):
    item = comment(consultation, citizen_en, "Buy cheap stuff")
    moderation_decide(
        item=item, by=moderator, decision="reject", reason_code="spam", reason="Advertising."
    )
    item.refresh_from_db()
    assert item.moderation_reason == "Spam or advertising — Advertising."
    note = Notification.objects.get(user=citizen_en)
    assert note.title == "Your post was not published"
    assert "Spam or advertising — Advertising." in note.body


def test_the_author_is_told_of_approval_and_of_hiding(consultation, citizen_en, moderator):
    item = comment(consultation, citizen_en, "A fair point about the bus stop.")
    moderation_decide(item=item, by=moderator, decision="approve")
    moderation_decide(item=item, by=moderator, decision="hide", reason_code="personal_data")
    notes = Notification.objects.filter(user=citizen_en).order_by("id")
    titles = list(notes.values_list("title", "body"))
    assert titles[0][0] == "Your post was published"
    assert titles[1][0] == "Your post was hidden"
    assert "Shows someone's personal information" in titles[1][1]


def test_a_high_spam_score_never_decides_alone(consultation, world, moderator):
    item = comment(consultation, world.citizen, SPAM_TEXT)
    assert item.spam_score >= 0.99
    item.refresh_from_db()
    assert item.moderation_status == P  # still waiting for a person
    assert item.moderated_by is None
    assert not events(item).exclude(event_type=EventType.PARTICIPATION_SUBMITTED).exists()
    rows = moderation_queue.queue_rows(statuses=[P])
    assert ("consultations.comment", item.pk) in [(kind, pk) for kind, pk, *_ in rows]


def test_decisions_teach_the_spam_classifier(consultation, world, moderator):
    spam_item = comment(consultation, world.citizen, "주식 리딩방 입장하세요")
    ham_item = comment(consultation, world.citizen, "찬성합니다")
    moderation_decide(item=spam_item, by=moderator, decision="reject", reason_code="spam")
    moderation_decide(item=ham_item, by=moderator, decision="approve")
    assert SpamExample.objects.get(object_id=spam_item.pk).is_spam is True
    assert SpamExample.objects.get(object_id=ham_item.pk).is_spam is False
    # a reversal withdraws the earlier label
    moderation_decide(item=spam_item, by=moderator, decision="restore")
    rows = SpamExample.objects.filter(object_id=spam_item.pk)
    assert sorted(rows.values_list("is_spam", "weight")) == [(False, 1), (True, -1), (True, 1)]


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_once_one_wins(consultation, world, moderator):
    other = make_moderator()
    item = comment(consultation, world.citizen)
    plans = [(moderator, "approve", ""), (other, "reject", "abuse")]
    outcomes = together(
        2,
        lambda i: moderation_decide(
            item=item, by=plans[i][0], decision=plans[i][1], reason_code=plans[i][2]
        ),
    )
    assert sum(o is None for o in outcomes) == 1
    assert all(o is None or isinstance(o, InvalidTransition) for o in outcomes)
    item.refresh_from_db()
    winner = outcomes.index(None)
    assert item.moderation_status == (PUB if winner == 0 else REJ)
    decided = events(item).exclude(event_type=EventType.PARTICIPATION_SUBMITTED)
    assert decided.count() == 1
    consultation.refresh_from_db()
    assert consultation.comment_count == (1 if winner == 0 else 0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_flags_all_count(consultation, world, moderator):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    people = [make_user(f"flagger{i}@example.com") for i in range(4)]
    outcomes = together(
        4, lambda i: flag_create(user=people[i], item=item, reason="abuse", note="")
    )
    assert outcomes == [None] * 4
    item.refresh_from_db()
    assert item.flag_count == 4


# --- flags -------------------------------------------------------------------------------------


def test_a_user_flags_an_item_once(consultation, world, moderator):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    flag = flag_create(user=world.other_citizen, item=item, reason="spam", note="광고 같아요")
    assert flag.reason == "spam"
    with pytest.raises(ValidationError):
        flag_create(user=world.other_citizen, item=item, reason="abuse")
    item.refresh_from_db()
    assert item.flag_count == 1
    assert Flag.objects.count() == 1
    row = events(item, EventType.PARTICIPATION_FLAGGED).get()
    assert row.actor == world.other_citizen


def test_flagging_your_own_or_an_unpublished_item_is_refused(consultation, world, moderator):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    with pytest.raises(NotAllowed):
        flag_create(user=world.citizen, item=item, reason="spam")
    pending = comment(consultation, world.citizen)
    with pytest.raises(InvalidTransition):
        flag_create(user=world.other_citizen, item=pending, reason="spam")
    with pytest.raises(ValidationError):
        flag_create(user=world.other_citizen, item=item, reason="boring")
    assert not Flag.objects.exists()


def test_items_reaching_the_threshold_are_listed_as_flagged(
    consultation, world, moderator, settings
):
    settings.NARA_FLAGS_TO_REVIEW = 2
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    quiet = comment(consultation, world.citizen, state=PUB, by=moderator)

    def flagged():
        rows = moderation_queue.queue_rows(statuses=[PUB], min_flags=moderation.flags_to_review())
        return [pk for _kind, pk, *_ in rows]

    flag_create(user=world.other_citizen, item=item, reason="abuse")
    flag_create(user=world.other_citizen, item=quiet, reason="abuse")
    assert flagged() == []
    flag_create(user=world.handler, item=item, reason="spam")
    assert flagged() == [item.pk]
    assert flags_dismiss(item=item, by=moderator) == 2
    assert flagged() == []
    item.refresh_from_db()
    assert item.moderation_status == PUB and item.flag_count == 0
    assert events(item, EventType.PARTICIPATION_FLAGS_DISMISSED).get().data == {"dismissed": 2}
    assert not Flag.objects.filter(object_id=item.pk, resolved_at=None).exists()


def test_hiding_resolves_the_flags(consultation, world, moderator):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    flag_create(user=world.other_citizen, item=item, reason="abuse")
    moderation_decide(item=item, by=moderator, decision="hide", reason_code="abuse")
    item.refresh_from_db()
    assert item.flag_count == 0
    assert not Flag.objects.filter(resolved_at=None).exists()


# --- blocking accounts ---------------------------------------------------------------------------


def test_blocking_hides_everything_pending_and_published(consultation, world, moderator):
    spammer = make_user("spammer@example.com")
    pending = comment(consultation, spammer, SPAM_TEXT)
    published = comment(consultation, spammer, "ok", state=PUB, by=moderator)
    rejected = comment(consultation, spammer, "no", state=REJ, by=moderator)
    other_kind = contribution(consultation.process, spammer, state=PUB, by=moderator)
    innocent = comment(consultation, world.citizen, state=PUB, by=moderator)

    block = account_block(user=spammer, by=moderator, reason="광고 계정")
    assert block.hidden_count == 3
    for item, status in [
        (pending, HID),
        (published, HID),
        (rejected, REJ),
        (other_kind, HID),
        (innocent, PUB),
    ]:
        item.refresh_from_db()
        assert item.moderation_status == status
    assert events(pending, EventType.PARTICIPATION_HIDDEN).get().data["account_blocked"] is True
    block_event = AuditEvent.objects.get(event_type=EventType.PARTICIPATION_ACCOUNT_BLOCKED)
    assert block_event.target_id == str(spammer.pk) and block_event.data["hidden"] == 3
    consultation.refresh_from_db()
    assert consultation.comment_count == 1  # the callbacks ran: only the innocent one counts
    spammer.refresh_from_db()
    assert policies.is_blocked(spammer)
    assert policies.refusal(spammer, consultation.process, Action.COMMENT) is not None
    with pytest.raises(InvalidTransition):
        account_block(user=spammer, by=moderator, reason="again")


def test_block_refusals(world, moderator, only_two_kinds):
    with pytest.raises(NotAllowed):
        account_block(user=world.citizen, by=world.handler, reason="x")
    with pytest.raises(ValidationError):
        account_block(user=world.citizen, by=moderator, reason="  ")
    with pytest.raises(NotAllowed):
        account_block(user=moderator, by=moderator, reason="x")
    assert not PostingBlock.objects.exists()


def test_unblocking_lifts_the_block_and_is_audited(world, moderator, only_two_kinds):
    account_block(user=world.citizen, by=moderator, reason="spam")
    account_unblock(user=world.citizen, by=moderator, reason="appeal accepted")
    assert not PostingBlock.objects.exists()
    row = AuditEvent.objects.get(event_type=EventType.PARTICIPATION_ACCOUNT_UNBLOCKED)
    assert row.data == {"reason": "appeal accepted"}
    with pytest.raises(InvalidTransition):
        account_unblock(user=world.citizen, by=moderator)


def test_bulk_decisions_skip_what_was_decided_meanwhile(consultation, world, moderator):
    items = [comment(consultation, world.citizen, f"의견 {i}") for i in range(3)]
    moderation_decide(item=items[1], by=moderator, decision="approve")
    result = moderation.moderation_decide_many(
        items=items, by=moderator, decision="reject", reason_code="duplicate"
    )
    assert [i.pk for i in result.done] == [items[0].pk, items[2].pk]
    assert [i.pk for i, _message in result.skipped] == [items[1].pk]
    with pytest.raises(ValidationError):
        moderation.moderation_decide_many(items=items, by=moderator, decision="hide")
