"""Portal pages for the authority: the dashboard of calls, drafting, approval, answers, corrigenda."""

from datetime import datetime
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.services import documents_visible_to
from procurement.access import roles_of
from procurement.errors import DomainError, NotFound
from procurement.fsm import allowed_actions
from procurement.models import DeliveryStatus, Notification
from procurement.notifications import notification_resend, notification_resend_check, tender_delivery_log
from procurement.portal import done, error_messages, place_errors, read, render_form, run_service

from .. import asks, services
from ..languages import Stage, is_bilingual, swedish_texts_missing
from ..models import STATES_IN_PROGRESS, TenderStatus
from ..rules_check import regime_overview, tender_findings
from ..selectors import questions_for, tender_interests, tender_list
from ..statistics import tender_notice_type, tender_statistics_missing
from . import officer_draft
from .notice_data import TERM_FIELDS, NoticeDataForm
from .officer_common import (
    HelsinkiDateTimeField,
    call_off_rule_field,
    call_off_rule_sv_field,
    framework_long_term_reason_field,
    may_act_as_officer,
    our_tender,
    tender_nav,
)

STATE_ORDER = [
    *STATES_IN_PROGRESS,
    TenderStatus.COMPLETED,
    TenderStatus.UNSUCCESSFUL,
    TenderStatus.CANCELLED,
]


def next_deadline(tender, now):
    """The next of the call's deadlines still ahead: questions, tenders, opening."""
    for label, moment in (
        (_("Questions deadline"), tender.questions_deadline),
        (_("Tender deadline"), tender.submission_deadline),
        (_("Opening time"), tender.opening_at),
    ):
        if moment is not None and moment > now:
            return {"label": label, "at": moment}
    return None


@login_required
def dashboard(request):
    """The calls of the user's authorities, grouped by state, each with its next deadline."""
    roles = roles_of(request.user)
    authorities = roles.officer_of | roles.evaluator_of | roles.decision_maker_of
    now = timezone.now()
    tenders = list(tender_list(user=request.user).filter(authority_id__in=authorities))
    groups = []
    labels = dict(TenderStatus.choices)
    for state in STATE_ORDER:
        rows = [{"tender": t, "next": next_deadline(t, now)} for t in tenders if t.status == state]
        if rows:
            groups.append({"state": state, "label": labels[state], "rows": rows})
    return render(
        request,
        "tenders/portal/officer/dashboard.html",
        {
            "groups": groups,
            "may_draft": bool(roles.officer_of),
            "has_roles": bool(authorities),
            "tasks": asks.officer_tasks(request.user),
        },
    )


# --- one call: overview and transitions -----------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    reason_sv = forms.CharField(
        label=_("Reason in Swedish"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("A bilingual authority's decision gives the reason in Swedish too."),
    )


def _action_form(form_class, tender, *args, **kwargs):
    """An action's form; the Swedish text of a reason is asked of a bilingual authority only."""
    form = form_class(*args, **kwargs)
    if not is_bilingual(tender):
        form.fields.pop("reason_sv", None)
    return form


