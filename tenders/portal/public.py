"""Portal pages for everyone and for providers: finding calls, reading one, following it, asking a question."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.models import DocumentKind, DocumentStatus
from documents.services import document_download, documents_visible_to
from procurement.access import roles_of
from procurement.clientip import client_ip
from procurement.errors import NotFound
from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.middleware import received_at
from procurement.models import ContractingAuthority, Language
from procurement.periods import HELSINKI
from procurement.portal import done, render_form, run_service

from .. import asks
from ..api.views import TenderFilter
from ..models import TenderStatus
from ..selectors import questions_for, tender_get, tender_list
from ..services import ASK_REFUSAL, provider_tender_check, question_ask, tender_follow, tender_view_register

PAGE_SIZE = 20


class TenderSearchForm(forms.Form):
    q = forms.CharField(label=_("Search in titles and descriptions"), required=False, max_length=200)
    authority = forms.ModelChoiceField(
        label=_("Contracting authority"),
        queryset=ContractingAuthority.objects.filter(tenders__published_at__isnull=False).distinct(),
        required=False,
        empty_label=_("Any"),
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    municipality = forms.CharField(label=_("Municipality of a lot"), required=False, max_length=100)
    cpv = forms.RegexField(
        label=_("CPV code (or its beginning)"),
        regex=r"^\d{1,8}(-\d)?$",
        required=False,
        max_length=10,
        error_messages={"invalid": _("Give the digits of a CPV code, e.g. 8058 or 80580000-3.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the bid or of instruction"),
        choices=[("", _("Any")), *Language.choices],
        required=False,
        help_text=_("A language bids may be written in, or the language of instruction of a lot."),
    )
    deadline_after = forms.DateField(
        label=_("Deadline on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline_before = forms.DateField(
        label=_("Deadline on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    include_closed = forms.BooleanField(label=_("Include calls whose deadline has passed"), required=False)


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=HELSINKI)


def _search(form: TenderSearchForm, user):
    tenders = tender_list(user=user).filter(published_at__isnull=False)
    if not form.is_valid():
        return tenders.none()
    data = form.cleaned_data
    if not data["include_closed"]:
        tenders = tenders.filter(status=TenderStatus.PUBLISHED, submission_deadline__gt=timezone.now())
    # The API's filters, so that the portal and the API find the same calls.
    shared = {key: data[key] for key in ("q", "region", "municipality") if data[key]}
    if data["authority"]:
        shared["authority"] = data["authority"].pk
    if shared:
        tenders = TenderFilter(shared, queryset=tenders).qs
    if data["cpv"]:
        digits = data["cpv"].split("-")[0]
        tenders = tenders.filter(Q(cpv_main__startswith=digits) | Q(cpv_additional__icontains=f'"{digits}'))
    if data["language"]:
        code = data["language"]
        tenders = tenders.filter(Q(bid_languages__icontains=f'"{code}"') | Q(lots__language_of_instruction=code))
    if data["deadline_after"]:
        tenders = tenders.filter(submission_deadline__gte=_day_start(data["deadline_after"]))
    if data["deadline_before"]:
        tenders = tenders.filter(submission_deadline__lt=_day_start(data["deadline_before"] + timedelta(days=1)))
    tenders = tenders.select_related("framework_lot__tender")  # a mini-competition names its framework
    return tenders.distinct().annotate(lot_count=Count("lots", distinct=True)).order_by("submission_deadline", "id")


def search(request):
    """Published calls, filtered with a GET form; open to everyone."""
    form = TenderSearchForm(request.GET or None)
    # Without a query, the open calls: the same search with every filter empty.
    tenders = _search(form if request.GET else TenderSearchForm({}), request.user)
    page = Paginator(tenders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tenders/portal/public/search.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.is_bound and form.errors else 200,
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        help_text=_("Questions are answered to every provider at once, without the asker's name."),
    )


def _own_bid(user, tender):
    if not roles_of(user).provider_of:
        return None
    return asks.own_bid(user=user, tender=tender)


def _tender_context(request, tender) -> dict:
    roles = roles_of(request.user)
    bid = _own_bid(request.user, tender)
    questions, _for_authority = questions_for(user=request.user, tender_id=tender.pk)
    now = timezone.now()
    questions_close = tender.questions_deadline or tender.submission_deadline
    grounds = {g.code: g for g in EXCLUSION_GROUNDS}
    documents = (
        documents_visible_to(user=request.user)
        .filter(tender=tender, kind=DocumentKind.CALL, status=DocumentStatus.READY)
        .order_by("version", "language")
    )
    return {
        "tender": tender,
        "lots": list(tender.lots.order_by("number")),
        "criteria": list(tender.criteria.select_related("lot").order_by("number")),
        "requirements": list(tender.requirements.order_by("number")),
        "grounds": [grounds[code] for code in tender.exclusion_grounds if code in grounds],
        "published_questions": [q for q in questions if q.bulletin_id is not None],
        "own_questions": [q for q in questions if q.bulletin_id is None],
        "versions": list(tender.versions.order_by("number")),
        "documents": list(documents),
        "is_provider": bool(roles.provider_of),
        "following": bool(
            roles.provider_of and tender.interests.filter(provider_id__in=roles.provider_of, following=True).exists()
        ),
        "may_ask": bool(roles.provider_of) and tender.status == TenderStatus.PUBLISHED and now < questions_close,
        "questions_close": questions_close,
        "accepts_bids": tender.accepts_bids_at(now),
        "bid": bid,
        # Where the bid stands: a decided or interrupted call shows its outcome instead of "continue your bid".
        "outcome": asks.bid_outcomes(user=request.user, bids=[bid])[bid.pk] if bid else None,
    }


def detail(request, pk: int):
    """A published call as providers read it; a provider may follow it, ask a question and prepare a bid."""
    tender = tender_get(user=request.user, tender_id=pk)
    form = QuestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        provider_tender_check(actor=request.user, tender_id=tender.pk, refusal=ASK_REFUSAL)  # before the form
        if form.is_valid():
            outcome = run_service(
                form,
                lambda: question_ask(
                    actor=request.user,
                    tender_id=tender.pk,
                    text=form.cleaned_data["text"],
                    received_at=received_at(request),
                ),
            )
            status = outcome.status
            if outcome.ok:
                done(request, _("Your question was sent. The answers are published to everyone."))
                return redirect("tenders:detail", pk=tender.pk)
    else:
        tender_view_register(user=request.user, tender=tender)
    context = _tender_context(request, tender)
    context["form"] = form
    return render_form(request, "tenders/portal/public/detail.html", context, status)


@login_required
@require_POST
def follow(request, pk: int):
    following = request.POST.get("following") == "1"
    tender_follow(actor=request.user, tender_id=pk, following=following)
    if request.headers.get("HX-Request"):
        tender = tender_get(user=request.user, tender_id=pk)
        return render(request, "tenders/portal/public/_follow.html", {"tender": tender, "following": following})
    done(request, _("You follow this call now.") if following else _("You no longer follow this call."))
    return redirect("tenders:detail", pk=pk)


def document(request, pk: int, document_id: int):
    """A PDF of the call (the call document, a receipt, the decision, a letter) for whoever may see it."""
    tender = tender_get(user=request.user, tender_id=pk)
    # A document of another call is not found here, before anything is read or logged.
    record = document_download(
        user=request.user, document_id=document_id, tender_id=tender.pk, ip_address=client_ip(request)
    )
    response = FileResponse(
        record.file.open("rb"), as_attachment=True, filename=record.filename, content_type="application/pdf"
    )
    response["X-Content-SHA256"] = record.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AlertForm(forms.Form):
    cpv_prefix = forms.CharField(
        label=_("CPV code begins with"),
        max_length=10,
        required=False,
        help_text=_("For example 8058 for language courses; leave empty for every call."),
    )
    authority = forms.ModelChoiceField(
        label=_("Contracting authority"),
        queryset=ContractingAuthority.objects.order_by("name_fi"),
        required=False,
        empty_label=_("Any"),
    )


@login_required
def alerts(request):
    """A provider's alerts: it is told of every new call that matches one (in the inbox and by e-mail)."""
    from ..models import TenderAlert
    from ..services import tender_alert_create

    roles = roles_of(request.user)
    if not roles.provider_of:
        raise NotFound()
    provider_id = min(roles.provider_of)
    form = AlertForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        authority = form.cleaned_data["authority"]
        outcome = run_service(
            form,
            lambda: tender_alert_create(
                actor=request.user,
                provider_id=provider_id,
                cpv_prefix=form.cleaned_data["cpv_prefix"],
                authority_id=authority.pk if authority else None,
            ),
        )
        status = outcome.status
        if outcome.ok:
            done(request, _("The alert is saved."))
            return redirect("tenders:alerts")
    rows = TenderAlert.objects.filter(provider_id__in=roles.provider_of).select_related("authority").order_by("pk")
    return render_form(request, "tenders/portal/public/alerts.html", {"form": form, "alerts": rows}, status)


@login_required
@require_POST
def alert_delete(request, alert_id: int):
    from ..services import tender_alert_delete

    tender_alert_delete(actor=request.user, alert_id=alert_id)
    done(request, _("The alert is removed."))
    return redirect("tenders:alerts")


urlpatterns = [
    path("", search, name="search"),
    path("alerts/", alerts, name="alerts"),
    path("alerts/<int:alert_id>/delete/", alert_delete, name="alert-delete"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/follow/", follow, name="follow"),
    path("<int:pk>/documents/<int:document_id>/", document, name="document"),
]
