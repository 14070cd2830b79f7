"""The security log: refusals that name no user, kept out of the audit chain and limited per address.

Who is on record where: what a user did or tried (a refused request of a signed-in user, a failed sign-in for a
username that exists, the lock-out of one) is in the audit chain, since it is about that user and an auditor follows
it there; what anyone may send without limit (an anonymous request refused, a throttled sign-in, a failed sign-in for
a username that does not exist, every attempt while a lock-out lasts) is here, so that it cannot fill the chain or
hold its lock."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import timezone

from .access import roles_of
from .clientip import client_ip
from .models import SecurityEvent, User


def security_record(
    *,
    action: str,
    ip_address: str | None,
    method: str = "",
    path: str = "",
    status: int | None = None,
    code: str = "",
    detail: dict | None = None,
) -> SecurityEvent | None:
    """Write a security event, unless its address has had SECURITY_LOG_PER_MINUTE this minute: then count it on the
    last one written. Returns the row written, or None when it was only counted."""
    now = timezone.now()
    ip_address = SecurityEvent._meta.get_field("ip_address").get_prep_value(ip_address) or None
    window = f"security-log:{ip_address or '-'}:{now:%Y%m%d%H%M}"
    # The counter lives in the cache (as the sign-in throttle's does): counting costs no database write.
    cache.add(window, 0, timeout=120)
    try:
        seen = cache.incr(window)
    except ValueError:  # expired between add and incr
        cache.set(window, 1, timeout=120)
        seen = 1
    limit = settings.SECURITY_LOG_PER_MINUTE
    if seen > limit:
        last = cache.get(f"{window}:last")
        if last is not None:
            SecurityEvent.objects.filter(pk=last).update(suppressed=F("suppressed") + 1)
        return None
    event = SecurityEvent.objects.create(
        at=now,
        action=action,
        ip_address=ip_address,
        method=method[:10],
        path=path[:500],
        status=status,
        code=str(code)[:80],
        detail=detail or {},
    )
    if seen == limit:
        cache.set(f"{window}:last", event.pk, timeout=120)
    return event


# Who finds the provider's own object a refused path names (bids.hooks: its bid; documents.hooks: its document):
# each is called with the resolved path and the user's provider ids, and answers the object (or None when the path
# is theirs but names no object of the provider's), or NOT_MINE when the path is not of its kind.
NOT_MINE = object()
OWN_OBJECTS: list[Callable[[ResolverMatch, set[int]], Any]] = []


def id_of(value) -> int | None:
    return int(value) if str(value).isdigit() and len(str(value)) < 19 else None


def _own_sealable_object(request, user):
    """The bid, or the provider's own document, that a refused request's path names, when it is the user's own.

    A provider's refusal on their own bid (a missing attachment, a version that is not there) says that they have a
    bid in that call: it is tied to the bid (or the receipt), so that the audit log's sealing
    (`procurement.audit.audit_sealed`) hides it until the opening like the bid's other events. Anyone else's refusal
    is recorded with the path alone, tied to no call, the same whether or not the id exists: probing ids stays on
    record, and no reader of the log learns from it which of them exist."""
    try:
        match = resolve(request.path)
    except Resolver404:
        return None
    provider_of = roles_of(user).provider_of
    if not provider_of:
        return None
    for own_object in OWN_OBJECTS:
        found = own_object(match, provider_of)
        if found is not NOT_MINE:
            return found
    return None


def refusal_record(*, request, status: int, code: str) -> None:
    """A refused request (401, 403, 404): a signed-in user's in the audit chain (tied to their own bid when its path
    names one, see `_own_sealable_object`), an anonymous one here."""
    from .audit import audit_record

    user = getattr(request, "user", None)
    ip_address = client_ip(request)
    if user is not None and user.is_authenticated:
        audit_record(
            action="access.denied" if status == 403 else "access.not_found",
            actor=user,
            obj=_own_sealable_object(request, user),
            detail={"method": request.method, "path": request.path[:500], "code": code},
            denied=True,
            ip_address=ip_address,
        )
        return
    action = {401: "access.unauthenticated", 403: "access.denied"}.get(status, "access.not_found")
    security_record(
        action=action, ip_address=ip_address, method=request.method, path=request.path, status=status, code=code
    )


def lockout_state(request) -> str | None:
    """Where a sign-in stands with django-axes: "locking" for the failed sign-in at which axes locks the pair
    (username and address) out, its password checked and wrong; "locked" for one refused while the pair is locked
    (no password was checked); None otherwise."""
    if request is None or not getattr(request, "axes_locked_out", False):
        return None
    from axes.helpers import get_failure_limit

    failures = getattr(request, "axes_failures_since_start", None)
    return "locking" if failures == get_failure_limit(request, None) else "locked"


def _user_exists(username: str) -> bool:
    return bool(username) and User.objects.filter(username=username).exists()


def login_failure_record(*, username: str, channel: str, ip_address: str | None, request=None) -> None:
    """A failed sign-in: for a username that exists, in the audit chain (someone tried that user's account, at most
    AXES_FAILURE_LIMIT times from an address before django-axes locks the pair out, and at most LOGIN_THROTTLE_RATE
    a minute); else here. An attempt refused while the pair is locked out checked no password: here too, counted,
    however many are sent (see `lockout_record`)."""
    from .audit import audit_record

    username = (username or "")[:150]
    detail = {"username": username, "channel": channel}
    locked = lockout_state(request) == "locked"
    if not locked and _user_exists(username):
        audit_record(action="auth.login_failed", detail=detail, denied=True, ip_address=ip_address)
        return
    security_record(
        action="auth.login_failed",
        ip_address=ip_address,
        status=429 if locked else 400,
        code="locked_out" if locked else "invalid_credentials",
        detail=detail,
    )


def lockout_record(*, request, username: str, channel: str) -> None:
    """A sign-in answered with django-axes' lock-out: the lock itself, for a username that exists, once in the audit
    chain (a user's account was locked from an address); every attempt while it lasts, and any lock-out of a
    username that does not exist, here."""
    from .audit import audit_record

    username = (username or "")[:150]
    detail = {"username": username, "channel": channel}
    ip_address = client_ip(request)
    if lockout_state(request) == "locking" and _user_exists(username):
        audit_record(action="auth.locked_out", detail=detail, denied=True, ip_address=ip_address)
        return
    security_record(
        action="auth.locked_out",
        ip_address=ip_address,
        method=request.method,
        path=request.path,
        status=429,
        code="locked_out",
        detail=detail,
    )
