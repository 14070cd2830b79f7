"""Changing organisations and memberships: provider registration and invitations."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .access import roles_of
from .audit import audit_record
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import Invitation, Membership, ProviderOrganisation, Role, User
from .validators import normalise_business_id

INVITATION_DAYS = 14


def _err(code: str, message) -> list[dict]:
    return [{"code": code, "message": str(message)}]


def _new_user(*, username: str, email: str, password: str, first_name: str = "", last_name: str = "", language="fi"):
    errors: dict[str, list] = {}
    username = User.normalize_username(username)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _err("username_taken", _("This username is taken."))
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = [
            {"code": e.code or "invalid", "message": str(e.message % (e.params or {}))} for e in exc.error_list
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    return User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        preferred_language=language,
    )


def provider_register(
    *, organisation: dict, admin: dict, ip_address: str | None = None
) -> tuple[ProviderOrganisation, User]:
    """A training provider registers itself and its first administrator."""
    try:
        business_id = normalise_business_id(organisation["business_id"])
    except DjangoValidationError as exc:
        raise ValidationFailed(
            errors={"organisation": {"business_id": _err("invalid_business_id", exc.messages[0])}}
        ) from exc
    with transaction.atomic():
        if ProviderOrganisation.objects.filter(business_id=business_id).exists():
            raise Conflict(
                _("An organisation with this business ID is already registered; ask its administrator to invite you."),
                code="business_id_taken",
            )
        try:
            with transaction.atomic():
                provider = ProviderOrganisation.objects.create(**{**organisation, "business_id": business_id})
        except IntegrityError as exc:  # registered at the same moment by someone else
            raise Conflict(
                _("An organisation with this business ID is already registered."), code="business_id_taken"
            ) from exc
        user = _new_user(language=provider.preferred_language, **admin)
        Membership.objects.create(user=user, role=Role.PROVIDER_ADMIN, provider=provider)
        audit_record(
            action="provider.register",
            actor=user,
            obj=provider,
            after={"business_id": business_id, "name": provider.name},
            ip_address=ip_address,
        )
    return provider, user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create_check(*, actor, provider_id: int) -> None:
    """Inviting to an organisation: its administrators; 403 to its other members, 404 to everyone else. The API
    asks before it reads the body."""
    if provider_id not in roles_of(actor).provider_admin_of:
        if provider_id in roles_of(actor).provider_of:
            raise Forbidden(_("Only the organisation's administrators invite members."))
        raise NotFound()


def invitation_create(*, actor, provider_id: int, email: str, role: str) -> tuple[Invitation, str]:
    """The provider's administrator invites a colleague; the token travels only in the e-mail."""
    invitation_create_check(actor=actor, provider_id=provider_id)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        provider = ProviderOrganisation.objects.get(pk=provider_id)
        invitation = Invitation.objects.create(
            provider=provider,
            email=email,
            role=role,
            token_sha256=_token_hash(token),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit_record(action="provider.invite", actor=actor, obj=provider, after={"email": email, "role": role})

        def send():
            with translation.override(provider.preferred_language):
                send_mail(
                    subject=str(_("Invitation to %(name)s in Hankinta") % {"name": provider.name}),
                    message=str(
                        _(
                            "You are invited to prepare bids for %(name)s. "
                            "Accept with this code within %(days)s days: %(token)s"
                        )
                        % {"name": provider.name, "days": INVITATION_DAYS, "token": token}
                    ),
                    from_email=None,
                    recipient_list=[email],
                )

        transaction.on_commit(send)
    return invitation, token


def invitation_accept(*, token: str, user=None, new_user: dict | None = None) -> Membership:
    """Join the organisation: as the signed-in user, or as a new user created with the invitation."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_sha256=_token_hash(token or "")).first()
        if invitation is None or invitation.accepted_at is not None or invitation.expires_at < timezone.now():
            raise ValidationFailed(
                errors={"token": _err("invalid_invitation", _("The invitation is not valid or has expired."))}
            )
        if user is not None and user.is_authenticated:
            if roles_of(user).is_authority_user:
                raise Forbidden(_("An official of a contracting authority cannot join a training provider."))
            if user.email.strip().lower() != invitation.email.strip().lower():
                raise Forbidden(_("The invitation was sent to another e-mail address."), code="invitation_not_yours")
        else:
            if not new_user:
                raise ValidationFailed(errors={"username": _err("required", _("Choose a username and a password."))})
            user = _new_user(email=invitation.email, language=invitation.provider.preferred_language, **new_user)
        membership, _created = Membership.objects.get_or_create(
            user=user, role=invitation.role, provider=invitation.provider
        )
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(action="provider.join", actor=user, obj=invitation.provider, after={"role": invitation.role})
    return membership


def user_task_email_set(*, actor, task_email: bool) -> User:
    """The user's own choice: whether what waits for them is e-mailed too, or shown only in the inbox."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if user.task_email != task_email:
            before = {"task_email": user.task_email}
            user.task_email = task_email
            user.save(update_fields=["task_email"])
            audit_record(
                action="user.preferences", actor=actor, obj=user, before=before, after={"task_email": task_email}
            )
    return user
