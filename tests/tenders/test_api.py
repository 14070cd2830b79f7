"""Drafting and listing calls through the API: validation, visibility and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenders.models import Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.payloads import tender_payload


def test_officer_drafts_a_call(authority, officer, client_for):
    response = client_for(officer).post("/api/v1/tenders/", tender_payload(authority), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["regime"] == "national"
    assert body["allowed_actions"] == ["cancel", "submit_for_approval"]


def test_weights_that_do_not_add_up_are_refused(authority, officer, client_for):
    payload = tender_payload(authority, price_weight="50")

    response = client_for(officer).post("/api/v1/tenders/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["criteria"][0]["code"] == "weights_not_100"
    assert not Tender.objects.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"lots": []}, "lots"),
        ({"lots": [{"number": 1, "title": "Kuopio", "students": 0}]}, "lots"),
        ({"submission_deadline": "2020-01-01T12:00:00+02:00"}, "submission_deadline"),
        ({"estimated_value": "-1"}, "estimated_value"),
        ({"criteria": [{"number": 1, "name": "x", "weight": "40", "max_points": "0"}]}, "criteria"),
        ({"title_fi": ""}, "title_fi"),
    ],
)
def test_bad_call_data_is_refused_field_by_field(override, field, authority, officer, client_for):
    response = client_for(officer).post("/api/v1/tenders/", tender_payload(authority, **override), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Tender.objects.exists()


def test_only_the_authoritys_officers_draft_its_calls(authority, other_authority, member_a, client_for):
    stranger = factories.officer_of(other_authority)
    for user in (member_a, stranger):
        response = client_for(user).post("/api/v1/tenders/", tender_payload(authority), format="json")
        assert response.status_code == 403
    assert not Tender.objects.exists()


def test_providers_see_published_calls_only(authority, member_a, client_for):
    draft = factories.TenderFactory(authority=authority)
    published = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    client = client_for(member_a)

    listed = [t["id"] for t in client.get("/api/v1/tenders/").json()["results"]]

    assert listed == [published.pk]
    assert client.get(f"/api/v1/tenders/{draft.pk}/").status_code == 404


def test_a_published_call_cannot_be_edited(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())

    response = client_for(officer).patch(f"/api/v1/tenders/{tender.pk}/", {"title_fi": "Uusi"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"


def test_cancel_needs_a_reason(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority)

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "  "}, format="json")

    assert response.status_code == 400
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


def test_errors_are_translated(authority, officer, client_for):
    client = client_for(officer)
    payload = tender_payload(authority, price_weight="50")

    finnish = client.post("/api/v1/tenders/", payload, format="json", HTTP_ACCEPT_LANGUAGE="fi").json()
    swedish = client.post("/api/v1/tenders/", payload, format="json", HTTP_ACCEPT_LANGUAGE="sv").json()
    english = client.post("/api/v1/tenders/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert finnish["code"] == swedish["code"] == english["code"] == "invalid"
    assert english["errors"]["criteria"][0]["message"].startswith("The price weight")
    assert finnish["errors"]["criteria"][0]["message"].startswith("Hinnan painoarvo")
    assert swedish["errors"]["criteria"][0]["message"].startswith("Prisets vikt")


def test_call_list_query_count_does_not_grow_with_calls(authority, officer, client_for):
    client = client_for(officer)

    def count_queries() -> int:
        client.get("/api/v1/tenders/?limit=500")  # the same warm-up before each count
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/tenders/?limit=500").status_code == 200
        return len(queries)

    for _ in range(10):
        factories.TenderFactory(authority=authority)
    with_10 = count_queries()
    for _ in range(190):
        factories.TenderFactory(authority=authority)
    with_200 = count_queries()

    assert with_10 == with_200


def test_an_alert_is_set_for_ones_own_organisation_and_other_ids_cannot_be_probed(
    member_a, provider_a, provider_b, client_for
):
    from tenders.models import TenderAlert

    client = client_for(member_a)

    own = client.post("/api/v1/alerts/", {"provider": provider_a.pk, "cpv_prefix": "8053"}, format="json")
    other = client.post("/api/v1/alerts/", {"provider": provider_b.pk, "cpv_prefix": "8053"}, format="json")
    missing = client.post("/api/v1/alerts/", {"provider": provider_b.pk + 1000, "cpv_prefix": "8053"}, format="json")

    assert own.status_code == 201 and own.json()["provider"] == provider_a.pk
    # another organisation's id and an id that does not exist get the same answer
    assert other.status_code == missing.status_code == 400
    assert other.json()["errors"] == missing.json()["errors"]
    assert other.json()["errors"]["provider"][0]["code"] == "does_not_exist"
    assert list(TenderAlert.objects.values_list("provider_id", flat=True)) == [provider_a.pk]


def test_the_api_sets_and_removes_alerts_through_the_services_as_the_portal_does(member_a, provider_a, client_for):
    """Issue 20: the API saved through its serializer (a duplicate was a 400 of its own); it calls
    tender_alert_create/delete, so that a duplicate is the services' 409 `duplicate`, as in the portal."""
    from procurement.models import AuditEvent
    from tenders.models import TenderAlert

    client = client_for(member_a)
    body = {"provider": provider_a.pk, "cpv_prefix": "8058"}

    created = client.post("/api/v1/alerts/", body, format="json")
    again = client.post("/api/v1/alerts/", body, format="json")
    dashed = client.post("/api/v1/alerts/", {"provider": provider_a.pk, "cpv_prefix": "80-5"}, format="json")
    letters = client.post("/api/v1/alerts/", {"provider": provider_a.pk, "cpv_prefix": "80x"}, format="json")

    assert created.status_code == 201 and created.json()["cpv_prefix"] == "8058"
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert dashed.status_code == 201 and dashed.json()["cpv_prefix"] == "805"  # read as the portal reads it
    assert letters.status_code == 400
    assert letters.json()["errors"]["cpv_prefix"][0]["code"] == "invalid_cpv_prefix"
    assert TenderAlert.objects.count() == 2
    assert AuditEvent.objects.filter(action="alert.create").count() == 2

    removed = client.delete(f"/api/v1/alerts/{created.json()['id']}/")
    assert removed.status_code == 204
    assert client.delete(f"/api/v1/alerts/{created.json()['id']}/").status_code == 404
    assert AuditEvent.objects.filter(action="alert.delete").count() == 1


