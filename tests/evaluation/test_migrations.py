"""The evaluation app's data migrations: a price explanation asked before requests named their offer gets its offer
where the bid has only one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import LotOffer
from evaluation.models import ProviderRequest
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.migrations import migrate
from tests.fixtures.stages import open_bids, seat_panel, submit_bid

BEFORE = [("evaluation", "0003_lot_contracts")]


@pytest.mark.django_db(transaction=True)
def test_an_earlier_price_explanation_is_tied_to_the_bids_only_offer(authority, officer, member_a, member_b):
    # given an opened call where A bid on lot 1 only and B on both lots
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    lot_1 = tender.lots.get(number=1)
    bid_a = submit_bid(member_a, tender, "9000", lots=[lot_1])
    bid_b = submit_bid(member_b, tender, "3000")
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    try:
        old = migrate(BEFORE).get_model("evaluation", "ProviderRequest")

        def asked(bid, kind):
            return old.objects.create(
                bid_id=bid.pk, kind=kind, message="?", deadline=timezone.now(), requested_by_id=officer.pk
            ).pk

        made = {
            "a price": asked(bid_a, "price_explanation"),
            "a clarification": asked(bid_a, "clarification"),
            "b price": asked(bid_b, "price_explanation"),
        }

        # when the migrations run
        migrate()

        # then A's price explanation names A's only offer; a clarification and B's (two offers) name none
        named = {key: ProviderRequest.objects.get(pk=pk).lot_offer_id for key, pk in made.items()}
        assert named == {
            "a price": LotOffer.objects.get(bid=bid_a).pk,
            "a clarification": None,
            "b price": None,
        }
    finally:
        migrate()
