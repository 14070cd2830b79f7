"""The OCDS 1.1 feed of the published calls: a release per event, compiled records and packages (models to dicts).

What leaves through it is public by construction: the call as published and as each corrigendum changed it, the
published questions in their published wording without the asker, the number of bids per lot once they are opened,
the winners and their comparison prices once decided, the signing of each lot's contract and the interruptions.
Nothing is read from a bid's content, and no user (officer, evaluator, bidder's staff) is named: the authority
appears with its generic contact only.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from bids.models import BidStatus, LotOffer
from procurement.models import ContractingAuthority, ProviderOrganisation
from tenders.models import (
    InterruptionDecision,
    InterruptionKind,
    Procedure,
    Question,
    Tender,
    TenderStatus,
    TenderVersion,
)

from .models import AwardDecision, ContractStatus, LotAward, LotContract

OCDS_VERSION = "1.1"
# The published extensions the releases use (their 1.1.5 tags): lots, bids statistics and enquiries.
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json",
]
# The Finnish Patent and Registration Office's register of business IDs, in org-id.guide.
ORGANIZATION_SCHEME = "FI-PRO"
CURRENCY = "EUR"
# A call that was never published (a draft, one awaiting approval, an approved one not yet out) has no releases.
UNPUBLISHED = (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED)
# Arrays that the OCDS merge replaces whole (`wholeListMerge`) rather than merging by `id`.
WHOLE_LISTS = frozenset({"additionalClassifications", "identifiers", "relatedLots", "roles", "tag"})

Json = dict[str, Any]
# How a mini-competition is procured, in the release's language (tender.procurementMethodDetails).
MINI_COMPETITION_METHOD = gettext_lazy("Mini-competition among the providers of a framework agreement (call-off)")


def ocid_of(tender: Tender) -> str:
    """The call's open contracting ID: the publisher's prefix and the procedure's identifier, stable for ever."""
    return f"{settings.OCDS_OCID_PREFIX}-{tender.procedure_uuid}"


def signed_contracts() -> QuerySet[LotContract]:
    """The lots' contracts that are signed, with the day of signing: from then on the lot's prices are public (Act
    621/1999 section 6: the public reads the bids after the contract)."""
    contracts: QuerySet[LotContract] = LotContract.objects.filter(status=ContractStatus.SIGNED, signed_on__isnull=False)
    return contracts


def published_tenders() -> QuerySet[Tender]:
    """Every call that has been published, whatever happened to it afterwards; a mini-competition under a framework
    agreement (not announced: only the framework's providers were invited) once it is decided."""
    tenders: QuerySet[Tender] = (
        Tender.objects.exclude(status__in=UNPUBLISHED)
        .filter(published_at__isnull=False)
        .exclude(framework_lot__isnull=False, decided_at__isnull=True)
    )
    return tenders


def _framework_process(tender: Tender) -> Json | None:
    """A mini-competition's link to its framework agreement's own contracting process (OCDS 1.1 relatedProcesses,
    relationship "framework"); None for any other call."""
    if tender.framework_lot_id is None:
        return None
    call = Tender.objects.filter(lots=tender.framework_lot_id).first()
    if call is None:
        return None
    language = tender.language
    title = (call.title_sv if language == "sv" else "") or call.title_fi or call.title_sv
    return {
        "id": "1",
        "relationship": ["framework"],
        "title": title,
        "scheme": "ocid",
        "identifier": ocid_of(call),
    }


def _when(moment: datetime | str | None) -> str | None:
    """An ISO 8601 date-time to the second with its offset, in Helsinki time (a version's snapshot keeps
    milliseconds only)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        parsed = parse_datetime(moment)
        if parsed is None:
            return None
        moment = parsed
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _day_start(day: date) -> str:
    """The start of a day in Helsinki, as OCDS wants date-times."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


def _signed_at(contract: LotContract) -> datetime:
    """A contract's signing as a moment: the start of its day in Helsinki (only the day is recorded)."""
    day = contract.signed_on or timezone.localdate()
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _amount(value: Decimal | str | None) -> float | None:
    return None if value is None else float(Decimal(value))


def _organization_id(business_id: str) -> str:
    return f"{ORGANIZATION_SCHEME}-{business_id}"


