"""A call for tenders with its lots and award criteria, and the edges of its state machine."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from procurement.access import roles_of
from procurement.fsm import guard
from procurement.models import ContractingAuthority, Language
from procurement.nuts import validate_nuts3
from procurement.periods import local_date
from procurement.rules import Regime, tender_classification


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    OPENED = "opened", _("Opened")
    EVALUATED = "evaluated", _("Evaluated")
    DECIDED = "decided", _("Decided")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


# The states of a call in progress, in the order it passes them: it may still be cancelled, and may hold an
# officer's or a decision-maker's task. The others (completed, unsuccessful, cancelled) are final.
STATES_IN_PROGRESS = (
    TenderStatus.DRAFT,
    TenderStatus.PENDING_APPROVAL,
    TenderStatus.APPROVED,
    TenderStatus.PUBLISHED,
    TenderStatus.CLOSED,
    TenderStatus.OPENED,
    TenderStatus.EVALUATED,
    TenderStatus.DECIDED,
)


class PriceMethod(models.TextChoices):
    RATIO_TO_LOWEST = "ratio_to_lowest", _("Ratio to the lowest price")
    LINEAR = "linear", _("Linear")


class Procedure(models.TextChoices):
    OPEN = "open", _("Open procedure")
    LIGHT_REGIME = "light_regime", _("Light-regime procedure described in the call")


class TieBreak(models.TextChoices):
    """The call's published order for equal totals; it ends in drawing lots, since the time a bid was received is
    not a lawful criterion (the draw: evaluation.draws)."""

    QUALITY_FIRST = "quality_price_lot", _("Higher quality points, then lower price, then drawing lots")
    PRICE_FIRST = "price_quality_lot", _("Lower price, then higher quality points, then drawing lots")


class StudyPath(models.TextChoices):
    SLOW = "slow", _("Slow path")
    BASIC = "basic", _("Basic path")
    FAST = "fast", _("Fast path")
    OTHER = "other", _("Other")


class LotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")
    AWARDED = "awarded", _("Awarded")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


class SuitabilityKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration in trade, prepayment and employer registers")
    ECONOMIC = "economic", _("Economic and financial standing")
    TECHNICAL = "technical", _("Technical and professional ability")


class CallOffMethod(models.TextChoices):
    """How a framework agreement's call-offs are made, as the call states in advance (Act on Public Procurement,
    section 43): by the order of preference of the award, by mini-competition among the framework's providers,
    or by a combination whose rule the call states (`call_off_rule`)."""

    PREFERENCE = "preference", _("By order of preference")
    MINI_COMPETITION = "mini_competition", _("By mini-competition")
    COMBINED = "combined", _("Order of preference or mini-competition, by the rule stated in the call")


# The longest term of a framework agreement, options included, without an especially justified reason (section 45).
FRAMEWORK_MAX_MONTHS = 48


class PricingUnit(models.TextChoices):
    PER_STUDENT = "per_student", _("Price per student (whole training)")
    PER_STUDENT_DAY = "per_student_day", _("Price per student-day")
    PER_GROUP = "per_group", _("Price per group")


def is_officer(tender: "Tender", user) -> bool:
    return roles_of(user).is_officer(tender.authority_id)


def may_decide(tender: "Tender", user) -> bool:
    """A decision-maker of the authority, or an officer where the authority lets officers decide."""
    roles = roles_of(user)
    return tender.authority_id in roles.decision_maker_of or (
        roles.is_officer(tender.authority_id) and tender.authority.officers_may_decide
    )


def is_second_officer(tender: "Tender", user) -> bool:
    """Four eyes: an officer of the authority other than the author and the one who asked for approval."""
    return is_officer(tender, user) and user.pk not in (tender.created_by_id, tender.submitted_for_approval_by_id)


@guard(_("The tender deadline has already passed."), "deadline_passed")
def deadline_in_future(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline > timezone.now()


@guard(_("The tender deadline has not passed yet."), "deadline_not_passed")
def deadline_passed(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline <= timezone.now()


@guard(_("The bids cannot be opened before the opening time stated in the call."), "opening_time_not_reached")
def opening_time_reached(tender: "Tender") -> bool:
    return tender.opening_at is None or tender.opening_at <= timezone.now()


@guard(_("Open the bids first: a call with bids is judged only after its opening."), "bids_not_opened")
def no_bids_left_unopened(tender: "Tender") -> bool:
    return tender.opened_at is not None or not tender.bids.filter(status="submitted").exists()


@guard(_("An officer must first propose the award."), "award_not_proposed")
def award_proposed(tender: "Tender") -> bool:
    return hasattr(tender, "award_proposal")


@guard(_("The standstill period has not ended yet."), "standstill_not_ended")
def standstill_over(tender: "Tender") -> bool:
    decision = getattr(tender, "award_decision", None)
    if decision is None:
        return False
    return decision.standstill_ends_on is None or decision.standstill_ends_on < local_date(timezone.now())


def lots_unfinished(tender: "Tender") -> list[int]:
    """The numbers of the lots still under way: a call follows its lots, and a lot is finished only when it was
    cancelled or found unsuccessful, or its contract was signed or cancelled (a lot still in its standstill, or not
    yet checked for claims and appeals, is not)."""
    finished = ("signed", "cancelled")
    unfinished = []
    for lot in tender.lots.select_related("contract").order_by("number"):
        if lot.status in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL):
            continue
        contract = getattr(lot, "contract", None)
        if lot.status == LotStatus.AWARDED and contract is not None and contract.status in finished:
            continue
        unfinished.append(lot.number)
    return unfinished


@guard(
    _("A contract has been signed for a lot of this call: the procurement can no longer be interrupted."),
    "contract_signed",
)
def no_contract_signed(tender: "Tender") -> bool:
    return not tender.lots.filter(contract__status="signed").exists()


@guard(_("Some lots are not yet finished: their contracts are not signed or cancelled."), "lots_not_finished")
def lots_finished(tender: "Tender") -> bool:
    return not lots_unfinished(tender)


class Tender(ConcurrentTransitionMixin, models.Model):
    authority = models.ForeignKey(
        ContractingAuthority, verbose_name=_("contracting authority"), on_delete=models.PROTECT, related_name="tenders"
    )
    co_purchasers = models.ManyToManyField(
        ContractingAuthority, verbose_name=_("co-purchasers"), blank=True, related_name="joint_tenders"
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    title_fi = models.CharField(_("title in Finnish"), max_length=300, blank=True)
    title_sv = models.CharField(_("title in Swedish"), max_length=300, blank=True)
    title_en = models.CharField(_("title in English"), max_length=300, blank=True)
    description_fi = models.TextField(_("description in Finnish"), blank=True)
    description_sv = models.TextField(_("description in Swedish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    # The language the documents of the call are written in first; a bilingual authority writes both fi and sv.
    language = models.CharField(_("language of the call"), max_length=2, choices=Language.choices, default="fi")
    bid_languages = models.JSONField(_("languages bids may be written in"), default=list)
    procedure = models.CharField(
        _("procedure"), max_length=20, choices=Procedure.choices, default=Procedure.LIGHT_REGIME
    )
    is_framework = models.BooleanField(_("framework agreement"), default=False)
    framework_providers_per_lot = models.PositiveSmallIntegerField(
        _("providers per lot in the framework"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # How call-offs are made (a framework only) and, for a combination, the rule that chooses between the two.
    call_off_method = models.CharField(
        _("how call-offs are made"), max_length=20, choices=CallOffMethod.choices, blank=True
    )
    call_off_rule = models.TextField(_("rule for choosing the call-off method"), blank=True)
    call_off_rule_sv = models.TextField(_("rule for choosing the call-off method, in Swedish"), blank=True)
    # The especially justified reason for a framework longer than four years with its options (section 45).
    framework_long_term_reason = models.TextField(_("reason for a framework longer than four years"), blank=True)
    # A mini-competition among the providers of this lot's framework agreement: only they may bid, it is not
    # announced, and its decision has no standstill unless the authority chooses one (`standstill_chosen`).
    framework_lot = models.ForeignKey(
        "Lot",
        verbose_name=_("framework agreement (lot)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mini_competitions",
    )
    standstill_chosen = models.BooleanField(_("standstill observed although not required"), default=False)
    max_lots_per_provider = models.PositiveSmallIntegerField(
        _("lots one provider may bid for"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    cpv_main = models.CharField(_("main CPV code"), max_length=10, default="80400000-8")
    cpv_additional = models.JSONField(_("additional CPV codes"), default=list, blank=True)
    # Codes of procurement.exclusion.EXCLUSION_GROUNDS the provider must declare; every mandatory one at least.
    exclusion_grounds = models.JSONField(_("exclusion grounds to declare"), default=list, blank=True)
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
    tie_break = models.CharField(
        _("tie-break rule"), max_length=30, choices=TieBreak.choices, default=TieBreak.QUALITY_FIRST
    )
    tender_validity_months = models.PositiveSmallIntegerField(
        _("tender validity (months)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    planned_publication = models.DateTimeField(_("planned publication"), null=True, blank=True)
    questions_deadline = models.DateTimeField(_("questions deadline"), null=True, blank=True)
    answers_by = models.DateTimeField(_("answers published by"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("tender deadline"))
    opening_at = models.DateTimeField(_("opening time"), null=True, blank=True)
    # The contract's term and its options, as notices state them (eForms BT-36, BT-53, BT-54, BT-57).
    contract_months = models.PositiveSmallIntegerField(
        _("contract term (months)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    option_months = models.PositiveSmallIntegerField(
        _("options to extend (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    options_description = models.TextField(_("options"), blank=True)
    options_description_sv = models.TextField(_("options, in Swedish"), blank=True)
    # Hilma's statistics questions (innovation, sustainability, SMEs…), answered once for the call's lots.
    hilma_statistics = models.JSONField(_("answers to Hilma's statistics questions"), default=dict, blank=True)
    # The procedure's identifier in notices (eForms BT-04), the same in every notice and version of the call.
    procedure_uuid = models.UUIDField(_("procedure identifier"), default=uuid.uuid4, unique=True, editable=False)
    # The procedure's identifier in Hilma, once Hilma has created it.
    hilma_procedure_id = models.CharField(max_length=100, blank=True, editable=False)
    status = FSMField(_("status"), default=TenderStatus.DRAFT, choices=TenderStatus.choices, protected=True)
    # The number of the call's current version; a corrigendum makes a new one.
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    # When the periodic scan should next look at this call; null when nothing is pending.
    next_check = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_for_approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    submitted_for_approval_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approval_comment = models.TextField(_("comment of the approver"), blank=True, editable=False)
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
    cancel_reason_sv = models.TextField(_("reason for cancellation in Swedish"), blank=True, editable=False)
    unsuccessful_reason = models.TextField(_("why the call was unsuccessful"), blank=True, editable=False)
    unsuccessful_reason_sv = models.TextField(
        _("why the call was unsuccessful, in Swedish"), blank=True, editable=False
    )

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
    def title(self) -> str:
        return self._localised("title")

    @property
    def description(self) -> str:
        return self._localised("description")

    def _localised(self, name: str) -> str:
        lang = (get_language() or self.language)[:2]
        for code in (lang, self.language, "fi", "sv", "en"):
            value = getattr(self, f"{name}_{code}", "")
            if value:
                return value
        return ""

    @property
    def document_languages(self) -> list[str]:
        """Decisions bind in Finnish or Swedish; a bilingual authority gets both."""
        status = self.authority.language_status
        if status == "bilingual":
            return ["fi", "sv"]
        return [status]

    @property
    def regime(self) -> Regime:
        """What the CPV codes and the value give under the rule set of the publication (planned, before it)."""
        return tender_classification(self).regime

    def accepts_bids_at(self, moment) -> bool:
        """True while the box is open at the given server time, whatever the scheduler has done yet.

        A request received before the deadline counts even if the scan closed the call while it was in flight.
        """
        return self.status in (TenderStatus.PUBLISHED, TenderStatus.CLOSED) and moment < self.submission_deadline

    @property
    def bids_are_sealed(self) -> bool:
        """Bids stay sealed until the recorded opening, whatever happens to the call otherwise."""
        return self.opened_at is None

    # --- edges of the state machine -------------------------------------------------------------

    @transition(field=status, source=TenderStatus.DRAFT, target=TenderStatus.PENDING_APPROVAL, permission=is_officer)
    def submit_for_approval(self, *, by) -> None:
        self.submitted_for_approval_by = by
        self.submitted_for_approval_at = timezone.now()
        self.approval_comment = ""

    @transition(
        field=status,
        source=TenderStatus.PENDING_APPROVAL,
        target=TenderStatus.APPROVED,
        conditions=[deadline_in_future],
        permission=is_second_officer,
    )
    def approve(self, *, by, comment: str = "") -> None:
        self.approved_by = by
        self.approved_at = timezone.now()
        self.approval_comment = comment

    @transition(
        field=status,
        source=[TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED],
        target=TenderStatus.DRAFT,
        permission=is_officer,
    )
    def return_to_draft(self, *, comment: str) -> None:
        self.approval_comment = comment
        self.approved_by = None
        self.approved_at = None

    @transition(
        field=status,
        source=TenderStatus.APPROVED,
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

    @transition(
        field=status,
        source=TenderStatus.CLOSED,
        target=TenderStatus.OPENED,
        conditions=[opening_time_reached],
        permission=is_officer,
    )
    def open(self, *, by) -> None:
        self.opened_at = timezone.now()
        self.opened_by = by

    @transition(field=status, source=TenderStatus.OPENED, target=TenderStatus.EVALUATED, permission=is_officer)
    def evaluate(self) -> None:
        self.evaluated_at = timezone.now()

    @transition(
        field=status,
        source=TenderStatus.EVALUATED,
        target=TenderStatus.DECIDED,
        conditions=[award_proposed],
        permission=may_decide,
    )
    def decide(self) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=status,
        source=TenderStatus.DECIDED,
        target=TenderStatus.COMPLETED,
        conditions=[standstill_over, lots_finished],
        permission=is_officer,
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=list(STATES_IN_PROGRESS),
        target=TenderStatus.CANCELLED,
        conditions=[no_contract_signed],
        permission=is_officer,
    )
    def cancel(self, *, reason: str, reason_sv: str = "") -> None:
        self.cancelled_at = timezone.now()
        self.cancel_reason = reason
        self.cancel_reason_sv = reason_sv
        self.next_check = None

    @transition(
        field=status,
        source=[TenderStatus.CLOSED, TenderStatus.OPENED, TenderStatus.EVALUATED],
        target=TenderStatus.UNSUCCESSFUL,
        conditions=[no_bids_left_unopened],
        permission=is_officer,
    )
    def declare_unsuccessful(self, *, reason: str, reason_sv: str = "") -> None:
        self.unsuccessful_reason = reason
        self.unsuccessful_reason_sv = reason_sv
        self.next_check = None


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=300)
    # The Swedish counterpart of an officer-written text (`<field>_sv`): a bilingual authority's call, decision and
    # letters need it (tenders.languages); for a one-language authority the main field holds the call's language.
    title_sv = models.CharField(_("title in Swedish"), max_length=300, blank=True)
    municipality = models.CharField(_("location (municipality)"), max_length=100, blank=True)
    language_of_instruction = models.CharField(
        _("language of instruction"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    study_path = models.CharField(_("study path"), max_length=10, choices=StudyPath.choices, default=StudyPath.BASIC)
    students = models.PositiveIntegerField(_("students"), validators=[MinValueValidator(1), MaxValueValidator(100_000)])
    groups = models.PositiveSmallIntegerField(
        _("groups"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    training_days = models.PositiveSmallIntegerField(
        _("training days"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3_650)]
    )
    credits = models.DecimalField(
        _("credits"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("80"))],
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    # The place of performance in notices (eForms BT-5071); proposed from the municipality where it is known.
    nuts = models.CharField(_("region (NUTS 3)"), max_length=5, blank=True, validators=[validate_nuts3])
    # The volume stated in the call, from the pricing unit: comparison price = unit price × volume.
    volume = models.DecimalField(_("volume"), max_digits=12, decimal_places=2, editable=False)
    status = models.CharField(_("status"), max_length=15, choices=LotStatus.choices, default=LotStatus.OPEN)
    status_reason = models.TextField(blank=True, editable=False)
    status_reason_sv = models.TextField(blank=True, editable=False)
    pricing_unit = models.CharField(
        _("pricing unit"), max_length=20, choices=PricingUnit.choices, default=PricingUnit.PER_STUDENT
    )
    # A framework agreement's maximum for the lot (EU Court C-216/17, C-23/20): the value without VAT of every
    # call-off together, and the volume in the lot's pricing unit; the framework refuses call-offs beyond them.
    max_value = models.DecimalField(
        _("maximum value of the framework (EUR, VAT 0 %)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
    )
    max_volume = models.DecimalField(
        _("maximum volume of the framework"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


def lot_volume(*, pricing_unit: str, students: int, training_days: int | None, groups: int | None) -> Decimal | None:
    """The quantity a unit price is multiplied by; None when the lot lacks what its pricing unit needs."""
    if pricing_unit == PricingUnit.PER_STUDENT:
        return Decimal(students)
    if pricing_unit == PricingUnit.PER_STUDENT_DAY:
        return Decimal(students) * training_days if training_days else None
    return Decimal(groups) if groups else None


class SuitabilityRequirement(models.Model):
    """A pass/fail requirement on the provider, with the evidence the call asks for."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="requirements")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    kind = models.CharField(_("kind"), max_length=15, choices=SuitabilityKind.choices)
    text = models.TextField(_("requirement"))
    text_sv = models.TextField(_("requirement in Swedish"), blank=True)
    evidence = models.TextField(_("evidence asked"), blank=True)
    evidence_sv = models.TextField(_("evidence asked, in Swedish"), blank=True)

    class Meta:
        verbose_name = _("suitability requirement")
        verbose_name_plural = _("suitability requirements")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="requirement_number_unique_per_tender")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class QualityCriterion(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    # A criterion of one lot only; null: it applies to every lot of the call.
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=300)
    name_sv = models.CharField(_("name in Swedish"), max_length=300, blank=True)
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
    guidance_sv = models.TextField(_("scoring guidance in Swedish"), blank=True)

    class Meta:
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="criterion_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name} ({self.weight} %)"


