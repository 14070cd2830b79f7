"""Attachment names and purposes sealed like the bid's content: a column for the ciphertext, filled from the plain
columns of the existing rows (which the next migration drops)."""

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import migrations, models

# Frozen here as the code had them when this migration was written: the migration must keep working if they change.
CONTEXT = "attachment-meta:{bid_id}:{pk}"


def _data_key(TenderKey, tender_id: int) -> bytes:
    """The call's data key, as bids.sealing keeps it (made and wrapped with the newest key-encryption key if the call
    has none yet)."""
    from bids import sealing

    row = TenderKey.objects.filter(tender_id=tender_id).first()
    if row is not None:
        return sealing._unwrap(tender_id, row.kek_id, bytes(row.wrapped_key))
    kek_id, kek = sealing._current_kek()
    key = AESGCM.generate_key(bit_length=256)
    TenderKey.objects.create(
        tender_id=tender_id, kek_id=kek_id, wrapped_key=sealing.encrypt(kek, key, f"tender-key:{tender_id}")
    )
    return key


def seal_names(apps, schema_editor):
    from bids.sealing import canonical_json, encrypt

    BidAttachment = apps.get_model("bids", "BidAttachment")
    TenderKey = apps.get_model("bids", "TenderKey")
    keys: dict[int, bytes] = {}
    rows = BidAttachment.objects.filter(sealed_meta__isnull=True).select_related("bid").order_by("pk")
    for attachment in rows.iterator(chunk_size=500):
        tender_id = attachment.bid.tender_id
        if tender_id not in keys:
            keys[tender_id] = _data_key(TenderKey, tender_id)
        meta = {"filename": attachment.filename, "purpose": attachment.purpose}
        attachment.sealed_meta = encrypt(
            keys[tender_id], canonical_json(meta), CONTEXT.format(bid_id=attachment.bid_id, pk=attachment.pk)
        )
        attachment.save(update_fields=["sealed_meta"])


def unseal_names(apps, schema_editor):
    """Back to the plain columns (which the reversed next migration has put back)."""
    import json

    from bids.sealing import decrypt

    BidAttachment = apps.get_model("bids", "BidAttachment")
    TenderKey = apps.get_model("bids", "TenderKey")
    keys: dict[int, bytes] = {}
    rows = BidAttachment.objects.filter(sealed_meta__isnull=False).select_related("bid").order_by("pk")
    for attachment in rows.iterator(chunk_size=500):
        tender_id = attachment.bid.tender_id
        if tender_id not in keys:
            keys[tender_id] = _data_key(TenderKey, tender_id)
        meta = json.loads(
            decrypt(keys[tender_id], attachment.sealed_meta, CONTEXT.format(bid_id=attachment.bid_id, pk=attachment.pk))
        )
        attachment.filename, attachment.purpose = meta["filename"], meta["purpose"]
        attachment.save(update_fields=["filename", "purpose"])


class Migration(migrations.Migration):
    dependencies = [
        ("bids", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="bidattachment",
            name="sealed_meta",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.RunPython(seal_names, unseal_names, elidable=False),
    ]