def _buyer_party(authority: ContractingAuthority, language: str) -> Json:
    """The authority as a party: its names, business ID, address and generic contact, never an officer."""
    name = (authority.name_sv if language == "sv" else "") or authority.name_fi
    party: Json = {
        "id": _organization_id(authority.business_id),
        "name": name,
        "identifier": {"scheme": ORGANIZATION_SCHEME, "id": authority.business_id, "legalName": name},
        "roles": ["buyer", "procuringEntity"],
    }
    address = {
        "streetAddress": authority.street,
        "locality": authority.town,
        "postalCode": authority.postal_code,
        "region": authority.region,
        "countryName": "Finland",
    }
    party["address"] = {key: value for key, value in address.items() if value}
    contact = {"email": authority.email, "telephone": authority.phone, "url": authority.website}
    if any(contact.values()):
        party["contactPoint"] = {key: value for key, value in contact.items() if value}
    return party


def _supplier_party(provider: ProviderOrganisation) -> Json:
    return {
        "id": _organization_id(provider.business_id),
        "name": provider.name,
        "identifier": {"scheme": ORGANIZATION_SCHEME, "id": provider.business_id, "legalName": provider.name},
        "roles": ["supplier"],
    }


def _reference(party: Json) -> Json:
    return {"id": party["id"], "name": party["name"]}


def _call_data(tender: Tender, version: TenderVersion | None) -> Json:
    """The call's fields and lots as the version published them; the current call where no version was kept."""
    if version is not None:
        return dict(version.snapshot)
    fields = (
        "title_fi",
        "title_sv",
        "description_fi",
        "description_sv",
        "language",
        "procedure",
        "is_framework",
        "max_lots_per_provider",
        "cpv_main",
        "cpv_additional",
        "estimated_value",
        "price_weight",
        "questions_deadline",
        "submission_deadline",
    )
    data: Json = {name: getattr(tender, name) for name in fields}
    data["lots"] = [
        {"number": lot.number, "title": lot.title, "title_sv": lot.title_sv, "municipality": lot.municipality}
        for lot in tender.lots.order_by("number")
    ]
    data["criteria"] = [
        {"name": c.name, "name_sv": c.name_sv, "weight": c.weight} for c in tender.criteria.order_by("number")
    ]
    return data


def _text(data: Json, name: str, language: str) -> str:
    """A text in the call's language, else in Finnish."""
    return str((data.get(f"{name}_sv") if language == "sv" else "") or data.get(f"{name}_fi") or "")


def _award_criteria_details(data: Json, language: str) -> str:
    price = Decimal(data.get("price_weight") or 0)
    label = "Pris" if language == "sv" else "Hinta"
    parts = [f"{label} {price.normalize():f} %"]
    for criterion in data.get("criteria") or []:
        name = (criterion.get("name_sv") if language == "sv" else "") or criterion.get("name") or ""
        parts.append(f"{name} {Decimal(criterion.get('weight') or 0).normalize():f} %")
    return "; ".join(parts)


def _in_language(label: Any, language: str) -> str:
    """A translated label in the call's language, whatever language the request is in (the feed is one)."""
    with translation.override(language):
        return str(label)


def _cpv(code: str) -> Json:
    return {"scheme": "CPV", "id": code}