class AnswerBulletin(models.Model):
    """A bundle of answers published to every interested provider at once, in the same words."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="bulletins")
    number = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline_before = models.DateTimeField(null=True, blank=True)
    deadline_after = models.DateTimeField(null=True, blank=True)
    late_answer_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer bulletin")
        verbose_name_plural = _("answer bulletins")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="bulletin_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.tender_id} Q&A {self.number}"


class Question(models.Model):
    """A provider's additional question (lisäkysymys); who asked is seen only by the authority."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    provider = models.ForeignKey("procurement.ProviderOrganisation", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    # The public wording, the same for everyone; an officer may edit it before the answer is published (an asker
    # may have named itself), and the words as asked then stay in `original_text`.
    text = models.TextField(_("question"))
    original_text = models.TextField(_("question as asked"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    bulletin = models.ForeignKey(
        AnswerBulletin, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="question_number_unique_per_tender")]
        indexes = [models.Index(fields=["tender", "bulletin"])]

    def __str__(self) -> str:
        return f"{self.tender_id} Q{self.number}"

    @property
    def is_published(self) -> bool:
        return self.bulletin_id is not None


class TenderVersion(models.Model):
    """The call as it was published, and as each corrigendum changed it; old versions stay readable."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason for the change"), blank=True)
    changed_fields = models.JSONField(default=list)
    snapshot = models.JSONField(encoder=DjangoJSONEncoder)
    # A corrigendum's answer to "does the change affect bids already submitted?" (None: the first version), and
    # why: only a change that does sends the submitted bids back to draft.
    affects_bids = models.BooleanField(_("affects submitted bids"), null=True, blank=True)
    affects_bids_reason = models.TextField(_("why the change affects submitted bids or not"), blank=True)

    class Meta:
        verbose_name = _("version of a call")
        verbose_name_plural = _("versions of calls")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="version_number_unique_per_tender")]

    def __str__(self) -> str:
        return f"{self.tender_id} v{self.number}"


class TenderDocumentKind(models.TextChoices):
    SERVICE_DESCRIPTION = "service_description", _("Service description")
    CONTRACT_DRAFT = "contract_draft", _("Contract draft")
    PRICE_FORM = "price_form", _("Price form")
    OTHER = "other", _("Other document")


class TenderDocument(models.Model):
    """A file of the call itself (service description, contract draft, price form), uploaded by an officer.

    Versioned with the call: a corrigendum that replaces a published file keeps the old row, withdrawn in the
    call's new version, and links the new row to it; before publication a file is simply replaced or removed."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="tender_documents")
    kind = models.CharField(_("kind"), max_length=30, choices=TenderDocumentKind.choices)
    title_fi = models.CharField(_("title in Finnish"), max_length=300, blank=True)
    title_sv = models.CharField(_("title in Swedish"), max_length=300, blank=True)
    file = models.FileField(upload_to="call-documents/%Y/%m/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    # The document's own version: 1, then one more each time a corrigendum replaces it.
    number = models.PositiveSmallIntegerField(default=1)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    added_in_version = models.PositiveSmallIntegerField()
    withdrawn_in_version = models.PositiveSmallIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")
        ordering = ["tender", "kind", "id"]
        indexes = [models.Index(fields=["tender", "withdrawn_in_version"])]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.filename} v{self.number}"

    @property
    def title(self) -> str:
        """The title in the reader's language (Swedish for a Swedish reader when there is one)."""
        if get_language() == "sv" and self.title_sv:
            return self.title_sv
        return self.title_fi or self.title_sv or self.filename


class TenderInterest(models.Model):
    """The register of providers interested in a call: who viewed it, who follows it."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="interests")
    provider = models.ForeignKey("procurement.ProviderOrganisation", on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(default=timezone.now)
    following = models.BooleanField(default=False)
    followed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("interested provider")
        verbose_name_plural = _("interested providers")
        constraints = [models.UniqueConstraint(fields=["tender", "provider"], name="one_interest_per_provider")]

    def __str__(self) -> str:
        return f"{self.provider_id} → {self.tender_id}"


class TenderAlert(models.Model):
    """A provider's standing interest: it is told of every new call whose CPV codes (and authority) match."""

    provider = models.ForeignKey("procurement.ProviderOrganisation", on_delete=models.CASCADE, related_name="alerts")
    # A CPV code's leading digits, e.g. "8058" for language courses; empty matches every call.
    cpv_prefix = models.CharField(_("CPV prefix"), max_length=8, blank=True, validators=[RegexValidator(r"^\d{0,8}$")])
    authority = models.ForeignKey(
        "procurement.ContractingAuthority", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call alert")
        verbose_name_plural = _("call alerts")
        ordering = ["provider", "cpv_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "cpv_prefix", "authority"], name="one_alert_per_match", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.cpv_prefix or '*'}"

    def matches(self, tender: "Tender") -> bool:
        if self.authority_id and self.authority_id != tender.authority_id:
            return False
        codes = [tender.cpv_main, *(tender.cpv_additional or [])]
        return any(code.replace("-", "").startswith(self.cpv_prefix) for code in codes)


class InterruptionKind(models.TextChoices):
    LOT_CANCELLED = "lot_cancelled", _("Lot cancelled")
    LOT_UNSUCCESSFUL = "lot_unsuccessful", _("Lot unsuccessful: no acceptable bids")
    CALL_UNSUCCESSFUL = "call_unsuccessful", _("Call unsuccessful: no acceptable bids")
    CALL_CANCELLED = "call_cancelled", _("Call cancelled")


class InterruptionDecision(models.Model):
    """A decision to interrupt (keskeyttää) the procurement or one of its lots, for a real and stated reason.

    It is notified to every provider it concerns with its PDF (`tenders.interruption`); its periods for redress run
    from the sending, as an award decision's do: the latest sending to its recipients counts, and a sending again
    (a corrected address) starts them anew. There is no standstill: nothing is awarded."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="interruptions")
    # Null: the whole call.
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="interruptions")
    kind = models.CharField(_("kind"), max_length=20, choices=InterruptionKind.choices)
    reason = models.TextField(_("reason"))
    # A bilingual authority's decision binds in Swedish too (`{{ decision|sv:"reason" }}`).
    reason_sv = models.TextField(_("reason in Swedish"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    # The rules of the call (those in force when it was published) at the time of the decision.
    regime = models.CharField(_("regime"), max_length=10, choices=Regime.choices)
    # The call's status when it was decided: before the opening, the decision names no bidder.
    tender_status = models.CharField(max_length=20, choices=TenderStatus.choices)
    # The award of the lot (or of the call's lots) that this decision withdrew, during the standstill.
    award_withdrawn = models.BooleanField(default=False)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    self_correction_ends_on = models.DateField(_("self-correction request period ends on"), null=True, blank=True)
    appeal_ends_on = models.DateField(_("appeal period ends on"), null=True, blank=True)
    appeal_deadline = models.DateTimeField(_("appeal deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("interruption decision")
        verbose_name_plural = _("interruption decisions")
        ordering = ["tender", "decided_at", "id"]
        constraints = [
            # One decision per lot, and one for the whole call.
            models.UniqueConstraint(fields=["lot"], name="one_interruption_per_lot", condition=Q(lot__isnull=False)),
            models.UniqueConstraint(fields=["tender"], name="one_interruption_per_call", condition=Q(lot__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.tender_id}/{self.lot_id or '-'}"

    @property
    def key(self) -> str:
        """The notification's key, and the subject of its PDF's editions."""
        return f"interruption:{self.pk}"

    @property
    def notification_kind(self) -> str:
        return INTERRUPTION_NOTIFICATIONS[self.kind]


# The notification kind of each decision (registered in tenders.notifications).
INTERRUPTION_NOTIFICATIONS = {
    InterruptionKind.LOT_CANCELLED: "lot.cancelled",
    InterruptionKind.LOT_UNSUCCESSFUL: "lot.unsuccessful",
    InterruptionKind.CALL_UNSUCCESSFUL: "tender.unsuccessful",
    InterruptionKind.CALL_CANCELLED: "tender.cancelled",
}


# --- notices in Hilma (eForms) -------------------------------------------------------------------


class NoticeKind(models.TextChoices):
    CONTRACT = "contract", _("Contract notice")
    CHANGE = "change", _("Change notice")
    AWARD = "award", _("Contract award notice")


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Generated, not checked")
    INVALID = "invalid", _("Fails the rules")
    VALID = "valid", _("Valid, not sent")
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent to Hilma")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Notice(ConcurrentTransitionMixin, models.Model):
    """An eForms notice of a call in Hilma: generated from the call's data (its versioned snapshot and, for an award
    notice, the decision), checked against the eForms rules, then sent and followed until published.

    The notice keeps its identifier (eForms BT-701) across its versions (BT-757); a new version is made when the
    notice is corrected after Hilma or TED rejected it. A change notice is a notice of its own that names the notice
    it changes (`changes`)."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    # The eForms notice subtype: E3 and E4 (national), 20 and 33 (EU light regime).
    subtype = models.CharField(_("notice type"), max_length=4)
    notice_uuid = models.UUIDField(_("notice identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveSmallIntegerField(_("notice version"), default=1)
    changes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="change_notices")
    # The call's version (TenderVersion.number) the notice was generated from.
    tender_version = models.PositiveSmallIntegerField()
    # The language of the notice's texts first; a bilingual call's notice carries both.
    languages = models.JSONField(default=list)
    xml = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    state = FSMField(_("state"), default=NoticeState.DRAFT, choices=NoticeState.choices, protected=True)
    # What the last check found: [{"rule", "severity", "message", "field", "path", "source"}].
    findings = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Hilma: the ETS identifier chosen by Hankinta for the notice's version, and what Hilma told of it.
    ets_identifier = models.CharField(max_length=100, blank=True)
    hilma_state = models.CharField(max_length=40, blank=True)
    ted_state = models.CharField(max_length=40, blank=True)
    hilma_number = models.CharField(_("Hilma notice number"), max_length=40, blank=True)
    ted_number = models.CharField(_("TED publication number"), max_length=40, blank=True)
    published_on = models.DateTimeField(_("published on"), null=True, blank=True)
    rejection = models.JSONField(default=list, blank=True)  # Hilma's or TED's reasons, as they gave them
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["tender", "created_at", "id"]
        indexes = [
            models.Index(fields=["state", "next_poll_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ets_identifier"], name="notice_ets_identifier_unique", condition=~Q(ets_identifier="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subtype} {self.notice_uuid}-{self.version:02d}"

    @property
    def key(self) -> str:
        return f"notice:{self.pk}"

    # --- edges of the state machine -------------------------------------------------------------

    @transition(
        field=state,
        source=[NoticeState.DRAFT, NoticeState.INVALID, NoticeState.VALID, NoticeState.REJECTED],
        target=NoticeState.DRAFT,
    )
    def regenerate(self) -> None:
        """New content from the call's data (after a rejection: a new version of the same notice)."""
        self.checked_at = None

    @transition(
        field=state, source=[NoticeState.DRAFT, NoticeState.INVALID, NoticeState.VALID], target=NoticeState.VALID
    )
    def pass_check(self) -> None:
        self.checked_at = timezone.now()

    @transition(
        field=state, source=[NoticeState.DRAFT, NoticeState.INVALID, NoticeState.VALID], target=NoticeState.INVALID
    )
    def fail_check(self) -> None:
        self.checked_at = timezone.now()

    @transition(
        field=state,
        source=NoticeState.VALID,
        target=NoticeState.QUEUED,
        permission=lambda n, u: is_officer(n.tender, u),
    )
    def queue(self) -> None:
        self.last_error = ""

    @transition(field=state, source=NoticeState.QUEUED, target=NoticeState.SENT)
    def accept(self) -> None:
        self.sent_at = timezone.now()

    @transition(
        field=state, source=[NoticeState.QUEUED, NoticeState.SENT, NoticeState.PUBLISHED], target=NoticeState.REJECTED
    )
    def reject(self) -> None:
        """Hilma refused it, or TED did not publish it (or withdrew it after Hilma had published it)."""

    @transition(field=state, source=NoticeState.SENT, target=NoticeState.PUBLISHED)
    def publish(self) -> None:
        """Hilma (and TED, for an EU notice) published it: its number and date are recorded by the caller."""


class NoticeSending(models.Model):
    """Each time a notice's version went to Hilma: what was sent and what came back (the XML as it left)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="sendings")
    version = models.PositiveSmallIntegerField()
    ets_identifier = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    xml = models.TextField()
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["notice", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ets_identifier} {self.at:%Y-%m-%d %H:%M} {self.http_status or '-'}"
