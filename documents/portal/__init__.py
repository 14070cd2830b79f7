"""Portal pages of documents and of the audit: an officer's re-queueing of a failed document, the chain
verification (a read that is itself logged), the security log. The pages about a call (the auditor's list of calls,
a call's records and audit events) are `tenders.portal.records`, under the same URLs and names.

Auditors read everything of their authorities and change nothing."""

import ipaddress
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from procurement.access import AnyUser, Roles, roles_of
from procurement.audit import audit_record
from procurement.auditchain import verify_chain
from procurement.errors import Forbidden, NotFound
from procurement.models import SecurityEvent
from procurement.portal import run_and_tell

from ..services import document_retry, documents_visible_to
from .retention import urlpatterns as retention_urls


def auditor_roles(user: AnyUser) -> Roles:
    """The roles of an auditor; any other user is told the audit pages do not exist (404)."""
    roles = roles_of(user)
    if not (roles.auditor_of_all or roles.auditor_of):
        raise NotFound()
    return roles


@login_required
@require_POST
def audit_verify(request):
    """Walk the whole hash chain now and show the result; the verification is itself on record."""
    auditor_roles(request.user)
    report = verify_chain()
    audit_record(action="audit.verify", actor=request.user, detail=report.as_dict(), denied=not report.intact)
    anchored_at = datetime.fromisoformat(report.anchor["anchored_at"]) if report.anchor else None
    context = {"report": report, "anchored_at": anchored_at}
    return render(request, "documents/portal/verify.html", context, status=200 if report.intact else 409)


@login_required
@require_POST
def retry(request, document_id: int):
    outcome = run_and_tell(
        request,
        lambda: document_retry(actor=request.user, document_id=document_id),
        _("The document is queued for rendering again."),
    )
    document = outcome.result or documents_visible_to(user=request.user).filter(pk=document_id).first()
    if document is None:
        raise NotFound() from outcome.error
    return redirect("documents:call", tender_id=document.tender_id)


@login_required
def security_log(request):
    """The security log, read-only, for the auditors of every authority: refusals that name no user."""
    if not auditor_roles(request.user).auditor_of_all:
        raise Forbidden(_("Only the auditors of every authority read the security log."))
    events = SecurityEvent.objects.order_by("-at", "-id")
    address = request.GET.get("address", "").strip()
    if address:
        events = events.filter(ip_address=address) if _is_address(address) else events.none()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "documents/portal/security.html", {"page": page, "address": address})


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


urlpatterns = [
    path("audit/verify/", audit_verify, name="audit-verify"),
    path("audit/security/", security_log, name="audit-security"),
    path("documents/<int:document_id>/retry/", retry, name="retry"),
    *retention_urls,
]