def _tender_section(
    tender: Tender,
    data: Json,
    *,
    status: str,
    lot_statuses: dict[int, str],
    enquiries: list[Json],
    amendments: list[Json],
    buyer: Json,
    bids_count: int | None,
    withdrawn_lots: list[int],
) -> Json:
    language = str(data.get("language") or tender.language)
    lots = data.get("lots") or []
    additional = [_cpv(code) for code in data.get("cpv_additional") or []]
    items = []
    for lot in lots:
        item: Json = {
            "id": str(lot["number"]),
            "description": (lot.get("title_sv") if language == "sv" else "") or lot.get("title") or "",
            "classification": _cpv(str(data.get("cpv_main") or tender.cpv_main)),
            "relatedLot": str(lot["number"]),
        }
        if additional:
            item["additionalClassifications"] = additional
        items.append(item)
    price_weight = Decimal(data.get("price_weight") or 0)
    section: Json = {
        "id": str(tender.procedure_uuid),
        "title": _text(data, "title", language),
        "status": status,
        "procuringEntity": _reference(buyer),
        "items": items,
        "value": {"amount": _amount(data.get("estimated_value")), "currency": CURRENCY},
        "procurementMethod": "open",
        "procurementMethodDetails": _in_language(Procedure(data.get("procedure") or tender.procedure).label, language),
        "mainProcurementCategory": "services",
        "awardCriteria": "priceOnly" if price_weight >= 100 else "ratedCriteria",
        "awardCriteriaDetails": _award_criteria_details(data, language),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": _when(tender.published_at),
            "endDate": _when(data.get("submission_deadline")),
        },
        "hasEnquiries": bool(enquiries),
        "lots": [
            {
                "id": str(lot["number"]),
                "title": (lot.get("title_sv") if language == "sv" else "") or lot.get("title") or "",
                "status": lot_statuses.get(int(lot["number"]), status),
            }
            for lot in lots
        ]
        # A lot that a corrigendum removed stays in the compiled release (the OCDS merge keeps what it has seen),
        # so it is said to be withdrawn.
        + [{"id": str(number), "status": "withdrawn"} for number in withdrawn_lots],
    }
    description = _text(data, "description", language)
    if description:
        section["description"] = description
    if data.get("questions_deadline"):
        section["enquiryPeriod"] = {
            "startDate": _when(tender.published_at),
            "endDate": _when(data.get("questions_deadline")),
        }
    if data.get("max_lots_per_provider"):
        section["lotDetails"] = {"maximumLotsBidPerSupplier": int(data["max_lots_per_provider"])}
    if enquiries:
        section["enquiries"] = enquiries
    if amendments:
        section["amendments"] = amendments
    if bids_count is not None:
        section["numberOfTenderers"] = bids_count
    return section


def _enquiry(question: Question) -> Json:
    """A published question in its published wording (the officer may have removed the asker's name) and its
    answer; who asked is never said."""
    published = question.bulletin.published_at if question.bulletin else None
    return {
        "id": str(question.number),
        "date": _when(published),
        "description": question.text,
        "answer": question.answer,
        "dateAnswered": _when(published),
    }


