"""What the evaluation tells the apps below it (procurement.asks, tenders.asks, bids.asks), provided when the app is
ready (evaluation.apps): they may not import the evaluation, so they ask, and the answers are given here."""

from django.urls import path

from bids import asks as bid_asks
from documents.records import register_record_facts
from procurement import asks
from tenders import asks as tender_asks

from . import clarifications, contracts, languages, mini_competitions, outcomes, panel, record_facts
from .portal import bidders
from .portal import claims as claims_portal
from .worklist import tasks_for

asks.worklist.provide(tasks_for)

tender_asks.contracts_for_update.provide(contracts.contracts_for_update)
tender_asks.award_withdraw.provide(contracts.award_withdraw)
tender_asks.bid_outcomes.provide(outcomes.bid_outcomes)
tender_asks.officer_tasks.provide(tasks_for)
tender_asks.mini_competitions_open_to.provide(mini_competitions.mini_competitions_open_to)
tender_asks.mini_competition_invitees.provide(mini_competitions.mini_competition_invitees)
tender_asks.mini_competition_framework_check.provide(mini_competitions.mini_competition_framework_check)
tender_asks.decision_texts.extend([languages.score_reasons, languages.rejection_reasons])
tender_asks.portal_urls.append(path("<int:pk>/comparison/", bidders.comparison, name="comparison"))
tender_asks.portal_urls += [  # a bidder's claims for rectification (evaluation.portal.claims)
    path("<int:pk>/claims/", claims_portal.bidder_claims, name="claims"),
    path("<int:pk>/claims/<int:claim_id>/withdraw/", claims_portal.bidder_claim_withdraw, name="claim_withdraw"),
]

bid_asks.panel_access_check.provide(panel.panel_access_check)
bid_asks.provider_requests_of_bid.provide(clarifications.provider_requests_of_bid)
bid_asks.provider_request_answer_check.provide(clarifications.provider_request_answer_check)
bid_asks.provider_request_answer.provide(clarifications.provider_request_answer)
bid_asks.bid_outcomes.provide(outcomes.bid_outcomes)
bid_asks.portal_urls.append(path("<int:pk>/requests/<int:request_id>/", bidders.request_answer, name="request"))

register_record_facts(record_facts.call_record_facts)  # what the plan's metadata of a bid's records needs
