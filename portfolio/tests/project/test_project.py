"""Guards over the whole project: migrations, checks, deployment files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-deploy-checks-only-7fa9c2e1b8d04a6f9e3c5b7a1d2f4e6c8b0a",
    "ALLOWED_HOSTS": "nexus.example.com",
    "HTTPS": "true",
    "EMAIL_HOST": "smtp.example.com",
}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # The browser tests' switch must not leak into a check of production behaviour.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        args, cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True
    )


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_manage_py_check_is_clean():
    result = run(sys.executable, "manage.py", "check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run(
        sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    script = (
        "import django, os; django.setup(); from django.conf import settings;"
        "settings.STATIC_ROOT = os.environ['OUT'];"
        "from django.core.management import call_command;"
        "call_command('collectstatic', '--noinput', verbosity=0)"
    )
    env = {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "site_config.settings", "OUT": str(tmp_path)}
    result = run(sys.executable, "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    css = sorted(p.name for p in (tmp_path / "css").iterdir())
    assert any(name.startswith("nexus.") and name.endswith(".css.gz") for name in css)
    # Hashed names, so a CDN or a browser may keep them for a year.
    assert any(re.fullmatch(r"nexus\.[0-9a-f]{12}\.css", name) for name in css), css
    assert (tmp_path / "staticfiles.json").exists()


def test_docker_compose_file_is_valid():
    compose = shutil.which("docker-compose", path=str(BIN)) or str(BIN / "docker-compose")
    result = run(compose, "-f", "docker-compose.yml", "config", "-q", env={"SECRET_KEY": "x"})
    assert result.returncode == 0, result.stderr


def test_compose_runs_web_replicas_behind_a_load_balancer():
    compose = shutil.which("docker-compose", path=str(BIN)) or str(BIN / "docker-compose")
    env = {"SECRET_KEY": "x", "WEB_REPLICAS": "3"}
    result = run(compose, "-f", "docker-compose.yml", "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    web, proxy = config["services"]["web"], config["services"]["proxy"]
    assert web["deploy"]["replicas"] == 3
    # Replicas publish no host port (they would collide); only the balancer does.
    assert not web.get("ports")
    assert [port["target"] for port in proxy["ports"]] == [8000]
    nginx = config["configs"]["nginx"]["content"]
    assert "server web:8000 resolve;" in nginx and "proxy_pass http://nexus_web;" in nginx
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(BIN)) or str(BIN / "hadolint")
    result = run(hadolint, "--failure-threshold", "info", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "site_config" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env_(?:bool|int|list)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()


def test_ruff_finds_nothing_to_fix_or_reformat():
    ruff = shutil.which("ruff", path=str(BIN)) or str(BIN / "ruff")
    check = run(ruff, "check", ".")
    assert check.returncode == 0, check.stdout
    fmt = run(ruff, "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout


def test_no_assertion_in_the_suite_passes_whatever_the_code_does():
    """`make lint` runs the same check: no `assert a or b`, no assertion on a constant."""
    result = run(sys.executable, str(ROOT / ".ci" / "check_tests.py"))
    assert result.returncode == 0, result.stdout


def test_mypy_finds_no_type_error():
    """Strict on portfolio/ and site_config/ (pyproject.toml): the hints are checked,
    not decoration. `make lint` runs it too."""
    result = run(sys.executable, "-m", "mypy", "--no-error-summary")
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_template_repeats_a_limit_the_forms_already_set():
    """Fields are rendered by the form renderer ({% widget %}, as_field_group), so their
    maxlength comes from the form: a number written in a template would go stale (the
    section editor's did, when sections could hold more)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "maxlength=" in line
    ]
    assert offenders == []
