"""Opening, scoring, ranking and the award decision."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # What the calls and the bids ask of the evaluation (tenders and bids may not import it).
        from django.urls import path

        from bids import hooks as bid_hooks
        from tenders import hooks as tender_hooks

        from . import clarifications, contracts, languages, outcomes, panel, worklist
        from .portal import bidders

        tender_hooks.contracts_for_update.provide(contracts.contracts_for_update)
        tender_hooks.award_withdraw.provide(contracts.award_withdraw)
        tender_hooks.bid_outcomes.provide(outcomes.bid_outcomes)
        tender_hooks.officer_tasks.provide(worklist.tasks_for)
        _register_once(tender_hooks.decision_texts, [languages.score_reasons, languages.rejection_reasons])
        _register_once(tender_hooks.portal_urls, [path("<int:pk>/comparison/", bidders.comparison, name="comparison")])

        bid_hooks.panel_access_check.provide(panel.panel_access_check)
        bid_hooks.provider_requests_of_bid.provide(clarifications.provider_requests_of_bid)
        bid_hooks.provider_request_answer_check.provide(clarifications.provider_request_answer_check)
        bid_hooks.provider_request_answer.provide(clarifications.provider_request_answer)
        bid_hooks.bid_outcomes.provide(outcomes.bid_outcomes)
        _register_once(
            bid_hooks.portal_urls,
            [path("<int:pk>/requests/<int:request_id>/", bidders.request_answer, name="request")],
        )


def _register_once(registry: list, entries: list) -> None:
    """Add to a lower app's list, once even if `ready()` runs again."""
    names = {getattr(entry, "name", None) or getattr(entry, "__qualname__", None) for entry in registry}
    registry.extend(e for e in entries if (getattr(e, "name", None) or getattr(e, "__qualname__", None)) not in names)
