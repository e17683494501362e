"""The Nu HTML checker (vnu.jar from e2e/node_modules, a Java program) validates the
server's HTML of every main page as each person gets it. htmx's own attributes
(`hx-*`) are the only thing it may not know."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from e2e.world import build_world

VNU = Path(__file__).resolve().parents[3] / "e2e" / "node_modules" / "vnu-jar" / "build" / "dist"
# What htmx adds to HTML: attributes the checker does not know, and nothing else.
HTMX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z-]+” not allowed on element")


@pytest.mark.django_db
def test_every_main_page_is_valid_html_for_every_person(tmp_path):
    java = shutil.which("java")
    assert java, "install a Java runtime (make test does: .ci/tools java)"
    jar = VNU / "vnu.jar"
    assert jar.exists(), "run `.ci/tools judges` (make test does) to install the checker"
    world = build_world()
    names: dict[str, str] = {}
    for persona in ("visitor", "learner", "mentor", "organizer"):
        client = Client()
        if persona != "visitor":
            client.force_login(world.people[persona])
        for path in world.paths(persona):
            response = client.get(path)
            expected = 404 if path == world.MISSING else 200
            assert response.status_code == expected, (persona, path)
            name = f"{len(names):03d}.html"
            (tmp_path / name).write_bytes(response.content)
            names[name] = f"{persona} {path}"
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--errors-only", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    found = [
        f"{names[Path(message['url']).name]}: {message['message']}"
        f" — {message.get('extract', '').strip()[:120]}"
        for message in messages
        if not HTMX_ATTRIBUTE.search(message["message"])
    ]
    assert found == [], "\n".join(found)
