"""The sealed tender box: a provider's bid for one call, its submitted versions and attachments (all encrypted
until the opening), the lot offers unsealed at the opening, and the edges of the bid's state machine."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from procurement.access import roles_of
from procurement.models import ProviderOrganisation
from tenders.models import Lot, Tender

MAX_UNIT_PRICE = Decimal(settings.HANKINTA["MAX_UNIT_PRICE"])
MIN_UNIT_PRICE = Decimal("0.01")


class TenderKey(models.Model):
    """The data key of one call, wrapped by the key-encryption key named by kek_id."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="sealing_key")
    kek_id = models.CharField(max_length=40)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("data key of a call")
        verbose_name_plural = _("data keys of calls")

    def __str__(self) -> str:
        return f"key of {self.tender_id} ({self.kek_id})"


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def is_provider_member(bid: "Bid", user) -> bool:
    return bid.provider_id in roles_of(user).provider_of


class Bid(ConcurrentTransitionMixin, models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    provider = models.ForeignKey(ProviderOrganisation, on_delete=models.PROTECT, related_name="bids")
    status = FSMField(_("status"), default=BidStatus.DRAFT, choices=BidStatus.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The server time at which the submitting request was received: this decides against the deadline.
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The draft's content (offers, answers, declarations, contact, business secrets), sealed with the call's key.
    sealed_draft = models.BinaryField(null=True, editable=False)
    # The number of the latest submitted version (0: never submitted).
    version = models.PositiveSmallIntegerField(default=0, editable=False)
    # Set when a corrigendum sent a submitted bid back to draft: its owner must resubmit.
    returned_at = models.DateTimeField(null=True, blank=True, editable=False)
    returned_reason = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["tender", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "provider"], name="one_bid_per_provider_per_tender")]
        indexes = [models.Index(fields=["tender", "status"])]

    def __str__(self) -> str:
        return f"{self.provider} → {self.tender_id} ({self.status})"

    @transition(field=status, source=BidStatus.DRAFT, target=BidStatus.SUBMITTED, permission=is_provider_member)
    def submit(self, *, by, received_at) -> None:
        self.submitted_at = received_at
        self.submitted_by = by
        self.withdrawn_at = None
        self.returned_at = None
        self.returned_reason = ""

    @transition(field=status, source=BidStatus.SUBMITTED, target=BidStatus.DRAFT)
    def send_back(self, *, reason: str) -> None:
        """The call changed under the bid (a corrigendum): the provider must check it and submit again."""
        self.submitted_at = None
        self.submitted_by = None
        self.returned_at = timezone.now()
        self.returned_reason = reason

    @transition(
        field=status,
        source=[BidStatus.SUBMITTED, BidStatus.WITHDRAWN],
        target=BidStatus.DRAFT,
        permission=is_provider_member,
    )
    def reopen(self) -> None:
        self.submitted_at = None
        self.submitted_by = None

    @transition(
        field=status,
        source=[BidStatus.DRAFT, BidStatus.SUBMITTED],
        target=BidStatus.WITHDRAWN,
        permission=is_provider_member,
    )
    def withdraw(self, *, received_at) -> None:
        self.withdrawn_at = received_at


class BidVersion(models.Model):
    """A submission, frozen: its manifest lists every field and every attachment's SHA-256, sealed until the
    opening; the manifest's own SHA-256 is on the receipt."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    received_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sealed_manifest = models.BinaryField()
    manifest_sha256 = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set when the version no longer stood (reopened, withdrawn or submitted again) by the time the task that follows
    # the submission came to it: no receipt PDF is rendered and no e-mail sent for it (the receipt time and the
    # manifest's hash, answered to the submission itself, remain its receipt).
    receipt_skipped_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("bid version")
        verbose_name_plural = _("bid versions")
        ordering = ["bid", "number"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "number"], name="bid_version_number_unique"),
            models.UniqueConstraint(
                fields=["bid", "idempotency_key"],
                name="bid_submit_idempotent",
                condition=models.Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id} v{self.number}"


class AttachmentStatus(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    READY = "ready", _("Ready")


class MetaSealed(RuntimeError):
    """An attachment's name or purpose was read without unsealing them first (a programming error)."""


