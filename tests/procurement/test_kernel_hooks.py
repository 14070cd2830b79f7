"""The kernel asks the apps above it through hooks and registries they fill when ready (procurement.asks): each is
filled once the apps are loaded, and the one registry of notification kinds names every kind."""

from django.utils import translation

from procurement.labels import notification_kind_label
from procurement.notifications import KINDS, kinds_tagged
from procurement.timers import HANDLERS
from tenders.models import INTERRUPTION_NOTIFICATIONS


def test_every_timer_kind_has_its_handler():
    assert {"deadline.reminder", "questions.reminder", "evaluation.overdue", "standstill.end"} <= set(HANDLERS)


def test_the_registry_of_kinds_names_each_kind_and_its_groups():
    assert all(notification_kind_label(code) == str(kind.label) for code, kind in KINDS.items())
    with translation.override("en"):
        assert notification_kind_label("something.new") == "Notification"
    assert kinds_tagged("interruption") == frozenset(INTERRUPTION_NOTIFICATIONS.values())
    assert {code for code, kind in KINDS.items() if kind.open} == {"tender.published"}
