from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "nara.participation.proposals"
    label = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        from nara.approvals import engine
        from nara.participation import components, moderation

        from . import answers, services
        from .models import Proposal, ProposalComment

        moderation.register(Proposal, on_change=services.proposal_on_moderation)
        moderation.register(ProposalComment, on_change=services.comment_on_moderation)
        components.register(process_components)
        engine.register(
            answers.KIND,
            on_approved=answers.approved,
            on_returned=answers.returned,
            lock=answers.lock_proposal_of,
            describe=answers.describe,
        )


def process_components(process) -> list:
    """The process page's proposals entry: one query (counts by status)."""
    from django.db.models import Count
    from django.urls import reverse

    from nara.participation.components import Component
    from nara.participation.models import ModerationStatus

    from .models import Proposal, ProposalStatus

    counts = dict(
        Proposal.objects.filter(process=process, moderation_status=ModerationStatus.PUBLISHED)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    total = sum(counts.values())
    if not total:
        return []
    from django.utils.translation import ngettext

    summary = ngettext("%(n)d proposal", "%(n)d proposals", total) % {"n": total}
    answered = counts.get(ProposalStatus.ANSWERED, 0)
    status = ngettext("%(n)d answered", "%(n)d answered", answered) % {"n": answered}
    return [
        Component(
            kind=str(_("Proposals")),
            title=str(_("Proposals")),
            url=reverse("proposals:list", args=[process.slug]),
            summary=summary,
            status=status,
        )
    ]
