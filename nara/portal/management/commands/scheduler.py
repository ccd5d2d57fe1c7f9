"""Enqueue periodic tasks (deadline watch, outbox retries, petition clock, deemed refusals of
disclosure requests, participation digests and draft cleanup, expired sessions, ended rate-limit
windows) every INTERVAL seconds.

Run it beside the db_worker(s): `manage.py scheduler`. `--once` enqueues one round. However
many schedulers run (one per machine, or two by mistake), each round is enqueued once: time is
cut into rounds of INTERVAL seconds, and only the scheduler that first claims a round (an INSERT
on the primary key of portal.SchedulerRound, in the shared database) enqueues it. A scheduler
that dies holds nothing; the others go on. Claims older than a day are deleted as rounds go."""

import logging
import os
import socket
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from nara.accounts.tasks import clear_expired_sessions
from nara.complaints.tasks import watch_deadlines
from nara.core.tasks import forget_ended_rate_windows
from nara.disclosure.tasks import disclosure_tick
from nara.documents.tasks import documents_publish_due
from nara.notifications.tasks import deliver_due_outbox
from nara.participation.tasks import participation_digests_tick
from nara.petitions.tasks import petitions_tick
from nara.portal.models import SchedulerRound

log = logging.getLogger(__name__)

PERIODIC = (
    deliver_due_outbox,
    watch_deadlines,
    petitions_tick,
    disclosure_tick,
    participation_digests_tick,
    clear_expired_sessions,
    forget_ended_rate_windows,
    documents_publish_due,
)


def round_claim(*, interval: int, now: float) -> bool:
    """True for the one scheduler that claims the round `now` falls in."""
    owner = f"{socket.gethostname()}:{os.getpid()}"
    try:
        with transaction.atomic():
            SchedulerRound.objects.create(key=f"{interval}:{int(now // interval)}", owner=owner)
    except IntegrityError:
        return False
    SchedulerRound.objects.filter(claimed_at__lt=timezone.now() - timedelta(days=1)).delete()
    return True


class Command(BaseCommand):
    help = "Enqueue periodic tasks (deadlines, outbox retries, digests), once per round."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval: int, once: bool, **options):
        while True:
            now = time.time()
            claimed = False
            try:
                claimed = round_claim(interval=interval, now=now)
            except Exception:  # the database is down: better no round than one per scheduler
                log.exception("could not claim the scheduler's round")
            if claimed:
                for periodic in PERIODIC:
                    try:
                        periodic.enqueue()
                    except Exception:  # keep scheduling even if one enqueue fails
                        log.exception("could not enqueue %s", periodic.name)
            if once:
                return
            time.sleep(interval - time.time() % interval)  # to the start of the next round
