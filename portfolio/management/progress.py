"""Progress for long management commands (seeding, backups, restores)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class Progress:
    """A bar per step on a terminal, one line per finished step otherwise; -v0 is quiet."""

    def __init__(self, out: OutputWrapper, verbosity: int) -> None:
        self.out, self.verbosity = out, verbosity

    def say(self, line: str) -> None:
        if self.verbosity:
            self.out.write(line)

    def step(self, label: str, done: int, total: int) -> None:
        if not self.verbosity:
            return
        width = 24
        filled = width * done // max(total, 1) if total else width
        bar = "█" * filled + "·" * (width - filled)
        line = f"  {label:<17} [{bar}] {done:,}/{total:,}"
        if self.out.isatty():
            self.out.write(f"\r{line}", ending="\n" if done >= total else "")
        elif done >= total:
            self.out.write(line)
        self.out.flush()
