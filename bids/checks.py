"""System check: the tender box cannot work without a valid key-encryption key."""

import binascii

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def sealing_keys_check(app_configs=None, **kwargs):
    from .sealing import _keks

    try:
        _keks(settings.HANKINTA_KEKS)
    except (ImproperlyConfigured, binascii.Error, ValueError) as exc:
        return [
            Error(
                f"HANKINTA_KEKS is not usable: {exc}",
                hint='Set HANKINTA_KEKS to "id:base64 of 32 random bytes" (newest first, comma-separated).',
                id="bids.E001",
            )
        ]
    return []
