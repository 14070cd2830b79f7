"""The fast path's shim over Django's private APIs (`procurement.fastpath`): checked against one Django version,
and doing what the ORM does with the same attributes."""

import re
from pathlib import Path

import django
import pytest
from django.db import connection, transaction

from procurement import fastpath
from procurement.fastpath import attach_prefetched, mark_saved, on_commit_registered
from procurement.models import OutboxMessage
from tenders.models import Lot, Tender
from tests.fixtures import factories

ROOT = Path(__file__).resolve().parents[2]


def _pinned_django() -> str:
    pins = re.findall(r"^django==([\w.]+)\s*$", (ROOT / "requirements.txt").read_text(), re.IGNORECASE | re.MULTILINE)
    assert len(pins) == 1, "requirements.txt pins Django once"
    return pins[0]


def test_the_shim_was_checked_against_the_pinned_django():
    pinned = _pinned_django()
    assert pinned == fastpath.DJANGO_CHECKED, (
        f"requirements.txt pins Django {pinned}, but procurement/fastpath.py's shim over Django's private APIs was "
        f"checked against {fastpath.DJANGO_CHECKED}. Read the shim again against Django {pinned} (QuerySet."
        "_result_cache and _prefetch_done, Model._prefetched_objects_cache and _state, the tuples of "
        "connection.run_on_commit, ServerBindingCursor, make_cursor/make_debug_cursor), run tests/procurement "
        "and tests/bids, then set DJANGO_CHECKED."
    )


def test_the_installed_django_is_the_pinned_one():
    assert django.get_version() == _pinned_django()


@pytest.mark.django_db
def test_a_relation_attached_as_prefetched_is_read_without_a_query(django_assert_num_queries):
    tender = factories.TenderFactory()
    lots = list(Lot.objects.filter(tender=tender).order_by("-number"))
    fresh = Tender.objects.get(pk=tender.pk)
    attach_prefetched(fresh, "lots", lots)
    with django_assert_num_queries(0):
        assert list(fresh.lots.all()) == lots
    # as prefetch_related leaves it: a filtered queryset goes to the database again
    with django_assert_num_queries(1):
        assert fresh.lots.filter(number=lots[-1].number).get() == lots[-1]


@pytest.mark.django_db
def test_an_instance_marked_saved_is_one_save_updates():
    written = OutboxMessage.objects.create(task="outbox.purge", args=[])  # as a statement of our own writes it
    message = OutboxMessage(task="outbox.purge", args=[1])
    assert message._state.adding
    mark_saved(message, written.pk)
    assert message.pk == written.pk and not message._state.adding and message._state.db == connection.alias
    message.save()
    assert OutboxMessage.objects.count() == 1 and OutboxMessage.objects.get().args == [1]


@pytest.mark.django_db(transaction=True)
def test_a_hook_is_registered_until_its_savepoint_rolls_back():
    def hook() -> None:
        """Does nothing: only its registration is looked at."""

    with transaction.atomic():
        assert not on_commit_registered(hook)
        with pytest.raises(RuntimeError), transaction.atomic():
            transaction.on_commit(hook)
            assert on_commit_registered(hook)
            raise RuntimeError  # the savepoint rolls back, and its hook with it
        assert not on_commit_registered(hook)
        transaction.on_commit(hook)
        assert on_commit_registered(hook)