class _Events:
    """The facts of one call that its releases are made of, read once."""

    def __init__(self, tender: Tender) -> None:
        self.tender = tender
        self.ocid = ocid_of(tender)
        self.language = tender.language
        self.buyer = _buyer_party(tender.authority, tender.language)
        self.versions = list(tender.versions.order_by("number"))
        self.questions = list(
            Question.objects.filter(tender=tender, bulletin__isnull=False)
            .select_related("bulletin")
            .order_by("bulletin__published_at", "number")
        )
        self.interruptions = list(
            InterruptionDecision.objects.filter(tender=tender).select_related("lot").order_by("decided_at", "pk")
        )
        self.decision = AwardDecision.objects.filter(tender=tender).first()
        self.awards: list[LotAward] = (
            list(
                self.decision.lot_awards.filter(winner__isnull=False)
                .select_related("lot", "winner__bid__provider")
                .order_by("lot__number", "rank")
            )
            if self.decision
            else []
        )
        self.contracts = list(
            signed_contracts().filter(lot__tender=tender).select_related("lot").order_by("signed_on", "lot__number")
        )
        self.cancelled_contract_lots = set(
            LotContract.objects.filter(lot__tender=tender, status=ContractStatus.CANCELLED).values_list(
                "lot__number", flat=True
            )
        )
        self.opened_at = tender.opened_at
        self.framework_process = _framework_process(tender)

    @cached_property
    def current_data(self) -> Json:
        """The call as it is, for a call whose published version was not kept (read once)."""
        return _call_data(self.tender, None)

    # --- what was true at a moment -------------------------------------------------------------------------

    def version_at(self, moment: datetime) -> TenderVersion | None:
        current = None
        for version in self.versions:
            if version.created_at <= moment or version.number == 1:
                current = version
        return current

    def enquiries_at(self, moment: datetime) -> list[Json]:
        return [_enquiry(q) for q in self.questions if q.bulletin is not None and q.bulletin.published_at <= moment]

    def withdrawn_lots_at(self, moment: datetime, data: Json) -> list[int]:
        """The lots an earlier version published that the call no longer has at `moment`."""
        current = {int(lot["number"]) for lot in data.get("lots") or []}
        published = {
            int(lot["number"])
            for version in self.versions
            if version.created_at <= moment
            for lot in version.snapshot.get("lots") or []
        }
        return sorted(published - current)

    def amendments_at(self, moment: datetime) -> list[Json]:
        return [
            {
                "id": str(version.number),
                "date": _when(version.created_at),
                "rationale": version.reason,
                "description": ", ".join(str(name) for name in version.changed_fields),
                "releaseID": f"{self.ocid}-amendment-{version.number}",
            }
            for version in self.versions
            if version.number > 1 and version.created_at <= moment
        ]

    def interruptions_at(self, moment: datetime) -> list[InterruptionDecision]:
        return [decision for decision in self.interruptions if decision.decided_at <= moment]

    def tender_status_at(self, moment: datetime) -> str:
        for decision in self.interruptions_at(moment):
            if decision.lot_id is None:
                return "cancelled" if decision.kind == InterruptionKind.CALL_CANCELLED else "unsuccessful"
        if self.decision is not None and self.decision.decided_at <= moment:
            return "complete"
        return "active"

    def lot_statuses_at(self, moment: datetime) -> dict[int, str]:
        statuses: dict[int, str] = {}
        if self.decision is not None and self.decision.decided_at <= moment:
            statuses.update({award.lot.number: "complete" for award in self.awards})
        for decision in self.interruptions_at(moment):
            if decision.lot is not None:
                statuses[decision.lot.number] = (
                    "cancelled" if decision.kind == InterruptionKind.LOT_CANCELLED else "unsuccessful"
                )
        return statuses

    @cached_property
    def counts_public_at(self) -> datetime | None:
        """When the number of bids becomes public: with the decision on the opened bids (the award, or an
        interruption), as the award notice gives it; the opening record itself is not public before that."""
        if self.opened_at is None:
            return None
        moments = [self.decision.decided_at] if self.decision is not None else []
        moments += [d.decided_at for d in self.interruptions if d.decided_at >= self.opened_at]
        return min(moments) if moments else None

    @cached_property
    def bids_statistics(self) -> tuple[int, list[Json]]:
        """The number of bids, and of offers per lot: counted only once the bids are opened (read once)."""
        submitted = Q(bid__status=BidStatus.SUBMITTED)
        per_lot = (
            LotOffer.objects.filter(submitted, bid__tender=self.tender)
            .values("lot__number")
            .annotate(count=Count("bid", distinct=True))
            .order_by("lot__number")
        )
        total = self.tender.bids.filter(status=BidStatus.SUBMITTED).count()
        opened = _when(self.opened_at)
        statistics: list[Json] = [{"id": "bids", "measure": "bids", "value": total, "date": opened}]
        statistics += [
            {
                "id": f"bids-lot-{row['lot__number']}",
                "measure": "bids",
                "value": row["count"],
                "date": opened,
                "relatedLot": str(row["lot__number"]),
            }
            for row in per_lot
        ]
        return total, statistics

    # --- the releases ----------------------------------------------------------------------------------------

    def release(self, *, release_id: str, moment: datetime, tag: list[str]) -> Json:
        """The call as it stood at `moment`: every release repeats what is known then, so that each one reads
        on its own and the compiled record is their merge."""
        version = self.version_at(moment)
        data = _call_data(self.tender, version) if version is not None else self.current_data
        counted = self.counts_public_at is not None and self.counts_public_at <= moment
        bids_count, statistics = self.bids_statistics if counted else (None, [])
        release: Json = {
            "ocid": self.ocid,
            "id": f"{self.ocid}-{release_id}",
            "date": _when(moment),
            "tag": tag,
            "initiationType": "tender",
            "language": str(data.get("language") or self.language),
            "parties": [self.buyer],
            "buyer": _reference(self.buyer),
            "tender": _tender_section(
                self.tender,
                data,
                status=self.tender_status_at(moment),
                lot_statuses=self.lot_statuses_at(moment),
                enquiries=self.enquiries_at(moment),
                amendments=self.amendments_at(moment),
                buyer=self.buyer,
                bids_count=bids_count,
                withdrawn_lots=self.withdrawn_lots_at(moment, data),
            ),
        }
        if statistics:
            release["bids"] = {"statistics": statistics}
        if self.framework_process is not None:
            # A call-off under a framework agreement: among the framework's providers only, linked to its process.
            release["relatedProcesses"] = [self.framework_process]
            release["tender"]["procurementMethod"] = "selective"
            release["tender"]["procurementMethodDetails"] = _in_language(MINI_COMPETITION_METHOD, release["language"])
        if self.decision is not None and self.decision.decided_at <= moment:
            self._add_awards(release, moment)
        return release

    def _add_awards(self, release: Json, moment: datetime) -> None:
        """The decided awards, naming each winner; a price is public only once the lot's contract is signed
        (Act 621/1999: the bidders see the bids after the decision, the public after the contract)."""
        withdrawn = {
            decision.lot.number if decision.lot else None
            for decision in self.interruptions_at(moment)
            if decision.award_withdrawn
        }
        signed = {contract.lot_id: contract for contract in self.contracts if _signed_at(contract) <= moment}
        suppliers: dict[str, Json] = {}
        awards = []
        for award in self.awards:
            if award.winner is None:  # the query keeps the awards with a winner
                continue
            supplier = suppliers.setdefault(
                award.winner.bid.provider.business_id, _supplier_party(award.winner.bid.provider)
            )
            cancelled = None in withdrawn or award.lot.number in withdrawn
            entry: Json = {
                "id": f"{award.lot.number}-{award.rank}",
                "status": "cancelled" if cancelled else "active",
                "date": _when(self.decision.decided_at if self.decision else None),
                "suppliers": [_reference(supplier)],
                "relatedLots": [str(award.lot.number)],
            }
            if award.lot_id in signed:
                entry["value"] = {"amount": _amount(award.winner.comparison_price), "currency": CURRENCY}
            awards.append(entry)
        release["parties"] = [self.buyer, *suppliers.values()]
        release["awards"] = awards
        contracts = []
        for contract in signed.values():
            lot_awards = [a for a in self.awards if a.lot_id == contract.lot_id]
            if not lot_awards or contract.signed_on is None:
                continue
            first = lot_awards[0]
            entry = {
                "id": str(contract.lot.number),
                "awardID": f"{first.lot.number}-{first.rank}",
                "status": "active",
                "dateSigned": _day_start(contract.signed_on),
            }
            if len(lot_awards) == 1 and first.winner is not None:
                entry["value"] = {"amount": _amount(first.winner.comparison_price), "currency": CURRENCY}
            contracts.append(entry)
        for lot_number in sorted(self.cancelled_contract_lots):
            cancelled_award = next((a for a in self.awards if a.lot.number == lot_number), None)
            if cancelled_award is not None and (None in withdrawn or lot_number in withdrawn):
                contracts.append(
                    {
                        "id": str(lot_number),
                        "awardID": f"{cancelled_award.lot.number}-{cancelled_award.rank}",
                        "status": "cancelled",
                    }
                )
        if contracts:
            release["contracts"] = contracts

    def releases(self) -> list[Json]:
        tender = self.tender
        if tender.status in UNPUBLISHED or tender.published_at is None:
            return []
        events: list[tuple[datetime, str, list[str]]] = [(tender.published_at, "tender", ["tender"])]
        for version in self.versions:
            if version.number > 1:
                events.append((version.created_at, f"amendment-{version.number}", ["tenderAmendment"]))
        bulletins = sorted(
            {q.bulletin.pk: q.bulletin for q in self.questions if q.bulletin is not None}.values(),
            key=lambda b: (b.published_at, b.number),
        )
        for bulletin in bulletins:
            events.append((bulletin.published_at, f"enquiries-{bulletin.number}", ["tenderUpdate"]))
        if self.decision is not None and self.awards:
            events.append((self.decision.decided_at, "award", ["award"]))
        for contract in self.contracts:
            events.append((_signed_at(contract), f"contract-{contract.lot.number}", ["contract"]))
        for decision in self.interruptions:
            whole = decision.lot is None
            tag = ["tenderCancellation"] if whole else ["tenderUpdate"]
            if decision.award_withdrawn:
                tag.append("awardCancellation")
            key = "call" if decision.lot is None else f"lot-{decision.lot.number}"
            events.append((decision.decided_at, f"interruption-{key}", tag))
        # In the order they happened; events of the same moment in the order above (a stable sort).
        events.sort(key=lambda event: event[0])
        return [self.release(release_id=key, moment=moment, tag=tag) for moment, key, tag in events]


