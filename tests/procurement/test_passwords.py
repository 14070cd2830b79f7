"""Changing and resetting a password in the portal (Django's own views in the portal's pages): errors next to the
fields, in the user's language; the reset e-mail's link; what each ends (sessions, API tokens)."""

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from procurement.models import AuditEvent
from tests.fixtures import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # the factories' password
NEW = "Uusi-salasana-2028"


def sign_in_api(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_works(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/").status_code == 200


def signed_in(client: Client) -> bool:
    return client.get("/inbox/").status_code == 200


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/password/reset/\S+/)", message.body).group(1)


def test_the_header_links_to_the_password_change_and_the_sign_in_page_to_the_reset(client):
    client.force_login(factories.UserFactory())

    assert 'href="/password/"' in client.get("/inbox/").content.decode()
    client.logout()
    assert 'href="/password/reset/"' in client.get("/sign-in/").content.decode()


def test_a_wrong_old_password_is_shown_next_to_its_field_in_the_users_language(client):
    client.force_login(factories.UserFactory())
    client.cookies["hankinta_language"] = "fi"

    response = client.post("/password/", {"old_password": "väärä", "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_old_password_error"' in page and "Vanha salasana" in page  # Django's own Finnish
    assert "Salasanan vaihtaminen" in page  # the page's title


def test_a_weak_new_password_is_refused_with_the_reason(client):
    client.force_login(factories.UserFactory())

    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"})

    assert response.status_code == 400 and 'id="id_new_password2_error"' in response.content.decode()


def test_changing_the_password_keeps_this_session_and_ends_the_others_and_the_tokens():
    user = factories.UserFactory(username="olli")
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    token = sign_in_api("olli")

    response = here.post("/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 302
    assert signed_in(here) and not signed_in(elsewhere) and not token_works(token)
    assert token_works(sign_in_api("olli", NEW))


def test_the_password_change_needs_a_signed_in_user(client):
    response = client.get("/password/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_reset_mails_a_link_in_the_users_language_and_says_nothing_of_unknown_addresses(client, settings):
    settings.HANKINTA = {**settings.HANKINTA, "PUBLIC_URL": "https://hankinta.example"}
    factories.UserFactory(username="sven", email="sven@example.invalid", preferred_language="sv")
    client.cookies["hankinta_language"] = "fi"

    known = client.post("/password/reset/", {"email": "SVEN@example.invalid"})
    unknown = client.post("/password/reset/", {"email": "nobody@example.invalid"})

    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sven@example.invalid"] and "lösenord" in message.subject
    assert "https://hankinta.example/password/reset/" in message.body and "sven" in message.body
    assert AuditEvent.objects.filter(action="auth.password_reset_requested").count() == 1


def test_a_reset_for_a_users_address_is_in_the_chain_and_any_other_in_the_security_log(client):
    from procurement.models import SecurityEvent

    factories.UserFactory(username="sven", email="sven@example.invalid")
    chain = AuditEvent.objects.count()

    # when anyone asks for resets for many addresses, one of which is a user's
    for n in range(30):
        client.post("/password/reset/", {"email": f"nobody{n}@example.invalid"}, REMOTE_ADDR=f"10.1.0.{n}")
    client.post("/password/reset/", {"email": "sven@example.invalid"})

    # then the chain holds the one that reached a user's account, and the security log the rest
    events = list(AuditEvent.objects.order_by("id")[chain:])
    assert [(e.action, e.detail["users"]) for e in events] == [("auth.password_reset_requested", ["sven"])]
    unknown = SecurityEvent.objects.filter(action="auth.password_reset_requested")
    assert unknown.count() == 30 and not unknown.filter(detail__email="sven@example.invalid").exists()


def test_the_reset_link_sets_a_new_password_once_and_ends_every_session_and_token():
    user = factories.UserFactory(username="olli", email="olli@example.invalid")
    browser, elsewhere = Client(), Client()
    elsewhere.force_login(user)
    token = sign_in_api("olli")
    browser.post("/password/reset/", {"email": "olli@example.invalid"})
    link = reset_link(mail.outbox[0])

    form = browser.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert done.status_code == 302 and done["Location"].startswith("/sign-in/")
    assert not signed_in(elsewhere) and not token_works(token)
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=user).exists()
    assert AuditEvent.objects.filter(action="auth.tokens_revoked", detail__reason="password_changed").exists()
    # the link is used up
    again = Client().get(link)
    assert again.status_code == 200 and 'name="new_password1"' not in again.content.decode()
    assert token_works(sign_in_api("olli", NEW))


def test_a_forged_reset_link_is_refused(client):
    user = factories.UserFactory()
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    response = client.get(f"/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/ccccc-0123456789abcdef/")

    assert response.status_code == 200 and 'name="new_password1"' not in response.content.decode()


def test_reset_requests_are_throttled_per_address(client, monkeypatch):
    from procurement.api.auth import PasswordResetThrottle

    monkeypatch.setattr(PasswordResetThrottle, "rate", "3/hour", raising=False)  # PASSWORD_RESET_THROTTLE_RATE
    factories.UserFactory(email="olli@example.invalid")

    statuses = [client.post("/password/reset/", {"email": "olli@example.invalid"}).status_code for _n in range(5)]

    assert statuses == [302, 302, 302, 429, 429] and len(mail.outbox) == 3
