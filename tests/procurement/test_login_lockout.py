"""Password guessing: after five failures in a row, a username is locked out from that address (django-axes), at
both doors (the portal and the API's token sign-in), with a stable code, a translated sentence and an audit event;
the same user from another address, and a user who signs in before the limit, are not affected."""

import pytest
from django.conf import settings

from procurement.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # the factories' password
LIMIT = settings.AXES_FAILURE_LIMIT


def _portal(client, username, password, address="10.0.0.1"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _api(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address, format="json"
    )


def test_the_portal_locks_a_username_out_from_an_address_after_repeated_failures(client):
    factories.UserFactory(username="liisa")

    statuses = [_portal(client, "liisa", f"guess{n}").status_code for n in range(LIMIT + 2)]

    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1) and set(statuses[LIMIT - 1 :]) == {429}
    # even the right password is refused now, with the reason and when to come back
    locked = _portal(client, "liisa", PASSWORD)
    assert locked.status_code == 429 and int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "locked_out" in locked.content.decode() and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out", detail__username="liisa", outcome="denied").exists()
    # the same user from another address is not locked out
    assert _portal(client, "liisa", PASSWORD, address="10.0.0.2").status_code == 302


def test_the_lock_out_speaks_the_users_language(client):
    factories.UserFactory(username="pekka")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"

    for n in range(LIMIT):
        _portal(client, "pekka", f"guess{n}")
    locked = _portal(client, "pekka", PASSWORD)

    assert locked.status_code == 429 and "Liian monta" in locked.content.decode()


def test_the_api_locks_out_the_same_way_with_a_stable_code(client_for):
    factories.UserFactory(username="olli")
    client = client_for()

    failures = [_api(client, "olli", f"guess{n}") for n in range(LIMIT - 1)]
    last = _api(client, "olli", "guess-last")
    locked = _api(client, "olli", PASSWORD)

    assert {r.json()["code"] for r in failures} == {"invalid_credentials"}
    assert last.status_code == 429 and last.json()["code"] == "locked_out"
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out" and "token" not in locked.json()
    assert locked["Retry-After"]
    assert _api(client, "olli", PASSWORD, address="10.0.0.9").status_code == 200


def test_a_successful_sign_in_starts_the_count_again(client_for):
    factories.UserFactory(username="maija")
    client = client_for()

    for _round in range(2):
        for n in range(LIMIT - 1):
            assert _api(client, "maija", f"guess{n}").status_code == 400
        assert _api(client, "maija", PASSWORD).status_code == 200
