from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top of the tree: the front page that leads to every process, the scheduler that
    enqueues every process's periodic tasks, and the demo data. It may import every app;
    no app imports it."""

    name = "nara.portal"
    label = "portal"
    verbose_name = _("Portal")
