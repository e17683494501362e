"""`make bench` refuses clearly when it cannot measure anything meaningful."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


def test_bench_says_how_to_install_wrk_when_it_is_missing(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(CommandError, match="apt-get install wrk"):
        call_command("bench")


@pytest.mark.django_db
def test_bench_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("bench")
