"""The complaint services beyond the state table: filing (receipt numbers, routing, idempotency,
repeats, follow-ups), the approval line, and who is told what at each step."""

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from time_machine import travel

from nara.agencies.models import Membership, RoutingRule, Unit
from nara.audit.models import AuditEvent, EventType
from nara.complaints import answers, selectors, services
from nara.complaints.models import AnswerDraft, Complaint, Kind, Status
from nara.core.errors import NotAllowed
from nara.core.models import Region
from nara.notifications.models import Notification, OutboxMessage
from tests.helpers import file_complaint, to_answered, to_in_progress, to_pending_approval
from tests.states import kst

RECEIPT = re.compile(r"^NR-(\d{6})-([23456789ABCDEFGHJKMNPQRSTVWXYZ]{6})$")
CONFUSABLE = set("01OILU")


def file(world, *, citizen=None, idempotency_key="", confirm_repeat=False, **fields):
    """complaint_file with the repeat check on by default (tests.helpers turns it off)."""
    fields.setdefault("kind", Kind.GRIEVANCE)
    fields.setdefault("title", "Broken bench")
    fields.setdefault("body", "A bench is broken.")
    return services.complaint_file(
        citizen=citizen or world.citizen,
        idempotency_key=idempotency_key,
        confirm_repeat=confirm_repeat,
        **fields,
    )


# --- receipt numbers ---------------------------------------------------------------------------


def test_receipt_numbers_are_unique_and_human_typable(world):
    # 23:30 in Seoul is 14:30 UTC: the date part is the local date of receipt
    with travel(kst(2026, 3, 9, 23, 30), tick=False):
        numbers = [
            file_complaint(world, title=f"Pothole {i}", body=f"Pothole number {i}.").receipt_no
            for i in range(40)
        ]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        match = RECEIPT.match(number)
        assert match, number
        assert match.group(1) == "260309"
        assert not CONFUSABLE & set(match.group(2)), number
    assert not CONFUSABLE & set(services.RECEIPT_ALPHABET)


def test_a_receipt_number_is_found_however_it_is_typed(world):
    complaint = file_complaint(world)
    typed = f"  {complaint.receipt_no.lower()} "
    assert selectors.complaint_get_visible(user=world.citizen, receipt_no=typed) == complaint


def test_a_receipt_number_already_taken_is_drawn_again(world, monkeypatch):
    first = file_complaint(world)
    drawn = iter([first.receipt_no, "NR-260309-ABCDEF"])
    monkeypatch.setattr(services, "new_receipt_no", lambda moment: next(drawn))
    second = file_complaint(world, title="Another pothole")
    assert second.receipt_no == "NR-260309-ABCDEF"


# --- routing ------------------------------------------------------------------------------------


@pytest.fixture
def regions(world):
    # the Korean regions are loaded by a data migration (nara/core/data/kr_regions.csv)
    seoul, jongno = Region.objects.get(code="11"), Region.objects.get(code="11110")
    busan, haeundae = Region.objects.get(code="26"), Region.objects.get(code="26350")
    assert jongno.parent == seoul and haeundae.parent == busan
    seoul_office = Unit.objects.create(
        code="seoul-civil",
        name_ko="민원여권과",
        name_en="Civil Affairs",
        kind=Unit.Kind.DEPARTMENT,
        parent=world.parks.parent,
    )
    RoutingRule.objects.create(priority=50, region=seoul, unit=seoul_office)
    return {
        "seoul": seoul,
        "jongno": jongno,
        "busan": busan,
        "haeundae": haeundae,
        "unit": seoul_office,
    }


@pytest.mark.parametrize(
    ("title", "body", "unit"),
    [
        pytest.param("Big POTHOLE", "On the main road.", "moi-roads", id="english-keyword"),
        pytest.param("도로 파임", "큰 포트홀이 있습니다.", "moi-roads", id="korean-keyword"),
        pytest.param("Dirty park", "Litter everywhere.", "seoul-parks", id="english-park"),
        pytest.param("쓰레기", "공원에 쓰레기가 많아요.", "seoul-parks", id="korean-park"),
        pytest.param("Street noise", "Loud music at night.", None, id="no-rule"),
    ],
)
def test_routing_by_keyword(world, title, body, unit):
    complaint = file(world, title=title, body=body)
    if unit is None:
        assert complaint.status == Status.TRIAGE and complaint.unit is None
    else:
        assert complaint.status == Status.RECEIVED and complaint.unit.code == unit


