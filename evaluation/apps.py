"""Opening, scoring, ranking and the award decision."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # What the calls and the bids ask of the evaluation (tenders and bids may not import it).
        from django.urls import path

        from bids import asks as bid_asks
        from tenders import asks as tender_asks

        from . import (  # noqa: F401
            clarifications,
            contracts,
            document_contexts,
            hooks,
            languages,
            notifications,
            outcomes,
            panel,
            timers,
            worklist,
        )
        from .portal import bidders

        document_contexts.register()
        tender_asks.contracts_for_update.provide(contracts.contracts_for_update)
        tender_asks.award_withdraw.provide(contracts.award_withdraw)
        tender_asks.bid_outcomes.provide(outcomes.bid_outcomes)
        tender_asks.officer_tasks.provide(worklist.tasks_for)
        _register_once(tender_asks.decision_texts, [languages.score_reasons, languages.rejection_reasons])
        _register_once(tender_asks.portal_urls, [path("<int:pk>/comparison/", bidders.comparison, name="comparison")])

        bid_asks.panel_access_check.provide(panel.panel_access_check)
        bid_asks.provider_requests_of_bid.provide(clarifications.provider_requests_of_bid)
        bid_asks.provider_request_answer_check.provide(clarifications.provider_request_answer_check)
        bid_asks.provider_request_answer.provide(clarifications.provider_request_answer)
        bid_asks.bid_outcomes.provide(outcomes.bid_outcomes)
        _register_once(
            bid_asks.portal_urls,
            [path("<int:pk>/requests/<int:request_id>/", bidders.request_answer, name="request")],
        )


def _register_once(registry: list, entries: list) -> None:
    """Add to a lower app's list, once even if `ready()` runs again."""
    names = {getattr(entry, "name", None) or getattr(entry, "__qualname__", None) for entry in registry}
    registry.extend(e for e in entries if (getattr(e, "name", None) or getattr(e, "__qualname__", None)) not in names)
