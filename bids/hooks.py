"""What the bids tell the kernel, provided when the app is ready (bids.apps): every event about a bid names its
bidder (sealed in the audit log until the opening), and a refused path of the provider's own bid is tied to it."""

from django.db.models import Q

from procurement.audit import SEALED_EVENTS
from procurement.securitylog import NOT_MINE, OWN_OBJECTS, id_of

from .models import Bid


def _bid_events() -> Q:
    """Every event about a bid, its versions or attachments (who created, changed, submitted, withdrew, uploaded)."""
    return Q(object_type__startswith="bids.")


def _own_bid(match, provider_of):
    name, kwargs = match.url_name or "", match.kwargs
    if not (match.namespace == "bids" or name.startswith("bid-")):
        return NOT_MINE
    bid_id = id_of(kwargs.get("bid_id", kwargs.get("pk")))
    return Bid.objects.filter(pk=bid_id, provider_id__in=provider_of).first() if bid_id else None


SEALED_EVENTS.append(_bid_events)
OWN_OBJECTS.append(_own_bid)
