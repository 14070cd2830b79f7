"""The evaluation panel: who is named on a call, their conflict-of-interest declarations, and what that allows."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, ValidationFailed
from procurement.models import Membership, Role
from tenders.models import Tender, TenderStatus
from tenders.selectors import tender_get

from .models import PanelMember
from .reopening import open_correction


def panel_add_check(*, actor, tender_id: int, for_update: bool = False) -> Tender:
    """Naming an evaluator: 404 for a call the actor does not see, 403 for anyone but the authority's officers.
    The API checks it before it reads the body (whose user id could otherwise be probed), the service again."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers name the evaluators."))
    return tender


def panel_add(*, actor, tender_id: int, user_id: int) -> PanelMember:
    """An officer names a colleague of the authority (or themselves) to the panel of a call."""
    with transaction.atomic():
        tender = panel_add_check(actor=actor, tender_id=tender_id, for_update=True)
        eligible = Membership.objects.filter(
            user_id=user_id, authority_id=tender.authority_id, role__in=[Role.OFFICER, Role.EVALUATOR]
        ).exists()
        if not eligible:
            raise ValidationFailed(
                errors={
                    "user": [
                        {
                            "code": "not_authority_user",
                            "message": str(_("Only officers and evaluators of the authority can evaluate.")),
                        }
                    ]
                }
            )
        try:
            with transaction.atomic():
                member = PanelMember.objects.create(tender=tender, user_id=user_id, added_by=actor)
        except IntegrityError as exc:
            raise Conflict(_("This person is already on the panel."), code="already_on_panel") from exc
        audit_record(action="panel.add", actor=actor, obj=tender, after={"user": user_id})
    return member


def panel_declare(*, actor, tender_id: int, has_conflict: bool, statement: str = "") -> PanelMember:
    """The evaluator's own declaration, once per call, before any bid content is shown to them."""
    statement = (statement or "").strip()
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id)
        member = _own_membership(actor, tender, for_update=True)
        if member.declared_at is not None:
            raise Conflict(_("You have already made your declaration for this call."), code="already_declared")
        if has_conflict and not statement:
            raise ValidationFailed(
                errors={"statement": [{"code": "required", "message": str(_("Describe the conflict of interest."))}]}
            )
        member.declared_at, member.has_conflict, member.statement = timezone.now(), has_conflict, statement
        member.save(update_fields=["declared_at", "has_conflict", "statement"])
        audit_record(
            action="panel.declare",
            actor=actor,
            obj=tender,
            after={"has_conflict": has_conflict},
            detail={"statement": statement} if statement else {},
        )
    return member


def _own_membership(actor, tender: Tender, *, for_update: bool) -> PanelMember:
    members = PanelMember.objects.filter(tender=tender, user=actor)
    member = (members.select_for_update() if for_update else members).first()
    if member is None:
        raise Forbidden(_("You are not on the evaluation panel of this call."), code="not_on_panel")
    return member


def panel_declare_check(*, actor, tender_id: int) -> None:
    """A declaration on conflicts of interest: 404 for a call the actor does not see, 403 off its panel."""
    _own_membership(actor, tender_get(user=actor, tender_id=tender_id), for_update=False)


def panel_access_check(*, user, tender: Tender) -> None:
    """Bid content after the opening: auditors read it; officers and evaluators only as panel members who declared
    no conflict of interest in this call."""
    roles = roles_of(user)
    if roles.audits(tender.authority_id):
        return
    member = PanelMember.objects.filter(tender=tender, user=user).first()
    if member is None:
        raise Forbidden(_("Only the evaluation panel of this call reads its bids."), code="not_on_panel")
    if member.declared_at is None:
        raise Forbidden(
            _("Declare whether you have a conflict of interest in this call before you see its bids."),
            code="declaration_required",
        )
    if member.has_conflict:
        raise Forbidden(_("You declared a conflict of interest in this call."), code="conflict_of_interest")


def evaluating_tender(*, actor, tender_id: int, message, code: str, for_update: bool = True) -> Tender:
    """The call, locked, for a panel member's work between the opening and the end of the evaluation.

    403 for anyone but the authority's officers and evaluators, 409 (with `message` and `code`) outside that
    stage, 403 again without a clean declaration on conflicts of interest."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    roles = roles_of(actor)
    if not (roles.is_officer(tender.authority_id) or tender.authority_id in roles.evaluator_of):
        raise Forbidden()
    # A correction of the decision reopens some of it (evaluation.reopening): each service checks what it touches.
    if tender.status != TenderStatus.OPENED and open_correction(tender) is None:
        raise Conflict(message, code=code, status=tender.status)
    panel_access_check(user=actor, tender=tender)
    return tender
