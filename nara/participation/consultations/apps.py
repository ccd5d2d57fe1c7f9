from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "nara.participation.consultations"
    label = "consultations"
    verbose_name = _("Consultations on drafts")

    def ready(self) -> None:
        from nara.participation import components, moderation

        from .models import Comment
        from .services import comment_on_change

        moderation.register(Comment, on_change=comment_on_change)
        components.register(consultation_components)


def consultation_components(process):
    """The process page's entry for its draft (one query)."""
    from django.utils.translation import gettext as _

    from nara.core import bilingual
    from nara.participation.components import Component

    from .models import Consultation, ReportStatus

    found = Consultation.objects.filter(process=process).select_related("report").first()
    if found is None:
        return []
    report = getattr(found, "report", None) if hasattr(found, "report") else None
    if report is not None and report.status == ReportStatus.PUBLISHED:
        status = _("What we heard is published")
    else:
        status = _("%(n)d published comments") % {"n": found.comment_count}
    return [
        Component(
            kind=_("Draft for comment"),
            title=bilingual.text(found, "title"),
            url=found.get_absolute_url(),
            summary=bilingual.text(found, "summary", mark=False)[:300],
            status=status,
        )
    ]
