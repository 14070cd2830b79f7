"""Opening, scoring, ranking and the award decision."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # Its document contexts; its notification kinds and timers; what the apps below it ask (hooks).
        from . import document_contexts, hooks, notifications, timers  # noqa: F401

        document_contexts.register()
