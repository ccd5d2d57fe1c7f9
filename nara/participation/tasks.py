from django.tasks import task

from . import following


@task()
def participation_digests_tick() -> int:
    """Send the daily and weekly digests that are due, close proposals whose support phases are
    over and delete expired contribution drafts
    (enqueued by `manage.py scheduler`)."""
    from .contributions.services import drafts_cleanup
    from .proposals.services import proposals_close_due

    drafts_cleanup()
    proposals_close_due()
    return following.digests_send()
