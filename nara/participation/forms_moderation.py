"""Forms of participation moderation: a decision, a bulk decision, a user's report, a posting
block. They only parse input; `nara.participation.moderation` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.complaints.forms_official import CHOOSE, OfficeForm

from .models import Flag
from .moderation import DECISIONS, REASON_REQUIRED, Reason

DECISION_LABELS = {
    "approve": _("Approve and publish"),
    "reject": _("Reject"),
    "hide": _("Hide"),
    "restore": _("Restore and publish"),
}


class DecisionForm(OfficeForm):
    """One decision on one item. The reason is required to reject or hide (the service says
    so, so the same rule holds for the bulk form and the API)."""

    decision = forms.ChoiceField(
        choices=[(name, DECISION_LABELS[name]) for name in DECISIONS],
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a decision."),
            "invalid_choice": _("Choose a decision."),
        },
    )
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", CHOOSE), *Reason.choices],
        help_text=_("The author sees it, in their language."),
        error_messages={"invalid_choice": _("Choose a reason from the list.")},
    )
    note = forms.CharField(
        label=_("Explanation for the author (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added to the reason. Required for “Another breach of the guidelines”."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in REASON_REQUIRED and not data.get("reason_code"):
            if "reason_code" not in self.errors:
                self.add_error("reason_code", _("Choose the reason: the author will see it."))
        return data


class BulkForm(OfficeForm):
    """The same decision on the selected rows of the queue."""

    decision = forms.ChoiceField(
        label=_("Decision for the selected items"),
        choices=[("approve", DECISION_LABELS["approve"]), ("reject", DECISION_LABELS["reject"])],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose approve or reject."),
            "invalid_choice": _("Choose approve or reject."),
        },
    )
    reason_code = forms.ChoiceField(
        label=_("Reason (to reject)"),
        required=False,
        choices=[("", CHOOSE), *Reason.choices],
        help_text=_("Every author sees it, in their language."),
        error_messages={"invalid_choice": _("Choose a reason from the list.")},
    )
    note = forms.CharField(
        label=_("Explanation for the authors (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    items = forms.MultipleChoiceField(
        required=True,
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one item.")},
    )

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(key, key) for key in keys]
        self.fields["items"].error_messages["invalid_choice"] = _(
            "An item you selected is no longer in this list. Select again."
        )

    def clean_items(self):
        return self.cleaned_data["items"][:100]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason_code"):
            if "reason_code" not in self.errors:
                self.add_error("reason_code", _("Choose the reason: the author will see it."))
        return data


class FlagForm(OfficeForm):
    reason = forms.ChoiceField(
        label=_("Why should the moderators look at this?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why you report this post."),
            "invalid_choice": _("Choose why you report this post."),
        },
    )
    note = forms.CharField(
        label=_("Note for the moderators (optional)"), required=False, max_length=500
    )


class BlockForm(OfficeForm):
    reason = forms.CharField(
        label=_("Reason for the block"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the account holder and kept in the audit log."),
        error_messages={"required": _("Give the reason: it is kept in the audit log.")},
    )


class UnblockForm(OfficeForm):
    reason = forms.CharField(
        label=_("Reason for lifting the block (optional)"), required=False, max_length=2000
    )
