"""Production settings (AYBIZA_ENV=production), static files and the health endpoints (docs/deploy.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from tests import factories as f

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_PROBE = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="WARNING")
print("SETTINGS=" + json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")} | {
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"]}))
"""


def test_check_deploy_is_clean_under_production_settings():
    env = {**os.environ, "AYBIZA_ENV": "production", "DEBUG": "true",  # production ignores DEBUG=true
           "ALLOWED_HOSTS": "backoffice.example.com,.aybiza.example", "DJANGO_SETTINGS_MODULE": "aybiza.settings"}
    env.pop("AYBIZA_CSRF_TRUSTED_ORIGINS", None)
    result = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("SETTINGS="))
    values = json.loads(line.removeprefix("SETTINGS="))
    assert values == {
        "DEBUG": False, "ALLOWED_HOSTS": ["backoffice.example.com", ".aybiza.example"],
        "CSRF_TRUSTED_ORIGINS": ["https://backoffice.example.com", "https://aybiza.example"],
        "SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "staticfiles": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


def test_production_refuses_to_start_without_allowed_hosts():
    env = {**os.environ, "AYBIZA_ENV": "production", "DJANGO_SETTINGS_MODULE": "aybiza.settings",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}  # settings fail before any connection
    env.pop("ALLOWED_HOSTS", None)
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_healthz_checks_the_database_and_says_nothing_else(db):
    response = Client().get("/healthz", HTTP_HOST="10.0.3.7")  # a probe by IP address: no host check
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_readyz_reports_migrations_applied(db):
    response = Client().get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "ok"}


def test_health_is_503_without_leaking_details_when_the_database_is_down(transactional_db):
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")  # nothing listens there
    try:
        for path in ("/healthz", "/readyz"):
            response = Client().get(path)
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "unavailable" and body["database"] == "error"
            text = response.content.decode()
            assert "127.0.0.1" not in text and "connection" not in text.lower() and saved["NAME"] not in text
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert Client().get("/healthz").status_code == 200


def test_health_needs_no_auth_nor_https_while_everything_else_redirects(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["backoffice.example.com"]
    client = Client()
    for method in (client.get, client.head):
        assert method("/healthz", HTTP_HOST="10.0.3.7").status_code == 200
    assert client.post("/healthz", HTTP_HOST="backoffice.example.com").status_code == 301  # only GET/HEAD are the probe
    assert client.get("/admin/", HTTP_HOST="backoffice.example.com").status_code == 301
    assert client.get("/admin/", HTTP_HOST="10.0.3.7").status_code == 400  # the host check still holds elsewhere


def test_static_files_are_served_by_the_app(db, settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--no-input", verbosity=0)
    assert (tmp_path / "admin" / "css" / "base.css").exists()
    # WhiteNoise indexes STATIC_ROOT when the middleware is built: a new client builds it.
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"/*")


def test_pgbouncer_and_replicas_are_configured_from_the_environment():
    probe = ("import json, django; from django.conf import settings; django.setup(); "
             "print(json.dumps({alias: [db['HOST'], db['PORT'], db['NAME'], db['OPTIONS'].get('prepare_threshold', 'unset'), "
             "db.get('DISABLE_SERVER_SIDE_CURSORS', False), db.get('TEST', {}).get('MIRROR')] "
             "for alias, db in settings.DATABASES.items()}))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aybiza.settings", "AYBIZA_PGBOUNCER": "true",
           "DATABASE_URL": "postgres://app@pgbouncer.internal:6432/aybiza",
           "AYBIZA_REPLICA_URLS": "postgres://app@replica-a.internal:6432/aybiza,postgres://app@replica-b.internal:5432/aybiza"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "default": ["pgbouncer.internal", 6432, "aybiza", None, True, None],
        "replica_1": ["replica-a.internal", 6432, "aybiza", None, True, "default"],
        "replica_2": ["replica-b.internal", 5432, "aybiza", None, True, "default"],
    }


@pytest.mark.django_db
def test_the_benchmarks_bare_views_are_not_served_by_the_application(client):
    """aybiza/platform/benchmark_urls.py (no authentication, any tenant's rows) is loaded only by the benchmarks."""
    tenant = f.TenantFactory()
    for kind in ("calls", "agents"):
        assert client.get(f"/benchmark/bare/{tenant.pk}/{kind}/").status_code == 404
