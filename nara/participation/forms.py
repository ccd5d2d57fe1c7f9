"""Forms of the participation core: the list filter and the digest preference."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DigestFrequency


class DigestForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("How often do you want the digest of what you follow?"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how often to get the digest.")},
    )


class FollowForm(forms.Form):
    """Follow or stop following (the button says which)."""

    action = forms.ChoiceField(choices=[("follow", "follow"), ("unfollow", "unfollow")])
