"""Qualification: pass or fail with reasons; only qualified bids are compared; the decision gives the reasons."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.models import LotResult
from evaluation.qualification import qualification_record
from evaluation.services import quality_scores_record, tender_decide, tender_evaluate, tender_propose
from procurement.errors import Conflict, Forbidden, ValidationFailed
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import open_bids, qualify_all, seat_panel, submitted_tender


@pytest.fixture
def opened(authority, officer, member_a, member_b):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "8000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    return tender


def score_all(tender, officer, skip=()):
    scores = [
        {"lot_offer": offer.pk, "criterion": c.pk, "points": Decimal("5"), "reason": "Perusteltu."}
        for bid in tender.bids.exclude(pk__in=[b.pk for b in skip])
        for offer in bid.lot_offers.all()
        for c in tender.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores)


def test_evaluation_waits_for_qualification(opened, officer):
    with pytest.raises(ValidationFailed) as error:
        tender_evaluate(actor=officer, tender_id=opened.pk)
    assert error.value.code == "qualification_incomplete"


def test_a_failed_bid_is_not_compared_and_the_decision_says_why(opened, officer, provider_b):
    # given provider B's cheaper bid fails its suitability requirement
    failing = opened.bids.get(provider=provider_b)
    qualify_all(opened, officer, failing={failing.pk})
    with pytest.raises(ValidationFailed):  # a bid that failed qualification is not scored
        score_all(opened, officer)
    score_all(opened, officer, skip=[failing])

    # when the evaluation and the decision are made
    tender_evaluate(actor=officer, tender_id=opened.pk)
    tender_propose(actor=officer, tender_id=opened.pk)
    tender_decide(actor=officer, tender_id=opened.pk)

    # then only the qualified bid is ranked, and the decision names the rejected one with its reason
    assert set(LotResult.objects.values_list("lot_offer__bid__provider", flat=True)) != {provider_b.pk}
    assert not LotResult.objects.filter(lot_offer__bid=failing).exists()
    document = document_render(document_id=GeneratedDocument.objects.get(tender=opened, kind="decision").pk)
    with document.file.open("rb") as handle:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages).split())
    assert "Hylätyt tarjoukset" in text and provider_b.name in text and "Selvitys puuttuu." in text


def test_a_check_needs_a_reason_and_a_real_subject(opened, officer):
    bid = opened.bids.first()
    for check, code in (
        ({"bid": bid.pk, "subject": "exclusion", "passed": True, "reason": " "}, "reason_required"),
        ({"bid": bid.pk, "subject": "requirement:999999", "passed": True, "reason": "x"}, "unknown_subject"),
        ({"bid": 999999, "subject": "exclusion", "passed": True, "reason": "x"}, "unknown_bid"),
    ):
        with pytest.raises(ValidationFailed) as error:
            qualification_record(actor=officer, tender_id=opened.pk, checks=[check])
        assert error.value.errors["checks"][0]["code"] == code


def test_only_the_declared_panel_qualifies(opened, authority):
    other = factories.officer_of(authority)
    check = {"bid": opened.bids.first().pk, "subject": "exclusion", "passed": True, "reason": "x"}
    with pytest.raises(Forbidden):
        qualification_record(actor=other, tender_id=opened.pk, checks=[check])


def test_qualification_waits_for_the_opening(authority, officer, member_a):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    check = {"bid": tender.bids.first().pk, "subject": "exclusion", "passed": True, "reason": "x"}
    with pytest.raises(Conflict):
        qualification_record(actor=officer, tender_id=tender.pk, checks=[check])


def test_comparison_table_xlsx_holds_the_api_numbers(opened, officer, client_for):
    import openpyxl

    qualify_all(opened, officer)
    score_all(opened, officer)
    tender_evaluate(actor=officer, tender_id=opened.pk)
    client = client_for(officer)
    api = client.get(f"/api/v1/tenders/{opened.pk}/results/").json()

    response = client.get(f"/api/v1/tenders/{opened.pk}/results/xlsx/")

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [
        (sheet.title, r[0], r[1], f"{r[3]:.2f}", f"{r[4]:.2f}", f"{r[5]:.2f}", f"{r[6]:.2f}")
        for sheet in workbook.worksheets
        for r in sheet.iter_rows(min_row=3, values_only=True)
    ]
    expected = [
        (
            f"Osa {r['lot_number']}",
            r["rank"],
            r["provider"],
            r["comparison_price"],
            r["price_points"],
            r["quality_points"],
            r["total_points"],
        )
        for r in api
    ]
    assert sorted(rows) == sorted(expected) and len(rows) == 4
