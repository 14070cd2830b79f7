"""The portal's framework agreements: the officers' and auditors' list and each framework's summary with the forms of
its recorded decisions (options, a provider leaving or replaced, a price index adjustment, capacity, the early end)
and its XLSX; a provider's member sees its own memberships only."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from procurement.access import roles_of
from procurement.portal import done, read, run_service
from tenders.languages import is_bilingual
from tenders.models import CallOffMethod

from ..framework_changes import (
    MAX_CAPACITY,
    framework_member_capacity_set,
    framework_member_leave,
    framework_member_replace,
    framework_officer_check,
    framework_option_decide,
    framework_price_adjust,
    framework_terminate,
)
from ..framework_follow import (
    FrameworkSummary,
    framework_list,
    framework_summary,
    framework_workbook,
    provider_frameworks,
    reads_whole_framework,
    usage_of,
)
from ..models import Framework, FrameworkStatus

app_name = "frameworks"

LIST = "evaluation/portal/frameworks.html"
DETAIL = "evaluation/portal/framework.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    reason_sv = forms.CharField(
        label=_("Reason in Swedish"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000, required=False
    )

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.framework = framework
        if not is_bilingual(framework.tender):
            del self.fields["reason_sv"]


class OptionDecisionForm(ReasonForm):
    field_order = ["exercise", "reason", "reason_sv"]
    exercise = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Exercise the option")), ("no", _("Do not exercise the option"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class MemberForm(ReasonForm):
    """A decision about one provider of the framework, chosen from its active providers."""

    member = forms.TypedChoiceField(label=_("Provider"), coerce=int)

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, framework=framework, **kwargs)
        active = framework.members.filter(left_on__isnull=True).select_related("provider").order_by("rank")
        choices: list[tuple[Any, str]] = [(m.pk, f"{m.rank}. {m.provider.name}") for m in active]
        self.fields["member"].choices = choices  # type: ignore[attr-defined]


def _effective_on_bounds(form: forms.Form, framework: Framework) -> None:
    """A change takes effect within the term and on the day it is recorded or earlier (the service checks it too)."""
    bounds = {"min": framework.starts_on.isoformat(), "max": timezone.localdate().isoformat()}
    form.fields["effective_on"].widget.attrs.update(bounds)


class LeaveForm(MemberForm):
    field_order = ["member", "effective_on", "reason", "reason_sv"]
    effective_on = forms.DateField(label=_("Leaves on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, framework=framework, **kwargs)
        _effective_on_bounds(self, framework)


class CapacityForm(MemberForm):
    field_order = ["member", "capacity", "reason", "reason_sv"]
    capacity = forms.IntegerField(
        label=_("Capacity per half-year term"),
        min_value=0,
        max_value=MAX_CAPACITY,
        required=False,
        help_text=_("In the framework's capacity unit; empty: not limited."),
    )


class PriceForm(ReasonForm):
    field_order = ["percent", "index_name", "effective_on", "reason", "reason_sv"]
    percent = forms.DecimalField(
        label=_("Change (%)"), max_digits=6, decimal_places=2, help_text=_("From -20 to 20 per cent.")
    )
    index_name = forms.CharField(label=_("Price index"), max_length=200)
    effective_on = forms.DateField(label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, framework=framework, **kwargs)
        _effective_on_bounds(self, framework)


@dataclass(frozen=True)
class Decision:
    """A decision about the framework or one of its providers: the path of its form, the form, the service that
    records it and what the officer is told then."""

    path: str
    form_class: type[ReasonForm]
    service: Callable[..., object]
    message: Any


DECISIONS: dict[str, Decision] = {
    "leave": Decision("leave/", LeaveForm, framework_member_leave, _("The provider's leaving was recorded.")),
    "replace": Decision(
        "replace/", ReasonForm, framework_member_replace, _("The next-ranked bidder joined the framework.")
    ),
    "capacity": Decision(
        "capacity/", CapacityForm, framework_member_capacity_set, _("The provider's capacity was recorded.")
    ),
    "price": Decision("prices/", PriceForm, framework_price_adjust, _("The price index adjustment was recorded.")),
    "terminate": Decision("terminate/", ReasonForm, framework_terminate, _("The framework agreement was ended.")),
}


def _links(framework: Framework) -> dict[str, str]:
    """The order pages other parts of the portal serve, as plain paths (shown while the framework is in force)."""
    links = {}
    if framework.call_off_method in (CallOffMethod.PREFERENCE, CallOffMethod.COMBINED):
        links["new_order"] = f"/frameworks/{framework.pk}/orders/new/"
    if framework.call_off_method in (CallOffMethod.MINI_COMPETITION, CallOffMethod.COMBINED):
        links["new_mini_competition"] = f"/frameworks/{framework.pk}/mini-competitions/new/"
    return links


@login_required
def framework_index(request: HttpRequest) -> HttpResponse:
    """Officers and auditors: every framework of their authorities with its usage; a provider: its memberships."""
    frameworks = [f for f in framework_list(user=request.user) if reads_whole_framework(request.user, f)]
    usage = usage_of(frameworks)
    rows = [{"framework": f, "usage": usage[f.pk]} for f in frameworks]
    memberships = provider_frameworks(user=request.user) if roles_of(request.user).provider_of else []
    return render(request, LIST, {"rows": rows, "memberships": memberships})


def _detail_context(request: HttpRequest, summary: FrameworkSummary, bound: dict[str, Any]) -> dict[str, Any]:
    framework = summary.framework
    officer = roles_of(request.user).is_officer(framework.tender.authority_id)
    changeable = officer and framework.status == FrameworkStatus.ACTIVE
    context: dict[str, Any] = {
        "summary": summary,
        "framework": framework,
        "officer": officer,
        "changeable": changeable,
        "links": _links(framework) if changeable else {},
        "method_label": CallOffMethod(framework.call_off_method).label if framework.call_off_method else "",
    }
    if changeable:
        context["option_forms"] = [
            (
                option,
                bound.get(f"option-{option.pk}")
                or OptionDecisionForm(framework=framework, prefix=f"option-{option.pk}"),
            )
            for option in summary.options
            if option.state == "open"
        ]
        for name, decision in DECISIONS.items():
            context[f"{name}_form"] = bound.get(name) or decision.form_class(framework=framework, prefix=name)
    return context


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = read(lambda: framework_summary(user=request.user, framework_id=pk))
    return render(request, DETAIL, _detail_context(request, summary, {}))


@login_required
def framework_export(request: HttpRequest, pk: int) -> HttpResponse:
    summary = read(lambda: framework_summary(user=request.user, framework_id=pk))
    response = HttpResponse(framework_workbook(summary), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="framework-{pk}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _decide(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    form_class: type[ReasonForm],
    action: Callable[[ReasonForm], object],
    message: Any,
) -> HttpResponse:
    """Run one decision's service for its form: done, back to the framework's page; refused, the page again with
    the form's errors (400/409)."""
    framework = framework_officer_check(actor=request.user, framework_id=pk)
    form = form_class(request.POST, framework=framework, prefix=key)
    outcome = run_service(form, lambda: action(form))
    if outcome.ok:
        done(request, message)
        return redirect("frameworks:detail", pk)
    summary = framework_summary(user=request.user, framework_id=pk)
    return render(request, DETAIL, _detail_context(request, summary, {key: form}), status=outcome.status)


