"""Calls for tenders: lots, criteria, timeline and the tender state machine."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "tenders"
    verbose_name = _("Calls for tenders")

    def ready(self) -> None:
        from . import document_contexts, hooks, notifications  # noqa: F401  (what the kernel asks of it; its notification kinds)

        document_contexts.register()
