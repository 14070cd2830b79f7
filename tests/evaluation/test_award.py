"""The award: a framework takes the N best of each lot; individual scores stay beside the consensus."""

from datetime import timedelta
from decimal import Decimal

import pytest

from evaluation.models import IndividualScore, LotAward, QualityScore
from evaluation.services import quality_scores_record
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import (
    decided_tender,
    open_bids,
    propose_tender,
    qualify_all,
    seat_panel,
    submitted_tender,
)


def test_a_framework_awards_the_best_n_of_each_lot_in_order(authority, officer, member_a, member_b):
    third = factories.provider_member_of(factories.ProviderFactory())

    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "8000"), (third, "9500")],
        is_framework=True,
        framework_providers_per_lot=2,
    )

    for lot in tender.lots.all():
        awards = list(LotAward.objects.filter(lot=lot).order_by("rank"))
        assert [a.rank for a in awards] == [1, 2]
        assert [a.winner.bid.provider.memberships.get().user for a in awards] == [member_b, member_a]  # cheapest first


def test_individual_scores_stay_beside_the_consensus(authority, officer, member_a):
    evaluator = factories.UserFactory()
    from procurement.models import Membership

    Membership.objects.create(user=evaluator, role="evaluator", authority=authority)
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer, evaluator)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    offer = tender.bids.get().lot_offers.first()
    criterion = tender.criteria.first()

    for user, points in ((officer, "6"), (evaluator, "8")):
        quality_scores_record(
            actor=user,
            tender_id=tender.pk,
            individual=True,
            scores=[
                {"lot_offer": offer.pk, "criterion": criterion.pk, "points": Decimal(points), "reason": "Oma arvio."}
            ],
        )
    quality_scores_record(
        actor=officer,
        tender_id=tender.pk,
        scores=[
            {"lot_offer": offer.pk, "criterion": criterion.pk, "points": Decimal("7"), "reason": "Yhteinen näkemys."}
        ],
    )

    assert sorted(IndividualScore.objects.values_list("points", flat=True)) == [Decimal("6"), Decimal("8")]
    assert QualityScore.objects.get().points == Decimal("7")


def test_after_the_decision_bidders_read_each_other_without_business_secrets(
    authority, officer, member_a, member_b, client_for
):
    from django.utils import timezone

    from bids.services import bid_create, bid_submit
    from tenders.models import TenderStatus
    from tests.fixtures.stages import full_content

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    content = full_content(tender, "8000")
    secret_criterion = tender.criteria.first()
    content["quality_answers"][0]["text"] = "Menetelmämme on liikesalaisuus XYZ."
    content["business_secrets"] = [f"quality:{secret_criterion.pk}", "contact"]
    secret_bid = bid_create(actor=member_b, tender_id=tender.pk, received_at=timezone.now(), content=content)
    bid_submit(actor=member_b, bid_id=secret_bid.pk, received_at=timezone.now())
    from tests.fixtures.stages import submit_bid

    submit_bid(member_a, tender, "9000")
    reader = client_for(member_a)
    assert reader.get(f"/api/v1/bids/{secret_bid.pk}/").status_code == 404  # before the decision

    from evaluation.services import tender_decide
    from tenders.models import Tender

    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    propose_tender(tender, officer)
    tender_decide(actor=officer, tender_id=tender.pk)

    response = reader.get(f"/api/v1/bids/{secret_bid.pk}/")

    assert response.status_code == 200
    body = response.json()["content"]
    assert body["lot_offers"][0]["unit_price"] == "8000"  # prices are never secret
    assert "XYZ" not in response.content.decode() and body["contact"] == {}
    assert [a["criterion"] for a in body["quality_answers"]] == [c.pk for c in tender.criteria.all()[1:]]


def test_where_officers_may_not_decide_only_a_decision_maker_does(authority, officer, member_a):
    from evaluation.services import tender_decide
    from procurement.errors import Forbidden
    from procurement.models import Membership
    from tenders.models import Tender, TenderStatus

    authority.officers_may_decide = False
    authority.save()
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    propose_tender(tender, officer)

    with pytest.raises(Forbidden):
        tender_decide(actor=officer, tender_id=tender.pk)
    head = factories.UserFactory()
    Membership.objects.create(user=head, role="decision_maker", authority=authority)
    decision = tender_decide(actor=head, tender_id=tender.pk)

    assert decision.decided_by == head and Tender.objects.get(pk=tender.pk).status == TenderStatus.DECIDED
