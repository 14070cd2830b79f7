"""One JSON shape for every error: {"code", "detail", "errors"?, ...}, with translated sentences."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from procurement.clientip import client_ip
from procurement.errors import DATABASE_UNAVAILABLE, DomainError
from procurement.securitylog import refusal_record, security_record

logger = logging.getLogger(__name__)


def _field_errors(data) -> dict | list:
    """Turn DRF's nested ErrorDetail structures into {field: [{"code", "message"}]}."""
    if isinstance(data, dict):
        return {key: _field_errors(value) for key, value in data.items()}
    if isinstance(data, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in data):
            return [{"code": item.code, "message": str(item)} for item in data]
        return [_field_errors(item) for item in data]
    if isinstance(data, exceptions.ErrorDetail):
        return [{"code": data.code, "message": str(data)}]
    return data


REFUSALS = (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND)


def _client_ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection to the database was lost (a restart, a fail-over, a dropped connection): the request's
        # transaction was rolled back unless its commit had already succeeded, so repeating the request is safe
        # (a submission with the same Idempotency-Key gives the same receipt).
        logger.error(
            "Database unavailable: %s %s", getattr(request, "method", ""), getattr(request, "path", ""), exc_info=exc
        )
        return Response(
            {"code": "database_unavailable", "detail": str(DATABASE_UNAVAILABLE)},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": str(exc.message)}
        if exc.errors:
            body["errors"] = _field_errors(exc.errors)
        body.update(exc.extra)
        status_code = exc.status_code
    elif isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": _("Some fields are not valid."), "errors": _field_errors(exc.detail)}
        status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        codes = exc.get_codes()
        body = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "detail": str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail),
        }
        status_code = exc.status_code
    else:
        return None

    if status_code in REFUSALS and request is not None:
        # Every refusal, and every look-up of something that is not there or not the caller's, is on record
        # (Annex IV g): a user's in the audit chain, an anonymous one in the security log. It is written here, after
        # the service's transaction has rolled back.
        refusal_record(request=request, status=status_code, code=body["code"])
    elif status_code == status.HTTP_429_TOO_MANY_REQUESTS and request is not None:
        security_record(
            action="access.throttled",
            ip_address=_client_ip(request),
            method=request.method,
            path=request.path,
            status=status_code,
            code=body["code"],
        )
    headers = {}
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    return Response(body, status=status_code, headers=headers)


def page_not_found(request, exception=None):
    """Django's answer to a URL that matches no route (handler404): under /api/ the API's JSON error, on record
    like the API's other look-ups of what is not there; elsewhere Django's page."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    refusal_record(request=request, status=404, code="not_found")
    return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
