from django.tasks import task

from . import publication


@task
def publish_document(document_id: int) -> bool:
    """Render, freeze and publish a registered document (publication.publish)."""
    return publication.publish(document_id)


@task
def documents_publish_due() -> int:
    """The periodic sweep: registered documents left unpublished."""
    return publication.publish_due()