# --- what notices in Hilma need: the lots' regions, the contract's term, the statistics answers ---


def test_a_lot_without_a_region_gets_its_municipalitys(authority, officer, client_for):
    lots = [
        {"number": 1, "title": "Kuopio", "municipality": "Kuopio", "students": 20},
        {"number": 2, "title": "Vaasa", "municipality": "Vaasa", "students": 20, "nuts": "FI1D2"},
        {"number": 3, "title": "Etänä", "municipality": "Atlantis", "students": 20},
    ]

    response = client_for(officer).post("/api/v1/tenders/", tender_payload(authority, lots=lots), format="json")

    assert response.status_code == 201, response.content
    assert [lot["nuts"] for lot in response.json()["lots"]] == ["FI1D2", "FI1D2", ""]


def test_an_unknown_nuts_code_is_refused(authority, officer, client_for):
    lots = [{"number": 1, "title": "Kuopio", "students": 20, "nuts": "FI1D4"}]

    response = client_for(officer).post("/api/v1/tenders/", tender_payload(authority, lots=lots), format="json")

    assert response.status_code == 400
    assert "invalid_nuts" in str(response.json()["errors"]["lots"])
    assert not Tender.objects.exists()


def test_the_contract_term_and_options_are_saved_and_checked(authority, officer, client_for):
    client = client_for(officer)
    body = client.post("/api/v1/tenders/", tender_payload(authority), format="json").json()
    assert (body["contract_months"], body["option_months"]) == (24, 12)
    assert body["options_description"] == "Optio: jatko 12 kuukaudella."

    response = client.patch(f"/api/v1/tenders/{body['id']}/", {"contract_months": 0}, format="json")
    assert response.status_code == 400 and "contract_months" in response.json()["errors"]
    response = client.patch(f"/api/v1/tenders/{body['id']}/", {"contract_months": None}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["contract_months"][0]["code"] == "required"  # options without a term


def test_statistics_answers_are_saved_and_audited(authority, officer, client_for):
    from procurement.models import AuditEvent

    client = client_for(officer)
    payload = tender_payload(authority, hilma_statistics={})
    tender_id = client.post("/api/v1/tenders/", payload, format="json").json()["id"]
    answers = {**factories.HILMA_STATISTICS, "lowCarbon": True, "listedGreenCriteriaUsed": True}

    response = client.patch(f"/api/v1/tenders/{tender_id}/", {"hilma_statistics": answers}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["hilma_statistics"] == answers
    assert Tender.objects.get(pk=tender_id).hilma_statistics == answers
    event = AuditEvent.objects.filter(action="tender.update", object_id=str(tender_id)).latest("id")
    assert event.after["hilma_statistics"] == answers and event.before["hilma_statistics"] == {}


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"lowCarbon": False, "listedGreenCriteriaUsed": True}, "statistics_not_asked"),
        ({"employmentCondition": False, "howManyOpportunitiesIsEstimated": 3}, "statistics_not_asked"),
        ({"endUserInvolved": True}, "statistics_not_asked"),  # E3 does not ask it
        ({"employmentCondition": True, "howManyOpportunitiesIsEstimated": -2}, "invalid_number"),
        ({"lowCarbon": "joo"}, "invalid_answer"),
        ({"carbonNeutral": True}, "unknown_statistics_question"),
    ],
)
def test_wrong_statistics_answers_are_a_400_with_a_stable_code(answers, code, authority, officer, client_for):
    response = client_for(officer).post(
        "/api/v1/tenders/", tender_payload(authority, hilma_statistics=answers), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["hilma_statistics"][0]["code"] == code
    assert not Tender.objects.exists()


def test_the_service_users_question_is_answered_on_a_light_regime_call(authority, officer, client_for):
    answers = {**factories.HILMA_STATISTICS, "endUserInvolved": False}
    payload = tender_payload(authority, estimated_value="900000", hilma_statistics=answers)

    response = client_for(officer).post("/api/v1/tenders/", payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["rules"]["notice"] == "20"
    assert response.json()["hilma_statistics_missing"] == []


def test_the_authority_reads_which_statistics_questions_are_unanswered(authority, officer, client_for):
    answers = {"lowCarbon": True}
    response = client_for(officer).post(
        "/api/v1/tenders/", tender_payload(authority, hilma_statistics=answers), format="json"
    )

    missing = response.json()["hilma_statistics_missing"]
    assert "listedGreenCriteriaUsed" in missing and "lowCarbon" not in missing and len(missing) == 12


def test_the_procedure_identifier_is_shown_and_cannot_be_set(authority, officer, client_for):
    import uuid

    client = client_for(officer)
    body = client.post(
        "/api/v1/tenders/", tender_payload(authority, procedure_uuid=str(uuid.uuid4())), format="json"
    ).json()
    tender = Tender.objects.get(pk=body["id"])

    assert body["procedure_uuid"] == str(tender.procedure_uuid)
    client.patch(f"/api/v1/tenders/{tender.pk}/", {"procedure_uuid": str(uuid.uuid4())}, format="json")
    assert client.get(f"/api/v1/tenders/{tender.pk}/").json()["procedure_uuid"] == str(tender.procedure_uuid)
