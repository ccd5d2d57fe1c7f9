"""Enqueue periodic tasks (deadline watch, outbox retries, petition clock, participation digests
and draft cleanup, expired sessions) every INTERVAL seconds.

Run one scheduler beside the db_worker(s): `manage.py scheduler`. `--once` enqueues one round."""

import logging
import time

from django.core.management.base import BaseCommand

from nara.accounts.tasks import clear_expired_sessions
from nara.complaints.tasks import watch_deadlines
from nara.notifications.tasks import deliver_due_outbox
from nara.participation.tasks import participation_digests_tick
from nara.petitions.tasks import petitions_tick

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic tasks (deadlines, outbox retries, digests)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval: int, once: bool, **options):
        while True:
            for periodic in (
                deliver_due_outbox,
                watch_deadlines,
                petitions_tick,
                participation_digests_tick,
                clear_expired_sessions,
            ):
                try:
                    periodic.enqueue()
                except Exception:  # keep scheduling even if one enqueue fails
                    log.exception("could not enqueue %s", periodic.name)
            if once:
                return
            time.sleep(interval)
