from django.tasks import task

from . import services


@task()
def disclosure_tick() -> dict:
    """Mark the requests with no decision by their 20th day as deemed refused (enqueued by
    `manage.py scheduler`)."""
    return {"deemed_refused": services.requests_deem_refused()}
