"""What tenders asks of the apps above it (bids, evaluation), which it may not import: they provide the answers in
their `AppConfig.ready()` (see `procurement.hooks.Hook`)."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.urls import URLPattern, URLResolver

from procurement.hooks import Hook

if TYPE_CHECKING:
    from .languages import MissingText
    from .models import Tender

# --- the bids (provided by bids) -------------------------------------------------------------------------------

submitted_bids = Hook("tenders.asks.submitted_bids", "submitted_bids(tender) -> the call's submitted bids (QuerySet)")
bids_send_back = Hook(
    "tenders.asks.bids_send_back",
    "bids_send_back(*, tender, reason, affects_bids_reason) -> the providers whose submitted bids a corrigendum sent "
    "back to draft (the call locked by the caller)",
)
bid_count = Hook(
    "tenders.asks.bid_count", "bid_count(*, user, tender_id) -> how many bids were submitted, as the user may know it"
)
own_bid = Hook("tenders.asks.own_bid", "own_bid(*, user, tender) -> the provider user's own bid in the call, or None")

# --- the evaluation and the award (provided by evaluation) -----------------------------------------------------

contracts_for_update = Hook(
    "tenders.asks.contracts_for_update",
    "contracts_for_update(*, tender, lot=None) -> the contracts of the call's lots (or of `lot`) not cancelled, locked",
)
award_withdraw = Hook(
    "tenders.asks.award_withdraw",
    "award_withdraw(*, actor, contract) -> None: the award of a lot not yet contracted is withdrawn",
)
bid_outcomes = Hook(
    "tenders.asks.bid_outcomes", "bid_outcomes(*, user, bids) -> {bid id: where the user's own bid stands}"
)
officer_tasks = Hook("tenders.asks.officer_tasks", "officer_tasks(user) -> the user's tasks in the authority's calls")

# The Swedish texts the documents of the decision stage need beyond the call's own (`tenders.languages`): functions
# (tender) -> [MissingText], the evaluation's reasons.
decision_texts: list[Callable[["Tender"], list["MissingText"]]] = []

# Pages of the `tenders` URL namespace that higher apps serve (evaluation: the comparison for the bidders).
portal_urls: list[URLPattern | URLResolver] = []

# --- the framework agreements (provided by evaluation) ----------------------------------------------------------

mini_competitions_open_to = Hook(
    "tenders.asks.mini_competitions_open_to",
    "mini_competitions_open_to(provider_ids) -> a values('pk') queryset of the mini-competitions these providers may "
    "see and bid in: those under the frameworks where one of them is an active member",
)
mini_competition_invitees = Hook(
    "tenders.asks.mini_competition_invitees",
    "mini_competition_invitees(tender) -> the ids of the providers a mini-competition invites: its framework's active "
    "members",
)
mini_competition_framework_check = Hook(
    "tenders.asks.mini_competition_framework_check",
    "mini_competition_framework_check(tender) -> None, or Conflict `framework_not_active`: a mini-competition is "
    "made ready for publication and published only while its framework agreement is in force",
)
