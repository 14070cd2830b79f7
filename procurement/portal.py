"""The portal's shared machinery: running a service from a form, domain errors as pages, the navigation.

Portal views call the same services as the API, each through `run_service` (a write, for a form or a button) or
`read` (a selector). A service's ValidationFailed is shown next to the form's fields (the user's input is kept), a
Conflict above the form with status 409; Forbidden and NotFound become the 403 and 404 pages, on record like the
API's refusals (procurement/securitylog.py). A refused read is never discarded: it is the error page, or the page
the view names for it."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import roles_of
from .errors import DATABASE_UNAVAILABLE, Conflict, DomainError, NotFound, ValidationFailed
from .securitylog import refusal_record

logger = logging.getLogger(__name__)

T = TypeVar("T")


def error_messages(value) -> list[str]:
    """Error entries of a service ({"code", "message"} dicts, lists of them, or plain strings) as sentences."""
    if isinstance(value, dict) and "message" in value:
        return [str(value["message"])]
    if isinstance(value, dict):
        return [m for v in value.values() for m in error_messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in error_messages(v)]
    return [str(value)]


def place_errors(form: forms.Form, error: DomainError, children: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Put a service's errors on the form: on the field they name (nested names too), or above the form; its
    message above the form too unless it is a validation whose every error found a place.

    Errors about the child rows named in `children` (lots, criteria, requirements) are not put on the form: they are
    returned by child, to be shown above their table."""
    child_errors = {key: error_messages(value) for key, value in (error.errors or {}).items() if key in children}
    rest = {key: value for key, value in (error.errors or {}).items() if key not in children}
    if child_errors and not rest and isinstance(error, ValidationFailed):
        return child_errors
    placed = []

    def place(name, value):
        if isinstance(value, dict) and "message" not in value:
            for inner, inner_value in value.items():
                place(inner, inner_value)
            return
        for message in error_messages(value):
            form.add_error(name if name in form.fields else None, message)
            placed.append(message)

    for name, value in rest.items():
        place(name, value)
    if not placed or not isinstance(error, ValidationFailed):
        form.add_error(None, str(error.message))
    return child_errors


@dataclass(frozen=True)
class Outcome:
    """What running a service for a page gave: its result (`ok`), or the status to show the page again with, and
    the service's refusal (`error`, None for a form that was not valid) with the errors of its child rows."""

    result: object = None
    status: int = 200
    error: DomainError | None = None
    child_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200


def run_service(
    form: forms.Form | None,
    action: Callable[[], object],
    *,
    children: tuple[str, ...] = (),
    place: Callable[[DomainError], object] | None = None,
) -> Outcome:
    """The one way a portal view runs a service for a form (or for a button: `form` None).

    A form that is not valid (its own checks, or errors the view added) is not sent: 400. A ValidationFailed (400)
    or a Conflict (409) of the service is put on the form, by `place(error)` when the form has its own mapping, else
    by `place_errors` (with `children`); the page is shown again with `Outcome.status`. Forbidden and NotFound (and
    any other domain error) are not form errors: they propagate and become the 403/404 page, on record
    (PortalErrorMiddleware)."""
    if form is not None and not form.is_valid():
        return Outcome(status=400)
    try:
        return Outcome(result=action())
    except (ValidationFailed, Conflict) as error:
        child_errors: dict[str, list[str]] = {}
        if place is not None:
            place(error)
        elif form is not None:
            child_errors = place_errors(form, error, children)
        return Outcome(status=error.status_code, error=error, child_errors=child_errors)


def run_and_tell(request: HttpRequest, action: Callable[[], object], message) -> Outcome:
    """A service run by a button of a page that is redirected to either way: done, `message` is shown (a callable is
    given the result); refused with a validation or a conflict, its reason is shown as an error instead."""
    outcome = run_service(None, action)
    if outcome.ok:
        done(request, message(outcome.result) if callable(message) else message)
    else:
        messages.error(request, str(outcome.error.message))
    return outcome


class RefusedRead(Exception):
    """Raised by `read` with the page that says why a read was refused; PortalErrorMiddleware answers with it."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def read(action: Callable[[], T], *, refused: Callable[[DomainError], HttpResponse] | None = None) -> T:
    """The one way a portal view reads through a selector. A refusal is never discarded: without `refused` it
    propagates (the 403, 404 or 409 page); with it, a refusal other than NotFound answers the request with the page
    `refused(error)` (such as the panel's page that says how to get a seat on it)."""
    try:
        return action()
    except NotFound:
        raise
    except DomainError as error:
        if refused is None:
            raise
        raise RefusedRead(refused(error)) from error


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
        if isinstance(exception, RefusedRead):
            return exception.response
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
        links = [_link("tenders:search", _("Calls for tenders")), _link("public:calls", _("Public records"))]
        return {"nav_links": [x for x in links if x], "portal_roles": roles_of(None)}
    roles = roles_of(user)
    links = [_link("portal:home", _("Front page"))]
    if roles.provider_of:
        links += [
            _link("tenders:search", _("Calls for tenders")),
            _link("bids:mine", _("My bids")),
            _link("call_offs:orders", _("Orders")),
            _link("tenders:alerts", _("Alerts")),
            _link("portal:organisation", _("Organisation")),
        ]
    if roles.officer_of or roles.evaluator_of or roles.decision_maker_of:
        links += [_link("tenders:dashboard", _("Our calls"))]
    if roles.officer_of or roles.auditor_of or roles.auditor_of_all:
        links += [_link("frameworks:list", _("Framework agreements"))]
    if roles.auditor_of or roles.auditor_of_all:
        links += [_link("documents:audit", _("Audit"))]
    links += [_link("public:calls", _("Public records")), _link("portal:inbox", _("Notifications"))]
    return {"nav_links": [x for x in links if x], "portal_roles": roles}
