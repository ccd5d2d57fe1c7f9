"""The drafting form and the approval step's form. The rules are the services'; these forms
offer only what the official may choose (their units, their colleagues)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nara.accounts.models import User
from nara.agencies.models import Unit
from nara.agencies.selectors import official_unit_ids
from nara.core.forms import MultipleFileField, MultipleFileInput
from nara.core.uploads import clean_uploads, limits_text

from .grounds import Grade, Ground
from .models import Classification, DocumentType

PASSAGES = 3  # rows offered for withheld passages


class DocumentForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Drafting unit"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("Choose the unit.")},
    )
    document_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.all(),
        error_messages={"required": _("Choose the document type.")},
    )
    classification = forms.ModelChoiceField(
        label=_("Records classification"),
        queryset=Classification.objects.none(),
        error_messages={"required": _("Choose the records classification.")},
        help_text=_("It sets how long the document is kept."),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Write the title.")}
    )
    body = forms.CharField(
        label=_("Body"),
        error_messages={"required": _("Write the body.")},
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Plain text (a blank line starts a paragraph) or simple markup: paragraphs, lists, "
            "headings, bold and tables. Anything else is removed."
        ),
    )
    recipients = forms.CharField(
        label=_("Recipients"),
        max_length=300,
        required=False,
        help_text=_("Leave empty for an internal decision (내부결재)."),
    )
    grade = forms.ChoiceField(
        label=_("Disclosure grade"),
        choices=Grade.choices,
        initial=Grade.OPEN,
        widget=forms.RadioSelect,
    )
    grounds = forms.MultipleChoiceField(
        label=_("Grounds for not disclosing"),
        choices=Ground.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Required when the document is not open (Official Information Disclosure Act §9 ①). "
            "For a partly open document, give each withheld passage its ground below instead."
        ),
    )
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("A colleague who reviews it first (검토)."),
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Other units that cooperate (협조), side by side."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, user, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = official_unit_ids(user)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=units).order_by("name_ko")
        if document is not None:
            del self.fields["unit"]
            units = {document.unit_id}
        self.fields["cooperating_units"].queryset = (
            Unit.objects.filter(is_active=True).exclude(pk__in=units).order_by("name_ko")
        )
        self.fields["classification"].queryset = Classification.objects.filter(
            Q(unit=None) | Q(unit__in=units)
        )
        self.fields["reviewer"].queryset = (
            User.objects.filter(memberships__unit__in=units, is_active=True)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("name", "email")
        )
        self.fields["attachments"].help_text = limits_text()
        for i in range(PASSAGES):
            self.fields[f"passage_{i}"] = forms.CharField(
                label=_("Passage to withhold"), required=False, max_length=2000
            )
            self.fields[f"ground_{i}"] = forms.ChoiceField(
                label=_("Its ground"), required=False, choices=[("", "—"), *Ground.choices]
            )

    def passage_rows(self):
        return [(self[f"passage_{i}"], self[f"ground_{i}"]) for i in range(PASSAGES)]

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        return clean_uploads(files) if files else []

    def withheld(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data.get(f"passage_{i}") or "", self.cleaned_data.get(f"ground_{i}"))
            for i in range(PASSAGES)
            if (self.cleaned_data.get(f"passage_{i}") or "").strip()
        ]


def initial_for(document) -> dict:
    data = {
        "document_type": document.document_type_id,
        "classification": document.classification_id,
        "title": document.title,
        "body": document.body,
        "recipients": document.recipients,
        "grade": document.grade,
        "grounds": document.grounds,
        "reviewer": document.reviewer_id,
        "cooperating_units": list(document.cooperating_units.values_list("pk", flat=True)),
    }
    for i, item in enumerate(document.withheld.all()[:PASSAGES]):
        data[f"passage_{i}"], data[f"ground_{i}"] = item.passage, item.ground
    return data


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return it: say what should change."),
    )
