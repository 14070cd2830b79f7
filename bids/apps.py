"""The sealed tender box: bids, versions, attachments, encryption, receipts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        # The system check; its document contexts; its notification kinds and timers; what the apps below ask (hooks).
        from . import checks, document_contexts, hooks, notifications, timers  # noqa: F401

        document_contexts.register()
