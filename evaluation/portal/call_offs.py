"""Portal pages of call-offs by order of preference: the officer's new order and an order's record (its steps and
reasons, its PDFs, skipping the current provider or cancelling), and the provider's orders (replies due first, then
the history) with its reply to one."""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.models import Language, User
from procurement.portal import done, read, run_service
from tenders.models import StudyPath

from ..calloffs import (
    MAX_STUDENTS,
    MAX_TRAINING_DAYS,
    call_off_accept,
    call_off_cancel,
    call_off_create,
    call_off_decline,
    call_off_documents,
    call_off_of_provider,
    call_off_officer_check,
    call_off_preference_check,
    call_off_provider_check,
    call_off_record,
    call_off_skip,
    call_off_steps,
    call_offs_of_provider,
    framework_officer_check,
)
from ..frameworks import framework_usage, member_capacity_left
from ..models import CallOff, CallOffStatus, Framework

app_name = "call_offs"
TEMPLATES = "evaluation/portal/"


class CallOffForm(forms.Form):
    municipality = forms.CharField(label=_("Municipality"), max_length=100)
    language_of_instruction = forms.ChoiceField(label=_("Language of instruction"), choices=Language.choices)
    study_path = forms.ChoiceField(label=_("Study path"), choices=StudyPath.choices)
    students = forms.IntegerField(label=_("Students"), min_value=1, max_value=MAX_STUDENTS)
    start_on = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    training_days = forms.IntegerField(label=_("Training days"), min_value=1, max_value=MAX_TRAINING_DAYS)
    note = forms.CharField(
        label=_("Note to the provider"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(framework.members.filter(left_on__isnull=True).select_related("provider").order_by("rank"))
        for member in self.members:
            self.fields[f"skip_{member.pk}"] = forms.CharField(
                label=_("Skip rank %(rank)s, %(provider)s: reason")
                % {"rank": member.rank, "provider": member.provider},
                required=False,
                max_length=2000,
                help_text=_("Leave empty to follow the order of preference."),
            )

    def course_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("skip_")]

    def skip_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("skip_")]

    def skips(self) -> list[tuple[int, str]]:
        """A provider is skipped by writing the reason (the portal cannot skip without one)."""
        return [
            (member.pk, self.cleaned_data[f"skip_{member.pk}"])
            for member in self.members
            if (self.cleaned_data.get(f"skip_{member.pk}") or "").strip()
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


@login_required
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer orders a course start from the framework."""
    actor = cast(User, request.user)
    framework = read(lambda: framework_officer_check(actor=actor, framework_id=pk))
    read(lambda: call_off_preference_check(framework))  # 409: the framework's call-offs are mini-competitions only
    form = CallOffForm(request.POST or None, framework=framework)
    status = 200
    if request.method == "POST":
        outcome = run_service(
            form,
            lambda: call_off_create(
                actor=actor,
                framework_id=framework.pk,
                municipality=form.cleaned_data["municipality"],
                language_of_instruction=form.cleaned_data["language_of_instruction"],
                study_path=form.cleaned_data["study_path"],
                students=form.cleaned_data["students"],
                start_on=form.cleaned_data["start_on"],
                training_days=form.cleaned_data["training_days"],
                note=form.cleaned_data["note"],
                skips=form.skips(),
            ),
        )
        if outcome.ok:
            call_off = cast(CallOff, outcome.result)
            done(
                request,
                _("Order %(number)s was offered to %(provider)s.")
                % {"number": call_off.number, "provider": call_off.member.provider if call_off.member else "–"},
            )
            return redirect("call_offs:record", call_off.pk)
        status = outcome.status
    start_on = timezone.localdate()
    members = [{"member": m, "capacity_left": member_capacity_left(m, on=start_on)} for m in form.members]
    context = {
        "framework": framework,
        "form": form,
        "members": members,
        "usage": framework_usage(framework),
    }
    return render(request, f"{TEMPLATES}call_off_new.html", context, status=status)


@login_required
def order_record(request: HttpRequest, pk: int) -> HttpResponse:
    """An order's record for the authority's side: every step with its reasons, its PDFs; the officer may pass it
    over the current provider (with a reason) or cancel it."""
    actor = cast(User, request.user)
    status = 200
    forms_by_action = {"skip": ReasonForm(prefix="skip"), "cancel": ReasonForm(prefix="cancel")}
    if request.method == "POST":
        read(lambda: call_off_officer_check(actor=actor, call_off_id=pk))
        action = request.POST.get("action", "")
        if action not in forms_by_action:
            raise NotFound()
        form = ReasonForm(request.POST, prefix=action)
        forms_by_action[action] = form
        service = call_off_skip if action == "skip" else call_off_cancel
        outcome = run_service(form, lambda: service(actor=actor, call_off_id=pk, reason=form.cleaned_data["reason"]))
        if outcome.ok:
            done(request, _("The order was passed on.") if action == "skip" else _("The order was cancelled."))
            return redirect("call_offs:record", pk)
        status = outcome.status
    call_off = read(lambda: call_off_record(user=actor, call_off_id=pk))
    framework = call_off.framework
    context = {
        "call_off": call_off,
        "framework": framework,
        "steps": call_off_steps(call_off),
        "documents": call_off_documents(user=actor, call_off=call_off),
        "usage": framework_usage(framework),
        "officer": roles_of(actor).is_officer(framework.tender.authority_id),
        "open": call_off.status == CallOffStatus.OFFERED,
        "cancellable": call_off.status in (CallOffStatus.OFFERED, CallOffStatus.ACCEPTED),
        "skip_form": forms_by_action["skip"],
        "cancel_form": forms_by_action["cancel"],
    }
    return render(request, f"{TEMPLATES}call_off_record.html", context, status=status)


@login_required
def provider_orders(request: HttpRequest) -> HttpResponse:
    """The provider's orders: those waiting for its reply first, then its history."""
    if not roles_of(request.user).provider_of:
        raise NotFound()
    orders = call_offs_of_provider(user=request.user)
    context = {
        "due": [o for o in orders if o.pending is not None],
        "history": [o for o in orders if o.pending is None],
    }
    return render(request, f"{TEMPLATES}orders.html", context)


@login_required
def provider_order(request: HttpRequest, pk: int) -> HttpResponse:
    """One order as the provider sees it: accept it, or decline it with a reason; its PDFs."""
    actor = cast(User, request.user)
    decline_form = ReasonForm(prefix="decline")
    status, refusal = 200, ""
    if request.method == "POST":
        read(lambda: call_off_provider_check(actor=actor, call_off_id=pk))
        action = request.POST.get("action", "")
        if action == "accept":
            outcome = run_service(None, lambda: call_off_accept(actor=actor, call_off_id=pk))
            message = _("You accepted the order. Its confirmation is being prepared.")
        elif action == "decline":
            decline_form = ReasonForm(request.POST, prefix="decline")
            outcome = run_service(
                decline_form,
                lambda: call_off_decline(actor=actor, call_off_id=pk, reason=decline_form.cleaned_data["reason"]),
            )
            message = _("You declined the order.")
        else:
            raise NotFound()
        if outcome.ok:
            done(request, message)
            return redirect("call_offs:order", pk)
        status = outcome.status
        if outcome.error is not None and action == "accept":
            refusal = str(outcome.error.message)
    order = read(lambda: call_off_of_provider(user=actor, call_off_id=pk))
    context = {
        "order": order,
        "call_off": order.call_off,
        "documents": call_off_documents(user=actor, call_off=order.call_off),
        "decline_form": decline_form,
        "refusal": refusal,
        "reply_open": order.pending is not None and timezone.now() <= (order.reply_by or timezone.now()),
    }
    return render(request, f"{TEMPLATES}order.html", context, status=status)


urlpatterns = [
    path("frameworks/<int:pk>/orders/new/", order_new, name="new"),
    path("frameworks/orders/<int:pk>/", order_record, name="record"),
    path("orders/", provider_orders, name="orders"),
    path("orders/<int:pk>/", provider_order, name="order"),
]