def tender_releases(tender: Tender) -> list[Json]:
    """The call's releases, oldest first: none for a call that was never published."""
    return _Events(tender).releases()


# --- compiling: the OCDS merge ---------------------------------------------------------------------------------


def _merge(into: Json, release: Json) -> None:
    """Merge a release into the compiled release by the OCDS merge rules: objects field by field, arrays of
    objects with an `id` by `id`, other arrays (and the whole-list ones) replaced, null removing a field."""
    for key, value in release.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict):
            target = into.get(key)
            if not isinstance(target, dict):
                target = into[key] = {}
            _merge(target, value)
        elif (
            isinstance(value, list)
            and key not in WHOLE_LISTS
            and value
            and all(isinstance(item, dict) and "id" in item for item in value)
        ):
            existing = into.get(key)
            merged: dict[str, Json] = (
                {str(item["id"]): item for item in existing if isinstance(item, dict) and "id" in item}
                if isinstance(existing, list)
                else {}
            )
            for item in value:
                _merge(merged.setdefault(str(item["id"]), {}), item)
            into[key] = list(merged.values())
        else:
            into[key] = copy.deepcopy(value)


def compiled_release(releases: Sequence[Json]) -> Json:
    """The merge of a call's releases (oldest first): the call as it stands."""
    compiled: Json = {}
    for release in sorted(releases, key=lambda r: r["date"]):
        _merge(compiled, release)
    compiled["id"] = f"{compiled['ocid']}-compiled"
    compiled["tag"] = ["compiled"]
    return compiled


