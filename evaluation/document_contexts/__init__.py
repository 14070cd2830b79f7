"""The documents of the evaluation and its end: the opening record, the comparison report of a lot, the award
decision and the letter to each bidder, the decision to interrupt the procurement (it names the offers concerned and
why they were rejected), and the procedure report; and who reads a document as a panel member or as the one who
decided the award. Registered in `apps.py`. The contexts are gathered from the records in a fixed number of
queries."""

from django.db.models import Exists, OuterRef, Q

from documents.context import register_context
from documents.models import DocumentKind, GeneratedDocument
from documents.readers import CLEAN_PANEL_SEAT, SIGNED_AWARD, register_bid_content_gate, register_reader_condition
from procurement.access import AnyUser, Roles
from tenders.interruption import KEY_PREFIX
from tenders.models import InterruptionDecision, Lot

from ..models import AwardDecision, PanelMember
from ..panel import panel_access_check
from .call_off import call_off_context, call_off_filename
from .claim_decision import claim_decision_context, claim_decision_filename
from .comparison import comparison_context
from .decision import TEMPLATE_VERSION, decision_context, letter_context
from .interruption import interruption_context
from .opening import opening_record_context
from .procedure_report import procedure_report_context

__all__ = [
    "call_off_context",
    "claim_decision_context",
    "comparison_context",
    "decision_context",
    "interruption_context",
    "letter_context",
    "opening_record_context",
    "procedure_report_context",
    "register",
]


def interruption_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """A lot's interruption is named by its lot."""
    parts: list[str] = []
    if document.subject.startswith(KEY_PREFIX):
        number = (
            InterruptionDecision.objects.filter(pk=document.subject.split(":")[1])
            .values_list("lot__number", flat=True)
            .first()
        )
        if number:
            parts.append(f"lot-{number}")
    return parts, document.version


def comparison_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """A comparison report is named by its lot."""
    parts: list[str] = []
    if document.subject.startswith("lot:"):
        number = Lot.objects.filter(pk=document.subject.split(":")[1]).values_list("number", flat=True).first()
        parts.append(f"lot-{number}")
    return parts, document.version


def clean_panel_seat(*, user: AnyUser, roles: Roles) -> Q:
    """The user sits on the panel of the document's call, declared with no conflict of interest."""
    if user.pk is None:  # signed out: on no panel
        return Q(pk__in=[])
    seat = PanelMember.objects.filter(
        tender_id=OuterRef("tender_id"), user_id=user.pk, declared_at__isnull=False, has_conflict=False
    )
    return Q(Exists(seat))


def signed_award(*, user: AnyUser, roles: Roles) -> Q:
    """The user made the award decision of the document's call (and answers for its documents)."""
    if user.pk is None:  # signed out: decided nothing
        return Q(pk__in=[])
    return Q(Exists(AwardDecision.objects.filter(tender_id=OuterRef("tender_id"), decided_by_id=user.pk)))


def register() -> None:
    register_reader_condition(CLEAN_PANEL_SEAT, clean_panel_seat)
    register_reader_condition(SIGNED_AWARD, signed_award)
    register_bid_content_gate(panel_access_check)
    register_context(
        DocumentKind.COMPARISON,
        template="documents/comparison.html",
        builder=comparison_context,
        version="comparison-4",
        filename=comparison_filename,
    )
    register_context(
        DocumentKind.PROCEDURE_REPORT,
        template="documents/procedure_report.html",
        builder=procedure_report_context,
        version="procedure-6",
    )
    register_context(
        DocumentKind.INTERRUPTION,
        template="documents/interruption.html",
        builder=interruption_context,
        version="interruption-3",
        filename=interruption_filename,
    )
    register_context(DocumentKind.LETTER, template="documents/letter.html", builder=letter_context, version="letter-5")
    register_context(
        DocumentKind.OPENING_RECORD,
        template="documents/opening_record.html",
        builder=opening_record_context,
        version="opening-2",
    )
    for kind in (DocumentKind.CALL_OFF_ORDER, DocumentKind.CALL_OFF_CONFIRMATION):
        register_context(
            kind,
            template="documents/call_off.html",
            builder=call_off_context,
            version="call-off-1",
            filename=call_off_filename,
        )
    register_context(
        DocumentKind.CLAIM_DECISION,
        template="documents/claim_decision.html",
        builder=claim_decision_context,
        version="claim-decision-1",
        filename=claim_decision_filename,
    )
    register_context(
        DocumentKind.DECISION, template="documents/decision.html", builder=decision_context, version=TEMPLATE_VERSION
    )
