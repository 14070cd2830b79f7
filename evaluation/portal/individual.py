"""Portal page of the evaluators' own scores before the consensus: each panel member records their own points with a
reason, and the officers see every evaluator's side by side with the consensus score they set on the scores page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.portal import done, run_service
from tenders.models import TenderStatus
from tenders.portal.officer_common import our_tender, tender_nav

from ..selectors import individual_scores_of_tender
from ..services import quality_scores_check, quality_scores_record
from .assessment import ScoresForm, _bids, _index_errors, _panel_read, _rows_given, _score_rows


class IndividualScoresForm(ScoresForm):
    """Points and a reason per offer and criterion: an evaluator's own score is not published, so it has no Swedish
    or public reason (those belong to the consensus)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, rows=rows, bilingual=False, **kwargs)
        for row in rows:
            del self.fields[f"public_reason_{row['key']}"]


def _page(request, tender, rows, scores, form, status=200):
    roles = roles_of(request.user)
    mine = {(s.lot_offer_id, s.criterion_id): s for s in scores if s.evaluator_id == request.user.pk}
    evaluators = sorted({s.evaluator for s in scores}, key=lambda u: u.username)
    by_key = {(s.lot_offer_id, s.criterion_id, s.evaluator_id): s for s in scores}
    for row in rows:
        key = (row["offer"].pk, row["criterion"].pk)
        row["points"] = form[f"points_{row['key']}"]
        row["reason"] = form[f"reason_{row['key']}"]
        row["mine"] = mine.get(key)
        row["by_evaluator"] = [by_key.get((*key, e.pk)) for e in evaluators]
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:individual_scores"),
        "form": form,
        "rows": rows,
        # An auditor reads, and records nothing.
        "editable": tender.status == TenderStatus.OPENED
        and (roles.is_officer(tender.authority_id) or tender.authority_id in roles.evaluator_of),
        # Everyone's scores side by side, for the officers who set the consensus (and the auditors); the selector
        # gives an evaluator only their own.
        "side_by_side": roles.is_officer(tender.authority_id) or roles.audits(tender.authority_id),
        "evaluators": evaluators,
    }
    return render(request, "evaluation/portal/individual_scores.html", context, status=status)


@login_required
def individual_scores(request, pk: int):
    tender = our_tender(request, pk)
    bids = _panel_read(request, tender, "evaluation:individual_scores", lambda: _bids(request, tender))
    if request.method == "POST":
        quality_scores_check(actor=request.user, tender_id=tender.pk)  # before the form is read, as in the API
    scores = individual_scores_of_tender(user=request.user, tender_id=tender.pk)
    rows, _not_compared, _failed = _score_rows(tender, bids)
    if request.method != "POST":
        initial = {}
        for score in scores:
            if score.evaluator_id == request.user.pk:
                initial[f"points_{score.lot_offer_id}-{score.criterion_id}"] = score.points
                initial[f"reason_{score.lot_offer_id}-{score.criterion_id}"] = score.reason
        return _page(request, tender, rows, scores, IndividualScoresForm(rows=rows, initial=initial))
    form = IndividualScoresForm(request.POST, rows=rows)
    items = _rows_given(form, form.scores, _("Give points and a reason for at least one criterion."))
    outcome = run_service(
        form,
        lambda: quality_scores_record(actor=request.user, tender_id=tender.pk, scores=items, individual=True),
        place=lambda error: _index_errors(form, error, rows, "points_", "scores"),
    )
    if outcome.ok:
        done(request, _("Your own scores were recorded."))
        return redirect("evaluation:individual_scores", tender.pk)
    return _page(request, tender, rows, scores, form, status=outcome.status)
