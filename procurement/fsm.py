"""Running django-fsm transitions the same way everywhere: permission, state and guards, save, audit."""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed

from .audit import audit_record
from .errors import Conflict, Forbidden, TransitionNotAllowed


def guard(message, code: str) -> Callable[[Callable], Callable]:
    """Mark a transition condition with the error a user sees when it does not hold."""

    def decorate(predicate: Callable) -> Callable:
        predicate.message = message
        predicate.code = code
        return predicate

    return decorate


def _transition_for(obj: models.Model, action: str):
    method = getattr(type(obj), action, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise ValueError(f"{type(obj).__name__}.{action} is not a transition")
    return meta


def _permission_of(meta) -> Callable | None:
    for transition in meta.transitions.values():
        return transition.permission
    return None


def allowed_actions(obj: models.Model, actor, field: str = "status") -> list[str]:
    """The transitions this actor may run on the object now (state, guards and permission)."""
    getter = getattr(obj, f"get_available_{field}_transitions")
    return sorted({t.name for t in getter() if t.has_perm(obj, actor)})


def transition_permission_check(*, obj: models.Model, action: str, actor) -> None:
    """Forbidden unless `actor` holds the permission of the transition, in whatever state the object is: what an API
    view checks before it reads a request's body, and what `transition_apply` checks first."""
    permission = _permission_of(_transition_for(obj, action))
    if permission is not None and actor is not None and not permission(obj, actor):
        # The refusal is logged by the API's error handler, outside this (rolled-back) transaction.
        raise Forbidden()


def transition_apply(*, obj: models.Model, action: str, actor, field: str = "status", **kwargs: Any) -> str:
    """Check that `actor` may run `action` on the object now (permission, state, guards) and run it in memory;
    answers the state before. Saving and auditing are the caller's (`transition_run` does both)."""
    meta = _transition_for(obj, action)
    transition_permission_check(obj=obj, action=action, actor=actor)

    state = getattr(obj, field)
    bound = getattr(obj, action)
    if not can_proceed(bound):
        transition = meta.get_transition(state)
        message, code = None, None
        if transition is not None:
            for condition in transition.conditions:
                if not condition(obj):
                    message = getattr(condition, "message", None)
                    code = getattr(condition, "code", None)
                    break
        allowed = allowed_actions(obj, actor, field) if actor is not None else []
        raise TransitionNotAllowed(
            action=action,
            state=state,
            state_label=dict(obj._meta.get_field(field).choices or ()).get(state, state),
            allowed=allowed,
            message=message,
            code=code,
        )
    bound(**kwargs)
    return state


def concurrent_change() -> Conflict:
    return Conflict(
        _("Someone else changed this at the same moment. Reload and try again."), code="concurrent_transition"
    )


def transition_run(
    *,
    obj: models.Model,
    action: str,
    actor,
    audit_action: str | None = None,
    field: str = "status",
    detail: dict | None = None,
    update_fields: list[str] | None = None,
    **kwargs: Any,
) -> models.Model:
    """Run `action` on a row the caller has locked inside transaction.atomic().

    `update_fields` limits the UPDATE to the columns the transition changes (the state is always written)."""
    state = transition_apply(obj=obj, action=action, actor=actor, field=field, **kwargs)
    try:
        obj.save(update_fields=None if update_fields is None else sorted({field, *update_fields}))
    except ConcurrentTransition as exc:
        raise concurrent_change() from exc
    audit_record(
        action=audit_action or f"{obj._meta.model_name}.{action}",
        actor=actor,
        obj=obj,
        before={field: state},
        after={field: getattr(obj, field)},
        detail=detail,
    )
    return obj