class InterruptionForm(ReasonForm):
    """An interruption is a decision: its specific reason, in Swedish too for a bilingual authority's decision."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The real, specific reason: it is written into the decision sent to the bidders."),
    )


ACTIONS = {
    "submit_for_approval": (None, _("The call was sent for approval.")),
    "approve": (CommentForm, _("The call was approved.")),
    "return_to_draft": (CommentForm, _("The call was returned to draft.")),
    "publish": (None, _("The call was published.")),
    "close": (None, _("The call was closed.")),
    "complete": (None, _("The call was completed.")),
    "declare_unsuccessful": (InterruptionForm, _("The call was found unsuccessful; the decision goes to the bidders.")),
    "cancel": (InterruptionForm, _("The procurement was interrupted.")),
}

# What an officer does to one lot, by a decision (tenders.interruption).
LOT_ACTIONS = {
    "cancel": (services.lot_cancel, _("The lot was cancelled; the decision goes to the providers it concerns.")),
    "declare-unsuccessful": (
        services.lot_declare_unsuccessful,
        _("The lot was found unsuccessful; the decision goes to its bidders."),
    ),
}


def _run_action(request, tender, action, data):
    actor, tender_id = request.user, tender.pk
    if action == "submit_for_approval":
        return services.tender_submit_for_approval(actor=actor, tender_id=tender_id)
    if action == "approve":
        return services.tender_approve(actor=actor, tender_id=tender_id, comment=data.get("comment", ""))
    if action == "return_to_draft":
        return services.tender_return_to_draft(actor=actor, tender_id=tender_id, comment=data.get("comment", ""))
    if action == "publish":
        return services.tender_publish(actor=actor, tender_id=tender_id)
    if action == "close":
        return services.tender_close(actor=actor, tender_id=tender_id)
    if action == "complete":
        return services.tender_complete(actor=actor, tender_id=tender_id)
    if action == "declare_unsuccessful":
        return services.tender_declare_unsuccessful(
            actor=actor, tender_id=tender_id, reason=data.get("reason", ""), reason_sv=data.get("reason_sv", "")
        )
    return services.tender_cancel(
        actor=actor, tender_id=tender_id, reason=data.get("reason", ""), reason_sv=data.get("reason_sv", "")
    )


def _tender_documents(request, tender):
    return list(documents_visible_to(user=request.user).filter(tender=tender).order_by("kind", "version", "id"))


# The states whose next step (submit, approve, publish) refuses a bilingual authority's call without its Swedish texts.
SWEDISH_CHECKED_STATES = (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED)


def _overview(request, tender, *, error: DomainError | None = None, forms_bound: dict | None = None, status=200):
    # Offered on the checks the services make (the transition's permission and guards, four eyes included), so
    # that nothing is offered that would be refused (tests/tenders/test_portal_officer_call_pages.py holds them
    # together).
    allowed = set(allowed_actions(tender, request.user))
    officer = may_act_as_officer(request, tender)
    bound = forms_bound or {}
    action_forms = [
        {
            "name": name,
            "form": bound.get(name) or (_action_form(form_class, tender, prefix=name) if form_class else None),
        }
        for name, (form_class, _message) in ACTIONS.items()
        if name in allowed
    ]
    errors, warnings = tender_findings(tender) if tender.status not in (TenderStatus.CANCELLED,) else ([], [])
    bid_count = None
    if tender.submission_deadline <= timezone.now() and tender.published_at is not None:
        bid_count = read(lambda: asks.bid_count(user=request.user, tender_id=tender.pk))
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_call"),
        "action_forms": action_forms,
        "findings": [*errors, *warnings],
        # What a bilingual authority's call still lacks in Swedish: named before the officer submits or publishes.
        "swedish_missing": swedish_texts_missing(tender, stage=Stage.CALL)
        if officer and tender.status in SWEDISH_CHECKED_STATES
        else [],
        "rules_overview": regime_overview(tender),
        "notice_type": tender_notice_type(tender),
        "statistics_missing": tender_statistics_missing(tender),
        "action_error": error,
        "action_error_details": error_messages(error.errors) if error is not None and error.errors else [],
        "bid_count": bid_count,
        "documents": _tender_documents(request, tender),
        "lots": tender.lots.order_by("number"),
        "lot_forms": _lot_forms(tender, officer, forms_bound=bound.get("lot")),
        "criteria": tender.criteria.select_related("lot").order_by("number"),
        "requirements": tender.requirements.order_by("number"),
        "is_officer": officer,
    }
    return render(request, "tenders/portal/officer/call.html", context, status=status)


def _lot_forms(tender, officer: bool, *, forms_bound=None) -> list[dict]:
    """Per lot still under way, the forms of the interruption decisions an officer may make now (the services say
    why one is refused)."""
    from ..interruption import LOT_INTERRUPTIBLE

    if not officer or tender.status not in LOT_INTERRUPTIBLE:
        return []
    number, bound_action, bound = forms_bound or (None, None, None)
    rows = []
    for lot in tender.lots.order_by("number"):
        if lot.status not in ("open", "awarded"):
            continue
        actions = [name for name in LOT_ACTIONS if name == "cancel" or lot.status == "open"]
        rows += [
            {
                "lot": lot,
                "action": name,
                "form": bound
                if (lot.number, name) == (number, bound_action)
                else _action_form(InterruptionForm, tender, prefix=f"lot{lot.number}-{name}"),
            }
            for name in actions
        ]
    return rows


@login_required
@require_POST
def lot_action(request, pk: int, lot_number: int, action: str):
    """Cancel a lot or find it unsuccessful, by a decision; refusals are shown on the call's page."""
    if action not in LOT_ACTIONS:
        return redirect("tenders:officer_call", our_tender(request, pk).pk)
    tender = our_tender(request, pk, check=services.tender_officer_check)
    service, message = LOT_ACTIONS[action]
    form = _action_form(InterruptionForm, tender, request.POST, prefix=f"lot{lot_number}-{action}")
    outcome = run_service(
        form,
        lambda: service(
            actor=request.user,
            tender_id=tender.pk,
            lot_number=lot_number,
            reason=form.cleaned_data["reason"],
            reason_sv=form.cleaned_data.get("reason_sv", ""),
        ),
    )
    if outcome.ok:
        done(request, message)
        return redirect("tenders:officer_call", tender.pk)
    tender.refresh_from_db()
    return _overview(
        request, tender, error=outcome.error, forms_bound={"lot": (lot_number, action, form)}, status=outcome.status
    )


