from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    name = "nara.participation.polls"
    label = "polls"
    verbose_name = _("Polls")

    def ready(self) -> None:
        from nara.participation import components

        components.register(process_components)


def process_components(process) -> list:
    """The process page's polls: one query."""
    from django.utils.translation import ngettext

    from nara.core import bilingual
    from nara.participation.components import Component

    from .models import Poll
    from .selectors import LISTED_FIELDS

    polls = Poll.objects.filter(process=process, published=True).only(*LISTED_FIELDS)
    found = []
    for poll in polls:
        poll.process = process
        found.append(
            Component(
                kind=str(_("Poll")),
                title=bilingual.text(poll, "title"),
                url=poll.get_absolute_url(),
                summary=bilingual.text(poll, "description", mark=False)[:200],
                status=ngettext("%(n)d response", "%(n)d responses", poll.response_count)
                % {"n": poll.response_count},
            )
        )
    return found
