"""Operators' admin for user accounts: officials' memberships, operators, TOTP resets,
deactivation. Accounts are never deleted: they are deactivated and pseudonymised
(services.user_deactivate), so their audit events keep their actor. Every change made here is
an audit event (OperatorAdmin)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.agencies.models import Membership
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.admin import AuditedAdmin, OperatorAdmin, OperatorInline
from nara.core.errors import NotAllowed

from .models import ApiToken, User
from .services import user_deactivate, user_totp_reset

PASSWORD_FORM_FIELDS = {"password", "password1", "password2", "usable_password"}


def _protected(request, obj) -> bool:
    """A superuser's account, looked at by someone who is not a superuser."""
    return bool(obj is not None and obj.is_superuser and not request.user.is_superuser)


def _membership_changes(formsets) -> list[dict]:
    """What the memberships inline added, changed and removed (after formset.save())."""
    changes = []
    for formset in formsets:
        if formset.model is not Membership:
            continue
        for membership in formset.new_objects:
            changes.append(_membership_entry("added", membership))
        for membership, _fields in formset.changed_objects:
            changes.append(_membership_entry("changed", membership))
        for membership in formset.deleted_objects:
            changes.append(_membership_entry("removed", membership))
    return changes


def _membership_entry(change: str, membership: Membership) -> dict:
    return {"change": change, "unit": membership.unit.code, "role": membership.role}


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}


class UserMembershipInline(OperatorInline):
    model = Membership
    fields = ("unit", "role")
    autocomplete_fields = ("unit",)
    verbose_name = _("membership in a unit")
    verbose_name_plural = _("memberships in units")


@admin.register(User)
class UserAdmin(OperatorAdmin, auth_admin.UserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("email", "name", "is_staff", "totp_confirmed", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "totp_confirmed", "email_confirmed")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("totp_confirmed", "last_login", "date_joined")
    inlines = [UserMembershipInline]
    actions = ["reset_totp", "deactivate"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal information"),
            {"fields": ("name", "phone", "region", "preferred_language")},
        ),
        (
            _("Notifications"),
            {"fields": ("notify_email", "notify_site", "email_confirmed")},
        ),
        (
            _("Access"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "totp_confirmed",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    autocomplete_fields = ("region",)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # an operator cannot hand out superpowers
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    # An operator cannot take over a superuser: no password, e-mail, active flag or TOTP
    # changes, no deleting. (Django's password-change view checks has_change_permission too.)

    def has_change_permission(self, request, obj=None):
        if _protected(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted with their history: the "deactivate" action instead

    # Audit: one event per admin save that changed the account or its memberships (the admin
    # saves in one transaction; save_related runs last in it), and one per password set on the
    # admin's password form (which Django logs with log_change only).

    def log_addition(self, request, obj, message):
        return admin.ModelAdmin.log_addition(self, request, obj, message)  # see save_related

    def log_change(self, request, obj, message):
        match = request.resolver_match
        if match is not None and match.url_name.endswith("_password_change"):
            with transaction.atomic():
                audit_record(
                    actor=request.user,
                    event_type=EventType.USER_PROFILE_UPDATED,
                    target=obj,
                    data={"by_operator": True, "created": False, "changed": ["password"]},
                )
        return admin.ModelAdmin.log_change(self, request, obj, message)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = sorted(
            {"password" if name in PASSWORD_FORM_FIELDS else name for name in form.changed_data}
        )
        memberships = _membership_changes(formsets)
        if changed or memberships:
            audit_record(
                actor=request.user,
                event_type=EventType.USER_PROFILE_UPDATED,
                target=form.instance,
                data={
                    "by_operator": True,
                    "created": not change,
                    "changed": changed,
                    "memberships": memberships,
                },
            )

    @admin.action(description=_("Reset two-factor authentication (TOTP)"))
    def reset_totp(self, request, queryset):
        if not request.user.is_superuser:
            refused = queryset.filter(is_superuser=True).count()
            queryset = queryset.exclude(is_superuser=True)
            if refused:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d superuser was left out: only a superuser may reset their "
                        "two-factor authentication.",
                        "%(count)d superusers were left out: only a superuser may reset their "
                        "two-factor authentication.",
                        refused,
                    )
                    % {"count": refused},
                    messages.ERROR,
                )
        count = 0
        for user in queryset:
            try:
                user_totp_reset(by=request.user, user=user)
            except NotAllowed as error:  # became a superuser since the list was loaded
                self.message_user(request, error.message, messages.ERROR)
                continue
            count += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication was reset for %(count)d user; "
                "they set it up again at their next login.",
                "Two-factor authentication was reset for %(count)d users; "
                "they set it up again at their next login.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate and pseudonymise"))
    def deactivate(self, request, queryset):
        """Asks first (the name and address are gone for good), then deactivates each account
        through services.user_deactivate."""
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/user/deactivate_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Deactivate and pseudonymise accounts"),
                    "opts": self.opts,
                    "queryset": queryset,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        count = 0
        for user in queryset:
            try:
                user_deactivate(by=request.user, user=user)
            except NotAllowed as error:
                self.message_user(request, f"{user}: {error.message}", messages.ERROR)
                continue
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d account was deactivated and pseudonymised.",
                "%(count)d accounts were deactivated and pseudonymised.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return None


@admin.register(ApiToken)
class ApiTokenAdmin(OperatorAdmin):
    """Tokens can be looked at and revoked (deleted, an audit event), never created or read
    back."""

    list_display = ("user", "created_at", "last_used_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "created_at", "last_used_at", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Django's groups page, audited like the others (permissions as Django's: superusers).
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, auth_admin.GroupAdmin):
    pass
