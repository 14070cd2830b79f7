"""Portal pages of the opening (two officers) and of the evaluation panel with its declarations."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bids.selectors import tender_bid_count
from documents.models import DocumentKind
from documents.services import documents_visible_to
from procurement.models import Membership, Role
from procurement.portal import done, read, run_service
from tenders.portal.officer_common import may_act_as_officer, our_tender, tender_nav

from ..panel import panel_add, panel_add_check, panel_declare, panel_declare_check
from ..selectors import panel_of
from ..services import tender_open


def _opening_page(request, tender, *, error=None, status=200):
    now = timezone.now()
    latest = tender.opening_requests.select_related("requested_by", "confirmed_by").order_by("-requested_at").first()
    pending = latest if latest is not None and latest.is_pending(now) else None
    bid_count = None
    if tender.submission_deadline <= now and tender.published_at is not None:
        bid_count = read(lambda: tender_bid_count(user=request.user, tender_id=tender.pk))
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:opening"),
        "latest": latest,
        "pending": pending,
        "requested_by_me": pending is not None and pending.requested_by_id == request.user.pk,
        "bid_count": bid_count,
        "is_officer": may_act_as_officer(request, tender),
        "records": documents_visible_to(user=request.user).filter(tender=tender, kind=DocumentKind.OPENING_RECORD),
        "error": error,
    }
    return render(request, "evaluation/portal/opening.html", context, status=status)


@login_required
def opening(request, pk: int):
    """GET: the state of the opening. POST: the first officer asks to open, a second one confirms."""
    tender = our_tender(request, pk)
    if request.method != "POST":
        return _opening_page(request, tender)
    outcome = run_service(None, lambda: tender_open(actor=request.user, tender_id=tender.pk))
    if not outcome.ok:
        tender.refresh_from_db()
        return _opening_page(request, tender, error=outcome.error, status=outcome.status)
    result = outcome.result
    if result.confirmed_at is None:
        done(
            request,
            _("The opening was requested. Another officer must confirm it by %(time)s.")
            % {"time": timezone.localtime(result.expires_at).strftime("%H:%M")},
        )
    else:
        done(request, _("The bids were opened. The opening record is being prepared."))
    return redirect("evaluation:opening", tender.pk)


class PanelAddForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Person to name to the panel"), coerce=int)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        people = (
            Membership.objects.filter(authority_id=tender.authority_id, role__in=[Role.OFFICER, Role.EVALUATOR])
            .select_related("user")
            .order_by("user__last_name", "user__username")
        )
        seen = {}
        for membership in people:
            user = membership.user
            seen.setdefault(user.pk, f"{user.get_full_name() or user.username} ({user.username})")
        self.fields["user"].choices = list(seen.items())


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest in this call?"),
        choices=[("no", _("No, I have no conflict of interest")), ("yes", _("Yes, I have a conflict of interest"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Describe the conflict of interest, if you have one."),
        max_length=10_000,
    )


def _panel_page(request, tender, *, add_form=None, declaration_form=None, status=200):
    members = list(panel_of(user=request.user, tender_id=tender.pk))
    mine = next((m for m in members if m.user_id == request.user.pk), None)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:panel"),
        "members": members,
        "mine": mine,
        "is_officer": may_act_as_officer(request, tender),
        "add_form": add_form or PanelAddForm(tender=tender, prefix="add"),
        "declaration_form": declaration_form or DeclarationForm(prefix="declare"),
    }
    return render(request, "evaluation/portal/panel.html", context, status=status)


@login_required
def panel(request, pk: int):
    tender = our_tender(request, pk, check=panel_add_check)  # the person named is not looked up for the others
    if request.method != "POST":
        return _panel_page(request, tender)
    form = PanelAddForm(request.POST, tender=tender, prefix="add")
    outcome = run_service(
        form, lambda: panel_add(actor=request.user, tender_id=tender.pk, user_id=form.cleaned_data["user"])
    )
    if outcome.ok:
        done(request, _("The person was named to the panel."))
        return redirect("evaluation:panel", tender.pk)
    return _panel_page(request, tender, add_form=form, status=outcome.status)


@login_required
@require_POST
def declare(request, pk: int):
    tender = our_tender(request, pk, check=panel_declare_check)
    form = DeclarationForm(request.POST, prefix="declare")
    outcome = run_service(
        form,
        lambda: panel_declare(
            actor=request.user,
            tender_id=tender.pk,
            has_conflict=form.cleaned_data["has_conflict"],
            statement=form.cleaned_data["statement"],
        ),
    )
    if outcome.ok:
        done(request, _("Your declaration was recorded."))
        return redirect("evaluation:panel", tender.pk)
    return _panel_page(request, tender, declaration_form=form, status=outcome.status)
