"""The decision on a claim for rectification (evaluation.claims): the claim, the authority's decision with its
reasons, and the redress that follows it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from documents.models import GeneratedDocument
from procurement.periods import at_local_time, local_date, period_end
from procurement.redress import redress_for
from tenders.models import Tender

from ..models import Appeal, Claim

# After a claim for rectification under the Local Government Act or the Administrative Procedure Act, the decision
# on it can be appealed to the administrative court within 30 days of its notice (Local Government Act 410/2015,
# sections 135 and 147; Act on Administrative Court Procedure 808/2019, section 13; check), an e-mailed decision being
# deemed received on the 3rd day after its sending.
ADMINISTRATIVE_COURT_DAYS = 30


@dataclass(frozen=True)
class ClaimRedress:
    """What follows the decision on a claim: the Market Court (a hankintaoikaisu) or the administrative court."""

    market_court: bool
    days: int
    sent_on: date
    received_on: date
    ends_on: date
    deadline: datetime | None  # the Market Court's: by the office hours' end of the last day
    court: Any


def claim_redress(claim: Claim, *, sent_on: date) -> ClaimRedress:
    """The appeal that follows a decision on the claim sent on `sent_on`. After a hankintaoikaisu the Market Court
    appeal's 14 days run from the notice of the decision on the claim (Procurement Act 1397/2016, section 147(2))."""
    redress = redress_for(tender=claim.decision.tender, regime=claim.decision.regime)
    received_on = sent_on + timedelta(days=redress.received_after_days)
    if claim.kind == Claim.Kind.PROCUREMENT_ACT and redress.appeal_days:
        ends_on = period_end(received_on, redress.appeal_days)
        deadline = at_local_time(ends_on, redress.appeal_last_time) if redress.appeal_last_time else None
        return ClaimRedress(True, redress.appeal_days, sent_on, received_on, ends_on, deadline, redress.court)
    received_on = sent_on + timedelta(days=3)
    ends_on = period_end(received_on, ADMINISTRATIVE_COURT_DAYS)
    return ClaimRedress(False, ADMINISTRATIVE_COURT_DAYS, sent_on, received_on, ends_on, None, None)


def _claim_of(document: GeneratedDocument) -> Claim:
    """The claim is the document's subject: `claim:<id>`, or `claim:<id>:to:<provider>` for a bidder's copy."""
    claim_id = int(document.subject.split(":")[1])
    claim: Claim = (
        Claim.objects.select_related("decision__tender__authority", "provider", "decided_by")
        .prefetch_related("lots")
        .get(pk=claim_id, decision__tender_id=document.tender_id)
    )
    return claim


def claim_decision_context(document: GeneratedDocument) -> dict[str, Any]:
    tender = document.tender
    claim = _claim_of(document)
    decided_at = claim.decided_at or timezone.now()
    sent_on = local_date(decided_at)
    lots = sorted(claim.lots.all(), key=lambda lot: lot.number)
    return {
        "source_data": {
            "claim": claim.pk,
            "number": claim.number,
            "kind": claim.kind,
            "status": claim.status,
            "lots": [lot.number for lot in lots],
            "arrived_on": claim.arrived_on,
            "reason": claim.reason,
            "reason_sv": claim.reason_sv,
            "decided_at": claim.decided_at,
        },
        # Decisions bind in Finnish or Swedish: a bilingual authority's has both, one after the other.
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "claim": claim,
        "decision": claim.decision,
        "lots": lots,
        "decided_at": decided_at,
        "redress": claim_redress(claim, sent_on=sent_on),
        "generated_at": timezone.now(),
        "document": document,
    }


def claim_decision_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """Named by the claim's number."""
    number = Claim.objects.filter(pk=int(document.subject.split(":")[1])).values_list("number", flat=True).first()
    return ([f"claim-{number}"] if number else []), document.version


def claims_and_appeals(tender: Tender) -> dict[str, Any]:
    """The call's claims for rectification and Market Court appeals with their course, for the procedure report
    (documents/_claims_appeals.html): `claims` and `appeals`, each with its lots in order."""
    claims = (
        Claim.objects.filter(decision__tender=tender)
        .select_related("provider", "decided_by", "filed_by")
        .prefetch_related("lots")
        .order_by("number")
    )
    appeals = (
        Appeal.objects.filter(decision__tender=tender)
        .select_related("appellant", "registered_by", "resolved_by")
        .prefetch_related("lots")
        .order_by("registered_at", "pk")
    )
    return {
        "claims": [{"claim": c, "lots": sorted(c.lots.all(), key=lambda lot: lot.number)} for c in claims],
        "appeals": [{"appeal": a, "lots": sorted(a.lots.all(), key=lambda lot: lot.number)} for a in appeals],
    }
