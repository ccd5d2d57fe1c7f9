"""Every write to a document: drafting, submitting on its approval line, withdrawing, deciding,
and the line's end (registration with a gapless number, or the return to its drafter). Each
runs in one transaction through nara.core.transitions (lock, policy, transition table, audit)
and queues its side effects on commit."""

import io
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.approvals import engine
from nara.approvals.models import ApprovalLine, LineStatus, Mark, StepKind
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.transitions import TransitionTable, lock, transition
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import lines, policies, text
from .grounds import Grade, Ground
from .models import Attachment, Document, RegisterSerial, Status, Withheld

log = logging.getLogger(__name__)

KIND = "document"
TITLE_MAX, BODY_MAX = 200, 100_000
S = Status
TRANSITIONS = TransitionTable(
    {
        "change": ({S.DRAFT, S.RETURNED}, None),
        "submit": ({S.DRAFT, S.RETURNED}, S.IN_APPROVAL),
        "withdraw": ({S.IN_APPROVAL}, S.DRAFT),
        "return": ({S.IN_APPROVAL}, S.RETURNED),
        "register": ({S.IN_APPROVAL}, S.REGISTERED),
        "post_approve": ({S.REGISTERED}, None),
    }
)
FIELDS = ("document_type", "classification", "title", "body", "recipients", "grade", "grounds")


def _check(data: dict, withheld: list[tuple[str, str]], unit: Unit, by) -> dict:
    """The draft's fields, cleaned, or ValidationError with every problem by field."""
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Write the title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": TITLE_MAX}
    body = text.clean_html(data.get("body") or "")
    recipients = (data.get("recipients") or "").strip()[:300]
    if not text.plain_text(body):
        errors["body"] = _("Write the body.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("The body can be at most %(n)d characters.") % {"n": BODY_MAX}
    grade = data.get("grade") or Grade.OPEN
    grounds = sorted({g for g in data.get("grounds") or [] if g in Ground.values})
    if grade not in Grade.values:
        errors["grade"] = _("Choose the disclosure grade.")
    elif grade == Grade.CLOSED and not grounds:
        errors["grounds"] = _("Give the legal ground for not disclosing it.")
    if grade == Grade.PARTIAL:
        if not withheld:
            errors["withheld"] = _("Mark the passages to withhold, each with its ground.")
        elif any(g not in Ground.values for _p, g in withheld):
            errors["withheld"] = _("Give the ground of each withheld passage.")
        elif missing := [p for p, _g in withheld if not text.passage_in(body, p)]:
            errors["withheld"] = _("This passage is not in the body as written: %(p)s") % {
                "p": missing[0][:80]
            }
        elif left := [p for p, _g in withheld if text.passage_left(body, p)]:
            errors["withheld"] = _(
                "This passage is also written in the body with markup or other spacing inside "
                "it, where it cannot be blacked out: write it the same way everywhere: %(p)s"
            ) % {"p": left[0][:80]}
        elif shown := [
            p
            for p, _g in withheld
            if any(text.same_words(p) in text.same_words(v) for v in (title, recipients))
        ]:
            errors["withheld"] = _(
                "This passage is also in the title or the recipients, which are public: "
                "leave it out there: %(p)s"
            ) % {"p": shown[0][:80]}
        grounds = sorted(set(grounds) | {g for _p, g in withheld})
    reviewer = data.get("reviewer")
    if reviewer is not None and (reviewer.pk == by.pk or not policies.is_official(reviewer)):
        errors["reviewer"] = _("The reviewer is another official.")
    cooperating = list(data.get("cooperating_units") or [])
    if any(u.pk == unit.pk for u in cooperating):
        errors["cooperating_units"] = _("Cooperation is asked of other units.")
    if errors:
        raise ValidationError(errors)
    cleaned = {k: data.get(k) for k in FIELDS}
    cleaned.update(title=title, body=body, grade=grade, grounds=grounds)
    cleaned["recipients"] = recipients
    return cleaned | {"reviewer": reviewer, "cooperating_units": cooperating}


def document_save(*, by, data: dict, withheld=(), files=(), document: Document | None = None):
    """An official drafts a document in one of their units, or changes their draft (also after
    a return). `withheld`: (passage, ground) pairs for a partly open document; `files`: checked
    uploads (nara.core.uploads.CleanFile), added to those already attached."""
    withheld = [(p.strip(), g) for p, g in withheld if p and p.strip()]
    names = [item.name for item in files]
    if document is None:
        unit = data.get("unit")
        if unit is None or not policies.can_draft_in(by, unit.pk):
            raise NotAllowed()
        cleaned = _check(data, withheld, unit, by)
        _check_names(withheld, names)
        with transaction.atomic():
            document = Document.objects.create(
                unit=unit,
                drafter=by,
                **{k: cleaned[k] for k in FIELDS},
                reviewer=cleaned["reviewer"],
            )
            _write_parts(document, cleaned, withheld, files)
            audit_record(
                actor=by,
                event_type=EventType.DOCUMENT_DRAFTED,
                target=document,
                to_state=Status.DRAFT,
            )
        return document
    cleaned = _check(data, withheld, document.unit, by)
    _check_names(withheld, [*document.attachments.values_list("name", flat=True), *names])
    with transition(
        document,
        by=by,
        action="change",
        table=TRANSITIONS,
        allowed=policies.can_edit,
        event=EventType.DOCUMENT_CHANGED,
    ) as change:
        doc = change.obj
        for key in FIELDS:
            setattr(doc, key, cleaned[key])
        doc.reviewer = cleaned["reviewer"]
        doc.withheld.all().delete()
        _write_parts(doc, cleaned, withheld, files)
    return doc


def _check_names(withheld, names: list[str]) -> None:
    """A withheld passage must not be in an attachment's name: the names are listed (붙임) in
    the public PDF."""
    for passage, _g in withheld:
        if any(text.same_words(passage) in text.same_words(name) for name in names):
            raise ValidationError(
                {
                    "attachments": _(
                        "A withheld passage is in the name of an attachment, which is "
                        "public: rename the file: %(p)s"
                    )
                    % {"p": passage[:80]}
                }
            )


def _write_parts(document: Document, cleaned: dict, withheld, files) -> None:
    document.cooperating_units.set(cleaned["cooperating_units"])
    Withheld.objects.bulk_create(
        Withheld(document=document, passage=p, ground=g) for p, g in withheld
    )
    for item in files:
        Attachment.objects.create(
            document=document,
            file=ContentFile(item.data, name=item.name),
            name=item.name,
            content_type=item.content_type,
            size=len(item.data),
            text=attachment_text(item.data, item.content_type),
        )


def attachment_text(data: bytes, content_type: str) -> str:
    """The text of a PDF attachment (for the personal-data scan); images have none we read."""
    if content_type != "application/pdf":
        return ""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages[:200])[:500_000]
    except Exception:  # an unreadable PDF is the upload check's business, not the scan's
        log.warning("could not read an attachment's text", exc_info=True)
        return ""


