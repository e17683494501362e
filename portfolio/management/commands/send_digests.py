from __future__ import annotations

from django.core.management.base import BaseCommand

from portfolio.notifications import send_digests


class Command(BaseCommand):
    help = "Email the daily digest to everyone who chose it. Safe to run twice."

    def handle(self, *args: str, **options: object) -> None:
        users, items = send_digests()
        self.stdout.write(f"Sent {users} digest{'s' if users != 1 else ''} ({items} updates).")
