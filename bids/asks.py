"""What bids asks of the evaluation, which it may not import: evaluation provides the answers in its
`AppConfig.ready()` (see `procurement.hooks.Hook`)."""

from django.urls import URLPattern, URLResolver

from procurement.hooks import Hook

panel_access_check = Hook(
    "bids.asks.panel_access_check",
    "panel_access_check(*, user, tender) -> None, or Forbidden: whether the user may read the opened bids' content",
)
provider_requests_of_bid = Hook(
    "bids.asks.provider_requests_of_bid",
    "provider_requests_of_bid(*, user, bid_id) -> the authority's requests to the bid, with their answers",
)
provider_request_answer_check = Hook(
    "bids.asks.provider_request_answer_check",
    "provider_request_answer_check(*, actor, bid_id, request_id) -> None, or the refusal of an answer before its body "
    "is read",
)
provider_request_answer = Hook(
    "bids.asks.provider_request_answer",
    "provider_request_answer(*, actor, bid_id, request_id, answer, received_at) -> the request, answered",
)
bid_outcomes = Hook(
    "bids.asks.bid_outcomes", "bid_outcomes(*, user, bids) -> {bid id: where the user's own bid stands}"
)

# Pages of the `bids` URL namespace that the evaluation serves (a provider's answer to a request).
portal_urls: list[URLPattern | URLResolver] = []
