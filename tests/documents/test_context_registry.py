"""Each kind of document has one builder, registered by the app that owns the kind (issue 20)."""

from documents.context import BUILDERS
from documents.models import DocumentKind

OWNERS = {
    DocumentKind.CALL: "tenders",
    DocumentKind.RECEIPT: "bids",
    DocumentKind.OPENING_RECORD: "evaluation",
    DocumentKind.COMPARISON: "evaluation",
    DocumentKind.DECISION: "evaluation",
    DocumentKind.LETTER: "evaluation",
    DocumentKind.INTERRUPTION: "evaluation",
    DocumentKind.PROCEDURE_REPORT: "evaluation",
}


def test_every_kind_has_a_builder_from_its_owner():
    assert set(BUILDERS) == set(DocumentKind.values) == set(OWNERS)
    for kind, document_type in BUILDERS.items():
        assert document_type.build.__module__ == f"{OWNERS[kind]}.document_contexts", kind
        assert document_type.template.startswith("documents/")
