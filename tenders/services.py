"""Changing calls for tenders: drafting, publication, closing, completion and cancellation."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import ContractingAuthority

from .models import Lot, QualityCriterion, Tender, TenderStatus
from .selectors import tender_get

EDITABLE_FIELDS = (
    "reference",
    "title",
    "description",
    "language",
    "cpv_main",
    "estimated_value",
    "price_weight",
    "price_method",
    "tender_validity_months",
    "submission_deadline",
)


def _check_structure(*, price_weight: Decimal, lots: list[dict], criteria: list[dict]) -> None:
    """The rules a call must meet to be published; drafts may be incomplete only in having no lots yet."""
    errors: dict[str, list] = {}
    total = Decimal(price_weight) + sum((Decimal(c["weight"]) for c in criteria), Decimal("0"))
    if total != Decimal("100"):
        errors["criteria"] = [
            {
                "code": "weights_not_100",
                "message": _(
                    "The price weight and the quality weights must add up to 100; now they add up to %(total)s."
                )
                % {"total": format(total.normalize(), "f")},
            }
        ]
    for key, items in (("lots", lots), ("criteria", criteria)):
        numbers = [item["number"] for item in items]
        if len(numbers) != len(set(numbers)):
            errors.setdefault(key, []).append(
                {"code": "duplicate_number", "message": _("Each one needs its own number.")}
            )
    if errors:
        raise ValidationFailed(errors=errors)


def _replace_children(tender: Tender, lots: Iterable[dict] | None, criteria: Iterable[dict] | None) -> None:
    if lots is not None:
        tender.lots.all().delete()
        Lot.objects.bulk_create(Lot(tender=tender, **lot) for lot in lots)
    if criteria is not None:
        tender.criteria.all().delete()
        QualityCriterion.objects.bulk_create(QualityCriterion(tender=tender, **c) for c in criteria)


def _snapshot(tender: Tender) -> dict:
    data = {name: getattr(tender, name) for name in EDITABLE_FIELDS}
    data["lots"] = list(
        tender.lots.order_by("number").values("number", "title", "municipality", "volume", "pricing_unit")
    )
    data["criteria"] = list(tender.criteria.order_by("number").values("number", "name", "weight", "max_points"))
    return data


def tender_create(
    *, actor, authority: ContractingAuthority, fields: dict, lots: list[dict], criteria: list[dict]
) -> Tender:
    if not roles_of(actor).is_officer(authority.pk):
        raise Forbidden(_("Only the authority's procurement officers can draft its calls."))
    _check_structure(price_weight=fields["price_weight"], lots=lots, criteria=criteria)
    with transaction.atomic():
        tender = Tender.objects.create(authority=authority, created_by=actor, **fields)
        _replace_children(tender, lots, criteria)
        audit_record(action="tender.create", actor=actor, obj=tender, after=_snapshot(tender))
    return tender


def tender_update(
    *, actor, tender_id: int, fields: dict, lots: list[dict] | None = None, criteria: list[dict] | None = None
) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if not roles_of(actor).is_officer(tender.authority_id):
            raise Forbidden()
        if tender.status != TenderStatus.DRAFT:
            raise Conflict(_("Only a draft can be edited."), code="not_editable", status=tender.status)
        before = _snapshot(tender)
        for name, value in fields.items():
            setattr(tender, name, value)
        _check_structure(
            price_weight=tender.price_weight,
            lots=lots if lots is not None else list(tender.lots.values("number")),
            criteria=criteria if criteria is not None else list(tender.criteria.values("number", "weight")),
        )
        tender.save()
        _replace_children(tender, lots, criteria)
        audit_record(action="tender.update", actor=actor, obj=tender, before=before, after=_snapshot(tender))
    return tender


def tender_publish(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if tender.status == TenderStatus.DRAFT and roles_of(actor).is_officer(tender.authority_id):
            lots = list(tender.lots.values("number"))
            if not lots:
                raise ValidationFailed(
                    errors={"lots": [{"code": "no_lots", "message": _("A call needs at least one lot.")}]}
                )
            _check_structure(
                price_weight=tender.price_weight,
                lots=lots,
                criteria=list(tender.criteria.values("number", "weight")),
            )
        return transition_run(obj=tender, action="publish", actor=actor, audit_action="tender.publish")


def tender_close(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        return transition_run(obj=tender, action="close", actor=actor, audit_action="tender.close")


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
                closed.append(tender.pk)
    return closed


def tender_complete(*, actor, tender_id: int) -> Tender:
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        return transition_run(obj=tender, action="complete", actor=actor, audit_action="tender.complete")


def tender_cancel(*, actor, tender_id: int, reason: str) -> Tender:
    reason = (reason or "").strip()
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if not reason and roles_of(actor).is_officer(tender.authority_id):
            raise ValidationFailed(
                errors={"reason": [{"code": "required", "message": _("Give the reason for the cancellation.")}]}
            )
        return transition_run(
            obj=tender,
            action="cancel",
            actor=actor,
            audit_action="tender.cancel",
            detail={"reason": reason},
            reason=reason,
        )
