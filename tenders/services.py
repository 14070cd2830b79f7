"""Changing calls for tenders: drafting, four-eyes approval, publication, questions, closing and cancellation."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind
from documents.services import document_request
from procurement.access import officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.exclusion import EXCLUSION_CODES, MANDATORY_CODES
from procurement.fsm import allowed_actions, transition_permission_check, transition_run
from procurement.models import ContractingAuthority
from procurement.notifications import notify, notify_providers
from procurement.nuts import NUTS3_FI, nuts3_for_municipality
from procurement.periods import HELSINKI
from procurement.rules import rules_for_tender

from . import asks
from .cpv import is_known_cpv
from .languages import Stage, swedish_reason_check, swedish_texts_check
from .models import (
    FRAMEWORK_MAX_MONTHS,
    AnswerBulletin,
    CallOffMethod,
    InterruptionKind,
    Lot,
    PricingUnit,
    QualityCriterion,
    Question,
    SuitabilityRequirement,
    Tender,
    TenderAlert,
    TenderInterest,
    TenderStatus,
    TenderVersion,
    lot_volume,
    lots_unfinished,
    standstill_over,
)
from .notice_sending import notice_send
from .notices import tender_notice_follow
from .rules_check import tender_findings
from .selectors import tender_get
from .statistics import statistics_errors, tender_notice_type
from .tender_documents import TenderFileChange, stored_files_cleanup, tender_documents_amend
from .timers import tender_timers_clear, tender_timers_schedule

TIMELINE = ("planned_publication", "questions_deadline", "answers_by", "submission_deadline", "opening_at")
# What an officer may set on a draft call (tender_create/update), the one list the API's serializer and the portal's
# draft steps take theirs from; the lots, criteria and requirements are children (CHILDREN).
EDITABLE_FIELDS = (
    "reference",
    "title_fi",
    "title_sv",
    "title_en",
    "description_fi",
    "description_sv",
    "description_en",
    "language",
    "bid_languages",
    "procedure",
    "is_framework",
    "framework_providers_per_lot",
    # A framework: how its call-offs are made (and a combination's rule), the reason for more than four years.
    "call_off_method",
    "call_off_rule",
    "call_off_rule_sv",
    "framework_long_term_reason",
    "max_lots_per_provider",
    "cpv_main",
    "cpv_additional",
    "estimated_value",
    "price_weight",
    "price_method",
    "tie_break",
    "tender_validity_months",
    *TIMELINE,
    "exclusion_grounds",
    # What notices in Hilma state besides: the contract's term and options, and Hilma's statistics answers.
    "contract_months",
    "option_months",
    "options_description",
    "options_description_sv",
    "hilma_statistics",
)
# What a corrigendum may change (tender_amend): the editable fields but those that name the procedure itself.
AMENDABLE_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if name not in ("reference", "language", "procedure", "planned_publication")
)
EDITABLE_STATES = (TenderStatus.DRAFT,)
MAX_CONTRACT_MONTHS = 120


def _error(code: str, message) -> list[dict]:
    return [{"code": code, "message": str(message)}]


CHILDREN = ("lots", "criteria", "requirements")
LOT_FIELDS = (
    "number",
    "title",
    "title_sv",
    "municipality",
    "language_of_instruction",
    "study_path",
    "students",
    "groups",
    "training_days",
    "credits",
    "planned_start",
    "pricing_unit",
    "nuts",
    # A framework's maximum value (required before the call is published) and volume.
    "max_value",
    "max_volume",
)


def _check_children(fields: dict, children: dict[str, list[dict]], errors: dict[str, list]) -> None:
    lots, criteria = children["lots"], children["criteria"]
    for key in CHILDREN:
        numbers = [item["number"] for item in children[key]]
        if len(numbers) != len(set(numbers)):
            errors.setdefault(key, []).extend(_error("duplicate_number", _("Each one needs its own number.")))
    for lot in lots:
        volume = lot_volume(
            pricing_unit=lot.get("pricing_unit", PricingUnit.PER_STUDENT),
            students=lot["students"],
            training_days=lot.get("training_days"),
            groups=lot.get("groups"),
        )
        if volume is None:
            errors.setdefault("lots", []).extend(
                _error(
                    "volume_missing",
                    _("Lot %(number)s: its pricing unit needs the number of training days or of groups.")
                    % {"number": lot["number"]},
                )
            )
    lot_numbers = [lot["number"] for lot in lots]
    if {c.get("lot_number") for c in criteria if c.get("lot_number") is not None} - set(lot_numbers):
        errors.setdefault("criteria", []).extend(
            _error("unknown_lot", _("A criterion refers to a lot that the call does not have."))
        )
    # Weights: for every lot, the price and the quality criteria that apply to it make 100. One error names the total
    # when every lot has the same one; otherwise each lot whose total is wrong is named with its own.
    totals = {
        lot_number: Decimal(fields["price_weight"])
        + sum((Decimal(c["weight"]) for c in criteria if c.get("lot_number") in (None, lot_number)), Decimal("0"))
        for lot_number in lot_numbers or [None]
    }
    wrong = {lot_number: total for lot_number, total in totals.items() if total != Decimal("100")}
    if wrong and len(wrong) == len(totals) and len(set(wrong.values())) == 1:
        errors.setdefault("criteria", []).extend(
            _error(
                "weights_not_100",
                _("The price weight and the quality weights must add up to 100; now they add up to %(total)s.")
                % {"total": format(next(iter(wrong.values())).normalize(), "f")},
            )
        )
    elif wrong:
        for lot_number, total in wrong.items():
            errors.setdefault("criteria", []).extend(
                _error(
                    "weights_not_100",
                    _(
                        "Lot %(lot)s: the price weight and the quality weights that apply to it must add up to 100; "
                        "now they add up to %(total)s."
                    )
                    % {"lot": lot_number, "total": format(total.normalize(), "f")},
                )
            )
    unknown_nuts = sorted({str(lot["nuts"]) for lot in lots if lot.get("nuts") and lot["nuts"] not in NUTS3_FI})
    if unknown_nuts:
        errors.setdefault("lots", []).extend(
            _error(
                "invalid_nuts",
                _("%(value)s is not a NUTS 3 region of Finland (for example FI1D2 for Pohjois-Savo).")
                % {"value": ", ".join(unknown_nuts)},
            )
        )
    if fields.get("max_lots_per_provider") and lots and fields["max_lots_per_provider"] > len(lots):
        errors["max_lots_per_provider"] = _error("too_many", _("The call has fewer lots than that."))


def _check_notice_data(
    *, authority: ContractingAuthority, fields: dict, given, published_at, errors: dict[str, list]
) -> None:
    """The contract's term and options, and Hilma's statistics answers (checked against the notice the call's value
    and CPV codes give, when they are among the `given` fields: a later change of the value does not refuse them)."""
    for name in ("contract_months", "option_months"):
        value = fields.get(name)
        if value is not None and not 1 <= value <= MAX_CONTRACT_MONTHS:
            errors[name] = _error(
                "out_of_range", _("Give a number of months from 1 to %(max)s.") % {"max": MAX_CONTRACT_MONTHS}
            )
    if fields.get("option_months") and not fields.get("contract_months"):
        errors["contract_months"] = _error("required", _("A call with options states the contract's own term."))
    if "hilma_statistics" in given:
        probe = Tender(
            authority=authority,
            **{name: fields.get(name) for name in ("estimated_value", "cpv_main", "cpv_additional")},
            planned_publication=fields.get("planned_publication"),
            published_at=published_at,
        )
        notice = tender_notice_type(probe) if probe.estimated_value is not None else ""
        found = statistics_errors(fields.get("hilma_statistics"), notice=notice)
        if found:
            errors["hilma_statistics"] = found


FRAMEWORK_ONLY = ("call_off_method", "call_off_rule", "call_off_rule_sv", "framework_long_term_reason")


def _check_framework(fields: dict, children: dict[str, list[dict]], errors: dict[str, list]) -> None:
    """A framework states how its call-offs are made (section 43) and, beyond four years with its options, an
    especially justified reason (section 45); a call that is not a framework states none of it."""
    if not fields.get("is_framework"):
        for name in FRAMEWORK_ONLY:
            if fields.get(name):
                errors[name] = _error("not_a_framework", _("Only a framework agreement states this."))
        if any(lot.get("max_value") is not None or lot.get("max_volume") is not None for lot in children["lots"]):
            errors.setdefault("lots", []).extend(
                _error("not_a_framework", _("Only a framework agreement states a maximum value or volume."))
            )
        return
    method = fields.get("call_off_method")
    if not method:
        errors["call_off_method"] = _error("required", _("A framework agreement states how call-offs are made."))
    elif method == CallOffMethod.COMBINED and not (fields.get("call_off_rule") or "").strip():
        errors["call_off_rule"] = _error(
            "required",
            _("A combination states the rule that chooses between the order of preference and a mini-competition."),
        )
    months = (fields.get("contract_months") or 0) + (fields.get("option_months") or 0)
    if months > FRAMEWORK_MAX_MONTHS and not (fields.get("framework_long_term_reason") or "").strip():
        errors["framework_long_term_reason"] = _error(
            "framework_too_long",
            _(
                "A framework agreement with its options may last more than %(max)s months only for an especially "
                "justified reason: state it."
            )
            % {"max": FRAMEWORK_MAX_MONTHS},
        )


def _framework_publishable_check(tender: Tender, children: dict[str, list[dict]]) -> None:
    """A framework call is published with its contract term and each lot's maximum value (EU Court C-216/17 and
    C-23/20); drafts may leave them for later."""
    if not tender.is_framework:
        return
    errors: dict[str, list] = {}
    if not tender.contract_months:
        errors["contract_months"] = _error("required", _("A framework agreement states its term."))
    for lot in children["lots"]:
        if lot.get("max_value") is None:
            errors[f"lots.{lot['number']}.max_value"] = _error(
                "required",
                _("Lot %(number)s: a framework agreement states its maximum value.") % {"number": lot["number"]},
            )
    if errors:
        raise ValidationFailed(errors=errors)


def _check_tender(
    *, authority: ContractingAuthority, fields: dict, children: dict[str, list[dict]], given=(), published_at=None
) -> None:
    """Every rule a draft must meet; raises one ValidationFailed with all the field errors. `given`: the names of the
    fields the caller changes; `published_at`: the call's publication, whose rule set decides its notice."""
    errors: dict[str, list] = {}
    _check_notice_data(authority=authority, fields=fields, given=given, published_at=published_at, errors=errors)

    # The call is written in the authority's language(s).
    required = {"fi": ["fi"], "sv": ["sv"], "bilingual": ["fi", "sv"]}[authority.language_status]
    for lang in required:
        if not (fields.get(f"title_{lang}") or "").strip():
            errors[f"title_{lang}"] = _error("required", _("The title is needed in this authority's language."))
    if not fields.get("bid_languages"):
        errors["bid_languages"] = _error("required", _("Say in which languages bids may be written."))

    # CPV codes from the shipped list.
    for name, codes in (("cpv_main", [fields.get("cpv_main")]), ("cpv_additional", fields.get("cpv_additional") or [])):
        unknown = [code for code in codes if not is_known_cpv(code or "")]
        if unknown:
            errors[name] = _error(
                "unknown_cpv", _("Unknown CPV code: %(codes)s.") % {"codes": ", ".join(str(c) for c in unknown)}
            )

    grounds = fields.get("exclusion_grounds") or []
    if set(grounds) - set(EXCLUSION_CODES):
        errors["exclusion_grounds"] = _error("unknown_ground", _("Unknown exclusion ground."))
    elif set(MANDATORY_CODES) - set(grounds):
        errors["exclusion_grounds"] = _error(
            "mandatory_ground_missing", _("Every mandatory exclusion ground (section 80) must be declared.")
        )

    if fields.get("is_framework") and not fields.get("framework_providers_per_lot"):
        errors["framework_providers_per_lot"] = _error(
            "required", _("A framework agreement states how many providers are chosen per lot.")
        )
    if not fields.get("is_framework") and fields.get("framework_providers_per_lot"):
        errors["framework_providers_per_lot"] = _error(
            "not_a_framework", _("Only a framework agreement chooses several providers per lot.")
        )

    _check_framework(fields, children, errors)
    _check_children(fields, children, errors)

    # The timeline runs forward: publication, questions, answers, tenders, opening.
    previous_name, previous = None, None
    for name in TIMELINE:
        value = fields.get(name)
        if value is None:
            continue
        if previous is not None and value < previous:
            errors[name] = _error(
                "timeline_order",
                _("This must come after “%(previous)s”.")
                % {"previous": Tender._meta.get_field(previous_name).verbose_name},
            )
        previous_name, previous = name, value
    if errors:
        raise ValidationFailed(errors=errors)


