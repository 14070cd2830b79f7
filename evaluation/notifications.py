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

# A framework agreement's life: its conclusion (each provider told its rank and the term) and each recorded change.
KINDS |= {
    "framework.concluded": Kind(
        _("Framework agreement concluded: %(title)s, lot %(lot)s"),
        _(
            "The framework agreement of lot %(lot)s of %(title)s has been concluded. You are its provider at rank "
            "%(rank)s; it is in force from %(starts_on)s to %(ends_on)s. Orders come to you through the portal."
        ),
        label=_("Framework agreement concluded"),
    ),
    "framework.changed": Kind(
        _("Framework agreement changed: %(title)s, lot %(lot)s"),
        _(
            "The contracting authority has decided a change of the framework agreement of lot %(lot)s of %(title)s: "
            "%(change)s, from %(effective_on)s. Reason: %(reason)s"
        ),
        label=_("Framework agreement changed"),
    ),
}

for code, kind in KINDS.items():
    register_kind(code, kind)
