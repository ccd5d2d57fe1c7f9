"""Operators' admin for user accounts: officials' memberships, operators, TOTP resets."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.agencies.models import Membership
from nara.core.admin import OperatorInline, OperatorPermissions

from .models import ApiToken, User
from .services import user_totp_reset


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
class UserAdmin(OperatorPermissions, auth_admin.UserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("email", "name", "is_staff", "totp_confirmed", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "totp_confirmed", "email_confirmed")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("totp_confirmed", "last_login", "date_joined")
    inlines = [UserMembershipInline]
    actions = ["reset_totp"]
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

    @admin.action(description=_("Reset two-factor authentication (TOTP)"))
    def reset_totp(self, request, queryset):
        count = 0
        for user in queryset:
            user_totp_reset(by=request.user, user=user)
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


@admin.register(ApiToken)
class ApiTokenAdmin(OperatorPermissions, admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted), never created or read back."""

    list_display = ("user", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
