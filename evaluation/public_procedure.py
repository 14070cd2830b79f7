"""The public record of a procedure, for anyone without signing in: what the publicity act lets out, by stage.

- Once the call is published: the call as it stands (title, authority, CPV, lots, criteria, dates, the call's own
  files), and any interruption decision with its reason.
- Once decided: the date of the decision and each lot's winners (as the OCDS feed names them, `evaluation.ocds`).
- Once a lot's contract is signed (Act 621/1999 section 6: the public reads the bids after the contract): the lot's
  comparison (every ranked bidder's name, business ID, comparison price and points, the panel's reasons except those
  about a part its bidder keeps as a business secret, `bids.secrecy.secrecy_withheld`), the rejected bidders with the
  kind of ground, the contract's parties and value, and the name of the official who decided.

Never: a bid's content (answers, declarations, attachments, contact persons), a user's contact data, an exclusion
ground's details, internal notes, the panel members' individual scores, the draws' officers. A call never
published does not exist here (404), as in the OCDS feed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bids.secrecy import secrecy_withheld
from procurement.errors import NotFound
from tenders.models import InterruptionDecision, LotStatus, Procedure, Tender, TenderDocument, TenderStatus

from .document_contexts.reasons import lot_reasons
from .models import AwardDecision, DecisionEdition, LotContract, RejectionGround
from .ocds import ocid_of, published_tenders, signed_contracts

PAGE_SIZE = 20
MAX_QUERY = 200


@dataclass(frozen=True)
class Text:
    """A text in Finnish and in Swedish; shown in Swedish to a Swedish reader where there is one."""

    fi: str
    sv: str = ""

    def __str__(self) -> str:
        if get_language() == "sv" and self.sv:
            return self.sv
        return self.fi or self.sv


class Stage:
    """How far the procedure has come, as the public may know it."""

    OPEN = "open"  # published, bids may be sent
    EVALUATION = "evaluation"  # the deadline passed: being opened and evaluated
    DECIDED = "decided"  # the award decision was made; no contract yet
    CONTRACTED = "contracted"  # a contract is signed for at least one lot
    INTERRUPTED = "interrupted"  # the whole call was interrupted by a decision

    LABELS = {
        OPEN: _("Open for bids"),
        EVALUATION: _("Being evaluated"),
        DECIDED: _("Decided"),
        CONTRACTED: _("Contract signed"),
        INTERRUPTED: _("Interrupted"),
    }


@dataclass(frozen=True)
class Party:
    """An organisation, by its name and business ID only (never a person, never contact data)."""

    name: Text
    business_id: str


@dataclass(frozen=True)
class CallFile:
    id: int
    title: Text
    filename: str
    kind: str


@dataclass(frozen=True)
class Criterion:
    number: int
    name: Text
    weight: Decimal
    lot: int | None


@dataclass(frozen=True)
class CriterionPoints:
    criterion: int
    points: Decimal | None
    reason: Text | None  # None: withheld (it concerns a part kept as a business secret, with no public summary)


@dataclass(frozen=True)
class ComparisonRow:
    rank: int
    provider: Party
    won: bool
    comparison_price: Decimal
    price_points: Decimal
    quality_points: Decimal
    total_points: Decimal
    criteria: list[CriterionPoints]


# The kinds of ground a rejected bid is shown with (the ground's details stay in the decision to the bidders).
GROUND_LABELS = {
    "exclusion": _("Excluded on a ground for exclusion"),
    "requirement": _("A suitability requirement was not met"),
    "nonconforming": RejectionGround.NON_CONFORMING.label,
    "abnormally_low": RejectionGround.ABNORMALLY_LOW.label,
}


@dataclass(frozen=True)
class Rejected:
    provider: Party
    grounds: list[str]  # the kinds of ground: exclusion, requirement, nonconforming, abnormally_low

    @property
    def ground_labels(self) -> list[str]:
        return [str(GROUND_LABELS.get(ground, ground)) for ground in self.grounds]


@dataclass(frozen=True)
class Contract:
    signed_on: date
    reference: str
    parties: list[Party]
    value: Decimal | None


@dataclass
class PublicLot:
    number: int
    title: Text
    municipality: str
    status: str
    winners: list[Party] = field(default_factory=list)
    interrupted: bool = False
    comparison: list[ComparisonRow] | None = None  # None until the lot's contract is signed
    rejected: list[Rejected] = field(default_factory=list)
    contract: Contract | None = None

    @property
    def status_label(self) -> str:
        return str(LotStatus(self.status).label)


@dataclass(frozen=True)
class Interruption:
    kind: str
    kind_label: str
    lot: int | None
    decided_at: datetime
    reason: Text


@dataclass(frozen=True)
class Edition:
    """An edition of the award decision: the first, or a new one after a correction or the court's annulment (the
    earlier one stays on record, marked as replaced)."""

    number: int
    decided_at: datetime
    lots: list[int]
    replaced_at: datetime | None


@dataclass
class PublicRecord:
    id: int
    ocid: str
    stage: str
    title: Text
    description: Text
    authority: Party
    procedure: str
    procedure_label: str
    cpv_main: str
    cpv_additional: list[str]
    estimated_value: Decimal | None
    price_weight: Decimal
    published_at: datetime
    questions_deadline: datetime | None
    submission_deadline: datetime
    framework: bool
    lots: list[PublicLot]
    criteria: list[Criterion]
    files: list[CallFile]
    interruptions: list[Interruption]
    decided_at: datetime | None = None
    decided_by: str = ""  # the official who decided: public with the decision once a contract is signed
    editions: list[Edition] = field(default_factory=list)

    @property
    def stage_label(self) -> str:
        return str(Stage.LABELS[self.stage])

    @property
    def any_contract(self) -> bool:
        return any(lot.contract is not None for lot in self.lots)


# --- stages ------------------------------------------------------------------------------------------------------


def _stage(tender: Tender, *, signed: bool) -> str:
    if tender.status in (TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL):
        return Stage.INTERRUPTED
    if signed:
        return Stage.CONTRACTED
    if tender.decided_at is not None:
        return Stage.DECIDED
    if tender.status == TenderStatus.PUBLISHED and tender.submission_deadline > timezone.now():
        return Stage.OPEN
    return Stage.EVALUATION


def public_tenders() -> QuerySet[Tender]:
    """The procedures with a public record: every call that was published (the OCDS feed's), newest first."""
    tenders: QuerySet[Tender] = (
        published_tenders()
        .select_related("authority")
        .annotate(
            signed_lots=Count(
                "lots__contract", filter=Q(lots__contract__in=signed_contracts().values("pk")), distinct=True
            )
        )
        .order_by("-published_at", "-pk")
    )
    return tenders


def public_tender_list(*, query: str = "", authority: str = "") -> QuerySet[Tender]:
    """The procedures with a public record, found by words of their title and by their authority's name or
    business ID; each with `public_stage`, read from the annotations."""
    tenders = public_tenders()
    query, authority = query.strip()[:MAX_QUERY], authority.strip()[:MAX_QUERY]
    if "\x00" in query or "\x00" in authority:
        return tenders.none()  # the database takes no NUL in a string
    for word in query.split():
        tenders = tenders.filter(Q(title_fi__icontains=word) | Q(title_sv__icontains=word))
    if authority:
        tenders = tenders.filter(
            Q(authority__name_fi__icontains=authority)
            | Q(authority__name_sv__icontains=authority)
            | Q(authority__business_id=authority)
        )
    return tenders


def public_stage(tender: Tender) -> str:
    """The stage of a procedure of `public_tenders()` (annotated with its signed lots)."""
    return _stage(tender, signed=bool(getattr(tender, "signed_lots", 0)))


def stage_label(stage: str) -> str:
    return str(Stage.LABELS[stage])


# --- one record --------------------------------------------------------------------------------------------------


def _party(name_fi: str, name_sv: str, business_id: str) -> Party:
    return Party(name=Text(name_fi, name_sv), business_id=business_id)


def _authority(tender: Tender) -> Party:
    authority = tender.authority
    return _party(authority.name_fi, authority.name_sv, authority.business_id)


def _provider(provider: Any) -> Party:
    return _party(provider.name, "", provider.business_id)


def _files(tender: Tender) -> list[CallFile]:
    """The call's own files as they stand; none for a mini-competition, which was never announced (its files are
    its framework's providers')."""
    if tender.framework_lot_id is not None:
        return []
    documents = TenderDocument.objects.filter(tender=tender, withdrawn_in_version__isnull=True)
    return [
        CallFile(id=d.pk, title=Text(d.title_fi or d.filename, d.title_sv), filename=d.filename, kind=d.kind)
        for d in documents.order_by("kind", "added_at", "id")
    ]


def _interruptions(tender: Tender) -> list[Interruption]:
    decisions = InterruptionDecision.objects.filter(tender=tender).select_related("lot").order_by("decided_at", "pk")
    return [
        Interruption(
            kind=d.kind,
            kind_label=str(d.get_kind_display()),
            lot=d.lot.number if d.lot else None,
            decided_at=d.decided_at,
            reason=Text(d.reason, d.reason_sv),
        )
        for d in decisions
    ]


def _ground_kinds(grounds: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({str(ground["kind"]) for ground in grounds})


def _criterion_points(row: dict[str, Any], withheld: set[str]) -> list[CriterionPoints]:
    points = []
    for quality in row["quality"]:
        criterion = quality["criterion"]
        score = quality["score"]
        reason: Text | None = None
        if score is not None:
            if f"quality:{criterion.pk}" in withheld:
                # The bidder keeps the answer as a business secret: the panel's public summary, if it wrote one.
                reason = Text(score.public_reason, score.public_reason_sv) if score.public_reason else None
            else:
                reason = Text(score.reason, score.reason_sv)
        points.append(CriterionPoints(criterion=criterion.number, points=quality["points"], reason=reason))
    return points


def _contract_value(contract: LotContract, winners: list[Any]) -> Decimal | None:
    """The contract's value: its provider's comparison price; a framework with several providers has none of its
    own but its maximum, where the framework states one."""
    if len(winners) == 1:
        value: Decimal = winners[0].comparison_price
        return value
    framework = getattr(contract, "framework", None)
    return framework.max_value if framework is not None else None


def public_record(*, tender_id: Any) -> PublicRecord:
    """The public record of a published call (NotFound for any other, a draft included)."""
    if not str(tender_id).isdigit() or len(str(tender_id)) > 9:
        raise NotFound()
    tender = published_tenders().select_related("authority").filter(pk=int(tender_id)).first()
    if tender is None:
        raise NotFound()
    lots = {lot.pk: lot for lot in tender.lots.order_by("number")}
    contracts = {
        c.lot_id: c
        for c in signed_contracts().filter(lot__tender=tender).select_related("framework").order_by("lot__number")
    }
    public_lots = {
        pk: PublicLot(
            number=lot.number, title=Text(lot.title, lot.title_sv), municipality=lot.municipality, status=lot.status
        )
        for pk, lot in lots.items()
    }
    record = PublicRecord(
        id=tender.pk,
        ocid=ocid_of(tender),
        stage=_stage(tender, signed=bool(contracts)),
        title=Text(tender.title_fi, tender.title_sv),
        description=Text(tender.description_fi, tender.description_sv),
        authority=_authority(tender),
        procedure=tender.procedure,
        procedure_label=str(Procedure(tender.procedure).label),
        cpv_main=tender.cpv_main,
        cpv_additional=list(tender.cpv_additional or []),
        estimated_value=tender.estimated_value,
        price_weight=tender.price_weight,
        published_at=tender.published_at or timezone.now(),
        questions_deadline=tender.questions_deadline,
        submission_deadline=tender.submission_deadline,
        framework=tender.is_framework,
        lots=list(public_lots.values()),
        criteria=[
            Criterion(
                number=c.number, name=Text(c.name, c.name_sv), weight=c.weight, lot=c.lot.number if c.lot else None
            )
            for c in tender.criteria.select_related("lot").order_by("number")
        ],
        files=_files(tender),
        interruptions=_interruptions(tender),
    )
    decision = AwardDecision.objects.filter(tender=tender).select_related("decided_by").first()
    if decision is None:
        return record
    record.decided_at = decision.decided_at
    record.editions = [
        Edition(
            number=edition.number,
            decided_at=edition.decided_at,
            lots=sorted(lot.number for lot in edition.lots.all()),
            replaced_at=edition.replaced_at,
        )
        for edition in DecisionEdition.objects.filter(decision=decision).prefetch_related("lots").order_by("number")
    ]
    if contracts:
        # The decision itself is public with the contract: the official who made it is named (no contact data).
        record.decided_by = decision.decided_by.get_full_name()
    # An interruption that withdrew the award names no winner any more (as the OCDS feed cancels the award).
    withdrawn = {
        d.lot.number if d.lot else None
        for d in InterruptionDecision.objects.filter(tender=tender, award_withdrawn=True).select_related("lot")
    }
    reasons = lot_reasons(tender, decision)
    withheld = {bid: {w.part for w in parts} for bid, parts in secrecy_withheld(tender).items()} if contracts else {}
    for item in reasons["lots"]:
        lot = public_lots[item["lot"].pk]
        lot.interrupted = bool(item["interrupted"])
        if not lot.interrupted and None not in withdrawn and lot.number not in withdrawn:
            lot.winners = [_provider(w.bid.provider) for w in item["winners"]]
        contract = contracts.get(item["lot"].pk)
        if contract is None or contract.signed_on is None:
            continue
        winners = {w.pk for w in item["winners"]}
        lot.comparison = [
            ComparisonRow(
                rank=row["rank"],
                provider=_provider(row["provider"]),
                won=row["offer"].pk in winners,
                comparison_price=row["offer"].comparison_price,
                price_points=row["result"].price_points,
                quality_points=row["result"].quality_points,
                total_points=row["result"].total_points,
                criteria=_criterion_points(row, withheld.get(row["offer"].bid_id, set())),
            )
            for row in item["ranked"]
        ]
        lot.rejected = [
            Rejected(provider=_provider(r["provider"]), grounds=_ground_kinds(r["grounds"])) for r in item["rejected"]
        ]
        lot.contract = Contract(
            signed_on=contract.signed_on,
            reference=contract.contract_reference,
            parties=[record.authority, *(_provider(w.bid.provider) for w in item["winners"])],
            value=_contract_value(contract, item["winners"]),
        )
    return record


# --- as JSON -----------------------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, Text):
        return {"fi": value.fi, "sv": value.sv}
    if is_dataclass(value) and not isinstance(value, type):
        return {key: _json(getattr(value, key)) for key in asdict(value)}
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def public_record_json(record: PublicRecord) -> dict[str, Any]:
    """The record as the API gives it: the same content as the page, texts in Finnish and Swedish."""
    data: dict[str, Any] = _json(record)
    data["stage_label"] = record.stage_label
    return data


def public_summary_json(tender: Tender) -> dict[str, Any]:
    """A procedure of the list, as the API gives it."""
    authority = tender.authority
    return {
        "id": tender.pk,
        "ocid": ocid_of(tender),
        "title": {"fi": tender.title_fi, "sv": tender.title_sv},
        "authority": {"name": {"fi": authority.name_fi, "sv": authority.name_sv}, "business_id": authority.business_id},
        "stage": public_stage(tender),
        "stage_label": stage_label(public_stage(tender)),
        "published_at": _json(tender.published_at),
        "decided_at": _json(tender.decided_at),
    }