def personal_data(document: Document) -> list[text.Finding]:
    """Personal data in the title, the recipients, the body and the attachments' text, not yet
    withheld or confirmed."""
    words = "\n".join(
        [
            document.title,
            document.recipients,
            text.plain_text(document.body),
            *document.attachments.values_list("text", flat=True),
        ]
    )
    withheld = list(document.withheld.values_list("passage", flat=True))
    return text.unresolved(
        text.find_personal_data(words), withheld, document.personal_data_confirmed
    )


def document_submit(*, document: Document, by, confirm: list[str] = ()) -> Document:
    """The drafter submits the document on its line (결재 상신). Personal data found in it must
    be withheld or confirmed first (`confirm`: the findings the drafter confirms are meant to
    be there, e.g. an office's public phone number)."""
    with transition(
        document,
        by=by,
        action="submit",
        table=TRANSITIONS,
        allowed=policies.can_edit,
        event=EventType.DOCUMENT_SUBMITTED,
    ) as change:
        doc = change.obj
        doc.personal_data_confirmed = sorted(set(doc.personal_data_confirmed) | set(confirm))
        if left := personal_data(doc):
            raise ValidationError(
                {
                    "personal_data": _(
                        "Personal data was found: withhold it or confirm it is meant to be "
                        "there: %(found)s"
                    )
                    % {"found": ", ".join(f"{f.label} {f.text}" for f in left)}
                }
            )
        line = engine.line_submit(subject=doc, kind=KIND, by=by, steps=lines.line_for(doc))
        change.data = {"line": line.pk, "confirmed": doc.personal_data_confirmed}
        for step in line.steps.filter(position=min(s.position for s in line.steps.all())):
            _tell_holders(step, doc)
    return doc


def _tell_holders(step, doc: Document) -> None:
    from nara.agencies.selectors import unit_members

    people = [step.person] if step.person_id else list(unit_members(step.unit, step.role))
    for person in people:
        notify(
            user=person,
            subject=msg(_("Document to approve: %(title)s"), {"title": doc.title}),
            body=doc.title,
            url=doc.get_absolute_url(),
            email=False,
        )


def line_of(document: Document, by, line_id=None) -> ApprovalLine:
    """The document's line in progress, for someone who may see it; `line_id`, when a page
    posted one, must still be it."""
    if not policies.can_see(by, document):
        raise NotAllowed()
    line = engine.line_in_progress(document)
    if line is None or (line_id not in (None, "") and str(line.pk) != str(line_id)):
        raise InvalidTransition(_("This document is no longer at this step: reload the page."))
    return line


