"""Settings by environment: `make run`'s runserver keeps no database connection per browser connection, production
keeps them; the variables that must be whole numbers stop the start otherwise."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
RUN_SETTINGS = "config.settings.local"  # what scripts/run.sh (`make run`) serves with


def _run_settings_module() -> str:
    text = (ROOT / "scripts" / "run.sh").read_text()
    assert f"DJANGO_SETTINGS_MODULE:-{RUN_SETTINGS}" in text, "make run serves with other settings: test those"
    return RUN_SETTINGS


def _database_url() -> str:
    """The test database (pytest-django's test_<name>), for a subprocess."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{settings['USER']}{password}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _settings_in(module: str, tmp_path, expression: str | None = None, **env):
    """What a fresh process with these settings and this environment sees: the database settings, or the value of
    `expression` (Python, over `settings`)."""
    expression = expression or (
        "{k: settings.DATABASES['default'][k] for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'ENGINE')}"
    )
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({expression}, default=str))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"},
        "DJANGO_SETTINGS_MODULE": module,
        "HANKINTA_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "settings-test",
        "HANKINTA_KEKS": "t:dGVzdC1vbmx5LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGU=",
        "AUDIT_ANCHOR_KEY": "settings-test-anchor-key-of-32-characters",
        **env,
    }
    result = subprocess.run(  # noqa: S603 - the project's own interpreter
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_closes_its_database_connections_and_production_keeps_them(tmp_path):
    run = _settings_in(_run_settings_module(), tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert run["ENGINE"] == "django.db.backends.postgresql" and run["CONN_MAX_AGE"] == 0
    # even if the environment asks for persistent connections, runserver does not keep them
    assert _settings_in(RUN_SETTINGS, tmp_path, DATABASE_URL="postgres://u@h/x", CONN_MAX_AGE="60")["CONN_MAX_AGE"] == 0

    production = _settings_in("config.settings.production", tmp_path, DATABASE_URL="postgres://u@h/x")
    assert production["CONN_MAX_AGE"] == 60 and production["CONN_HEALTH_CHECKS"] is True
    assert _settings_in("config.settings.production", tmp_path, CONN_MAX_AGE="300")["CONN_MAX_AGE"] == 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _backends(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_runserver_of_make_run_keeps_no_database_connection_per_browser_connection(tmp_path):
    """runserver serves each browser connection in a thread of its own; a browser keeps its connections open for
    more requests. With persistent database connections each of those threads kept one open, until PostgreSQL
    refused new ones and every request failed with 503."""
    database = connection.settings_dict["NAME"]
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"},
        "DJANGO_SETTINGS_MODULE": _run_settings_module(),
        "DATABASE_URL": _database_url(),
        "HANKINTA_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "runserver.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - the project's own manage.py
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    browsers: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 60
        while True:  # a bound against a server that does not start, not a measure
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "runserver.log").read_text()
                time.sleep(0.2)
        before = _backends(database)

        # given 20 browser connections, each of which asked for a page that reads the database and stays open
        for _n in range(20):
            browser = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            browser.request("GET", "/calls/")
            response = browser.getresponse()
            response.read()
            assert response.status == 200, (tmp_path / "runserver.log").read_text()[-3000:]
            browsers.append(browser)

        # then the server holds no database connection for them
        assert _backends(database) - before <= 1
    finally:
        for browser in browsers:
            browser.close()
        server.terminate()
        server.wait(30)
        log.close()


TOKEN_LIMITS = "[settings.API_TOKEN_IDLE.total_seconds(), settings.API_TOKEN_LIFETIME.total_seconds()]"


def test_the_api_token_limits_come_from_the_environment(tmp_path):
    assert _settings_in("config.settings.production", tmp_path, TOKEN_LIMITS) == [3600, 12 * 3600]  # defaults
    limits = _settings_in(
        "config.settings.production", tmp_path, TOKEN_LIMITS, API_TOKEN_IDLE_MINUTES="15", API_TOKEN_LIFETIME_HOURS="8"
    )
    assert limits == [900, 8 * 3600]
    longer = _settings_in(
        "config.settings.production", tmp_path, TOKEN_LIMITS, API_TOKEN_IDLE_MINUTES="600", API_TOKEN_LIFETIME_HOURS="8"
    )
    assert "ImproperlyConfigured" in longer["error"] and "API_TOKEN_IDLE_MINUTES" in longer["error"]


def test_the_trusted_proxies_come_from_the_environment_and_drf_reads_the_same(tmp_path):
    proxies = "[settings.TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES']]"

    assert _settings_in("config.settings.production", tmp_path, proxies) == [0, 0]  # by default no header is trusted
    assert _settings_in("config.settings.production", tmp_path, proxies, TRUSTED_PROXY_COUNT="1") == [1, 1]
    refused = _settings_in("config.settings.production", tmp_path, proxies, TRUSTED_PROXY_COUNT="yes")
    assert "TRUSTED_PROXY_COUNT" in refused["error"]


def test_the_ocds_ocid_prefix_comes_from_the_environment(tmp_path):
    prefix = "settings.OCDS_OCID_PREFIX"
    # unset (or empty): the development default
    assert _settings_in("config.settings.production", tmp_path, prefix, OCDS_OCID_PREFIX="") == "ocds-hnkdev"
    assert _settings_in("config.settings.production", tmp_path, prefix, OCDS_OCID_PREFIX="ocds-abc123") == "ocds-abc123"
