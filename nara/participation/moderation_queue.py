"""Reads for the moderators' pages: the queue over every registered model, its kinds, and
the open reports of the items shown."""

from django.contrib.contenttypes.models import ContentType

from .models import Flag, Moderated
from .moderation import REGISTRY


def kind_label(kind: str) -> str:
    registration = REGISTRY.get(kind)
    return str(registration.model._meta.verbose_name) if registration else kind


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((kind, kind_label(kind)) for kind in REGISTRY), key=lambda c: c[1])


def queue_rows(*, statuses, kind: str = "", min_flags: int = 0, newest_decided: bool = False):
    """Keys of the items of every registered model (or of one kind) in `statuses`, as one
    ordered query over all the models (a UNION of `kind, pk, sort_at, flags` rows): oldest
    target time first, or the most recently decided first. Paginate it, then `queue_items`."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Coalesce

    parts = []
    for label, registration in sorted(REGISTRY.items()):
        if kind and label != kind:
            continue
        rows = registration.model.objects.filter(moderation_status__in=list(statuses))
        if min_flags:
            rows = rows.filter(flag_count__gte=min_flags)
        sort_at = (
            Coalesce("moderated_at", "submitted_at")
            if newest_decided
            else Coalesce("moderation_due_at", "submitted_at")
        )
        parts.append(
            rows.order_by()
            .annotate(kind=Value(label, output_field=CharField()), sort_at=sort_at)
            .values_list("kind", "pk", "sort_at", "flag_count")
        )
    if not parts:
        return []
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    if newest_decided:
        return combined.order_by("-sort_at", "kind", "-pk")
    if min_flags:
        return combined.order_by("-flag_count", "sort_at", "kind", "pk")
    return combined.order_by("sort_at", "kind", "pk")


def queue_items(rows) -> list[Moderated]:
    """The objects behind a page of `queue_rows`, in order, with their author: one query per
    kind on the page. Each gets `queue_kind`, `queue_kind_label` and `queue_key`."""
    wanted: dict[str, list[int]] = {}
    for kind, pk, *_rest in rows:
        wanted.setdefault(kind, []).append(pk)
    found = {}
    for kind, pks in wanted.items():
        model = REGISTRY[kind].model
        for item in model.objects.select_related("author", "moderated_by").filter(pk__in=pks):
            found[(kind, item.pk)] = item
    items = []
    for kind, pk, *_rest in rows:
        item = found.get((kind, pk))
        if item is not None:
            item.queue_kind, item.queue_kind_label = kind, kind_label(kind)
            item.queue_key = f"{kind}:{pk}"
            items.append(item)
    return items


def flag_summaries(items: list[Moderated]) -> None:
    """Attach `open_flags` (reason label, count) to each item: one query for all of them."""
    from django.db.models import Count, Q

    for item in items:
        item.open_flags = []
    if not items:
        return
    types = {kind: ContentType.objects.get_for_model(REGISTRY[kind].model) for kind in REGISTRY}
    condition = Q()
    for item in items:
        condition |= Q(content_type=types[item.queue_kind], object_id=item.pk)
    by_item = {(item.queue_kind, item.pk): item for item in items}
    kinds = {ct.pk: kind for kind, ct in types.items()}
    rows = (
        Flag.objects.filter(condition, resolved_at__isnull=True)
        .values("content_type_id", "object_id", "reason")
        .annotate(n=Count("id"))
        .order_by("content_type_id", "object_id", "-n", "reason")
    )
    labels = dict(Flag.Reason.choices)
    for row in rows:
        item = by_item.get((kinds.get(row["content_type_id"]), row["object_id"]))
        if item is not None:
            item.open_flags.append((labels.get(row["reason"], row["reason"]), row["n"]))
