"""Password guessing: after five failures in a row, a username is locked out from that address (django-axes), at
both doors (the portal and the API's token sign-in), with a stable code, a translated sentence and an audit event;
the same user from another address, and a user who signs in before the limit, are not affected."""

import pytest
from django.conf import settings

from procurement.models import AuditEvent
from tests.fixtures import factories

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


@pytest.mark.parametrize("door", [_portal, _api])
def test_a_lock_out_is_one_chain_event_and_the_attempts_while_it_lasts_are_in_the_security_log(
    door, client_for, settings
):
    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 1000

    factories.UserFactory(username="ritva")
    client = client_for()
    chain = AuditEvent.objects.count()

    # when a real username fails to the lock-out and is tried ten more times while it lasts
    statuses = [door(client, "ritva", f"guess{n}").status_code for n in range(LIMIT + 10)]

    # then the chain holds the real failures and the lock itself, once
    assert statuses[LIMIT - 1 :] == [429] * 11
    new = AuditEvent.objects.order_by("id")[chain:]
    assert [e.action for e in new] == ["auth.login_failed"] * LIMIT + ["auth.locked_out"]
    # and each attempt while it lasted (no password was checked) went to the security log
    assert SecurityEvent.objects.filter(action="auth.locked_out", detail__username="ritva").count() == 10


@pytest.mark.parametrize("door", [_portal, _api])
def test_locking_out_a_username_that_does_not_exist_writes_nothing_into_the_chain(door, client_for, settings):
    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 1000

    client = client_for()
    chain = AuditEvent.objects.count()

    statuses = [door(client, "nobody-here", f"guess{n}").status_code for n in range(LIMIT + 3)]

    assert statuses[LIMIT - 1 :] == [429] * 4
    assert AuditEvent.objects.count() == chain
    assert SecurityEvent.objects.filter(action="auth.locked_out", detail__username="nobody-here").count() == 4


def test_the_admins_sign_in_page_checks_no_password_and_sends_to_the_portals(client):
    # given a superuser
    factories.UserFactory(username="root", is_staff=True, is_superuser=True)

    # when thirty usernames (and the superuser's right password) are posted to the admin's sign-in page
    answers = [
        client.post("/admin/login/?next=/admin/", {"username": name, "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
        for name in [f"guess{n}" for n in range(29)] + ["root"]
    ]

    # then none is checked there: each is sent to the portal's sign-in, and no one is signed in
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/sign-in/?next=%2Fadmin%2F")}
    assert "_auth_user_id" not in client.session


def test_guessing_for_the_admin_is_throttled_and_recorded_at_the_portals_door(client, settings):
    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 1000
    factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])

    # when usernames are rotated at the door the admin's sign-in page sends to
    statuses = [
        client.post(
            "/sign-in/?next=/admin/", {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="10.0.0.6"
        ).status_code
        for n in range(limit + 5)
    ]

    # then the sign-in throttle answers 429 within its limit, and every failure is on record
    assert statuses[:limit] == [200] * limit and set(statuses[limit:]) == {429}
    assert SecurityEvent.objects.filter(action="auth.login_failed", detail__channel="portal").count() == limit
    # and the superuser signs in there and reaches the admin
    signed_in = client.post("/sign-in/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200 and client.get("/admin/login/")["Location"] == "/admin/"


def test_a_signed_in_user_who_is_not_staff_is_refused_at_the_admins_sign_in(client):
    client.force_login(factories.UserFactory())

    assert client.get("/admin/login/?next=/admin/").status_code == 403
