"""Four eyes: a call is published only after another officer of the authority approved it."""

from tenders.models import Tender, TenderStatus
from tests.fixtures import factories


def test_author_cannot_approve_own_call(authority, officer, officer2, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    author = client_for(officer)
    assert author.post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/").json()["status"] == "pending_approval"

    response = author.post(f"/api/v1/tenders/{tender.pk}/approve/")

    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PENDING_APPROVAL


def test_second_officer_approves_then_publication(authority, officer, officer2, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    author, second = client_for(officer), client_for(officer2)
    author.post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/")
    assert author.post(f"/api/v1/tenders/{tender.pk}/publish/").status_code == 409  # not approved yet

    approved = second.post(f"/api/v1/tenders/{tender.pk}/approve/", {"comment": "Kunnossa."}, format="json").json()
    published = author.post(f"/api/v1/tenders/{tender.pk}/publish/").json()

    assert approved["status"] == "approved" and approved["approval"]["approved_by"] == officer2.pk
    assert published["status"] == "published" and published["published_at"]


def test_officer_of_another_authority_cannot_approve(authority, officer, other_authority, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/")
    stranger = factories.officer_of(other_authority)

    assert client_for(stranger).post(f"/api/v1/tenders/{tender.pk}/approve/").status_code == 404  # a draft is private


def test_return_to_draft_needs_a_comment_and_keeps_it(authority, officer, officer2, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/")
    second = client_for(officer2)

    assert second.post(f"/api/v1/tenders/{tender.pk}/return_to_draft/").status_code == 400
    response = second.post(
        f"/api/v1/tenders/{tender.pk}/return_to_draft/", {"comment": "Osan 2 volyymi puuttuu."}, format="json"
    )

    assert response.json()["status"] == "draft"
    assert response.json()["approval"]["comment"] == "Osan 2 volyymi puuttuu."


def test_a_call_pending_approval_cannot_be_edited(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    client = client_for(officer)
    client.post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/")

    response = client.patch(f"/api/v1/tenders/{tender.pk}/", {"title_fi": "Muutettu"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "not_editable"


def test_an_incomplete_call_cannot_go_to_approval(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer, with_structure=False)

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/submit_for_approval/")

    assert response.status_code == 400
    assert response.json()["errors"]["lots"][0]["code"] == "no_lots"