def test_routing_by_category(world):
    complaint = file(world, category=world.roads_category, title="Sign", body="A sign fell.")
    assert complaint.unit == world.roads and complaint.status == Status.RECEIVED


@pytest.mark.parametrize(
    ("region", "routed"),
    [
        pytest.param("jongno", True, id="district-of-the-rule's-province"),
        pytest.param("seoul", True, id="the-province-itself"),
        pytest.param("haeundae", False, id="district-elsewhere"),
        pytest.param("busan", False, id="province-elsewhere"),
        pytest.param(None, False, id="no-region"),
    ],
)
def test_routing_by_region(world, regions, region, routed):
    complaint = file(
        world,
        title="Street noise",
        body="Loud music at night.",
        region=regions[region] if region else None,
    )
    if routed:
        assert complaint.unit == regions["unit"]
        assert complaint.status == Status.RECEIVED
    else:
        assert complaint.unit is None and complaint.status == Status.TRIAGE


def test_an_inactive_rule_routes_nothing(world):
    RoutingRule.objects.filter(keywords__contains="pothole").update(is_active=False)
    complaint = file(world, title="Pothole", body="A pothole.")
    assert complaint.status == Status.TRIAGE


def test_an_unrouted_complaint_waits_in_the_operators_triage_queue(world):
    complaint = file(world, title="Street noise", body="Loud music at night.")
    assert complaint.status == Status.TRIAGE
    assert list(selectors.inbox(user=world.operator)) == [complaint]
    assert list(selectors.inbox(user=world.handler)) == []
    assert list(selectors.inbox(user=world.other_handler)) == []
    # nobody of a unit is told; the citizen is
    assert set(Notification.objects.values_list("user", flat=True)) == {world.citizen.pk}


def test_the_filing_is_audited(world):
    complaint = file(world, title="Pothole", body="A pothole.")
    event = AuditEvent.objects.get(event_type=EventType.COMPLAINT_FILED)
    assert event.actor == world.citizen
    assert event.target_id == str(complaint.pk)
    assert (event.from_state, event.to_state) == ("", Status.RECEIVED)
    assert event.data["unit"] == "moi-roads"


def test_filing_needs_a_signed_in_citizen_and_a_kind(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        file(world, citizen=AnonymousUser())
    with pytest.raises(ValidationError) as error:
        file(world, kind="complaint")
    assert "kind" in error.value.message_dict
    assert Complaint.objects.count() == 0


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_idempotency_key_gives_the_same_complaint(world):
    first = file(world, idempotency_key="form-token-1")
    again = file(world, idempotency_key="form-token-1")
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.COMPLAINT_FILED).count() == 1
    assert Notification.objects.filter(user=world.citizen).count() == 1
    assert OutboxMessage.objects.filter(to_email=world.citizen.email).count() == 1


def test_an_idempotency_key_is_per_citizen(world):
    mine = file(world, idempotency_key="k")
    theirs = file(world, citizen=world.other_citizen, idempotency_key="k")
    assert mine.pk != theirs.pk
    assert theirs.citizen == world.other_citizen