def _framework_terms_check(tender: Tender, fields: dict, children: dict[str, list[dict]]) -> None:
    """A mini-competition keeps within its framework agreement whatever its draft or corrigendum changes: it is no
    framework of its own, it orders one course (exactly one lot: its call-off is the signed lot's) and its criteria
    are the agreement's (their weights and guidance may be refined)."""
    framework_lot = tender.framework_lot
    if framework_lot is None:
        return
    errors: dict[str, list] = {}
    if fields.get("is_framework"):
        errors["is_framework"] = _error(
            "mini_competition", _("A mini-competition under a framework agreement is not a framework of its own.")
        )
    agreed = set(
        QualityCriterion.objects.filter(tender_id=framework_lot.tender_id)
        .filter(Q(lot__isnull=True) | Q(lot_id=framework_lot.pk))
        .values_list("name", flat=True)
    )
    if any(c["name"] not in agreed for c in children["criteria"]):
        errors["criteria"] = _error(
            "not_in_agreement",
            _("A mini-competition uses the criteria of the framework agreement: their names cannot change."),
        )
    if len(children["lots"]) != 1:
        errors["lots"] = _error(
            "one_lot", _("A mini-competition under a framework agreement is for one course: it has exactly one lot.")
        )
    if errors:
        raise ValidationFailed(errors=errors)


