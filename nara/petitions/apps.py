from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "nara.petitions"
    verbose_name = _("Public petitions")

    def ready(self):
        from nara.approvals import engine

        from . import answers

        engine.register(
            answers.KIND,
            on_approved=answers.approved,
            on_returned=answers.returned,
            lock=answers.lock_petition_of,
            describe=answers.describe,
        )
