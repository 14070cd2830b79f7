"""What an open correction of the decision reopens: its lots, and within them the criteria scored again and the bids
whose qualification or rejection is examined again. Everything else of a decided call stays locked (409)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from procurement.errors import Conflict
from tenders.models import Tender, TenderStatus

from .models import Correction


@dataclass(frozen=True)
class Reopened:
    """The scope of the call's open correction."""

    correction: Correction
    lots: frozenset[int] = field(default_factory=frozenset)
    criteria: frozenset[int] = field(default_factory=frozenset)
    bids: frozenset[int] = field(default_factory=frozenset)

    def may_score(self, *, lot_id: int, bid_id: int, criterion_id: int) -> bool:
        """A named criterion of an offer in a reopened lot, or any criterion of a reinstated bid's offer there (it
        has to be scored whole to be compared)."""
        return lot_id in self.lots and (criterion_id in self.criteria or bid_id in self.bids)

    def may_qualify(self, *, bid_id: int) -> bool:
        return bid_id in self.bids


def open_correction(tender: Tender) -> Correction | None:
    """The decided call's open correction, if any."""
    if tender.status != TenderStatus.DECIDED:
        return None
    return Correction.objects.filter(decision__tender=tender, status=Correction.Status.OPEN).first()


def reopened(tender: Tender) -> Reopened | None:
    """What the call's open correction reopens, or None when the call is not reopened."""
    correction = open_correction(tender)
    if correction is None:
        return None
    return Reopened(
        correction=correction,
        lots=frozenset(correction.lots.values_list("pk", flat=True)),
        criteria=frozenset(correction.criteria.values_list("pk", flat=True)),
        bids=frozenset(correction.bids.values_list("pk", flat=True)),
    )


def not_reopened(what: list[dict[str, int]]) -> Conflict:
    return Conflict(
        _(
            "The decision is being corrected: only what the correction reopens (its lots, the criteria it scores "
            "again and the bids it examines again) can be changed."
        ),
        code="not_reopened",
        items=what,
    )
