from django.tasks import task

from . import clock, signing


@task()
def notify_signers(petition_id: int, event: str, after_id: int = 0) -> int:
    """Tell the signers in batches; each batch enqueues the next, so a retry repeats one batch
    at most and 200,000 signers never sit in one transaction."""
    last = signing.notify_signers_batch(petition_id, event, after_id)
    if last:
        notify_signers.enqueue(petition_id, event, last)
    return last


@task()
def petitions_tick() -> dict:
    return clock.petitions_tick()