def _lot_row(lot: dict) -> dict:
    data = {name: lot[name] for name in LOT_FIELDS if name in lot}
    # The place of performance in notices: the municipality's region unless the officer named one.
    if not data.get("nuts"):
        data["nuts"] = nuts3_for_municipality(data.get("municipality") or "")
    data["volume"] = lot_volume(
        pricing_unit=lot.get("pricing_unit", PricingUnit.PER_STUDENT),
        students=lot["students"],
        training_days=lot.get("training_days"),
        groups=lot.get("groups"),
    )
    return data


def _write_children(tender: Tender, children: dict[str, list[dict] | None]) -> None:
    """Write the lots (in place by number: sealed drafts refer to them by id), criteria and requirements."""
    lots = children.get("lots")
    if lots is not None:
        existing = {lot.number: lot for lot in tender.lots.all()}
        wanted = {lot["number"]: _lot_row(lot) for lot in lots}
        removed = [lot.pk for number, lot in existing.items() if number not in wanted]
        if removed:
            Lot.objects.filter(pk__in=removed).delete()
        for number, row in wanted.items():
            if number in existing:
                Lot.objects.filter(pk=existing[number].pk).update(**row)
            else:
                Lot.objects.create(tender=tender, **row)
    criteria = children.get("criteria")
    if criteria is not None:
        tender.criteria.all().delete()
        by_number = {lot.number: lot for lot in tender.lots.all()}
        QualityCriterion.objects.bulk_create(
            QualityCriterion(
                tender=tender,
                lot=by_number.get(c.get("lot_number")),
                **{k: v for k, v in c.items() if k != "lot_number"},
            )
            for c in criteria
        )
    requirements = children.get("requirements")
    if requirements is not None:
        tender.requirements.all().delete()
        SuitabilityRequirement.objects.bulk_create(SuitabilityRequirement(tender=tender, **r) for r in requirements)


def criterion_copied(criterion: QualityCriterion, *, lot_number: int | None) -> dict:
    """A quality criterion as `tender_create` takes it, for a call made from another (a copy, a mini-competition)."""
    return {
        "number": criterion.number,
        "name": criterion.name,
        "name_sv": criterion.name_sv,
        "weight": criterion.weight,
        "max_points": criterion.max_points,
        "guidance": criterion.guidance,
        "guidance_sv": criterion.guidance_sv,
        "lot_number": lot_number,
    }


def _children(tender: Tender) -> dict[str, list[dict]]:
    lots = [
        {**{name: getattr(lot, name) for name in LOT_FIELDS}, "volume": lot.volume}
        for lot in tender.lots.order_by("number")
    ]
    criteria = [
        criterion_copied(c, lot_number=c.lot.number if c.lot_id else None)
        for c in tender.criteria.select_related("lot").order_by("number")
    ]
    requirements = list(
        tender.requirements.order_by("number").values("number", "kind", "text", "text_sv", "evidence", "evidence_sv")
    )
    return {"lots": lots, "criteria": criteria, "requirements": requirements}


def _merged_children(tender: Tender, given: dict[str, list[dict] | None]) -> dict[str, list[dict]]:
    """The children the call will have: what was given, else what it has; new lots drop criteria of lost lots."""
    current = _children(tender)
    merged = {key: given[key] if given.get(key) is not None else current[key] for key in CHILDREN}
    if given.get("lots") is not None and given.get("criteria") is None:
        kept = {lot["number"] for lot in given["lots"]}
        merged["criteria"] = [c for c in current["criteria"] if c["lot_number"] is None or c["lot_number"] in kept]
        given["criteria"] = merged["criteria"]
    return merged


def _snapshot(tender: Tender) -> dict:
    return {**{name: getattr(tender, name) for name in EDITABLE_FIELDS}, **_children(tender)}


def _ensure_officer(actor, tender: Tender) -> None:
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can change its calls."))


def _ensure_four_eyes(actor, tender: Tender) -> None:
    if (
        tender.status == TenderStatus.PENDING_APPROVAL
        and roles_of(actor).is_officer(tender.authority_id)
        and actor.pk in (tender.created_by_id, tender.submitted_for_approval_by_id)
    ):
        raise Forbidden(_("Another officer of the authority must approve the call: four eyes."), code="four_eyes")


# --- permission before the body: what the API views check before they validate a request's body, so that a caller
# who may not act gets the same refusal whatever the body says. The same rules as the services below, which check
# them again under their locks.


def tender_create_check(*, actor, authority) -> None:
    """Drafting a call for the authority that the body names (its id as sent): only its officers. A body that names
    no authority of the actor's is refused as such, before anything else in it is looked at."""
    try:
        authority_id = None if isinstance(authority, bool) else int(authority)
    except (TypeError, ValueError, OverflowError):
        authority_id = None
    if authority_id is None or not roles_of(actor).is_officer(authority_id):
        raise Forbidden(_("Only the authority's procurement officers can draft its calls."))


def tender_officer_check(*, actor, tender_id) -> Tender:
    """A change that only the officers of the call's authority make: 404 for a call the actor does not see, 403
    for anyone else."""
    tender = tender_get(user=actor, tender_id=tender_id)
    _ensure_officer(actor, tender)
    return tender


