"""API tokens: one per sign-in, a user's own listed and revoked; a new password or deactivation revokes them all."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .errors import NotFound
from .models import ApiToken, User


def api_token_issue(*, user, user_agent: str = "", ip_address: str | None = None) -> tuple[ApiToken, str]:
    """A new token for a user who has just proved their password: (its record, the token, shown only now)."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, key = ApiToken.objects.create(
        user=user, user_agent=(user_agent or "")[:200], ip_address=ip_address, last_used_at=timezone.now()
    )
    audit_record(action="auth.token_issued", actor=user, detail={"token": str(token.public_id)}, ip_address=ip_address)
    return token, key


def api_tokens_of(*, user):
    """The user's own tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_revoke(*, actor, token_id, reason: str, ip_address: str | None = None) -> None:
    """The user revokes one of their own tokens (signing out with it, or from the list); another's is not found."""
    deleted, _rows = ApiToken.objects.filter(user=actor, public_id=token_id).delete()
    if not deleted:
        raise NotFound(_("You have no such API token."), code="token_not_found")
    audit_record(
        action="auth.token_revoked",
        actor=actor,
        detail={"token": str(token_id), "reason": reason},
        ip_address=ip_address,
    )


def api_tokens_revoke_all(*, user, reason: str, actor=None, ip_address: str | None = None) -> int:
    """Every token of the user stops working: they sign out everywhere, change or reset their password, or are
    deactivated. Returns how many there were."""
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            action="auth.tokens_revoked",
            actor=actor,
            detail={"user": user.pk, "username": user.get_username(), "reason": reason, "count": deleted},
            ip_address=ip_address,
        )
    return deleted


def api_tokens_purge(*, now=None) -> int:
    """Delete the expired tokens (they no longer work; the daily purge keeps the table small)."""
    deleted, _rows = ApiToken.objects.filter(expiry__lte=now or timezone.now()).delete()
    return deleted


# A new password or a deactivation revokes the user's tokens however it is saved: the portal's password change and
# reset, the admin, `manage.py changepassword`, a script. The stored hash is compared, so that any path that saves a
# new password is covered (a hash upgraded by Django at a sign-in counts as new too: the other tokens must be signed
# in again, which is safe). Only QuerySet.update() of the user table would go unseen, and nothing here does that.
_CREDENTIAL_FIELDS = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="procurement.tokens.credentials_changing")
def _credentials_changing(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._hankinta_tokens_revoked_by = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields):
        return  # e.g. the last sign-in, or the interface language: no query
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["password"] != instance.password:
        instance._hankinta_tokens_revoked_by = "password_changed"
    elif stored["is_active"] and not instance.is_active:
        instance._hankinta_tokens_revoked_by = "deactivated"


@receiver(post_save, sender=User, dispatch_uid="procurement.tokens.credentials_changed")
def _credentials_changed(sender, instance, created=False, raw=False, **kwargs):
    reason = getattr(instance, "_hankinta_tokens_revoked_by", None)
    if reason:
        instance._hankinta_tokens_revoked_by = None
        api_tokens_revoke_all(user=instance, reason=reason)
