"""The shared kernel: organisations, users and roles, time, audit, API errors."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")

    def ready(self):
        from . import tokens  # noqa: F401 - a new password or a deactivation revokes the user's API tokens
