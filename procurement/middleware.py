"""Stamps each request with the server time it was received: that time decides deadlines."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone


class RequestReceivedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.received_at = timezone.now()
        return self.get_response(request)


def received_at(request: HttpRequest) -> datetime:
    """The time the request reached the server (falls back to now outside a request)."""
    return getattr(request, "received_at", None) or timezone.now()