@login_required
def tender_overview(request, pk: int):
    return _overview(request, our_tender(request, pk))


@login_required
@require_POST
def tender_action(request, pk: int, action: str):
    if action not in ACTIONS:
        return redirect("tenders:officer_call", our_tender(request, pk).pk)
    tender = our_tender(request, pk, check=partial(services.tender_transition_check, action=action))
    form_class, message = ACTIONS[action]
    form = _action_form(form_class, tender, request.POST, prefix=action) if form_class else None
    outcome = run_service(
        form, lambda: _run_action(request, tender, action, form.cleaned_data if form is not None else {})
    )
    if outcome.ok:
        done(request, message)
        return redirect("tenders:officer_call", tender.pk)
    tender.refresh_from_db()
    return _overview(
        request, tender, error=outcome.error, forms_bound={action: form} if form else None, status=outcome.status
    )


# --- questions and answers --------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class AnswersPublishForm(forms.Form):
    new_deadline = HelsinkiDateTimeField(
        label=_("New tender deadline"),
        required=False,
        help_text=_("Needed when the answers come later than the rule set allows before the deadline."),
    )
    late_answer_reason = forms.CharField(
        label=_("Reason for keeping the deadline"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


def _questions_page(request, tender, *, answer_forms=None, wording_forms=None, publish_form=None, status=200):
    questions, _for_authority = questions_for(user=request.user, tender_id=tender.pk)
    answer_forms, wording_forms = answer_forms or {}, wording_forms or {}
    rows = [
        {
            "question": q,
            "form": answer_forms.get(q.pk) or AnswerForm(prefix=f"q{q.pk}", initial={"answer": q.answer})
            if not q.is_published
            else None,
            "wording_form": wording_forms.get(q.pk) or WordingForm(prefix=f"w{q.pk}", initial={"text": q.text})
            if not q.is_published
            else None,
        }
        for q in questions
    ]
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_questions"),
        "rows": rows,
        "pending": [q for q in questions if not q.is_published and q.answer],
        "publish_form": publish_form or AnswersPublishForm(prefix="publish"),
        "is_officer": may_act_as_officer(request, tender),
    }
    return render(request, "tenders/portal/officer/questions.html", context, status=status)


@login_required
def questions(request, pk: int):
    return _questions_page(request, our_tender(request, pk))


def _question_change(request, pk, question_id, form_class, prefix, change, message, bound):
    """An answer to one question, or its public wording: `change(actor=, tender_id=, question_id=, **the form)`."""
    tender = our_tender(request, pk, check=services.tender_officer_check)
    form = form_class(request.POST, prefix=f"{prefix}{question_id}")
    outcome = run_service(
        form,
        lambda: change(actor=request.user, tender_id=tender.pk, question_id=question_id, **form.cleaned_data),
    )
    if outcome.ok:
        done(request, message)
        return redirect("tenders:officer_questions", tender.pk)
    return _questions_page(request, tender, **{bound: {question_id: form}}, status=outcome.status)


@login_required
@require_POST
def question_answer(request, pk: int, question_id: int):
    return _question_change(
        request,
        pk,
        question_id,
        AnswerForm,
        "q",
        services.question_answer,
        _("The answer was saved. Publish the answers to send them to everyone."),
        "answer_forms",
    )


class WordingForm(forms.Form):
    text = forms.CharField(
        label=_("Public wording of the question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        help_text=_(
            "Every provider reads these words. Remove anything that names the asker; the question as asked "
            "stays on record."
        ),
    )


@login_required
@require_POST
def question_wording(request, pk: int, question_id: int):
    """Edit the public wording of a question before its answer is published."""
    return _question_change(
        request,
        pk,
        question_id,
        WordingForm,
        "w",
        services.question_edit,
        _("The public wording of the question was saved; the question as asked stays on record."),
        "wording_forms",
    )


@login_required
@require_POST
def answers_publish(request, pk: int):
    tender = our_tender(request, pk, check=services.tender_officer_check)
    form = AnswersPublishForm(request.POST, prefix="publish")
    outcome = run_service(
        form,
        lambda: services.answers_publish(
            actor=request.user,
            tender_id=tender.pk,
            new_deadline=form.cleaned_data["new_deadline"],
            late_answer_reason=form.cleaned_data["late_answer_reason"],
        ),
    )
    if outcome.ok:
        done(request, _("The answers were published to every interested provider."))
        return redirect("tenders:officer_questions", tender.pk)
    return _questions_page(request, tender, publish_form=form, status=outcome.status)


# --- what the call's notifications did, and who is interested in it ------------------------------------------


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Send to"),
        required=False,
        help_text=_("Empty: the same address again. Otherwise an address the recipient has registered."),
    )


