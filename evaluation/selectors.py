"""Reading scores and rankings."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Forbidden
from tenders.selectors import tender_get

from .models import LotResult, ProviderRequest
from .panel import panel_access_check


def evaluation_read_check(*, user, tender) -> None:
    """What the evaluation makes of the bids (qualification, flagged prices, ranking) is read like the bids: by the
    authority's officers and evaluators as declared panel members (403 otherwise), and by its auditors, who are on
    no panel, only once the bids are opened (403 bids_sealed before it, as for the bids themselves)."""
    roles = roles_of(user)
    if not roles.reads_authority(tender.authority_id):
        raise Forbidden()
    if tender.bids_are_sealed and roles.audits(tender.authority_id):
        audit_record(action="bid.read_sealed", actor=user, obj=tender, denied=True)
        raise Forbidden(_("Bids are sealed until they are opened after the tender deadline."), code="bids_sealed")
    panel_access_check(user=user, tender=tender)


def lot_results(*, user, tender_id) -> QuerySet[LotResult]:
    """The ranking of every lot, for the authority after the evaluation."""
    tender = tender_get(user=user, tender_id=tender_id)
    evaluation_read_check(user=user, tender=tender)
    audit_record(action="evaluation.results_read", actor=user, obj=tender)
    return (
        LotResult.objects.filter(lot__tender=tender)
        .select_related("lot", "lot_offer__bid__provider")
        .order_by("lot__number", "rank")
    )


def panel_of(*, user, tender_id):
    tender = tender_get(user=user, tender_id=tender_id)
    if not roles_of(user).reads_authority(tender.authority_id):
        raise Forbidden()
    return tender.panel.select_related("user")


def qualification_checks(*, user, tender_id):
    """The pass/fail results with reasons, for the panel (and auditors) after the opening."""
    from .models import QualificationCheck

    tender = tender_get(user=user, tender_id=tender_id)
    evaluation_read_check(user=user, tender=tender)
    checks = QualificationCheck.objects.filter(bid__tender=tender).order_by("bid_id", "subject")
    return [qualification_check_row(check) for check in checks]


def qualification_check_row(check) -> dict:
    """One result as the panel reads it (the API's and the portal's shape)."""
    return {
        "bid": check.bid_id,
        "subject": check.subject,
        "passed": check.passed,
        "reason": check.reason,
        "reason_sv": check.reason_sv,
        "ground": check.ground,
        "public_reason": check.public_reason,
        "public_reason_sv": check.public_reason_sv,
    }


def abnormally_low(*, user, tender_id) -> dict:
    from .clarifications import abnormally_low_offers

    tender = tender_get(user=user, tender_id=tender_id)
    evaluation_read_check(user=user, tender=tender)
    return abnormally_low_offers(tender)


def _after_opening_check(*, user, tender) -> None:
    """The evaluation's records about the bids are read like them: never before the opening (403 bids_sealed, on
    record), then as `evaluation_read_check` says."""
    if tender.bids_are_sealed:
        audit_record(action="bid.read_sealed", actor=user, obj=tender, denied=True)
        raise Forbidden(_("Bids are sealed until they are opened after the tender deadline."), code="bids_sealed")
    evaluation_read_check(user=user, tender=tender)


def provider_requests_of_tender(*, user: AnyUser, tender_id: int) -> list[ProviderRequest]:
    """The requests sent to the call's bidders with their answers, oldest first, for the panel (and auditors) after
    the opening; each bidder sees only its own, on its bid (`provider_requests_of_bid`)."""
    tender = tender_get(user=user, tender_id=tender_id)
    _after_opening_check(user=user, tender=tender)
    return list(
        ProviderRequest.objects.filter(bid__tender=tender)
        .select_related("bid__provider", "lot_offer__lot", "requested_by", "answered_by")
        .order_by("-requested_at", "-pk")
    )


def individual_scores_of_tender(*, user, tender_id):
    """The evaluators' own scores before the consensus. The authority's officers (who set the consensus) and its
    auditors read every evaluator's; an evaluator reads only their own, so that each scores independently."""
    from .models import IndividualScore

    tender = tender_get(user=user, tender_id=tender_id)
    _after_opening_check(user=user, tender=tender)
    scores = IndividualScore.objects.filter(lot_offer__bid__tender=tender).select_related("evaluator")
    roles = roles_of(user)
    if not (roles.is_officer(tender.authority_id) or roles.audits(tender.authority_id)):
        scores = scores.filter(evaluator=user)
    return list(scores.order_by("evaluator__username", "lot_offer_id", "criterion_id"))
