"""The notifications of the evaluation: requests to bidders, the award, the decision and its periods, the standstill.
Registered in the one registry of kinds (procurement.notifications) when the app is ready (evaluation.apps)."""

from django.utils.translation import gettext_lazy as _

from procurement.models import Notification
from procurement.notifications import Kind, register_kind

from .periods import letter_for_resend, lot_periods_recompute


def _decision_after_sent(notification: Notification) -> None:
    """The decision's notification starts the statutory periods (a decision's notification is always about a call)."""
    if notification.tender_id is not None:
        lot_periods_recompute(tender_id=notification.tender_id)


KINDS = {
    "award.proposed": Kind(
        _("An award waits for your decision: %(title)s"),
        _("%(proposed_by)s has proposed the award of %(title)s. The proposal and the comparison are in the portal."),
        label=_("Award proposal to decide"),
        task=True,
    ),
    "request.clarification": Kind(
        _("Request for clarification: %(title)s"),
        _("The contracting authority asks you to clarify your bid by %(deadline)s: %(message)s"),
        calendar="deadline",
        calendar_summary=_("Clarification due: %(title)s"),
        label=_("Request for clarification"),
    ),
    "request.price_explanation": Kind(
        _("Request to explain your price: %(title)s"),
        _("The contracting authority asks you to explain your price by %(deadline)s: %(message)s"),
        calendar="deadline",
        calendar_summary=_("Price explanation due: %(title)s"),
        label=_("Request to explain a price"),
    ),
    "request.answered": Kind(
        _("A bidder has answered: %(title)s"),
        _("%(provider)s has answered the request of %(requested)s."),
        label=_("Answer to a request"),
        task=True,
    ),
    "evaluation.overdue": Kind(
        _("Evaluation overdue: %(title)s"),
        _(
            "The bids of %(title)s were opened on %(opened)s and no decision has been made in %(days)s days. "
            "The bids are binding only until %(validity)s."
        ),
        label=_("Evaluation overdue"),
    ),
    "decision": Kind(
        _("Procurement decision: %(title)s"),
        _(
            "The contracting authority has decided on %(title)s. Your notification letter with your result, "
            "the decision with its instructions for redress, and their dates are attached."
        ),
        label=_("Procurement decision"),
        after_sent=_decision_after_sent,
        on_resend=letter_for_resend,
    ),
    "mini_competition.invited": Kind(
        _("Mini-competition under your framework agreement: %(title)s"),
        _(
            "The contracting authority invites the providers of its framework agreement to a mini-competition: "
            "%(title)s. Tenders by %(deadline)s; the call is in the portal."
        ),
        calendar="deadline",
        calendar_summary=_("Mini-competition deadline: %(title)s"),
        label=_("Invitation to a mini-competition"),
    ),
    "standstill.ended": Kind(
        _("Standstill ended: %(title)s, lot %(lot)s"),
        _(
            "The standstill of lot %(lot)s of %(title)s ended on %(ended)s. Check that no self-correction claim "
            "or Market Court appeal concerning the lot has arrived and record the check: only then can the contract "
            "be signed."
        ),
        label=_("Standstill ended"),
        task=True,
    ),
}

for code, kind in KINDS.items():
    register_kind(code, kind)