@login_required
@require_POST
def option_decide(request: HttpRequest, pk: int, option_id: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        key=f"option-{option_id}",
        form_class=OptionDecisionForm,
        action=lambda form: framework_option_decide(
            actor=request.user, framework_id=pk, option_id=option_id, **form.cleaned_data
        ),
        message=_("The decision on the option was recorded."),
    )


def _service_data(form: ReasonForm) -> dict[str, Any]:
    """The form's fields as the service's arguments: a chosen provider is its `member_id`."""
    data = dict(form.cleaned_data)
    if "member" in data:
        data["member_id"] = data.pop("member")
    return data


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One of the `DECISIONS` about the framework or one of its providers."""
    decision = DECISIONS[key]
    return _decide(
        request,
        pk,
        key=key,
        form_class=decision.form_class,
        action=lambda form: decision.service(actor=request.user, framework_id=pk, **_service_data(form)),
        message=decision.message,
    )


urlpatterns = [
    path("", framework_index, name="list"),
    path("<int:pk>/", framework_detail, name="detail"),
    path("<int:pk>/export.xlsx", framework_export, name="export"),
    path("<int:pk>/options/<int:option_id>/decide/", option_decide, name="option_decide"),
    *(path(f"<int:pk>/{decision.path}", decide, {"key": key}, name=key) for key, decision in DECISIONS.items()),
]
