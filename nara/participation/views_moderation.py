"""The moderators' pages for participation (참여 게시물 심사): one queue over every registered
kind of post, the Flagged list, recent decisions, one item with its decision forms, bulk
decisions, posting blocks. And the one page citizens use: reporting a published post.

Thin views: a form parses the input, a service in `moderation` decides and writes."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.audit.models import AuditEvent
from nara.core.access import citizen_required, moderator_required
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, query_param
from nara.core.korean import particles

from . import blocking, moderation, moderation_queue
from .forms_moderation import (
    DECISION_LABELS,
    BlockForm,
    BulkForm,
    DecisionForm,
    FlagForm,
    UnblockForm,
)
from .http import safe_next
from .models import ModerationStatus, PostingBlock
from .moderation import REGISTRY
from .spam import spam_verdict

PAGE_SIZE = 30

LISTS = {
    "queue": {
        "statuses": [ModerationStatus.PENDING],
        "title": _("Posts waiting for moderation"),
        "empty": _("Nothing is waiting for moderation."),
    },
    "flagged": {
        "statuses": [ModerationStatus.PUBLISHED],
        "title": _("Published posts reported by users"),
        "empty": _("No published post has enough open reports to need a look."),
    },
    "decided": {
        "statuses": [ModerationStatus.HIDDEN, ModerationStatus.REJECTED],
        "title": _("Rejected and hidden posts"),
        "empty": _("No post was rejected or hidden."),
    },
}


def _decorate(items) -> None:
    now = timezone.now()
    for item in items:
        item.overdue = bool(
            item.moderation_status == ModerationStatus.PENDING
            and item.moderation_due_at
            and item.moderation_due_at < now
        )
        item.spam_verdict = spam_verdict(item.spam_score)


def _list(request, name: str, *, bulk_form=None, status=200):
    config = LISTS[name]
    kind = query_param(request, "kind", 100)
    if kind not in REGISTRY:
        kind = ""
    rows = moderation_queue.queue_rows(
        statuses=config["statuses"],
        kind=kind,
        min_flags=moderation.flags_to_review() if name == "flagged" else 0,
        newest_decided=name == "decided",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = moderation_queue.queue_items(list(page.object_list))
    _decorate(items)
    if name == "flagged":
        moderation_queue.flag_summaries(items)
    if bulk_form is None and name == "queue":
        bulk_form = BulkForm(prefix="bulk", keys=[item.queue_key for item in items])
    selected = set()
    if bulk_form is not None and bulk_form.is_bound:
        selected = set(bulk_form.data.getlist("bulk-items"))
    return render(
        request,
        "participation/moderation/list.html",
        {
            "current": name,
            "title": config["title"],
            "empty": config["empty"],
            "page": page,
            "items": items,
            "kind": kind,
            "kinds": moderation_queue.kind_choices(),
            "query": f"kind={kind}" if kind else "",
            "bulk_form": bulk_form,
            "selected": selected,
            "flags_to_review": moderation.flags_to_review(),
        },
        status=status,
    )


@moderator_required
@require_GET
def queue(request):
    """Pending posts of every kind, oldest target time first."""
    return _list(request, "queue")


@moderator_required
@require_GET
def flagged(request):
    """Published posts with at least NARA_FLAGS_TO_REVIEW open reports."""
    return _list(request, "flagged")


@moderator_required
@require_GET
def decided(request):
    """Rejected and hidden posts, most recent first: where a decision can be reversed."""
    return _list(request, "decided")


# --- one item ----------------------------------------------------------------------------------


def _history(item) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type=item._meta.label_lower, target_id=str(item.pk))
        .select_related("actor")
        .order_by("created_at", "id")[:200]
    )


def _item_context(item, form: DecisionForm | None = None, failed: str = "") -> dict:
    kind = item._meta.label_lower
    item.queue_kind, item.queue_kind_label, item.queue_key = (
        kind,
        moderation_queue.kind_label(kind),
        moderation.item_key(item),
    )
    _decorate([item])
    moderation_queue.flag_summaries([item])
    forms = []
    for decision in moderation.decisions_for(item.moderation_status):
        bound = form if failed == decision else None
        forms.append(
            {
                "decision": decision,
                "label": DECISION_LABELS[decision],
                "needs_reason": decision in moderation.REASON_REQUIRED,
                "form": bound or DecisionForm(prefix=decision, initial={"decision": decision}),
            }
        )
    return {
        "item": item,
        "text": item.moderation_text(),
        "url": moderation._url(item),
        "forms": forms,
        "failed_form": form if failed else None,
        "history": _history(item),
        "blocked": PostingBlock.objects.filter(user_id=item.author_id).exists(),
    }


@moderator_required
@require_GET
def item_detail(request, kind, pk):
    item = moderation.item_get(kind, pk)
    return render(request, "participation/moderation/item.html", _item_context(item))


def _problem(request, message, *, status, item=None):
    return render(
        request,
        "participation/moderation/problem.html",
        {
            "message": message,
            "status": status,
            "item": item,
            "item_kind": item._meta.label_lower if item is not None else "",
        },
        status=status,
    )


DONE = {
    "approve": _("Approved: the post is published and its author was told."),
    "reject": _("Rejected: the author was told the reason."),
    "hide": _("Hidden: the author was told the reason."),
    "restore": _("Restored: the post is published again and its author was told."),
}


@moderator_required
@require_POST
def decide(request, kind, pk):
    """One decision, from the item page (prefixed form) or a row of the queue (plain)."""
    item = moderation.item_get(kind, pk)
    decision = request.POST.get("decision") or ""
    prefix = decision if f"{decision}-decision" in request.POST else None
    form = DecisionForm(request.POST, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moderation.moderation_decide(
                item=item,
                by=request.user,
                decision=data["decision"],
                reason_code=data["reason_code"],
                reason=data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except NotAllowed as error:
            return _problem(request, error.message, status=403, item=item)
        except InvalidTransition as error:
            item.refresh_from_db()
            target = moderation.DECISIONS[data["decision"]][1]
            if item.moderation_status == target and item.moderated_by_id == request.user.pk:
                # the same moderator's second click: already done, nothing happened twice
                messages.info(request, _("This was already done."))
                return redirect(safe_next(request, reverse("participation_moderation:queue")))
            return _problem(request, error.message, status=409, item=item)
        else:
            messages.success(request, DONE[data["decision"]])
            return redirect(safe_next(request, reverse("participation_moderation:queue")))
    failed = form.cleaned_data.get("decision") or decision
    if failed not in moderation.DECISIONS:
        return _problem(request, _("Choose a decision."), status=400, item=item)
    context = _item_context(item, form=form, failed=failed)
    return render(request, "participation/moderation/item.html", context, status=400)


@moderator_required
@require_POST
def bulk(request):
    """The same decision on the selected rows of the queue."""
    keys = [k for k in request.POST.getlist("bulk-items") if k.partition(":")[0] in REGISTRY]
    form = BulkForm(request.POST, prefix="bulk", keys=keys)
    if form.is_valid():
        data = form.cleaned_data
        items = moderation.items_get(data["items"])
        try:
            result = moderation.moderation_decide_many(
                items=items,
                by=request.user,
                decision=data["decision"],
                reason_code=data["reason_code"],
                reason=data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except NotAllowed as error:
            return _problem(request, error.message, status=403)
        else:
            if result.done:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d post was decided; its author was told.",
                        "%(n)d posts were decided; their authors were told.",
                        len(result.done),
                    )
                    % {"n": len(result.done)},
                )
            for item, message in result.skipped:
                messages.warning(
                    request,
                    particles(
                        _("Skipped “%(title)s”: %(why)s")
                        % {"title": item.moderation_title(), "why": message}
                    ),
                )
            return redirect("participation_moderation:queue")
    return _list(request, "queue", bulk_form=form, status=400)


@moderator_required
@require_POST
def dismiss_flags(request, kind, pk):
    item = moderation.item_get(kind, pk)
    try:
        count = moderation.flags_dismiss(item=item, by=request.user)
    except InvalidTransition as error:
        messages.info(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d report was dismissed; the post stays published.",
                "%(n)d reports were dismissed; the post stays published.",
                count,
            )
            % {"n": count},
        )
    return redirect(safe_next(request, reverse("participation_moderation:flagged")))


# --- reports from users ------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def flag(request, kind, pk):
    """Report a published post to the moderators (the `_flag.html` control posts here)."""
    item = moderation.item_get(kind, pk)
    if item.moderation_status != ModerationStatus.PUBLISHED:
        raise Http404
    moderation.item_process_or_404(item)
    back = safe_next(request, moderation._url(item) or reverse("participation:home"))
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                moderation.flag_create(
                    user=request.user,
                    item=item,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                messages.info(request, " ".join(_messages(error)))
                return redirect(back)
            except (NotAllowed, InvalidTransition) as error:
                messages.error(request, error.message)
                return redirect(back)
            messages.success(request, _("Thank you. The moderators will look at this post."))
            return redirect(back)
        status = 400
    return render(
        request,
        "participation/moderation/flag.html",
        {"item": item, "form": form, "back": back, "own": item.author_id == request.user.pk},
        status=status,
    )


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- posting blocks ----------------------------------------------------------------------------


@moderator_required
@require_http_methods(["GET", "POST"])
def block(request, user_id):
    """Block an account from posting and hide what it posted (after a confirmation)."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = BlockForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                done = blocking.account_block(
                    user=person, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except (NotAllowed, InvalidTransition) as error:
                return _problem(request, error.message, status=409)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The account is blocked; %(n)d post was hidden.",
                        "The account is blocked; %(n)d posts were hidden.",
                        done.hidden_count,
                    )
                    % {"n": done.hidden_count},
                )
                return redirect("participation_moderation:blocks")
        status = 400
    counts = []
    for kind, registration in sorted(REGISTRY.items()):
        n = registration.model.objects.filter(
            author=person,
            moderation_status__in=[ModerationStatus.PENDING, ModerationStatus.PUBLISHED],
        ).count()
        if n:
            counts.append((moderation_queue.kind_label(kind), n))
    return render(
        request,
        "participation/moderation/block.html",
        {
            "person": person,
            "form": form,
            "counts": counts,
            "already": PostingBlock.objects.filter(user=person).exists(),
            "failed_form": form if status == 400 else None,
        },
        status=status,
    )


@moderator_required
@require_GET
def blocks(request):
    rows = PostingBlock.objects.select_related("user", "blocked_by").order_by("-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/moderation/blocks.html",
        {"page": page, "current": "blocks", "form": UnblockForm()},
    )


@moderator_required
@require_POST
def unblock(request, user_id):
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = UnblockForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        blocking.account_unblock(user=person, by=request.user, reason=reason)
    except InvalidTransition as error:
        messages.info(request, error.message)
    else:
        messages.success(
            request,
            _("The block was lifted. Hidden posts stay hidden until a moderator restores them."),
        )
    return redirect("participation_moderation:blocks")
