"""The portal's shared machinery: running a service from a form, domain errors as pages, the navigation.

Portal views call the same services as the API. A service's ValidationFailed is shown next to the form's fields
(the user's input is kept), a Conflict above the form with status 409; Forbidden and NotFound become the 403 and
404 pages, on record like the API's refusals (procurement/securitylog.py)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import roles_of
from .errors import DATABASE_UNAVAILABLE, Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from .securitylog import refusal_record

logger = logging.getLogger(__name__)


def _messages_of(value) -> list[str]:
    """Error entries of a service ({"code", "message"} dicts, lists of them, or plain strings) as sentences."""
    if isinstance(value, dict) and "message" in value:
        return [str(value["message"])]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages_of(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages_of(v)]
    return [str(value)]


def apply_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's errors on the form: on the field they name (nested names too), or above the form."""
    placed = []

    def place(name, value):
        if isinstance(value, dict) and "message" not in value:
            for inner, inner_value in value.items():
                place(inner, inner_value)
            return
        for message in _messages_of(value):
            form.add_error(name if name in form.fields else None, message)
            placed.append(message)

    for name, value in (error.errors or {}).items():
        place(name, value)
    if not placed or not isinstance(error, ValidationFailed):
        form.add_error(None, str(error.message))


def run_service(form: forms.Form, call: Callable[[], object]) -> tuple[object | None, int]:
    """Run `call()` for a valid form. Returns (result, 200), or (None, status) with the errors on the form.

    Forbidden and NotFound are not form errors: they propagate and become the 403/404 page."""
    try:
        return call(), 200
    except (Forbidden, NotFound):
        raise
    except (ValidationFailed, Conflict) as error:
        apply_errors(form, error)
        return None, error.status_code


def render_form(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    form = context.get("form")
    if form is not None and form.errors and status == 200:
        status = 400
    return render(request, template, context, status=status)


def done(request: HttpRequest, message) -> None:
    messages.success(request, message)


class PortalErrorMiddleware:
    """Domain errors raised by portal views become pages with the right status, and refusals are audited."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, OperationalError | InterfaceError):
            return _database_unavailable(request, exception)
        if not isinstance(exception, DomainError):
            return None
        status = exception.status_code
        if status in (403, 404):
            refusal_record(request=request, status=status, code=exception.code)
        return render(
            request,
            "portal/error.html",
            {"status": status, "message": exception.message, "code": exception.code},
            status=status,
        )


def _database_unavailable(request, exception) -> HttpResponse:
    """The database connection was lost: a 503 page that needs no database (no navigation, session or messages).

    The request's transaction was rolled back unless its commit had already succeeded, so sending the form again
    is safe (a submission carries its idempotency key)."""
    logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=exception)
    context = {"status": 503, "message": DATABASE_UNAVAILABLE, "code": "database_unavailable"}
    return HttpResponse(render_to_string("portal/error.html", context), status=503, headers={"Retry-After": "5"})


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str


def _link(name: str, label) -> NavLink | None:
    try:
        return NavLink(reverse(name), label)
    except Exception:  # a part of the portal that is not installed
        return None


def navigation(request) -> dict:
    """The links of the header, by the user's roles (a context processor)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        links = [_link("tenders:search", _("Calls for tenders"))]
        return {"nav_links": [x for x in links if x], "portal_roles": roles_of(None)}
    roles = roles_of(user)
    links = [_link("portal:home", _("Front page"))]
    if roles.provider_of:
        links += [
            _link("tenders:search", _("Calls for tenders")),
            _link("bids:mine", _("My bids")),
            _link("tenders:alerts", _("Alerts")),
            _link("portal:organisation", _("Organisation")),
        ]
    if roles.officer_of or roles.evaluator_of or roles.decision_maker_of:
        links += [_link("tenders:dashboard", _("Our calls"))]
    if roles.auditor_of or roles.auditor_of_all:
        links += [_link("documents:audit", _("Audit"))]
    links.append(_link("portal:inbox", _("Notifications")))
    return {"nav_links": [x for x in links if x], "portal_roles": roles}
