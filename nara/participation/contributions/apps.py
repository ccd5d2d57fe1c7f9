from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    name = "nara.participation.contributions"
    label = "contributions"
    verbose_name = _("Have Your Say contributions")

    def ready(self):
        from nara.participation import components, moderation

        from .components import contribution_components
        from .models import Contribution

        # No counters to keep: the moderation service tells the author about its decision.
        moderation.register(Contribution)
        components.register(contribution_components)
