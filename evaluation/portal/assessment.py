"""Portal pages of the panel's work after the opening: qualification (pass/fail with reasons) and quality scores."""

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bids.models import LotOffer
from bids.secrecy import secrecy_withheld, withheld_parts
from bids.selectors import tender_bids
from procurement.errors import Conflict
from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.portal import done, error_messages, place_errors, read, run_service
from tenders.languages import Stage, is_bilingual, swedish_texts_missing
from tenders.models import LotStatus, Tender, TenderStatus
from tenders.portal.officer_common import may_act_as_officer, our_tender, tender_nav

from ..models import QualityScore
from ..qualification import (
    EXCLUSION,
    qualification_check,
    qualification_record,
    qualification_state,
    required_subjects,
)
from ..reopening import reopened
from ..selectors import qualification_checks
from ..services import quality_scores_check, quality_scores_record, tender_evaluate

RESULT_CHOICES = [("pass", _("Pass")), ("fail", _("Fail"))]
GROUND_LABELS = {g.code: g.label for g in EXCLUSION_GROUNDS}


T = TypeVar("T")


def _blocked(request, tender, error, current):
    """The panel's pages need a seat on the panel and a clean declaration: say so, with the way there."""
    context = {"tender": tender, "call_nav": tender_nav(request, tender, current), "error": error}
    return render(request, "evaluation/portal/blocked.html", context, status=error.status_code)


def _panel_read(request: HttpRequest, tender: Tender, current: str, action: Callable[[], T]) -> T:
    """A read of the panel's pages (`read`): refused, the page is the one that says why (`_blocked`)."""
    return read(action, refused=lambda error: _blocked(request, tender, error, current))


def _rows_given(form, collect, missing) -> list[dict]:
    """What a valid form of rows gives (`collect()`, which may add errors to rows); `missing` above the form when it
    gives nothing. A form with errors is not sent (run_service)."""
    items = collect() if form.is_valid() else []
    if form.is_valid() and not items:
        form.add_error(None, missing)
    return items


def _bids(request, tender):
    """The submitted bids as the panel reads them (audited; refused before the opening or without a declaration)."""
    return tender_bids(user=request.user, tender_id=tender.pk)


# --- qualification ----------------------------------------------------------------------------------------------


def _withheld_by_bid(tender) -> dict[int, set[str]]:
    """What the others do not see of each bid (`bids.secrecy`: the authority's decision on its markings), which the
    panel's public reasons must not reveal."""
    return {bid_id: withheld_parts(parts) for bid_id, parts in secrecy_withheld(tender).items()}


def _qualification_rows(tender, bids):
    requirements = {f"requirement:{r.pk}": r for r in tender.requirements.order_by("number")}
    withheld = _withheld_by_bid(tender)
    rows = []
    # A correction of the decision reopens only the bids it names: the others' rows are not offered.
    scope = reopened(tender)
    for bid in bids:
        if scope is not None and not scope.may_qualify(bid_id=bid.pk):
            continue
        evidence = {e["requirement"]: e.get("text", "") for e in bid.content.get("suitability_evidence", [])}
        declared = [code for code, value in bid.content.get("exclusion_declaration", {}).items() if value]
        for subject in required_subjects(tender):
            if subject == EXCLUSION:
                label = _("Exclusion grounds")
                shown = (
                    _("Declares: %(grounds)s") % {"grounds": ", ".join(str(GROUND_LABELS.get(g, g)) for g in declared)}
                    if declared
                    else _("Declares that no exclusion ground applies.")
                )
            else:
                requirement = requirements[subject]
                label = f"{requirement.number}. {requirement.text}"
                shown = evidence.get(requirement.pk) or _("No evidence given.")
                if f"evidence:{requirement.pk}" in withheld.get(bid.pk, set()):
                    shown = format_lazy("{} ({})", shown, _("marked as a business secret"))
            rows.append(
                {
                    "key": f"{bid.pk}-{subject.replace(':', '-')}",
                    "bid": bid,
                    "subject": subject,
                    "label": label,
                    "shown": shown,
                }
            )
    return rows


