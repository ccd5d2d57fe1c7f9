"""The citizens' complaint forms. They check the input; services do the rest."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.agencies.models import Category
from nara.core import clock
from nara.core.forms import FormTokenField, MultipleFileField, MultipleFileInput
from nara.core.regions import TwoStepRegionForm
from nara.core.uploads import clean_uploads, limits_text

from .models import Kind

MAX_BODY_CHARS = 20_000
MAX_COMMENT_CHARS = 4_000
COORDINATE_STEP = Decimal("0.000001")
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png"


def period_text(kind: str) -> str:
    """The handling period of a kind as people say it: "7 days", "3 working hours"."""
    try:
        period = clock.period_for_kind(kind)
    except (KeyError, ValueError):
        return ""
    if period.hours is not None:
        return ngettext("%(n)d working hour", "%(n)d working hours", period.hours) % {
            "n": period.hours
        }
    return ngettext("%(n)d day", "%(n)d days", period.days) % {"n": period.days}


class ComplaintForm(TwoStepRegionForm):
    kind = forms.ChoiceField(
        label=_("Kind of complaint"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a kind of complaint.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A short summary, at most 200 characters."),
        error_messages={"required": _("Write a title.")},
    )
    body = forms.CharField(
        label=_("Your complaint"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, where and when, and what you would like to be done."),
        error_messages={"required": _("Write your complaint.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("code"),
        required=False,
        empty_label=_("I don't know / none"),
        help_text=_("If you choose one, your complaint reaches the competent office faster."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Where the problem is, if it has a place."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Between -90 and 90, e.g. 37.5665."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Between -180 and 180, e.g. 126.9780."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    publish_consent = forms.BooleanField(
        label=_("The complaint and its answer may be published"),
        required=False,
        help_text=_(
            "Published complaints help others with the same problem. Your name, contact details "
            "and attachments are never published, and personal data in the text (phone numbers, "
            "e-mail addresses, registration numbers) is masked."
        ),
    )
    confirm_repeat = forms.BooleanField(label=_("File it again anyway"), required=False)
    token = FormTokenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in Kind.choices if period_text(value)
        ]
        self.fields["attachments"].help_text = limits_text()

    def kinds_with_periods(self):
        """(radio, period) pairs for the template: each kind with its handling period."""
        return [(radio, period_text(radio.data["value"])) for radio in self["kind"]]

    def clean_latitude(self):
        return _round_coordinate(self.cleaned_data.get("latitude"))

    def clean_longitude(self):
        return _round_coordinate(self.cleaned_data.get("longitude"))

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if not files:
            return []
        return clean_uploads(files)  # its ValidationError lands on this field

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return data


def _round_coordinate(value):
    if value is None:
        return None
    return Decimal(value).quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)


class InfoReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your reply.")},
    )


class RatingForm(forms.Form):
    RATINGS = [
        (5, _("5 — very satisfied")),
        (4, _("4 — satisfied")),
        (3, _("3 — neither")),
        (2, _("2 — dissatisfied")),
        (1, _("1 — very dissatisfied")),
    ]
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=MAX_COMMENT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