def _resend_offered(request, tender, rows) -> set[int]:
    """The notifications this user may send again now: the checks of `notification_resend_check` and of
    `notification_resend` (an officer; every document it carries readable by them; not still waiting), made for the
    whole log at once. The sealed ones are not in the log at all."""
    if not may_act_as_officer(request, tender):
        return set()
    carried = {pk for row in rows for pk in row.documents}
    readable = set(documents_visible_to(user=request.user).filter(pk__in=carried).values_list("pk", flat=True))
    return {row.pk for row in rows if row.status != DeliveryStatus.PENDING and set(row.documents) <= readable}


def _deliveries_page(request, tender, *, error=None, bound=None, status=200):
    rows = list(tender_delivery_log(user=request.user, tender_id=tender.pk))
    offered = _resend_offered(request, tender, rows)
    number, form = bound or (None, None)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_deliveries"),
        "rows": [
            {
                "notification": n,
                "form": (form if n.pk == number else ResendForm(prefix=f"n{n.pk}")) if n.pk in offered else None,
            }
            for n in rows
        ],
        "action_error": error,
    }
    return render(request, "tenders/portal/officer/deliveries.html", context, status=status)


@login_required
def deliveries(request, pk: int):
    """The delivery log of the call's notifications: to whom, when, with what result; officers send one again."""
    return _deliveries_page(request, our_tender(request, pk))


