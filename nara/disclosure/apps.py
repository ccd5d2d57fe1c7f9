from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "nara.disclosure"
    label = "disclosure"
    verbose_name = _("Information disclosure")

    def ready(self):
        from nara.approvals import engine

        from . import decisions

        engine.register(
            decisions.DECISION_KIND,
            on_approved=decisions.decision_approved,
            on_returned=decisions.decision_returned,
            lock=decisions.lock_request_of_decision,
            describe=decisions.describe_decision,
        )
        engine.register(
            decisions.OBJECTION_KIND,
            on_approved=decisions.objection_approved,
            on_returned=decisions.objection_returned,
            lock=decisions.lock_request_of_objection,
            describe=decisions.describe_objection,
        )
