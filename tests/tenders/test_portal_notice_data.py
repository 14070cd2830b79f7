"""The portal's Notice data: the draft's step and the corrigendum's section for the contract's term and options and
Hilma's statistics questions, the lots' regions, and what the call's page shows of them."""

from decimal import Decimal

from django.utils import timezone

from tenders.models import Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.portal import signed_in

YES = {key: "yes" if value else "no" for key, value in factories.HILMA_STATISTICS.items()}


def test_the_notice_step_asks_the_questions_of_the_calls_notice_type(authority, officer):
    national = factories.TenderFactory(authority=authority, created_by=officer)
    light = factories.TenderFactory(authority=authority, created_by=officer, estimated_value=Decimal("900000"))
    client = signed_in(officer)

    page = client.get(f"/calls/ours/{national.pk}/draft/notice/").content.decode()
    assert 'name="contract_months"' in page and 'name="lowCarbon"' in page
    assert 'name="howManyOpportunitiesIsEstimated"' in page and 'name="listedGreenCriteriaUsed"' in page
    assert 'name="endUserInvolved"' not in page
    assert 'value="yes" required' not in page  # unanswered is allowed while drafting
    assert 'name="endUserInvolved"' in client.get(f"/calls/ours/{light.pk}/draft/notice/").content.decode()


def test_the_notice_step_saves_the_term_and_the_answers_and_drops_a_follow_up_not_asked(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer, hilma_statistics={})

    response = signed_in(officer).post(
        f"/calls/ours/{tender.pk}/draft/notice/",
        {
            "contract_months": "36",
            "option_months": "",
            "options_description": "",
            **YES,
            "employmentCondition": "yes",
            "howManyOpportunitiesIsEstimated": "5",
            "listedGreenCriteriaUsed": "yes",  # every environmental answer is no: not asked
        },
    )

    assert response.status_code == 302 and response["Location"].endswith("/draft/files/")
    tender.refresh_from_db()
    assert (tender.contract_months, tender.option_months) == (36, None)
    assert tender.hilma_statistics == {
        **factories.HILMA_STATISTICS,
        "employmentCondition": True,
        "howManyOpportunitiesIsEstimated": 5,
    }


def test_a_negative_number_of_jobs_stays_on_the_page_with_its_error(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer)

    response = signed_in(officer).post(
        f"/calls/ours/{tender.pk}/draft/notice/",
        {"contract_months": "24", **YES, "employmentCondition": "yes", "howManyOpportunitiesIsEstimated": "-1"},
    )

    assert response.status_code == 400
    assert 'id="id_howManyOpportunitiesIsEstimated_error"' in response.content.decode()


def test_below_the_national_threshold_no_statistics_are_asked(authority, officer):
    tender = factories.TenderFactory(
        authority=authority, created_by=officer, estimated_value=Decimal("50000"), hilma_statistics={}
    )

    page = signed_in(officer).get(f"/calls/ours/{tender.pk}/draft/notice/").content.decode()

    assert 'id="no-statistics"' in page and 'name="lowCarbon"' not in page


def test_the_lots_step_offers_the_regions_and_refuses_an_unknown_one(authority, officer):
    from tests.fixtures.portal import management

    tender = factories.TenderFactory(authority=authority, created_by=officer)
    client = signed_in(officer)
    assert '<option value="FI1D2"' in client.get(f"/calls/ours/{tender.pk}/draft/lots/").content.decode()

    lot = {
        "lots-0-number": "1",
        "lots-0-title": "Joensuu",
        "lots-0-municipality": "Joensuu",
        "lots-0-students": "10",
        "lots-0-language_of_instruction": "fi",
        "lots-0-study_path": "basic",
        "lots-0-pricing_unit": "per_student",
    }
    refused = client.post(f"/calls/ours/{tender.pk}/draft/lots/", {**management("lots", 1), **lot, "lots-0-nuts": "XX"})
    assert refused.status_code == 400

    saved = client.post(f"/calls/ours/{tender.pk}/draft/lots/", {**management("lots", 1), **lot, "lots-0-nuts": ""})
    assert saved.status_code == 302
    assert list(tender.lots.values_list("nuts", flat=True)) == ["FI1D3"]  # Joensuu's region


def test_the_corrigendum_changes_the_notice_data(authority, officer):
    from tenders.services import tender_publish
    from tests.fixtures.portal import management

    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender = tender_publish(actor=officer, tender_id=tender.pk)
    client = signed_in(officer)
    page = client.get(f"/calls/ours/{tender.pk}/amend/").content.decode()
    assert 'name="notice-contract_months"' in page and 'name="notice-lowCarbon"' in page
    deadline = timezone.localtime(tender.submission_deadline)

    response = client.post(
        f"/calls/ours/{tender.pk}/amend/",
        {
            "reason": "Sopimuskausi pitenee.",
            "title_fi": tender.title_fi,
            "estimated_value": str(tender.estimated_value),
            "tender_validity_months": str(tender.tender_validity_months),
            "submission_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "price_weight": str(tender.price_weight),
            "notice-contract_months": "36",
            "notice-option_months": "12",
            "notice-options_description": tender.options_description,
            **{f"notice-{key}": value for key, value in YES.items()},
            "notice-codeOfConduct": "yes",
            "effect-affects_bids": "no",
            "effect-affects_bids_reason": "Tarjousten sisältö ei muutu.",
            **management("requirements", 0, 0),
        },
    )

    assert response.status_code == 302, response.content.decode()
    version = tender.versions.get(number=2)
    assert set(version.changed_fields) == {"contract_months", "hilma_statistics"}
    assert Tender.objects.get(pk=tender.pk).hilma_statistics["codeOfConduct"] is True


def test_the_calls_page_shows_the_procedure_identifier_and_the_unanswered_questions(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer, hilma_statistics={"lowCarbon": False})

    page = signed_in(officer).get(f"/calls/ours/{tender.pk}/").content.decode()

    assert str(tender.procedure_uuid) in page
    assert "11 questions unanswered" in page
    assert f"/calls/ours/{tender.pk}/draft/notice/" in page
    assert "(FI1D2)" in page  # the lots' region
