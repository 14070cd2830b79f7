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


# The wrapped data keys (never the unwrapped ones) of recent calls: a row is written once and never changes, so
# that a process need not read it again for each seal in the deadline rush.
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


def seal(tender_id: int, plaintext: bytes, context: str) -> bytes:
    return encrypt(_data_key(tender_id), plaintext, context)


def unseal(tender_id: int, blob: bytes, context: str) -> bytes:
    return decrypt(_data_key(tender_id), blob, context)


def seal_json(tender_id: int, data: dict, context: str) -> bytes:
    return seal(tender_id, canonical_json(data), context)


def unseal_json(tender_id: int, blob: bytes, context: str) -> dict:
    return json.loads(unseal(tender_id, blob, context))


def canonical_json(data: dict) -> bytes:
    """One byte sequence per content, so that its SHA-256 identifies it."""
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
