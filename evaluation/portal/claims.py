"""Portal pages of claims for rectification and Market Court appeals: the officer's page of a call's claims and
appeals (each with its course; register a claim that came by mail, decide it, register an appeal, record its ruling),
and the bidder's "ask for a correction" page, reached from its outcome (served in the calls' namespace,
`tenders:claims`, through evaluation.hooks)."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bids.models import Bid, BidStatus
from documents.models import DocumentKind
from documents.services import documents_visible_to
from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.models import User
from procurement.portal import done, read, render_form, run_service
from tenders.models import Lot, Tender
from tenders.portal.officer_common import our_tender, tender_nav

from ..appeals import appeal_officer_check, appeal_register, appeal_resolve, appeals_of_tender, lot_suspensions
from ..claims import (
    REGISTERED_CHANNELS,
    bidder_claim_status,
    claim_decide,
    claim_file,
    claim_is_late,
    claim_officer_check,
    claim_period_end,
    claim_register,
    claim_withdraw,
    claims_of_tender,
)
from ..models import Appeal, AwardDecision, Claim

DATE = forms.DateInput(attrs={"type": "date"})


def _lot_label(lot: Lot) -> str:
    return str(_("Lot %(number)s: %(title)s") % {"number": lot.number, "title": lot.title})


class LotsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label=_("Lots concerned"), coerce=int, **kwargs)


class ClaimFileForm(forms.Form):
    lots = LotsField()
    grounds = forms.CharField(
        label=_("Grounds and demands"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text=_("What in the decision is wrong, why, and how it should be corrected."),
    )

    def __init__(self, *args: Any, lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["lots"]).choices = [(lot.pk, _lot_label(lot)) for lot in lots]


class ClaimRegisterForm(ClaimFileForm):
    channel = forms.ChoiceField(label=_("Received through"), choices=[(c.value, c.label) for c in REGISTERED_CHANNELS])
    arrived_on = forms.DateField(label=_("Arrived on"), widget=DATE)
    provider = forms.TypedChoiceField(label=_("Claimant (a bidder)"), coerce=int, required=False, empty_value=None)
    claimant_name = forms.CharField(
        label=_("Claimant (another party)"), max_length=200, required=False, help_text=_("When it is not a bidder.")
    )

    def __init__(self, *args: Any, lots: list[Lot], bidders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, lots=lots, **kwargs)
        cast(forms.ChoiceField, self.fields["provider"]).choices = [("", "–"), *bidders]


class ClaimDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (Claim.Status.REJECTED, _("Rejected: the decision stands")),
            (Claim.Status.INADMISSIBLE, _("Not examined (e.g. late)")),
        ],
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    reason_sv = forms.CharField(
        label=_("Reasons in Swedish"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False
    )


class AppealRegisterForm(forms.Form):
    lots = LotsField()
    diary_number = forms.CharField(label=_("Market Court diary number"), max_length=60)
    informed_on = forms.DateField(label=_("Authority informed on"), widget=DATE)
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE, required=False)
    appellant = forms.TypedChoiceField(label=_("Appellant (a bidder)"), coerce=int, required=False, empty_value=None)
    appellant_name = forms.CharField(label=_("Appellant (another party)"), max_length=200, required=False)

    def __init__(self, *args: Any, lots: list[Lot], bidders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["lots"]).choices = [(lot.pk, _lot_label(lot)) for lot in lots]
        cast(forms.ChoiceField, self.fields["appellant"]).choices = [("", "–"), *bidders]


class AppealOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Appeal.Outcome.choices)
    decided_on = forms.DateField(label=_("Ruling given on"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (€)"), max_digits=14, decimal_places=2, required=False, help_text=_("A compensation or a fine.")
    )
    note = forms.CharField(label=_("Summary of the ruling"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


# --- the officer's page -----------------------------------------------------------------------------------------


def _decided_lots(tender: Tender) -> list[Lot]:
    return list(Lot.objects.filter(tender=tender, awards__decision__tender=tender).distinct().order_by("number"))


def _bidders(tender: Tender) -> list[tuple[int, str]]:
    bids = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("provider")
    return sorted(((b.provider_id, b.provider.name) for b in bids), key=lambda item: item[1])


def _claims_page(
    request: HttpRequest, tender: Tender, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    roles = roles_of(request.user)
    lots, bidders = _decided_lots(tender), _bidders(tender)
    claims = list(claims_of_tender(user=request.user, tender_id=tender.pk))
    appeals = list(appeals_of_tender(user=request.user, tender_id=tender.pk))
    documents: dict[str, Any] = {
        d.subject: d
        for d in documents_visible_to(user=request.user)
        .filter(tender=tender, kind=DocumentKind.CLAIM_DECISION)
        .order_by("version")
    }
    claim_rows = [
        {
            "claim": claim,
            "lots": sorted(claim.lots.all(), key=lambda lot: lot.number),
            "period_ends_on": claim_period_end(claim.decision, claim.provider_id),
            "late": claim_is_late(claim),
            "document": documents.get(f"claim:{claim.pk}"),
            "form": bound.get(f"decide-{claim.pk}") or ClaimDecideForm(prefix=f"decide-{claim.pk}"),
        }
        for claim in claims
    ]
    appeal_rows = [
        {
            "appeal": appeal,
            "lots": sorted(appeal.lots.all(), key=lambda lot: lot.number),
            "form": bound.get(f"resolve-{appeal.pk}") or AppealOutcomeForm(prefix=f"resolve-{appeal.pk}"),
        }
        for appeal in appeals
    ]
    held = lot_suspensions(lot_ids=[lot.pk for lot in lots])
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:decision"),
        "decided": AwardDecision.objects.filter(tender=tender).exists(),
        "is_officer": roles.is_officer(tender.authority_id),
        "claims": claim_rows,
        "appeals": appeal_rows,
        "suspended": [{"lot": lot, "by": held[lot.pk]} for lot in lots if lot.pk in held],
        "claim_form": bound.get("claim") or ClaimRegisterForm(prefix="claim", lots=lots, bidders=bidders),
        "appeal_form": bound.get("appeal") or AppealRegisterForm(prefix="appeal", lots=lots, bidders=bidders),
    }
    return render(request, "evaluation/portal/claims.html", context, status=status)


@login_required
def claims(request: HttpRequest, pk: int) -> HttpResponse:
    """The call's claims and appeals with their course; an officer registers a claim that came by mail here."""
    actor = cast(User, request.user)
    tender = our_tender(request, pk, check=claim_officer_check)
    if request.method != "POST":
        return _claims_page(request, tender)
    form = ClaimRegisterForm(request.POST, prefix="claim", lots=_decided_lots(tender), bidders=_bidders(tender))
    outcome = run_service(
        form,
        lambda: claim_register(
            actor=actor,
            tender_id=tender.pk,
            lot_ids=form.cleaned_data["lots"],
            grounds=form.cleaned_data["grounds"],
            arrived_on=form.cleaned_data["arrived_on"],
            channel=form.cleaned_data["channel"],
            provider_id=form.cleaned_data["provider"],
            claimant_name=form.cleaned_data["claimant_name"],
        ),
    )
    if outcome.ok:
        claim = cast(Claim, outcome.result)
        message = _("The claim was registered; its lots are suspended until it is decided.")
        if claim_is_late(claim):
            message = _("The claim was registered. It arrived after its period: it is marked late.")
        done(request, message)
        return redirect("evaluation:claims", tender.pk)
    return _claims_page(request, tender, bound={"claim": form}, status=outcome.status)


