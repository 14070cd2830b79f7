"""The only place that renders PDFs: templates, the renderer, generated-document records, tasks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (what the kernel asks of it)
