"""Portal page of abnormally low prices (§96): the flag as a prompt per lot, the requests to explain a price, and
the rejection for price, which needs such a request for the offer, flagged or not; and the rejection of an offer
that does not conform to the call, with its specific reason."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus, LotOffer
from procurement.portal import done, run_service
from tenders.languages import is_bilingual
from tenders.models import LotStatus, TenderStatus
from tenders.portal.officer_common import HelsinkiDateTimeField, our_tender, tender_nav

from ..clarifications import (
    abnormally_low_offers,
    offer_reject_for_price,
    offer_reject_nonconforming,
    panel_work_check,
    price_explanation_state,
    provider_request_create,
)
from ..models import ConformityRejection, PriceRejection, ProviderRequest
from .assessment import _bids, _panel_read

STATE_LABELS = {
    "not_requested": _("No explanation asked"),
    "pending": _("Explanation asked, the time set runs"),
    "answered": _("Explanation given"),
    "unanswered": _("No explanation by the time set"),
}


class AskForm(forms.Form):
    lot_offer = forms.TypedChoiceField(label=_("Offer"), coerce=int)
    message = forms.CharField(label=_("Request"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    deadline = HelsinkiDateTimeField(label=_("Answer by"))

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, prefix="ask", **kwargs)
        self.fields["lot_offer"].choices = offers


class RejectForm(forms.Form):
    lot_offer = forms.TypedChoiceField(label=_("Offer"), coerce=int)
    reason = forms.CharField(label=_("Reason for the rejection"), widget=forms.Textarea(attrs={"rows": 3}))
    assessment = forms.CharField(
        label=_("Assessment of the bidder's explanation"),
        help_text=_("Required when the bidder explained its price: why the explanation does not account for it."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )

    reason_sv = forms.CharField(
        label=_("Reason for the rejection, in Swedish"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
    assessment_sv = forms.CharField(
        label=_("Assessment of the bidder's explanation, in Swedish"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )

    def __init__(self, *args, offers, bilingual: bool = False, **kwargs):
        super().__init__(*args, prefix="reject", **kwargs)
        self.fields["lot_offer"].choices = offers
        self.fields["reason"].max_length = 10_000
        if not bilingual:  # a bilingual authority's decision gives the reasons in Swedish too (tenders.languages)
            del self.fields["reason_sv"]
            del self.fields["assessment_sv"]


class NonconformingForm(forms.Form):
    lot_offer = forms.TypedChoiceField(label=_("Offer"), coerce=int)
    reason = forms.CharField(
        label=_("In what the offer does not conform to the call"),
        help_text=_("Say specifically what the call requires and what the offer does instead."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )
    reason_sv = forms.CharField(
        label=_("In what the offer does not conform to the call, in Swedish"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )

    def __init__(self, *args, offers, bilingual: bool = False, **kwargs):
        super().__init__(*args, prefix="nonconforming", **kwargs)
        self.fields["lot_offer"].choices = offers
        if not bilingual:
            del self.fields["reason_sv"]


def _rows(tender):
    """Every offer of an open lot, by lot: its price, the flag, where its §96 request stands, and its requests."""
    flagged = abnormally_low_offers(tender)
    now = timezone.now()
    offers = list(
        LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED, lot__status=LotStatus.OPEN)
        .select_related("lot", "bid__provider")
        .order_by("lot__number", "comparison_price", "pk")
    )
    requests: dict[int, list[ProviderRequest]] = {}
    for request in ProviderRequest.objects.filter(
        lot_offer__in=offers, kind=ProviderRequest.Kind.PRICE_EXPLANATION
    ).order_by("requested_at"):
        requests.setdefault(request.lot_offer_id, []).append(request)
    rejections = {r.lot_offer_id: r for r in PriceRejection.objects.filter(lot_offer__in=offers)}
    nonconforming = {r.lot_offer_id: r for r in ConformityRejection.objects.filter(lot_offer__in=offers)}
    rows = []
    for offer in offers:
        state = price_explanation_state(offer, now=now)
        rows.append(
            {
                "offer": offer,
                "flag": flagged.get(offer.pk),
                "state": state["state"],
                "state_label": STATE_LABELS[state["state"]],
                "deadline": state["request"].deadline if state["request"] else None,
                "requests": requests.get(offer.pk, []),
                "rejection": rejections.get(offer.pk),
                "nonconforming": nonconforming.get(offer.pk),
            }
        )
    return rows


def _choices(rows):
    return [
        (
            row["offer"].pk,
            _("Lot %(lot)s: %(bidder)s, %(price)s €")
            % {
                "lot": row["offer"].lot.number,
                "bidder": row["offer"].bid.provider.name,
                "price": row["offer"].comparison_price,
            },
        )
        for row in rows
        if row["rejection"] is None and row["nonconforming"] is None
    ]


def _submit(request, form, run, message) -> int | None:
    """One form of the page: its service run on the valid data (None when done), or the status to show it again
    with its errors (400 invalid, or the service's refusal)."""
    outcome = run_service(form, lambda: run(form.cleaned_data))
    if outcome.ok:
        done(request, message)
        return None
    return outcome.status


@login_required
def prices(request, pk: int):
    tender = our_tender(request, pk)
    if request.method == "POST":
        # Permission first: the body's offer ids are never looked up for someone who may not act on them.
        _panel_read(
            request, tender, "evaluation:prices", lambda: panel_work_check(actor=request.user, tender_id=tender.pk)
        )
    _panel_read(request, tender, "evaluation:prices", lambda: _bids(request, tender))
    rows = _rows(tender)
    choices = _choices(rows)
    action = request.POST.get("action") if request.method == "POST" else None
    ask = AskForm(request.POST if action == "ask" else None, offers=choices)
    reject = RejectForm(request.POST if action == "reject" else None, offers=choices, bilingual=is_bilingual(tender))
    nonconforming = NonconformingForm(
        request.POST if action == "nonconforming" else None, offers=choices, bilingual=is_bilingual(tender)
    )
    status = 200
    if action == "ask":
        status = _submit(
            request,
            ask,
            lambda data: provider_request_create(
                actor=request.user,
                tender_id=tender.pk,
                bid_id=LotOffer.objects.get(pk=data["lot_offer"]).bid_id,
                lot_offer_id=data["lot_offer"],
                kind=ProviderRequest.Kind.PRICE_EXPLANATION,
                message=data["message"],
                deadline=data["deadline"],
            ),
            _("The request was sent to the bidder."),
        )
    elif action == "reject":
        status = _submit(
            request,
            reject,
            lambda data: offer_reject_for_price(
                actor=request.user,
                tender_id=tender.pk,
                lot_offer_id=data["lot_offer"],
                reason=data["reason"],
                assessment=data["assessment"],
                reason_sv=data.get("reason_sv", ""),
                assessment_sv=data.get("assessment_sv", ""),
            ),
            _("The offer was rejected for its price."),
        )
    elif action == "nonconforming":
        status = _submit(
            request,
            nonconforming,
            lambda data: offer_reject_nonconforming(
                actor=request.user,
                tender_id=tender.pk,
                lot_offer_id=data["lot_offer"],
                reason=data["reason"],
                reason_sv=data.get("reason_sv", ""),
            ),
            _("The offer was rejected as not conforming to the call."),
        )
    elif request.method == "POST":
        status = 400
    if status is None:
        return redirect("evaluation:prices", tender.pk)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:prices"),
        "rows": rows,
        "ask": ask,
        "reject": reject,
        "nonconforming": nonconforming,
        "editable": tender.status == TenderStatus.OPENED and bool(choices),
    }
    return render(request, "evaluation/portal/prices.html", context, status=status)
