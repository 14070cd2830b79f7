"""Hardening, checked against the production settings themselves (in a process of their own, as deployed): Django's
deployment check, the security headers, HTTPS only, secrets only from the environment, uploaded files never shown
inline from the application's origin, and passwords checked by Django's validators."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "hardening-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "HANKINTA_KEKS": "k1:dGVzdC1vbmx5LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGU=",
    "AUDIT_ANCHOR_KEY": "hardening-test-audit-anchor-key-0123456789",
}


def _production(code: str = "", *, args: list[str] | None = None, drop: tuple[str, ...] = (), **extra):
    """Run Python (or manage.py with `args`) under config.settings.production with the test database."""
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        # not the test process's own settings (the browser tests allow Django's ORM under Playwright's event loop)
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "HANKINTA_KEKS",
            "AUDIT_ANCHOR_KEY",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        ALLOWED_HOSTS="hankinta.example",
        **SECRETS,
        **extra,
    )
    for key in drop:
        env.pop(key, None)
    command = [sys.executable, "manage.py", *args] if args else [sys.executable, "-c", code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="hankinta.example")
plain = client.get("/sign-in/")
secure = client.get("/sign-in/", secure=True)
api = client.get("/api/v1/tenders/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, dict(secure.headers), [c.output() for c in secure.cookies.values()]],
    "api": [api.status_code, dict(api.headers)],
}))
"""


@pytest.mark.django_db(transaction=True)
def test_the_deployment_check_of_the_production_settings_reports_nothing():
    result = _production(args=["check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_production_answers_only_over_https_with_the_security_headers():
    result = _production(HEADERS_SCRIPT)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    # plain HTTP is sent to HTTPS
    assert answers["plain"] == [301, "https://hankinta.example/sign-in/"]
    # a page, and an API refusal (anonymous): the headers are on every answer, errors included
    assert answers["secure"][0] == 200 and answers["api"][0] == 401
    for headers in (answers["secure"][1], answers["api"][1]):
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    # the cookies the sign-in page sets go over HTTPS only
    assert all("Secure" in cookie for cookie in answers["secure"][2])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("missing", ["SECRET_KEY", "HANKINTA_KEKS", "AUDIT_ANCHOR_KEY"])
def test_production_refuses_to_start_without_its_secrets_from_the_environment(missing):
    result = _production("import django; django.setup()", drop=(missing,))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_no_secret_is_written_in_the_settings_a_deployment_uses():
    # Only the test and local development settings carry fixed keys; base and production read the environment.
    for name in ("base.py", "production.py"):
        text = (ROOT / "config" / "settings" / name).read_text()
        assert 'SECRET_KEY = os.environ.get("SECRET_KEY", "")' in text or "SECRET_KEY =" not in text
        assert 'HANKINTA_KEKS = os.environ.get("HANKINTA_KEKS", "")' in text or "HANKINTA_KEKS =" not in text
        assert 'AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")' in text or "AUDIT_ANCHOR_KEY =" not in text
        assert "dGVzdC1vbmx5" not in text  # the test suite's key-encryption key


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_common"),
        ("kotkan", "password_too_short"),
        ("9876543219876", "password_entirely_numeric"),
        ("olga-opintie", "password_too_similar"),
    ],
)
def test_passwords_are_checked_by_djangos_validators(password, code, client_for):
    payload = {
        "organisation": {
            "name": "Opintie Oy",
            "business_id": "3345678-4",
            "email": "info@opintie.example",
            "preferred_language": "fi",
        },
        "admin": {"username": "olga-opintie", "email": "olga@opintie.example", "password": password},
    }

    response = client_for().post("/api/v1/providers/register/", payload, format="json")

    assert response.status_code == 400
    codes = {problem["code"] for problem in response.json()["errors"]["password"]}
    assert code in codes
    from procurement.models import ProviderOrganisation, User

    assert not User.objects.filter(username="olga-opintie").exists() and not ProviderOrganisation.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PREPARE_THRESHOLD", "five"),
        ("DB_PREPARE_THRESHOLD", "-1"),
        ("DOCUMENT_STUCK_MINUTES", "0"),
        ("DOCUMENT_STUCK_MINUTES", "1.5"),
        ("DOCUMENT_RENDER_MAX_ATTEMPTS", "many"),
    ],
)
def test_a_setting_that_is_not_a_number_it_can_use_stops_the_start_with_its_name(name, value):
    result = _production("import django; django.setup()", **{name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{name} must be a whole number" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_prepared_statements_can_be_turned_off_for_a_pooler():
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.DATABASES['default']['OPTIONS']['prepare_threshold'], s.DOCUMENT_STUCK_MINUTES)"
    assert _production(code, DB_PREPARE_THRESHOLD="off").stdout.split() == ["None", "20"]
    assert _production(code, DB_PREPARE_THRESHOLD="0", DOCUMENT_STUCK_MINUTES="45").stdout.split() == ["0", "45"]
