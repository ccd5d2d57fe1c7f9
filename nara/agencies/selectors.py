from django.contrib.auth import get_user_model
from django.db.models import CharField, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat

from nara.core.djangointernals import unwrap_lazy
from nara.core.models import Region
from nara.core.prepared import PreparedQuery

from .models import Membership, RoutingRule, Unit

Role = Membership.Role

# Read on nearly every page a signed-in user sees (is the user an official?): compiled once.
_memberships = PreparedQuery(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id).values_list("unit_id", "role").order_by()
    )
)


def packed_memberships(user_id_field: str) -> Subquery:
    """The memberships of the user whose id is the outer query's `user_id_field`, packed in one
    string ("unit:role,…"; NULL for none): for the queries that read the user anyway (the
    session's, the API token's), so that no query of its own reads them. Unpacked by
    `remember_memberships`."""
    return Subquery(
        Membership.objects.filter(user_id=OuterRef(user_id_field))
        .order_by()
        .values("user_id")
        .annotate(
            packed=StringAgg(
                Concat(Cast("unit_id", CharField()), Value(":"), "role"), delimiter=Value(",")
            )
        )
        .values("packed")[:1]
    )


def remember_memberships(user, packed: str | None) -> None:
    """Give `user` the memberships `packed_memberships` read with it: official_unit_ids then
    reads none."""
    memberships = []
    for item in (packed or "").split(","):
        if item:
            unit, _, role = item.partition(":")
            memberships.append((int(unit), role))
    user.__dict__.setdefault("_nara_unit_ids", {})["memberships"] = memberships


def unit_descendant_ids(unit_ids: set[int]) -> set[int]:
    """The given units and every unit below them."""
    result = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        frontier = set(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier -= result
        result |= frontier
    return result


def official_unit_ids(user, roles: tuple[str, ...] | None = None) -> set[int]:
    """Units where `user` holds one of `roles` (all roles if None). An agency administrator
    also covers every unit below theirs. Memberships are read once per user object (request),
    if they were not read with the user."""
    if not getattr(user, "is_authenticated", False):
        return set()
    user = unwrap_lazy(user)  # a request's lazy user: cache on the user itself
    cache = user.__dict__.setdefault("_nara_unit_ids", {})
    if "memberships" not in cache:  # unless read with the user (remember_memberships)
        cache["memberships"] = _memberships.all(user_id=user.pk)
    if "admin_scope" not in cache:
        admin = {unit for unit, role in cache["memberships"] if role == Role.AGENCY_ADMIN}
        cache["admin_scope"] = unit_descendant_ids(admin) if admin else set()
    key = roles or ("*",)
    if key not in cache:
        memberships = cache["memberships"]
        direct = {unit for unit, role in memberships if roles is None or role in roles}
        cache[key] = direct | cache["admin_scope"]
    return cache[key]


def official_of_unit_or_above(user, unit: Unit | None) -> bool:
    """Whether `user` holds any role in `unit` or in a unit above it (walking up the tree)."""
    units = official_unit_ids(user)
    while unit is not None and units:
        if unit.pk in units:
            return True
        unit = unit.parent
    return False


def user_has_role(user, unit_id: int | None, *roles: str) -> bool:
    return unit_id is not None and unit_id in official_unit_ids(user, roles or None)


def unit_members(unit: Unit, *roles: str):
    return (
        get_user_model()
        .objects.filter(memberships__unit=unit, memberships__role__in=roles, is_active=True)
        .distinct()
    )


def route(*, category=None, text: str = "", region: Region | None = None) -> Unit | None:
    """The competent unit by the first matching routing rule, or None (→ triage queue)."""
    text = text.lower()
    region_codes = set()
    if region is not None:
        region_codes = {region.pk, region.parent_id} - {None}
    rules = RoutingRule.objects.filter(is_active=True, unit__is_active=True).filter(
        Q(category=None) | Q(category=category)
    )
    for rule in rules.select_related("unit"):
        if rule.region_id is not None and rule.region_id not in region_codes:
            continue
        keywords = rule.keyword_list()
        if keywords and not any(k in text for k in keywords):
            continue
        return rule.unit
    return None
