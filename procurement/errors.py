"""Domain errors: each has an HTTP status, a stable machine-readable code and a translated sentence."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(self, message=None, *, code: str | None = None, errors: dict | None = None, **extra):
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.errors = errors or {}
        self.extra = extra
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "invalid"
    default_message = _("Some fields are not valid.")


class Conflict(DomainError):
    status_code = 409
    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"

    def __init__(self, *, action: str, state: str, allowed: Iterable[str], state_label=None, message=None, code=None):
        allowed = sorted(allowed)
        if message is None:
            message = _("“%(action)s” is not possible while the status is “%(state)s”.") % {
                "action": action,
                "state": state_label or state,
            }
        super().__init__(message, code=code, action=action, status=state, allowed_actions=allowed)


class Forbidden(DomainError):
    status_code = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


# What a user is told when the database connection is lost during a request (HTTP 503, code database_unavailable).
DATABASE_UNAVAILABLE = _("The database could not be reached just now. Try again in a moment.")
