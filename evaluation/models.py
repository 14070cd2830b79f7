"""Quality scores, the computed ranking per lot, and the award decision."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import LotOffer
from procurement.rules import Regime
from tenders.models import Lot, QualityCriterion, Tender


class QualityScore(models.Model):
    """The panel's (consensus) score of one quality criterion for one lot offer, with its reason."""

    lot_offer = models.ForeignKey(LotOffer, on_delete=models.CASCADE, related_name="quality_scores")
    criterion = models.ForeignKey(QualityCriterion, on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    reason = models.TextField(_("reason"))
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")
        constraints = [models.UniqueConstraint(fields=["lot_offer", "criterion"], name="one_score_per_offer_criterion")]

    def __str__(self) -> str:
        return f"{self.lot_offer_id}/{self.criterion_id}: {self.points}"


class LotResult(models.Model):
    """The computed points and rank of one lot offer, with the calculation step by step."""

    lot_offer = models.OneToOneField(LotOffer, on_delete=models.CASCADE, related_name="result")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="results")
    price_points = models.DecimalField(max_digits=8, decimal_places=2)
    quality_points = models.DecimalField(max_digits=8, decimal_places=2)
    total_points = models.DecimalField(max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField()
    calculation = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lot result")
        verbose_name_plural = _("lot results")
        ordering = ["lot__number", "rank"]
        constraints = [models.UniqueConstraint(fields=["lot", "rank"], name="one_offer_per_rank")]

    def __str__(self) -> str:
        return f"lot {self.lot_id} #{self.rank}: {self.total_points}"


class AwardDecision(models.Model):
    """The procurement decision (hankintapäätös) of a call."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="award_decision")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    regime = models.CharField(max_length=10, choices=Regime.choices)
    standstill_ends_on = models.DateField(_("standstill ends on"), null=True, blank=True)
    appeal_ends_on = models.DateField(_("appeal period ends on"), null=True, blank=True)
    self_correction_ends_on = models.DateField(_("self-correction request period ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")

    def __str__(self) -> str:
        return f"Decision on {self.tender}"


class LotAward(models.Model):
    """A lot's result in the decision: its winner, or its winners ranked 1..N in a framework agreement;
    a lot with no acceptable bid has one row without a winner."""

    decision = models.ForeignKey(AwardDecision, on_delete=models.CASCADE, related_name="lot_awards")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveSmallIntegerField(default=1)
    winner = models.ForeignKey(LotOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("lot award")
        verbose_name_plural = _("lot awards")
        ordering = ["lot__number", "rank"]
        constraints = [models.UniqueConstraint(fields=["decision", "lot", "rank"], name="one_award_per_lot_rank")]

    def __str__(self) -> str:
        return f"lot {self.lot_id} → {self.winner_id or '-'}"


class OpeningRequest(models.Model):
    """The first officer's request to open the bids; a second officer's confirmation within the window opens them.

    Annex IV: the data is accessed only by simultaneous action of authorised persons."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="opening_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opening request")
        verbose_name_plural = _("opening requests")
        ordering = ["tender", "-requested_at"]

    def __str__(self) -> str:
        return f"opening of {self.tender_id} requested by {self.requested_by_id}"

    def is_pending(self, moment) -> bool:
        return self.confirmed_at is None and moment < self.expires_at


class PanelMember(models.Model):
    """A person named to evaluate a call, and their declaration on conflicts of interest (esteellisyys)."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panels")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(null=True)
    statement = models.TextField(blank=True)

    class Meta:
        verbose_name = _("evaluation panel member")
        verbose_name_plural = _("evaluation panel members")
        ordering = ["tender", "added_at"]
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="one_panel_seat_per_user")]

    def __str__(self) -> str:
        return f"{self.user} on {self.tender_id}"

    @property
    def may_evaluate(self) -> bool:
        return self.declared_at is not None and self.has_conflict is False


class QualificationCheck(models.Model):
    """Pass or fail, with the reason, for one bid: its exclusion-grounds declaration, or one suitability
    requirement ("requirement:<id>")."""

    bid = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="qualification_checks")
    subject = models.CharField(max_length=40)
    passed = models.BooleanField()
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("qualification check")
        verbose_name_plural = _("qualification checks")
        ordering = ["bid", "subject"]
        constraints = [models.UniqueConstraint(fields=["bid", "subject"], name="one_check_per_bid_subject")]

    def __str__(self) -> str:
        return f"{self.bid_id} {self.subject}: {'pass' if self.passed else 'fail'}"


class IndividualScore(models.Model):
    """One evaluator's own score of a criterion for an offer, with a reason; the panel's consensus score
    (QualityScore) is what counts, and the individual ones stay on record beside it."""

    lot_offer = models.ForeignKey(LotOffer, on_delete=models.CASCADE, related_name="individual_scores")
    criterion = models.ForeignKey(QualityCriterion, on_delete=models.PROTECT, related_name="individual_scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    reason = models.TextField()
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("individual score")
        verbose_name_plural = _("individual scores")
        constraints = [
            models.UniqueConstraint(fields=["lot_offer", "criterion", "evaluator"], name="one_individual_score")
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id}: {self.lot_offer_id}/{self.criterion_id} = {self.points}"


class ProviderRequest(models.Model):
    """A question to a bidder after the opening: a clarification of its bid (which may complete it but never
    improve it), or an explanation of an abnormally low price (§96)."""

    class Kind(models.TextChoices):
        CLARIFICATION = "clarification", _("Clarification request")
        PRICE_EXPLANATION = "price_explanation", _("Explanation of an abnormally low price")

    bid = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    deadline = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request to a bidder")
        verbose_name_plural = _("requests to bidders")
        ordering = ["bid", "requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to bid {self.bid_id}"


class PriceRejection(models.Model):
    """An offer rejected for its price; an abnormally low one only after its explanation was asked and answered."""

    lot_offer = models.OneToOneField(LotOffer, on_delete=models.PROTECT, related_name="price_rejection")
    reason = models.TextField()
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("price rejection")
        verbose_name_plural = _("price rejections")

    def __str__(self) -> str:
        return f"offer {self.lot_offer_id} rejected for its price"


class AwardProposal(models.Model):
    """The officer's proposal of the award, on the ranking of each lot; the decision-maker decides on it."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="award_proposal")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    winners = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("award proposal")
        verbose_name_plural = _("award proposals")

    def __str__(self) -> str:
        return f"proposal for {self.tender_id}"
