"""Every write to participatory budgets: budget rules, proposing and assessing projects, and
casting ballots. Each runs in one transaction, checks `policies` inside it, and audits.

Re-voting: a voter may cast their ballot again while the voting phase is open; the new choices
replace the old ones (one ballot per voter and budget, a unique constraint). The audit records
that a ballot was cast, never what it chose."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed
from nara.participation import policies
from nara.participation.models import Action
from nara.participation.moderation import moderation_submit, post_once

from .models import Ballot, BallotChoice, BallotStyle, Budget, Feasibility, Project

TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX, LOCATION_MAX = 150, 20, 5000, 200
COST_MAX = 10**13  # ten trillion won: anything above is a typo
RULE_FIELDS = ("ballot_style", "approval_votes", "total_amount")
TEXT_FIELDS = ("title", "title_en", "summary", "summary_en")  # free to change at any time


def won_pattern(amount: str) -> str:
    return _("KRW %(amount)s") % {"amount": amount}


def won(amount: int) -> str:
    """An amount of money as shown to people: 1,500,000원 / KRW 1,500,000."""
    return won_pattern(f"{amount:,}")


# --- budget rules ----------------------------------------------------------------------------


def _lock_style(budget: Budget, *, by=None, reason: str) -> None:
    """Record the lock of the ballot rules (once). `budget` must be locked (select_for_update)."""
    if budget.style_locked_at is not None:
        return
    budget.style_locked_at = timezone.now()
    budget.save(update_fields=["style_locked_at"])
    audit_record(
        actor=by,
        event_type=EventType.BUDGET_STYLE_LOCKED,
        target=budget,
        to_state=budget.ballot_style,
        data={"reason": reason, "approval_votes": budget.approval_votes},
    )


def _validate_rules(*, total_amount, ballot_style, approval_votes) -> None:
    errors = {}
    if ballot_style not in BallotStyle.values:
        errors["ballot_style"] = _("Choose a ballot style.")
    if not isinstance(total_amount, int) or not 0 < total_amount <= COST_MAX:
        errors["total_amount"] = _("Give the total amount in won, more than zero.")
    if not isinstance(approval_votes, int) or not 1 <= approval_votes <= 100:
        errors["approval_votes"] = _("Give a number of votes between 1 and 100.")
    if errors:
        raise ValidationError(errors)


def budget_create(
    *,
    process,
    by,
    title: str,
    total_amount: int,
    ballot_style: str = BallotStyle.KNAPSACK,
    approval_votes: int = 3,
    summary: str = "",
    title_en: str = "",
    summary_en: str = "",
) -> Budget:
    """An operator or an official of the running agency sets up a budget in a process (with
    an English version of its title and summary where one is written)."""
    if not (getattr(by, "is_staff", False) or policies.is_agency_official(by, process)):
        raise NotAllowed()
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the budget a title.")})
    _validate_rules(
        total_amount=total_amount, ballot_style=ballot_style, approval_votes=approval_votes
    )
    with transaction.atomic():
        budget = Budget.objects.create(
            process=process,
            title=title,
            summary=(summary or "").strip(),
            title_en=(title_en or "").strip(),
            summary_en=(summary_en or "").strip(),
            total_amount=total_amount,
            ballot_style=ballot_style,
            approval_votes=approval_votes,
        )
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_PROCESS_CHANGED,
            target=budget,
            to_state=ballot_style,
            data={"budget_created": budget.title, "total_amount": total_amount},
        )
    return budget


def budget_update(*, budget: Budget, by, **changes) -> Budget:
    """Change a budget's texts (TEXT_FIELDS) or ballot rules (style, approval votes, total).
    The rules are refused once locked: when voting has started or the first ballot is cast."""
    if not (getattr(by, "is_staff", False) or policies.is_agency_official(by, budget.process)):
        raise NotAllowed()
    unknown = set(changes) - {*TEXT_FIELDS, *RULE_FIELDS}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    fresh = Budget.objects.prefetch_related("process__phases").get(pk=budget.pk)
    if fresh.style_locked_at is None and fresh.voting_started():
        budget_lock_style(budget=fresh, by=by)  # recorded even though the change is refused
    with transaction.atomic():
        locked = (
            Budget.objects.select_for_update(of=("self",))
            .select_related("process")
            .get(pk=budget.pk)
        )
        rules_changed = [
            f for f in RULE_FIELDS if f in changes and changes[f] != getattr(locked, f)
        ]
        if rules_changed and locked.style_locked():
            raise InvalidTransition(
                _("The ballot rules are locked: voting has started or ballots have been cast.")
            )
        rules = {f: changes.get(f, getattr(locked, f)) for f in RULE_FIELDS}
        _validate_rules(**rules)
        old_style = locked.ballot_style
        for field, value in changes.items():
            setattr(locked, field, value.strip() if isinstance(value, str) else value)
        if not locked.title:
            raise ValidationError({"title": _("Give the budget a title.")})
        locked.save()
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_PROCESS_CHANGED,
            target=locked,
            from_state=old_style,
            to_state=locked.ballot_style,
            data={"changed": sorted(changes)},
        )
    return locked


def budget_lock_style(*, budget: Budget, by=None) -> Budget:
    """Lock the ballot rules now (the voting phase starts; idempotent)."""
    with transaction.atomic():
        locked = Budget.objects.select_for_update().get(pk=budget.pk)
        _lock_style(locked, by=by, reason="voting_started")
    return locked


def ballot_changed(*, budget_id: int) -> None:
    """What the ballot lists may have changed: a new version for the cached project list."""
    Budget.objects.filter(pk=budget_id).update(ballot_version=F("ballot_version") + 1)


def project_moderated(project, old: str, new: str) -> None:
    """Moderation's on_change for projects (in the decision's transaction)."""
    ballot_changed(budget_id=project.budget_id)


# --- projects --------------------------------------------------------------------------------


def _clean_cost(value, field: str) -> int:
    try:
        cost = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give the cost in won, as a whole number.")}) from None
    if not 0 < cost <= COST_MAX:
        raise ValidationError({field: _("Give a cost of more than zero won.")})
    return cost


def project_propose(
    *,
    budget: Budget,
    author,
    title: str,
    description: str,
    location: str = "",
    estimated_cost,
    form_token: str = "",
) -> Project:
    """A resident proposes a project in the input phase. It waits for moderation, then for the
    agency's assessment. The same form sent twice (same token) creates one project."""
    title, description = (title or "").strip(), (description or "").strip()
    location = (location or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give your project a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": TITLE_MAX}
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = _("Describe your project in at least %(n)d characters.") % {
            "n": DESCRIPTION_MIN
        }
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("The description can be at most %(n)d characters.") % {
            "n": DESCRIPTION_MAX
        }
    if len(location) > LOCATION_MAX:
        errors["location"] = _("The location can be at most %(n)d characters.") % {
            "n": LOCATION_MAX
        }
    try:
        cost = _clean_cost(estimated_cost, "estimated_cost")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    def create() -> Project:
        policies.require_act(author, budget.process, Action.PROPOSE)
        project = Project.objects.create(
            budget=budget,
            author=author,
            title=title,
            description=description,
            location=location,
            estimated_cost=cost,
            form_token=form_token,
        )
        return moderation_submit(item=project)

    return post_once(Project, author=author, token=form_token, create=create)


def project_assess(
    *, project: Project, by, feasible: bool, reason: str = "", official_cost=None
) -> Project:
    """An official of the running agency assesses a project: feasible with the official cost
    (the cost on the ballot), or not feasible with the reason (shown to everyone)."""
    reason = (reason or "").strip()
    errors = {}
    cost = None
    if feasible:
        try:
            cost = _clean_cost(official_cost, "official_cost")
        except ValidationError as error:
            errors.update(error.message_dict)
    elif not reason:
        errors["reason"] = _("Explain why the project is not feasible.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related("budget__process")
            .get(pk=project.pk)
        )
        budget = locked.budget
        policies.require_act(by, budget.process, Action.ASSESS)
        if feasible and cost > budget.total_amount:
            raise ValidationError(
                {"official_cost": _("The official cost is more than the whole budget.")}
            )
        old = locked.feasibility
        locked.feasibility = Feasibility.FEASIBLE if feasible else Feasibility.NOT_FEASIBLE
        locked.feasibility_reason = reason
        locked.official_cost = cost
        locked.assessed_by = by
        locked.assessed_at = timezone.now()
        locked.save(
            update_fields=[
                "feasibility",
                "feasibility_reason",
                "official_cost",
                "assessed_by",
                "assessed_at",
            ]
        )
        ballot_changed(budget_id=budget.pk)
        audit_record(
            actor=by,
            event_type=EventType.BUDGET_PROJECT_ASSESSED,
            target=locked,
            from_state=old,
            to_state=locked.feasibility,
            data={"official_cost": cost} if cost is not None else {"reason": reason},
        )
    return locked


def project_english_set(*, project: Project, by, title_en: str, description_en: str) -> Project:
    """An official of the running agency writes (or corrects) a project's title and
    description in English, for English readers of its page and the ballot: at any time, apart
    from the assessment. Empty: they read the Korean, marked so. Audited."""
    with transaction.atomic():
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related("budget__process")
            .get(pk=project.pk)
        )
        process = locked.budget.process
        if not (getattr(by, "is_staff", False) or policies.is_agency_official(by, process)):
            raise NotAllowed()
        before = (locked.title_en, locked.description_en)
        locked.title_en = (title_en or "").strip()[:TITLE_MAX]
        locked.description_en = (description_en or "").strip()[:DESCRIPTION_MAX]
        if (locked.title_en, locked.description_en) == before:
            return locked
        locked.save(update_fields=["title_en", "description_en"])
        ballot_changed(budget_id=locked.budget_id)
        audit_record(
            actor=by,
            event_type=EventType.BUDGET_PROJECT_ENGLISH,
            target=locked,
            data={"title_en": locked.title_en, "description_en": bool(locked.description_en)},
        )
    return locked


