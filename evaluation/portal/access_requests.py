"""Portal pages of requests for documents (evaluation.access_requests): a bidder's form and its requests (from its
outcome), the officer's list of a call's requests, a request's page with the decision form and the files, and the
public form and link page (no sign-in; evaluation.portal.access_public)."""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus
from documents.models import GeneratedDocument
from procurement.access import roles_of
from procurement.clientip import client_ip
from procurement.errors import Conflict, DomainError, Forbidden
from procurement.models import User
from procurement.portal import done, read, render_form, run_service
from tenders.portal.officer_common import our_tender, tender_nav
from tenders.selectors import tender_get

from ..access_requests import (
    Asked,
    access_file_get,
    access_request_by_token,
    access_request_create,
    access_request_create_check,
    access_request_decide,
    access_request_decide_check,
    access_request_get,
    access_request_public_check,
    access_request_public_create,
    access_request_withheld,
    access_requests_of_tender,
    comparison_documents,
    disclosed_documents,
    public_document_get,
)
from ..models import AccessGround, AccessRequest

app_name = "access"

# The public form: at most this many requests from one address in an hour (a request sends an e-mail).
PUBLIC_REQUESTS_PER_HOUR = 10


class AskForm(forms.Form):
    bids = forms.TypedMultipleChoiceField(
        label=_("Bids"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    answers = forms.BooleanField(label=_("Their answers"), required=False, initial=True)
    attachments = forms.BooleanField(label=_("Their attachments"), required=False, initial=True)
    comparison = forms.BooleanField(label=_("The comparison of the bids"), required=False)
    description = forms.CharField(
        label=_("Other documents you ask for"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, bids: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["bids"]).choices = bids

    def asked(self) -> Asked:
        data = self.cleaned_data
        return Asked(
            bids=data["bids"],
            answers=data["answers"],
            attachments=data["attachments"],
            comparison=data["comparison"],
            description=data["description"],
        )


class PublicAskForm(AskForm):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"))
    field_order = ["name", "email", "bids", "answers", "attachments", "comparison", "description"]


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in AccessRequest.Status if s != AccessRequest.Status.RECEIVED],
        widget=forms.RadioSelect,
    )
    bids = forms.TypedMultipleChoiceField(
        label=_("Bids disclosed"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a grant in part: the bids whose copies are given. Their secrets are always removed."),
    )
    grounds = forms.MultipleChoiceField(
        label=_("Legal grounds of what is withheld"),
        choices=AccessGround.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reason_sv = forms.CharField(label=_("Reasons in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, bids: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["bids"]).choices = bids


def _bid_choices(tender_id: int, exclude: set[int]) -> list[tuple[int, str]]:
    bids = Bid.objects.filter(tender_id=tender_id, status=BidStatus.SUBMITTED).exclude(provider_id__in=exclude)
    return [(b.pk, b.provider.name) for b in bids.select_related("provider").order_by("provider__name", "pk")]


def _language() -> str:
    return "sv" if (get_language() or "").startswith("sv") else "fi"


@login_required
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's requests for documents of a call, and the form to ask (once it may: otherwise the reason)."""
    actor = cast(User, request.user)
    tender = tender_get(user=actor, tender_id=pk)
    if not roles_of(actor).provider_of:
        raise Forbidden(_("Only a provider's members ask for documents here."), code="providers_only")
    if request.method == "POST":
        access_request_create_check(actor=actor, tender_id=tender.pk)
    refusal: DomainError | None = None
    try:
        access_request_create_check(actor=actor, tender_id=tender.pk)
    except Conflict as error:
        refusal = error
    form = AskForm(request.POST or None, bids=_bid_choices(tender.pk, set(roles_of(actor).provider_of)))
    status = 200
    if request.method == "POST":
        outcome = run_service(
            form,
            lambda: access_request_create(actor=actor, tender_id=tender.pk, asked=form.asked(), language=_language()),
        )
        if outcome.ok:
            created = cast(AccessRequest, outcome.result)
            done(request, _("Your request was sent to the contracting authority."))
            return redirect("access:detail", created.pk)
        status = outcome.status
    mine = read(lambda: access_requests_of_tender(user=actor, tender_id=tender.pk))
    context = {"tender": tender, "form": form, "refusal": refusal, "requests": mine}
    return render_form(request, "evaluation/portal/access_ask.html", context, status=status)


@login_required
def officer_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every request for documents of the call, for the authority."""
    tender = our_tender(request, pk)
    rows = read(lambda: access_requests_of_tender(user=request.user, tender_id=tender.pk))
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "access:list"),
        "requests": rows,
        "officer": roles_of(request.user).is_officer(tender.authority_id),
    }
    return render(request, "evaluation/portal/access_list.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request: what was asked, its decision and files; the officer's decision form while it waits."""
    actor = cast(User, request.user)
    if request.method == "POST":
        access_request_decide_check(actor=actor, request_id=pk)
    access = read(lambda: access_request_get(user=actor, request_id=pk))
    officer = roles_of(actor).is_officer(access.tender.authority_id)
    form = DecideForm(
        request.POST or None,
        bids=[(b.pk, b.provider.name) for b in sorted(access.bids.all(), key=lambda b: b.provider.name)],
    )
    status = 200
    if request.method == "POST":
        outcome = run_service(
            form,
            lambda: access_request_decide(
                actor=actor,
                request_id=access.pk,
                outcome=form.cleaned_data["outcome"],
                grounds=form.cleaned_data["grounds"],
                reason=form.cleaned_data["reason"],
                reason_sv=form.cleaned_data["reason_sv"],
                items=(
                    {"bids": form.cleaned_data["bids"]}
                    if form.cleaned_data["outcome"] == AccessRequest.Status.GRANTED_IN_PART
                    else None
                ),
                link_base=request.build_absolute_uri("/"),
            ),
        )
        if outcome.ok:
            done(request, _("The decision was made; the requester is told."))
            return redirect("access:detail", access.pk)
        status = outcome.status
    context = {
        "access": access,
        "tender": access.tender,
        "form": form,
        "officer": officer and access.status == AccessRequest.Status.RECEIVED,
        "withheld": access_request_withheld(access) if officer and access.status == "received" else [],
        "documents": disclosed_documents(access),
        "comparisons": comparison_documents(access),
    }
    return render_form(request, "evaluation/portal/access_detail.html", context, status=status)


def _file_response(document: GeneratedDocument) -> FileResponse:
    is_pdf = document.filename.lower().endswith(".pdf")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type="application/pdf" if is_pdf else "application/octet-stream",
    )
    response["X-Content-SHA256"] = document.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def file(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    """A file of a request (its decision, a copy, the comparison granted), for its requester and the authority."""
    document = access_file_get(user=request.user, request_id=pk, document_id=document_id, ip_address=client_ip(request))
    return _file_response(document)


def _throttled(request: HttpRequest) -> bool:
    """At most PUBLIC_REQUESTS_PER_HOUR requests through the public form from one address in an hour."""
    key = f"access-public:{client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > PUBLIC_REQUESTS_PER_HOUR


def public_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The public form (no sign-in): a call whose contract is signed; 409 with the reason before, 404 for a call
    that is not published."""
    try:
        tender = access_request_public_check(tender_id=pk)
    except Conflict as error:
        return render(
            request, "evaluation/portal/access_public_request.html", {"refusal": error, "tender_id": pk}, status=409
        )
    form = PublicAskForm(request.POST or None, bids=_bid_choices(tender.pk, set()))
    status = 200
    if request.method == "POST":
        if _throttled(request):
            return render(
                request,
                "evaluation/portal/access_public_request.html",
                {"tender": tender, "form": form, "throttled": True},
                status=429,
            )
        outcome = run_service(
            form,
            lambda: access_request_public_create(
                tender_id=tender.pk,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                asked=form.asked(),
                link_base=request.build_absolute_uri("/"),
                language=_language(),
                ip_address=client_ip(request),
            ),
        )
        if outcome.ok:
            _request, token = cast(tuple[AccessRequest, str], outcome.result)
            done(request, _("Your request was sent. The link to it was sent to your e-mail address."))
            return redirect("access_public:token", token)
        status = outcome.status
    context = {"tender": tender, "form": form}
    return render_form(request, "evaluation/portal/access_public_request.html", context, status=status)


def public_token(request: HttpRequest, access_token: str) -> HttpResponse:
    """A public requester's page behind its link: the request, its decision and the files disclosed."""
    token = access_token
    access = access_request_by_token(token=token)
    context = {
        "access": access,
        "tender": access.tender,
        "token": token,
        "documents": disclosed_documents(access),
        "comparisons": comparison_documents(access),
    }
    response = render(request, "evaluation/portal/access_public_token.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response["Cache-Control"] = "no-store"
    return response


def public_file(request: HttpRequest, access_token: str, document_id: int) -> FileResponse:
    """A file of a public requester's request: its decision, a copy, the comparison granted."""
    document = public_document_get(token=access_token, document_id=document_id)
    response = _file_response(document)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("calls/<int:pk>/access-requests/", ask, name="ask"),
    path("evaluation/<int:pk>/access-requests/", officer_list, name="list"),
    path("access-requests/<int:pk>/", detail, name="detail"),
    path("access-requests/<int:pk>/files/<int:document_id>/", file, name="file"),
]
