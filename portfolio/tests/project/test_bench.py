"""`make bench` refuses clearly when it cannot measure anything meaningful."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portfolio.management.commands.bench import compare_rows, read_rows


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


def bench_json(tmp_path, name: str, rows: list[dict]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"date": "2026-12-01T00:00:00+00:00", "rows": rows}))
    return str(path)


def test_compare_refuses_a_missing_or_foreign_file_before_running_anything(tmp_path):
    # Refused before wrk or the database are even looked at: no run is wasted.
    with pytest.raises(CommandError, match="no file at"):
        call_command("bench", "--compare", str(tmp_path / "nope.json"))
    other = tmp_path / "other.json"
    other.write_text('{"not": "a bench file"}')
    with pytest.raises(CommandError, match="not a make bench JSON file"):
        call_command("bench", "--compare", str(other))


def test_compare_prints_each_row_s_change_and_calls_a_slowdown_slower(tmp_path):
    earlier = read_rows(
        bench_json(
            tmp_path,
            "earlier.json",
            [
                {"key": "page", "name": "page view, signed-in mentor", "rps": 50, "p50": 40,
                 "p95": 60},
                {"key": "search", "name": "search", "rps": 30, "p50": 60, "p95": 100},
                {"key": "gone", "name": "a row no longer run", "rps": 1, "p50": 1, "p95": 1},
            ],
        )
    )  # fmt: skip
    now = [
        {"key": "page", "name": "page view, signed-in mentor", "rps": 150, "p50": 13, "p95": 20},
        {"key": "search", "name": "search", "rps": 24, "p50": 75, "p95": 104},
        {"key": "tag", "name": "tag add", "rps": 80, "p50": 10, "p95": 15},
    ]
    lines = compare_rows(earlier, now)
    page = next(line for line in lines if line.startswith("page view"))
    assert "+200 %" in page and "-68 %" in page and "slower" not in page
    search = next(line for line in lines if line.startswith("search"))
    assert "-20 % (slower)" in search  # requests per second fell
    assert "+25 % (slower)" in search  # p50 rose
    assert "+4 %" in search and "+4 % (slower)" not in search  # p95 within 10 %
    assert "new row" in next(line for line in lines if line.startswith("tag add"))
    assert lines[-1] == "Not run this time: a row no longer run"


def test_static_files_are_collected_with_the_server_s_settings(monkeypatch):
    # The server runs with DEBUG off, whose storage needs a manifest of hashed names;
    # collected with the command's own (development) settings there was none, and on a
    # fresh clone every page the server drew answered 500.
    from portfolio.management.commands.bench import Command

    calls = []
    monkeypatch.setattr("subprocess.run", lambda command, **kwargs: calls.append((command, kwargs)))
    options = {"workers": None, "threads": 4, "pool": False}
    Command(stdout=io.StringIO()).collect_static(8123, options)
    [(command, kwargs)] = calls
    assert command[1:4] == ["manage.py", "collectstatic", "--noinput"]
    assert kwargs["env"]["DEBUG"] == "false"
    assert kwargs["check"] is True


def test_the_writing_rows_bodies_reach_wrk_s_lua_byte_for_byte():
    import re

    from portfolio.management.commands.bench import import_text, lua

    text = 'section=5&body=Posted "here"\\ \n\tnext line, café ✓ %2C'
    literal = lua(text)
    inner = literal[1:-1]
    # Nothing in it can end the string or start an escape Lua would read differently.
    assert not set(inner) & {'"', "\n", "\t", "é", "✓"}
    decoded = re.sub(rb"\\(\d{3})", lambda m: bytes([int(m[1])]), inner.encode()).decode()
    assert decoded == text
    # The import row's README holds 30 sections, each a heading of its own.
    assert import_text().count("\n## Part ") == 30


def test_only_s_help_names_every_row_the_bench_runs():
    from portfolio.management.commands.bench import Command

    plan = [("/p/", "x")]
    targets = {
        "cohort": "c", "static": "/s.css", "public": "/@a/p/", "review_page": "/@b/q/",
        "mentor_cookie": "m", "author_cookie": "a", "learner_cookie": "l", "search": "a b",
        "sections": [("/e/", 1)], "profile": "/@b/", "tag_plans": [plan],
        "comment_plans": [plan], "import_plans": [plan], "draft_plans": [plan],
    }  # fmt: skip
    keys = [step[0].key for step in Command().plan(targets)]
    parser = Command().create_parser("manage.py", "bench")
    [only] = [action for action in parser._actions if action.dest == "only"]
    named = set(only.help.split(": ", 1)[1].rstrip(".").split(", "))
    assert named == set(keys) - {"static"}
