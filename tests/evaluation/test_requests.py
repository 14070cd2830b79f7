"""Clarifications and abnormally low prices: a flagged price is rejected only after an explanation was answered."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bids.models import Bid, LotOffer
from evaluation.models import LotResult, PriceRejection
from evaluation.requests import provider_request_answer, provider_request_create
from evaluation.services import quality_scores_record, tender_decide, tender_evaluate, tender_propose
from procurement.models import Membership, Role
from tenders.services import tender_close
from tests import factories
from tests.helpers import open_bids, qualify_all, seat_panel, submitted_call


@pytest.fixture
def opened(authority, officer, member_a, member_b, provider_b):
    # B's price is far below A's: 3000 against 9000
    tender = submitted_call(authority=authority, bidders=[(member_a, "9000"), (member_b, "3000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    return tender


def test_a_flagged_price_needs_an_answered_explanation_before_rejection(
    opened, officer, member_b, provider_b, client_for
):
    client = client_for(officer)
    flagged = client.get(f"/api/v1/tenders/{opened.pk}/abnormally_low/").json()
    low_offers = set(LotOffer.objects.filter(bid__provider=provider_b).values_list("pk", flat=True))
    assert {f["lot_offer"] for f in flagged} == low_offers
    offer_id = min(low_offers)
    reject = f"/api/v1/tenders/{opened.pk}/offers/{offer_id}/reject/"

    # rejecting straight away is refused
    refused = client.post(reject, {"reason": "Hinta on epärealistisen alhainen."}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "explanation_required"

    # the officer asks, the bidder answers through its own API, then the rejection is possible
    bid_id = LotOffer.objects.get(pk=offer_id).bid_id
    asked = client.post(
        f"/api/v1/tenders/{opened.pk}/requests/",
        {
            "bid": bid_id,
            "kind": "price_explanation",
            "message": "Selvittäkää hinnan muodostuminen.",
            "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert asked.status_code == 201, asked.content
    bidder = client_for(member_b)
    assert bidder.get(f"/api/v1/bids/{bid_id}/requests/").json()[0]["kind"] == "price_explanation"
    answered = bidder.post(
        f"/api/v1/bids/{bid_id}/requests/{asked.json()['id']}/answer/",
        {"answer": "Opettajat ovat vapaaehtoisia."},
        format="json",
    )
    assert answered.status_code == 200
    assert client.post(reject, {"reason": "Selvitys ei ole hyväksyttävä."}, format="json").status_code == 204
    assert PriceRejection.objects.filter(lot_offer_id=offer_id).exists()


def test_a_rejected_offer_is_not_ranked(opened, officer, member_b, provider_b):
    from evaluation.models import ProviderRequest
    from evaluation.requests import offer_reject_for_price

    low = LotOffer.objects.filter(bid__provider=provider_b).first()
    ProviderRequest.objects.create(
        bid=low.bid,
        kind="price_explanation",
        message="?",
        deadline=timezone.now() + timedelta(days=1),
        requested_by=officer,
        answer="Selitys.",
        answered_by=member_b,
        answered_at=timezone.now(),
    )
    offer_reject_for_price(actor=officer, tender_id=opened.pk, lot_offer_id=low.pk, reason="Ei uskottava.")
    scores = [
        {"lot_offer": offer.pk, "criterion": c.pk, "points": 5, "reason": "x"}
        for offer in LotOffer.objects.filter(bid__tender=opened).exclude(pk=low.pk)
        for c in opened.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=opened.pk, scores=scores)

    tender_evaluate(actor=officer, tender_id=opened.pk)

    assert not LotResult.objects.filter(lot_offer=low).exists()
    assert LotResult.objects.filter(lot=low.lot).count() == 1


def test_another_provider_cannot_see_or_answer_the_request(opened, officer, member_a, member_b, provider_b, client_for):
    from evaluation.requests import provider_request_create

    bid = opened.bids.get(provider=provider_b)
    request = provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=bid.pk,
        kind="clarification",
        message="Puuttuva liite?",
        deadline=timezone.now() + timedelta(days=3),
    )
    other = client_for(member_a)
    assert other.get(f"/api/v1/bids/{bid.pk}/requests/").status_code == 404
    assert (
        other.post(f"/api/v1/bids/{bid.pk}/requests/{request.pk}/answer/", {"answer": "x"}, format="json").status_code
        == 404
    )


def test_requests_and_answers_are_between_the_authority_and_the_bidder(
    opened, officer, authority, provider_a, member_a, member_b, client_for
):
    # given the panel asked A for a clarification during the evaluation, A answered, and the call was decided
    bid_a = Bid.objects.get(tender=opened, provider=provider_a)
    request = provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=bid_a.pk,
        kind="clarification",
        message="PYYNTO-7Q: tarkentakaa opettajien määrää.",
        deadline=timezone.now() + timedelta(days=3),
    )
    provider_request_answer(
        actor=member_a, bid_id=bid_a.pk, request_id=request.pk, answer="VASTAUS-7Q", received_at=timezone.now()
    )
    scores = [
        {"lot_offer": offer.pk, "criterion": criterion.pk, "reason": "Perusteltu.", "points": Decimal("5")}
        for offer in LotOffer.objects.filter(bid__tender=opened)
        for criterion in opened.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=opened.pk, scores=scores)
    tender_evaluate(actor=officer, tender_id=opened.pk)
    tender_propose(actor=officer, tender_id=opened.pk)
    tender_decide(actor=officer, tender_id=opened.pk)
    unnamed_evaluator = factories.UserFactory()
    Membership.objects.create(user=unnamed_evaluator, role=Role.EVALUATOR, authority=authority)
    url = f"/api/v1/bids/{bid_a.pk}/requests/"

    # when each reads the requests to A's bid
    answers = {
        "owner": client_for(member_a).get(url),
        "panel": client_for(officer).get(url),
        "auditor": client_for(factories.auditor(authority)).get(url),
        "competitor": client_for(member_b).get(url),
        "unnamed evaluator": client_for(unnamed_evaluator).get(url),
    }

    # then A, the panel and the auditor read the request and its answer; the other bidder, which may read A's bid
    # after the decision, does not (not even that there were any); the evaluator off the panel is refused
    for who in ("owner", "panel", "auditor"):
        assert answers[who].status_code == 200, who
        assert [(r["message"][:9], r["answer"]) for r in answers[who].json()] == [("PYYNTO-7Q", "VASTAUS-7Q")], who
    assert client_for(member_b).get(f"/api/v1/bids/{bid_a.pk}/").status_code == 200
    assert answers["competitor"].status_code == 404 and "7Q" not in answers["competitor"].content.decode()
    assert answers["unnamed evaluator"].status_code == 403
