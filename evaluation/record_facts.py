"""What the information management plan (documents.records) cannot see of a call's records: which record withholds
a bid's upheld business secrets (its receipt, its letter), and which belongs to a bid that was not chosen."""

from bids.models import BidVersion, SecrecyGround, SecrecyReview
from bids.secrecy import secrecy_withheld
from documents.models import DocumentKind, GeneratedDocument
from documents.records import BUSINESS_SECRET, PERSONAL_CIRCUMSTANCES, RecordFacts
from tenders.models import Tender, TenderStatus

from .models import LotAward

GROUNDS: dict[str, str] = {
    SecrecyGround.BUSINESS_SECRET: BUSINESS_SECRET,
    SecrecyGround.PERSONAL_DATA: PERSONAL_CIRCUMSTANCES,
}
# A call in these states has chosen whom it chose (or no one): the records of the other bids are "not chosen".
CHOSEN_KNOWN = (TenderStatus.DECIDED, TenderStatus.COMPLETED, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL)


def _number(subject: str, prefix: str) -> int | None:
    if not subject.startswith(prefix):
        return None
    tail = subject[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def _bid_of_documents(documents: list[GeneratedDocument]) -> dict[int, int]:
    """The bid each receipt, letter and secrecy decision is about, by document id."""
    versions = {d.pk: n for d in documents if (n := _number(d.subject, "bid-version:")) is not None}
    reviews = {d.pk: n for d in documents if (n := _number(d.subject, "secrecy-review:")) is not None}
    bid_of_version = dict(BidVersion.objects.filter(pk__in=versions.values()).values_list("pk", "bid_id"))
    bid_of_review = dict(SecrecyReview.objects.filter(pk__in=reviews.values()).values_list("pk", "bid_id"))
    found = {}
    for document in documents:
        if document.kind == DocumentKind.RECEIPT and document.pk in versions:
            bid = bid_of_version.get(versions[document.pk])
        elif document.kind == DocumentKind.LETTER:
            bid = _number(document.subject, "bid:")
        elif document.kind == DocumentKind.SECRECY_DECISION and document.pk in reviews:
            bid = bid_of_review.get(reviews[document.pk])
        else:
            bid = None
        if bid is not None:
            found[document.pk] = bid
    return found


def call_record_facts(documents: list[GeneratedDocument]) -> dict[int, RecordFacts]:
    """`documents.records.RecordFacts` of the records that are about one bid, call by call."""
    facts: dict[int, RecordFacts] = {}
    by_tender: dict[int, list[GeneratedDocument]] = {}
    for document in documents:
        by_tender.setdefault(document.tender_id, []).append(document)
    tenders = Tender.objects.in_bulk(list(by_tender))
    for tender_id, group in by_tender.items():
        bid_of = _bid_of_documents(group)
        if not bid_of:
            continue
        tender = tenders[tender_id]
        withheld = secrecy_withheld(tender) if tender.opened_at is not None else {}
        winners = set(
            LotAward.objects.filter(decision__tender_id=tender_id, winner__isnull=False).values_list(
                "winner__bid_id", flat=True
            )
        )
        chosen_known = tender.status in CHOSEN_KNOWN
        for document_id, bid_id in bid_of.items():
            grounds = frozenset(GROUNDS.get(w.ground, BUSINESS_SECRET) for w in withheld.get(bid_id, []))
            facts[document_id] = RecordFacts(secret_grounds=grounds, not_chosen=chosen_known and bid_id not in winners)
    return facts
