"""The sealed tender box: bids, versions, attachments, encryption, receipts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        # The system check; the reminders' timer handlers; the bids' notification kinds; what the kernel asks.
        from . import checks, document_contexts, hooks, notifications, timers  # noqa: F401

        document_contexts.register()
