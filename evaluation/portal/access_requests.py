"""Portal pages of requests for documents: a bidder's form and its requests, the officer's list of a call's requests
and the decision form, and the public form and link page (no sign-in)."""

from django.http import HttpRequest, HttpResponse


def public_request(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


def public_token(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def public_file(request: HttpRequest, token: str, document_id: int) -> HttpResponse:
    raise NotImplementedError
