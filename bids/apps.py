"""The sealed tender box: bids, versions, attachments, encryption, receipts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        # The system check; the reminders' timer handlers; the bids' notification kinds; what the kernel asks.
        from tenders import asks as tender_asks

        from . import checks, document_contexts, hooks, notifications, timers  # noqa: F401
        from .selectors import own_bid_in, submitted_bids, tender_bid_count
        from .services import bids_send_back

        document_contexts.register()
        # What the calls ask of their bids (tenders may not import bids).
        tender_asks.submitted_bids.provide(submitted_bids)
        tender_asks.bids_send_back.provide(bids_send_back)
        tender_asks.bid_count.provide(tender_bid_count)
        tender_asks.own_bid.provide(own_bid_in)
