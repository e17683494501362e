from __future__ import annotations

from datetime import date

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from portfolio.models import Cohort, Membership, Role, User

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
    help = "Create demo accounts and a demo cohort (idempotent) and print how to log in."

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
            cohort = self.ensure_cohort(people)
            self.progress("cohort", 1, 1)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data is ready in “{cohort.name}”. Log in with any of these:")
        )
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

    def ensure_cohort(self, people: dict[str, User]) -> Cohort:
        cohort, _ = Cohort.objects.get_or_create(
            slug="prodev-backend-7",
            defaults={
                "name": "ProDev Backend — Cohort 7",
                "program": "ProDev Backend Engineering",
                "description": (
                    "Twelve weeks of Python, Django, REST and GraphQL APIs, Docker and CI/CD. "
                    "Every learner keeps a journal of what they built, what broke and how "
                    "they fixed it; mentors review it section by section."
                ),
                "starts_on": date(2026, 9, 7),
                "ends_on": date(2026, 11, 27),
            },
        )
        for username, _name, role in DEMO_PEOPLE:
            Membership.objects.get_or_create(
                user=people[username], cohort=cohort, defaults={"role": Role(role)}
            )
        return cohort

    def progress(self, label: str, done: int, total: int) -> None:
        width = 24
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        ending = "\n" if done == total else ""
        self.stdout.write(f"\r  {label:<10} [{bar}] {done}/{total}", ending=ending)
        self.stdout.flush()
