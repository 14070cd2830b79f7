"""The portal's shared pages with Django's test client: sign-in, language, inbox, registration, invitations."""

import re

from django.core import mail

from procurement.models import AuditEvent, Membership, Notification, ProviderOrganisation, Role, User
from tests.fixtures import factories


def test_a_failed_sign_in_is_audited_and_keeps_the_username(client, db):
    factories.UserFactory(username="olli")

    response = client.post("/sign-in/", {"username": "olli", "password": "wrong"})

    assert response.status_code == 200 and 'value="olli"' in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", detail__username="olli").exists()


def test_signing_in_is_throttled_like_the_api(client, db, settings):
    from django.core.cache import cache

    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 100
    factories.UserFactory(username="arvaaja")
    cache.clear()  # earlier tests signed in from the same address
    try:
        statuses = [
            # a different username each time: the per-address rate, not the lock-out of one username (below)
            client.post("/sign-in/", {"username": f"arvaaja{n}", "password": f"x{n}"}).status_code
            for n in range(25)
        ]
    finally:
        cache.clear()  # the next tests sign in from the same address

    assert statuses[:20] == [200] * 20 and set(statuses[20:]) == {429}
    # anyone can send these: the security log has them, the audit chain does not
    assert SecurityEvent.objects.filter(action="auth.login_throttled").count() == 5
    assert not AuditEvent.objects.filter(action="auth.login_throttled").exists()


def test_signing_in_takes_the_users_language(client, db):
    factories.UserFactory(username="sven", preferred_language="sv")

    response = client.post("/sign-in/", {"username": "sven", "password": "correct horse battery staple"}, follow=True)

    assert response.status_code == 200 and client.cookies["hankinta_language"].value == "sv"


def test_the_language_switch_is_remembered_and_refuses_foreign_redirects(client, member_a):
    client.force_login(member_a)

    response = client.post("/language/", {"language": "sv", "next": "https://evil.example/"})

    assert response.status_code == 302 and response["Location"] == "/"
    member_a.refresh_from_db()
    assert member_a.preferred_language == "sv"
    assert client.cookies["hankinta_language"].value == "sv"


def test_the_inbox_shows_ones_own_notifications_only(client, member_a, provider_a, provider_b):
    mine = Notification.objects.create(kind="tender.cancelled", key="a", provider=provider_a, payload={"reason": "x"})
    theirs = Notification.objects.create(kind="tender.cancelled", key="b", provider=provider_b, payload={"reason": "y"})
    client.force_login(member_a)

    page = client.get("/inbox/").content.decode()

    assert f"notification-{mine.pk}" in page and f"notification-{theirs.pk}" not in page
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/inbox/{mine.pk}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_registering_an_organisation_shows_errors_next_to_the_fields(client, db):
    data = {
        "name": "Koulutus Oy",
        "business_id": "1234567-8",  # wrong check digit
        "email": "info@koulutus.example",
        "preferred_language": "fi",
        "username": "koulutus",
        "admin_email": "admin@koulutus.example",
        "password": "a sufficiently long pass phrase",
    }

    refused = client.post("/register/", data)

    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="id_business_id_error"' in html and 'value="Koulutus Oy"' in html
    assert not ProviderOrganisation.objects.exists()

    accepted = client.post("/register/", {**data, "business_id": "0737546-2"})

    assert accepted.status_code == 302
    organisation = ProviderOrganisation.objects.get()
    assert User.objects.get(username="koulutus").memberships.get().provider == organisation


def test_an_administrator_invites_a_member_who_joins(client, provider_a, db, django_capture_on_commit_callbacks):
    admin = factories.UserFactory()
    Membership.objects.create(user=admin, provider=provider_a, role=Role.PROVIDER_ADMIN)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/organisation/", {"email": "uusi@provider.example", "role": "provider_member"})

    assert response.status_code == 302 and len(mail.outbox) == 1

    token = re.search(r"code within \d+ days: (\S+)", mail.outbox[0].body) or re.search(
        r": (\S+)$", mail.outbox[0].body
    )
    assert token
    client.logout()
    joined = client.post(
        "/invitation/", {"token": token.group(1), "username": "uusi", "password": "another long pass phrase"}
    )
    assert joined.status_code == 302
    assert User.objects.get(username="uusi").memberships.get().provider == provider_a
