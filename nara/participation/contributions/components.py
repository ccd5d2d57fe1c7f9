"""What a call for contributions shows on its process page."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nara.core import bilingual
from nara.participation.components import Component
from nara.participation.models import Action, Process


def contribution_components(process: Process) -> list[Component]:
    """The process's call for contributions, if one of its phases takes contributions (phases
    are usually prefetched by the process page), with the number published (one query)."""
    if not any(Action.CONTRIBUTE in (phase.actions or []) for phase in process.phases.all()):
        return []
    from .selectors import published_count

    count = published_count(process)
    return [
        Component(
            kind=_("Call for contributions"),
            title=_("Have your say: %(title)s") % {"title": bilingual.text(process, "title")},
            url=reverse("contributions:process", args=[process.slug]),
            summary=_("Send a text with up to four pictures, credited as you choose."),
            status=ngettext("%(n)d contribution published", "%(n)d contributions published", count)
            % {"n": count},
        )
    ]