def tender_transition_check(*, actor, tender_id, action: str) -> None:
    """A transition of the call: 404 for a call the actor does not see, 403 without the transition's permission
    (and to the approval's author: four eyes)."""
    tender = tender_get(user=actor, tender_id=tender_id)
    if action == "approve":
        _ensure_four_eyes(actor, tender)
    transition_permission_check(obj=tender, action=action, actor=actor)


def provider_tender_check(*, actor, tender_id, refusal) -> None:
    """What only a training provider does on a call it sees (asks a question, follows it): 403 with `refusal`
    for everyone else, 404 for a call the provider does not see."""
    if not roles_of(actor).provider_of:
        raise Forbidden(refusal)
    tender_get(user=actor, tender_id=tender_id)


ASK_REFUSAL = _("Only members of a training provider can ask questions.")
FOLLOW_REFUSAL = _("Only training providers follow calls.")


def tender_create(
    *,
    actor,
    authority: ContractingAuthority,
    fields: dict,
    children: dict[str, list[dict] | None],
    co_purchasers: list[ContractingAuthority] | None = None,
) -> Tender:
    tender_create_check(actor=actor, authority=authority.pk)
    if not fields.get("bid_languages"):
        fields["bid_languages"] = (
            ["fi", "sv"] if authority.language_status == "bilingual" else [authority.language_status]
        )
    if authority.language_status in ("fi", "sv"):
        fields.setdefault("language", authority.language_status)
    fields.setdefault("cpv_main", Tender._meta.get_field("cpv_main").default)
    fields.setdefault("exclusion_grounds", list(EXCLUSION_CODES))
    children = {key: children.get(key) or [] for key in CHILDREN}
    _check_tender(authority=authority, fields=fields, children=children, given=fields)
    with transaction.atomic():
        tender = Tender.objects.create(authority=authority, created_by=actor, **fields)
        if co_purchasers:
            tender.co_purchasers.set(co_purchasers)
        _write_children(tender, children)
        audit_record(action="tender.create", actor=actor, obj=tender, after=_snapshot(tender))
    return tender


def tender_update(
    *,
    actor,
    tender_id: int,
    fields: dict,
    children: dict[str, list[dict] | None],
    co_purchasers: list[ContractingAuthority] | None = None,
) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        _ensure_officer(actor, tender)
        if tender.status not in EDITABLE_STATES:
            raise Conflict(
                _("Only a draft can be edited; return it to draft first."), code="not_editable", status=tender.status
            )
        before = _snapshot(tender)
        merged = {**{name: getattr(tender, name) for name in EDITABLE_FIELDS}, **fields}
        merged_children = _merged_children(tender, children)
        # A mini-competition's bounds first: what it may not become is said before what that would then lack.
        _framework_terms_check(tender, merged, merged_children)
        _check_tender(authority=tender.authority, fields=merged, children=merged_children, given=fields)
        for name, value in fields.items():
            setattr(tender, name, value)
        tender.save()
        if co_purchasers is not None:
            tender.co_purchasers.set(co_purchasers)
        _write_children(tender, children)
        audit_record(action="tender.update", actor=actor, obj=tender, before=before, after=_snapshot(tender))
    return tender


def _ensure_publishable(tender: Tender) -> None:
    if tender.framework_lot_id is not None:
        # A mini-competition is a call-off: its framework agreement must be in force (409 `framework_not_active`).
        asks.mini_competition_framework_check(tender)
    children = _children(tender)
    if not children["lots"]:
        raise ValidationFailed(errors={"lots": _error("no_lots", _("A call needs at least one lot."))})
    fields = {name: getattr(tender, name) for name in EDITABLE_FIELDS}
    _framework_terms_check(tender, fields, children)
    _check_tender(authority=tender.authority, fields=fields, children=children)
    _framework_publishable_check(tender, children)
    errors, _warnings = tender_findings(tender)
    if errors:
        raise ValidationFailed(errors={f.field: _error(f.code, f.message) for f in errors})
    # A bilingual authority's call is published in both languages: every text needs its Swedish counterpart.
    swedish_texts_check(tender, stage=Stage.CALL)