class BidAttachment(models.Model):
    """A file of a bid, uploaded in chunks that are stored encrypted; checked by its content when complete."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments")
    # Its name and what it answers ("criterion:<id>", "requirement:<id>" or "other"), as the canonical JSON
    # {"filename", "purpose"} sealed with the call's key and bound to this row, like the bid's content: nobody learns
    # from the database what a bid attaches before the opening. Readers get them from `attachments_unseal` (content),
    # called only where the bid's own access rules have let the reader in.
    sealed_meta = models.BinaryField(editable=False)
    declared_size = models.PositiveBigIntegerField()
    received_bytes = models.PositiveBigIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=AttachmentStatus.choices, default=AttachmentStatus.UPLOADING)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["bid", "created_at"]

    def __str__(self) -> str:
        return f"{self.pk} ({self.status})"

    @property
    def filename(self) -> str:
        return self._unsealed_meta()["filename"]

    @property
    def purpose(self) -> str:
        return self._unsealed_meta()["purpose"]

    def _unsealed_meta(self) -> dict:
        meta = self.__dict__.get("unsealed_meta")
        if meta is None:
            # Not an AttributeError, which a template would turn into an empty name without a word.
            raise MetaSealed(f"The name and purpose of attachment {self.pk} are sealed; unseal them first.")
        return meta

    def chunk_name(self, number: int) -> str:
        return f"sealed/{self.bid.tender_id}/{self.bid_id}/{self.pk}/{number:06d}.bin"


class LotOffer(models.Model):
    """A price offer, unsealed from the submitted version at the opening; evaluation works on these rows."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="lot_offers")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="offers")
    unit_price = models.DecimalField(
        _("unit price without VAT"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(MIN_UNIT_PRICE), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    vat_rate = models.DecimalField(_("VAT rate %"), max_digits=4, decimal_places=1, default=Decimal("0"))
    version = models.ForeignKey(BidVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # unit price × the lot's volume: what the price points are computed from.
    comparison_price = models.DecimalField(_("comparison price"), max_digits=20, decimal_places=2, editable=False)

    class Meta:
        verbose_name = _("lot offer")
        verbose_name_plural = _("lot offers")
        ordering = ["lot__number"]
        constraints = [models.UniqueConstraint(fields=["bid", "lot"], name="one_offer_per_lot_per_bid")]

    def __str__(self) -> str:
        return f"{self.bid_id} / lot {self.lot_id}: {self.unit_price}"


class SecrecyGround(models.TextChoices):
    """The legal ground on which a part of a bid is kept from others (Act on the Openness of Government Activities
    621/1999, JulkL / OffL)."""

    BUSINESS_SECRET = "business_secret", _("Business secret (JulkL 24 § 1 mom. 20 k)")
    PERSONAL_DATA = "personal_data", _("Personal data (JulkL 24 § 1 mom. 32 k)")


class SecrecyReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Under review")
    DECIDED = "decided", _("Decided")
    NOTIFIED = "notified", _("Bidder told")


class SecrecyOutcome(models.TextChoices):
    UPHELD = "upheld", _("Secret")
    UPHELD_IN_PART = "upheld_in_part", _("Secret in part")
    OVERRIDDEN = "overridden", _("Not secret")


class SecrecyReview(ConcurrentTransitionMixin, models.Model):
    """The authority's review of what one bid marked as business secrets (and of its staff's personal data): a
    decision per part, then the bidder is told, and what it marked is disclosed only after the notice period."""

    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="secrecy_review")
    status = FSMField(
        _("status"), default=SecrecyReviewStatus.DRAFT, choices=SecrecyReviewStatus.choices, protected=True
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The moment the decisions that disclose what the bidder marked take effect: the bidder was told and the notice
    # period has run.
    effective_from = models.DateTimeField(null=True, blank=True, editable=False)
    document = models.ForeignKey(
        "documents.GeneratedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("review of business secrets")
        verbose_name_plural = _("reviews of business secrets")
        ordering = ["bid", "id"]

    def __str__(self) -> str:
        return f"secrecy of {self.bid_id} ({self.status})"

    @property
    def key(self) -> str:
        return f"secrecy-review:{self.pk}"

    def is_effective(self, now=None) -> bool:
        return (
            self.status == SecrecyReviewStatus.NOTIFIED
            and self.effective_from is not None
            and self.effective_from <= (now or timezone.now())
        )

    @transition(
        field=status,
        source=[SecrecyReviewStatus.DRAFT, SecrecyReviewStatus.DECIDED],
        target=SecrecyReviewStatus.DECIDED,
    )
    def decide(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=status, source=SecrecyReviewStatus.DECIDED, target=SecrecyReviewStatus.NOTIFIED)
    def notify(self, *, by, at, effective_from) -> None:
        self.notified_by = by
        self.notified_at = at
        self.effective_from = effective_from


class SecrecyDecision(models.Model):
    """The authority's decision on one part of a bid: kept secret, kept secret in part (the passages of its text that
    stay secret) or not secret, with the legal ground and the reason in Finnish and Swedish."""

    review = models.ForeignKey(SecrecyReview, on_delete=models.CASCADE, related_name="decisions")
    part = models.CharField(_("part"), max_length=80)
    outcome = models.CharField(_("outcome"), max_length=20, choices=SecrecyOutcome.choices)
    passages = models.JSONField(_("passages that stay secret"), default=list, blank=True)
    ground = models.CharField(
        _("ground"), max_length=20, choices=SecrecyGround.choices, default=SecrecyGround.BUSINESS_SECRET
    )
    reason = models.TextField(_("reason"))
    reason_sv = models.TextField(_("reason in Swedish"), blank=True)
    # Whether the bidder marked the part itself (the authority may also keep personal data its bidder did not mark).
    marked = models.BooleanField(default=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("decision on a business secret")
        verbose_name_plural = _("decisions on business secrets")
        ordering = ["review", "part"]
        constraints = [models.UniqueConstraint(fields=["review", "part"], name="one_secrecy_decision_per_part")]

    def __str__(self) -> str:
        return f"{self.review_id} {self.part}: {self.outcome}"
