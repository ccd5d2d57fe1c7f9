from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nara.core.regions import TwoStepRegionForm

from .models import User

PASSWORD_MAX = 1024  # longer inputs are refused before they reach the (slow) hasher


def _language_choices():
    return [(code, "한국어" if code == "ko" else "English") for code, _name in settings.LANGUAGES]


class EmailField(forms.EmailField):
    def to_python(self, value):
        return super().to_python(value).lower()


def _password_field(label, *, autocomplete="new-password", help_text=""):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class PasswordPairMixin:
    """Two password fields that must match and pass Django's validators."""

    def _clean_password_pair(self, user):
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
            return
        if first:
            try:
                validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)


class SignUpForm(PasswordPairMixin, forms.Form):
    email = EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We will send you a link to confirm it."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = _password_field(_("Password"), help_text=password_validators_help_text_html)
    password2 = _password_field(_("Password again"))
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=())
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and the privacy notice."),
        error_messages={"required": _("You must accept the terms of use to sign up.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = _language_choices()
        self.fields["password1"].help_text = password_validators_help_text_html()
        if not self.is_bound:
            current = (get_language() or settings.LANGUAGE_CODE)[:2]
            self.initial.setdefault("preferred_language", current)

    def clean(self):
        data = super().clean()
        self._clean_password_pair(User(email=data.get("email", ""), name=data.get("name", "")))
        return data


class LoginForm(forms.Form):
    email = EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = _password_field(_("Password"), autocomplete="current-password")


class EmailOnlyForm(forms.Form):
    email = EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        help_text=_("The code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(_("Enter the 6 digits your app shows."))
        return code


class SetPasswordForm(PasswordPairMixin, forms.Form):
    password1 = _password_field(_("New password"))
    password2 = _password_field(_("New password again"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        self._clean_password_pair(self.user)
        return data


class ProfileForm(TwoStepRegionForm):
    region_help = _("Where you live; it helps route complaints about your area.")

    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.RegexField(
        label=_("Phone"),
        max_length=30,
        required=False,
        regex=r"^\+?[0-9 ()\-]{6,29}$",
        error_messages={"invalid": _("Enter a phone number such as 010-1234-5678.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=())
    notify_email = forms.BooleanField(label=_("Notify me by e-mail"), required=False)
    notify_site = forms.BooleanField(label=_("Notify me on the site"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = _language_choices()

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {
            "name": user.name,
            "phone": user.phone,
            **cls.initial_of(user.region),
            "preferred_language": user.preferred_language,
            "notify_email": user.notify_email,
            "notify_site": user.notify_site,
        }
