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


@pytest.mark.django_db
def test_the_granian_hint_names_a_dependency_group_that_holds_it(monkeypatch, settings):
    import re
    import tomllib

    monkeypatch.setattr(
        "shutil.which", lambda name: None if name == "granian" else f"/usr/bin/{name}"
    )
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(CommandError) as refused:
        call_command("bench", "--server", "granian")
    hint = re.search(
        r"`uv sync(?: --group (\w+))?`(?: \(it is in the (\w+) group\))?", str(refused.value)
    )
    assert hint is not None, str(refused.value)
    group = hint.group(1) or hint.group(2)
    groups = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["dependency-groups"]
    assert any(requirement.startswith("granian") for requirement in groups[group])
