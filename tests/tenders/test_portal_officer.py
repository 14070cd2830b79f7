"""The authority's portal pages of a call: the dashboard, the stepwise draft, four-eyes approval, publication."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.periods import HELSINKI
from tenders.models import Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.portal import management


def test_dashboard_shows_only_the_authoritys_calls(authority, other_authority, officer, browser_for):
    ours = factories.TenderFactory(authority=authority, title_fi="Meidän koulutus")
    factories.TenderFactory(
        authority=other_authority,
        title_fi="Naapurin koulutus",
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
    )

    response = browser_for(officer).get("/calls/ours/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Meidän koulutus" in page
    assert "Naapurin koulutus" not in page
    assert f"/calls/ours/{ours.pk}/" in page
    assert "New call" in page
    assert "Tender deadline" in page  # the next deadline of the draft


def test_a_draft_is_saved_step_by_step_and_errors_stay_next_to_their_fields(authority, officer, browser_for):
    client = browser_for(officer)

    # given the basics of a new call
    response = client.post(
        "/calls/ours/new/",
        {
            "title_fi": "Kotoutumiskoulutus 2027",
            "description_fi": "Aikuisten kotoutumiskoulutus.",
            "procedure": "light_regime",
            "estimated_value": "450000",
            "cpv_main": "80400000-8",
            "bid_languages": ["fi"],
            "tender_validity_months": "6",
            "price_method": "ratio_to_lowest",
            "tie_break": "quality_price_lot",
        },
    )
    tender = Tender.objects.get(title_fi="Kotoutumiskoulutus 2027")
    assert response.status_code == 302 and response["Location"] == f"/calls/ours/{tender.pk}/draft/lots/"
    assert tender.authority == authority and tender.status == TenderStatus.DRAFT

    # the lots
    response = client.post(
        f"/calls/ours/{tender.pk}/draft/lots/",
        {
            **management("lots", 2),
            "lots-0-number": "1",
            "lots-0-title": "Kuopio, perustaso",
            "lots-0-municipality": "Kuopio",
            "lots-0-language_of_instruction": "fi",
            "lots-0-study_path": "basic",
            "lots-0-students": "20",
            "lots-0-pricing_unit": "per_student",
            # the second row is left empty, as the page offers it
            "lots-1-language_of_instruction": "fi",
            "lots-1-study_path": "basic",
            "lots-1-pricing_unit": "per_student",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/draft/criteria/")
    assert list(tender.lots.values_list("title", flat=True)) == ["Kuopio, perustaso"]

    # when the weights do not make 100
    criteria = {
        **management("criteria", 1),
        "criteria-0-number": "1",
        "criteria-0-name": "Toteutussuunnitelma",
        "criteria-0-weight": "30",
        "criteria-0-max_points": "10",
        "criteria-0-lot_number": "",
    }
    response = client.post(f"/calls/ours/{tender.pk}/draft/criteria/", {**criteria, "price_weight": "60"})

    # then the service's error is shown with the criteria, and what was typed is kept
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="criteria-errors"' in page
    assert "must add up to 100; now they add up to 90" in page
    assert 'value="Toteutussuunnitelma"' in page and 'name="price_weight"' in page and 'value="60"' in page
    assert 'aria-current="step"' in page
    assert tender.criteria.count() == 0

    response = client.post(f"/calls/ours/{tender.pk}/draft/criteria/", {**criteria, "price_weight": "70"})
    assert response.status_code == 302 and response["Location"].endswith("/draft/timeline/")

    # a wall time that does not exist in Finland is refused next to its field
    response = client.post(f"/calls/ours/{tender.pk}/draft/timeline/", {"submission_deadline": "2027-03-28T03:30"})
    assert response.status_code == 400
    assert "does not exist in Finland" in response.content.decode()

    deadline = (
        (timezone.now() + timedelta(days=40)).astimezone(HELSINKI).replace(hour=12, minute=0, second=0, microsecond=0)
    )
    questions = deadline - timedelta(days=20)
    response = client.post(
        f"/calls/ours/{tender.pk}/draft/timeline/",
        {
            "questions_deadline": questions.strftime("%Y-%m-%dT%H:%M"),
            "submission_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/draft/documents/")

    # a mandatory exclusion ground cannot be left out
    requirement = {
        **management("requirements", 1),
        "requirements-0-number": "1",
        "requirements-0-kind": "technical",
        "requirements-0-text": "Vastuuopettajalla 5 vuoden kokemus",
        "requirements-0-evidence": "CV",
    }
    response = client.post(f"/calls/ours/{tender.pk}/draft/documents/", {**requirement, "exclusion_grounds": ["fraud"]})
    assert response.status_code == 400
    assert "Every mandatory exclusion ground" in response.content.decode()
    from procurement.exclusion import EXCLUSION_CODES

    response = client.post(
        f"/calls/ours/{tender.pk}/draft/documents/", {**requirement, "exclusion_grounds": list(EXCLUSION_CODES)}
    )
    assert response.status_code == 302 and response["Location"] == f"/calls/ours/{tender.pk}/draft/notice/"

    tender.refresh_from_db()
    assert tender.price_weight == 70
    assert tender.submission_deadline == deadline
    assert tender.requirements.get().text == "Vastuuopettajalla 5 vuoden kokemus"

    response = client.post(f"/calls/ours/{tender.pk}/do/submit_for_approval/")
    assert response.status_code == 302
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PENDING_APPROVAL


def test_approval_needs_another_officer_then_the_call_is_published(authority, officer, officer2, browser_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    author = browser_for(officer)
    assert author.post(f"/calls/ours/{tender.pk}/do/submit_for_approval/").status_code == 302

    refused = author.post(f"/calls/ours/{tender.pk}/do/approve/", {"approve-comment": ""})

    assert refused.status_code in (403, 409)
    assert "Another officer of the authority must approve the call" in refused.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PENDING_APPROVAL

    other = browser_for(officer2)
    accepted = other.post(f"/calls/ours/{tender.pk}/do/approve/", {"approve-comment": "Hyvä."}, follow=True)
    assert accepted.status_code == 200
    assert "The call was approved." in accepted.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.APPROVED

    published = author.post(f"/calls/ours/{tender.pk}/do/publish/", follow=True)
    assert "The call was published." in published.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


def test_returning_to_draft_needs_a_comment(authority, officer, officer2, browser_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    browser_for(officer).post(f"/calls/ours/{tender.pk}/do/submit_for_approval/")

    response = browser_for(officer2).post(
        f"/calls/ours/{tender.pk}/do/return_to_draft/", {"return_to_draft-comment": ""}
    )

    assert response.status_code == 400
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PENDING_APPROVAL
    response = browser_for(officer2).post(
        f"/calls/ours/{tender.pk}/do/return_to_draft/", {"return_to_draft-comment": "Korjaa painot."}
    )
    assert response.status_code == 302
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


def test_a_foreign_authoritys_call_is_not_found(authority, other_authority, officer, browser_for):
    draft = factories.TenderFactory(authority=other_authority)
    published = factories.TenderFactory(
        authority=other_authority, status=TenderStatus.PUBLISHED, published_at=timezone.now()
    )
    client = browser_for(officer)

    for url in (
        f"/calls/ours/{draft.pk}/",
        f"/calls/ours/{draft.pk}/draft/basics/",
        f"/calls/ours/{published.pk}/",
        f"/calls/ours/{published.pk}/questions/",
        f"/calls/ours/{published.pk}/amend/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/calls/ours/{published.pk}/do/cancel/", {"cancel-reason": "x"}).status_code == 404
    assert Tender.objects.get(pk=published.pk).status == TenderStatus.PUBLISHED


def test_questions_are_answered_and_published(authority, officer, member_a, browser_for):
    from tenders.services import question_ask

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    question = question_ask(
        actor=member_a, tender_id=tender.pk, text="Voiko ryhmä olla pienempi?", received_at=timezone.now()
    )
    client = browser_for(officer)

    page = client.get(f"/calls/ours/{tender.pk}/questions/").content.decode()
    assert "Voiko ryhmä olla pienempi?" in page

    response = client.post(
        f"/calls/ours/{tender.pk}/questions/{question.pk}/answer/", {f"q{question.pk}-answer": "Ei voi."}
    )
    assert response.status_code == 302
    response = client.post(f"/calls/ours/{tender.pk}/answers/publish/", follow=True)
    assert "The answers were published" in response.content.decode()
    question.refresh_from_db()
    assert question.is_published and question.answer == "Ei voi."


def test_a_corrigendum_needs_a_reason_and_makes_a_new_version(authority, officer, browser_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    client = browser_for(officer)
    deadline = tender.submission_deadline.astimezone(HELSINKI)
    data = {
        "title_fi": "Uusi otsikko",
        "estimated_value": "450000",
        "tender_validity_months": "6",
        "submission_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
    }

    response = client.post(f"/calls/ours/{tender.pk}/amend/", {**data, "reason": ""})
    assert response.status_code == 400
    assert 'value="Uusi otsikko"' in response.content.decode()

    response = client.post(
        f"/calls/ours/{tender.pk}/amend/",
        {
            **data,
            "reason": "Otsikko korjattu.",
            "effect-affects_bids": "no",
            "effect-affects_bids_reason": "Vain otsikko.",
        },
    )
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.version == 2 and tender.title_fi == "Uusi otsikko"


@pytest.mark.parametrize("authority_field", ["x", "ei kelpaa\x00"])
def test_a_new_draft_naming_no_authority_of_the_officer_is_refused_by_the_form(
    authority, other_authority, officer, browser_for, authority_field
):
    # given an officer of two authorities, so that the form asks which one drafts the call
    from procurement.models import Membership, Role

    Membership.objects.create(user=officer, role=Role.OFFICER, authority=other_authority)

    response = browser_for(officer).post("/calls/ours/new/", {"authority": authority_field, "title_fi": "Luonnos"})

    # then the choice is refused next to its field, nothing is drafted
    assert response.status_code == 400
    assert 'id="id_authority_error"' in response.content.decode()
    assert not Tender.objects.filter(title_fi="Luonnos").exists()


def test_late_answers_refused_in_the_portal_name_the_fields_in_words_not_codes(
    authority, officer, member_a, browser_for
):
    """Regression: the refusal read “a later deadline (new_deadline), or a reason … (late_answer_reason)”."""
    from tests.fixtures.stages import late_answered_tender

    tender = late_answered_tender(authority, member_a, officer)
    for language in ("en", "fi", "sv"):
        client = browser_for(officer)
        client.cookies["django_language"] = language
        page = client.post(f"/calls/ours/{tender.pk}/answers/publish/", {"publish-new_deadline": ""})
        text = re.sub(r"<[^>]*>", " ", page.content.decode())  # what a person reads, not the form's markup
        assert page.status_code == 409
        assert "new_deadline" not in text and "late_answer_reason" not in text
    api = browser_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/answers/publish/", {}, content_type="application/json"
    )
    assert api.json()["fields"] == ["new_deadline", "late_answer_reason"]
