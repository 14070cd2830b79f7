"""The sealed tender box: bids, versions, attachments, encryption, receipts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the system check)
            document_contexts,
        )

        document_contexts.register()
