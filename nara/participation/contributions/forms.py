"""The contribution form: title, text, four picture places (each with a caption), the credit,
the consent to the guidelines. It checks the input; services save it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import ACCEPTED, Picture, max_image_bytes, picture_clean
from .models import (
    CAPTION_MAX,
    IMAGES_MAX,
    LOCATION_MAX,
    NAME_MAX,
    TEXT_MAX,
    TEXT_MIN,
    TITLE_MAX,
    ContributionDraft,
)
from .services import DraftInput

SLOTS = range(1, IMAGES_MAX + 1)


class TextField(forms.CharField):
    """A textarea's text with its line ends counted as one character (browsers send CR LF)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ContributionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        error_messages={
            "required": _("Give your contribution a title."),
            "max_length": _("The title can be at most %(limit_value)d characters."),
        },
    )
    text = TextField(
        label=_("Your contribution"),
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": _("Write your contribution."),
            "min_length": _("Write at least %(limit_value)d characters."),
            "max_length": _("Write at most %(limit_value)d characters."),
        },
    )
    credit_name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("Shown with your contribution. Leave it empty to be published anonymously."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    credit_location = forms.CharField(
        label=_("Your location"),
        max_length=LOCATION_MAX,
        required=False,
        help_text=_("For example a city, a province or a country. Shown with your name."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the submission guidelines"),
        error_messages={
            "required": _("Agree to the submission guidelines to send your contribution.")
        },
    )

    def __init__(self, *args, draft: ContributionDraft | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.pictures: dict[int, Picture] = {}
        self.picture_errors: list[str] = []
        mb = f"{max_image_bytes() / (1024 * 1024):g}"
        for slot in SLOTS:
            self.fields[f"image_{slot}"] = forms.FileField(
                label=_("Picture %(n)d") % {"n": slot},
                required=False,
                help_text=_("JPEG or PNG, at most %(mb)s MB.") % {"mb": mb},
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
            )
            self.fields[f"caption_{slot}"] = forms.CharField(
                label=_("Caption of picture %(n)d") % {"n": slot},
                max_length=CAPTION_MAX,
                required=False,
                error_messages={
                    "max_length": _("A caption can be at most %(limit_value)d characters.")
                },
            )
            self.fields[f"remove_{slot}"] = forms.BooleanField(
                label=_("Remove picture %(n)d") % {"n": slot}, required=False
            )
        self.fields["title"].help_text = _("At most %(n)d characters.") % {"n": TITLE_MAX}
        self.fields["text"].help_text = _(
            "Between %(min)d and %(max)d characters. Do not include anyone's personal information."
        ) % {"min": TEXT_MIN, "max": TEXT_MAX}

    def describe_errors(self) -> None:
        """Point screen readers at each field's error as well as its help text."""
        for name, field in self.fields.items():
            if name in self.errors:
                ids = [f"id_{name}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"id_{name}_error"])

    # --- the picture places ---------------------------------------------------------------

    def slots(self) -> list[dict]:
        """Each picture place with its current draft picture (or None) and its fields."""
        images = {i.slot: i for i in (self.draft.images.all() if self.draft else [])}
        return [
            {
                "n": slot,
                "image": images.get(slot),
                "file": self[f"image_{slot}"],
                "caption": self[f"caption_{slot}"],
                "remove": self[f"remove_{slot}"],
            }
            for slot in SLOTS
        ]

    def _clean_picture(self, slot: int):
        upload = self.cleaned_data.get(f"image_{slot}")
        if not upload:
            return None
        try:
            self.pictures[slot] = picture_clean(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return upload

    def clean(self):
        data = super().clean()
        for slot in SLOTS:
            if self.has_error(f"image_{slot}"):
                continue
            try:
                self._clean_picture(slot)
            except ValidationError as error:
                self.add_error(f"image_{slot}", error)
        self._refuse_extra_files()
        return data

    def _refuse_extra_files(self) -> None:
        """More pictures than places (a fifth file, or several in one place): refused with a
        clear message; the pictures in the four places are kept."""
        if not self.files or not hasattr(self.files, "lists"):
            return
        expected = {f"image_{slot}" for slot in SLOTS}
        extra = []
        for name, uploads in self.files.lists():
            extra += uploads[1:] if name in expected else uploads
        if extra:
            names = ", ".join((u.name or "?")[:80] for u in extra)
            message = _("A contribution can have at most %(n)d pictures. Not added: %(names)s.") % {
                "n": IMAGES_MAX,
                "names": names,
            }
            self.picture_errors.append(message)
            self.add_error(None, message)

    def draft_input(self) -> DraftInput:
        """What to save in the draft, valid or not: the typed values as they came (bound data),
        the captions, removals and the pictures accepted."""
        raw = self.data
        captions = {}
        remove = set()
        for slot in SLOTS:
            captions[slot] = raw.get(f"caption_{slot}", "")
            if raw.get(f"remove_{slot}") in ("on", "true", "1", "True") and (
                slot not in self.pictures
            ):
                remove.add(slot)
        return DraftInput(
            title=raw.get("title", ""),
            text=(raw.get("text", "") or "").replace("\r\n", "\n"),
            credit_name=raw.get("credit_name", ""),
            credit_location=raw.get("credit_location", ""),
            consent=raw.get("consent") in ("on", "true", "1", "True"),
            captions=captions,
            remove_slots=frozenset(remove),
            pictures=dict(self.pictures),
            ready=not self.errors,
        )


def initial_from_draft(draft: ContributionDraft) -> dict:
    initial = {
        "title": draft.title,
        "text": draft.text,
        "credit_name": draft.credit_name,
        "credit_location": draft.credit_location,
        "consent": draft.consent,
    }
    for image in draft.images.all():
        initial[f"caption_{image.slot}"] = image.caption
    return initial
