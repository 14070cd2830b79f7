"""The documents of a call itself: the call for tenders as it stood in each version; and what the documents app
asks of the call's records (which call a user may see, who showed interest in it). Registered in `apps.py`."""

from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from documents.context import register_context
from documents.models import DocumentKind, GeneratedDocument
from documents.readers import CALL_OPEN, INTERESTED, register_reader_condition
from procurement.access import AnyUser, Roles
from procurement.models import Language
from procurement.rules import rules_for_tender

from .cpv import cpv_name
from .models import CallOffMethod, PricingUnit, StudyPath, SuitabilityKind, Tender, TenderInterest, TenderVersion
from .selectors import published_open_to

TIMELINE = ("planned_publication", "questions_deadline", "answers_by", "submission_deadline", "opening_at")


def _moment(value: object) -> object:
    return parse_datetime(value) if isinstance(value, str) else value


def _tender_lot(lot: dict[str, Any]) -> dict[str, Any]:
    """A lot of the snapshot with what a bidder reads: labels in the section's language, dates and numbers parsed."""
    start = lot.get("planned_start")
    return {
        **lot,
        "pricing_unit_label": PricingUnit(lot["pricing_unit"]).label,
        "language_label": Language(lot["language_of_instruction"]).label if lot.get("language_of_instruction") else "",
        "study_path_label": StudyPath(lot["study_path"]).label if lot.get("study_path") else "",
        "planned_start": parse_date(start) if isinstance(start, str) else start,
        "credits": Decimal(str(lot["credits"])) if lot.get("credits") not in (None, "") else None,
        "volume": Decimal(str(lot["volume"])) if lot.get("volume") not in (None, "") else None,
        "max_value": Decimal(str(lot["max_value"])) if lot.get("max_value") not in (None, "") else None,
        "max_volume": Decimal(str(lot["max_volume"])) if lot.get("max_volume") not in (None, "") else None,
    }


def tender_context(document: GeneratedDocument) -> dict[str, Any]:
    """The call as it stood in the version this document records, from the stored snapshot."""
    tender = document.tender
    version = TenderVersion.objects.select_related("created_by").get(tender=tender, number=document.version)
    snapshot = version.snapshot
    timeline = {name: _moment(snapshot.get(name)) for name in TIMELINE}
    sections = [
        {
            "language": lang,
            "title": snapshot.get(f"title_{lang}") or snapshot.get("title_fi") or snapshot.get("title_sv"),
            "description": snapshot.get(f"description_{lang}") or "",
            "cpv_main_name": cpv_name(snapshot["cpv_main"], lang),
            "cpv_additional": [(code, cpv_name(code, lang)) for code in snapshot.get("cpv_additional") or []],
        }
        for lang in tender.document_languages
    ]
    rules = rules_for_tender(tender)
    return {
        "source_data": {"version": version.number, "reason": version.reason, "call": snapshot},
        "tender": tender,
        "authority": tender.authority,
        "co_purchasers": list(tender.co_purchasers.all()),
        "version": version,
        "snapshot": snapshot,
        "timeline": timeline,
        # A framework's call-off method, in the section's language (the template translates the lazy label).
        "call_off_method_label": (
            CallOffMethod(snapshot["call_off_method"]).label if snapshot.get("call_off_method") else ""
        ),
        "sections": sections,
        "lots": [_tender_lot(lot) for lot in snapshot["lots"]],
        "requirements": [
            {**r, "kind_label": SuitabilityKind(r["kind"]).label} for r in snapshot.get("requirements") or []
        ],
        "estimated_value": Decimal(str(snapshot["estimated_value"])),
        "criteria": snapshot["criteria"],
        "regime": rules.regime_for(
            Decimal(str(snapshot["estimated_value"])),
            snapshot["cpv_main"],
            snapshot.get("cpv_additional") or (),
            central_government=tender.authority.kind == "state_authority",
        ),
        "generated_at": timezone.now(),
        "document": document,
    }


def tender_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """A call's document is named by its language as well: each language has its own."""
    return [document.language], document.version


def interested_in_tender(*, user: AnyUser, roles: Roles) -> Q:
    """One of the user's providers viewed or follows the document's call."""
    return Q(Exists(TenderInterest.objects.filter(tender_id=OuterRef("tender_id"), provider_id__in=roles.provider_of)))


def call_open_to(*, user: AnyUser, roles: Roles) -> Q:
    """The document's call is published and open to the user: announced, or a mini-competition of a framework one of
    the user's providers is an active member of (tenders.selectors.published_open_to)."""
    return Q(tender__in=Tender.objects.filter(published_open_to(roles)).values("pk"))


def register() -> None:
    register_reader_condition(INTERESTED, interested_in_tender)
    register_reader_condition(CALL_OPEN, call_open_to)
    register_context(
        DocumentKind.CALL,
        template="documents/call.html",
        builder=tender_context,
        version="call-2",
        filename=tender_filename,
    )
