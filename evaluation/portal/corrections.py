"""Portal parts of the corrections of a decision: the officer's "Start a correction" form and the editions of the
decision on the decision page; deciding the reopened lots again is the page's decide button."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bids.models import Bid, BidStatus
from procurement.access import roles_of
from procurement.portal import done, run_service
from tenders.models import Lot, QualityCriterion, Tender, may_decide
from tenders.portal.officer_common import may_act_as_officer, our_tender

from ..corrections import (
    CORRECTING_OUTCOMES,
    correction_start,
    correction_start_check,
    corrections_of,
    decision_editions,
)
from ..models import Appeal, AwardDecision, Correction


class CorrectionForm(forms.Form):
    cause = forms.ChoiceField(
        label=_("Why the decision is corrected"),
        choices=[
            (Correction.Cause.OWN_MOTION, Correction.Cause.OWN_MOTION.label),
            (Correction.Cause.APPEAL, Correction.Cause.APPEAL.label),
        ],
        help_text=_("A claim for rectification is accepted with a correction where the claim is decided."),
    )
    appeal = forms.ModelChoiceField(
        label=_("Market Court ruling"),
        queryset=Appeal.objects.none(),
        required=False,
        help_text=_("An appeal whose ruling annulled the decision or ordered a new evaluation."),
    )
    lots = forms.ModelMultipleChoiceField(
        label=_("Lots reopened"), queryset=Lot.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    criteria = forms.ModelMultipleChoiceField(
        label=_("Criteria scored again"),
        queryset=QualityCriterion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bids = forms.ModelMultipleChoiceField(
        label=_("Bids examined again (qualification, rejection: to reinstate)"),
        queryset=Bid.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Reason of the correction"), widget=forms.Textarea(attrs={"rows": 3}))
    reason_sv = forms.CharField(label=_("Reason in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, tender: Tender, decision: AwardDecision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["appeal"].queryset = Appeal.objects.filter(decision=decision, outcome__in=CORRECTING_OUTCOMES)
        fields["appeal"].label_from_instance = lambda a: f"{a.reference} ({a.get_outcome_display()})"
        fields["lots"].queryset = tender.lots.filter(awards__decision=decision).distinct().order_by("number")
        fields["lots"].label_from_instance = lambda lot: f"{lot.number}. {lot.title}"
        fields["criteria"].queryset = tender.criteria.order_by("number")
        fields["criteria"].label_from_instance = lambda c: f"{c.number}. {c.name}"
        fields["bids"].queryset = (
            Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
            .select_related("provider")
            .order_by("provider__name")
        )
        fields["bids"].label_from_instance = lambda bid: bid.provider.name


def corrections_context(
    request: HttpRequest, tender: Tender, decision: AwardDecision | None, form: CorrectionForm | None = None
) -> dict[str, Any]:
    """What the decision page shows of the corrections: the editions (every reader), the corrections and the form
    to start one (the authority's people; the form to its officers while none is open), the decide-again button."""
    if decision is None:
        return {}
    reads = roles_of(request.user).reads_authority(tender.authority_id)
    corrections = corrections_of(user=request.user, tender_id=tender.pk) if reads else []
    open_correction = next((c for c in corrections if c.status == Correction.Status.OPEN), None)
    officer = may_act_as_officer(request, tender)
    return {
        "editions": decision_editions(user=request.user, tender_id=tender.pk),
        "corrections": corrections,
        "open_correction": open_correction,
        "correction_form": form
        or (CorrectionForm(tender=tender, decision=decision) if officer and open_correction is None else None),
        "may_decide_again": open_correction is not None and may_decide(tender, request.user),
    }


@login_required
@require_POST
def correction_new(request: HttpRequest, pk: int) -> HttpResponse:
    from .award import _decision_page  # the decision page shows the form again with its errors

    tender = our_tender(request, pk)
    correction_start_check(actor=request.user, tender_id=tender.pk)  # before the form is read, as in the API
    decision = AwardDecision.objects.filter(tender=tender).first()
    if decision is None:
        return _decision_page(request, tender, status=409)  # type: ignore[no-any-return,no-untyped-call]
    form = CorrectionForm(request.POST, tender=tender, decision=decision)
    if form.is_valid() and form.cleaned_data["cause"] == Correction.Cause.APPEAL and not form.cleaned_data["appeal"]:
        form.add_error("appeal", _("Choose the Market Court ruling."))
    outcome = run_service(
        form,
        lambda: correction_start(
            actor=request.user,
            tender=tender.pk,
            cause=form.cleaned_data["cause"],
            appeal=form.cleaned_data["appeal"],
            lots=form.cleaned_data["lots"],
            criteria=form.cleaned_data["criteria"],
            bids=form.cleaned_data["bids"],
            reason=form.cleaned_data["reason"],
            reason_sv=form.cleaned_data["reason_sv"],
        ),
    )
    if outcome.ok:
        done(
            request,
            _(
                "The correction was started: the lots named are reopened for what it names. Score and qualify them "
                "again, then decide them again on this page."
            ),
        )
        return redirect("evaluation:decision", tender.pk)
    tender.refresh_from_db()
    return _decision_page(  # type: ignore[no-any-return,no-untyped-call]
        request, tender, correction_form=form, status=outcome.status
    )
