"""The hand-written statements of the submission: instances read as a queryset reads them, and several rows
written in one statement exactly as save() writes them."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.audit import audit_event
from procurement.fastpath import from_json, from_row, save_together
from procurement.models import AuditEvent, OutboxMessage
from tenders.models import Tender, TenderStatus
from tests.fixtures import factories

pytestmark = pytest.mark.django_db


def _row(instance: Model) -> dict:
    row = type(instance).objects.filter(pk=instance.pk).values().get()
    row.pop("id")
    return row


def _event(actor, tender) -> AuditEvent:
    return audit_event(
        action="test.write",
        actor=actor,
        obj=tender,
        before={"status": "draft"},
        after={"status": "published", "lista": [1, "kaksi", None]},
        detail={"ääkköset": "Åbo", "määrä": 3.5, "tyhjä": {}},
        ip_address="2001:db8::1",
    )


def test_the_rows_are_those_save_writes_in_one_statement(officer):
    tender = factories.TenderFactory(status=TenderStatus.DRAFT)
    by_orm, together = _event(officer, tender), _event(officer, tender)
    together.at, together.salt = by_orm.at, by_orm.salt  # the same event twice: its random salt too
    by_orm.save()
    message = OutboxMessage(task="outbox.purge", args=[None, 7])
    stale = Tender.objects.get(pk=tender.pk)
    stale.title_fi = "Jälkeen"

    with CaptureQueriesContext(connection) as captured:
        written = save_together(
            together,
            update=stale,
            fields=["title_fi"],
            where={"status": "draft"},
            then=[(message, {"args": ("jsonb_build_array({first_pk}, %s)", [7])})],
        )

    assert len(captured.captured_queries) == 1
    assert written is True and Tender.objects.get(pk=tender.pk).title_fi == "Jälkeen"
    assert not together._state.adding and together.pk != by_orm.pk and not message._state.adding
    assert _row(together) == _row(by_orm)
    # an expression can read the first row's new primary key
    assert OutboxMessage.objects.get(pk=message.pk).args == [together.pk, 7]


def test_an_update_writes_only_its_fields_and_only_where_the_condition_still_holds(officer):
    tender = factories.TenderFactory(status=TenderStatus.DRAFT, title_fi="Ennen")
    stale = Tender.objects.get(pk=tender.pk)
    stale.title_fi, stale.title_sv = "Jälkeen", "Efter"
    before = stale.updated_at

    refused = _event(officer, tender)
    fields = ["title_fi", "updated_at"]
    assert save_together(refused, update=stale, fields=fields, where={"status": "published"}) is False
    assert Tender.objects.get(pk=tender.pk).title_fi == "Ennen"
    assert AuditEvent.objects.filter(pk=refused.pk).exists()  # the inserts are written all the same: the caller
    # raises on a refused update, which rolls them back with its transaction

    assert save_together(_event(officer, tender), update=stale, fields=fields, where={"status": "draft"}) is True
    now = Tender.objects.get(pk=tender.pk)
    assert now.title_fi == "Jälkeen" and now.title_sv != "Efter"  # only the named fields
    assert now.updated_at > before  # auto_now, as save() sets it


def test_a_failing_part_writes_nothing_at_all(officer):
    tender = factories.TenderFactory(status=TenderStatus.DRAFT, title_fi="Ennen")
    first = _event(officer, tender)
    first.save()
    duplicate = OutboxMessage(task="outbox.purge", args=[])
    clash = _event(officer, tender)
    clash.pk = first.pk  # the same primary key: the whole statement is refused
    stale = Tender.objects.get(pk=tender.pk)
    stale.title_fi = "Jälkeen"
    with pytest.raises(IntegrityError), transaction.atomic():
        save_together(duplicate, update=stale, fields=["title_fi"], where={}, then=[(clash, {})])
    assert not OutboxMessage.objects.exists()
    assert AuditEvent.objects.filter(action="test.write").count() == 1
    assert Tender.objects.get(pk=tender.pk).title_fi == "Ennen"


def _fields(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_row_and_rows_as_json_become_the_instances_a_queryset_makes(officer):
    from bids.content import attachment_meta_seal, attachments_unseal
    from bids.models import BidAttachment
    from bids.selectors import bid_lock_with_tender
    from bids.services import bid_create
    from tests.fixtures.stages import full_content

    tender = factories.TenderFactory(
        status=TenderStatus.PUBLISHED, published_at=timezone.now(), cpv_additional=["80580000-3"], bid_languages=["fi"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 AS extra, t.* FROM tenders_tender t WHERE t.id = %s", [tender.pk])
        row, columns = cursor.fetchone(), [c.name for c in cursor.description]
    read = from_row(Tender, columns, row)
    assert _fields(read) == _fields(Tender.objects.get(pk=tender.pk))  # JSON fields decoded, columns in order
    assert not read._state.adding

    member = factories.provider_member_of(factories.ProviderFactory())
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    for name in ("b.pdf", "a.pdf"):
        attachment = BidAttachment(bid=bid, declared_size=10, size=10, uploaded_by=member)
        attachment_meta_seal(attachment, tender.pk, filename=name, purpose="other")
        attachment.save()
    with transaction.atomic():
        locked_tender, locked = bid_lock_with_tender(bid_id=bid.pk, user=member)
        with CaptureQueriesContext(connection) as captured:
            attachments = list(locked.attachments.all())
    assert not captured.captured_queries  # read with the bid
    assert _fields(locked) == _fields(type(bid).objects.get(pk=bid.pk))
    expected = list(BidAttachment.objects.filter(bid=bid).order_by("created_at", "id"))
    assert [_fields(a) for a in attachments] == [_fields(a) for a in expected]
    # oldest first, and the sealed name (bytea, as base64 in the JSON) opens
    assert [a.filename for a in attachments_unseal(tender.pk, attachments)] == ["b.pdf", "a.pdf"]
    assert _fields(locked_tender) == _fields(Tender.objects.get(pk=tender.pk)) and locked.tender is locked_tender
    assert from_json(BidAttachment, "[]") == []
