from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

SETTINGS = Path(__file__).resolve().parents[3] / "site_config" / "settings.py"
VARIABLES = [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
    "REDIS_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
    "EMAIL_VERIFICATION", "HTTPS", "SECURE_HSTS_SECONDS", "DB_CONN_MAX_AGE", "SQLITE_PATH",
    "CACHE_KEY_PREFIX", "BEHIND_HTTPS_PROXY", "DB_POOL_TIMEOUT", "TRUSTED_PROXY_COUNT",
]  # fmt: skip
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "nexus.example.com"}


def load(monkeypatch, **env: str) -> dict:
    """Execute the settings module afresh with exactly these variables set."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_nothing_set_gives_the_embedded_default(monkeypatch):
    s = load(monkeypatch)
    assert s["DEBUG"] is True
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"].endswith("db.sqlite3")
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["MAILERS"]["default"]["BACKEND"].endswith("console.EmailBackend")
    assert s["ACCOUNT_EMAIL_VERIFICATION"] == "optional"
    assert s["SESSION_COOKIE_SECURE"] is False


def test_database_url_selects_postgres_with_health_checks_and_persistent_connections(
    monkeypatch,
):
    s = load(monkeypatch, DATABASE_URL="postgres://nexus:p%40ss@db.internal:6543/journals")
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("journals", "nexus", "p@ss")
    assert (db["HOST"], db["PORT"]) == ("db.internal", "6543")
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] == 60


def test_database_url_can_ask_for_a_connection_pool(monkeypatch):
    s = load(monkeypatch, DATABASE_URL="postgresql://db/nexus?pool=true&sslmode=require")
    db = s["DATABASES"]["default"]
    assert db["OPTIONS"]["pool"]["max_size"] == 8
    assert db["OPTIONS"]["sslmode"] == "require"
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["timeout"] == 10
    s = load(monkeypatch, DATABASE_URL="postgresql://db/nexus?pool=true", DB_POOL_TIMEOUT="3")
    assert s["DATABASES"]["default"]["OPTIONS"]["pool"]["timeout"] == 3


def test_trusted_proxy_count_tells_allauth_which_forwarded_address_is_the_client(monkeypatch, rf):
    from allauth.account.adapter import get_adapter

    assert load(monkeypatch)["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    count = load(monkeypatch, TRUSTED_PROXY_COUNT="1")["ALLAUTH_TRUSTED_PROXY_COUNT"]
    assert count == 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=count):
        assert get_adapter().get_client_ip(request) == "203.0.113.9"
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0):
        assert get_adapter().get_client_ip(request) == "10.0.0.2"


def test_sqlite_database_url_is_a_file_path(monkeypatch):
    s = load(monkeypatch, DATABASE_URL="sqlite:////tmp/nexus-test.db")
    assert s["DATABASES"]["default"]["NAME"] == "/tmp/nexus-test.db"


@pytest.mark.parametrize(
    "url", ["mysql://db/nexus", "postgres://db", "postgres://db:port/nexus", "nonsense"]
)
def test_a_bad_database_url_is_refused_by_name(monkeypatch, url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        load(monkeypatch, DATABASE_URL=url)


def test_redis_url_selects_the_resilient_django_redis_backend(monkeypatch):
    s = load(monkeypatch, REDIS_URL="redis://cache:6379/2", CACHE_KEY_PREFIX="blue")
    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "portfolio.web.cache.ResilientRedisCache"
    assert cache["LOCATION"] == "redis://cache:6379/2"
    assert cache["KEY_PREFIX"] == "blue"
    assert cache["OPTIONS"]["SOCKET_TIMEOUT"] <= 1


def test_hiredis_is_the_redis_parser():
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE


def test_a_bad_redis_url_is_refused_by_name(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        load(monkeypatch, REDIS_URL="http://cache:6379")


def test_sessions_survive_a_cache_outage(monkeypatch):
    s = load(monkeypatch, REDIS_URL="redis://cache:6379/0")
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_debug_off_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load(monkeypatch, DEBUG="false", ALLOWED_HOSTS="nexus.example.com")


def test_debug_off_requires_allowed_hosts(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        load(monkeypatch, DEBUG="false", SECRET_KEY="s" * 60)


@pytest.mark.parametrize("name", ["DEBUG", "HTTPS", "EMAIL_USE_TLS", "BEHIND_HTTPS_PROXY"])
def test_a_bad_boolean_is_refused_by_name(monkeypatch, name):
    with pytest.raises(ImproperlyConfigured, match=name):
        load(monkeypatch, **{name: "maybe", "EMAIL_HOST": "smtp.example.com"})


@pytest.mark.parametrize("name", ["EMAIL_PORT", "SECURE_HSTS_SECONDS", "DB_CONN_MAX_AGE"])
def test_a_bad_number_is_refused_by_name(monkeypatch, name):
    env = {name: "lots", "EMAIL_HOST": "smtp.example.com", "DATABASE_URL": "postgres://h/db"}
    with pytest.raises(ImproperlyConfigured, match=name):
        load(monkeypatch, **env)


def test_production_turns_on_https_protections_and_mandatory_verification(monkeypatch):
    s = load(monkeypatch, **PRODUCTION)
    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    assert s["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert s["ALLOWED_HOSTS"] == ["nexus.example.com", "localhost", "127.0.0.1"]


def test_allowed_hosts_and_trusted_origins_are_comma_lists(monkeypatch):
    s = load(
        monkeypatch,
        ALLOWED_HOSTS="a.example.com, b.example.com",
        CSRF_TRUSTED_ORIGINS="https://a.example.com,https://b.example.com",
    )
    assert s["ALLOWED_HOSTS"][:2] == ["a.example.com", "b.example.com"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://a.example.com", "https://b.example.com"]


def test_trusted_origins_need_a_scheme(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="CSRF_TRUSTED_ORIGINS"):
        load(monkeypatch, CSRF_TRUSTED_ORIGINS="a.example.com")


def test_email_host_switches_to_smtp(monkeypatch):
    s = load(monkeypatch, EMAIL_HOST="smtp.example.com", EMAIL_PORT="2525")
    mailer = s["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"]["host"] == "smtp.example.com"
    assert mailer["OPTIONS"]["port"] == 2525
    assert mailer["OPTIONS"]["use_tls"] is True


def test_email_tls_and_ssl_together_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_SSL"):
        load(monkeypatch, EMAIL_HOST="smtp.example.com", EMAIL_USE_SSL="true")


def test_email_verification_can_be_made_mandatory_and_is_validated(monkeypatch):
    assert load(monkeypatch, EMAIL_VERIFICATION="mandatory")["ACCOUNT_EMAIL_VERIFICATION"] == (
        "mandatory"
    )
    with pytest.raises(ImproperlyConfigured, match="EMAIL_VERIFICATION"):
        load(monkeypatch, EMAIL_VERIFICATION="sometimes")
