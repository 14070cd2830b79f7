"""Qualification: each bid's exclusion declaration and suitability requirements pass or fail, with reasons."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus
from procurement.audit import audit_record
from procurement.errors import ValidationFailed
from tenders.models import Tender, TenderStatus

from .models import QualificationCheck
from .panel import evaluating_tender
from .reopening import not_reopened, reopened

EXCLUSION = "exclusion"


def required_subjects(tender: Tender) -> list[str]:
    return [
        EXCLUSION,
        *(f"requirement:{pk}" for pk in tender.requirements.order_by("number").values_list("pk", flat=True)),
    ]


def qualification_check(*, actor, tender_id: int, for_update: bool = False) -> Tender:
    """Who may record the qualification now (evaluating_tender's 404, 403 and 409); the API asks before it reads
    the body."""
    return evaluating_tender(
        actor=actor,
        tender_id=tender_id,
        message=_("Qualification is recorded after the opening and before the evaluation is finished."),
        code="not_qualifying",
        for_update=for_update,
    )


def _ground_error(tender: Tender, check: dict) -> dict | None:
    """A failed exclusion check names its ground, one the call asks to declare (its section 80 or 81 follows from
    it); no other check has one."""
    ground = check.get("ground") or ""
    if check["subject"] != EXCLUSION or check["passed"]:
        if ground:
            return {
                "code": "ground_not_applicable",
                "message": str(_("Only a failed exclusion check names an exclusion ground.")),
            }
        return None
    if not ground:
        return {
            "code": "ground_required",
            "message": str(
                _(
                    "Name the exclusion ground (section 80 or 81 of the Act on Public Procurement) on which the "
                    "bidder is excluded."
                )
            ),
        }
    if ground not in tender.exclusion_grounds:
        return {"code": "unknown_ground", "message": str(_("The call does not name this exclusion ground."))}
    return None


def qualification_record(*, actor, tender_id: int, checks: list[dict]) -> list[QualificationCheck]:
    """Record (or correct, until the evaluation is finished) pass/fail results with their reasons."""
    with transaction.atomic():
        tender = qualification_check(actor=actor, tender_id=tender_id, for_update=True)
        bids = set(tender.bids.filter(status=BidStatus.SUBMITTED).values_list("pk", flat=True))
        # While a correction reopens the decided call, only the bids it examines again (409 for the others).
        scope = reopened(tender) if tender.status != TenderStatus.OPENED else None
        if scope is not None:
            locked = [
                {"index": index, "bid": check["bid"]}
                for index, check in enumerate(checks)
                if check["bid"] in bids and not scope.may_qualify(bid_id=check["bid"])
            ]
            if locked:
                raise not_reopened(locked)
        subjects = set(required_subjects(tender))
        errors = []
        for index, check in enumerate(checks):
            if check["bid"] not in bids:
                errors.append({"index": index, "code": "unknown_bid", "message": str(_("No such bid in this call."))})
            elif check["subject"] not in subjects:
                errors.append(
                    {"index": index, "code": "unknown_subject", "message": str(_("No such requirement in this call."))}
                )
            elif not check["reason"].strip():
                errors.append({"index": index, "code": "reason_required", "message": str(_("Give the reason."))})
            else:
                error = _ground_error(tender, check)
                if error is not None:
                    errors.append({"index": index, **error})
        if errors:
            raise ValidationFailed(errors={"checks": errors})
        saved = []
        for check in checks:
            row, _created = QualificationCheck.objects.update_or_create(
                bid_id=check["bid"],
                subject=check["subject"],
                defaults={
                    "passed": check["passed"],
                    "reason": check["reason"].strip(),
                    "reason_sv": (check.get("reason_sv") or "").strip(),
                    "ground": (check.get("ground") or "") if not check["passed"] else "",
                    "public_reason": (check.get("public_reason") or "").strip(),
                    "public_reason_sv": (check.get("public_reason_sv") or "").strip(),
                    "decided_by": actor,
                    "decided_at": timezone.now(),
                },
            )
            saved.append(row)
        audit_record(
            action="evaluation.qualify",
            actor=actor,
            obj=tender,
            after={
                "checks": [
                    {"bid": c.bid_id, "subject": c.subject, "passed": c.passed, "ground": c.ground} for c in saved
                ]
            },
        )
    return saved


def qualification_state(tender: Tender) -> tuple[set[int], dict[int, list[str]], list[dict]]:
    """(qualified bid ids, reasons of failure by bid id, what is still unchecked)."""
    subjects = required_subjects(tender)
    checks: dict[int, dict[str, QualificationCheck]] = {}
    for check in QualificationCheck.objects.filter(bid__tender=tender):
        checks.setdefault(check.bid_id, {})[check.subject] = check
    qualified, failed, missing = set(), {}, []
    for bid_id in Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values_list("pk", flat=True):
        mine = checks.get(bid_id, {})
        unchecked = [s for s in subjects if s not in mine]
        if unchecked:
            missing.append({"bid": bid_id, "subjects": unchecked})
            continue
        reasons = [mine[s].reason for s in subjects if not mine[s].passed]
        if reasons:
            failed[bid_id] = reasons
        else:
            qualified.add(bid_id)
    return qualified, failed, missing
