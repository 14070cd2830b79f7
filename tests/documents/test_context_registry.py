"""Each kind of document has one builder, registered by the app that owns the kind (issue 20)."""

from documents.context import BUILDERS
from documents.models import DocumentKind
from procurement import asks

OWNERS = {
    DocumentKind.CALL: "tenders",
    DocumentKind.RECEIPT: "bids",
    DocumentKind.OPENING_RECORD: "evaluation",
    DocumentKind.COMPARISON: "evaluation",
    DocumentKind.DECISION: "evaluation",
    DocumentKind.LETTER: "evaluation",
    DocumentKind.INTERRUPTION: "evaluation",
    DocumentKind.PROCEDURE_REPORT: "evaluation",
    DocumentKind.CALL_OFF_ORDER: "evaluation",
    DocumentKind.CALL_OFF_CONFIRMATION: "evaluation",
    DocumentKind.CLAIM_DECISION: "evaluation",
    DocumentKind.SECRECY_DECISION: "bids",
    DocumentKind.ACCESS_DECISION: "evaluation",
    DocumentKind.DISCLOSED_COPY: "evaluation",
}


def test_every_kind_has_a_builder_from_its_owner():
    assert set(BUILDERS) == set(DocumentKind.values) == set(OWNERS)
    for kind, document_type in BUILDERS.items():
        assert document_type.build.__module__.startswith(f"{OWNERS[kind]}.document_contexts"), kind
        assert document_type.template.startswith("documents/")


def test_every_reader_condition_and_the_panel_gate_are_registered_by_their_owners():
    """The rule of each kind (`documents.services._document_readers`) is written in these conditions: one left
    unregistered would silently read as "nobody"."""
    from documents import readers

    owners = {
        readers.CLEAN_PANEL_SEAT: {"evaluation"},
        readers.SIGNED_AWARD: {"evaluation"},
        readers.BIDDER: {"bids"},
        readers.INTERESTED: {"tenders", "bids"},
        readers.PROVIDER_BID_SUBMITTED: {"bids"},
        readers.CALL_OPEN: {"tenders"},
    }
    registered = {name: {c.__module__.split(".")[0] for c in found} for name, found in readers.CONDITIONS.items()}
    assert registered == owners
    assert [gate.__module__ for gate in readers.BID_CONTENT_GATES] == ["evaluation.panel"]
    assert asks.tender_readable.function is not None and asks.tender_readable.function.__module__ == "tenders.hooks"
