"""Opening, scoring, evaluation and decision through the services' rules."""

from datetime import date
from decimal import Decimal

import pytest

from evaluation.models import LotResult
from evaluation.services import quality_scores_record, tender_evaluate, tender_open
from procurement.errors import Conflict, Forbidden, ValidationFailed
from tenders.models import TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import decided_tender, open_bids, qualify_all, seat_panel, submitted_tender


def test_evaluation_needs_every_score(authority, officer, member_a):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "100")])
    tender_close(actor=officer, tender_id=tender.pk)
    open_bids(tender, officer)
    seat_panel(tender, officer)
    qualify_all(tender, officer)

    with pytest.raises(ValidationFailed) as error:
        tender_evaluate(actor=officer, tender_id=tender.pk)

    assert error.value.code == "scores_missing"
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED and not LotResult.objects.exists()


def test_scores_are_checked_against_the_criterion(authority, officer, member_a):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "100")])
    tender_close(actor=officer, tender_id=tender.pk)
    criterion = tender.criteria.first()
    with pytest.raises(Conflict):  # not opened yet
        quality_scores_record(
            actor=officer,
            tender_id=tender.pk,
            scores=[{"lot_offer": 1, "criterion": criterion.pk, "points": Decimal("1"), "reason": "x"}],
        )
    open_bids(tender, officer)
    seat_panel(tender, officer)
    qualify_all(tender, officer)
    offer = tender.bids.get().lot_offers.first()  # offers exist as rows only after the opening
    score = {"lot_offer": offer.pk, "criterion": criterion.pk, "points": Decimal("11"), "reason": "x"}
    with pytest.raises(ValidationFailed) as error:
        quality_scores_record(actor=officer, tender_id=tender.pk, scores=[score])
    assert error.value.errors["scores"][0]["code"] == "points_over_max"
    with pytest.raises(Forbidden):
        quality_scores_record(actor=member_a, tender_id=tender.pk, scores=[{**score, "points": Decimal("1")}])


def test_decision_awards_each_lot_and_sets_the_standstill(authority, officer, member_a, member_b, provider_b):
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        quality={provider_b.pk: 9},
    )

    decision = tender.award_decision
    assert tender.status == TenderStatus.DECIDED
    assert {a.winner.bid.provider_id for a in decision.lot_awards.all()} == {provider_b.pk}
    assert decision.regime == "national"
    assert decision.standstill_ends_on > date.today()
    assert decision.appeal_ends_on == decision.standstill_ends_on


def test_officer_of_another_authority_cannot_open(authority, other_authority, member_a):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "100")])
    stranger = factories.officer_of(other_authority)

    with pytest.raises(Forbidden):  # the call is public, but its bids are not theirs to open
        tender_open(actor=stranger, tender_id=tender.pk)
