"""Remove drafts nobody came back to for DRAFT_DAYS (30) days.

Idempotent: a second run finds nothing. Run it daily (cron, a scheduled task); it
deletes in batches and says how far it got, so a first run on a large site shows
progress instead of holding one long transaction.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portfolio.models import DRAFT_DAYS, Draft

BATCH = 1000


class Command(BaseCommand):
    help = f"Delete section drafts untouched for {DRAFT_DAYS} days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        expired = Draft.objects.expired(now=now)
        total = expired.count()
        if options["dry_run"] or not total:
            verb = "would be" if options["dry_run"] else "were"
            self.stdout.write(
                f"{total} draft{'s' * (total != 1)} older than {DRAFT_DAYS} days {verb} removed."
            )
            return
        done = 0
        while True:
            batch = list(Draft.objects.expired(now=now).values_list("pk", flat=True)[:BATCH])
            if not batch:
                break
            done += Draft.objects.filter(pk__in=batch).delete()[0]
            self.stdout.write(f"  removed {done:,} of {total:,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{done} draft{'s' * (done != 1)} older than {DRAFT_DAYS} days removed."
            )
        )
