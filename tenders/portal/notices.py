"""The call's notices in Hilma, for the authority: each notice's state, its check's findings, its XML, Hilma's
number once published or the reasons of a rejection, and sending it (officers; auditors read)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from procurement.access import roles_of
from procurement.fsm import allowed_actions
from procurement.portal import read, run_and_tell
from procurement.rules import tender_classification

from ..api.notices import notice_xml_response
from ..models import Notice, NoticeState
from ..notice_sending import NOT_CONFIGURED, notice_send, notice_send_check, notice_xml_read, notices_for
from ..notices import notice_prepare
from .officer_common import our_tender, tender_nav


def _row(request: HttpRequest, notice: Notice) -> dict[str, object]:
    may_send = "queue" in allowed_actions(notice, request.user, "state")
    return {
        "notice": notice,
        "may_send": may_send,
        "resend": may_send and notice.sendings.exists(),
        "not_configured": notice.state == NoticeState.VALID and notice.last_error == NOT_CONFIGURED,
        "error": notice.last_error if notice.last_error != NOT_CONFIGURED else "",
    }


@login_required
def notices(request: HttpRequest, pk: int) -> HttpResponse:
    tender = our_tender(request, pk)
    rows = [_row(request, n) for n in read(lambda: list(notices_for(user=request.user, tender_id=tender.pk)))]
    is_officer = roles_of(request.user).is_officer(tender.authority_id)
    classification = tender_classification(tender)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_notices"),
        "rows": rows,
        "is_officer": is_officer,
        # What the officer may make: the call's notice once it is published, the award notice once it is decided.
        "may_prepare": is_officer and tender.published_at is not None and classification.notice in ("E3", "20"),
        "may_award_notice": is_officer
        and classification.award_notice in ("E4", "33")
        and (tender.decided_at is not None or tender.interruptions.exists()),
    }
    return render(request, "tenders/portal/officer/notices.html", context)


@login_required
def notice_xml(request: HttpRequest, pk: int, notice_id: int) -> HttpResponse:
    tender = our_tender(request, pk)
    return notice_xml_response(notice_xml_read(user=request.user, tender_id=tender.pk, notice_id=notice_id))


@login_required
@require_POST
def notice_send_view(request: HttpRequest, pk: int, notice_id: int) -> HttpResponse:
    tender = our_tender(request, pk)
    notice_send_check(actor=request.user, tender_id=tender.pk, notice_id=notice_id)

    def told(notice: Notice) -> object:
        if notice.state == NoticeState.VALID:
            return _("The notice was not sent: Hilma is not configured. It is kept, valid.")
        return _("The notice is being sent to Hilma.")

    run_and_tell(request, lambda: notice_send(actor=request.user, notice_id=notice_id, tender_id=tender.pk), told)
    return redirect("tenders:officer_notices", tender.pk)


def notice_checked(notice: Notice) -> object:
    """What the officer is told once a notice is made and checked."""
    if notice.state == NoticeState.VALID:
        return _("The notice was made and checked: it passes every rule and may be sent.")
    return _("The notice was made and checked: it fails %(count)s rules, listed with it.") % {
        "count": len(notice.findings)
    }


@login_required
@require_POST
def notice_prepare_view(request: HttpRequest, pk: int) -> HttpResponse:
    tender = our_tender(request, pk)
    run_and_tell(request, lambda: notice_prepare(actor=request.user, tender_id=tender.pk), notice_checked)
    return redirect("tenders:officer_notices", tender.pk)


urlpatterns = [
    path("ours/<int:pk>/notices/prepare/", notice_prepare_view, name="officer_notice_prepare"),
    path("ours/<int:pk>/notices/", notices, name="officer_notices"),
    path("ours/<int:pk>/notices/<int:notice_id>/xml/", notice_xml, name="officer_notice_xml"),
    path("ours/<int:pk>/notices/<int:notice_id>/send/", notice_send_view, name="officer_notice_send"),
]
