from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "nara.participation.budgets"
    label = "budgets"
    verbose_name = _("Participatory budgeting")

    def ready(self) -> None:
        from nara.participation import components, moderation

        from .models import Project
        from .services import project_moderated

        moderation.register(Project, on_change=project_moderated)
        components.register(budget_components)


def budget_components(process):
    """The process page's list of budgets (one query)."""
    from nara.core import bilingual
    from nara.participation.components import Component

    from .models import Budget

    kind = _("Participatory budget")
    return [
        Component(
            kind=str(kind),
            title=bilingual.text(budget, "title"),
            url=budget.get_absolute_url(),
            summary=bilingual.text(budget, "summary", mark=False),
            status=str(budget.get_ballot_style_display()),
        )
        for budget in Budget.objects.filter(process=process).order_by("id")
    ]
