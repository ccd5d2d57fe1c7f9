"""Budget forms: they check the input's shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.core.forms import FormTokenField

from .models import Budget
from .services import COST_MAX, DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX


class ProjectForm(forms.Form):
    title = forms.CharField(
        label=_("Project title"),
        max_length=TITLE_MAX,
        error_messages={"required": _("Give your project a title.")},
    )
    description = forms.CharField(
        label=_("What should be done, and why?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Describe your project.")},
    )
    location = forms.CharField(
        label=_("Where?"),
        max_length=LOCATION_MAX,
        required=False,
        help_text=_("An address, a street or a place people know, e.g. 종로구 사직로 ○○ 놀이터."),
    )
    estimated_cost = forms.IntegerField(
        label=_("Estimated cost (KRW)"),
        min_value=1,
        max_value=COST_MAX,
        help_text=_("Your best guess in won; the agency checks it and sets the official cost."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Give your estimate of the cost in won."),
            "invalid": _("Give the cost in won, as a whole number."),
        },
    )
    form_token = FormTokenField()


class AssessmentForm(forms.Form):
    feasible = forms.TypedChoiceField(
        label=_("Is the project feasible?"),
        choices=[("yes", _("Feasible")), ("no", _("Not feasible"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the project is feasible.")},
    )
    official_cost = forms.IntegerField(
        label=_("Official cost (KRW)"),
        min_value=1,
        max_value=COST_MAX,
        required=False,
        help_text=_("Required when feasible: the cost shown on the ballot."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Give the cost in won, as a whole number.")},
    )
    reason = forms.CharField(
        label=_("Assessment"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required when not feasible: the reason, shown to everyone."),
    )


class ProjectEnglishForm(forms.Form):
    """A project's title and description in English (services.project_english_set)."""

    title_en = forms.CharField(
        label=_("Title in English"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("For English readers of the ballot. Empty: they see the Korean, marked so."),
        widget=forms.TextInput(attrs={"lang": "en"}),
    )
    description_en = forms.CharField(
        label=_("Description in English"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}),
    )


class BudgetAdminForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = [
            "process",
            "title",
            "title_en",
            "summary",
            "summary_en",
            "total_amount",
            "ballot_style",
            "approval_votes",
        ]
