"""The officer's "make the award notice and check it", a button of the call's notices page (tenders' portal)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from procurement.portal import run_and_tell
from tenders.portal.notices import notice_checked
from tenders.portal.officer_common import our_tender

from ..award_notices import award_notice_prepare


@login_required
@require_POST
def award_notice(request: HttpRequest, pk: int) -> HttpResponse:
    tender = our_tender(request, pk)
    run_and_tell(request, lambda: award_notice_prepare(actor=request.user, tender_id=tender.pk), notice_checked)
    return redirect("tenders:officer_notices", tender.pk)