# --- ballots ---------------------------------------------------------------------------------


def _parse_ids(project_ids) -> list[int]:
    ids = []
    for raw in project_ids or ():
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Choose projects from the ballot.")) from None
        if value <= 0 or value > 2**62:
            raise ValidationError(_("Choose projects from the ballot."))
        ids.append(value)
    return ids


def ballot_check(*, budget: Budget, project_ids) -> list[Project]:
    """The ballot rules (no permission check): at least one project; each at most once; only
    projects on this budget's ballot; knapsack: official costs add up to at most the budget;
    approval: at most `approval_votes` projects. Returns the chosen projects."""
    ids = _parse_ids(project_ids)
    if not ids:
        raise ValidationError(_("Choose at least one project."))
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Each project can be chosen only once."))
    projects = list(Project.objects.on_ballot().filter(budget=budget, pk__in=ids))
    if len(projects) != len(ids):
        raise ValidationError(_("Some of the chosen projects are not on this ballot."))
    if budget.ballot_style == BallotStyle.APPROVAL:
        if len(ids) > budget.approval_votes:
            raise ValidationError(
                ngettext_lazy(
                    "You may choose at most %(n)d project; you chose %(chosen)d.",
                    "You may choose at most %(n)d projects; you chose %(chosen)d.",
                    "n",
                )
                % {"n": budget.approval_votes, "chosen": len(ids)}
            )
    else:
        total = sum(p.official_cost for p in projects)
        if total > budget.total_amount:
            raise ValidationError(
                _(
                    "Your choice costs %(total)s, %(over)s more than the budget of %(budget)s. "
                    "Remove projects until it fits."
                )
                % {
                    "total": won(total),
                    "over": won(total - budget.total_amount),
                    "budget": won(budget.total_amount),
                }
            )
    return projects


