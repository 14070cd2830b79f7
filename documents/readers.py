"""Who reads a document, in terms of records the documents app does not know: each condition is given by the app
that owns the records (bids, panels, awards, interest in a call), registered from its `AppConfig.ready()`. The rule
of each kind, built from these conditions, stays in one place: `documents.services._document_readers`."""

import operator
from collections import defaultdict
from collections.abc import Callable
from functools import reduce

from django.db.models import Q

from procurement.access import AnyUser, Roles

# A condition on GeneratedDocument for one user: `condition(user=..., roles=...)` (roles: `procurement.access`).
ReaderCondition = Callable[..., Q]

# The conditions, by name; several registered under one name are alternatives (either suffices).
CLEAN_PANEL_SEAT = "clean_panel_seat"  # the user sits on the call's panel, declared with no conflict of interest
SIGNED_AWARD = "signed_award"  # the user made the call's award decision
BIDDER = "bidder"  # one of the user's providers has a submitted bid in the call
INTERESTED = "interested"  # one of the user's providers viewed or follows the call, or has a bid or a draft in it
PROVIDER_BID_SUBMITTED = "provider_bid_submitted"  # the document's own provider has a submitted bid in the call
CALL_OPEN = "call_open"  # the call is published and open to the user (a mini-competition: to its framework's members)

CONDITIONS: dict[str, list[ReaderCondition]] = defaultdict(list)
# Why an authority's reader may not read a bid's content after the opening: each gate raises Forbidden with its
# reason (the panel's); 404 stands when none is registered.
BID_CONTENT_GATES: list[Callable[..., None]] = []


def register_reader_condition(name: str, condition: ReaderCondition) -> None:
    CONDITIONS[name].append(condition)


def register_bid_content_gate(gate: Callable[..., None]) -> None:
    BID_CONTENT_GATES.append(gate)


def reader_condition(name: str, *, user: AnyUser, roles: Roles) -> Q:
    """The registered conditions of the name, either of which suffices; none registered: no document."""
    found = [condition(user=user, roles=roles) for condition in CONDITIONS.get(name, [])]
    return reduce(operator.or_, found) if found else Q(pk__in=[])


def bid_content_check(*, user: AnyUser, tender: object) -> None:
    for gate in BID_CONTENT_GATES:
        gate(user=user, tender=tender)
