from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "nara.documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from nara.approvals import engine

        from . import services

        engine.register(
            services.KIND,
            on_approved=services.approved,
            on_returned=services.returned,
            on_withdrawn=services.withdrawn,
            lock=services.lock_document_of,
            describe=services.describe,
        )
