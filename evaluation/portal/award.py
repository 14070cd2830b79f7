"""Portal pages of the comparison table, the award proposal and decision, and the contract step of each lot."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.models import DocumentKind
from documents.services import documents_visible_to
from procurement.access import roles_of
from procurement.portal import done, run_service
from tenders.languages import Stage, swedish_texts_missing
from tenders.models import Lot, TenderStatus, may_decide
from tenders.portal.officer_common import may_act_as_officer, our_tender, tender_nav

from .. import contracts as contract_services
from ..appeals import lot_suspensions
from ..draws import tie_draw_confirm, tie_draw_start, tie_draw_verify, ties_needing_draw
from ..models import (
    Appeal,
    AwardDecision,
    AwardProposal,
    ContractStatus,
    LiabilityDocumentKind,
    LotResult,
    TieDraw,
)
from ..selectors import lot_results
from ..services import decider_is_proposer, tender_decide, tender_propose, tender_propose_check
from .assessment import _panel_read
from .corrections import corrections_context


class ProposalForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the decision-maker"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _grouped(results) -> list[dict]:
    lots: dict[int, dict] = {}
    for result in results:
        lots.setdefault(result.lot_id, {"lot": result.lot, "rows": []})["rows"].append(result)
    now = timezone.now()
    draws: dict[int, list] = {}
    for draw in TieDraw.objects.filter(lot_id__in=lots).select_related("started_by", "confirmed_by"):
        draw.pending = draw.is_pending(now)
        draw.verified = tie_draw_verify(draw) if draw.confirmed_at else None
        if draw.confirmed_at or draw.pending:  # an expired start that nobody confirmed drew nothing
            draws.setdefault(draw.lot_id, []).append(draw)
    for lot_id, group in lots.items():
        names = {r.lot_offer.bid_id: r.lot_offer.bid.provider.name for r in group["rows"]}
        group["tied"] = [r.lot_offer.bid.provider.name for r in group["rows"] if r.tied_with]
        group["draws"] = draws.get(lot_id, [])
        for draw in group["draws"]:
            draw.order_names = [names.get(b, str(b)) for b in draw.order]
        group["pending"] = next((d for d in group["draws"] if d.pending), None)
    return list(lots.values())


def _results_page(request, tender, *, form=None, error=None, status=200):
    results = _panel_read(
        request, tender, "evaluation:results", lambda: list(lot_results(user=request.user, tender_id=tender.pk))
    )
    criteria = {c.pk: c for c in tender.criteria.all()}
    for result in results:
        quality = (result.calculation or {}).get("quality", {})
        result.quality_rows = [
            {"criterion": criteria.get(int(key)), **value} for key, value in sorted(quality.items(), key=lambda i: i[0])
        ]
    lots = _grouped(results)
    may_propose = may_act_as_officer(request, tender) and tender.status == TenderStatus.EVALUATED
    if tender.status == TenderStatus.EVALUATED:
        needs_draw = {tie["lot"] for tie in ties_needing_draw(tender)}
        for group in lots:
            group["needs_draw"] = group["lot"].pk in needs_draw
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:results"),
        "lots": lots,
        "xlsx_url": f"/api/v1/tenders/{tender.pk}/results/xlsx/",
        "proposal": AwardProposal.objects.filter(tender=tender).select_related("proposed_by").first(),
        "may_propose": may_propose,
        # What a bilingual authority's decision still lacks in Swedish: named before the officer proposes.
        "swedish_missing": swedish_texts_missing(tender, stage=Stage.DECISION) if may_propose else [],
        "me": request.user.pk,
        "form": form or ProposalForm(),
        "error": error,
    }
    return render(request, "evaluation/portal/results.html", context, status=status)


@login_required
def results(request, pk: int):
    return _results_page(request, our_tender(request, pk))


@login_required
@require_POST
def propose(request, pk: int):
    tender = our_tender(request, pk, check=tender_propose_check)
    form = ProposalForm(request.POST)
    outcome = run_service(
        form, lambda: tender_propose(actor=request.user, tender_id=tender.pk, note=form.cleaned_data["note"])
    )
    if outcome.ok:
        done(request, _("The award was proposed. The decision-maker can now decide."))
        return redirect("evaluation:decision", tender.pk)
    return _results_page(request, tender, form=form, error=outcome.error, status=outcome.status)


@login_required
@require_POST
def draw(request, pk: int, lot_number: int):
    """The first officer starts drawing lots between the lot's tied offers; the seed's commitment is recorded."""
    tender = our_tender(request, pk)
    outcome = run_service(None, lambda: tie_draw_start(actor=request.user, tender_id=tender.pk, lot_number=lot_number))
    if not outcome.ok:
        return _results_page(request, tender, error=outcome.error, status=outcome.status)
    done(
        request,
        _("The draw of lots was started. Another officer must confirm it by %(time)s.")
        % {"time": timezone.localtime(outcome.result.expires_at).strftime("%H:%M")},
    )
    return redirect("evaluation:results", tender.pk)


@login_required
@require_POST
def draw_confirm(request, pk: int, lot_number: int):
    """A second officer confirms the draw: the seed is revealed and the tied offers are ranked in the order drawn."""
    tender = our_tender(request, pk)
    outcome = run_service(
        None, lambda: tie_draw_confirm(actor=request.user, tender_id=tender.pk, lot_number=lot_number)
    )
    if not outcome.ok:
        return _results_page(request, tender, error=outcome.error, status=outcome.status)
    done(request, _("Lots were drawn. The ranking follows the order drawn."))
    return redirect("evaluation:results", tender.pk)


# --- the decision and the contract step -------------------------------------------------------------------------


class AppealForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Market Court reference"), max_length=60)


class AppealResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Appeal.Outcome.choices)
    resolved_on = forms.DateField(label=_("Resolved on"), widget=forms.DateInput(attrs={"type": "date"}))


class LiabilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=LiabilityDocumentKind.choices)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    signatories = forms.CharField(
        label=_("Signatories"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One name a line.")
    )
    reference = forms.CharField(label=_("Contract reference"), max_length=60, required=False)


class ClearForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("No self-correction claim or Market Court appeal concerning the lot has arrived"),
        help_text=_("Check the authority's registry and e-mail after the standstill before you confirm."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


CONTRACT_FORMS = {"appeal": AppealForm, "liability": LiabilityForm, "clear": ClearForm, "sign": SignForm}


def _winner_names(tender, proposal) -> list[dict]:
    if proposal is None:
        return []
    wanted = [int(offer) for offers in proposal.winners.values() for offer in offers]
    rows = LotResult.objects.filter(lot_offer_id__in=wanted).select_related("lot", "lot_offer__bid__provider")
    return [
        {"lot": r.lot, "provider": r.lot_offer.bid.provider, "total": r.total_points, "rank": r.rank}
        for r in sorted(rows, key=lambda r: (r.lot.number, r.rank))
    ]


def _decision_page(request, tender, *, bound=None, error=None, status=200, correction_form=None):
    bound = bound or {}
    today = timezone.localdate()
    proposal = AwardProposal.objects.filter(tender=tender).select_related("proposed_by").first()
    decision = (
        AwardDecision.objects.filter(tender=tender)
        .select_related("decided_by")
        .prefetch_related("lot_awards__lot", "lot_awards__winner__bid__provider")
        .first()
    )
    contract_rows = []
    if decision is not None and roles_of(request.user).reads_authority(tender.authority_id):
        held = lot_suspensions(lot_ids=Lot.objects.filter(tender=tender).values_list("pk", flat=True))
        for contract in contract_services.contracts_of_tender(user=request.user, tender_id=tender.pk).order_by(
            "lot__number"
        ):
            open_contract = contract.status not in (ContractStatus.SIGNED, ContractStatus.CANCELLED)
            contract_rows.append(
                {
                    "contract": contract,
                    "warnings": contract_services.liability_warnings(contract, on=today) if open_contract else [],
                    "open": open_contract,
                    "suspended_by": held.get(contract.lot_id, []),
                    "appeals": [
                        {
                            "appeal": appeal,
                            "form": bound.get((contract.pk, f"resolve-{appeal.pk}"))
                            or AppealResolveForm(prefix=f"resolve-{contract.pk}-{appeal.pk}"),
                        }
                        for appeal in contract.appeals.all()
                    ],
                    **{
                        kind: bound.get((contract.pk, kind)) or form_class(prefix=f"{kind}-{contract.pk}")
                        for kind, form_class in CONTRACT_FORMS.items()
                    },
                }
            )
    documents = documents_visible_to(user=request.user).filter(
        tender=tender, kind__in=[DocumentKind.DECISION, DocumentKind.COMPARISON, DocumentKind.LETTER]
    )
    deciding = (
        decision is None
        and tender.status == TenderStatus.EVALUATED
        and may_decide(tender, request.user)
        and not decider_is_proposer(tender, request.user)
    )
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:decision"),
        "proposal": proposal,
        "proposed": _winner_names(tender, proposal),
        "decision": decision,
        "may_decide": deciding,
        "swedish_missing": swedish_texts_missing(tender, stage=Stage.DECISION) if deciding else [],
        "is_officer": may_act_as_officer(request, tender),
        "contracts": contract_rows,
        "documents": documents.order_by("kind", "subject", "language"),
        "error": error,
        # The corrections of the decision and its editions (evaluation.portal.corrections).
        **corrections_context(request, tender, decision, correction_form),
    }
    return render(request, "evaluation/portal/decision.html", context, status=status)


@login_required
def decision(request, pk: int):
    return _decision_page(request, our_tender(request, pk))


@login_required
@require_POST
def decide(request, pk: int):
    tender = our_tender(request, pk)
    outcome = run_service(None, lambda: tender_decide(actor=request.user, tender_id=tender.pk))
    if outcome.ok:
        done(request, _("The award was decided. The decision and the letters to the bidders are being prepared."))
        return redirect("evaluation:decision", tender.pk)
    tender.refresh_from_db()
    return _decision_page(request, tender, error=outcome.error, status=outcome.status)


def _contract_action(request, pk: int, contract_id: int, kind: str, action, message, prefix=None, key=None):
    tender = our_tender(request, pk)
    # Before the form is read: 404 for a contract the user does not see, 403 to the authority's other readers.
    contract_services.contract_officer_check(actor=request.user, contract_id=contract_id)
    form_class = AppealResolveForm if kind == "resolve" else CONTRACT_FORMS[kind]
    form = form_class(request.POST, prefix=prefix or f"{kind}-{contract_id}")
    outcome = run_service(form, lambda: action(form.cleaned_data))
    if outcome.ok:
        done(request, message(outcome.result) if callable(message) else message)
        return redirect("evaluation:decision", tender.pk)
    tender.refresh_from_db()
    return _decision_page(request, tender, bound={(contract_id, key or kind): form}, status=outcome.status)


@login_required
@require_POST
def appeal_register(request, pk: int, contract_id: int):
    return _contract_action(
        request,
        pk,
        contract_id,
        "appeal",
        lambda data: contract_services.appeal_register(actor=request.user, contract_id=contract_id, **data),
        _("The appeal was registered; the lot is suspended until its outcome is recorded."),
    )


@login_required
@require_POST
def appeal_resolve(request, pk: int, contract_id: int, appeal_id: int):
    return _contract_action(
        request,
        pk,
        contract_id,
        "resolve",
        lambda data: contract_services.appeal_resolve(
            actor=request.user, contract_id=contract_id, appeal_id=appeal_id, **data
        ),
        _("The outcome of the appeal was recorded."),
        prefix=f"resolve-{contract_id}-{appeal_id}",
        key=f"resolve-{appeal_id}",
    )


@login_required
@require_POST
def liability_add(request, pk: int, contract_id: int):
    return _contract_action(
        request,
        pk,
        contract_id,
        "liability",
        lambda data: contract_services.liability_document_add(actor=request.user, contract_id=contract_id, **data),
        _("The document was recorded."),
    )


@login_required
@require_POST
def contract_clear(request, pk: int, contract_id: int):
    return _contract_action(
        request,
        pk,
        contract_id,
        "clear",
        lambda data: contract_services.lot_contracting_clear(actor=request.user, contract_id=contract_id, **data),
        _("The check was recorded: the contract can now be signed."),
    )


def _signed_message(result):
    _contract, warnings = result
    if not warnings:
        return _("The signing of the contract was recorded.")
    return _("The signing of the contract was recorded, with warnings: %(warnings)s") % {
        "warnings": " ".join(str(w.message) for w in warnings)
    }


@login_required
@require_POST
def contract_sign(request, pk: int, contract_id: int):
    return _contract_action(
        request,
        pk,
        contract_id,
        "sign",
        lambda data: contract_services.contract_sign(
            actor=request.user,
            contract_id=contract_id,
            signed_on=data["signed_on"],
            signatories=[line for line in data["signatories"].splitlines() if line.strip()],
            reference=data["reference"],
        ),
        _signed_message,
    )
