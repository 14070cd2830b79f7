"""What a bid keeps from the others: the parts its bidder marked as business secrets (or personal data of its staff),
as far as the authority upholds the marking. The access requests, the disclosed copies, the comparison and the
competitors' view of a bid all read it here, so that one decision counts everywhere.

A part is named as in the bid's `business_secrets`: "contact", "quality:<criterion id>", "evidence:<requirement
id>", "attachment:<attachment id>". Prices are never withheld."""

from dataclasses import dataclass

from tenders.models import Tender

from .document_contexts import business_secrets


@dataclass(frozen=True)
class Withheld:
    """A part of a bid that a disclosed copy leaves out: all of it (`passages` empty), or only the passages of its
    text that are listed; with the legal ground (a code of `procurement.labels`)."""

    part: str
    passages: tuple[str, ...] = ()
    ground: str = "business_secret"


def secrecy_withheld(tender: Tender) -> dict[int, list[Withheld]]:
    """Per submitted bid (by id), what is withheld from anyone but its bidder and the authority. Until the authority
    has reviewed a bid's markings, every part the bidder marked is withheld whole."""
    return {
        bid_id: [Withheld(part=part) for part in sorted(parts)] for bid_id, parts in business_secrets(tender).items()
    }
