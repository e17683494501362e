from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from portfolio.models import User

DEMO_PASSWORD = "nexus-demo-2026"

DEMO_PEOPLE = [
    # (username, display name, what they do in the demo)
    ("olivia", "Olivia Okafor", "organizer"),
    ("marcus", "Marcus Reid", "mentor"),
    ("ada", "Ada Nwosu", "learner"),
    ("grace", "Grace Hopper-Mensah", "learner"),
    ("tomas", "Tomás Silva", "learner"),
]


class Command(BaseCommand):
    help = "Create demo accounts (idempotent) and print how to log in."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="Password for every demo account."
        )

    def handle(self, *args, password: str, **options) -> None:
        total = len(DEMO_PEOPLE)
        people: dict[str, User] = {}
        with transaction.atomic():
            for done, (username, name, _role) in enumerate(DEMO_PEOPLE, start=1):
                people[username] = self.ensure_user(username, name, password)
                self.progress("accounts", done, total)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with any of these:"))
        for username, name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {people[username].email:<24} {password}   ({name}, {role})")

    def ensure_user(self, username: str, name: str, password: str) -> User:
        email = f"{username}@demo.nexus.test"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                email=email, username=username, password=password, display_name=name
            )
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def progress(self, label: str, done: int, total: int) -> None:
        width = 24
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        ending = "\n" if done == total else ""
        self.stdout.write(f"\r  {label:<10} [{bar}] {done}/{total}", ending=ending)
        self.stdout.flush()