def _double_submit(world, *, confirm_repeat: bool, pause) -> tuple[list, list]:
    """Two threads submit the same complaint with the same key, as a double click does.
    `pause(name)` runs in each thread between the key check and the rest of complaint_file
    (inside content_fingerprint, which complaint_file calls right after the key check), to force
    an interleaving. Returns (complaints, errors)."""
    real_fingerprint = services.content_fingerprint
    results, errors = {}, []

    def fingerprint(title, body):
        pause(threading.current_thread().name)
        return real_fingerprint(title, body)

    def submit():
        try:
            results[threading.current_thread().name] = services.complaint_file(
                citizen=world.citizen,
                kind=Kind.GRIEVANCE,
                title="Pothole",
                body="A pothole near exit 3.",
                idempotency_key="double-click",
                confirm_repeat=confirm_repeat,
            )
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    services.content_fingerprint = fingerprint
    try:
        threads = [threading.Thread(target=submit, name=name) for name in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services.content_fingerprint = real_fingerprint
    return [results[name] for name in sorted(results)], errors


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_past_the_key_check_at_once_creates_one_complaint(world):
    """Both requests pass the key check before either writes: the database's unique constraint
    decides, and the loser returns the winner's complaint."""
    both_checked = threading.Barrier(2)
    complaints, errors = _double_submit(
        world, confirm_repeat=True, pause=lambda name: both_checked.wait(timeout=10)
    )
    assert errors == []
    assert len(complaints) == 2 and complaints[0].pk == complaints[1].pk
    assert Complaint.objects.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.COMPLAINT_FILED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_is_not_taken_for_a_repeat_of_itself(world):
    """The second request checks the key just before the first commits, then finds the first's
    complaint by its content: it is the same submission, not a repeat (no RepeatComplaint)."""
    second_checked_key, first_done = threading.Event(), threading.Event()

    def pause(name):
        if name == "second":
            second_checked_key.set()
            assert first_done.wait(timeout=10)
        else:
            assert second_checked_key.wait(timeout=10)

    real_file = services.complaint_file

    def file_then_signal(**kwargs):
        try:
            return real_file(**kwargs)
        finally:
            if threading.current_thread().name == "first":
                first_done.set()

    services.complaint_file = file_then_signal
    try:
        complaints, errors = _double_submit(world, confirm_repeat=False, pause=pause)
    finally:
        services.complaint_file = real_file
    assert errors == []
    assert len(complaints) == 2 and complaints[0].pk == complaints[1].pk
    assert Complaint.objects.count() == 1


# --- repeats (§23) -----------------------------------------------------------------------------


def test_the_same_content_again_shows_the_earlier_complaint(world):
    earlier = file(world, title="Broken bench", body="A bench is broken.")
    with pytest.raises(services.RepeatComplaint) as repeat:
        file(world, title="  broken BENCH ", body="A bench   is\nbroken.")
    assert repeat.value.earlier == earlier
    assert Complaint.objects.count() == 1


def test_a_repeat_after_the_answer_is_still_shown_first(world):
    earlier = to_answered(world, file(world, title="Pothole", body="A pothole."))
    with pytest.raises(services.RepeatComplaint) as repeat:
        file(world, title="Pothole", body="A pothole.")
    assert repeat.value.earlier.pk == earlier.pk


def test_a_confirmed_repeat_is_filed(world):
    earlier = file(world)
    again = file(world, confirm_repeat=True)
    assert again.pk != earlier.pk
    assert Complaint.objects.count() == 2


def test_the_same_content_from_another_citizen_is_no_repeat(world):
    file(world)
    file(world, citizen=world.other_citizen)
    assert Complaint.objects.count() == 2


def test_other_content_is_no_repeat(world):
    file(world)
    file(world, body="Two benches are broken.")
    assert Complaint.objects.count() == 2


# --- follow-ups ----------------------------------------------------------------------------------


def test_a_follow_up_links_to_the_citizens_own_complaint(world):
    first = to_answered(world, file_complaint(world))
    follow_up = file(world, parent=first, title="Still a pothole", body="It is back.")
    assert follow_up.parent == first
    assert list(first.follow_ups.all()) == [follow_up]
    event = AuditEvent.objects.get(
        event_type=EventType.COMPLAINT_FILED, target_id=str(follow_up.pk)
    )
    assert event.data["parent"] == first.receipt_no


def test_a_follow_up_of_someone_elses_complaint_is_refused(world):
    theirs = file_complaint(world, citizen=world.other_citizen)
    with pytest.raises(ValidationError) as error:
        file(world, parent=theirs, title="Me too", body="Same here.")
    assert "parent" in error.value.message_dict
    assert Complaint.objects.count() == 1


def test_a_follow_up_of_someone_elses_complaint_is_404_through_the_api(world, api_for):
    theirs = file_complaint(world, citizen=world.other_citizen)
    response = api_for(world.citizen).post(
        "/complaints",
        {"kind": "grievance", "title": "Me too", "body": "Same.", "parent": theirs.receipt_no},
    )
    assert response.status_code == 404
    assert Complaint.objects.count() == 1


# --- the approval line (결재) -------------------------------------------------------------------


def test_an_approver_cannot_approve_their_own_answer(world):
    # the handler is also an approver of the unit: they still need someone else
    Membership.objects.create(user=world.handler, unit=world.roads, role=Membership.Role.APPROVER)
    complaint = to_pending_approval(world)
    with pytest.raises(NotAllowed):
        answers.complaint_approve(complaint=complaint, by=world.handler)
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert complaint.answer == "" and complaint.answered_at is None
    assert not AuditEvent.objects.filter(event_type=EventType.COMPLAINT_ANSWERED).exists()

    answers.complaint_approve(complaint=complaint, by=world.approver)
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED


def test_an_approver_of_another_unit_cannot_approve(world):
    complaint = to_pending_approval(world)
    with pytest.raises(NotAllowed):
        answers.complaint_approve(complaint=complaint, by=world.other_approver)
    with pytest.raises(NotAllowed):
        answers.complaint_approve(complaint=complaint, by=world.handler)
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL


def test_return_then_resubmit_then_approve(world):
    complaint = to_pending_approval(world)
    answers.complaint_return(complaint=complaint, by=world.approver, comment="Give a date.")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.answer == ""
    returned = AnswerDraft.objects.get(complaint=complaint)
    assert returned.state == AnswerDraft.State.RETURNED
    assert returned.return_comment == "Give a date."
    assert returned.decided_by == world.approver

    answers.complaint_submit_answer(
        complaint=complaint, by=world.handler, body="We repair it on Friday 13 March."
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert complaint.answer == ""

    answers.complaint_approve(complaint=complaint, by=world.approver)
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
    assert complaint.answer == "We repair it on Friday 13 March."
    assert complaint.answered_by == world.handler
    assert complaint.answered_at is not None
    assert list(complaint.drafts.values_list("state", flat=True)) == [
        AnswerDraft.State.RETURNED,
        AnswerDraft.State.APPROVED,
    ]


def test_the_answer_is_set_only_on_approval(world, api_for):
    complaint = to_pending_approval(world)
    assert complaint.answer == "" and complaint.answered_at is None
    seen = api_for(world.citizen).get(f"/complaints/{complaint.receipt_no}").json()
    assert seen["answer"] is None and seen["answered_at"] is None
    answers.complaint_approve(complaint=complaint, by=world.approver)
    complaint.refresh_from_db()
    assert complaint.answer == "We will repair it this week."
    seen = api_for(world.citizen).get(f"/complaints/{complaint.receipt_no}").json()
    assert seen["answer"] == "We will repair it this week."


def test_a_return_needs_a_comment(world):
    complaint = to_pending_approval(world)
    with pytest.raises(ValidationError) as error:
        answers.complaint_return(complaint=complaint, by=world.approver, comment=" ")
    assert "comment" in error.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL


def test_a_rating_is_1_to_5(world):
    complaint = to_answered(world)
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationError):
            services.complaint_rate(complaint=complaint, by=world.citizen, rating=bad)
    services.complaint_rate(complaint=complaint, by=world.citizen, rating=1, comment=" Slow. ")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating, complaint.rating_comment) == (
        Status.CLOSED,
        1,
        "Slow.",
    )


