"""Forms of the agency's petition pages: the official answer, its approval, the extension.
They only parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.complaints.forms_official import OfficeForm

ANSWER_MAX = 20000


class AnswerForm(OfficeForm):
    text = forms.CharField(
        label=_("Official answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Published on the petition's page once an approver of the unit approves it."),
        error_messages={"required": _("Write the answer.")},
    )

    def submit(self) -> bool:
        """Which button was pressed: "Submit for approval" or "Save draft" (the default)."""
        return self.data.get("intent") == "submit"


class ApproveForm(OfficeForm):
    pass


class ReturnForm(OfficeForm):
    comment = forms.CharField(
        label=_("What should change?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the drafter with the returned answer."),
        error_messages={"required": _("Say what should change.")},
    )


class ExtendForm(OfficeForm):
    days = forms.IntegerField(
        label=_("Extend by (days)"),
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Say by how many days."),
            "invalid": _("Enter a whole number of days."),
            "min_value": _("Extend by at least one day."),
            "max_value": _("Extend by fewer days."),
        },
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the petition's page with the new date."),
        error_messages={"required": _("Give the reason: it is published.")},
    )

    def __init__(self, *args, max_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        if max_days:
            field = self.fields["days"]
            field.widget.attrs.update({"min": 1, "max": max_days})
            field.help_text = _("Once only, by at most %(n)d days.") % {"n": max_days}

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if self.max_days and days > self.max_days:
            raise forms.ValidationError(_("Extend by 1 to %(n)d days.") % {"n": self.max_days})
        return days
