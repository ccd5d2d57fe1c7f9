"""원문정보공개: a registered document is rendered once, frozen (its PDF and that PDF's SHA-256,
which enter the audit chain with the publication's event) and published on /open/documents/ as
far as its grade allows — 공개 in full, 부분공개 with its withheld passages blacked out in the text
and the PDF, 비공개 as a list entry with its ground and nothing of its content.

`publish` runs as a task queued when the document is registered, and again from the periodic
sweep (`publish_due`) for any registered document left unpublished (a lost task, a crash), so
that publication follows approval within a minute. It is idempotent."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from nara.audit.models import EventType
from nara.audit.services import audit_record

from . import rendering, text
from .grounds import Grade
from .models import Document, Status

log = logging.getLogger(__name__)


def _store(document: Document, data: bytes, suffix: str) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    name = f"documents/registered/{document.reg_year}/{document.pk}-{suffix}-{digest[:16]}.pdf"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name, digest


def public_text(document: Document) -> str:
    """The words the public may read: the whole body of a 공개 document, a 부분공개 one's with
    each withheld passage replaced by its ground, nothing of a 비공개 one's."""
    if document.grade == Grade.CLOSED:
        return ""
    withheld = [(w.passage, w.get_ground_display()) for w in document.withheld.all()]
    if document.grade == Grade.PARTIAL:
        return text.plain_text(text.redact_html(document.body, withheld))
    return text.plain_text(document.body)


def publish(document_id: int) -> bool:
    """Render, freeze and publish one registered document; False when there was nothing to do."""
    document = Document.objects.select_related("unit").filter(pk=document_id).first()
    if document is None or document.status != Status.REGISTERED or document.published_at:
        return False
    original, digest = _store(document, rendering.render(document), "original")
    public, public_digest = "", ""
    if document.grade == Grade.OPEN:
        public, public_digest = original, digest
    elif document.grade == Grade.PARTIAL:
        public, public_digest = _store(document, rendering.render(document, redact=True), "public")
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document_id)
        if locked.published_at:
            return False
        locked.pdf, locked.pdf_sha256 = original, digest
        locked.public_pdf, locked.public_pdf_sha256 = public, public_digest
        locked.published_at = timezone.now()
        locked.public_text = public_text(locked)
        locked.save(
            update_fields=[
                *("pdf", "pdf_sha256", "public_pdf", "public_pdf_sha256"),
                *("published_at", "public_text"),
            ]
        )
        audit_record(
            actor=None,
            event_type=EventType.DOCUMENT_PUBLISHED,
            target=locked,
            data={
                "reg_no": locked.reg_no,
                "sha256": digest,
                "public_sha256": public_digest,
                "grade": locked.grade,
            },
        )
    return True


def publish_due(limit: int = 200) -> int:
    """Publish registered documents still unpublished (the sweep)."""
    ids = list(
        Document.objects.filter(status=Status.REGISTERED, published_at=None)
        .order_by("registered_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        try:
            done += publish(pk)
        except Exception:  # one document's failure does not hold the others back
            log.exception("could not publish document %s", pk)
    return done
