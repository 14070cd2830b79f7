"""The public pages of the procedures, for anyone without signing in: the list of the procedures with a public record
and each one's record (evaluation/public_procedure.py says what is in it)."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from procurement.portal import read

from .. import public_procedure

app_name = "public"

# The pages carry the language form's CSRF token: a private cache only (a browser's), for a few minutes.
CACHE = {"private": True, "max_age": 300}


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("Words of the title"), required=False, max_length=200)
    authority = forms.CharField(label=_("Contracting authority (name or business ID)"), required=False, max_length=200)


@require_safe
@cache_control(**CACHE)
def calls(request: HttpRequest) -> HttpResponse:
    """The procedures with a public record, newest first, found by title and authority."""
    form = PublicSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"q": "", "authority": ""}
    tenders = public_procedure.public_tender_list(query=data["q"], authority=data["authority"])
    page = Paginator(tenders, public_procedure.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"tender": t, "stage": public_procedure.public_stage(t)} for t in page.object_list]
    for row in rows:
        row["stage_label"] = public_procedure.stage_label(row["stage"])
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(
        request, "evaluation/portal/public/calls.html", context, status=400 if form.is_bound and form.errors else 200
    )


@require_safe
@cache_control(**CACHE)
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """One procedure's public record."""
    record = read(lambda: public_procedure.public_record(tender_id=pk))
    context = {"record": record, "access_request_url": reverse("access_public:request", args=[record.id])}
    return render(request, "evaluation/portal/public/call.html", context)


urlpatterns = [
    path("", calls, name="calls"),
    path("<int:pk>/", call, name="call"),
]
