"""The bids app's data migrations: what was stored in plain before is sealed by them, and they can be reversed."""

import pytest
from django.db import connection
from django.utils import timezone

from bids.content import attachments_unseal
from bids.models import Bid, BidAttachment, TenderKey
from bids.services import bid_create
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.migrations import migrate
from tests.fixtures.stages import full_content

BEFORE = [("bids", "0002_initial")]


def _columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "bids_bidattachment")}


@pytest.mark.django_db(transaction=True)
def test_existing_attachment_names_are_sealed_and_their_plain_columns_dropped(authority):
    # given two bids (one on a call that has no data key yet) whose files were stored with plain names
    keyed = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    unkeyed = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    member = factories.provider_member_of(factories.ProviderFactory())
    bids = [
        bid_create(actor=member, tender_id=keyed.pk, received_at=timezone.now(), content=full_content(keyed)),
        Bid.objects.create(tender=unkeyed, provider=member.memberships.get().provider, created_by=member),
    ]
    assert not TenderKey.objects.filter(tender=unkeyed).exists()
    purpose = f"criterion:{keyed.criteria.first().pk}"
    try:
        old = migrate(BEFORE).get_model("bids", "BidAttachment")
        assert {"filename", "purpose"} <= _columns()
        for bid, name, why in ((bids[0], "Hinnoittelu-4ZQ.pdf", purpose), (bids[1], "Liite-7JD.pdf", "other")):
            old.objects.create(bid_id=bid.pk, filename=name, purpose=why, declared_size=10, uploaded_by_id=member.pk)

        # when the migrations run
        migrate()

        # then the table has no plain name or purpose left, and each sealed one opens with its call's key
        assert not {"filename", "purpose"} & _columns()
        with connection.cursor() as cursor:
            cursor.execute("SELECT t::text FROM bids_bidattachment t")
            dump = " ".join(row[0] for row in cursor.fetchall())
        assert "Hinnoittelu-4ZQ" not in dump and "Liite-7JD" not in dump and purpose not in dump
        for bid, expected in ((bids[0], ("Hinnoittelu-4ZQ.pdf", purpose)), (bids[1], ("Liite-7JD.pdf", "other"))):
            (attachment,) = attachments_unseal(bid.tender_id, list(BidAttachment.objects.filter(bid=bid)))
            assert (attachment.filename, attachment.purpose) == expected
        assert TenderKey.objects.filter(tender=unkeyed).exists()

        # and going back puts the plain names back
        old = migrate(BEFORE).get_model("bids", "BidAttachment")
        assert sorted(old.objects.values_list("filename", "purpose")) == [
            ("Hinnoittelu-4ZQ.pdf", purpose),
            ("Liite-7JD.pdf", "other"),
        ]
    finally:
        migrate()
