"""The records pages of a call (their URLs are the documents app's, under /records/, wired in config/urls.py): the
auditor's list of calls, a call's documents with their rendering status, a call's audit events.

Auditors read everything of their authorities and change nothing: these pages have no form that writes."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentStatus
from documents.portal import auditor_roles
from documents.services import documents_visible_to
from procurement.access import roles_of
from procurement.audit import audit_events_shown
from procurement.errors import Forbidden
from procurement.labels import AUDIT_SUBJECTS
from procurement.models import AuditEvent, ContractingAuthority

from ..cpv import cpv_codes
from ..models import TenderStatus
from ..selectors import tender_get, tenders_visible_to


def _text_search(text: str) -> Q:
    """Calls whose title (fi, sv, en), reference, authority's name (fi, sv) or CPV code (its digits, or a word of its
    official Finnish, Swedish or English name) contains the text, in any case."""
    condition = (
        Q(title_fi__icontains=text)
        | Q(title_sv__icontains=text)
        | Q(title_en__icontains=text)
        | Q(reference__icontains=text)
        | Q(authority__name_fi__icontains=text)
        | Q(authority__name_sv__icontains=text)
    )
    digits = text.replace("-", "")
    if digits.isdigit():
        condition |= Q(cpv_main__startswith=text) | Q(cpv_additional__icontains=f'"{text}')
    else:
        folded = text.casefold()
        codes = [
            code
            for code, row in cpv_codes().items()
            if any(folded in (row.get(f"name_{lang}") or "").casefold() for lang in ("fi", "sv", "en"))
        ]
        if codes:
            condition |= Q(cpv_main__in=codes)
            for code in codes[:50]:
                condition |= Q(cpv_additional__icontains=f'"{code}"')
    return condition


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The auditor's front page: the authorities they audit, their calls in every state, the chain check."""
    roles = auditor_roles(request.user)
    authorities = ContractingAuthority.objects.order_by("name_fi")
    if not roles.auditor_of_all:
        authorities = authorities.filter(pk__in=roles.auditor_of)
    chosen = request.GET.get("authority", "")
    status = request.GET.get("status", "")
    tenders = (
        tenders_visible_to(request.user)
        .filter(authority__in=authorities)
        .select_related("authority")
        .order_by("-created_at", "-id")
    )
    if chosen.isdigit():
        tenders = tenders.filter(authority_id=int(chosen))
    if status in TenderStatus.values:
        tenders = tenders.filter(status=status)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        tenders = tenders.filter(_text_search(query))
    page = Paginator(tenders, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/portal/audit.html",
        {
            "authorities": authorities,
            "page": page,
            "chosen": chosen,
            "status": status,
            "statuses": TenderStatus.choices,
            "query": query,
        },
    )


@login_required
def tender_records(request: HttpRequest, tender_id: int) -> HttpResponse:
    """A call's documents with their rendering status; officers re-queue a failed one, auditors take the bundle."""
    tender = tender_get(user=request.user, tender_id=tender_id)
    roles = roles_of(request.user)
    documents = list(
        documents_visible_to(user=request.user)
        .filter(tender=tender)
        .select_related("provider")
        .order_by("kind", "subject", "version", "pk")
    )
    context = {
        "tender": tender,
        "documents": documents,
        "pending": any(d.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING) for d in documents),
        "is_officer": roles.is_officer(tender.authority_id),
        "is_auditor": roles.audits(tender.authority_id),
    }
    template = "documents/portal/_documents.html" if request.headers.get("HX-Request") else "documents/portal/call.html"
    return render(request, template, context)


@login_required
def tender_audit(request: HttpRequest, tender_id: int) -> HttpResponse:
    """The audit events of one call, in order, for its auditors."""
    roles = auditor_roles(request.user)
    tender = tender_get(user=request.user, tender_id=tender_id)
    if not roles.audits(tender.authority_id):
        raise Forbidden(_("Only the authority's auditors read its audit log."))
    # Sealed until the opening: an event that would say who has a bid or a draft shows only that it happened.
    events = audit_events_shown(AuditEvent.objects.filter(tender_id=tender.pk)).order_by("sequence", "id")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(shown_action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # The filter offers what the events concern in words; its values are the actions' first parts.
    subjects: dict[str, str] = {}
    for prefix, label in AUDIT_SUBJECTS.items():
        subjects.setdefault(str(label), f"{prefix}.")
    choices = sorted(((value, label) for label, value in subjects.items()), key=lambda choice: choice[1])
    return render(
        request,
        "documents/portal/call_audit.html",
        {"tender": tender, "page": page, "action": action, "subjects": choices},
    )


urlpatterns = [
    path("audit/", audit, name="audit"),
    path("calls/<int:tender_id>/", tender_records, name="call"),
    path("calls/<int:tender_id>/audit/", tender_audit, name="call-audit"),
]
