"""Encryption at rest of the tender box: one data key per call, wrapped by a key-encryption key from the
environment, AES-256-GCM with associated data that binds each ciphertext to the row it belongs to."""

import base64
import json
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

NONCE_BYTES = 12


class SealBroken(Exception):
    """A ciphertext does not open with its key and context: it was changed or moved."""


@lru_cache(maxsize=8)
def _keks(config: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in config.split(","))):
        kek_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise ImproperlyConfigured(f"Key {kek_id!r} of HANKINTA_KEKS is not 32 bytes.")
        keys[kek_id] = key
    if not keys:
        raise ImproperlyConfigured("HANKINTA_KEKS is empty: bids cannot be sealed.")
    return keys


def _current_kek() -> tuple[str, bytes]:
    keys = _keks(settings.HANKINTA_KEKS)
    kek_id = next(iter(keys))
    return kek_id, keys[kek_id]


def encrypt(key: bytes, plaintext: bytes, context: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def decrypt(key: bytes, blob: bytes, context: str) -> bytes:
    blob = bytes(blob)
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except InvalidTag as exc:
        raise SealBroken(context) from exc


# The wrapped data keys (never the unwrapped ones) of recent calls, so that a process need not read the row again
# for each seal in the deadline rush. A row changes only when `data_keys_rewrap` wraps the same data key anew, and
# the wrapping kept here stays good as long as its key-encryption key is configured (removing one means a restart).
_WRAPPED: dict[tuple[str, int], tuple[str, bytes]] = {}
_WRAPPED_MAX = 256


def _data_key(tender_id: int) -> bytes:
    from .models import TenderKey

    slot = (connection.settings_dict["NAME"], tender_id)
    cached = _WRAPPED.get(slot)
    if cached is not None:
        return _unwrap(tender_id, *cached)
    row = TenderKey.objects.filter(tender_id=tender_id).first()
    if row is None:
        kek_id, kek = _current_kek()
        key = AESGCM.generate_key(bit_length=256)
        try:
            with transaction.atomic():
                row = TenderKey.objects.create(
                    tender_id=tender_id, kek_id=kek_id, wrapped_key=encrypt(kek, key, f"tender-key:{tender_id}")
                )
            wrapped = (row.kek_id, bytes(row.wrapped_key))
            transaction.on_commit(lambda: _remember(slot, wrapped))
            return key
        except IntegrityError:  # another request created it first
            row = TenderKey.objects.get(tender_id=tender_id)
    key = _unwrap(tender_id, row.kek_id, bytes(row.wrapped_key))
    wrapped = (row.kek_id, bytes(row.wrapped_key))
    # Kept only once committed: a key made in a transaction that rolls back must not outlive it.
    transaction.on_commit(lambda: _remember(slot, wrapped))
    return key


def _remember(slot, wrapped: tuple[str, bytes]) -> None:
    if len(_WRAPPED) >= _WRAPPED_MAX:
        _WRAPPED.clear()
    _WRAPPED[slot] = wrapped


def _unwrap(tender_id: int, kek_id: str, wrapped: bytes) -> bytes:
    keys = _keks(settings.HANKINTA_KEKS)
    if kek_id not in keys:
        raise ImproperlyConfigured(f"The key {kek_id!r} that wraps this call's data key is not configured.")
    return decrypt(keys[kek_id], wrapped, f"tender-key:{tender_id}")


def data_keys_rewrap(*, dry_run: bool = False) -> dict[str, int]:
    """Wrap every call's data key with the newest key-encryption key (the first of HANKINTA_KEKS), so that the older
    ones can be retired. The data keys themselves do not change, so nothing sealed with them is touched and the
    wrapped keys that processes keep stay good while the old key is still configured. Each key is re-wrapped in a
    transaction of its own, with an audit event; a key whose key-encryption key is missing stops the run before
    anything is written (ImproperlyConfigured). Answers how many keys were re-wrapped (or would be) by old key id."""
    from procurement.audit import audit_record

    from .models import TenderKey

    keys = _keks(settings.HANKINTA_KEKS)
    newest_id, newest = _current_kek()
    stale = TenderKey.objects.exclude(kek_id=newest_id)
    missing = sorted(set(stale.values_list("kek_id", flat=True)) - set(keys))
    if missing:
        raise ImproperlyConfigured(
            f"HANKINTA_KEKS lacks the key-encryption keys {', '.join(map(repr, missing))} that wrap some calls' data "
            "keys; add them back (after the newest) to re-wrap those keys."
        )
    counts: dict[str, int] = {}
    for pk in stale.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            row = TenderKey.objects.select_for_update().filter(pk=pk).exclude(kek_id=newest_id).first()
            if row is None:  # re-wrapped meanwhile by another run
                continue
            counts[row.kek_id] = counts.get(row.kek_id, 0) + 1
            if dry_run:
                continue
            key = _unwrap(row.tender_id, row.kek_id, bytes(row.wrapped_key))
            old_id = row.kek_id
            row.kek_id, row.wrapped_key = newest_id, encrypt(newest, key, f"tender-key:{row.tender_id}")
            row.save(update_fields=["kek_id", "wrapped_key"])
            audit_record(
                action="tender_key.rewrap",
                obj=row,
                tender_id=row.tender_id,
                before={"kek_id": old_id},
                after={"kek_id": newest_id},
            )
    return counts


def seal(tender_id: int, plaintext: bytes, context: str) -> bytes:
    return encrypt(_data_key(tender_id), plaintext, context)


def unseal(tender_id: int, blob: bytes, context: str) -> bytes:
    return decrypt(_data_key(tender_id), blob, context)


def seal_json(tender_id: int, data: dict, context: str) -> bytes:
    return seal(tender_id, canonical_json(data), context)


def unseal_json(tender_id: int, blob: bytes, context: str) -> dict:
    return json.loads(unseal(tender_id, blob, context))


def unseal_json_many(tender_id: int, items: list[tuple[bytes, str]]) -> list[dict]:
    """Several (ciphertext, context) pairs of one call opened with its data key, looked up once."""
    if not items:
        return []
    key = _data_key(tender_id)
    return [json.loads(decrypt(key, blob, context)) for blob, context in items]


def canonical_json(data: dict) -> bytes:
    """One byte sequence per content, so that its SHA-256 identifies it."""
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
