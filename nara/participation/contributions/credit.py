"""The credit line of a contribution: what its author chose to be known by, nothing more."""

from django.utils.translation import gettext as _


def credit_line(name: str, location: str) -> str:
    name, location = (name or "").strip(), (location or "").strip()
    if name and location:
        return _("By %(name)s, %(location)s") % {"name": name, "location": location}
    if name:
        return _("By %(name)s") % {"name": name}
    if location:
        return _("By an anonymous contributor, %(location)s") % {"location": location}
    return _("By an anonymous contributor")
