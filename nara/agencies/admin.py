"""Operators' admin for the organisation tree, roles and routing rules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nara.core.admin import OperatorAdmin, OperatorInline

from .models import Category, Membership, RoutingRule, Unit


class UnitMembershipInline(OperatorInline):
    model = Membership
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    verbose_name = _("official of this unit")
    verbose_name_plural = _("officials of this unit")


class ChildUnitInline(admin.TabularInline):
    """The units directly below, shown for orientation in the tree (edit them on their page)."""

    model = Unit
    fk_name = "parent"
    fields = ("code", "name_ko", "name_en", "kind", "is_active")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name = _("unit below")
    verbose_name_plural = _("units below")

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgencyListFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("agency", _("Agencies (top level)")), ("below", _("Units below an agency"))]

    def queryset(self, request, queryset):
        if self.value() == "agency":
            return queryset.filter(parent=None)
        if self.value() == "below":
            return queryset.exclude(parent=None)
        return queryset


@admin.register(Unit)
class UnitAdmin(OperatorAdmin):
    list_display = ("code", "name_ko", "name_en", "kind", "parent", "is_active")
    list_select_related = ("parent",)
    list_filter = (AgencyListFilter, "kind", "is_active")
    search_fields = ("code", "name_ko", "name_en", "parent__code", "parent__name_ko")
    autocomplete_fields = ("parent",)
    fields = ("code", "name_ko", "name_en", "kind", "parent", "is_active")
    inlines = [ChildUnitInline, UnitMembershipInline]


@admin.register(Membership)
class MembershipAdmin(OperatorAdmin):
    list_display = ("user", "unit", "role")
    list_select_related = ("user", "unit")
    list_filter = ("role",)
    search_fields = ("user__email", "user__name", "unit__code", "unit__name_ko")
    autocomplete_fields = ("user", "unit")


@admin.register(Category)
class CategoryAdmin(OperatorAdmin):
    list_display = ("code", "name_ko", "name_en")
    search_fields = ("code", "name_ko", "name_en")


@admin.register(RoutingRule)
class RoutingRuleAdmin(OperatorAdmin):
    list_display = ("id", "priority", "is_active", "unit", "category", "keywords", "region")
    list_display_links = ("id",)
    list_editable = ("priority", "is_active")
    list_select_related = ("unit", "category", "region")
    list_filter = ("is_active", "category")
    search_fields = ("keywords", "unit__code", "unit__name_ko")
    autocomplete_fields = ("unit", "category", "region")
    fields = ("priority", "is_active", "category", "keywords", "region", "unit")
