"""Quality scores, the computed ranking per lot, and the award decision."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from bids.models import LotOffer
from procurement.access import roles_of
from procurement.rules import Regime
from tenders.models import Lot, QualityCriterion, Tender

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _in_section_language(main: str, swedish: str) -> str:
    return swedish if swedish and (get_language() or "").startswith("sv") else main


# An officer's text in the language of the section that renders it: its Swedish counterpart in a Swedish section
# (when written), the text itself otherwise.
in_section_language = lazy(_in_section_language, str)


class QualityScore(models.Model):
    """The panel's (consensus) score of one quality criterion for one lot offer, with its reason."""

    lot_offer = models.ForeignKey(LotOffer, on_delete=models.CASCADE, related_name="quality_scores")
    criterion = models.ForeignKey(QualityCriterion, on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    reason = models.TextField(_("reason"))
    # Its Swedish text: a bilingual authority's comparison, decision and letters need it (tenders.languages).
    reason_sv = models.TextField(_("reason in Swedish"), blank=True)
    # A summary of the reason for the other bidders, when the reason would reveal an answer its bidder marked as a
    # business secret: the decision shows this (or says that the reason is withheld), the bidder's own letter the
    # whole reason.
    public_reason = models.TextField(_("public reason"), blank=True)
    public_reason_sv = models.TextField(_("public reason in Swedish"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)
    # Not a field: set by the comparison report on the scores it shows (`evaluation.document_contexts.comparison`),
    # whether the bidder marked the answer scored a business secret.
    secret: bool

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
        # Offers equal under every criterion the call states share their rank until a draw of lots orders them.
        ordering = ["lot__number", "rank", "lot_offer_id"]

    def __str__(self) -> str:
        return f"lot {self.lot_id} #{self.rank}: {self.total_points}"

    @property
    def tied_with(self) -> list[int]:
        """The lot offers this one is tied with (itself included) while no draw has ordered them."""
        return self.calculation.get("tied_with", [])


class TieDraw(models.Model):
    """Drawing lots between offers still equal after the call's tie-break criteria, in the presence of two officers.

    The first officer starts it: the server draws a secret seed and records its SHA-256 (the commitment); a second
    officer's confirmation within the window reveals the seed and the order it gives (`evaluation.draws`). Anyone
    with the seed, the lot, the tied bids and the algorithm can recompute the order, and the commitment shows that
    the seed was fixed before the second officer confirmed."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="tie_draws")
    rank = models.PositiveIntegerField(_("tied rank"))
    tied_bids = models.JSONField(_("tied bids"))  # the bids' ids, ascending
    algorithm = models.CharField(_("algorithm"), max_length=40)
    commitment = models.CharField(_("commitment (SHA-256 of the seed)"), max_length=64)
    seed = models.CharField(_("seed"), max_length=64)  # hex; not shown to anyone before the confirmation
    order = models.JSONField(_("order drawn"), default=list, blank=True)  # the bids' ids, first place first
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("draw of lots")
        verbose_name_plural = _("draws of lots")
        ordering = ["lot", "rank", "-started_at"]

    def __str__(self) -> str:
        return f"draw on lot {self.lot_id} at rank {self.rank}"

    def is_pending(self, moment) -> bool:
        return self.confirmed_at is None and moment < self.expires_at


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
    requirement ("requirement:<id>"). A failed exclusion check names the ground (a code of
    procurement.exclusion.EXCLUSION_GROUNDS that the call asks to declare), which gives its section (80 or 81)."""

    bid = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="qualification_checks")
    subject = models.CharField(max_length=40)
    passed = models.BooleanField()
    reason = models.TextField()
    reason_sv = models.TextField(blank=True)
    ground = models.CharField(_("exclusion ground"), max_length=40, blank=True)
    # For the other bidders, when the reason would reveal evidence its bidder marked as a business secret.
    public_reason = models.TextField(_("public reason"), blank=True)
    public_reason_sv = models.TextField(_("public reason in Swedish"), blank=True)
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
    # §96 asks about the price of one offer: a price explanation names the lot offer (a clarification may not).
    lot_offer = models.ForeignKey(
        LotOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="provider_requests"
    )
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


class RejectionGround(models.TextChoices):
    """The legal ground of a rejection, as the decision and the letters state it."""

    ABNORMALLY_LOW = "abnormally_low", _("Abnormally low price (section 96 of the Act on Public Procurement)")
    NON_CONFORMING = "non_conforming", _("The offer does not conform to the call for tenders")


class PriceRejection(models.Model):
    """An offer rejected for its price (§96): only after its bidder was asked to explain the price, and either gave
    no explanation by the time set (the request's deadline passed) or gave one the officer assessed, with reasons,
    as not accounting for the low price."""

    class Basis(models.TextChoices):
        NO_EXPLANATION = "no_explanation", _("The bidder gave no explanation by the time set")
        EXPLANATION_NOT_ACCEPTED = (
            "explanation_not_accepted",
            _("The bidder's explanation does not account for the low price"),
        )

    lot_offer = models.OneToOneField(LotOffer, on_delete=models.PROTECT, related_name="price_rejection")
    ground = models.CharField(max_length=30, choices=RejectionGround.choices, default=RejectionGround.ABNORMALLY_LOW)
    # The request whose deadline passed or whose answer was assessed (empty only on rows from before the rule).
    explanation_request = models.ForeignKey(
        ProviderRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(max_length=30, choices=Basis.choices, blank=True)
    reason = models.TextField()
    reason_sv = models.TextField(blank=True)
    # The officer's assessment of the bidder's explanation, required when there is one.
    assessment = models.TextField(blank=True)
    assessment_sv = models.TextField(blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("price rejection")
        verbose_name_plural = _("price rejections")

    def __str__(self) -> str:
        return f"offer {self.lot_offer_id} rejected for its price"

    def statement(self) -> "StrOrPromise":
        """The rejection as the decision and the letters state it: the lot, the legal ground, what the bidder did
        with the request, and the officer's reasons; lazy, so that each language section renders it in its own."""
        # The choices' own labels, which stay lazy (get_FOO_display() would translate them now).
        parts = [format_lazy(_("Lot {number}"), number=self.lot_offer.lot.number), RejectionGround(self.ground).label]
        if self.basis:
            parts.append(self.Basis(self.basis).label)
        text = format_lazy("{}: {}. {}." if self.basis else "{}: {}.", *parts)
        for officer_text, swedish in ((self.assessment, self.assessment_sv), (self.reason, self.reason_sv)):
            if officer_text.strip():
                text = format_lazy("{} {}", text, in_section_language(officer_text.strip(), swedish.strip()))
        return text


class ConformityRejection(models.Model):
    """An offer rejected because it does not conform to the call for tenders (it does not offer what the call asks,
    or not on its terms), with the officer's specific reason; decided before the evaluation is finished, and the
    offer is then left out of the scoring and the ranking as a price rejection is."""

    lot_offer = models.OneToOneField(LotOffer, on_delete=models.PROTECT, related_name="conformity_rejection")
    ground = models.CharField(max_length=30, choices=RejectionGround.choices, default=RejectionGround.NON_CONFORMING)
    reason = models.TextField()
    # Its Swedish text: a bilingual authority's decision and letters need it (tenders.languages).
    reason_sv = models.TextField(blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rejection for non-conformity")
        verbose_name_plural = _("rejections for non-conformity")

    def __str__(self) -> str:
        return f"offer {self.lot_offer_id} rejected as not conforming to the call"

    def statement(self) -> "StrOrPromise":
        """As the decision and the letters state it: the lot, the ground and the officer's reason; lazy."""
        return format_lazy(
            "{}: {}. {}",
            format_lazy(_("Lot {number}"), number=self.lot_offer.lot.number),
            RejectionGround(self.ground).label,
            in_section_language(self.reason.strip(), self.reason_sv.strip()),
        )


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


class ContractStatus(models.TextChoices):
    NOTIFYING = "notifying", _("Decision being notified")
    STANDSTILL = "standstill", _("Standstill")
    SUSPENDED = "suspended", _("Suspended: a claim for rectification or an appeal is pending")
    CONTRACTING = "contracting", _("Ready for contracting")
    SIGNED = "signed", _("Contract signed")
    CANCELLED = "cancelled", _("Cancelled")


def is_officer_of_contract(contract: "LotContract", user) -> bool:
    return roles_of(user).is_officer(contract.lot.tender.authority_id)


class LotContract(ConcurrentTransitionMixin, models.Model):
    """An awarded lot after the decision: notification, standstill, appeals, and the signing of the contract.

    The periods run from the moment the decision was notified: the latest sending to the lot's bidders."""

    decision = models.ForeignKey(AwardDecision, on_delete=models.PROTECT, related_name="lot_contracts")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="contract")
    status = FSMField(_("status"), default=ContractStatus.NOTIFYING, choices=ContractStatus.choices, protected=True)
    notified_at = models.DateTimeField(_("decision notified at"), null=True, blank=True)
    standstill_ends_on = models.DateField(_("standstill ends on"), null=True, blank=True)
    appeal_deadline = models.DateTimeField(_("appeal deadline"), null=True, blank=True)
    self_correction_ends_on = models.DateField(_("self-correction request period ends on"), null=True, blank=True)
    # An officer's confirmation, after the standstill, that no self-correction claim or Market Court appeal about the
    # lot had arrived when it was checked: the contract may be signed only after it (never by a timer).
    cleared_at = models.DateTimeField(_("checked for claims and appeals at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clearance_note = models.CharField(_("note on the check"), max_length=500, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signatories = models.JSONField(_("signatories"), default=list, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=60, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("lot contract")
        verbose_name_plural = _("lot contracts")
        ordering = ["lot__tender", "lot__number"]

    def __str__(self) -> str:
        return f"contract of lot {self.lot_id} ({self.status})"

    @transition(field=status, source=ContractStatus.NOTIFYING, target=ContractStatus.STANDSTILL)
    def notified(self) -> None:
        """Every bidder of the lot has been sent the decision: the standstill runs."""

    @transition(field=status, source=ContractStatus.NOTIFYING, target=ContractStatus.CONTRACTING)
    def notified_without_standstill(self) -> None:
        """Below the national thresholds there is no standstill."""

    @transition(
        field=status, source=[ContractStatus.STANDSTILL, ContractStatus.CONTRACTING], target=ContractStatus.STANDSTILL
    )
    def renotified(self) -> None:
        """The decision was sent again (e.g. to a corrected address): the standstill runs again from the new sending,
        and an earlier check for claims and appeals no longer counts."""
        self._clearance_forget()

    @transition(
        field=status,
        source=ContractStatus.STANDSTILL,
        target=ContractStatus.CONTRACTING,
        permission=is_officer_of_contract,
    )
    def clear(self, *, at, by, note) -> None:
        """After the standstill an officer confirmed that no self-correction claim or appeal had arrived."""
        self.cleared_at, self.cleared_by, self.clearance_note = at, by, note

    def _clearance_forget(self) -> None:
        self.cleared_at, self.cleared_by, self.clearance_note = None, None, ""

    @transition(
        field=status,
        source=[ContractStatus.NOTIFYING, ContractStatus.STANDSTILL, ContractStatus.CONTRACTING],
        target=ContractStatus.SUSPENDED,
        permission=is_officer_of_contract,
    )
    def suspend(self) -> None:
        """A Market Court appeal was registered: no contract until it is resolved, and then only after a new check."""
        self._clearance_forget()

    @transition(
        field=status,
        source=ContractStatus.SUSPENDED,
        target=ContractStatus.CONTRACTING,
        permission=is_officer_of_contract,
    )
    def resume(self) -> None:
        """The appeal was dismissed or withdrawn."""

    @transition(
        field=status,
        source=ContractStatus.SUSPENDED,
        target=ContractStatus.CANCELLED,
        permission=is_officer_of_contract,
    )
    def cancel(self) -> None:
        """The Market Court annulled the decision for this lot: a new decision is needed."""

    @transition(
        field=status,
        source=[
            ContractStatus.NOTIFYING,
            ContractStatus.STANDSTILL,
            ContractStatus.SUSPENDED,
            ContractStatus.CONTRACTING,
            ContractStatus.CANCELLED,
        ],
        target=ContractStatus.NOTIFYING,
    )
    def decided_again(self) -> None:
        """A new edition of the decision decided the lot again (`evaluation.corrections`): it is notified anew, and
        its periods run from that notification; an earlier check for claims and appeals no longer counts."""
        self.notified_at = None
        self.standstill_ends_on = self.appeal_deadline = self.self_correction_ends_on = None
        self._clearance_forget()

    @transition(
        field=status,
        source=[
            ContractStatus.NOTIFYING,
            ContractStatus.STANDSTILL,
            ContractStatus.SUSPENDED,
            ContractStatus.CONTRACTING,
        ],
        target=ContractStatus.CANCELLED,
        permission=is_officer_of_contract,
    )
    def withdraw(self) -> None:
        """The lot (or the call) was interrupted by a decision before the contract was signed: the award of the lot
        is withdrawn and no contract is made (`tenders.interruption`)."""
        self._clearance_forget()

    @transition(
        field=status, source=ContractStatus.CONTRACTING, target=ContractStatus.SIGNED, permission=is_officer_of_contract
    )
    def sign(self, *, signed_on, signatories, reference, by) -> None:
        self.signed_on, self.signatories, self.contract_reference, self.signed_by = (
            signed_on,
            signatories,
            reference,
            by,
        )


class Appeal(models.Model):
    """A Market Court appeal against the decision, about some of its lots, as registered by an officer: the lots are
    suspended until the officer records the court's outcome."""

    class Outcome(models.TextChoices):
        DISMISSED = "dismissed", _("Dismissed or rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ANNULLED = "annulled", _("Decision annulled")
        RE_EVALUATE = "re_evaluate", _("Ordered to re-evaluate")
        CONTRACTING_BAN = "contracting_ban", _("Ban on contracting")
        COMPENSATION = "compensation", _("Compensation ordered")
        FINE = "fine", _("Penalty fine ordered")

    decision = models.ForeignKey(AwardDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    # The contract of the lot it was first registered on (an appeal about a lot without a winner has none).
    contract = models.ForeignKey(LotContract, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    lots = models.ManyToManyField(Lot, blank=True, related_name="appeals", verbose_name=_("lots concerned"))
    appellant = models.ForeignKey(
        "procurement.ProviderOrganisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appellant_name = models.CharField(_("appellant"), max_length=200, blank=True)
    filed_on = models.DateField(_("filed on"))
    # The day the court (or the appellant) informed the authority of the appeal.
    informed_on = models.DateField(_("authority informed on"), null=True, blank=True)
    reference = models.CharField(_("Market Court reference"), max_length=60)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # A compensation or a fine: its amount; any outcome: the officer's summary of the ruling.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    outcome_note = models.TextField(_("summary of the ruling"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Market Court appeal")
        verbose_name_plural = _("Market Court appeals")
        ordering = ["registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "reference"], name="one_appeal_per_decision_reference")
        ]

    def __str__(self) -> str:
        return f"appeal {self.reference} on decision {self.decision_id}"


class LiabilityDocumentKind(models.TextChoices):
    """The certificates of the Act on the Contractor's Obligations and Liability (1233/2006), section 5."""

    TRADE_REGISTER = "trade_register", _("Extract from the Trade Register")
    TAX_REGISTERS = "tax_registers", _("Prepayment, employer and VAT register entries")
    TAX_DEBT = "tax_debt", _("Tax debt certificate")
    PENSION_INSURANCE = "pension_insurance", _("Pension insurance certificate")
    COLLECTIVE_AGREEMENT = "collective_agreement", _("Applicable collective agreement or terms of employment")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Occupational health care arrangement")
    ACCIDENT_INSURANCE = "accident_insurance", _("Statutory accident insurance")


class LiabilityDocument(models.Model):
    """A contractor-liability certificate of the winner, with its date; at signing it may be at most 3 months old."""

    contract = models.ForeignKey(LotContract, on_delete=models.PROTECT, related_name="liability_documents")
    kind = models.CharField(_("kind"), max_length=30, choices=LiabilityDocumentKind.choices)
    issued_on = models.DateField(_("issued on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contractor-liability document")
        verbose_name_plural = _("contractor-liability documents")
        ordering = ["contract", "kind", "-issued_on"]

    def __str__(self) -> str:
        return f"{self.kind} {self.issued_on} for {self.contract_id}"


# --- framework agreements and their call-offs -------------------------------------------------------------------


class FrameworkStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")
    TERMINATED = "terminated", _("Terminated")


class CapacityUnit(models.TextChoices):
    STUDENTS = "students", _("Students per term")
    GROUPS = "groups", _("Groups per term")


def is_officer_of_framework(framework: models.Model, user) -> bool:
    return isinstance(framework, Framework) and roles_of(user).is_officer(framework.tender.authority_id)


class Framework(ConcurrentTransitionMixin, models.Model):
    """The framework agreement of one lot, concluded when the lot's contract is signed: its providers in the award's
    rank order, its term and options, its maximum value and volume, and how call-offs are made.

    Every call-off locks this row (`select_for_update`) while it checks capacity and the maximum, so that two
    officers ordering the last capacity at once cannot both succeed."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="frameworks")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="framework")
    contract = models.OneToOneField(LotContract, on_delete=models.PROTECT, related_name="framework")
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    status = FSMField(_("status"), default=FrameworkStatus.ACTIVE, choices=FrameworkStatus.choices, protected=True)
    call_off_method = models.CharField(_("how call-offs are made"), max_length=20)  # tenders.CallOffMethod
    starts_on = models.DateField(_("in force from"))
    # The last day of the term, options exercised so far included.
    ends_on = models.DateField(_("in force until"))
    long_term_reason = models.TextField(_("reason for a term longer than four years"), blank=True)
    max_value = models.DecimalField(_("maximum value"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_volume = models.DecimalField(_("maximum volume"), max_digits=12, decimal_places=2, null=True, blank=True)
    capacity_unit = models.CharField(
        _("capacity stated in"), max_length=10, choices=CapacityUnit.choices, default=CapacityUnit.STUDENTS
    )
    # Working days a provider has to answer an order (the holiday calendar counts: procurement.periods).
    reply_working_days = models.PositiveSmallIntegerField(
        _("working days to reply to an order"), default=3, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.TextField(_("reason for the end"), blank=True, editable=False)

    class Meta:
        verbose_name = _("framework agreement")
        verbose_name_plural = _("framework agreements")
        ordering = ["tender", "lot__number"]

    def __str__(self) -> str:
        return f"framework of lot {self.lot_id}"

    @transition(field=status, source=FrameworkStatus.ACTIVE, target=FrameworkStatus.ENDED)
    def end(self, *, at) -> None:
        """The term, options exercised included, ran out (a timer): no more call-offs."""
        self.ended_at = at

    @transition(
        field=status,
        source=FrameworkStatus.ACTIVE,
        target=FrameworkStatus.TERMINATED,
        permission=is_officer_of_framework,
    )
    def terminate(self, *, at, reason: str) -> None:
        """Ended early by a recorded decision."""
        self.ended_at, self.end_reason = at, reason


class FrameworkMember(models.Model):
    """A provider of the framework, at its rank from the award, with the unit price of its framework tender (as the
    contract's price clause has adjusted it) and the capacity it stated."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="members")
    provider = models.ForeignKey(
        "procurement.ProviderOrganisation", on_delete=models.PROTECT, related_name="framework_memberships"
    )
    lot_offer = models.ForeignKey(LotOffer, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    unit_price = models.DecimalField(_("unit price without VAT"), max_digits=12, decimal_places=2)
    # Per term (a half-year by the course's start date) in the framework's capacity unit; empty: not limited.
    capacity = models.PositiveIntegerField(_("capacity per term"), null=True, blank=True)
    joined_on = models.DateField(_("member from"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("framework provider")
        verbose_name_plural = _("framework providers")
        ordering = ["framework", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "provider"], name="one_membership_per_provider"),
            models.UniqueConstraint(
                fields=["framework", "rank"],
                condition=models.Q(left_on__isnull=True),
                name="one_active_member_per_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.provider_id} in {self.framework_id}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class FrameworkOption(models.Model):
    """An option period of the framework, stated in the call; exercised (or declined) only by a recorded decision."""

    class State(models.TextChoices):
        OPEN = "open", _("Not decided")
        EXERCISED = "exercised", _("Exercised")
        DECLINED = "declined", _("Not exercised")

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="options")
    number = models.PositiveSmallIntegerField(_("number"))
    months = models.PositiveSmallIntegerField(_("months"), validators=[MinValueValidator(1)])
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        verbose_name = _("option period")
        verbose_name_plural = _("option periods")
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="one_option_per_number")]

    def __str__(self) -> str:
        return f"option {self.number} of {self.framework_id}"


class FrameworkChange(models.Model):
    """A recorded decision on the framework after its conclusion, with its reasons: an option exercised or not, a
    provider leaving, the next-ranked bidder taking its place, a price index adjustment the contract allows, a
    provider's capacity, the early end of the agreement."""

    class Kind(models.TextChoices):
        OPTION_EXERCISED = "option_exercised", _("Option exercised")
        OPTION_DECLINED = "option_declined", _("Option not exercised")
        MEMBER_LEFT = "member_left", _("Provider left the framework")
        MEMBER_ADDED = "member_added", _("Next-ranked bidder joined the framework")
        PRICE_INDEX = "price_index", _("Price index adjustment")
        CAPACITY = "capacity", _("Capacity changed")
        TERMINATED = "terminated", _("Framework ended early")

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="changes")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    member = models.ForeignKey(FrameworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(FrameworkOption, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What changed, as {"field": [before, after]} (e.g. "unit_price", "ends_on", "capacity", "rank").
    details = models.JSONField(_("what changed"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    reason_sv = models.TextField(_("reason in Swedish"), blank=True)
    effective_on = models.DateField(_("effective on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change of a framework agreement")
        verbose_name_plural = _("changes of framework agreements")
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="one_change_per_number")]

    def __str__(self) -> str:
        return f"change {self.number} of {self.framework_id}: {self.kind}"


class CallOffStatus(models.TextChoices):
    OFFERED = "offered", _("Waiting for the provider's reply")
    ACCEPTED = "accepted", _("Accepted")
    UNFILLED = "unfilled", _("No provider took it")
    CANCELLED = "cancelled", _("Cancelled")


class CallOffMethodUsed(models.TextChoices):
    PREFERENCE = "preference", _("Order of preference")
    MINI_COMPETITION = "mini_competition", _("Mini-competition")


def is_officer_of_call_off(call_off: models.Model, user) -> bool:
    return isinstance(call_off, CallOff) and roles_of(user).is_officer(call_off.framework.tender.authority_id)


class CallOff(ConcurrentTransitionMixin, models.Model):
    """An order of one course start from a framework: by order of preference it is offered to the first-ranked
    provider with capacity, passes down the ranks on a decline or a missed reply deadline, and is accepted by one;
    a mini-competition's decision makes an accepted one with its winner.

    While offered or accepted it holds its value and volume (and the current provider's capacity) against the
    framework's maximum; unfilled or cancelled it holds nothing."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="call_offs")
    number = models.PositiveIntegerField(_("number"))
    method = models.CharField(
        _("method"), max_length=20, choices=CallOffMethodUsed.choices, default=CallOffMethodUsed.PREFERENCE
    )
    # The mini-competition that made it (method "mini_competition").
    mini_competition = models.OneToOneField(
        Tender, null=True, blank=True, on_delete=models.PROTECT, related_name="call_off"
    )
    status = FSMField(_("status"), default=CallOffStatus.OFFERED, choices=CallOffStatus.choices, protected=True)
    municipality = models.CharField(_("municipality"), max_length=100)
    language_of_instruction = models.CharField(_("language of instruction"), max_length=2)  # tenders.Language
    study_path = models.CharField(_("study path"), max_length=10)  # tenders.StudyPath
    students = models.PositiveIntegerField(_("students"), validators=[MinValueValidator(1)])
    start_on = models.DateField(_("start date"))
    training_days = models.PositiveSmallIntegerField(_("training days"), validators=[MinValueValidator(1)])
    note = models.TextField(_("note to the provider"), blank=True)
    # In the lot's pricing unit (tenders.models.lot_volume with one group).
    volume = models.DecimalField(_("volume"), max_digits=12, decimal_places=2)
    # The provider it is offered to or that accepted it, and that provider's unit price × the volume.
    member = models.ForeignKey(
        FrameworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="call_offs"
    )
    unit_price = models.DecimalField(_("unit price without VAT"), max_digits=12, decimal_places=2, null=True)
    value = models.DecimalField(_("value without VAT"), max_digits=14, decimal_places=2, null=True)
    reply_by = models.DateTimeField(_("reply by"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_reason = models.TextField(_("reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("call-off order")
        verbose_name_plural = _("call-off orders")
        ordering = ["framework", "-number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="one_call_off_per_number")]
        indexes = [models.Index(fields=["status", "reply_by"])]

    def __str__(self) -> str:
        return f"order {self.number} of {self.framework_id} ({self.status})"

    @transition(field=status, source=CallOffStatus.OFFERED, target=CallOffStatus.OFFERED)
    def pass_on(self) -> None:
        """Declined, not answered in time or skipped with a reason: offered to the next provider."""

    @transition(field=status, source=CallOffStatus.OFFERED, target=CallOffStatus.ACCEPTED)
    def accept(self, *, at) -> None:
        self.accepted_at = at

    @transition(field=status, source=CallOffStatus.OFFERED, target=CallOffStatus.UNFILLED)
    def exhaust(self, *, at, reason: str) -> None:
        """No provider left with capacity (or within the maximum) that has not declined."""
        self.closed_at, self.close_reason, self.reply_by = at, reason, None

    @transition(
        field=status,
        source=[CallOffStatus.OFFERED, CallOffStatus.ACCEPTED],
        target=CallOffStatus.CANCELLED,
        permission=is_officer_of_call_off,
    )
    def cancel(self, *, at, reason: str) -> None:
        self.closed_at, self.close_reason, self.reply_by = at, reason, None


class CallOffStep(models.Model):
    """One step of an order down the ranks: offered to a provider and its outcome, or a provider passed over for
    lack of capacity (recorded by the system) or skipped by an officer with a reason that the order's record shows."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for a reply")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No reply by the deadline")
        NO_CAPACITY = "no_capacity", _("Passed over: no capacity left")
        OVER_MAXIMUM = "over_maximum", _("Passed over: the framework's maximum would be exceeded")
        SKIPPED = "skipped", _("Skipped by the officer")
        WITHDRAWN = "withdrawn", _("Order cancelled")

    call_off = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    member = models.ForeignKey(FrameworkMember, on_delete=models.PROTECT, related_name="call_off_steps")
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, default=Outcome.PENDING)
    offered_at = models.DateTimeField(null=True, blank=True)
    reply_by = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    # The provider's reason for a decline, or the officer's for a skip.
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("step of a call-off order")
        verbose_name_plural = _("steps of call-off orders")
        ordering = ["call_off", "number"]
        constraints = [models.UniqueConstraint(fields=["call_off", "number"], name="one_call_off_step_per_number")]

    def __str__(self) -> str:
        return f"{self.call_off_id} step {self.number}: {self.member_id} {self.outcome}"


class Claim(ConcurrentTransitionMixin, models.Model):
    """A claim for the correction of the decision (hankintaoikaisuvaatimus, or below the threshold a claim for
    rectification under the Local Government Act or the Administrative Procedure Act, as the decision's redress
    says), about some of its lots: filed by a bidder through the portal or the API, or registered by an officer
    when it came by e-mail or post. Until the authority decides on it, contracting of its lots is suspended."""

    class Kind(models.TextChoices):
        PROCUREMENT_ACT = "procurement_act", _("Request for rectification (Procurement Act)")
        LOCAL_GOVERNMENT = "local_government", _("Claim for rectification (Local Government Act)")
        ADMINISTRATIVE = "administrative", _("Claim for rectification (Administrative Procedure Act)")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        EMAIL = "email", _("E-mail")
        POST = "post", _("Post")
        BY_HAND = "by_hand", _("Delivered by hand")

    class Status(models.TextChoices):
        OPEN = "open", _("Being handled")
        REJECTED = "rejected", _("Rejected")
        CORRECTED = "corrected", _("Decision corrected")
        INADMISSIBLE = "inadmissible", _("Not examined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    decision = models.ForeignKey(AwardDecision, on_delete=models.PROTECT, related_name="claims")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    # The claimant: a bidder's organisation (a bidder files it), or as registered by an officer.
    provider = models.ForeignKey(
        "procurement.ProviderOrganisation", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    claimant_name = models.CharField(_("claimant"), max_length=200, blank=True)
    lots = models.ManyToManyField(Lot, related_name="claims", verbose_name=_("lots concerned"))
    arrived_on = models.DateField(_("arrived on"))
    grounds = models.TextField(_("grounds and demands"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    status = FSMField(_("status"), default=Status.OPEN, choices=Status.choices, protected=True)
    # The authority's decision on the claim, with its reasons (in Swedish too for a bilingual authority).
    reason = models.TextField(_("reasons of the decision on the claim"), blank=True)
    reason_sv = models.TextField(_("reasons in Swedish"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("claim for rectification")
        verbose_name_plural = _("claims for rectification")
        ordering = ["decision", "number"]
        constraints = [models.UniqueConstraint(fields=["decision", "number"], name="one_claim_per_number")]

    def __str__(self) -> str:
        return f"claim {self.number} on decision {self.decision_id} ({self.status})"

    @transition(field=status, source=Status.OPEN, target=Status.REJECTED)
    def reject(self) -> None:
        """The authority decided that the decision stands."""

    @transition(field=status, source=Status.OPEN, target=Status.CORRECTED)
    def correct(self) -> None:
        """The authority corrects its decision on the lots concerned: a correction reopens them."""

    @transition(field=status, source=Status.OPEN, target=Status.INADMISSIBLE)
    def dismiss(self) -> None:
        """Not examined (e.g. late, or by someone who is not a party): the decision stands."""

    @transition(field=status, source=Status.OPEN, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        """The claimant withdrew it."""


class Correction(models.Model):
    """The authority's reopening of its decision for some lots: because of a claim it accepted, a Market Court
    ruling (annulment, an order to re-evaluate), or on its own motion (within 90 days of the decision, section 132).
    Only what it names is reopened: the lots, and within them the criteria to score again and the bids whose
    qualification or rejection is examined again. It ends with a new edition of the decision for those lots."""

    class Cause(models.TextChoices):
        CLAIM = "claim", _("Claim for rectification")
        APPEAL = "appeal", _("Market Court ruling")
        OWN_MOTION = "own_motion", _("On the authority's own motion")

    class Status(models.TextChoices):
        OPEN = "open", _("Evaluation reopened")
        DECIDED = "decided", _("New decision made")

    decision = models.ForeignKey(AwardDecision, on_delete=models.PROTECT, related_name="corrections")
    number = models.PositiveSmallIntegerField(_("number"))
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    lots = models.ManyToManyField(Lot, related_name="corrections", verbose_name=_("lots reopened"))
    # What is examined again within those lots: none named means none of that kind.
    criteria = models.ManyToManyField(
        QualityCriterion, blank=True, related_name="+", verbose_name=_("criteria scored again")
    )
    bids = models.ManyToManyField(
        "bids.Bid", blank=True, related_name="+", verbose_name=_("bids whose qualification is examined again")
    )
    reason = models.TextField(_("reason"))
    reason_sv = models.TextField(_("reason in Swedish"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("correction of the decision")
        verbose_name_plural = _("corrections of the decision")
        ordering = ["decision", "number"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "number"], name="one_correction_per_number"),
            models.UniqueConstraint(
                fields=["decision"], condition=models.Q(status="open"), name="one_open_correction_per_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.number} of decision {self.decision_id} ({self.status})"


class DecisionEdition(models.Model):
    """One edition of the decision: the first is the decision itself; each correction makes a new one for the lots
    it reopened, with new letters and new periods for those lots. A replaced edition stays on record, marked with
    the edition that replaced it and why."""

    decision = models.ForeignKey(AwardDecision, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveSmallIntegerField(_("edition"))
    correction = models.OneToOneField(
        Correction, null=True, blank=True, on_delete=models.PROTECT, related_name="edition"
    )
    lots = models.ManyToManyField(Lot, related_name="decision_editions", verbose_name=_("lots decided"))
    # Each lot's winners in this edition, first place first: {lot id: [lot offer ids]} ([] for no acceptable bid).
    winners = models.JSONField(_("winners"), default=dict)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    document = models.ForeignKey(
        "documents.GeneratedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces")
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_reason = models.TextField(_("why it was replaced"), blank=True)

    class Meta:
        verbose_name = _("edition of the decision")
        verbose_name_plural = _("editions of the decision")
        ordering = ["decision", "number"]
        constraints = [models.UniqueConstraint(fields=["decision", "number"], name="one_decision_edition_per_number")]

    def __str__(self) -> str:
        return f"decision {self.decision_id} edition {self.number}"


class AccessGround(models.TextChoices):
    """The legal grounds on which the authority withholds a document or a part of it from a requester (the Act on the
    Openness of Government Activities, 621/1999, JulkL / OffL), or refuses a request."""

    BUSINESS_SECRET = "business_secret", _("Business secret (JulkL 24 § 1 mom. 20 k)")
    PERSONAL_DATA = "personal_data", _("Personal circumstances of a person (JulkL 24 § 1 mom. 32 k)")
    SECURITY = "security", _("Security arrangements (JulkL 24 § 1 mom. 7 k)")
    NOT_HELD = "not_held", _("The authority holds no such document (JulkL 5 §)")
    NOT_SPECIFIED = "not_specified", _("The request does not say which documents are asked for (JulkL 13 §)")


class AccessRequest(ConcurrentTransitionMixin, models.Model):
    """A request to see documents of a call: by one of its bidders once the decision was sent to it (a party's right,
    JulkL 11 §), or by anyone once a contract of the call is signed (the bids are then public, JulkL 6 §), a member of
    the public without an account giving a name and an e-mail address. The officer grants it, grants it in part or
    refuses it with the legal grounds; a granted request gives the requester copies of what was asked with the
    secrets removed. A public requester reads the decision through a link with a secret token, kept only as its
    hash, that expires."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        PUBLIC = "public", _("Public form")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Being handled")
        GRANTED = "granted", _("Granted")
        GRANTED_IN_PART = "granted_in_part", _("Granted in part")
        REFUSED = "refused", _("Refused")

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="access_requests")
    number = models.PositiveSmallIntegerField(_("number"))
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    # A bidder's organisation and the member who asked; or, for the public, a name and an e-mail address.
    provider = models.ForeignKey(
        "procurement.ProviderOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_name = models.CharField(_("name"), max_length=200, blank=True)
    requester_email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(_("language of the decision"), max_length=2, default="fi")
    # What is asked: the bids named (their answers and attachments), the comparison, and anything else in words.
    bids = models.ManyToManyField("bids.Bid", blank=True, related_name="access_requests", verbose_name=_("bids"))
    answers = models.BooleanField(_("their answers"), default=True)
    attachments = models.BooleanField(_("their attachments"), default=True)
    comparison = models.BooleanField(_("the comparison of the bids"), default=False)
    description = models.TextField(_("what else is asked"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    status = FSMField(_("status"), default=Status.RECEIVED, choices=Status.choices, protected=True)
    grounds = models.JSONField(_("legal grounds"), default=list, blank=True)  # AccessGround codes
    reason = models.TextField(_("reasons"), blank=True)
    reason_sv = models.TextField(_("reasons in Swedish"), blank=True)
    # The items granted, as the decision lists them: {"bids": [ids], "answers": bool, "attachments": bool, ...}.
    granted = models.JSONField(_("granted"), default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_document = models.ForeignKey(
        "documents.GeneratedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("request for documents")
        verbose_name_plural = _("requests for documents")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="one_access_request_per_number"),
            models.CheckConstraint(
                condition=models.Q(provider__isnull=False) | ~models.Q(requester_email=""),
                name="access_request_has_a_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"access request {self.number} of {self.tender_id} ({self.status})"

    @property
    def requester(self) -> str:
        return self.provider.name if self.provider_id and self.provider else self.requester_name

    @transition(field=status, source=Status.RECEIVED, target=Status.GRANTED)
    def grant(self) -> None:
        """Everything asked is disclosed (secrets are never part of what may be granted)."""

    @transition(field=status, source=Status.RECEIVED, target=Status.GRANTED_IN_PART)
    def grant_in_part(self) -> None:
        """Some of it is disclosed, with the grounds for what is withheld."""

    @transition(field=status, source=Status.RECEIVED, target=Status.REFUSED)
    def refuse(self) -> None:
        """Nothing is disclosed, on the grounds given."""
