"""Reading bids: what each reader gets of a bid once the call is decided."""

from bids.models import Bid
from tests.fixtures.stages import decided_tender


def test_a_competitor_reads_the_bid_without_its_exclusion_declaration(
    authority, officer, provider_a, member_a, member_b, client_for
):
    # given a decided call in which A and B bid, A declaring on every exclusion ground of the call
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    bid_a = Bid.objects.get(tender=tender, provider=provider_a)
    grounds = set(tender.exclusion_grounds)
    assert grounds

    # when B (another bidder), A itself and the panel's officer read A's bid
    as_competitor = client_for(member_b).get(f"/api/v1/bids/{bid_a.pk}/")
    as_owner = client_for(member_a).get(f"/api/v1/bids/{bid_a.pk}/")
    as_panel = client_for(officer).get(f"/api/v1/bids/{bid_a.pk}/")

    # then B reads the bid and its prices, but not A's statement about itself
    assert as_competitor.status_code == 200
    content = as_competitor.json()["content"]
    assert "exclusion_declaration" not in content
    assert content["lot_offers"] and all(offer["unit_price"] == "9000" for offer in content["lot_offers"])
    # and A and the panel still do
    assert set(as_owner.json()["content"]["exclusion_declaration"]) == grounds
    assert set(as_panel.json()["content"]["exclusion_declaration"]) == grounds
