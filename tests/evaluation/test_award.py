"""The award: a framework takes the N best of each lot; individual scores stay beside the consensus."""

from decimal import Decimal

from evaluation.models import IndividualScore, LotAward, QualityScore
from evaluation.services import quality_scores_record
from tenders.services import tender_close
from tests import factories
from tests.helpers import decided_call, open_bids, qualify_all, seat_panel, submitted_call


def test_a_framework_awards_the_best_n_of_each_lot_in_order(authority, officer, member_a, member_b):
    third = factories.provider_member_of(factories.ProviderFactory())

    tender = decided_call(
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
    tender = submitted_call(authority=authority, bidders=[(member_a, "9000")])
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
