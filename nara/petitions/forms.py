"""The public's and the citizens' petition forms. They check the input; services do the rest."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Category
from nara.core.forms import MultipleFileField, MultipleFileInput
from nara.core.korean import particles
from nara.core.regions import TwoStepRegionForm
from nara.core.uploads import JPEG, PNG, CleanFile, clean_upload

from . import services
from .services import BODY_MAX, BODY_MIN, IMAGES_MAX, LINKS_MAX, TITLE_MAX

ACCEPTED_IMAGES = ".jpg,.jpeg,.png"
STAMP_SALT = "nara.petitions.sign-form"


# --- the form-timing check -----------------------------------------------------------------------


def form_stamp(at: float | None = None) -> str:
    """A signed timestamp issued with the empty signing form: the view learns how long the form
    was open (a script sends it faster than a person can)."""
    return signing.dumps(round(time.time() if at is None else at, 3), salt=STAMP_SALT)


def form_seconds(stamp: str) -> float:
    """Seconds since the stamp was issued; 0 for a missing or forged stamp (treated as a
    script, refused quietly by the service)."""
    try:
        issued = float(signing.loads(stamp or "", salt=STAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return 0.0
    return max(0.0, time.time() - issued)


# --- signing by e-mail ---------------------------------------------------------------------------


class SignatureForm(TwoStepRegionForm):
    """Signing without an account: name, e-mail, region; a link confirms it."""

    region_required = True
    region_help = _("Signatures are published by region, never by name.")

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send you a link: your signature counts when you press Confirm."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter a valid e-mail address."),
        },
    )
    notify_answer = forms.BooleanField(
        label=_("Tell me about the answer"),
        required=False,
        initial=True,
        help_text=_(
            "We e-mail you when the petition is referred to the agency and when it is answered."
        ),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)


# --- writing a petition --------------------------------------------------------------------------


class TextField(forms.CharField):
    """A textarea's text, its line ends counted as one character (browsers send CR LF), as the
    character counter and `maxlength` count them."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _counted(widget: forms.Widget, name: str) -> forms.Widget:
    """Tell the character counter (static/nara/nara.js) to count this field, and screen readers
    where the count is."""
    widget.attrs.update(
        {
            "data-count": "",
            "aria-describedby": f"id_{name}_helptext id_{name}_count",
        }
    )
    return widget


class PetitionForm(forms.Form):
    """Step one of writing a petition. Images already uploaded live in the draft (see views);
    `kept_images` are the draft's images the citizen did not tick for removal."""

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        widget=_counted(forms.TextInput(), "title"),
        error_messages={"required": _("Give your petition a title.")},
    )
    body = TextField(
        label=_("Your petition"),
        min_length=BODY_MIN,
        max_length=BODY_MAX,
        widget=_counted(forms.Textarea(attrs={"rows": 12}), "body"),
        error_messages={"required": _("Write your petition.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("code"),
        required=False,
        empty_label=_("I don't know / none"),
        help_text=_("It helps moderators send the petition to the competent agency."),
    )
    images = MultipleFileField(
        label=_("Add images"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_IMAGES}),
    )

    def __init__(self, *args, draft_images=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.draft_images = list(draft_images)
        self.good_images: list[CleanFile] = []
        for n in range(1, LINKS_MAX + 1):
            self.fields[f"link{n}"] = forms.CharField(
                label=_("Link %(n)d") % {"n": n},
                max_length=500,
                required=False,
                widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
                error_messages={"max_length": _("A link can be at most 500 characters.")},
            )
        self.fields["title"].help_text = _("At most %(n)d characters.") % {"n": TITLE_MAX}
        self.fields["body"].help_text = _(
            "What should the government do, and why? Between %(min)d and %(max)d characters. "
            "Do not include anyone's personal information."
        ) % {"min": BODY_MIN, "max": BODY_MAX}
        self.fields["body"].error_messages["min_length"] = _(
            "Explain your petition in at least %(n)d characters."
        ) % {"n": BODY_MIN}
        self.fields["images"].help_text = _(
            "Up to %(n)d images in all: JPEG or PNG, at most %(mb)s MB each. We remove "
            "location and camera data from them."
        ) % {"n": IMAGES_MAX, "mb": f"{settings.NARA_MAX_ATTACHMENT_BYTES / (1024 * 1024):g}"}

    def link_fields(self):
        return [self[f"link{n}"] for n in range(1, LINKS_MAX + 1)]

    def removed_keys(self) -> set[str]:
        """The draft images ticked for removal (unknown keys are ignored)."""
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return set()
        known = {i["key"] for i in self.draft_images}
        return known & set(self.data.getlist("remove_images"))

    def kept_images(self) -> list[dict]:
        removed = self.removed_keys()
        return [i for i in self.draft_images if i["key"] not in removed]

    def clean_images(self):
        """Check each new image by its content; the good ones are kept (in `good_images`) even
        when another one, or another field, has an error: the citizen does not lose them."""
        files = self.cleaned_data.get("images") or []
        errors = []
        for upload in files:
            try:
                item = clean_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            if item.content_type not in (JPEG, PNG):
                errors.append(
                    particles(
                        _("%(name)s is not a JPEG or PNG image.") % {"name": upload.name[:100]}
                    )
                )
                continue
            self.good_images.append(item)
        room = IMAGES_MAX - len(self.kept_images())
        if len(self.good_images) > room:
            self.good_images = self.good_images[: max(room, 0)]
            errors.append(
                _("A petition can have at most %(n)d images: remove one to add another.")
                % {"n": IMAGES_MAX}
            )
        if errors:
            raise ValidationError(errors)
        return self.good_images

    def clean(self):
        data = super().clean()
        for n in range(1, LINKS_MAX + 1):
            name = f"link{n}"
            if data.get(name):
                try:
                    services.clean_links([data[name]])
                except ValidationError:
                    self.add_error(name, _("Links must be web addresses (https://…)."))
        data["links"] = [data[f"link{n}"] for n in range(1, LINKS_MAX + 1) if data.get(f"link{n}")]
        return data
