"""Every write to a poll: responding. One response per eligible person: the policy decides who
is eligible (`Action.RESPOND`, region gating), the unique constraint (poll, user) makes sure
that concurrent submits by one person create one response, the loser gets `AlreadyResponded`.

Validation per kind (`answer_clean`) is shared with the web form, so the page and the service
give the same localized messages."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from nara.core.errors import NotAllowed
from nara.participation import policies
from nara.participation.models import Action

from .models import Answer, Poll, Question, QuestionKind, Response

TEXT_MAX = 2000
K = QuestionKind


class AlreadyResponded(Exception):
    """This person has already answered this poll."""

    message = _("You have already answered this poll. Thank you!")


def ranks_needed(question: Question, n_choices: int) -> int:
    """How many options a ranking question asks to rank: top N, or all."""
    if question.max_choices:
        return min(question.max_choices, n_choices)
    return n_choices


def _choice_id(raw, valid: set[int]) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value not in valid:
        raise ValidationError(_("Choose one of the options shown."))
    return value


def answer_clean(question: Question, raw, choice_ids: list[int]):
    """One question's answer, checked: a choice id (single), a list of ids (multiple), ids in
    rank order (ranking), a text (free text), or None when left out. Raises ValidationError
    with a message for the person answering."""
    valid = set(choice_ids)
    if question.kind == K.SINGLE:
        if raw in (None, "", []):
            if question.required:
                raise ValidationError(_("Choose one option."))
            return None
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                raise ValidationError(_("Choose only one option."))
            raw = raw[0]
        return _choice_id(raw, valid)

    if question.kind == K.MULTIPLE:
        values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        chosen = []
        for item in values:
            cid = _choice_id(item, valid)
            if cid not in chosen:
                chosen.append(cid)
        if not chosen:
            if question.required:
                raise ValidationError(_("Choose at least one option."))
            return []
        if question.max_choices and len(chosen) > question.max_choices:
            raise ValidationError(
                ngettext_lazy("Choose at most %(n)d option.", "Choose at most %(n)d options.", "n")
                % {"n": question.max_choices}
            )
        return chosen

    if question.kind == K.RANKING:
        needed = ranks_needed(question, len(choice_ids))
        given: dict[int, int] = {}
        for key, value in (raw or {}).items() if isinstance(raw, dict) else []:
            if str(value).strip() == "":
                continue
            cid = _choice_id(key, valid)
            try:
                rank = int(str(value).strip())
            except ValueError:
                rank = 0
            if not 1 <= rank <= needed:
                raise ValidationError(_("Ranks are numbers from 1 to %(n)d.") % {"n": needed})
            given[cid] = rank
        if not given and not question.required:
            return []
        ranks = sorted(given.values())
        if len(set(ranks)) != len(ranks):
            raise ValidationError(_("Give each rank to one option only."))
        if len(ranks) != needed:
            if needed == len(choice_ids):
                raise ValidationError(_("Rank all the options, from 1 (first choice) on."))
            raise ValidationError(
                ngettext_lazy("Rank your top %(n)d option.", "Rank your top %(n)d options.", "n")
                % {"n": needed}
            )
        return sorted(given, key=given.get)

    # free text
    text = raw[0] if isinstance(raw, list | tuple) and raw else raw
    text = str(text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        if question.required:
            raise ValidationError(_("Write an answer."))
        return None
    if len(text) > TEXT_MAX:
        raise ValidationError(_("An answer can be at most %(n)d characters.") % {"n": TEXT_MAX})
    return text


def answers_clean(poll: Poll, raw: dict) -> dict[int, object]:
    """Every question's answer checked; ValidationError({"q<id>": message, …}) listing all the
    problems at once."""
    cleaned, errors = {}, {}
    for question in poll.questions.all():
        ids = [c.pk for c in question.choices.all()]
        try:
            cleaned[question.pk] = answer_clean(question, raw.get(question.pk), ids)
        except ValidationError as error:
            errors[f"q{question.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def respond_refusal(user, poll: Poll):
    """Why `user` may not answer `poll` now, or None."""
    if not poll.published:
        return _("This poll is not open.")
    return policies.refusal(user, poll.process, Action.RESPOND)


def poll_respond(*, poll: Poll, by, answers: dict) -> Response:
    """`by` answers the poll. `answers` maps question ids to raw values (see answer_clean).
    Raises ValidationError for bad answers, NotAllowed when not eligible, AlreadyResponded."""
    poll = (
        Poll.objects.select_related("process")
        .prefetch_related("questions__choices", "process__phases")
        .get(pk=poll.pk)
    )
    reason = respond_refusal(by, poll)
    if reason is not None:
        raise NotAllowed(reason)
    if Response.objects.filter(poll=poll, user=by).exists():
        raise AlreadyResponded()
    cleaned = answers_clean(poll, answers)
    with transaction.atomic():
        policies.require_act(by, poll.process, Action.RESPOND)
        try:
            with transaction.atomic():
                response = Response.objects.create(poll=poll, user=by)
        except IntegrityError:
            raise AlreadyResponded() from None
        rows = []
        kinds = {q.pk: q.kind for q in poll.questions.all()}
        for qid, value in cleaned.items():
            kind = kinds[qid]
            if value in (None, []):
                continue
            if kind == K.SINGLE:
                rows.append(Answer(response=response, question_id=qid, choice_id=value))
            elif kind == K.MULTIPLE:
                rows += [Answer(response=response, question_id=qid, choice_id=c) for c in value]
            elif kind == K.RANKING:
                rows += [
                    Answer(response=response, question_id=qid, choice_id=c, rank=i)
                    for i, c in enumerate(value, start=1)
                ]
            else:
                rows.append(Answer(response=response, question_id=qid, text=value))
        Answer.objects.bulk_create(rows)
        Poll.objects.filter(pk=poll.pk).update(response_count=F("response_count") + 1)
    return response


def poll_publish(*, poll: Poll, by) -> Poll:
    """Open a poll to the public (operators, from the admin): audited."""
    from nara.audit.models import EventType
    from nara.audit.services import audit_record

    with transaction.atomic():
        locked = Poll.objects.select_for_update().get(pk=poll.pk)
        if locked.published:
            return locked
        if not locked.questions.exists():
            raise ValidationError(_("A poll needs at least one question."))
        locked.published = True
        locked.save(update_fields=["published"])
        audit_record(
            actor=by, event_type=EventType.POLL_PUBLISHED, target=locked, to_state="published"
        )
    return locked
