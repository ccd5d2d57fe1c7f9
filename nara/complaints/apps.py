from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "nara.complaints"
    label = "complaints"
    verbose_name = _("Civil complaints")

    def ready(self):
        from nara.approvals import engine

        from . import answers

        engine.register(
            answers.KIND,
            on_approved=answers.approved,
            on_returned=answers.returned,
            lock=answers.lock_complaint_of,
            describe=answers.describe,
        )
