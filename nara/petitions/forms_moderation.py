"""Forms of the moderators' pages: open or reject a petition, invalidate signatures in bulk.
They only parse input; the services decide."""

import ipaddress
import re

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.complaints.forms_official import CHOOSE, OfficeForm
from nara.core.widgets import LongSelect

from . import emails
from .invalidation import invalidation_selection
from .models import Petition, RejectionReason, Signature

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
EARLIEST, LATEST = 2000, 2999  # a window outside these years is a typing mistake


def unit_choices() -> list[tuple]:
    """Every active unit, read as plain rows (the list is long)."""
    english = get_language() == "en"
    units = (
        Unit.objects.filter(is_active=True)
        .order_by("code")
        .values_list("pk", "code", "name_ko", "name_en")
    )
    return [("", CHOOSE)] + [
        (pk, f"{(name_en if english and name_en else name_ko)} ({code})")
        for pk, code, name_ko, name_en in units
    ]


class OpenForm(OfficeForm):
    """Open for signatures, with the competent unit (preselected by the routing rules)."""

    unit = forms.TypedChoiceField(
        label=_("Competent unit"),
        coerce=int,
        widget=LongSelect,
        help_text=_("The unit that answers when the petition reaches its thresholds."),
        error_messages={
            "required": _("Choose the competent unit."),
            "invalid_choice": _("Choose an active unit."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices()

    def clean_unit(self):
        unit = Unit.objects.filter(pk=self.cleaned_data["unit"], is_active=True).first()
        if unit is None:
            raise forms.ValidationError(_("Choose an active unit."))
        return unit


class RejectForm(OfficeForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", CHOOSE), *RejectionReason.choices],
        help_text=_("Published with the petition, as in the moderation guidelines."),
        error_messages={
            "required": _("Choose a reason."),
            "invalid_choice": _("Choose a reason."),
        },
    )
    text = forms.CharField(
        label=_("Published explanation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the petition's page and sent to its author."),
        error_messages={"required": _("Explain the decision: it is published.")},
    )
    duplicate_of = forms.CharField(
        label=_("Number of the original petition"),
        required=False,
        max_length=20,
        help_text=_("Required for duplicates: the published petition it repeats."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_duplicate_of(self) -> Petition | None:
        raw = self.cleaned_data["duplicate_of"].strip().lstrip("#").strip()
        if not raw:
            return None
        if not raw.isdecimal() or len(raw) > 12:
            raise forms.ValidationError(_("Give the petition's number, for example 123."))
        original = Petition.objects.filter(pk=int(raw)).first()
        if original is None:
            raise forms.ValidationError(_("There is no petition with this number."))
        return original

    def clean(self):
        data = super().clean()
        if (
            data.get("reason") == RejectionReason.DUPLICATE
            and not data.get("duplicate_of")
            and "duplicate_of" not in self.errors
        ):
            self.add_error(
                "duplicate_of", _("Give the number of the published petition it duplicates.")
            )
        return data


def _local_datetime_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=[LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        error_messages={"invalid": _("Enter a date and time, for example 2026-04-20 14:30.")},
    )


class InvalidateForm(OfficeForm):
    """Which signatures to invalidate (at least one filter; all given filters must match) and
    why. `confirm` is set by the confirmation step, after the count was shown."""

    ip = forms.CharField(
        label=_("Client address (IP)"),
        required=False,
        max_length=64,
        help_text=_("Matched against the stored keyed hash; addresses are never stored."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email_domain = forms.CharField(
        label=_("E-mail domain"),
        required=False,
        max_length=254,
        help_text=_("For example example.com."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    since = _local_datetime_field(_("Signed from"))
    until = _local_datetime_field(_("Signed before"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log."),
        error_messages={"required": _("Give the reason: it is kept in the audit log.")},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_default_timezone_name()
        for name in ("since", "until"):
            self.fields[name].help_text = _("Local time (%(zone)s).") % {"zone": zone}

    def clean_ip(self) -> str:
        raw = self.cleaned_data["ip"].strip()
        if not raw:
            return ""
        try:
            return str(ipaddress.ip_address(raw))
        except ValueError:
            raise forms.ValidationError(
                _("Enter an IPv4 or IPv6 address, for example 203.0.113.7.")
            ) from None

    def clean_email_domain(self) -> str:
        raw = self.cleaned_data["email_domain"].strip().lstrip("@").strip()
        if not raw:
            return ""
        domain = emails.domain_of("x@" + raw)
        if not DOMAIN.match(domain):
            raise forms.ValidationError(_("Enter a domain name, for example example.com."))
        return domain

    def _clean_moment(self, name):
        moment = self.cleaned_data[name]
        if moment is not None and not (EARLIEST <= moment.year <= LATEST):
            raise forms.ValidationError(
                _("Enter a date and time between the years %(a)d and %(b)d.")
                % {"a": EARLIEST, "b": LATEST}
            )
        return moment

    def clean_since(self):
        return self._clean_moment("since")

    def clean_until(self):
        return self._clean_moment("until")

    def clean(self):
        data = super().clean()
        filters = ("ip", "email_domain", "since", "until")
        if not any(data.get(name) for name in filters) and not any(
            name in self.errors for name in filters
        ):
            raise forms.ValidationError(
                _("Choose the signatures: an address, a domain or a time window.")
            )
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", _("The end of the window must be after its start."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "ip": data["ip"],
            "email_domain": data["email_domain"],
            "since": data["since"],
            "until": data["until"],
            "reason": data["reason"],
        }


def matching_signatures(
    petition: Petition, *, ip: str = "", email_domain: str = "", since=None, until=None, **_
) -> int:
    """How many valid signatures these filters select, for the confirmation step (read only)."""
    selection = invalidation_selection(
        petition, ip=ip, email_domain=email_domain, since=since, until=until
    )
    return Signature.objects.filter(selection).count()