def tender_submit_for_approval(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if tender.status == TenderStatus.DRAFT and roles_of(actor).is_officer(tender.authority_id):
            _ensure_publishable(tender)
        transition_run(
            obj=tender, action="submit_for_approval", actor=actor, audit_action="tender.submit_for_approval", by=actor
        )
        # The other officers are asked: four eyes (the author and the sender cannot approve).
        notify(
            kind="tender.approval_requested",
            key=f"tender:{tender.pk}:approval:{tender.submitted_for_approval_at.isoformat()}",
            tender_id=tender.pk,
            users=officers_of(tender.authority_id) - {actor.pk, tender.created_by_id},
            payload={"requested_by": actor.get_full_name() or actor.username},
        )
        return tender


def tender_approve(*, actor, tender_id: int, comment: str = "") -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        _ensure_four_eyes(actor, tender)
        if tender.status == TenderStatus.PENDING_APPROVAL and roles_of(actor).is_officer(tender.authority_id):
            swedish_texts_check(tender, stage=Stage.CALL)
        return transition_run(
            obj=tender,
            action="approve",
            actor=actor,
            audit_action="tender.approve",
            detail={"comment": comment},
            by=actor,
            comment=comment,
        )


def tender_return_to_draft(*, actor, tender_id: int, comment: str) -> Tender:
    with transaction.atomic():
        tender = _reasoned(actor, tender_id, "return_to_draft", comment, field="comment")
        # The draft waits for its author and whoever sent it: they are told why it came back.
        notify(
            kind="tender.returned",
            key=f"tender:{tender.pk}:returned:{timezone.now().isoformat()}",
            tender_id=tender.pk,
            users={tender.created_by_id, tender.submitted_for_approval_by_id} - {None, actor.pk},
            payload={"comment": tender.approval_comment},
        )
        return tender


def tender_publish(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        warnings = []
        if tender.status == TenderStatus.APPROVED and roles_of(actor).is_officer(tender.authority_id):
            _ensure_publishable(tender)
            warnings = tender_findings(tender)[1]
        transition_run(
            obj=tender,
            action="publish",
            actor=actor,
            audit_action="tender.publish",
            detail={"warnings": [w.as_dict() for w in warnings]},
        )
        _record_version(tender, actor=actor)
        if tender.framework_lot_id is None:
            _notice_follow(actor, tender)
            _alert_followers(tender)
        else:
            # A mini-competition is not announced: no notice, no alerts; the framework's providers are invited.
            _invite_framework_members(tender)
        return tender


def _notice_follow(actor, tender: Tender) -> None:
    """The call's notice in Hilma follows its publication or correction: made, checked (a notice that fails the
    rules refuses the change, 409) and sent (kept unsent, valid, where Hilma is not configured)."""
    notice = tender_notice_follow(actor=actor, tender=tender)
    if notice is not None:
        notice_send(actor=actor, notice_id=notice.pk, tender_id=tender.pk)


def _alert_followers(tender: Tender) -> int:
    """Providers whose alerts match the new call are told of it."""
    matching = {alert.provider_id for alert in TenderAlert.objects.all() if alert.matches(tender)}
    return notify(
        kind="tender.published",
        key=f"tender:{tender.pk}",
        tender_id=tender.pk,
        providers=matching,
        payload={"deadline": tender.submission_deadline},
    )


def _invite_framework_members(tender: Tender) -> int:
    """A mini-competition's publication invites its framework's active providers (and only them)."""
    return notify(
        kind="mini_competition.invited",
        key=f"tender:{tender.pk}:invited",
        tender_id=tender.pk,
        providers=asks.mini_competition_invitees(tender),
        payload={"deadline": tender.submission_deadline},
    )


def _tell_officers_closed(tender: Tender) -> None:
    """The deadline passed: the officers learn that the bids are ready to be opened."""
    tender_timers_clear(tender)
    notify(
        kind="tender.closed",
        key=f"tender:{tender.pk}:closed",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id),
        payload={"bids": asks.submitted_bids(tender).count()},
    )


def tender_close(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        transition_run(obj=tender, action="close", actor=actor, audit_action="tender.close")
        _tell_officers_closed(tender)
        return tender


def tenders_close_due(*, now=None, limit: int = 500) -> list[int]:
    """Close every published call whose deadline has passed; safe to run twice at once (skip_locked)."""
    now = now or timezone.now()
    closed: list[int] = []
    with transaction.atomic():
        due = (
            Tender.objects.select_for_update(skip_locked=True)
            .filter(next_check__lte=now, status=TenderStatus.PUBLISHED)
            .order_by("next_check")[:limit]
        )
        for tender in due:
            if tender.submission_deadline <= now:
                transition_run(obj=tender, action="close", actor=None, audit_action="tender.close")
                _tell_officers_closed(tender)
                closed.append(tender.pk)
    return closed


def tender_complete(*, actor, tender_id: int) -> Tender:
    """Complete the call once every lot is finished: cancelled, unsuccessful, or its contract signed or cancelled."""
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        transition_permission_check(obj=tender, action="complete", actor=actor)
        if tender.status == TenderStatus.DECIDED and standstill_over(tender):
            # Named here (the guard only says that some are): the officer sees which lots still need their contract.
            unfinished = lots_unfinished(tender)
            if unfinished:
                raise Conflict(
                    _("The call cannot be completed before every lot is finished. Unfinished lots: %(lots)s.")
                    % {"lots": ", ".join(str(number) for number in unfinished)},
                    code="lots_not_finished",
                    lots=unfinished,
                )
        return transition_run(obj=tender, action="complete", actor=actor, audit_action="tender.complete")


def _reasoned(
    actor,
    tender_id: int,
    action: str,
    text: str,
    *,
    field: str = "reason",
    text_sv: str | None = None,
    tender=None,
) -> Tender:
    """A transition that needs a written reason (or comment): refused with 400 only when it is otherwise possible.
    `text_sv`: the reason's Swedish text, which a bilingual authority's decision needs (None: not a decision's)."""
    text = (text or "").strip()
    swedish = {} if text_sv is None else {f"{field}_sv": (text_sv or "").strip()}
    with transaction.atomic():
        tender = tender or tender_get(user=actor, tender_id=tender_id, for_update=True)
        if action in allowed_actions(tender, actor):
            if not text:
                raise ValidationFailed(errors={field: _error("required", _("Give the reason."))})
            # A draft's cancellation is no decision: only a published call's interruption goes to bidders.
            if text_sv is not None and tender.published_at is not None:
                swedish_reason_check(tender, reason=text, reason_sv=swedish[f"{field}_sv"], field=f"{field}_sv")
        return transition_run(
            obj=tender,
            action=action,
            actor=actor,
            audit_action=f"tender.{action}",
            detail={field: text, **swedish},
            **{field: text},
            **swedish,
        )


def tender_cancel(*, actor, tender_id: int, reason: str, reason_sv: str = "") -> Tender:
    """Interrupt (keskeyttää) the procurement for a real, stated reason. A published call's interruption is a decision
    (`tenders.interruption`): its PDF with the redress goes to every provider concerned (the bidders, and before the
    opening every provider with a draft or that follows the call). Refused once a lot's contract is signed; the
    awards of the lots not yet contracted are withdrawn. A draft never published needs no decision."""
    return _tender_interrupt(actor, tender_id, InterruptionKind.CALL_CANCELLED, reason, reason_sv)


def tender_declare_unsuccessful(*, actor, tender_id: int, reason: str, reason_sv: str = "") -> Tender:
    """No bids, or none acceptable: a decision with its reason and the redress, notified to the bidders (before the
    opening, when no bid came, to every provider with a draft or that follows the call)."""
    return _tender_interrupt(actor, tender_id, InterruptionKind.CALL_UNSUCCESSFUL, reason, reason_sv)


# The transition that interrupts a whole call, by the kind of its decision.
CALL_INTERRUPTIONS = {
    InterruptionKind.CALL_CANCELLED: "cancel",
    InterruptionKind.CALL_UNSUCCESSFUL: "declare_unsuccessful",
}


def _tender_interrupt(actor, tender_id: int, kind: str, reason: str, reason_sv: str) -> Tender:
    """The call cancelled or declared unsuccessful by its reasoned transition, with the decision that interrupts it
    (a draft never published is cancelled without one; a call is declared unsuccessful only once published)."""
    from .interruption import tender_interruption_record

    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        status_before = tender.status
        _reasoned(actor, tender_id, CALL_INTERRUPTIONS[kind], reason, text_sv=reason_sv, tender=tender)
        tender_timers_clear(tender)
        if kind == InterruptionKind.CALL_UNSUCCESSFUL or tender.published_at is not None:
            tender_interruption_record(
                actor=actor,
                tender=tender,
                kind=kind,
                reason=tender.cancel_reason if kind == InterruptionKind.CALL_CANCELLED else tender.unsuccessful_reason,
                reason_sv=reason_sv,
                status_before=status_before,
            )
    return tender


# --- questions and answers ---------------------------------------------------------------------


def question_ask(
    *, actor, tender_id: int, text: str, received_at: datetime, provider_id: int | None = None
) -> Question:
    providers = roles_of(actor).provider_of
    if not providers:
        raise Forbidden(ASK_REFUSAL)
    if provider_id is None:
        provider_id = min(providers)
    elif provider_id not in providers:
        raise Forbidden(_("You can ask only for your own organisation."))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors={"text": _error("required", _("Write the question."))})
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        closes = tender.questions_deadline or tender.submission_deadline
        if tender.status != TenderStatus.PUBLISHED or received_at >= closes:
            raise Conflict(
                _("Questions could be asked until %(deadline)s.")
                % {"deadline": closes.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M")},
                code="questions_closed",
            )
        number = (tender.questions.aggregate(n=Max("number"))["n"] or 0) + 1
        question = Question.objects.create(
            tender=tender, number=number, provider_id=provider_id, asked_by=actor, asked_at=received_at, text=text
        )
        audit_record(action="question.ask", actor=actor, obj=question, after={"number": number})
    return question


def question_answer(*, actor, tender_id: int, question_id: int, answer: str) -> Question:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(errors={"answer": _error("required", _("Write the answer."))})
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        _ensure_officer(actor, tender)
        question = tender.questions.filter(pk=question_id).first()
        if question is None:
            raise NotFound()
        if question.is_published:
            raise Conflict(
                _("This answer is already published; publish a correction as a new answer."), code="already_published"
            )
        before = {"answer": question.answer}
        question.answer, question.answered_by, question.answered_at = answer, actor, timezone.now()
        question.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(action="question.answer", actor=actor, obj=question, before=before, after={"answer": answer})
    return question


def question_edit(*, actor, tender_id: int, question_id: int, text: str) -> Question:
    """Change the public wording of a question before its answer is published (an asker may have named itself or
    its bid): every provider reads the edited words; the words as asked stay on record, and the change is audited."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors={"text": _error("required", _("Write the question."))})
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        _ensure_officer(actor, tender)
        question = tender.questions.select_for_update().filter(pk=question_id).first()
        if question is None:
            raise NotFound()
        if question.is_published:
            raise Conflict(
                _("The answer to this question is already published: its wording can no longer be changed."),
                code="already_published",
            )
        if text == question.text:
            return question
        before = {"text": question.text}
        if not question.original_text:
            question.original_text = question.text
        question.text = text
        question.save(update_fields=["text", "original_text"])
        audit_record(
            action="question.edit",
            actor=actor,
            obj=question,
            tender_id=tender.pk,
            before=before,
            after={"text": text},
        )
    return question


def _answers_pending(actor, tender: Tender) -> list[Question]:
    """The answered questions not yet published, of an open call of the officer's authority."""
    _ensure_officer(actor, tender)
    if tender.status != TenderStatus.PUBLISHED:
        raise Conflict(_("Answers are published while the call is open."), code="tender_not_open")
    pending = list(tender.questions.filter(bulletin__isnull=True).exclude(answer=""))
    if not pending:
        raise Conflict(_("There are no answered questions to publish."), code="nothing_to_publish")
    return pending


def _answers_deadline_settle(
    *, actor, tender: Tender, now: datetime, new_deadline: datetime | None, late_answer_reason: str
) -> None:
    """Answers published less than the rule set's days before the deadline: the deadline is moved later (with the
    opening and the timers, on the record), or a reason for keeping it is given; without either, 409."""
    rules = rules_for_tender(tender)  # the rule set of the call's publication
    minimum = timedelta(days=rules.answers_min_days_before_deadline)
    deadline_before = tender.submission_deadline
    if new_deadline is None:
        if deadline_before - now < minimum and not late_answer_reason.strip():
            raise Conflict(
                _(
                    "Answers published less than %(days)s days before the tender deadline require a later tender "
                    "deadline, or a reason for keeping it."
                )
                % {"days": rules.answers_min_days_before_deadline},
                code="deadline_extension_required",
                deadline=deadline_before.isoformat(),
                fields=["new_deadline", "late_answer_reason"],
            )
        return
    if new_deadline - now < minimum or new_deadline <= deadline_before:
        raise ValidationFailed(
            errors={
                "new_deadline": _error(
                    "deadline_too_early",
                    _("The new deadline must be later than the current one and at least %(days)s days away.")
                    % {"days": rules.answers_min_days_before_deadline},
                )
            }
        )
    tender.submission_deadline = new_deadline
    tender.next_check = new_deadline
    if tender.opening_at and tender.opening_at < new_deadline:
        tender.opening_at = new_deadline
    tender.save(update_fields=["submission_deadline", "next_check", "opening_at", "updated_at"])
    tender_timers_schedule(tender)
    audit_record(
        action="tender.deadline_extended",
        actor=actor,
        obj=tender,
        before={"submission_deadline": deadline_before},
        after={"submission_deadline": new_deadline},
        detail={"reason": "answers_published_late"},
    )


def _bulletin_publish(
    *, actor, tender: Tender, pending: list[Question], now: datetime, deadline_before: datetime, late_answer_reason: str
) -> AnswerBulletin:
    """The next bulletin with the pending answers, told to every interested provider, on the record."""
    number = (tender.bulletins.aggregate(n=Max("number"))["n"] or 0) + 1
    bulletin = AnswerBulletin.objects.create(
        tender=tender,
        number=number,
        published_at=now,
        published_by=actor,
        deadline_before=deadline_before,
        deadline_after=tender.submission_deadline,
        late_answer_reason=late_answer_reason.strip(),
    )
    Question.objects.filter(pk__in=[q.pk for q in pending]).update(bulletin=bulletin)
    notify_providers(
        kind="answers.published",
        key=f"tender:{tender.pk}:bulletin:{number}",
        provider_ids=interested_provider_ids(tender),
        tender_id=tender.pk,
        payload={"bulletin": number, "questions": len(pending), "deadline": tender.submission_deadline},
    )
    audit_record(
        action="answers.publish",
        actor=actor,
        obj=bulletin,
        tender_id=tender.pk,
        after={"questions": [q.number for q in pending], "deadline": tender.submission_deadline},
        detail={"late_answer_reason": late_answer_reason.strip()} if late_answer_reason.strip() else {},
    )
    return bulletin


def answers_publish(
    *, actor, tender_id: int, new_deadline: datetime | None = None, late_answer_reason: str = ""
) -> AnswerBulletin:
    """Publish every answered, unpublished question at once, the same words for everyone, without the asker.

    Answers published less than the rule set's days before the deadline require a later deadline, or an explicit,
    logged reason for keeping it.
    """
    now = timezone.now()
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        pending = _answers_pending(actor, tender)
        deadline_before = tender.submission_deadline
        _answers_deadline_settle(
            actor=actor, tender=tender, now=now, new_deadline=new_deadline, late_answer_reason=late_answer_reason
        )
        return _bulletin_publish(
            actor=actor,
            tender=tender,
            pending=pending,
            now=now,
            deadline_before=deadline_before,
            late_answer_reason=late_answer_reason,
        )


# --- publication record, corrigenda and the register of interested providers --------------------


def _record_version(tender: Tender, *, actor, reason: str = "", changed: list[str] | None = None) -> TenderVersion:
    version = TenderVersion.objects.create(
        tender=tender,
        number=tender.version,
        created_by=actor,
        reason=reason,
        changed_fields=changed or [],
        snapshot=_snapshot(tender),
    )
    document_request(kind=DocumentKind.CALL, tender=tender, actor=actor, version=tender.version)
    tender_timers_schedule(tender)
    return version


def interested_provider_ids(tender: Tender) -> set[int]:
    """The providers that viewed or follow the call, or have a bid or a draft in it: told of its changes, and of its
    interruption, whose decision they then read (`documents.services._document_readers`)."""
    return set(tender.interests.values_list("provider_id", flat=True)) | set(
        tender.bids.values_list("provider_id", flat=True)
    )


def _amend_reasons(*, reason: str, affects_bids: bool | None, affects_bids_reason: str) -> tuple[str, bool, str]:
    """The corrigendum's reason, and whether (and why) it affects the bids already submitted; not said (None), it
    does, for the corrigendum's reason."""
    reason = (reason or "").strip()
    affects_bids_reason = (affects_bids_reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _error("required", _("A change to a published call needs a reason."))
    if affects_bids is not None and not affects_bids_reason:
        errors["affects_bids_reason"] = _error(
            "required", _("Say why the change affects the bids already submitted, or why it does not.")
        )
    if errors:
        raise ValidationFailed(errors=errors)
    if affects_bids is None:
        return reason, True, reason
    return reason, affects_bids, affects_bids_reason


def _amendable(actor, tender_id: int) -> Tender:
    """The call, locked, for a corrigendum by an officer of its authority: only while it is open for tenders."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
    _ensure_officer(actor, tender)
    if tender.status != TenderStatus.PUBLISHED or tender.submission_deadline <= timezone.now():
        raise Conflict(
            _("A call can be changed by a corrigendum only while it is open for tenders."),
            code="not_amendable",
            status=tender.status,
        )
    return tender


def _amend_changes_apply(
    *, tender: Tender, fields: dict, children: dict[str, list[dict] | None], confirm_shorter_deadline: bool
) -> bool:
    """Check and write the corrigendum's changes to the call (locked, open for tenders), as a draft's are checked;
    a deadline in the past is refused, an earlier one needs `confirm_shorter_deadline`. Answers whether the deadline
    was moved earlier."""
    now = timezone.now()
    deadline_before = tender.submission_deadline
    new_deadline = fields.get("submission_deadline")
    if new_deadline is not None and new_deadline <= now:
        raise ValidationFailed(
            errors={"submission_deadline": _error("deadline_in_past", _("The tender deadline must be in the future."))}
        )
    merged = {**{name: getattr(tender, name) for name in EDITABLE_FIELDS}, **fields}
    merged_children = _merged_children(tender, children)
    _framework_terms_check(tender, merged, merged_children)
    _check_tender(
        authority=tender.authority,
        fields=merged,
        children=merged_children,
        given=fields,
        published_at=tender.published_at,
    )
    for name, value in fields.items():
        setattr(tender, name, value)
    errors, _warnings = tender_findings(tender)
    if errors:
        raise ValidationFailed(errors={f.field: _error(f.code, f.message) for f in errors})
    shortened = new_deadline is not None and new_deadline < deadline_before
    if shortened and not confirm_shorter_deadline:
        raise Conflict(
            _(
                "The corrigendum moves the tender deadline earlier, from %(before)s to %(after)s: providers get "
                "less time than they were promised. Confirm the earlier deadline to publish it."
            )
            % {
                "before": deadline_before.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M"),
                "after": new_deadline.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M"),
            },
            code="deadline_shortened",
            deadline_before=deadline_before.isoformat(),
            deadline_after=new_deadline.isoformat(),
        )
    _write_children(tender, children)
    swedish_texts_check(tender, stage=Stage.CALL)
    return shortened


def _amend_version_record(
    *, actor, tender: Tender, reason: str, changed: list[str], affects_bids: bool, affects_bids_reason: str
) -> None:
    """The call's next numbered version (refused when the corrigendum changes nothing), and its PDF queued."""
    if not changed:
        raise ValidationFailed(_("The corrigendum changes nothing."), code="nothing_changed", errors={})
    tender.version += 1
    tender.next_check = tender.submission_deadline
    tender.save()
    version = _record_version(tender, actor=actor, reason=reason, changed=changed)
    version.affects_bids, version.affects_bids_reason = affects_bids, affects_bids_reason
    version.save(update_fields=["affects_bids", "affects_bids_reason"])


def _amend_audit(*, actor, tender: Tender, before: dict, after: dict, detail: dict) -> None:
    """The corrigendum on the record, and a change of the timeline as its own event."""
    audit_record(action="tender.amend", actor=actor, obj=tender, before=before, after=after, detail=detail)
    if {"submission_deadline", "opening_at"} & set(detail["changed"]):
        audit_record(
            action="tender.timeline_changed",
            actor=actor,
            obj=tender,
            before={k: before[k] for k in ("submission_deadline", "opening_at")},
            after={k: after[k] for k in ("submission_deadline", "opening_at")},
            detail={"reason": detail["reason"], "shortened": detail["deadline_shortened"]},
        )


def _amend_announce(
    *, tender: Tender, reason: str, changed: list[str], affects_bids: bool, affects_bids_reason: str
) -> None:
    """The new version told to every interested provider; the bids it affects go back to draft, their owners told."""
    sent_back = []
    if affects_bids:
        sent_back = asks.bids_send_back(tender=tender, reason=reason, affects_bids_reason=affects_bids_reason)
    key = f"tender:{tender.pk}:version:{tender.version}"
    notify_providers(
        kind="tender.amended",
        key=key,
        provider_ids=interested_provider_ids(tender),
        tender_id=tender.pk,
        payload={"version": tender.version, "reason": reason, "changed": changed},
    )
    notify_providers(
        kind="bid.sent_back",
        key=key,
        provider_ids=sent_back,
        tender_id=tender.pk,
        payload={
            "version": tender.version,
            "reason": reason,
            "affects_bids_reason": affects_bids_reason,
            "deadline": tender.submission_deadline,
        },
    )


def tender_amend(
    *,
    actor,
    tender_id: int,
    reason: str,
    fields: dict,
    children: dict[str, list[dict] | None],
    affects_bids: bool | None = None,
    affects_bids_reason: str = "",
    confirm_shorter_deadline: bool = False,
    tender_files: list[TenderFileChange] | None = None,
) -> Tender:
    """A corrigendum: a new numbered version of a published call, announced to every interested provider.

    `affects_bids`: whether the change affects bids already submitted, with `affects_bids_reason`; if it does, they go
    back to draft and their owners must check them against the new version and submit them again. Not given (None),
    it does, as before the question was asked. A deadline earlier than the current one needs
    `confirm_shorter_deadline`; one the rule set does not allow is refused. `tender_files`: the call's files added,
    replaced or withdrawn by the corrigendum.
    """
    reason, affects_bids, affects_bids_reason = _amend_reasons(
        reason=reason, affects_bids=affects_bids, affects_bids_reason=affects_bids_reason
    )
    with stored_files_cleanup(), transaction.atomic():
        tender = _amendable(actor, tender_id)
        before = _snapshot(tender)
        shortened = _amend_changes_apply(
            tender=tender, fields=fields, children=children, confirm_shorter_deadline=confirm_shorter_deadline
        )
        after = _snapshot(tender)
        changed = [key for key in after if after[key] != before[key]]
        files_changed = tender_documents_amend(
            actor=actor, tender=tender, changes=tender_files or [], version=tender.version + 1
        )
        if files_changed:
            changed.append("call_documents")
        _amend_version_record(
            actor=actor,
            tender=tender,
            reason=reason,
            changed=changed,
            affects_bids=affects_bids,
            affects_bids_reason=affects_bids_reason,
        )
        _amend_audit(
            actor=actor,
            tender=tender,
            before=before,
            after=after,
            detail={
                "reason": reason,
                "version": tender.version,
                "changed": changed,
                "call_documents": files_changed,
                "affects_bids": affects_bids,
                "affects_bids_reason": affects_bids_reason,
                "deadline_shortened": shortened,
            },
        )
        _notice_follow(actor, tender)
        _amend_announce(
            tender=tender,
            reason=reason,
            changed=changed,
            affects_bids=affects_bids,
            affects_bids_reason=affects_bids_reason,
        )
    return tender


def tender_view_register(*, user, tender: Tender) -> None:
    """Note that a provider viewed a published call: it joins the register used for notifications."""
    providers = roles_of(user).provider_of
    if not providers or tender.published_at is None:
        return
    known = set(tender.interests.filter(provider_id__in=providers).values_list("provider_id", flat=True))
    TenderInterest.objects.bulk_create(
        [TenderInterest(tender=tender, provider_id=pid) for pid in providers - known], ignore_conflicts=True
    )


def tender_follow(*, actor, tender_id: int, following: bool) -> TenderInterest:
    providers = roles_of(actor).provider_of
    if not providers:
        raise Forbidden(FOLLOW_REFUSAL)
    tender = tender_get(user=actor, tender_id=tender_id)
    provider_id = min(providers)
    interest, _created = TenderInterest.objects.get_or_create(tender=tender, provider_id=provider_id)
    interest.following = following
    interest.followed_at = timezone.now() if following else None
    interest.save(update_fields=["following", "followed_at"])
    audit_record(action="tender.follow" if following else "tender.unfollow", actor=actor, obj=tender)
    return interest


def lot_cancel(*, actor, tender_id: int, lot_number: int, reason: str, reason_sv: str = "") -> Lot:
    """Interrupt one lot by a decision; the others go on (`tenders.interruption.lot_interrupt`)."""
    from .interruption import lot_interrupt

    return lot_interrupt(
        actor=actor,
        tender_id=tender_id,
        lot_number=lot_number,
        reason=reason,
        reason_sv=reason_sv,
        kind=InterruptionKind.LOT_CANCELLED,
    )


def lot_declare_unsuccessful(*, actor, tender_id: int, lot_number: int, reason: str, reason_sv: str = "") -> Lot:
    """Find one lot unsuccessful (no acceptable bids) by a decision, after the opening (before it only when the call
    got no bids); the others go on."""
    from .interruption import lot_interrupt

    return lot_interrupt(
        actor=actor,
        tender_id=tender_id,
        lot_number=lot_number,
        reason=reason,
        reason_sv=reason_sv,
        kind=InterruptionKind.LOT_UNSUCCESSFUL,
    )


def tender_alert_create(
    *, actor, provider_id: int, cpv_prefix: str = "", authority_id: int | None = None
) -> TenderAlert:
    """A provider asks to be told of new calls whose CPV code begins with the prefix (and of one authority)."""
    if provider_id not in roles_of(actor).provider_of:
        raise NotFound()
    prefix = (cpv_prefix or "").replace("-", "").strip()
    if (not prefix.isdigit() and prefix != "") or len(prefix) > 8:
        raise ValidationFailed(
            errors={"cpv_prefix": _error("invalid_cpv_prefix", _("Give the first digits of a CPV code, e.g. 8058."))}
        )
    if authority_id is not None and not ContractingAuthority.objects.filter(pk=authority_id).exists():
        raise ValidationFailed(errors={"authority": _error("invalid_choice", _("Choose a contracting authority."))})
    with transaction.atomic():
        if TenderAlert.objects.filter(provider_id=provider_id, cpv_prefix=prefix, authority_id=authority_id).exists():
            raise Conflict(_("This alert exists already."), code="duplicate")
        alert = TenderAlert.objects.create(
            provider_id=provider_id, cpv_prefix=prefix, authority_id=authority_id, created_by=actor
        )
        audit_record(
            action="alert.create", actor=actor, obj=alert, after={"cpv_prefix": prefix, "authority": authority_id}
        )
    return alert


def tender_alert_delete(*, actor, alert_id: int) -> None:
    with transaction.atomic():
        alert = TenderAlert.objects.filter(pk=alert_id, provider_id__in=roles_of(actor).provider_of).first()
        if alert is None:
            raise NotFound()
        audit_record(action="alert.delete", actor=actor, obj=alert)
        alert.delete()