def document_decide(*, document: Document, by, decision: str, comment: str = "", line_id=None):
    """A holder of the step whose turn it is approves, returns (with a comment) or holds."""
    engine.step_decide(
        line=line_of(document, by, line_id), by=by, decision=decision, comment=comment
    )
    return Document.objects.get(pk=document.pk)


def document_withdraw(*, document: Document, by) -> Document:
    """The drafter takes the document back (회수) before a step has acted."""
    if document.drafter_id != by.pk:
        raise NotAllowed()
    engine.line_withdraw(line=line_of(document, by), by=by)
    return Document.objects.get(pk=document.pk)


def document_post_approve(*, document: Document, by) -> Document:
    """The approver who was away approves afterwards (후결) a document their deputy approved."""

    with transition(
        document,
        by=by,
        action="post_approve",
        table=TRANSITIONS,
        allowed=policies.can_post_approve,
        event=EventType.APPROVAL_POST_APPROVED,
    ) as change:
        change.obj.post_approval_due = False
    return change.obj


# --- the line's end (registered with the engine in apps.py) ----------------------------------


def lock_document_of(line: ApprovalLine) -> None:
    Document.objects.select_for_update(of=("self",)).get(pk=line.object_id)


def next_serial(unit: Unit, year: int) -> int:
    """The unit's next registration serial of `year`, under the lock of its counter row until
    the registering transaction ends: no gap (a rolled-back registration gives its number
    back) and no duplicate, however many approvals end at once."""
    RegisterSerial.objects.bulk_create(
        [RegisterSerial(unit=unit, year=year)], ignore_conflicts=True
    )
    counter = RegisterSerial.objects.select_for_update().get(unit=unit, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def approved(line: ApprovalLine, by) -> None:
    """The line ended approved: the document is registered (unit name-year-serial, the serial
    restarting each year; the year keeps the number unique across years) and its
    publication queued (publication.py renders and publishes it within a minute)."""
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    with transition(
        Document(pk=line.object_id),
        by=by,
        action="register",
        table=TRANSITIONS,
        allowed=engine.decided_on_the_line,
        event=EventType.DOCUMENT_REGISTERED,
        locker=lambda d: lock(d, "unit", "classification"),
    ) as change:
        doc = change.obj
        now = timezone.now()
        doc.reg_year = timezone.localdate(now).year
        doc.reg_serial = next_serial(doc.unit, doc.reg_year)
        doc.reg_no = f"{doc.unit.name_ko}-{doc.reg_year}-{doc.reg_serial}"
        doc.registered_at, doc.retention = now, doc.classification.retention
        final = line.steps.get(kind=StepKind.APPROVE)
        acting = final.mark in (Mark.ACTING, Mark.DELEGATED_ACTING)
        doc.post_approval_due = acting and lines.delegation_for(doc).post_approval
        change.data = {"reg_no": doc.reg_no, "line": line.pk, "mark": final.mark}
    pk = doc.pk
    transaction.on_commit(lambda: _queue_publication(pk))
    notify(
        user=doc.drafter,
        subject=msg(_("Document registered: %(no)s"), {"no": doc.reg_no}),
        body=doc.title,
        url=doc.get_absolute_url(),
        email=False,
    )


def _queue_publication(pk: int) -> None:
    from .tasks import publish_document

    publish_document.enqueue(pk)


def returned(line: ApprovalLine, by, comment: str) -> None:
    """The line ended returned (반려): back to its drafter, with the comment."""
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    with transition(
        Document(pk=line.object_id),
        by=by,
        action="return",
        table=TRANSITIONS,
        allowed=engine.decided_on_the_line,
        event=EventType.DOCUMENT_RETURNED,
    ) as change:
        change.data = {"line": line.pk, "comment": comment}
    notify(
        user=change.obj.drafter,
        subject=msg(_("Document returned: %(title)s"), {"title": change.obj.title}),
        body=comment,
        url=change.obj.get_absolute_url(),
        email=False,
    )


def withdrawn(line: ApprovalLine, by) -> None:
    """The drafter withdrew the line: the document is a draft again."""
    with transition(
        Document(pk=line.object_id),
        by=by,
        action="withdraw",
        table=TRANSITIONS,
        allowed=engine.decided_on_the_line,
        event=EventType.DOCUMENT_WITHDRAWN,
    ) as change:
        change.data = {"line": line.pk}


def describe(line: ApprovalLine) -> tuple[str, str]:
    """The approvals worklist's entry: the document and its page."""
    document = Document.objects.get(pk=line.object_id)
    return document.title, document.get_absolute_url()
