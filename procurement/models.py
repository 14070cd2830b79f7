"""Organisations, users and their roles, API tokens, and the append-only audit log."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from .nuts import validate_nuts3
from .validators import validate_business_id


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class User(AbstractUser):
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    # Whether what waits for the user (an approval, a proposal to decide…) is e-mailed too, or only in the inbox.
    task_email = models.BooleanField(_("e-mail me when something waits for me"), default=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ApiToken(AbstractAuthToken):
    """An API token of one sign-in (django-rest-knox's, which stores only a hash of it): its expiry moves forward
    with use up to the absolute limit (settings.API_TOKEN_IDLE, API_TOKEN_LIFETIME); signing out, a new password
    and deactivation delete it."""

    # What its owner sees of it: an id to revoke it by, never the token or its hash.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} – {self.token_key[:8]}…"  # never the hash (knox's own shows it)


class ContractingAuthority(models.Model):
    """A buyer: an ELY centre, an elinvoimakeskus, a municipality, an employment area…"""

    class Kind(models.TextChoices):
        STATE_AUTHORITY = "state_authority", _("State authority")
        MUNICIPALITY = "municipality", _("Municipality")
        EMPLOYMENT_AREA = "employment_area", _("Employment area")
        JOINT_MUNICIPAL_AUTHORITY = "joint_municipal_authority", _("Joint municipal authority")
        OTHER = "other", _("Other")

    class LanguageStatus(models.TextChoices):
        FINNISH = "fi", _("Finnish")
        SWEDISH = "sv", _("Swedish")
        BILINGUAL = "bilingual", _("Bilingual")

    name_fi = models.CharField(_("name in Finnish"), max_length=200)
    name_sv = models.CharField(_("name in Swedish"), max_length=200, blank=True)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    business_id = models.CharField(_("business ID"), max_length=9, unique=True, validators=[validate_business_id])
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    language_status = models.CharField(_("language status"), max_length=10, choices=LanguageStatus.choices)
    region = models.CharField(_("region"), max_length=100)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The postal address as notices give it (eForms BT-510, BT-512, BT-513, BT-507) and the buyer's web site (BT-505).
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9]{5}$", _("A Finnish postal code has five digits."), code="invalid_postal_code")
        ],
    )
    town = models.CharField(_("town"), max_length=100, blank=True)
    nuts = models.CharField(_("region (NUTS 3)"), max_length=5, blank=True, validators=[validate_nuts3])
    website = models.URLField(_("web site"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Whether a procurement officer may also make the award decision, or only a decision-maker of the authority.
    officers_may_decide = models.BooleanField(_("officers may make award decisions"), default=True)
    # Four eyes on the award: the one who decides is not the one who proposed it.
    decider_not_proposer = models.BooleanField(
        _("the award is decided by someone other than its proposer"),
        default=False,
        help_text=_("When set, whoever proposed the award cannot also decide it."),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = _("contracting authority")
        verbose_name_plural = _("contracting authorities")
        ordering = ["name_fi"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="authority_valid_period",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = get_language() or "fi"
        return getattr(self, f"name_{lang[:2]}", "") or self.name_fi

    def is_active_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CompanySize(models.TextChoices):
    """A provider's size in the EU's SME definition, as award notices state it for winners (eForms BT-165)."""

    MICRO = "micro", _("Micro enterprise")
    SMALL = "small", _("Small enterprise")
    MEDIUM = "medium", _("Medium-sized enterprise")
    LARGE = "large", _("Large enterprise")


class ProviderOrganisation(models.Model):
    """A training provider: a company, a foundation or an association."""

    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(_("business ID"), max_length=9, unique=True, validators=[validate_business_id])
    email = models.EmailField(_("e-mail for notifications"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    company_size = models.CharField(_("company size"), max_length=10, choices=CompanySize.choices, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("provider organisation")
        verbose_name_plural = _("provider organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", _("Procurement officer")
    EVALUATOR = "evaluator", _("Evaluator")
    DECISION_MAKER = "decision_maker", _("Decision-maker")
    PROVIDER_ADMIN = "provider_admin", _("Provider administrator")
    PROVIDER_MEMBER = "provider_member", _("Provider member")
    AUDITOR = "auditor", _("Auditor")


AUTHORITY_ROLES = {Role.OFFICER, Role.EVALUATOR, Role.DECISION_MAKER}
PROVIDER_ROLES = {Role.PROVIDER_ADMIN, Role.PROVIDER_MEMBER}


class Membership(models.Model):
    """A role a user holds in an authority or a provider; an auditor without an authority audits everything."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    authority = models.ForeignKey(
        ContractingAuthority, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    provider = models.ForeignKey(
        ProviderOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_role_matches_organisation",
                condition=(
                    Q(
                        role__in=["officer", "evaluator", "decision_maker"],
                        authority__isnull=False,
                        provider__isnull=True,
                    )
                    | Q(role__in=["provider_admin", "provider_member"], provider__isnull=False, authority__isnull=True)
                    | Q(role="auditor", provider__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "authority", "provider"],
                name="membership_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.authority or self.provider or _('all')}"


def audit_salt() -> str:
    """A random value hashed with each event and never shown: whoever sees an event's hash (in the verification, a
    PDF, the log's sealed form) cannot find its hidden content, such as who did it, by hashing guesses."""
    return secrets.token_hex(16)


class AuditEventQuerySet(models.QuerySet):
    LINK_FIELDS = frozenset({"sequence", "prev_hash", "hash"})

    def update(self, **kwargs):
        # The only change there is: linking an event into the chain, once (the database checks it as well).
        if set(kwargs) != self.LINK_FIELDS or self.filter(sequence__isnull=False).exists():
            raise PermissionError("The audit log is append-only.")
        return super().update(**kwargs)

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One thing that happened: a transition, a change, a read of sealed data, or a refused attempt."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Done")
        DENIED = "denied", _("Refused")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    tender_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Hashed with the event (auditchain.event_hash), never shown; empty for the events written before it existed.
    salt = models.CharField(max_length=32, blank=True, default=audit_salt, editable=False)
    # The hash chain: each event's hash covers its content and the previous event's hash, so that changing or
    # deleting a row breaks every link after it (procurement/auditchain.py links and verifies it). An event is
    # written with its change and linked right after the commit, so that the chain's lock is never held by a
    # request's transaction; until then these three are empty (and the database refuses any other change).
    sequence = models.PositiveBigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, null=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["sequence", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The linker reads only the events that wait for their link.
            models.Index(fields=["id"], name="auditevent_unlinked", condition=Q(sequence__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class SecurityEvent(models.Model):
    """A refusal that names no user: an anonymous request refused (401, 403, 404), a throttled sign-in, a failed sign-in
    for a username that does not exist.

    Kept apart from the audit chain, which is for what users did: anyone can send these without limit, and each would
    take the chain's lock. At most SECURITY_LOG_PER_MINUTE rows are written per address and minute; the rest are
    counted on the last row written (`suppressed`)."""

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=80)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=80, blank=True)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Events from the same address in the same minute after the limit: counted here, not written.
    suppressed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="securityevent_at"),
            models.Index(fields=["ip_address", "at"], name="securityevent_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.ip_address or '-'} {self.action} {self.status or ''} {self.path}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    INBOX_ONLY = "inbox_only", _("In the inbox only (no e-mail address)")


class Notification(models.Model):
    """A message to a provider organisation or a user: shown in the in-app inbox and sent by e-mail.

    One per (kind, key, recipient): a repeated scan or a retried task finds the row and sends nothing twice.
    The row is written in the transaction of the change that causes it, so it is never lost (it is its own outbox);
    the relay hands pending ones to Celery."""

    kind = models.CharField(max_length=50)
    # What makes this notification unique for its recipient, e.g. "tender:12:version:3".
    key = models.CharField(max_length=160)
    provider = models.ForeignKey(
        ProviderOrganisation, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    tender_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.FINNISH)
    channel = models.CharField(max_length=10, default="email")
    email_to = models.JSONField(default=list, blank=True)
    # Generated documents sent with the e-mail (their ids); the e-mail waits until they are rendered.
    documents = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # How many times it has been sent: an officer re-sends to a corrected address.
    sends = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_result = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(provider__isnull=False) | Q(user__isnull=False), name="notification_has_recipient"
            ),
            models.UniqueConstraint(
                fields=["kind", "key", "provider", "user"], name="notification_once", nulls_distinct=False
            ),
        ]
        indexes = [
            # The relay's scan reads only what is waiting, so its cost does not grow with what has been sent.
            models.Index(fields=["next_attempt_at"], name="notification_pending", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.provider_id or self.user_id}"

    @property
    def summary(self) -> str:
        """The notification's subject line in the active language, as the inbox shows it."""
        from .notifications import notification_summary

        return notification_summary(self)


class OutboxMessage(models.Model):
    """A Celery task to run, written in the transaction of the change that wants it.

    If the broker is down when the transaction commits, the message waits here and the relay sends it later."""

    task = models.CharField(max_length=80)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending", condition=Q(dispatched_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.task}{self.args} ({'sent' if self.dispatched_at else 'pending'})"


class Timer(models.Model):
    """Something to do at a moment: a deadline reminder, the end of a standstill, an overdue evaluation.

    The periodic scan reads the due ones through a partial index (what is done is not in it), so its cost
    depends on what is due, not on how many calls there are. Rescheduling replaces the pending timers of a kind."""

    kind = models.CharField(max_length=40)
    # What the timer is about, e.g. "tender:12" or "lot-contract:7"; with `kind` and `due_at` it is unique.
    key = models.CharField(max_length=80)
    tender_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        constraints = [models.UniqueConstraint(fields=["kind", "key", "due_at"], name="one_timer_per_moment")]
        indexes = [models.Index(fields=["due_at"], name="timer_pending", condition=Q(done_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} at {self.due_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An invitation to join a provider organisation; only the SHA-256 of its token is stored."""

    provider = models.ForeignKey(ProviderOrganisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=20,
        choices=[(Role.PROVIDER_MEMBER, Role.PROVIDER_MEMBER.label), (Role.PROVIDER_ADMIN, Role.PROVIDER_ADMIN.label)],
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.provider}"