def ballot_cast(*, budget: Budget, voter, project_ids) -> Ballot:
    """Cast (or, during the voting phase, replace) `voter`'s ballot on `budget`. Checks that
    the voter may vote now (phase, residence), the ballot rules (`ballot_check`), locks the
    ballot rules at the first ballot, and audits that a ballot was cast — without the choices.
    Two submissions at once leave one ballot (unique constraint + row lock)."""
    with transaction.atomic():
        # The budget row is locked before the ballot is checked: an operator's change of the
        # rules (`budget_update` locks the same row) waits, or is seen here, never in between.
        budget = (
            Budget.objects.select_for_update(of=("self",))
            .select_related("process", "process__unit")
            .prefetch_related("process__phases")
            .get(pk=budget.pk)
        )
        policies.require_act(voter, budget.process, Action.VOTE)
        projects = ballot_check(budget=budget, project_ids=project_ids)
        _lock_style(budget, by=voter, reason="first_ballot")
        now = timezone.now()
        ballot, created = Ballot.objects.get_or_create(
            budget=budget, voter=voter, defaults={"cast_at": now, "changed_at": now}
        )
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if not created:
            ballot.choices.all().delete()
            ballot.changed_at = now
            ballot.save(update_fields=["changed_at"])
        BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, project=p) for p in projects)
        audit_record(
            actor=voter,
            event_type=EventType.BUDGET_BALLOT_CAST,
            target=budget,
            to_state="cast" if created else "replaced",
        )
    return ballot