def _swedish_reason_field() -> forms.CharField:
    """The reason's Swedish text, asked of a bilingual authority: its decision and letters give every reason in
    Swedish too (tenders.languages)."""
    return forms.CharField(
        label=_("Reason in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )


def _public_reason_field(*, swedish: bool = False) -> forms.CharField:
    """A summary of the reason for the other bidders, when the reason would reveal a business secret."""
    return forms.CharField(
        label=_("Reason for the other bidders in Swedish")
        if swedish
        else _("Reason for the other bidders (if the reason reveals a business secret)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
        max_length=10_000,
    )


def _ground_choices(tender) -> list[tuple[str, str]]:
    """The exclusion grounds the call asks to declare, with their section: the choice when an exclusion check fails."""
    return [("", "–")] + [
        (g.code, f"{g.section}: {g.label}") for g in EXCLUSION_GROUNDS if g.code in tender.exclusion_grounds
    ]


class QualificationForm(forms.Form):
    def __init__(self, *args, rows, bilingual: bool = False, grounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.bilingual = bilingual
        for row in rows:
            self.fields[f"result_{row['key']}"] = forms.ChoiceField(
                label=_("Result"), choices=RESULT_CHOICES, widget=forms.RadioSelect, required=False
            )
            self.fields[f"reason_{row['key']}"] = forms.CharField(
                label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
            )
            if bilingual:
                self.fields[f"reason_sv_{row['key']}"] = _swedish_reason_field()
            if row["subject"] == EXCLUSION:
                self.fields[f"ground_{row['key']}"] = forms.ChoiceField(
                    label=_("Exclusion ground (when it fails)"), choices=grounds, required=False
                )
            self.fields[f"public_reason_{row['key']}"] = _public_reason_field()
            if bilingual:
                self.fields[f"public_reason_sv_{row['key']}"] = _public_reason_field(swedish=True)

    def checks(self) -> list[dict]:
        checks = []
        for row in self.rows:
            result = self.cleaned_data.get(f"result_{row['key']}")
            reason = self.cleaned_data.get(f"reason_{row['key']}", "")
            if not result:
                if reason:
                    self.add_error(f"result_{row['key']}", _("Choose pass or fail."))
                continue
            checks.append(
                {
                    "bid": row["bid"].pk,
                    "subject": row["subject"],
                    "passed": result == "pass",
                    "reason": reason,
                    "reason_sv": self.cleaned_data.get(f"reason_sv_{row['key']}", ""),
                    "ground": self.cleaned_data.get(f"ground_{row['key']}", "") if result == "fail" else "",
                    "public_reason": self.cleaned_data.get(f"public_reason_{row['key']}", ""),
                    "public_reason_sv": self.cleaned_data.get(f"public_reason_sv_{row['key']}", ""),
                }
            )
            row["index"] = len(checks) - 1
        return checks


def _index_errors(form, error, rows, field_prefix, list_key):
    """A service's errors by index of the list it was given, put next to that row's field."""
    by_index = {row["index"]: row for row in rows if "index" in row}
    rest = dict(error.errors or {})
    items = rest.pop(list_key, None)
    placed = False
    if isinstance(items, list):
        for item in items:
            row = by_index.get(item.get("index")) if isinstance(item, dict) else None
            if row is not None:
                form.add_error(f"{field_prefix}{row['key']}", str(item.get("message", "")))
                placed = True
            else:
                for message in error_messages(item):
                    form.add_error(None, message)
                    placed = True
    if rest or not placed:
        error.errors = rest
        place_errors(form, error)


@login_required
def qualification(request, pk: int):
    tender = our_tender(request, pk)
    bids = _panel_read(request, tender, "evaluation:qualification", lambda: _bids(request, tender))
    if request.method == "POST":
        # The auditor reads the bids but records nothing: refused before the form is read, as in the API.
        qualification_check(actor=request.user, tender_id=tender.pk)
    rows = _qualification_rows(tender, bids)
    existing = {(c["bid"], c["subject"]): c for c in qualification_checks(user=request.user, tender_id=tender.pk)}
    initial = {}
    for row in rows:
        check = existing.get((row["bid"].pk, row["subject"]))
        if check is not None:
            initial[f"result_{row['key']}"] = "pass" if check["passed"] else "fail"
            initial[f"reason_{row['key']}"] = check["reason"]
            initial[f"reason_sv_{row['key']}"] = check["reason_sv"]
            initial[f"ground_{row['key']}"] = check["ground"]
            initial[f"public_reason_{row['key']}"] = check["public_reason"]
            initial[f"public_reason_sv_{row['key']}"] = check["public_reason_sv"]
    bilingual = is_bilingual(tender)
    form = QualificationForm(
        request.POST or None, rows=rows, initial=initial, bilingual=bilingual, grounds=_ground_choices(tender)
    )
    status = 200
    if request.method == "POST":
        checks = _rows_given(form, form.checks, _("Choose pass or fail for at least one requirement."))
        outcome = run_service(
            form,
            lambda: qualification_record(actor=request.user, tender_id=tender.pk, checks=checks),
            place=lambda error: _index_errors(form, error, rows, "reason_", "checks"),
        )
        if outcome.ok:
            done(request, _("The qualification was recorded."))
            return redirect("evaluation:qualification", tender.pk)
        status = outcome.status
    for row in rows:
        row["result"] = form[f"result_{row['key']}"]
        row["reason"] = form[f"reason_{row['key']}"]
        row["reason_sv"] = form[f"reason_sv_{row['key']}"] if bilingual else None
        row["ground"] = form[f"ground_{row['key']}"] if row["subject"] == EXCLUSION else None
        row["public_reason"] = form[f"public_reason_{row['key']}"]
        row["public_reason_sv"] = form[f"public_reason_sv_{row['key']}"] if bilingual else None
        check = existing.get((row["bid"].pk, row["subject"]))
        row["recorded"] = check
        if check is not None and check["ground"]:
            row["ground_label"] = GROUND_LABELS.get(check["ground"], check["ground"])
    qualified, failed, missing = qualification_state(tender)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:qualification"),
        "form": form,
        "rows": rows,
        "editable": tender.status == TenderStatus.OPENED or reopened(tender) is not None,
        "reopened": reopened(tender),
        "summary": [
            {
                "bid": bid,
                "state": "passed" if bid.pk in qualified else "failed" if bid.pk in failed else "open",
                "reasons": failed.get(bid.pk, []),
            }
            for bid in bids
        ],
        "missing": len(missing),
    }
    if status == 200 and form.errors:
        status = 400
    return render(request, "evaluation/portal/qualification.html", context, status=status)


# --- quality scores ---------------------------------------------------------------------------------------------


class ScoresForm(forms.Form):
    def __init__(self, *args, rows, bilingual: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.bilingual = bilingual
        for row in rows:
            criterion = row["criterion"]
            self.fields[f"points_{row['key']}"] = forms.DecimalField(
                label=_("Points"),
                required=False,
                min_value=Decimal("0"),
                max_value=criterion.max_points,
                max_digits=6,
                decimal_places=2,
            )
            self.fields[f"reason_{row['key']}"] = forms.CharField(
                label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
            )
            if bilingual:
                self.fields[f"reason_sv_{row['key']}"] = _swedish_reason_field()
            self.fields[f"public_reason_{row['key']}"] = _public_reason_field()
            if bilingual:
                self.fields[f"public_reason_sv_{row['key']}"] = _public_reason_field(swedish=True)

    def scores(self) -> list[dict]:
        scores = []
        for row in self.rows:
            points = self.cleaned_data.get(f"points_{row['key']}")
            reason = (self.cleaned_data.get(f"reason_{row['key']}") or "").strip()
            if points is None:
                continue
            if not reason:
                self.add_error(f"reason_{row['key']}", _("Give the reason."))
                continue
            scores.append(
                {
                    "lot_offer": row["offer"].pk,
                    "criterion": row["criterion"].pk,
                    "points": points,
                    "reason": reason,
                    "reason_sv": (self.cleaned_data.get(f"reason_sv_{row['key']}") or "").strip(),
                    "public_reason": (self.cleaned_data.get(f"public_reason_{row['key']}") or "").strip(),
                    "public_reason_sv": (self.cleaned_data.get(f"public_reason_sv_{row['key']}") or "").strip(),
                }
            )
            row["index"] = len(scores) - 1
        return scores


def _score_rows(tender, bids):
    qualified, failed, _missing = qualification_state(tender)
    criteria = list(tender.criteria.order_by("number"))
    offers = (
        LotOffer.objects.filter(
            bid_id__in=[b.pk for b in bids if b.pk in qualified],
            price_rejection__isnull=True,
            conformity_rejection__isnull=True,
            lot__status=LotStatus.OPEN,
        )
        .select_related("lot", "bid__provider")
        .order_by("lot__number", "bid__provider__name")
    )
    answers = {
        bid.pk: {a["criterion"]: a.get("text", "") for a in bid.content.get("quality_answers", [])} for bid in bids
    }
    secrets = _withheld_by_bid(tender)
    existing = {(s.lot_offer_id, s.criterion_id): s for s in QualityScore.objects.filter(lot_offer__bid__tender=tender)}
    scope = reopened(tender)
    rows = []
    for offer in offers:
        for criterion in criteria:
            if criterion.lot_id not in (None, offer.lot_id):
                continue
            if scope is not None and not scope.may_score(
                lot_id=offer.lot_id, bid_id=offer.bid_id, criterion_id=criterion.pk
            ):
                continue  # not reopened by the correction of the decision
            rows.append(
                {
                    "key": f"{offer.pk}-{criterion.pk}",
                    "offer": offer,
                    "criterion": criterion,
                    "answer": answers.get(offer.bid_id, {}).get(criterion.pk, ""),
                    # The bidder marked the answer as a business secret: the decision shows the public reason.
                    "secret": f"quality:{criterion.pk}" in secrets.get(offer.bid_id, set()),
                    "existing": existing.get((offer.pk, criterion.pk)),
                }
            )
    not_compared = [b for b in bids if b.pk not in qualified]
    return rows, not_compared, failed


def _scores_page(request, tender, bids, *, form=None, rows=None, evaluate_error=None, status=200):
    if rows is None:
        rows, not_compared, failed = _score_rows(tender, bids)
    else:
        _rows, not_compared, failed = _score_rows(tender, bids)
    if form is None:
        initial = {}
        for row in rows:
            if row["existing"] is not None:
                initial[f"points_{row['key']}"] = row["existing"].points
                initial[f"reason_{row['key']}"] = row["existing"].reason
                initial[f"reason_sv_{row['key']}"] = row["existing"].reason_sv
                initial[f"public_reason_{row['key']}"] = row["existing"].public_reason
                initial[f"public_reason_sv_{row['key']}"] = row["existing"].public_reason_sv
        form = ScoresForm(rows=rows, initial=initial, bilingual=is_bilingual(tender))
    scope = reopened(tender)
    editable = tender.status == TenderStatus.OPENED or scope is not None
    is_officer = may_act_as_officer(request, tender)
    for row in rows:
        row["points"] = form[f"points_{row['key']}"]
        row["reason"] = form[f"reason_{row['key']}"]
        row["reason_sv"] = form[f"reason_sv_{row['key']}"] if form.bilingual else None
        row["public_reason"] = form[f"public_reason_{row['key']}"]
        row["public_reason_sv"] = form[f"public_reason_sv_{row['key']}"] if form.bilingual else None
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:scores"),
        "form": form,
        "rows": rows,
        "not_compared": [{"bid": b, "failed": b.pk in failed} for b in not_compared],
        "editable": editable,
        "reopened": scope,
        "is_officer": is_officer,
        # What a bilingual authority's comparison reports and decision still lack in Swedish, before the officer
        # finishes the evaluation (which fixes the scores, the qualification and the price rejections).
        "swedish_missing": swedish_texts_missing(tender, stage=Stage.DECISION) if editable and is_officer else [],
        "evaluate_error": evaluate_error,
        "evaluate_details": error_messages(evaluate_error.errors)[:10]
        if evaluate_error is not None and evaluate_error.errors
        else [],
    }
    return render(request, "evaluation/portal/scores.html", context, status=status)


@login_required
def scores(request, pk: int):
    tender = our_tender(request, pk)
    bids = _panel_read(request, tender, "evaluation:scores", lambda: _bids(request, tender))
    if request.method != "POST":
        return _scores_page(request, tender, bids)
    quality_scores_check(actor=request.user, tender_id=tender.pk)  # before the form is read, as in the API
    rows, _not_compared, _failed = _score_rows(tender, bids)
    form = ScoresForm(request.POST, rows=rows, bilingual=is_bilingual(tender))
    items = _rows_given(form, form.scores, _("Give points and a reason for at least one criterion."))
    outcome = run_service(
        form,
        lambda: quality_scores_record(actor=request.user, tender_id=tender.pk, scores=items),
        place=lambda error: _index_errors(form, error, rows, "points_", "scores"),
    )
    if outcome.ok:
        done(request, _("The consensus scores were recorded."))
        return redirect("evaluation:scores", tender.pk)
    return _scores_page(request, tender, bids, form=form, rows=rows, status=outcome.status)


@login_required
@require_POST
def evaluate(request, pk: int):
    tender = our_tender(request, pk)
    outcome = run_service(None, lambda: tender_evaluate(actor=request.user, tender_id=tender.pk))
    if outcome.ok:
        done(request, _("The evaluation is finished: the ranking of every lot was computed."))
        return redirect("evaluation:results", tender.pk)
    tender.refresh_from_db()
    error = outcome.error
    # If the bids cannot be shown, the evaluation's own refusal comes first when it is one of its stage (409, as in
    # the API; no right is the 403 page already), else why they cannot be shown.
    bids = read(
        lambda: _bids(request, tender),
        refused=lambda read_error: _blocked(
            request, tender, error if isinstance(error, Conflict) else read_error, "evaluation:scores"
        ),
    )
    return _scores_page(request, tender, bids, evaluate_error=error, status=outcome.status)
