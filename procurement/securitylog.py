"""The security log: refusals that name no user, kept out of the audit chain and limited per address.

Who is on record where: what a user did or tried (a refused request of a signed-in user, a failed sign-in for a
username that exists, a lock-out) is in the audit chain, since it is about that user and an auditor follows it there;
what anyone may send without limit (an anonymous request refused, a throttled sign-in, a failed sign-in for a
username that does not exist) is here, so that it cannot fill the chain or hold its lock."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

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


def refusal_record(*, request, status: int, code: str) -> None:
    """A refused request (401, 403, 404): a signed-in user's in the audit chain, an anonymous one here."""
    from .audit import audit_record

    user = getattr(request, "user", None)
    ip_address = client_ip(request)
    if user is not None and user.is_authenticated:
        audit_record(
            action="access.denied" if status == 403 else "access.not_found",
            actor=user,
            detail={"method": request.method, "path": request.path[:500], "code": code},
            denied=True,
            ip_address=ip_address,
        )
        return
    action = {401: "access.unauthenticated", 403: "access.denied"}.get(status, "access.not_found")
    security_record(
        action=action, ip_address=ip_address, method=request.method, path=request.path, status=status, code=code
    )


def login_failure_record(*, username: str, channel: str, ip_address: str | None) -> None:
    """A failed sign-in: for a username that exists, in the audit chain (someone tried that user's account, at most
    LOGIN_THROTTLE_RATE a minute from an address before django-axes locks the pair out); else here."""
    from .audit import audit_record

    username = (username or "")[:150]
    detail = {"username": username, "channel": channel}
    if username and User.objects.filter(username=username).exists():
        audit_record(action="auth.login_failed", detail=detail, denied=True, ip_address=ip_address)
        return
    security_record(
        action="auth.login_failed", ip_address=ip_address, status=400, code="invalid_credentials", detail=detail
    )
