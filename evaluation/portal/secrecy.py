"""Portal page of the authority's review of what a bid marked as business secrets: each marked part with its text,
the officer's decision on it (secret, secret in part with the passages that stay secret, not secret; the ground and
the reason), parts kept secret of the authority's own motion (its staff's personal data), and telling the bidder."""

from functools import partial
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bids.models import Bid, SecrecyDecision, SecrecyGround, SecrecyOutcome, SecrecyReviewStatus
from bids.secrecy import (
    SECRECY_NOTICE_DAYS,
    secrecy_decide_part,
    secrecy_review_check,
    secrecy_review_get,
    secrecy_review_notify,
)
from procurement.errors import NotFound
from procurement.models import User
from procurement.portal import done, read, run_and_tell, run_service
from tenders.languages import is_bilingual
from tenders.models import Tender
from tenders.portal.officer_common import may_act_as_officer, our_tender, tender_nav


class PartDecisionForm(forms.Form):
    part = forms.CharField(widget=forms.HiddenInput, max_length=80)
    outcome = forms.ChoiceField(label=_("Decision"), choices=SecrecyOutcome.choices, widget=forms.RadioSelect)
    passages = forms.CharField(
        label=_("Passages that stay secret"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=50_000,
        help_text=_(
            "When the part is secret only in part: each passage on its own line, copied exactly from the text."
        ),
    )
    ground = forms.ChoiceField(label=_("Ground"), choices=SecrecyGround.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    reason_sv = forms.CharField(
        label=_("Reason in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )

    def __init__(self, *args: Any, bilingual: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not bilingual:
            del self.fields["reason_sv"]


class OtherPartForm(PartDecisionForm):
    """A part the bidder did not mark, kept secret of the authority's own motion (e.g. its staff's CVs)."""

    part = forms.ChoiceField(label=_("Part of the bid"))  # type: ignore[assignment]

    def __init__(self, *args: Any, parts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["part"]).choices = parts
        outcomes = [c for c in SecrecyOutcome.choices if c[0] != SecrecyOutcome.OVERRIDDEN]
        cast(forms.ChoiceField, self.fields["outcome"]).choices = outcomes
        self.fields["ground"].initial = SecrecyGround.PERSONAL_DATA


def _part_label(facts: dict[str, Any]) -> str:
    kind = facts.get("kind")
    if kind == "contact":
        return str(_("Contact person"))
    if kind == "quality":
        return str(
            _("Answer to quality criterion %(number)s: %(name)s") % {"number": facts["number"], "name": facts["name"]}
        )
    if kind == "evidence":
        return str(
            _("Evidence for requirement %(number)s: %(name)s") % {"number": facts["number"], "name": facts["name"]}
        )
    return str(_("Attachment: %(name)s") % {"name": facts.get("filename", "")})


def _decide(actor: User, bid: Bid, data: dict[str, Any]) -> SecrecyDecision:
    passages = [line.strip() for line in (data.get("passages") or "").splitlines() if line.strip()]
    return secrecy_decide_part(
        actor=actor,
        bid=bid,
        part=data["part"],
        outcome=data["outcome"],
        passages=passages,
        ground=data["ground"],
        reason=data["reason"],
        reason_sv=data.get("reason_sv") or "",
    )


def _decide_form(actor: User, bid: Bid, form: forms.Form) -> SecrecyDecision:
    return _decide(actor, bid, form.cleaned_data)


def _bid_of(tender: Tender, bid_id: int) -> Bid:
    bid: Bid | None = Bid.objects.filter(pk=bid_id, tender=tender).select_related("provider").first()
    if bid is None:
        raise NotFound()
    return bid


def _part_decide(request: HttpRequest, actor: User, bid: Bid, form: forms.Form) -> tuple[HttpResponse | None, int]:
    """Save a part's decision from its form: done, the way back to the review; refused, the status to show the
    form's errors with."""
    outcome = run_service(form, partial(_decide_form, actor, bid, form))
    if outcome.ok:
        done(request, _("The decision on the part was saved."))
        return redirect("evaluation:secrecy", bid.tender_id, bid.pk), 200
    return None, outcome.status or 400


@login_required
def secrecy(request: HttpRequest, pk: int, bid_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    tender = our_tender(request, pk)
    bid = _bid_of(tender, bid_id)
    if request.method == "POST":
        secrecy_review_check(actor=actor, bid_id=bid.pk)  # permission first: the body is read only for an officer
    view = read(lambda: secrecy_review_get(user=actor, bid_id=bid.pk))
    bilingual = is_bilingual(tender)
    posted = request.POST.get("form") if request.method == "POST" else None
    status = 200
    rows = []
    for index, part in enumerate(view.parts):
        prefix = f"part-{index}"
        initial: dict[str, Any] = {"part": part.part, "ground": SecrecyGround.BUSINESS_SECRET}
        if part.decision is not None:
            initial.update(
                outcome=part.decision.outcome,
                passages="\n".join(part.decision.passages),
                ground=part.decision.ground,
                reason=part.decision.reason,
                reason_sv=part.decision.reason_sv,
            )
        bound = posted == prefix
        data = None
        if bound:
            data = request.POST.copy()
            data[f"{prefix}-part"] = part.part  # the part is the row's, whatever the body says
        form = PartDecisionForm(data, prefix=prefix, initial=initial, bilingual=bilingual)
        if bound:
            saved, status = _part_decide(request, actor, bid, form)
            if saved is not None:
                return saved
        rows.append({"part": part, "label": _part_label(part.facts), "form": form, "prefix": prefix})
    other_form = None
    if view.other_parts:
        choices = [(part, _part_label(facts)) for part, facts in view.other_parts]
        bound = posted == "other"
        other_form = OtherPartForm(request.POST if bound else None, prefix="other", parts=choices, bilingual=bilingual)
        if bound:
            saved, status = _part_decide(request, actor, bid, other_form)
            if saved is not None:
                return saved
    review = view.review
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:bids"),
        "bid": bid,
        "review": review,
        "rows": rows,
        "other_form": other_form,
        "editable": may_act_as_officer(request, tender)
        and (review is None or review.status != SecrecyReviewStatus.NOTIFIED),
        "may_notify": may_act_as_officer(request, tender)
        and review is not None
        and review.status == SecrecyReviewStatus.DECIDED,
        "notice_days": SECRECY_NOTICE_DAYS,
    }
    return render(request, "evaluation/portal/secrecy.html", context, status=status)


@login_required
@require_POST
def secrecy_notify(request: HttpRequest, pk: int, bid_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    tender = our_tender(request, pk)
    bid = _bid_of(tender, bid_id)
    secrecy_review_check(actor=actor, bid_id=bid.pk)
    run_and_tell(
        request,
        lambda: secrecy_review_notify(actor=actor, bid=bid),
        _("The bidder was told of the decision on its business secrets."),
    )
    return redirect("evaluation:secrecy", tender.pk, bid.pk)
