"""Provider organisations register with a valid business ID, once, and invite their members."""

import re

import pytest
from django.core import mail

from procurement.models import AuditEvent, Membership, ProviderOrganisation, User
from tests.fixtures import factories


def registration(**organisation):
    return {
        "organisation": {
            "name": "Opintie Koulutus Oy",
            "business_id": "3345678-4",
            "email": "tarjoukset@opintie.example",
            "preferred_language": "sv",
            **organisation,
        },
        "admin": {"username": "olga", "email": "olga@opintie.example", "password": "kotoutuminen-2027!"},
    }


def test_provider_registers_with_its_first_administrator(db, client_for):
    response = client_for().post("/api/v1/providers/register/", registration(), format="json")

    assert response.status_code == 201, response.content
    provider = ProviderOrganisation.objects.get()
    assert provider.business_id == "3345678-4" and provider.preferred_language == "sv"
    admin = User.objects.get(username="olga")
    assert admin.check_password("kotoutuminen-2027!")
    assert Membership.objects.get(user=admin).role == "provider_admin"
    assert AuditEvent.objects.filter(action="provider.register").exists()


@pytest.mark.parametrize("business_id", ["3345678-5", "abc", "123"])
def test_business_id_must_pass_its_check(business_id, db, client_for):
    response = client_for().post("/api/v1/providers/register/", registration(business_id=business_id), format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["organisation"]["business_id"][0]["code"] == "invalid_business_id"
    assert not ProviderOrganisation.objects.exists() and not User.objects.exists()


def test_the_same_business_id_registers_once(db, client_for):
    client_for().post("/api/v1/providers/register/", registration(), format="json")
    again = registration(business_id="3345678 4".replace(" ", "-"))
    again["admin"]["username"] = "other"

    response = client_for().post("/api/v1/providers/register/", again, format="json")

    assert response.status_code == 409 and response.json()["code"] == "business_id_taken"
    assert ProviderOrganisation.objects.count() == 1 and not User.objects.filter(username="other").exists()


def test_weak_password_is_refused_and_nothing_is_stored(db, client_for):
    payload = registration()
    payload["admin"]["password"] = "12345678"

    response = client_for().post("/api/v1/providers/register/", payload, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not ProviderOrganisation.objects.exists()


def test_admin_invites_a_member_who_joins(db, client_for, provider_a, django_capture_on_commit_callbacks):
    admin = factories.UserFactory()
    Membership.objects.create(user=admin, role="provider_admin", provider=provider_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            f"/api/v1/providers/{provider_a.pk}/invitations/", {"email": "uusi@provider.example"}, format="json"
        )

    assert response.status_code == 201
    token = re.search(r"code within \d+ days: (\S+)", mail.outbox[0].body) or re.search(
        r": (\S+)$", mail.outbox[0].body
    )
    accepted = client_for().post(
        "/api/v1/invitations/accept/",
        {"token": token.group(1), "username": "uusi", "password": "kotoutuminen-2027!"},
        format="json",
    )
    assert accepted.status_code == 201, accepted.content
    assert Membership.objects.get(user__username="uusi").provider == provider_a
    # the token works once
    again = client_for().post(
        "/api/v1/invitations/accept/",
        {"token": token.group(1), "username": "toinen", "password": "x-y-z-2027!!"},
        format="json",
    )
    assert again.status_code == 400


def test_only_the_admin_invites(db, client_for, provider_a, member_a, member_b):
    url = f"/api/v1/providers/{provider_a.pk}/invitations/"
    assert client_for(member_a).post(url, {"email": "x@x.fi"}, format="json").status_code == 403
    assert client_for(member_b).post(url, {"email": "x@x.fi"}, format="json").status_code == 404
    assert not mail.outbox


def test_an_invitation_is_for_its_addressee_only(db, provider_a, officer, client_for):
    from procurement.services import invitation_create

    admin = factories.UserFactory(email="admin@provider.example")
    Membership.objects.create(user=admin, role="provider_admin", provider=provider_a)
    _invitation, token = invitation_create(
        actor=admin, provider_id=provider_a.pk, email="uusi@provider.example", role="provider_member"
    )
    stranger = factories.UserFactory(email="joku@muu.example")

    assert client_for(stranger).post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code == 403
    assert client_for(officer).post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code == 403
    assert not Membership.objects.filter(provider=provider_a).exclude(user=admin).exists()


def test_lookalike_usernames_are_one_name(db, client_for):
    def register(username, business_id):
        return client_for().post(
            "/api/v1/providers/register/",
            {
                "organisation": {"name": "X Oy", "business_id": business_id, "email": "x@x.example"},
                "admin": {"username": username, "email": "x@x.example", "password": "kotoutuminen-2027!"},
            },
            format="json",
        )

    assert register("alice", "3345678-4").status_code == 201
    response = register("ａｌｉｃｅ", "3234567-9")  # fullwidth letters
    assert response.status_code == 400 and response.json()["errors"]["username"][0]["code"] == "username_taken"
