"""Portal page of the requests to bidders after the opening: a clarification of a bid or an explanation of an offer's
price (§96) with the time set for the answer, and every request sent with where it stands and its answer."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus, LotOffer
from procurement.models import User
from tenders.models import TenderStatus
from tenders.portal.officer_common import HelsinkiDateTimeField, our_tender, tender_nav

from ..clarifications import panel_work_check, provider_request_create
from ..models import ProviderRequest
from ..selectors import provider_requests_of_tender
from .assessment import _panel_read
from .prices import _submit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class RequestForm(forms.Form):
    bid = forms.TypedChoiceField(label=_("Bidder"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of request"), choices=ProviderRequest.Kind.choices)
    lot_offer = forms.TypedChoiceField(
        label=_("Offer"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Required for an explanation of a price: the offer of this bidder whose price is to be explained."),
    )
    message = forms.CharField(label=_("Request"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)
    deadline = HelsinkiDateTimeField(label=_("Answer by"))

    def __init__(
        self, *args: Any, bids: list[tuple[int, str]], offers: list[tuple[int, "StrOrPromise"]], **kwargs: Any
    ) -> None:
        kwargs["prefix"] = "request"
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["bid"]).choices = bids
        cast(forms.ChoiceField, self.fields["lot_offer"]).choices = [("", "–"), *offers]


def _state(request: ProviderRequest, now: datetime) -> tuple[str, "StrOrPromise"]:
    if request.answered_at is not None:
        return "answered", _("Answered")
    if now <= request.deadline:
        return "pending", _("Waiting for the answer")
    return "unanswered", _("No answer by the time set")


@login_required
def requests(request: HttpRequest, pk: int) -> HttpResponse:
    actor = cast(User, request.user)  # signed in (login_required)
    tender = our_tender(request, pk)
    if request.method == "POST":
        # Permission first: the body's bid and offer ids are never looked up for someone who may not ask.
        _panel_read(request, tender, "evaluation:requests", lambda: panel_work_check(actor=actor, tender_id=tender.pk))
    sent = _panel_read(
        request,
        tender,
        "evaluation:requests",
        lambda: provider_requests_of_tender(user=request.user, tender_id=tender.pk),
    )
    offers = list(
        LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED)
        .select_related("lot", "bid__provider")
        .order_by("bid__provider__name", "lot__number")
    )
    bids = {o.bid_id: o.bid.provider.name for o in offers}
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        bids=sorted(bids.items(), key=lambda item: item[1]),
        offers=[
            (o.pk, _("%(bidder)s, lot %(lot)s") % {"bidder": o.bid.provider.name, "lot": o.lot.number}) for o in offers
        ],
    )
    status: int | None = 200
    if request.method == "POST":
        status = _submit(
            request,
            form,
            lambda data: provider_request_create(
                actor=actor,
                tender_id=tender.pk,
                bid_id=data["bid"],
                kind=data["kind"],
                message=data["message"],
                deadline=data["deadline"],
                lot_offer_id=data["lot_offer"],
            ),
            _("The request was sent to the bidder."),
        )
        if status is None:
            return redirect("evaluation:requests", tender.pk)
    now = timezone.now()
    rows = []
    for sent_request in sent:
        state, label = _state(sent_request, now)
        rows.append({"request": sent_request, "state": state, "state_label": label})
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:requests"),
        "rows": rows,
        "form": form,
        "editable": tender.status == TenderStatus.OPENED and bool(bids),
    }
    return render(request, "evaluation/portal/requests.html", context, status=status)