def _claim_of(tender: Tender, claim_id: int) -> Claim:
    claim: Claim | None = Claim.objects.filter(pk=claim_id, decision__tender=tender).first()
    if claim is None:
        raise NotFound()
    return claim


@login_required
@require_POST
def claim_decide_view(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    tender = our_tender(request, pk, check=claim_officer_check)
    claim = _claim_of(tender, claim_id)
    form = ClaimDecideForm(request.POST, prefix=f"decide-{claim.pk}")
    outcome = run_service(
        form,
        lambda: claim_decide(
            actor=actor,
            claim_id=claim.pk,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            reason_sv=form.cleaned_data["reason_sv"],
        ),
    )
    if outcome.ok:
        done(
            request, _("The decision on the claim was recorded; it is sent to the claimant and the bidders concerned.")
        )
        return redirect("evaluation:claims", tender.pk)
    return _claims_page(request, tender, bound={f"decide-{claim.pk}": form}, status=outcome.status)


@login_required
@require_POST
def claim_withdraw_view(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """An officer records that the claimant withdrew its claim (by e-mail or post)."""
    actor = cast(User, request.user)
    tender = our_tender(request, pk, check=claim_officer_check)
    claim = _claim_of(tender, claim_id)
    outcome = run_service(None, lambda: claim_withdraw(actor=actor, claim_id=claim.pk))
    if outcome.ok:
        done(request, _("The withdrawal of the claim was recorded."))
        return redirect("evaluation:claims", tender.pk)
    return _claims_page(request, tender, status=outcome.status)


@login_required
@require_POST
def appeal_register_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = cast(User, request.user)
    tender = our_tender(request, pk, check=appeal_officer_check)
    form = AppealRegisterForm(request.POST, prefix="appeal", lots=_decided_lots(tender), bidders=_bidders(tender))
    outcome = run_service(
        form,
        lambda: appeal_register(
            actor=actor,
            tender_id=tender.pk,
            lot_ids=form.cleaned_data["lots"],
            diary_number=form.cleaned_data["diary_number"],
            informed_on=form.cleaned_data["informed_on"],
            filed_on=form.cleaned_data["filed_on"],
            appellant_id=form.cleaned_data["appellant"],
            appellant_name=form.cleaned_data["appellant_name"],
        ),
    )
    if outcome.ok:
        done(request, _("The appeal was registered; its lots are suspended until its outcome is recorded."))
        return redirect("evaluation:claims", tender.pk)
    return _claims_page(request, tender, bound={"appeal": form}, status=outcome.status)


@login_required
@require_POST
def appeal_resolve_view(request: HttpRequest, pk: int, appeal_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    tender = our_tender(request, pk, check=appeal_officer_check)
    if not Appeal.objects.filter(pk=appeal_id, decision__tender=tender).exists():
        raise NotFound()
    form = AppealOutcomeForm(request.POST, prefix=f"resolve-{appeal_id}")
    outcome = run_service(
        form,
        lambda: appeal_resolve(
            actor=actor,
            appeal_id=appeal_id,
            outcome=form.cleaned_data["outcome"],
            decided_on=form.cleaned_data["decided_on"],
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        ),
    )
    if outcome.ok:
        done(request, _("The outcome of the appeal was recorded."))
        return redirect("evaluation:claims", tender.pk)
    return _claims_page(request, tender, bound={f"resolve-{appeal_id}": form}, status=outcome.status)


# --- the bidder's page ------------------------------------------------------------------------------------------


@login_required
def bidder_claims(request: HttpRequest, pk: int) -> HttpResponse:
    """The bidder asks for a correction of the decision (within its period, whose last day is shown; after it the
    refusal, with the date), and follows its own claims with the decisions on them. 404 to anyone who is not a
    bidder of a decided call."""
    actor = cast(User, request.user)
    state = read(lambda: bidder_claim_status(user=request.user, tender_id=pk))
    form = ClaimFileForm(request.POST if request.method == "POST" else None, prefix="claim", lots=state["lots"])
    status = 200
    error = None
    if request.method == "POST":
        outcome = run_service(
            form,
            lambda: claim_file(
                actor=actor, tender_id=pk, lot_ids=form.cleaned_data["lots"], grounds=form.cleaned_data["grounds"]
            ),
        )
        if outcome.ok:
            done(request, _("Your claim was sent to the contracting authority."))
            return redirect("tenders:claims", pk)
        status, error = outcome.status, outcome.error
        state = bidder_claim_status(user=request.user, tender_id=pk)
    own = list(claims_of_tender(user=request.user, tender_id=pk))
    documents = {
        d.subject: d
        for d in documents_visible_to(user=request.user)
        .filter(tender_id=pk, kind=DocumentKind.CLAIM_DECISION)
        .order_by("version")
    }
    context = {
        **state,
        "form": form,
        "error": error,
        "claims": [{"claim": c, "document": documents.get(f"claim:{c.pk}")} for c in own],
        "received": [d for subject, d in documents.items() if ":to:" in subject],
    }
    return render_form(request, "evaluation/portal/bidder_claims.html", context, status)


@login_required
@require_POST
def bidder_claim_withdraw(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    read(lambda: bidder_claim_status(user=request.user, tender_id=pk))
    if not Claim.objects.filter(pk=claim_id, decision__tender_id=pk).exists():
        raise NotFound()
    outcome = run_service(None, lambda: claim_withdraw(actor=actor, claim_id=claim_id))
    if outcome.ok:
        done(request, _("Your claim was withdrawn."))
    elif outcome.error is not None:
        messages.error(request, str(outcome.error.message))
    return redirect("tenders:claims", pk)
