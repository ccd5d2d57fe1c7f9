"""Forms of the officials' back office (민원 처리). They only parse input; the services decide."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership, Unit
from nara.agencies.selectors import unit_members
from nara.core.widgets import LongSelect

from .models import Kind, Status

CHOOSE = _("Choose…")


class OfficeForm(forms.Form):
    """A form whose errors are shown next to its fields and in a summary at the top."""

    # Fields that never depend on the complaint or the database: shown empty, their markup is
    # rendered once per process ({% memo %} in office/_action_form.html).
    static_fields = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def error_items(self):
        """(field id or "", message) pairs for the error summary."""
        items = []
        for name, errors in self.errors.items():
            anchor = "" if name == NON_FIELD_ERRORS else self[name].auto_id
            items.extend((anchor, message) for message in errors)
        return items


# --- the inbox -------------------------------------------------------------------------------


class InboxFilterForm(OfficeForm):
    STATUS_CHOICES = [
        ("open", _("Open")),
        ("all", _("All")),
        *[
            (value, _("Waiting for citizen") if value == Status.WAITING_CITIZEN else label)
            for value, label in Status.choices
        ],
    ]
    DUE_CHOICES = [
        ("", _("Any time")),
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("week", _("Due within 7 days")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Kind.choices], required=False
    )
    due = forms.ChoiceField(label=_("Due"), choices=DUE_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Receipt number, or words from the title or text."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    mine = forms.BooleanField(label=_("Only complaints I handle"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("due", _("Soonest due first")),
            ("-due", _("Latest due first")),
            ("-received", _("Newest first")),
            ("received", _("Oldest first")),
            ("receipt", _("Receipt number")),
        ],
    )

    DEFAULTS = {"status": "open", "kind": "", "due": "", "q": "", "mine": False, "sort": "due"}
    # an approver's inbox opens on what waits for their decision
    APPROVER_DEFAULTS = {**DEFAULTS, "status": Status.PENDING_APPROVAL.value}

    def __init__(self, *args, defaults: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.defaults = defaults or self.DEFAULTS  # the person's: an approver's differ

    def filters(self) -> dict:
        """Keyword arguments for selectors.inbox; invalid or missing choices fall back to the
        defaults given (a second page keeps an approver's default status)."""
        if not self.is_valid():
            return dict(self.defaults)
        data = self.cleaned_data
        return {
            "status": data["status"] or self.defaults["status"],
            "kind": data["kind"],
            "due": data["due"],
            "q": data["q"].strip(),
            "mine": bool(data["mine"]),
            "sort": data["sort"] or "due",
        }


# --- actions on one complaint -----------------------------------------------------------------


class ClaimForm(OfficeForm):
    static_fields = True


class ApproveForm(OfficeForm):
    static_fields = True


class NoteForm(OfficeForm):
    static_fields = True
    body = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by officials only, never by the citizen."),
        error_messages={"required": _("Write the note.")},
    )


class AssignForm(OfficeForm):
    handler = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=None,
        empty_label=CHOOSE,
        error_messages={
            "required": _("Choose a handler of this unit."),
            "invalid_choice": _("Choose a handler of this unit."),
        },
    )

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = unit_members(unit, Membership.Role.HANDLER).order_by(
            "name", "email"
        )
        self.fields["handler"].label_from_instance = lambda user: user.display_name


class TransferForm(OfficeForm):
    """Transfer to another unit (이송), or route out of the triage queue."""

    to_unit = forms.TypedChoiceField(
        label=_("Send to unit"),
        coerce=int,
        widget=LongSelect,
        error_messages={
            "required": _("Choose the unit to send it to."),
            "invalid_choice": _("Choose another, active unit."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the transfer.")},
    )

    def __init__(self, *args, current_unit_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every active unit of every agency: read as plain rows (no model objects), since the
        # list is long and the page is the handlers' most used one.
        english = get_language() == "en"
        units = (
            Unit.objects.filter(is_active=True)
            .exclude(pk=current_unit_id)
            .order_by("code")
            .values_list("pk", "code", "name_ko", "name_en")
        )
        self.fields["to_unit"].choices = [("", CHOOSE)] + [
            (pk, f"{(name_en if english and name_en else name_ko)} ({code})")
            for pk, code, name_ko, name_en in units
        ]

    def clean_to_unit(self):
        unit = Unit.objects.filter(pk=self.cleaned_data["to_unit"], is_active=True).first()
        if unit is None:
            raise forms.ValidationError(_("Choose another, active unit."))
        return unit


class ExtendForm(OfficeForm):
    new_due = forms.DateField(
        label=_("New due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Choose the new due date."),
            "invalid": _("Enter the date as year-month-day, for example 2026-04-20."),
        },
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the citizen with the new date."),
        error_messages={"required": _("Give the reason for the extension.")},
    )


class RequestInfoForm(OfficeForm):
    question = forms.CharField(
        label=_("What do you need from the citizen?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The handling period stops until the citizen replies."),
        error_messages={"required": _("Write what you need from the citizen.")},
    )


class AnswerForm(OfficeForm):
    static_fields = True
    body = forms.CharField(
        label=_("Answer"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Submitted to the unit's approver; sent to the citizen once approved."),
        error_messages={"required": _("Write the answer.")},
    )


class ReturnForm(OfficeForm):
    static_fields = True
    comment = forms.CharField(
        label=_("What should change?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what should change.")},
    )