@login_required
@require_POST
def delivery_resend(request, pk: int, notification_id: int):
    tender = our_tender(request, pk)
    if not Notification.objects.filter(pk=notification_id, tender_id=tender.pk).exists():
        raise NotFound()
    notification_resend_check(actor=request.user, notification_id=notification_id)
    form = ResendForm(request.POST, prefix=f"n{notification_id}")
    outcome = run_service(
        form,
        lambda: notification_resend(
            actor=request.user, notification_id=notification_id, email=form.cleaned_data["email"]
        ),
    )
    if outcome.ok:
        done(request, _("The notification is being sent again."))
        return redirect("tenders:officer_deliveries", tender.pk)
    return _deliveries_page(request, tender, error=outcome.error, bound=(notification_id, form), status=outcome.status)


@login_required
def interested(request, pk: int):
    """The register of interested providers: who viewed the call, who follows it (told of its changes)."""
    tender = our_tender(request, pk)
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_interested"),
        "interests": list(tender_interests(user=request.user, tender_id=tender.pk)),
    }
    return render(request, "tenders/portal/officer/interested.html", context)


# --- corrigendum ------------------------------------------------------------------------------------------------


class AmendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}))
    title_fi = forms.CharField(label=_("Title in Finnish"), max_length=300, required=False)
    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=300, required=False)
    description_fi = forms.CharField(label=_("Description in Finnish"), widget=forms.Textarea, required=False)
    description_sv = forms.CharField(label=_("Description in Swedish"), widget=forms.Textarea, required=False)
    estimated_value = forms.DecimalField(
        label=_("Estimated value without VAT (EUR)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    tender_validity_months = forms.IntegerField(label=_("Tender validity (months)"), min_value=1, max_value=24)
    questions_deadline = HelsinkiDateTimeField(label=_("Questions deadline"), required=False)
    answers_by = HelsinkiDateTimeField(label=_("Answers published by"), required=False)
    submission_deadline = HelsinkiDateTimeField(label=_("Tender deadline"))
    opening_at = HelsinkiDateTimeField(label=_("Opening time"), required=False)
    price_weight = forms.DecimalField(
        label=_("Price weight (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    # A framework's texts: the rule that chooses the call-off method, the reason for more than four years.
    call_off_rule = call_off_rule_field()
    call_off_rule_sv = call_off_rule_sv_field()
    framework_long_term_reason = framework_long_term_reason_field()

    def __init__(self, *args, authority, framework: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not framework:
            for name in ("call_off_rule", "call_off_rule_sv", "framework_long_term_reason"):
                del self.fields[name]
        elif authority.language_status != "bilingual":
            del self.fields["call_off_rule_sv"]
        wanted = {"fi": ["fi"], "sv": ["sv"], "bilingual": ["fi", "sv"]}[authority.language_status]
        for lang in ("fi", "sv"):
            if lang not in wanted:
                del self.fields[f"title_{lang}"]
                del self.fields[f"description_{lang}"]


class AmendEffectForm(forms.Form):
    """Whether the corrigendum affects bids already submitted (they go back to draft only if it does), and why; and,
    once the page has warned of it, the confirmation of an earlier deadline."""

    affects_bids = forms.TypedChoiceField(
        label=_("Does the change affect bids already submitted?"),
        choices=[
            ("yes", _("Yes: submitted bids go back to draft, and their bidders must submit them again")),
            ("no", _("No: submitted bids stay submitted")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    affects_bids_reason = forms.CharField(
        label=_("Why the change affects the bids, or why it does not"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the version; the bidders whose bids go back to draft read it."),
    )

    def ask_confirmation(self) -> None:
        self.fields["confirm_shorter_deadline"] = forms.BooleanField(
            label=_("I confirm the earlier tender deadline"), required=False
        )


class TenderFileChangeForm(forms.Form):
    """A corrigendum's change of one current file of the call: a new file in its place, or its withdrawal."""

    file = forms.FileField(label=_("Replace with a new file"), required=False)
    remove = forms.BooleanField(label=_("Withdraw this file"), required=False)


def _same(given, current) -> bool:
    """The form shows times to the minute: an unchanged time is not a change, whatever its seconds."""
    if isinstance(given, datetime) and isinstance(current, datetime):
        return given == current.replace(second=0, microsecond=0)
    return given == current


AMEND_FORMSETS = (("lots", "lots"), ("criteria", "criteria"), ("documents", "requirements"))


@login_required
def amend(request, pk: int):
    """A corrigendum: texts, dates, weights, lots, criteria, requirements and the call's files, with the question
    whether it affects submitted bids; an earlier deadline is published only once confirmed."""
    from ..tender_documents import TenderFileChange, tender_documents_for

    tender = our_tender(request, pk, check=services.tender_officer_check)
    names = [n for n in AmendForm.base_fields if n != "reason"]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = AmendForm(
        data,
        authority=tender.authority,
        framework=tender.is_framework,
        initial={name: getattr(tender, name) for name in names},
    )
    effect = AmendEffectForm(data, prefix="effect")
    # The notice's data, when the page sent its fields (a form without them leaves them as they are).
    notice_sent = data is not None and "notice-contract_months" in data
    notice_form = NoticeDataForm(data if notice_sent else None, tender=tender, prefix="notice")
    if data is not None and "effect-confirm_shorter_deadline" in data:
        effect.ask_confirmation()
    lots = list(tender.lots.order_by("number"))
    bilingual = is_bilingual(tender)
    formsets = {}
    for step, key in AMEND_FORMSETS:
        initial = officer_draft._formset_initial(step, tender, lots)
        # A form without a table's rows (its management form) leaves those rows as they are.
        sent = data if data is not None and f"{key}-TOTAL_FORMS" in data else None
        formsets[key] = officer_draft._formset_for(step, sent, initial=initial, lots=lots, bilingual=bilingual)
        if data is not None and data.get("more_rows") == key:
            formsets[key] = officer_draft._with_more_rows(
                step, data, initial=initial, lots=lots, bilingual=bilingual, main_form=form
            )
            officer_draft._quiet(effect)
    documents = tender_documents_for(user=request.user, tender_id=tender.pk)
    file_forms = [(d, TenderFileChangeForm(data, files, prefix=f"file-{d.pk}")) for d in documents]
    add_file = officer_draft.TenderFileForm(data, files, authority=tender.authority, prefix="add")
    for field in add_file.fields.values():  # optional here: a corrigendum need not add a file
        field.required = False
    adding_rows = data is not None and "more_rows" in data
    status = 200
    child_errors: dict[str, list[str]] = {}
    if data is not None and not adding_rows:
        valid = all(
            [form.is_valid(), effect.is_valid(), *(f.is_valid() for f in formsets.values() if f.is_bound)]
            + [notice_form.is_valid() if notice_sent else True]
            + [f.is_valid() for _d, f in file_forms]
        )
        adds_file = any(data.get(f"add-{name}") for name in ("title_fi", "title_sv")) or files.get("add-file")
        if adds_file:
            add_file.fields["file"].required = add_file.fields["kind"].required = True
            valid = add_file.is_valid() and valid
        if valid:
            fields = dict(form.cleaned_data)
            reason = fields.pop("reason")
            if fields.get("price_weight") is None:
                fields.pop("price_weight", None)
            if notice_sent:
                fields |= notice_form.cleaned_data
            fields = {name: value for name, value in fields.items() if not _same(value, getattr(tender, name))}
            children = {key: officer_draft._rows(f) for key, f in formsets.items() if f.is_bound and f.has_changed()}
            changes = []
            for document, file_form in file_forms:
                if file_form.cleaned_data["remove"]:
                    changes.append(TenderFileChange(action="remove", document_id=document.pk))
                elif file_form.cleaned_data["file"]:
                    changes.append(
                        TenderFileChange(
                            action="replace",
                            document_id=document.pk,
                            upload=officer_draft.upload_of(file_form.cleaned_data["file"]),
                        )
                    )
            if adds_file:
                added = add_file.cleaned_data
                changes.append(
                    TenderFileChange(
                        action="add",
                        kind=added["kind"],
                        title_fi=added.get("title_fi", ""),
                        title_sv=added.get("title_sv", ""),
                        upload=officer_draft.upload_of(added["file"]),
                    )
                )
            outcome = run_service(
                form,
                lambda: services.tender_amend(
                    actor=request.user,
                    tender_id=tender.pk,
                    reason=reason,
                    fields=fields,
                    children=children,
                    affects_bids=effect.cleaned_data["affects_bids"],
                    affects_bids_reason=effect.cleaned_data["affects_bids_reason"],
                    confirm_shorter_deadline=effect.cleaned_data.get("confirm_shorter_deadline", False),
                    tender_files=changes,
                ),
                children=tuple(formsets),
            )
            if outcome.ok:
                done(
                    request,
                    _("Version %(version)s of the call was published; bidders were told.")
                    % {"version": outcome.result.version},
                )
                return redirect("tenders:officer_call", tender.pk)
            if outcome.error.code == "deadline_shortened":
                effect.ask_confirmation()
            if "affects_bids_reason" in outcome.error.errors:
                place_errors(effect, outcome.error)
            refused = outcome.error
            if refused is not None and {"hilma_statistics", *TERM_FIELDS} & set(refused.errors):
                place_errors(notice_form, refused)
            child_errors = outcome.child_errors
            status = outcome.status
        else:
            status = 400
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "tenders:officer_amend"),
        "form": form,
        "effect": effect,
        "notice_form": notice_form,
        "formsets": [
            {"formset": formsets["lots"], "caption": _("Lots"), "errors": child_errors.get("lots", [])},
            {
                "formset": formsets["criteria"],
                "caption": _("Quality criteria"),
                "errors": child_errors.get("criteria", []),
            },
            {
                "formset": formsets["requirements"],
                "caption": _("Suitability requirements"),
                "errors": child_errors.get("requirements", []),
            },
        ],
        "adding_rows": adding_rows,
        "weight_totals": officer_draft.weight_totals(
            form.data.get("price_weight") if form.is_bound else tender.price_weight,
            officer_draft._typed_criteria(formsets["criteria"]),
            lots,
        ),
        "file_forms": file_forms,
        "add_file": add_file,
        "versions": tender.versions.order_by("number"),
    }
    return render_form(request, "tenders/portal/officer/amend.html", context, status)


urlpatterns = [
    path("ours/", dashboard, name="dashboard"),
    path("ours/new/", officer_draft.draft_new, name="officer_new"),
    path("ours/<int:pk>/", tender_overview, name="officer_call"),
    path("ours/<int:pk>/draft/", officer_draft.draft_edit, name="officer_draft"),
    path("ours/<int:pk>/draft/<slug:step>/", officer_draft.draft_step, name="officer_step"),
    path("ours/<int:pk>/do/<slug:action>/", tender_action, name="officer_action"),
    path("ours/<int:pk>/lots/<int:lot_number>/<slug:action>/", lot_action, name="officer_lot_action"),
    path("ours/<int:pk>/questions/", questions, name="officer_questions"),
    path("ours/<int:pk>/questions/<int:question_id>/answer/", question_answer, name="officer_answer"),
    path("ours/<int:pk>/questions/<int:question_id>/wording/", question_wording, name="officer_question_wording"),
    path("ours/<int:pk>/answers/publish/", answers_publish, name="officer_answers_publish"),
    path("ours/<int:pk>/deliveries/", deliveries, name="officer_deliveries"),
    path("ours/<int:pk>/deliveries/<int:notification_id>/resend/", delivery_resend, name="officer_resend"),
    path("ours/<int:pk>/interested/", interested, name="officer_interested"),
    path("ours/<int:pk>/amend/", amend, name="officer_amend"),
]
