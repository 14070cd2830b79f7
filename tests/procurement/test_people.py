"""Who is who: the signed-in user's own id (/api/v1/me/), and an authority's people for its officers, who name the
evaluation panels of its calls with their ids; nobody else sees an authority's people."""

import pytest

from procurement.models import Membership, Role
from tests.fixtures import factories

pytestmark = pytest.mark.django_db


def test_me_tells_the_users_id(client_for):
    user = factories.UserFactory()

    body = client_for(user).get("/api/v1/me/").json()

    assert body["id"] == user.pk and body["username"] == user.username


@pytest.fixture
def people(authority, other_authority):
    officer = factories.officer_of(authority, first_name="Olli", last_name="Ostaja")
    evaluator = factories.UserFactory(first_name="Eeva", last_name="Arvioija")
    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=authority)
    both = factories.officer_of(authority, last_name="Molempi")
    Membership.objects.create(user=both, role=Role.EVALUATOR, authority=authority)
    gone = factories.officer_of(authority, is_active=False)
    stranger = factories.officer_of(other_authority)
    return {"officer": officer, "evaluator": evaluator, "both": both, "gone": gone, "stranger": stranger}


def test_an_officer_lists_the_people_of_their_authority_with_their_roles(client_for, authority, people):
    response = client_for(people["officer"]).get(f"/api/v1/authorities/{authority.pk}/people/")

    assert response.status_code == 200
    by_id = {row["id"]: row for row in response.json()}
    assert set(by_id) == {people["officer"].pk, people["evaluator"].pk, people["both"].pk}  # active, of this one
    assert by_id[people["evaluator"].pk] == {
        "id": people["evaluator"].pk,
        "username": people["evaluator"].username,
        "name": "Eeva Arvioija",
        "roles": ["evaluator"],
    }
    assert sorted(by_id[people["both"].pk]["roles"]) == ["evaluator", "officer"]


def test_the_listed_id_names_a_person_to_a_panel(client_for, authority, people, open_tender):
    officer = client_for(people["officer"])
    evaluator_id = next(
        row["id"]
        for row in officer.get(f"/api/v1/authorities/{authority.pk}/people/").json()
        if row["roles"] == ["evaluator"]
    )

    response = officer.post(f"/api/v1/tenders/{open_tender.pk}/panel/", {"user": evaluator_id}, format="json")

    assert response.status_code == 201


def test_an_auditor_of_the_authority_reads_its_people(client_for, authority, people):
    url = f"/api/v1/authorities/{authority.pk}/people/"
    assert client_for(factories.auditor(authority)).get(url).status_code == 200
    assert client_for(factories.auditor()).get(url).status_code == 200  # an auditor of every authority


@pytest.mark.parametrize("who", ["other_officer", "evaluator", "provider", "other_auditor", "superuser", "nobody"])
def test_nobody_else_sees_an_authoritys_people(who, client_for, authority, other_authority, people):
    user = {
        "other_officer": lambda: people["stranger"],
        "evaluator": lambda: people["evaluator"],
        "provider": lambda: factories.provider_member_of(factories.ProviderFactory()),
        "other_auditor": lambda: factories.auditor(other_authority),
        "superuser": lambda: factories.UserFactory(is_superuser=True, is_staff=True),
        "nobody": lambda: factories.UserFactory(),
    }[who]()

    response = client_for(user).get(f"/api/v1/authorities/{authority.pk}/people/")

    assert response.status_code == 403 and response.json()["code"] == "not_authority_officer"
    assert people["officer"].username not in response.content.decode()


def test_an_unknown_authority_is_not_found(client_for, people):
    assert client_for(people["officer"]).get("/api/v1/authorities/999999/people/").status_code == 404


def test_anonymous_is_asked_to_sign_in(client_for, authority):
    assert client_for().get(f"/api/v1/authorities/{authority.pk}/people/").status_code == 401
