"""Pages of the evaluation for the bidders, served in the namespaces of the pages they belong with (registered in
`EvaluationConfig.ready()`): the comparison of a decided call (`tenders:comparison`), and a provider's answer to a
request of the authority (`bids:request`)."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.portal.forms import AnswerForm
from bids.selectors import own_bid_get
from documents.models import DocumentKind, DocumentStatus
from documents.services import documents_visible_to
from procurement.errors import NotFound
from procurement.middleware import received_at
from procurement.models import User
from procurement.portal import done, render_form, run_service

from ..clarifications import provider_request_answer
from ..models import ProviderRequest
from ..outcomes import comparison_for_bidder


@login_required
def comparison(request: HttpRequest, pk: int) -> HttpResponse:
    """The comparison of the call's decided lots, for its bidders once the decision was sent to them (publicity: the
    bidders read the other bids after the decision, without their business secrets); 404 for anyone else."""
    context = comparison_for_bidder(user=request.user, tender_id=pk)
    context["documents"] = list(
        documents_visible_to(user=request.user)
        .filter(tender_id=pk, kind=DocumentKind.COMPARISON, status=DocumentStatus.READY)
        .order_by("subject", "version")
    )
    return render(request, "tenders/portal/public/comparison.html", context)


@login_required
def request_answer(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    """Answer a clarification request or a request to explain an abnormally low price."""
    actor = cast(User, request.user)  # signed in (login_required)
    bid = own_bid_get(user=request.user, bid_id=pk)
    provider_request = ProviderRequest.objects.filter(bid=bid, pk=request_id).first()
    if provider_request is None:
        raise NotFound()
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            form,
            lambda: provider_request_answer(
                actor=actor,
                bid_id=bid.pk,
                request_id=provider_request.pk,
                answer=form.cleaned_data["answer"],
                received_at=received_at(request),
            ),
        )
        status = outcome.status
        if outcome.ok:
            done(request, _("Your answer was sent to the contracting authority."))
            return redirect("bids:bid", pk=bid.pk)
    context = {
        "bid": bid,
        "tender": bid.tender,
        "provider_request": provider_request,
        "form": form,
        "open": provider_request.answered_at is None and timezone.now() <= provider_request.deadline,
    }
    return render_form(request, "bids/portal/request.html", context, status)
