"""System checks: the tender box cannot work without a valid key-encryption key, nor with unreadable limits."""

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


@register()
def submission_rates_check(app_configs=None, **kwargs):
    from .services import submission_rate

    errors = []
    for name in ("BID_SUBMISSIONS_PER_BID", "BID_SUBMISSIONS_PER_USER"):
        try:
            submission_rate(settings.HANKINTA[name])
        except ImproperlyConfigured as exc:
            errors.append(Error(f"{name} is not usable: {exc}", hint='For example "3/min".', id="bids.E002"))
    return errors
