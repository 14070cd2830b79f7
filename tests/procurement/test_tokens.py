"""API tokens: one per sign-in, ended by signing out, a new password or deactivation, expiring when idle and at an
absolute limit; a user lists and revokes their own. Driven through the API as a client would, the clock moved
forward instead of waiting."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.models import AuditEvent
from tests.fixtures import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # the factories' password
# The limits (API_TOKEN_IDLE_MINUTES, API_TOKEN_LIFETIME_HOURS; their defaults where there are none)
IDLE = getattr(settings, "API_TOKEN_IDLE", timedelta(minutes=60))
LIFETIME = getattr(settings, "API_TOKEN_LIFETIME", timedelta(hours=12))


def sign_in(username: str, **headers) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json", **headers
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def as_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = as_token(token).get("/api/v1/me/").status_code
    assert status in (200, 401), status
    return status == 200


@pytest.fixture
def clock(monkeypatch):
    """clock.move(minutes=…): from now on the time is that much later, for everything that asks Django for it."""

    class Clock:
        def __init__(self):
            self.now = timezone.now()
            monkeypatch.setattr(timezone, "now", lambda: self.now)

        def move(self, **delta):
            self.now += timedelta(**delta)

    return Clock()


def test_each_sign_in_gives_a_new_token_of_its_own():
    factories.UserFactory(username="olli")

    first, second = sign_in("olli"), sign_in("olli")

    assert first != second and works(first) and works(second)


def test_signing_out_ends_the_token_and_only_it():
    factories.UserFactory(username="olli")
    token, other = sign_in("olli"), sign_in("olli")

    response = as_token(token).post("/api/v1/auth/sign-out/")

    assert response.status_code == 204
    assert not works(token) and works(other)
    assert AuditEvent.objects.filter(action="auth.token_revoked", detail__reason="sign_out").exists()


def test_signing_out_of_the_portal_ends_the_users_api_tokens(client):
    user = factories.UserFactory(username="olli")
    token = sign_in("olli")
    client.force_login(user)

    client.post("/sign-out/")

    assert not works(token)


def test_signing_out_at_the_api_with_the_portals_session_ends_the_session_and_every_token(client):
    # given a user signed in to the portal, with API tokens
    user = factories.UserFactory(username="olli")
    tokens = [sign_in("olli"), sign_in("olli")]
    client.force_login(user)

    # when the API's sign-out is called with the session (as the portal's own scripts would)
    response = client.post("/api/v1/auth/sign-out/")

    # then it does what the portal's sign-out does: the session and every token end
    assert response.status_code == 204
    assert not any(works(token) for token in tokens)
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert AuditEvent.objects.filter(action="auth.tokens_revoked", detail__reason="sign_out").exists()


def test_a_password_changed_in_the_portal_ends_every_token_but_not_this_session(client):
    user = factories.UserFactory(username="olli")
    tokens = [sign_in("olli"), sign_in("olli")]
    client.force_login(user)

    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Uusi-salasana-2028", "new_password2": "Uusi-salasana-2028"},
    )

    assert response.status_code == 302
    assert not any(works(token) for token in tokens)
    assert client.get("/inbox/").status_code == 200  # still signed in here
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()
    assert AuditEvent.objects.filter(action="auth.tokens_revoked", detail__reason="password_changed").exists()


def test_a_password_set_anywhere_else_ends_the_tokens_too():
    """The admin, `manage.py changepassword`, a script: whatever saves a new password hash."""
    user = factories.UserFactory(username="olli")
    token = sign_in("olli")

    user.set_password("Toinen-salasana-2028")
    user.save()

    assert not works(token)


def test_deactivating_a_user_ends_their_tokens_for_good():
    user = factories.UserFactory(username="olli")
    token = sign_in("olli")

    user.is_active = False
    user.save()
    user.is_active = True
    user.save()

    assert not works(token)
    assert AuditEvent.objects.filter(action="auth.tokens_revoked", detail__reason="deactivated").exists()


def test_saving_a_user_otherwise_keeps_their_tokens():
    user = factories.UserFactory(username="olli")
    token = sign_in("olli")

    user.first_name = "Olli"
    user.save()
    user.preferred_language = "sv"
    user.save(update_fields=["preferred_language"])  # as the language switch does
    sign_in("olli")  # a sign-in saves the user's last login

    assert works(token)


def test_a_token_expires_after_the_idle_limit_and_each_use_moves_its_expiry(clock):
    factories.UserFactory(username="olli")
    idle = IDLE
    token = sign_in("olli")

    clock.move(seconds=idle.total_seconds() - 60)
    assert works(token)  # used just before its expiry: the expiry moves forward
    clock.move(seconds=idle.total_seconds() - 60)
    assert works(token)
    clock.move(seconds=idle.total_seconds() + 1)  # then left unused for longer than the limit

    assert not works(token)
    assert not works(token)  # and it stays dead (deleted)


def test_a_token_expires_at_the_absolute_limit_however_much_it_is_used(clock):
    factories.UserFactory(username="olli")
    token = sign_in("olli")
    signed_in_at = timezone.now()
    step = IDLE / 2

    while timezone.now() + step < signed_in_at + LIFETIME:
        clock.move(seconds=step.total_seconds())
        assert works(token)
    clock.move(seconds=step.total_seconds())  # past the lifetime, used half the idle limit ago

    assert not works(token)


def test_the_sign_in_answers_when_the_token_expires():
    factories.UserFactory(username="olli")

    body = APIClient().post("/api/v1/auth/token/", {"username": "olli", "password": PASSWORD}, format="json").json()

    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert abs(expiry - (timezone.now() + IDLE)) < timedelta(seconds=30)
    assert body["id"] and len(body["token"]) == 64


def test_a_user_lists_their_own_tokens_without_the_secret():
    factories.UserFactory(username="olli")
    factories.UserFactory(username="pekka")
    mine = [sign_in("olli", HTTP_USER_AGENT="hankinta-cli/1.0", REMOTE_ADDR="192.0.2.7"), sign_in("olli")]
    sign_in("pekka")

    response = as_token(mine[1]).get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2  # not pekka's
    assert {row["prefix"] for row in rows} == {token[:8] for token in mine}
    assert [row["current"] for row in rows] == [True, False]  # newest first: the one of this request
    oldest = rows[1]
    assert oldest["user_agent"] == "hankinta-cli/1.0" and oldest["ip_address"] == "192.0.2.7"
    assert oldest["created"] and oldest["expiry"] and oldest["expires_at_latest"] and oldest["last_used_at"]
    text = response.content.decode()
    assert not any(token in text for token in mine)


def test_a_user_revokes_one_of_their_tokens_or_all():
    factories.UserFactory(username="olli")
    first, second, third = sign_in("olli"), sign_in("olli"), sign_in("olli")
    rows = as_token(first).get("/api/v1/auth/tokens/").json()
    second_id = next(row["id"] for row in rows if row["prefix"] == second[:8])

    assert as_token(first).delete(f"/api/v1/auth/tokens/{second_id}/").status_code == 204
    assert works(first) and not works(second) and works(third)

    assert as_token(first).delete("/api/v1/auth/tokens/").status_code == 204
    assert not works(first) and not works(third)


def test_another_users_token_is_not_found_and_stays():
    factories.UserFactory(username="olli")
    factories.UserFactory(username="pekka")
    olli, pekka = sign_in("olli"), sign_in("pekka")
    pekkas_id = as_token(pekka).get("/api/v1/auth/tokens/").json()[0]["id"]

    response = as_token(olli).delete(f"/api/v1/auth/tokens/{pekkas_id}/")

    assert response.status_code == 404 and response.json()["code"] == "token_not_found"
    assert works(pekka)
    assert as_token(olli).delete("/api/v1/auth/tokens/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_request_with_a_token_costs_one_query_for_it(django_assert_num_queries):
    """knox would also read all the user's other tokens on every request; here only the one presented is read."""
    factories.UserFactory(username="olli")
    token = sign_in("olli")
    client = as_token(token)

    with django_assert_num_queries(2):  # the token with its user, then the user's memberships
        assert client.get("/api/v1/me/").status_code == 200


def test_the_daily_purge_deletes_expired_tokens_only(clock):
    from procurement.models import ApiToken
    from procurement.tasks import api_tokens_purge_task

    factories.UserFactory(username="olli")
    old = sign_in("olli")
    clock.move(seconds=IDLE.total_seconds() - 60)
    fresh = sign_in("olli")
    clock.move(seconds=120)  # the first is expired, the second is not

    assert api_tokens_purge_task() == 1
    assert list(ApiToken.objects.values_list("token_key", flat=True)) == [fresh[:15]]
    assert not works(old) and works(fresh)
