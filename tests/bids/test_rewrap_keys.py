"""Retiring a key-encryption key: `manage.py rewrap_keys` wraps every call's data key with the newest one, and the
sealed bids still open once the old key is gone."""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bids import sealing
from bids.content import draft_content
from bids.models import Bid, TenderKey
from bids.services import bid_create
from procurement.models import AuditEvent
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.stages import full_content

pytestmark = pytest.mark.django_db

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()
GONE = "gone:" + base64.b64encode(b"g" * 32).decode()


@pytest.fixture(autouse=True)
def _forget_wrapped_keys():
    yield
    sealing._WRAPPED.clear()


def _use(settings, keks: str) -> None:
    """What a restart with another HANKINTA_KEKS gives: no wrapped key kept from before."""
    settings.HANKINTA_KEKS = keks
    sealing._WRAPPED.clear()


def _drafts(count: int) -> list[Bid]:
    drafts = []
    for _ in range(count):
        tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now())
        member = factories.provider_member_of(factories.ProviderFactory())
        drafts.append(
            bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
        )
    return drafts


def _rewrap(*args) -> str:
    out = StringIO()
    call_command("rewrap_keys", *args, stdout=out)
    return out.getvalue()


def test_the_data_keys_are_wrapped_anew_and_the_bids_open_without_the_old_key(settings):
    _use(settings, OLD)
    drafts = _drafts(2)
    contents = [draft_content(bid) for bid in drafts]
    before = {row.pk: bytes(row.wrapped_key) for row in TenderKey.objects.all()}
    _use(settings, f"{NEW},{OLD}")
    _drafts(1)  # a new call's key is wrapped by the newest key already

    assert _rewrap("--dry-run") == "Data keys would be re-wrapped: 2 (2 from 'old').\n"
    assert set(TenderKey.objects.values_list("kek_id", flat=True)) == {"old", "new"}
    assert _rewrap() == "Data keys re-wrapped: 2 (2 from 'old').\n"
    assert set(TenderKey.objects.values_list("kek_id", flat=True)) == {"new"}
    assert all(bytes(TenderKey.objects.get(pk=pk).wrapped_key) != wrapped for pk, wrapped in before.items())
    events = AuditEvent.objects.filter(action="tender_key.rewrap")
    assert sorted(e.tender_id for e in events) == sorted(bid.tender_id for bid in drafts)
    assert all((e.before, e.after) == ({"kek_id": "old"}, {"kek_id": "new"}) for e in events)
    assert _rewrap() == "Data keys re-wrapped: 0 (none).\n"

    _use(settings, NEW)  # the old key retired
    assert [draft_content(Bid.objects.get(pk=bid.pk)) for bid in drafts] == contents


def test_a_missing_key_stops_the_run_before_anything_is_written(settings):
    _use(settings, GONE)
    _drafts(1)
    _use(settings, OLD)
    _drafts(1)
    _use(settings, f"{NEW},{OLD}")  # "gone" is not configured any more
    with pytest.raises(CommandError, match="'gone'") as refused:
        _rewrap()
    assert refused.value.returncode == 2
    assert sorted(TenderKey.objects.values_list("kek_id", flat=True)) == ["gone", "old"]
    assert not AuditEvent.objects.filter(action="tender_key.rewrap").exists()


def test_a_changed_wrapped_key_is_reported_and_left_as_it_was(settings):
    _use(settings, OLD)
    [bid] = _drafts(1)
    row = TenderKey.objects.get(tender_id=bid.tender_id)
    changed = bytearray(bytes(row.wrapped_key))
    changed[-1] ^= 1
    TenderKey.objects.filter(pk=row.pk).update(wrapped_key=bytes(changed))
    _use(settings, f"{NEW},{OLD}")
    with pytest.raises(CommandError, match="does not open"):
        _rewrap()
    row.refresh_from_db()
    assert (row.kek_id, bytes(row.wrapped_key)) == ("old", bytes(changed))
