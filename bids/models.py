"""A provider's bid for one call, with a price offer per lot, and the edges of its state machine."""

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

MAX_UNIT_PRICE = Decimal("9999999.99")


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


class LotOffer(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="lot_offers")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="offers")
    unit_price = models.DecimalField(
        _("unit price without VAT"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    # unit price × the lot's volume: what the price points are computed from.
    comparison_price = models.DecimalField(_("comparison price"), max_digits=20, decimal_places=2, editable=False)

    class Meta:
        verbose_name = _("lot offer")
        verbose_name_plural = _("lot offers")
        ordering = ["lot__number"]
        constraints = [models.UniqueConstraint(fields=["bid", "lot"], name="one_offer_per_lot_per_bid")]

    def __str__(self) -> str:
        return f"{self.bid_id} / lot {self.lot_id}: {self.unit_price}"
