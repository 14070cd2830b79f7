"""What the bids tell the apps below them (procurement's registries, tenders.asks), provided when the app is ready
(bids.apps): every event about a bid names its bidder (sealed in the audit log until the opening), a refused path of
the provider's own bid is tied to it, and the calls learn of their bids without importing them."""

from django.db.models import Q
from django.urls import ResolverMatch

from procurement.audit import SEALED_EVENTS
from procurement.securitylog import NOT_MINE, OWN_OBJECTS, id_of
from tenders import asks as tender_asks

from .models import Bid
from .selectors import own_bid_in, submitted_bids, tender_bid_count
from .services import bids_send_back


def _bid_events() -> Q:
    """Every event about a bid, its versions or attachments (who created, changed, submitted, withdrew, uploaded)."""
    return Q(object_type__startswith="bids.")


def _own_bid(match: ResolverMatch, provider_of: set[int]) -> object:
    name, kwargs = match.url_name or "", match.kwargs
    if not (match.namespace == "bids" or name.startswith("bid-")):
        return NOT_MINE
    bid_id = id_of(kwargs.get("bid_id", kwargs.get("pk")))
    return Bid.objects.filter(pk=bid_id, provider_id__in=provider_of).first() if bid_id else None


SEALED_EVENTS.append(_bid_events)
OWN_OBJECTS.append(_own_bid)

# What the calls ask of their bids.
tender_asks.submitted_bids.provide(submitted_bids)
tender_asks.bids_send_back.provide(bids_send_back)
tender_asks.bid_count.provide(tender_bid_count)
tender_asks.own_bid.provide(own_bid_in)
