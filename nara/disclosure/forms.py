"""The forms of disclosure requests: the requester's and the officials'. They read input; the
services decide (their ValidationErrors land on these fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.core.forms import FormTokenField, MultipleFileField
from nara.core.uploads import clean_upload
from nara.documents.grounds import Grade, Ground

from .models import Delivery, Form, Opinion, Outcome


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return unit.name


def active_units():
    return Unit.objects.filter(is_active=True).order_by("code")


class RequestForm(forms.Form):
    token = FormTokenField()
    unit = UnitChoiceField(
        label=_("Agency"),
        queryset=active_units(),
        empty_label=_("Choose the agency that holds the information"),
        help_text=_("If another agency holds it, your request is sent there and you are told."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Information requested"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say as precisely as you can what you ask for: documents, period, subject."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices, widget=forms.RadioSelect)
    delivery = forms.ChoiceField(
        label=_("How to receive it"), choices=Delivery.choices, widget=forms.RadioSelect
    )
    published_in_register = forms.BooleanField(
        label=_("Publish my request and its decision in the public register (without my name)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = active_units()


class ObjectionForm(forms.Form):
    reasons = forms.CharField(
        label=_("Why you object"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )


# --- officials ---------------------------------------------------------------------------------


class TransferForm(forms.Form):
    to_unit = UnitChoiceField(label=_("Send to"), queryset=active_units())
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = active_units()


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=10)
    reason = forms.CharField(
        label=_("Reason (sent to the requester)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ThirdPartyForm(forms.Form):
    name = forms.CharField(label=_("Name of the third party"), max_length=200)
    contact = forms.CharField(
        label=_("Contact"),
        max_length=300,
        help_text=_("An e-mail address gets the notice by mail; otherwise send it by post."),
    )


class OpinionForm(forms.Form):
    party = forms.IntegerField(widget=forms.HiddenInput)
    opinion = forms.ChoiceField(
        label=_("Their opinion"),
        choices=[(Opinion.OBJECTS, Opinion.OBJECTS.label), (Opinion.AGREES, Opinion.AGREES.label)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Their reasons"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FilesMixin(forms.Form):
    files = MultipleFileField(
        label=_("Files released (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Redact what is withheld before you upload."),
    )

    def clean_files(self):
        return [clean_upload(f) for f in self.cleaned_data["files"]]


class DecisionForm(FilesMixin):
    grade = forms.ChoiceField(label=_("Decision"), choices=Grade.choices, widget=forms.RadioSelect)
    grounds = forms.MultipleChoiceField(
        label=_("Grounds for withholding (§9 ①)"),
        choices=Ground.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pages = forms.IntegerField(
        label=_("Pages"), min_value=0, max_value=100_000, initial=0,
        help_text=_("The fee is computed from the published table."),
    )  # fmt: skip
    release_note = forms.CharField(
        label=_("Date, place and method of release"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    third_party_reasons = forms.CharField(
        label=_("Why it is disclosed despite a third party's objection"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["grade", "grounds", "reasons", "pages", "release_note", "third_party_reasons"]


class ObjectionDecisionForm(FilesMixin):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["outcome", "reasons"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the requester)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EmptyForm(forms.Form):
    pass
