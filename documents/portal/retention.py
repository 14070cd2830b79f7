"""The officers' page of records past their retention period, with the decision on each (documents.retention)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.models import ContractingAuthority
from procurement.portal import done, read, render_form, run_service

from ..models import DisposalDecision, GeneratedDocument
from ..retention import record_disposal_decide, records_past_retention


class DisposalForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=DisposalDecision.Outcome.choices, widget=forms.RadioSelect)
    keep_until = forms.DateField(label=_("Keep until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def _authority(request: HttpRequest) -> ContractingAuthority:
    """The authority whose records the officer handles: the one chosen, else the first of theirs."""
    ours = sorted(roles_of(request.user).officer_of)
    if not ours:
        raise NotFound()
    chosen = request.GET.get("authority", "")
    authority_id = int(chosen) if chosen.isdigit() and int(chosen) in ours else ours[0]
    return ContractingAuthority.objects.get(pk=authority_id)


def _page(
    request: HttpRequest, authority: ContractingAuthority, forms_by_id: dict[int, DisposalForm], status: int = 200
) -> HttpResponse:
    items = read(lambda: records_past_retention(actor=request.user, authority_id=authority.pk))
    authorities = ContractingAuthority.objects.filter(pk__in=roles_of(request.user).officer_of).order_by("name_fi")
    rows = [(item, forms_by_id.get(item.document.pk) or DisposalForm(prefix=f"d{item.document.pk}")) for item in items]
    context = {"authority": authority, "authorities": authorities, "rows": rows}
    return render_form(request, "documents/portal/retention.html", context, status=status)


@login_required
def retention(request: HttpRequest) -> HttpResponse:
    """The records of the authority whose retention period has passed, oldest first; nothing is disposed of until an
    officer decides here."""
    return _page(request, _authority(request), {})


@login_required
@require_POST
def retention_decide(request: HttpRequest, document_id: int) -> HttpResponse:
    document = GeneratedDocument.objects.select_related("tender").filter(pk=document_id).first()
    if document is None or not roles_of(request.user).is_officer(document.tender.authority_id):
        raise NotFound()
    authority = document.tender.authority
    form = DisposalForm(request.POST, prefix=f"d{document_id}")
    outcome = run_service(
        form,
        lambda: record_disposal_decide(
            actor=request.user,
            document_id=document_id,
            outcome=form.cleaned_data["outcome"],
            keep_until=form.cleaned_data.get("keep_until"),
            reason=form.cleaned_data["reason"],
        ),
    )
    if outcome.ok:
        if form.cleaned_data["outcome"] == DisposalDecision.Outcome.DESTROY:
            done(request, _("The record was destroyed; its metadata, hash and the decision are kept."))
        else:
            done(request, _("The record is kept until the date given."))
        return redirect(f"{reverse('documents:retention')}?authority={authority.pk}")
    return _page(request, authority, {document_id: form}, status=outcome.status)


urlpatterns = [
    path("retention/", retention, name="retention"),
    path("retention/<int:document_id>/decide/", retention_decide, name="retention-decide"),
]
