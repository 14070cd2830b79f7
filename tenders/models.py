"""A call for tenders with its lots and award criteria, and the edges of its state machine."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from procurement.access import roles_of
from procurement.fsm import guard
from procurement.models import ContractingAuthority, Language
from procurement.periods import local_date
from procurement.rules import Regime, rules_on


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    OPENED = "opened", _("Opened")
    EVALUATED = "evaluated", _("Evaluated")
    DECIDED = "decided", _("Decided")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PriceMethod(models.TextChoices):
    RATIO_TO_LOWEST = "ratio_to_lowest", _("Ratio to the lowest price")
    LINEAR = "linear", _("Linear")


class PricingUnit(models.TextChoices):
    PER_STUDENT = "per_student", _("Price per student (whole training)")
    PER_STUDENT_DAY = "per_student_day", _("Price per student-day")
    PER_GROUP = "per_group", _("Price per group")


def is_officer(tender: "Tender", user) -> bool:
    return roles_of(user).is_officer(tender.authority_id)


@guard(_("The tender deadline has already passed."), "deadline_passed")
def deadline_in_future(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline > timezone.now()


@guard(_("The tender deadline has not passed yet."), "deadline_not_passed")
def deadline_passed(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline <= timezone.now()


@guard(_("The standstill period has not ended yet."), "standstill_not_ended")
def standstill_over(tender: "Tender") -> bool:
    decision = getattr(tender, "award_decision", None)
    if decision is None:
        return False
    return decision.standstill_ends_on is None or decision.standstill_ends_on < local_date(timezone.now())


class Tender(ConcurrentTransitionMixin, models.Model):
    authority = models.ForeignKey(
        ContractingAuthority, verbose_name=_("contracting authority"), on_delete=models.PROTECT, related_name="tenders"
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language of the call"), max_length=2, choices=Language.choices, default="fi")
    cpv_main = models.CharField(_("main CPV code"), max_length=10, default="80400000-8")
    estimated_value = models.DecimalField(
        _("estimated value without VAT"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("999999999999"))],
    )
    price_weight = models.DecimalField(
        _("price weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    price_method = models.CharField(
        _("price scoring method"), max_length=20, choices=PriceMethod.choices, default=PriceMethod.RATIO_TO_LOWEST
    )
    tender_validity_months = models.PositiveSmallIntegerField(
        _("tender validity (months)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    submission_deadline = models.DateTimeField(_("tender deadline"))
    status = FSMField(_("status"), default=TenderStatus.DRAFT, choices=TenderStatus.choices, protected=True)
    # When the periodic scan should next look at this call; null when nothing is pending.
    next_check = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True, editable=False)

    class Meta:
        verbose_name = _("call for tenders")
        verbose_name_plural = _("calls for tenders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_check"], name="tender_next_check", condition=Q(next_check__isnull=False)),
            models.Index(fields=["authority", "status"]),
            models.Index(fields=["status", "submission_deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.pk}: {self.title}"

    @property
    def regime(self) -> Regime:
        day = local_date(self.published_at or timezone.now())
        return rules_on(day).regime_for(self.estimated_value)

    def accepts_bids_at(self, moment) -> bool:
        """True while the box is open at the given server time, whatever the scheduler has done yet.

        A request received before the deadline counts even if the scan closed the call while it was in flight.
        """
        return self.status in (TenderStatus.PUBLISHED, TenderStatus.CLOSED) and moment < self.submission_deadline

    @property
    def bids_are_sealed(self) -> bool:
        return self.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED) or (
            self.status == TenderStatus.CANCELLED and self.opened_at is None
        )

    # --- edges of the state machine -------------------------------------------------------------

    @transition(
        field=status,
        source=TenderStatus.DRAFT,
        target=TenderStatus.PUBLISHED,
        conditions=[deadline_in_future],
        permission=is_officer,
    )
    def publish(self) -> None:
        self.published_at = timezone.now()
        self.next_check = self.submission_deadline

    @transition(
        field=status,
        source=TenderStatus.PUBLISHED,
        target=TenderStatus.CLOSED,
        conditions=[deadline_passed],
        permission=is_officer,
    )
    def close(self) -> None:
        self.closed_at = timezone.now()
        self.next_check = None

    @transition(field=status, source=TenderStatus.CLOSED, target=TenderStatus.OPENED, permission=is_officer)
    def open(self, *, by) -> None:
        self.opened_at = timezone.now()
        self.opened_by = by

    @transition(field=status, source=TenderStatus.OPENED, target=TenderStatus.EVALUATED, permission=is_officer)
    def evaluate(self) -> None:
        self.evaluated_at = timezone.now()

    @transition(field=status, source=TenderStatus.EVALUATED, target=TenderStatus.DECIDED, permission=is_officer)
    def decide(self) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=status,
        source=TenderStatus.DECIDED,
        target=TenderStatus.COMPLETED,
        conditions=[standstill_over],
        permission=is_officer,
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=[
            TenderStatus.DRAFT,
            TenderStatus.PUBLISHED,
            TenderStatus.CLOSED,
            TenderStatus.OPENED,
            TenderStatus.EVALUATED,
            TenderStatus.DECIDED,
        ],
        target=TenderStatus.CANCELLED,
        permission=is_officer,
    )
    def cancel(self, *, reason: str) -> None:
        self.cancelled_at = timezone.now()
        self.cancel_reason = reason
        self.next_check = None


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=300)
    municipality = models.CharField(_("location (municipality)"), max_length=100, blank=True)
    # The volume stated in the call: comparison price = unit price × volume.
    volume = models.DecimalField(
        _("volume"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    pricing_unit = models.CharField(
        _("pricing unit"), max_length=20, choices=PricingUnit.choices, default=PricingUnit.PER_STUDENT
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class QualityCriterion(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=300)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    guidance = models.TextField(_("scoring guidance"), blank=True)

    class Meta:
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="criterion_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name} ({self.weight} %)"
