"""Drafting a call step by step: basics, lots, criteria, timeline, documents; each step saved through the service."""

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.utils import ErrorDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.errors import Forbidden
from procurement.exclusion import EXCLUSION_GROUNDS, MANDATORY_CODES
from procurement.models import ContractingAuthority, Language
from procurement.nuts import NUTS3_CHOICES
from procurement.periods import HELSINKI
from procurement.portal import done, render_form, run_service

from .. import services, tender_documents
from ..cpv import cpv_codes, cpv_name
from ..languages import is_bilingual
from ..models import (
    CallOffMethod,
    PriceMethod,
    PricingUnit,
    Procedure,
    StudyPath,
    SuitabilityKind,
    TenderDocumentKind,
    TenderStatus,
    TieBreak,
)
from ..rules_check import day_off_warnings, regime_overview, tender_findings
from ..tender_documents import Upload
from .notice_data import NoticeDataForm
from .officer_common import (
    HelsinkiDateTimeField,
    call_off_rule_field,
    call_off_rule_sv_field,
    framework_long_term_reason_field,
    our_tender,
    tender_nav,
)

STEPS = (
    ("basics", _("Basics")),
    ("lots", _("Lots")),
    ("criteria", _("Criteria")),
    ("timeline", _("Timeline")),
    ("documents", _("Documents")),
    ("notice", _("Notice data")),
    ("files", _("Files of the call")),
)
STEP_NAMES = [name for name, _label in STEPS]


def _cpv_choices():
    return [(code, f"{code} {cpv_name(code)}".strip()) for code in sorted(cpv_codes())]


class BasicsForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40, required=False)
    title_fi = forms.CharField(label=_("Title in Finnish"), max_length=300, required=False)
    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=300, required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=300, required=False)
    description_fi = forms.CharField(
        label=_("Description in Finnish"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_sv = forms.CharField(
        label=_("Description in Swedish"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description in English"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    is_framework = forms.BooleanField(label=_("Framework agreement"), required=False)
    framework_providers_per_lot = forms.IntegerField(
        label=_("Providers per lot in the framework"), min_value=1, required=False
    )
    # A framework: how its call-offs are made, a combination's rule, and the reason for more than four years.
    call_off_method = forms.ChoiceField(
        label=_("How call-offs are made"),
        choices=[("", _("Not a framework agreement")), *CallOffMethod.choices],
        required=False,
    )
    call_off_rule = call_off_rule_field(
        help_text=_("For a combination: when an order is made by order of preference and when by mini-competition.")
    )
    call_off_rule_sv = call_off_rule_sv_field()
    framework_long_term_reason = framework_long_term_reason_field(
        help_text=_("Needed when the term with its options is longer than 48 months (an especially justified reason).")
    )
    max_lots_per_provider = forms.IntegerField(label=_("Lots one provider may bid for"), min_value=1, required=False)
    estimated_value = forms.DecimalField(
        label=_("Estimated value without VAT (EUR)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("The applicable rules follow from it: small procurement, national light regime, or EU."),
    )
    cpv_main = forms.ChoiceField(label=_("Main CPV code"))
    cpv_additional = forms.MultipleChoiceField(
        label=_("Additional CPV codes"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    bid_languages = forms.MultipleChoiceField(
        label=_("Languages bids may be written in"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    tender_validity_months = forms.IntegerField(
        label=_("Tender validity (months)"), min_value=1, max_value=24, initial=6
    )
    price_method = forms.ChoiceField(label=_("Price scoring method"), choices=PriceMethod.choices)
    tie_break = forms.ChoiceField(label=_("Tie-break rule"), choices=TieBreak.choices)

    def __init__(self, *args, authority: ContractingAuthority, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpv_main"].choices = _cpv_choices()
        self.fields["cpv_additional"].choices = _cpv_choices()
        wanted = {"fi": ["fi"], "sv": ["sv"], "bilingual": ["fi", "sv"]}[authority.language_status]
        if authority.language_status != "bilingual":
            del self.fields["call_off_rule_sv"]
        for lang in ("fi", "sv"):
            if lang not in wanted:
                del self.fields[f"title_{lang}"]
                del self.fields[f"description_{lang}"]
            else:
                self.fields[f"title_{lang}"].help_text = _("Needed in this authority's language.")
        if authorities and len(authorities) > 1:
            self.fields = {
                "authority": forms.ModelChoiceField(
                    label=_("Contracting authority"), queryset=authorities, initial=authority.pk
                ),
                **self.fields,
            }


class SwedishTextsForm(forms.Form):
    """A row whose officer-written texts have Swedish counterparts (`<field>_sv`): shown to a bilingual authority,
    whose call needs them before it is submitted (tenders.languages); others write only the call's language."""

    swedish_fields: tuple[str, ...] = ()

    def __init__(self, *args, bilingual: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not bilingual:
            for name in self.swedish_fields:
                del self.fields[name]


class LotForm(SwedishTextsForm):
    swedish_fields = ("title_sv",)

    number = forms.IntegerField(label=_("Number"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=300)
    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=300, required=False)
    municipality = forms.CharField(label=_("Location (municipality)"), max_length=100, required=False)
    nuts = forms.ChoiceField(
        label=_("Region (NUTS 3)"),
        choices=[("", _("From the municipality")), *NUTS3_CHOICES],
        required=False,
        help_text=_("The place of performance in notices; empty: the region of the municipality, where it is known."),
    )
    language_of_instruction = forms.ChoiceField(
        label=_("Language of instruction"), choices=Language.choices, initial=Language.FINNISH
    )
    study_path = forms.ChoiceField(label=_("Study path"), choices=StudyPath.choices, initial=StudyPath.BASIC)
    students = forms.IntegerField(label=_("Students"), min_value=1, max_value=100_000)
    pricing_unit = forms.ChoiceField(
        label=_("Pricing unit"), choices=PricingUnit.choices, initial=PricingUnit.PER_STUDENT
    )
    training_days = forms.IntegerField(label=_("Training days"), min_value=1, max_value=3650, required=False)
    groups = forms.IntegerField(label=_("Groups"), min_value=1, max_value=10_000, required=False)
    credits = forms.DecimalField(
        label=_("Credits"), max_digits=5, decimal_places=1, min_value=1, max_value=80, required=False
    )
    planned_start = forms.DateField(
        label=_("Planned start"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    max_value = forms.DecimalField(
        label=_("Maximum value of the framework (EUR, VAT 0 %)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("1"),
        required=False,
        help_text=_("A framework agreement only; required before the call is published."),
    )
    max_volume = forms.DecimalField(
        label=_("Maximum volume of the framework"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("1"),
        required=False,
    )


class CriteriaForm(forms.Form):
    price_weight = forms.DecimalField(
        label=_("Price weight (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text=_("The price weight and the quality weights that apply to each lot must add up to 100."),
    )


class CriterionForm(SwedishTextsForm):
    swedish_fields = ("name_sv", "guidance_sv")

    number = forms.IntegerField(label=_("Number"), min_value=1)
    name = forms.CharField(label=_("Name"), max_length=300)
    name_sv = forms.CharField(label=_("Name in Swedish"), max_length=300, required=False)
    weight = forms.DecimalField(label=_("Weight (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"))
    max_points = forms.DecimalField(
        label=_("Maximum points"), max_digits=6, decimal_places=2, min_value=Decimal("0.01"), initial=Decimal("10")
    )
    lot_number = forms.TypedChoiceField(label=_("Applies to"), coerce=int, empty_value=None, required=False, initial="")
    guidance = forms.CharField(label=_("Scoring guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidance_sv = forms.CharField(
        label=_("Scoring guidance in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot_number"].choices = [("", _("Every lot"))] + [
            (lot.number, _("Lot %(number)s") % {"number": lot.number}) for lot in lots
        ]


class TimelineForm(forms.Form):
    planned_publication = HelsinkiDateTimeField(label=_("Planned publication"), required=False)
    questions_deadline = HelsinkiDateTimeField(label=_("Questions deadline"), required=False)
    answers_by = HelsinkiDateTimeField(label=_("Answers published by"), required=False)
    submission_deadline = HelsinkiDateTimeField(label=_("Tender deadline"))
    opening_at = HelsinkiDateTimeField(label=_("Opening time"), required=False)

    def clean_submission_deadline(self):
        value = self.cleaned_data["submission_deadline"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("The tender deadline must be in the future."), code="deadline_in_past")
        return value


class DocumentsForm(forms.Form):
    exclusion_grounds = forms.MultipleChoiceField(
        label=_("Exclusion grounds the bidders declare"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every mandatory ground (section 80) must be declared."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusion_grounds"].choices = [
            (g.code, f"{g.label} ({g.section}{', ' + str(_('mandatory')) if g.mandatory else ''})")
            for g in EXCLUSION_GROUNDS
        ]


class RequirementForm(SwedishTextsForm):
    swedish_fields = ("text_sv", "evidence_sv")

    number = forms.IntegerField(label=_("Number"), min_value=1)
    kind = forms.ChoiceField(label=_("Kind"), choices=SuitabilityKind.choices, initial=SuitabilityKind.TECHNICAL)
    text = forms.CharField(label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 2}))
    text_sv = forms.CharField(
        label=_("Requirement in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(label=_("Evidence asked"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_sv = forms.CharField(
        label=_("Evidence asked, in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


LotFormSet = forms.formset_factory(LotForm, extra=1, can_delete=True)
CriterionFormSet = forms.formset_factory(CriterionForm, extra=1, can_delete=True)
RequirementFormSet = forms.formset_factory(RequirementForm, extra=1, can_delete=True)


def _rows(formset) -> list[dict]:
    """The rows the user filled in and did not remove."""
    rows = []
    for index, form in enumerate(formset.forms):
        is_new = index >= formset.initial_form_count()
        if (is_new and not form.has_changed()) or form.cleaned_data.get("DELETE"):
            continue
        rows.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
    return rows


def _default_deadline() -> datetime:
    """Six weeks from today at noon, Finnish time: a placeholder until the Timeline step sets the real one."""
    day = timezone.now().astimezone(HELSINKI).date() + timedelta(days=42)
    return datetime.combine(day, time(12, 0), tzinfo=HELSINKI)


def _officer_authorities(request):
    ids = roles_of(request.user).officer_of
    return ContractingAuthority.objects.filter(pk__in=ids).order_by("name_fi")


def _step_context(request, tender, step, **extra) -> dict:
    steps = [
        {
            "name": name,
            "label": label,
            "url": reverse("tenders:officer_step", args=[tender.pk, name]) if tender else None,
            "current": name == step,
        }
        for name, label in STEPS
    ]
    context = {"tender": tender, "steps": steps, "step": step, "step_label": dict(STEPS)[step], **extra}
    if tender is not None:
        context["call_nav"] = tender_nav(request, tender, "tenders:officer_draft")
        # Which rules the CPV codes and the value give, as saved: shown on every step while drafting.
        context["rules_overview"] = regime_overview(tender)
    return context


def _next(tender, step):
    index = STEP_NAMES.index(step)
    if index + 1 < len(STEP_NAMES):
        return redirect("tenders:officer_step", tender.pk, STEP_NAMES[index + 1])
    return redirect("tenders:officer_call", tender.pk)


TEMPLATE = "tenders/portal/officer/draft_step.html"


@login_required
def draft_new(request):
    """Step 1 of a new call: its basics. The draft is created through the service; the next steps complete it."""
    authorities = _officer_authorities(request)
    if not authorities:
        raise Forbidden(_("Only the authority's procurement officers can draft its calls."))
    # The authority whose languages the form asks for; the form itself validates the choice (a junk value is 400).
    wanted = str(request.POST.get("authority", ""))
    chosen = next((authority for authority in authorities if str(authority.pk) == wanted), authorities[0])
    form = BasicsForm(
        request.POST or None,
        authority=chosen,
        authorities=authorities,
        initial={"bid_languages": ["sv"] if chosen.language_status == "sv" else ["fi"], "cpv_main": "80400000-8"},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        authority = fields.pop("authority", chosen)
        # Price and quality weights are set together in the Criteria step; until then the price weighs 100.
        fields.update(price_weight=Decimal("100"), submission_deadline=_default_deadline())
        outcome = run_service(
            form, lambda: services.tender_create(actor=request.user, authority=authority, fields=fields, children={})
        )
        if outcome.ok:
            done(request, _("The draft was saved."))
            return _next(outcome.result, "basics")
        status = outcome.status
    return render_form(request, TEMPLATE, _step_context(request, None, "basics", form=form), status)


@login_required
def draft_edit(request, pk: int):
    tender = our_tender(request, pk)
    first = "basics" if tender.status == TenderStatus.DRAFT else None
    if first is None:
        return redirect("tenders:officer_call", tender.pk)
    return redirect("tenders:officer_step", tender.pk, first)


def _initial_basics(tender) -> dict:
    """The call's editable fields that the basics step shows (the timeline and the grounds are steps of their own)."""
    return {name: getattr(tender, name) for name in services.EDITABLE_FIELDS if name in BasicsForm.base_fields}


# How many empty rows the "more rows" button adds, without script (with it, one at a time, as many as wanted).
MORE_ROWS = 3
FORMSETS = {
    "lots": (LotFormSet, "lots"),
    "criteria": (CriterionFormSet, "criteria"),
    "documents": (RequirementFormSet, "requirements"),
}


def _formset_initial(step, tender, lots) -> list[dict]:
    if step == "lots":
        return [
            {name: getattr(lot, name) for name in services.LOT_FIELDS if name in LotForm.base_fields} for lot in lots
        ]
    if step == "criteria":
        return [
            {
                "number": c.number,
                "name": c.name,
                "name_sv": c.name_sv,
                "weight": c.weight,
                "max_points": c.max_points,
                "lot_number": c.lot.number if c.lot_id else "",
                "guidance": c.guidance,
                "guidance_sv": c.guidance_sv,
            }
            for c in tender.criteria.select_related("lot").order_by("number")
        ]
    return list(
        tender.requirements.order_by("number").values("number", "kind", "text", "text_sv", "evidence", "evidence_sv")
    )


def _formset_for(step, data, *, initial, lots, bilingual):
    formset_class, prefix = FORMSETS[step]
    kwargs = {"bilingual": bilingual}
    if step == "criteria":
        kwargs["lots"] = lots
    return formset_class(data, prefix=prefix, form_kwargs=kwargs, initial=initial)


def _quiet(form) -> None:
    """Show a bound form as typed, without checking it (its errors are for when the step is saved)."""
    form._errors = ErrorDict()


def _with_more_rows(step, post, *, initial, lots, bilingual, main_form):
    _formset_class, prefix = FORMSETS[step]
    data = post.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(max(total, 0) + MORE_ROWS)
    formset = _formset_for(step, data, initial=initial, lots=lots, bilingual=bilingual)
    _quiet(main_form)
    for row in formset.forms:
        _quiet(row)
    formset._non_form_errors = formset.error_class()
    return formset


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", ".").replace("\xa0", "").strip())
    except (InvalidOperation, ValueError):
        return None


def weight_totals(price_weight, criteria: list[dict], lots) -> list[dict]:
    """The price weight plus the quality weights that apply to each lot (every lot alike when none is chosen):
    what the page shows as the officer types, and what must make 100 when the step is saved."""
    price = _decimal(price_weight) or Decimal("0")
    rows = [(c.get("lot_number"), _decimal(c.get("weight")) or Decimal("0")) for c in criteria]
    numbers = [lot.number for lot in lots] or [None]
    totals = []
    for number in numbers:
        total = price + sum((w for lot, w in rows if lot in (None, "", number)), Decimal("0"))
        totals.append({"lot": number, "total": format(total.normalize(), "f"), "ok": total == Decimal("100")})
    return totals


def _typed_criteria(formset) -> list[dict]:
    """The criteria rows as typed (not removed), whether or not they are valid yet."""
    rows = []
    for form in formset.forms:
        if form.is_bound:
            prefix = form.prefix
            if form.data.get(f"{prefix}-DELETE"):
                continue
            lot = form.data.get(f"{prefix}-lot_number") or None
            rows.append(
                {"lot_number": int(lot) if lot and lot.isdigit() else None, "weight": form.data.get(f"{prefix}-weight")}
            )
        else:
            rows.append({"lot_number": form.initial.get("lot_number") or None, "weight": form.initial.get("weight")})
    return rows


@login_required
def draft_step(request, pk: int, step: str):
    tender = our_tender(request, pk)
    if step not in STEP_NAMES:
        return redirect("tenders:officer_step", tender.pk, "basics")
    if tender.status != TenderStatus.DRAFT:
        return redirect("tenders:officer_call", tender.pk)
    if request.method == "POST":
        services.tender_officer_check(actor=request.user, tender_id=tender.pk)  # before the form is read
    if step == "files":
        return _files_step(request, tender)
    data = request.POST if request.method == "POST" else None
    lots = list(tender.lots.order_by("number"))
    bilingual = is_bilingual(tender)
    form = _step_form(step, tender, data)
    children_key = FORMSETS[step][1] if step in FORMSETS else None
    initial = _formset_initial(step, tender, lots) if children_key else []
    formset = _formset_for(step, data, initial=initial, lots=lots, bilingual=bilingual) if children_key else None

    status = 200
    child_errors: dict[str, list[str]] = {}
    adding_rows = request.method == "POST" and formset is not None and "more_rows" in request.POST
    if adding_rows:
        # Without script: more empty rows, and what was typed stays as typed, unchecked until the step is saved.
        formset = _with_more_rows(step, request.POST, initial=initial, lots=lots, bilingual=bilingual, main_form=form)
    elif request.method == "POST":
        saved_response, status, child_errors = _save_step(request, tender, step, form, formset, children_key)
        if saved_response is not None:
            return saved_response
    context = _step_page_context(
        request,
        tender,
        step,
        form=form,
        formset=formset,
        lots=lots,
        adding_rows=adding_rows,
        child_errors=child_errors.get(children_key, []) if children_key else [],
    )
    if status == 200 and not adding_rows and (form.errors or child_errors):
        status = 400
    return render_form(request, TEMPLATE, context, status)


def _step_form(step: str, tender, data) -> forms.Form:
    """The step's own form (besides its rows), filled with what the call has."""
    if step == "basics":
        return BasicsForm(data, authority=tender.authority, initial=_initial_basics(tender))
    if step == "criteria":
        return CriteriaForm(data, initial={"price_weight": tender.price_weight})
    if step == "lots":
        return forms.Form(data)
    if step == "timeline":
        return TimelineForm(data, initial={name: getattr(tender, name) for name in TimelineForm.base_fields})
    if step == "notice":
        return NoticeDataForm(data, tender=tender)
    return DocumentsForm(data, initial={"exclusion_grounds": tender.exclusion_grounds})


def _save_step(request, tender, step: str, form, formset, children_key):
    """Save the step if its form and rows are valid: (the response to the next step, or None with the status and
    the rows' errors to show the step again)."""
    valid = form.is_valid()
    valid = (formset.is_valid() if formset is not None else True) and valid
    if not valid:
        return None, 400, {}
    fields = dict(form.cleaned_data)
    children = {}
    if formset is not None:
        children[children_key] = _rows(formset)
    outcome = run_service(
        form,
        lambda: services.tender_update(actor=request.user, tender_id=tender.pk, fields=fields, children=children),
        children=(children_key,) if children_key else (),
    )
    if outcome.ok:
        done(request, _("The step “%(step)s” was saved.") % {"step": dict(STEPS)[step]})
        if step == "timeline":
            # Lawful but unwise: the officer reads it on the next page and may come back to change it.
            for finding in day_off_warnings(outcome.result):
                messages.warning(request, finding.message)
        return _next(tender, step), 200, {}
    return None, outcome.status, outcome.child_errors


def _step_page_context(request, tender, step: str, *, form, formset, lots, adding_rows, child_errors) -> dict:
    context = _step_context(
        request,
        tender,
        step,
        form=form,
        formset=formset,
        adding_rows=adding_rows,
        child_errors=child_errors,
        mandatory_grounds=MANDATORY_CODES,
        # The timeline step shows what the rule checks say of the saved dates (periods, days off), without blocking.
        findings=[finding for found in tender_findings(tender) for finding in found] if step == "timeline" else [],
    )
    if step == "criteria":
        price = form.data.get("price_weight") if form.is_bound else tender.price_weight
        context["weight_totals"] = weight_totals(price, _typed_criteria(formset), lots)
    return context


# --- the call's own files -----------------------------------------------------------------------------------


class TenderFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=TenderDocumentKind.choices)
    title_fi = forms.CharField(label=_("Title in Finnish"), max_length=300, required=False)
    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=300, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG; the content is checked."),
    )

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = {"fi": ["fi"], "sv": ["sv"], "bilingual": ["fi", "sv"]}[authority.language_status]
        for lang in ("fi", "sv"):
            if lang not in wanted:
                del self.fields[f"title_{lang}"]


class TenderFileReplaceForm(forms.Form):
    file = forms.FileField(label=_("New file"))


def upload_of(file) -> Upload:
    return Upload(file.name, file.read())


def _files_step(request, tender):
    """The call's files while it is drafted: add one, replace or remove one (each through its service)."""
    add_form = TenderFileForm(None, authority=tender.authority, prefix="add")
    replace_forms = {}
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            tender_documents.tender_document_remove(
                actor=request.user, tender_id=tender.pk, document_id=request.POST["remove"]
            )
            done(request, _("The file was removed."))
            return redirect("tenders:officer_step", tender.pk, "files")
        if "replace" in request.POST:
            document_id = request.POST["replace"]
            form = TenderFileReplaceForm(request.POST, request.FILES, prefix=f"replace-{document_id}")
            replace_forms[str(document_id)] = form
            outcome = run_service(
                form,
                lambda: tender_documents.tender_document_replace(
                    actor=request.user,
                    tender_id=tender.pk,
                    document_id=document_id,
                    upload=upload_of(form.cleaned_data["file"]),
                ),
            )
            if outcome.ok:
                done(request, _("The file was replaced."))
                return redirect("tenders:officer_step", tender.pk, "files")
            status = outcome.status
        else:
            add_form = TenderFileForm(request.POST, request.FILES, authority=tender.authority, prefix="add")
            outcome = run_service(
                add_form,
                lambda: tender_documents.tender_document_add(
                    actor=request.user,
                    tender_id=tender.pk,
                    kind=add_form.cleaned_data["kind"],
                    title_fi=add_form.cleaned_data.get("title_fi", ""),
                    title_sv=add_form.cleaned_data.get("title_sv", ""),
                    upload=upload_of(add_form.cleaned_data["file"]),
                ),
            )
            if outcome.ok:
                done(request, _("The file was added to the call."))
                return redirect("tenders:officer_step", tender.pk, "files")
            status = outcome.status
    documents = tender_documents.tender_documents_for(user=request.user, tender_id=tender.pk)
    rows = [
        {
            "document": d,
            "replace_form": replace_forms.get(str(d.pk)) or TenderFileReplaceForm(prefix=f"replace-{d.pk}"),
        }
        for d in documents
    ]
    context = _step_context(request, tender, "files", form=add_form, call_files=rows)
    return render_form(request, TEMPLATE, context, status)
