"""The hooks through which the kernel, tenders and bids ask the apps above them: every one is provided once the apps
are ready, and an empty one is a configuration error, never a silent answer."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse

from bids import asks as bid_asks
from procurement import asks as kernel_asks
from procurement.hooks import Hook
from tenders import asks as tender_asks


@pytest.mark.parametrize("module", [kernel_asks, tender_asks, bid_asks], ids=["kernel", "tenders", "bids"])
def test_every_hook_of_a_lower_app_is_provided(module):
    slots = [value for value in vars(module).values() if isinstance(value, Hook)]
    assert slots
    assert [slot.name for slot in slots if slot.function is None] == []


def test_an_empty_hook_refuses_to_answer():
    with pytest.raises(ImproperlyConfigured):
        Hook("nothing.here", "")()


def test_the_pages_the_evaluation_serves_keep_their_names_and_addresses():
    assert reverse("tenders:comparison", args=[7]) == "/calls/7/comparison/"
    assert resolve("/calls/7/comparison/").func.__module__ == "evaluation.portal.bidders"
    assert reverse("bids:request", args=[7, 8]) == "/bids/7/requests/8/"
    assert resolve("/bids/7/requests/8/").func.__module__ == "evaluation.portal.bidders"
    assert reverse("tenders:claims", args=[7]) == "/calls/7/claims/"
    assert resolve("/calls/7/claims/").func.__module__ == "evaluation.portal.claims"
    # given once, when the app is ready: the comparison and the bidder's two claims pages; the request's answer
    assert len(tender_asks.portal_urls) == 3 and len(bid_asks.portal_urls) == 1
