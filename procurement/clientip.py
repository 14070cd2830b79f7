"""The client's address, in one place for the sign-in throttles, django-axes and the audit log."""

from django.conf import settings
from ipware import get_client_ip


def client_ip(request) -> str | None:
    """The address of the client that sent the request.

    With no trusted proxy (TRUSTED_PROXY_COUNT=0, the default) it is the socket's peer, and no header is read: a
    client could write anything there. Behind TRUSTED_PROXY_COUNT reverse proxies of our own, each of which appends
    the address it received the request from to X-Forwarded-For, it is the entry that the outermost proxy wrote:
    the TRUSTED_PROXY_COUNT-th from the right. What the client itself put to the left of it is ignored."""
    request = getattr(request, "_request", request)  # a DRF request: Django's own
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        # django-ipware counts the proxies listed in the header, not the nearest one, which is the socket's peer.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address is not None:
            return address
    # Without the proxies' header (a request that did not come through them, e.g. a health check): the peer.
    return request.META.get("REMOTE_ADDR") or None