def tender_record(tender: Tender) -> Json | None:
    """The call's record: its releases and their compiled release; None for a call that was never published."""
    releases = tender_releases(tender)
    if not releases:
        return None
    return {"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": compiled_release(releases)}


# --- packages --------------------------------------------------------------------------------------------------


def _publisher() -> Json:
    return {"name": settings.OCDS_PUBLISHER_NAME}


def release_package(releases: Iterable[Json], *, uri: str, published: datetime | None = None) -> Json:
    """A release package of the releases, for the feed at `uri`."""
    releases = list(releases)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": _when(published or _latest(releases) or timezone.now()),
        "publisher": _publisher(),
        "releases": releases,
    }


def record_package(records: Iterable[Json], *, uri: str, published: datetime | None = None) -> Json:
    """A record package of the records, for the feed at `uri`."""
    records = list(records)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": _when(published or _latest([r["compiledRelease"] for r in records]) or timezone.now()),
        "publisher": _publisher(),
        "records": records,
    }


def _latest(releases: Sequence[Json]) -> datetime | None:
    dates = [parse_datetime(release["date"]) for release in releases if release.get("date")]
    known = [moment for moment in dates if moment is not None]
    return max(known) if known else None


def latest_change(releases: Sequence[Json]) -> datetime | None:
    """When the newest of the releases happened: the feed's Last-Modified."""
    return _latest(releases)


# --- the feed's reads ------------------------------------------------------------------------------------------


def feed_tenders(*, authority: str = "") -> QuerySet[Tender]:
    """The published calls, of one authority when `authority` names it (its business ID or its id)."""
    tenders = published_tenders().select_related("authority").order_by("published_at", "pk")
    authority = authority.strip()
    if "\x00" in authority or len(authority) > 100:
        return tenders.none()  # names no authority (and the database takes no NUL in a string)
    if authority:
        by_business_id = Q(authority__business_id=authority)
        # An id, when it is one (a number beyond the database's integers names nothing).
        number = authority.isascii() and authority.isdigit() and len(authority) < 10
        by_id = Q(authority_id=int(authority)) if number else by_business_id
        tenders = tenders.filter(by_business_id | by_id)
    return tenders


def feed_releases(*, authority: str = "", since: datetime | None = None, until: datetime | None = None) -> list[Json]:
    """The releases of the published calls (of one authority), dated from `since` and before `until`, oldest first."""
    tenders = feed_tenders(authority=authority)
    if until is not None:
        tenders = tenders.filter(published_at__lt=until)
    releases = []
    for tender in tenders:
        for release in tender_releases(tender):
            moment = parse_datetime(release["date"])
            if moment is None or (since is not None and moment < since) or (until is not None and moment >= until):
                continue
            releases.append(release)
    # By date; a call's releases of the same second keep their order (a stable sort).
    releases.sort(key=lambda release: parse_datetime(release["date"]) or timezone.now())
    return releases


def tender_by_ocid(ocid: str) -> Tender | None:
    """The published call of the ocid; None for any other (unknown, another publisher's, never published)."""
    prefix = f"{settings.OCDS_OCID_PREFIX}-"
    if not ocid.startswith(prefix):
        return None
    try:
        procedure = uuid.UUID(ocid.removeprefix(prefix))
    except ValueError:
        return None
    return published_tenders().select_related("authority").filter(procedure_uuid=procedure).first()
