from django.tasks import task

from . import services


@task()
def deliver_outbox_message(message_id: int) -> bool:
    return services.outbox_deliver(message_id)


@task()
def deliver_due_outbox() -> int:
    return services.outbox_deliver_due()