def test_assign_only_to_a_handler_of_the_unit(world):
    complaint = file_complaint(world)
    with pytest.raises(ValidationError):
        services.complaint_assign(
            complaint=complaint, by=world.approver, handler=world.other_handler
        )
    with pytest.raises(NotAllowed):
        services.complaint_assign(complaint=complaint, by=world.handler, handler=world.handler)
    services.complaint_assign(complaint=complaint, by=world.approver, handler=world.handler)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (Status.IN_PROGRESS, world.handler)


# --- who is told what ----------------------------------------------------------------------------


class Told:
    """Counts of new in-site notifications and mails per persona since the last look."""

    def __init__(self, world):
        self.people = {
            "citizen": world.citizen,
            "other_citizen": world.other_citizen,
            "handler": world.handler,
            "approver": world.approver,
            "other_handler": world.other_handler,
            "other_approver": world.other_approver,
            "operator": world.operator,
        }
        self.last = self._now()

    def _now(self):
        return {
            name: (
                Notification.objects.filter(user=user).count(),
                OutboxMessage.objects.filter(to_email=user.email).count(),
            )
            for name, user in self.people.items()
        }

    def since(self) -> dict[str, tuple[int, int]]:
        """{persona: (new notifications, new mails)} for personas told something."""
        now = self._now()
        told = {
            name: (now[name][0] - self.last[name][0], now[name][1] - self.last[name][1])
            for name in now
            if now[name] != self.last[name]
        }
        self.last = now
        return told


