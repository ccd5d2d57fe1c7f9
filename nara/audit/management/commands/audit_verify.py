"""`manage.py audit_verify`: walk the audit chain and report its first broken link (exit
status 1), or that it is intact, with its head (exit status 0). See nara/audit/verification.py.

    manage.py audit_verify                      # the whole chain
    manage.py audit_verify --from-seq 120001    # from there on (trusting seq 120000's hash)
    manage.py audit_verify --expect 4242:7f3a…  # and the chain still holds a head written down
"""

import re

from django.core.management.base import BaseCommand, CommandError

from nara.audit.verification import chain_verify


def seq_and_hash(value: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", value.strip().lower())
    if not match:
        raise ValueError(value)
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Check the audit log's hash chain; report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-seq", type=int, default=1, help="start here (the event before is trusted)"
        )
        parser.add_argument(
            "--expect",
            type=seq_and_hash,
            metavar="SEQ:HASH",
            help="a chain head written down earlier, which the chain must still hold",
        )
        parser.add_argument("--batch", type=int, default=5000, help="events read at a time")

    def handle(self, *args, from_seq, expect, batch, **options):
        if from_seq < 1 or batch < 1:
            raise CommandError("--from-seq and --batch are at least 1")
        verdict = chain_verify(from_seq=from_seq, expect=expect, batch=batch)
        if not verdict.intact:
            raise CommandError(str(verdict))
        self.stdout.write(str(verdict))
