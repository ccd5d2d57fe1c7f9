"""Mask the published complaints again with today's masking rules: run once after a release
whose masking finds more (`manage.py remask_published`); safe to run again."""

from django.core.management.base import BaseCommand

from nara.complaints.publication import public_copies_refresh


class Command(BaseCommand):
    help = "Mask the public copies of published complaints again with the current rules."

    def handle(self, *args, **options):
        changed = public_copies_refresh()
        self.stdout.write(f"{changed} published complaint(s) masked again.")