def test_each_step_tells_the_right_people(world):
    told = Told(world)
    complaint = file_complaint(world)
    assert told.since() == {"citizen": (1, 1), "handler": (1, 0)}
    assert complaint.receipt_no in Notification.objects.filter(user=world.citizen).get().title

    services.complaint_assign(complaint=complaint, by=world.approver, handler=world.handler)
    assert told.since() == {"handler": (1, 0)}

    services.complaint_request_info(complaint=complaint, by=world.handler, question="Which exit?")
    assert told.since() == {"citizen": (1, 1)}
    assert "Which exit?" in OutboxMessage.objects.filter(to_email=world.citizen.email).last().body

    services.complaint_reply_info(complaint=complaint, by=world.citizen, reply="Exit 3.")
    assert told.since() == {"handler": (1, 0)}

    services.complaint_add_note(complaint=complaint, by=world.handler, body="Called them.")
    assert told.since() == {}

    answers.complaint_submit_answer(complaint=complaint, by=world.handler, body="Friday.")
    assert told.since() == {"approver": (1, 1)}

    answers.complaint_return(complaint=complaint, by=world.approver, comment="Which Friday?")
    assert told.since() == {"handler": (1, 1)}
    assert "Which Friday?" in Notification.objects.filter(user=world.handler).first().body

    answers.complaint_submit_answer(complaint=complaint, by=world.handler, body="Friday 13.")
    assert told.since() == {"approver": (1, 1)}

    answers.complaint_approve(complaint=complaint, by=world.approver)
    assert told.since() == {"citizen": (1, 1)}
    mail = OutboxMessage.objects.filter(to_email=world.citizen.email).last()
    assert f"/complaints/{complaint.receipt_no}/" in mail.body

    services.complaint_rate(complaint=complaint, by=world.citizen, rating=5)
    assert told.since() == {}


def test_a_transfer_tells_the_citizen_and_the_receiving_unit(world):
    complaint = to_in_progress(world)
    told = Told(world)
    services.complaint_transfer(
        complaint=complaint, by=world.handler, to_unit=world.parks, reason="Parks."
    )
    assert told.since() == {"citizen": (1, 1), "other_handler": (1, 0)}
    note = Notification.objects.filter(user=world.other_handler).get()
    assert note.url == f"/office/complaints/{complaint.receipt_no}/"


def test_a_withdrawal_tells_the_handler(world):
    complaint = to_in_progress(world)
    told = Told(world)
    services.complaint_withdraw(complaint=complaint, by=world.citizen)
    assert told.since() == {"handler": (1, 0)}


def test_an_extension_tells_the_citizen_by_mail_and_on_the_site(world):
    with travel(kst(2026, 3, 9, 10, 0), tick=False):
        complaint = file_complaint(world)
        told = Told(world)
        from datetime import date

        services.complaint_extend(
            complaint=complaint, by=world.handler, new_due=date(2026, 3, 20), reason="Parts."
        )
    assert told.since() == {"citizen": (1, 1)}


def test_a_citizen_cannot_act_on_someone_elses_complaint(world):
    complaint = file_complaint(world)
    with pytest.raises(NotAllowed):
        services.complaint_withdraw(complaint=complaint, by=world.other_citizen)
    with pytest.raises(Http404):
        selectors.complaint_get_visible(user=world.other_citizen, receipt_no=complaint.receipt_no)
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED


def test_notifications_are_written_in_the_recipients_language(world):
    """The handler works in English; the Korean-speaking citizen is told in Korean."""
    from django.utils import translation

    from nara.notifications.models import Notification

    world.citizen.preferred_language = "ko"
    world.citizen.save(update_fields=["preferred_language"])
    world.other_citizen.preferred_language = "en"
    world.other_citizen.save(update_fields=["preferred_language"])
    with translation.override("en"):
        korean = file_complaint(world)
        english = file_complaint(world, citizen=world.other_citizen)
        services.complaint_transfer(
            complaint=korean, by=world.handler, to_unit=world.parks, reason="Park road"
        )
    to_korean = list(Notification.objects.filter(user=world.citizen).order_by("id"))
    assert len(to_korean) == 2
    for notification in to_korean:
        assert korean.receipt_no in notification.title
        assert "Complaint" not in notification.title and "민원" in notification.title
    assert "공원과" in to_korean[-1].body  # the unit's Korean name, not "Parks Division"
    to_english = Notification.objects.get(user=world.other_citizen)
    assert to_english.title.startswith("Complaint") and english.receipt_no in to_english.title


def test_a_failed_filing_leaves_no_attachment_file_behind(world, settings, monkeypatch):
    """Files are written inside the filing transaction; if it rolls back, they go too."""
    from nara.core.uploads import CleanFile

    def broken_audit(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    photo = CleanFile(
        name="photo.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff" + b"x" * 100
    )
    with pytest.raises(RuntimeError):
        services.complaint_file(
            citizen=world.citizen,
            kind=Kind.GRIEVANCE,
            title="Pothole",
            body="Deep one.",
            attachments=[photo, photo],
        )
    assert Complaint.objects.count() == 0
    media = settings.MEDIA_ROOT
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert stored == []
