"""The notifications of the evaluation: requests to bidders, the award, the decision and its periods, the standstill.
Registered in the one registry of kinds (procurement.notifications) when the app is ready (evaluation.apps)."""

from django.utils.translation import gettext_lazy as _

from procurement.models import Notification
from procurement.notifications import Kind, register_kinds

from .models import Appeal, FrameworkChange
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
    "call_off.offered": Kind(
        _("Order %(order)s offered to you: %(municipality)s, starting %(start_on)s"),
        _(
            "The contracting authority offers you order %(order)s under framework agreement %(framework)s (lot "
            "%(lot)s) of %(title)s: a course in %(municipality)s for %(students)s students starting %(start_on)s, "
            "value %(value)s € without VAT. Accept or decline it in the portal by %(reply_by)s; without a reply it "
            "passes to the next provider. The order is attached."
        ),
        calendar="reply_by",
        calendar_summary=_("Reply due to order %(order)s: %(municipality)s"),
        label=_("Call-off order offered"),
    ),
    "call_off.accepted": Kind(
        _("Order %(order)s accepted: %(municipality)s, starting %(start_on)s"),
        _(
            "%(provider)s has accepted order %(order)s under framework agreement %(framework)s (lot %(lot)s) of "
            "%(title)s: %(municipality)s, %(students)s students, starting %(start_on)s, value %(value)s € without "
            "VAT. The confirmation is attached."
        ),
        label=_("Call-off order accepted"),
    ),
    "call_off.declined": Kind(
        _("Order %(order)s declined by %(provider)s"),
        _(
            "%(provider)s has declined order %(order)s under framework agreement %(framework)s of %(title)s "
            "(%(municipality)s, starting %(start_on)s): %(reason)s. The order passes to the next provider in rank."
        ),
        label=_("Call-off order declined"),
    ),
    "call_off.expired": Kind(
        _("Order %(order)s not answered in time"),
        _(
            "%(provider)s did not reply to order %(order)s under framework agreement %(framework)s of %(title)s "
            "(%(municipality)s, starting %(start_on)s) by %(reply_by)s. The order passes to the next provider in "
            "rank."
        ),
        label=_("Call-off order not answered in time"),
    ),
    "call_off.unfilled": Kind(
        _("Order %(order)s: no provider left"),
        _(
            "No provider of framework agreement %(framework)s of %(title)s is left to take order %(order)s "
            "(%(municipality)s, starting %(start_on)s): every one has declined, not replied, been skipped or has no "
            "capacity, or the framework's maximum would be exceeded. The order holds nothing."
        ),
        label=_("Call-off order unfilled"),
        task=True,
    ),
    "call_off.withdrawn": Kind(
        _("Order %(order)s is no longer offered to you"),
        _(
            "The contracting authority has passed order %(order)s under framework agreement %(framework)s of "
            "%(title)s (%(municipality)s, starting %(start_on)s) to another provider. You need not reply to it."
        ),
        label=_("Call-off order withdrawn"),
    ),
    "call_off.cancelled": Kind(
        _("Order %(order)s cancelled"),
        _(
            "The contracting authority has cancelled order %(order)s under framework agreement %(framework)s of "
            "%(title)s (%(municipality)s, starting %(start_on)s): %(reason)s"
        ),
        label=_("Call-off order cancelled"),
    ),
    "framework.usage_warning": Kind(
        _("Framework agreement %(framework)s: 80 %% of the maximum reached"),
        _(
            "The orders of framework agreement %(framework)s (lot %(lot)s) of %(title)s hold %(value_share)s %% of "
            "its maximum value and %(volume_share)s %% of its maximum volume. An order beyond the maximum will be "
            "refused."
        ),
        label=_("Framework maximum nearly reached"),
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
}

# Each recorded change of a framework agreement, told in the provider's own language (the kind names it, the reason
# is the Swedish one for a Swedish reader where written): one about a provider (its capacity, its leaving, its
# joining) to that provider only, the others to every provider of the framework (evaluation.framework_changes).
FRAMEWORK_CHANGE_SUBJECTS = {
    FrameworkChange.Kind.OPTION_EXERCISED: _("Option exercised: %(title)s, lot %(lot)s"),
    FrameworkChange.Kind.OPTION_DECLINED: _("Option not exercised: %(title)s, lot %(lot)s"),
    FrameworkChange.Kind.MEMBER_LEFT: _("Your leaving of the framework agreement recorded: %(title)s, lot %(lot)s"),
    FrameworkChange.Kind.PRICE_INDEX: _("Prices adjusted by the index: %(title)s, lot %(lot)s"),
    FrameworkChange.Kind.CAPACITY: _("Your capacity in the framework agreement recorded: %(title)s, lot %(lot)s"),
    FrameworkChange.Kind.TERMINATED: _("Framework agreement ended early: %(title)s, lot %(lot)s"),
}
FRAMEWORK_CHANGE_BODY = _(
    "The contracting authority has recorded a decision on the framework agreement of lot %(lot)s of %(title)s, "
    "effective from %(effective_on)s. Reason: %(reason)s"
)
KINDS |= {
    f"framework.{change}": Kind(subject, FRAMEWORK_CHANGE_BODY, label=FrameworkChange.Kind(change).label)
    for change, subject in FRAMEWORK_CHANGE_SUBJECTS.items()
}
KINDS[f"framework.{FrameworkChange.Kind.MEMBER_ADDED}"] = Kind(
    _("You joined the framework agreement: %(title)s, lot %(lot)s"),
    _(
        "The contracting authority has taken you into the framework agreement of lot %(lot)s of %(title)s in place "
        "of a provider that left, at rank %(rank)s, from %(effective_on)s. Orders come to you through the portal. "
        "Reason: %(reason)s"
    ),
    label=FrameworkChange.Kind.MEMBER_ADDED.label,
)

# Claims for rectification and Market Court appeals (evaluation.claims, evaluation.appeals): a claim filed or withdrawn
# tells the authority's officers; the decision on a claim goes to the claimant and every bidder of its lots, with
# the decision attached; an appeal registered or ruled on tells the bidders of its lots.
CLAIM_DECIDED_BODY = _(
    "The contracting authority has decided on claim for rectification no. %(number)s about lots %(lots)s of "
    "%(title)s. The decision, with its reasons and the instructions for redress, is attached."
)
APPEAL_RESOLVED_BODY = _(
    "The Market Court's ruling on appeal %(reference)s about lots %(lots)s of %(title)s has been recorded "
    "(%(resolved_on)s). Contracting of the lots goes on once nothing else holds it."
)
APPEAL_REOPENED_BODY = _(
    "The Market Court's ruling on appeal %(reference)s about lots %(lots)s of %(title)s has been recorded "
    "(%(resolved_on)s). A new evaluation is needed: the lots stay suspended until a new decision is made on them, "
    "and you will be notified of it."
)
APPEAL_SUBJECTS = {
    "dismissed": _("Market Court appeal dismissed: %(title)s"),
    "withdrawn": _("Market Court appeal withdrawn: %(title)s"),
    "annulled": _("Market Court annulled the decision: %(title)s"),
    "re_evaluate": _("Market Court ordered a new evaluation: %(title)s"),
    "contracting_ban": _("Market Court banned the contract: %(title)s"),
    "compensation": _("Market Court ordered a compensation: %(title)s"),
    "fine": _("Market Court ordered a penalty fine: %(title)s"),
}
KINDS |= {
    "claim.filed": Kind(
        _("Claim for rectification filed: %(title)s"),
        _(
            "%(provider)s has filed claim for rectification no. %(number)s about lots %(lots)s of %(title)s. "
            "Contracting of those lots is suspended until the claim is decided."
        ),
        label=_("Claim for rectification to decide"),
        task=True,
    ),
    "claim.withdrawn": Kind(
        _("Claim for rectification withdrawn: %(title)s"),
        _("%(provider)s has withdrawn claim for rectification no. %(number)s about %(title)s."),
        label=_("Claim for rectification withdrawn"),
    ),
    "claim.rejected": Kind(
        _("Decision on a claim for rectification: %(title)s"),
        CLAIM_DECIDED_BODY,
        label=_("Claim for rectification rejected"),
    ),
    "claim.inadmissible": Kind(
        _("Decision on a claim for rectification: %(title)s"),
        CLAIM_DECIDED_BODY,
        label=_("Claim for rectification not examined"),
    ),
    "claim.corrected": Kind(
        _("Decision on a claim for rectification: %(title)s"),
        CLAIM_DECIDED_BODY,
        label=_("Decision corrected on a claim for rectification"),
    ),
    "appeal.registered": Kind(
        _("Market Court appeal registered: %(title)s"),
        _(
            "An appeal to the Market Court (%(reference)s) about lots %(lots)s of %(title)s has been registered. "
            "No contract on those lots is made until the court has ruled."
        ),
        label=_("Market Court appeal registered"),
    ),
}
KINDS |= {
    f"appeal.{outcome}": Kind(
        subject,
        APPEAL_REOPENED_BODY if outcome in ("annulled", "re_evaluate", "contracting_ban") else APPEAL_RESOLVED_BODY,
        label=Appeal.Outcome(outcome).label,
    )
    for outcome, subject in APPEAL_SUBJECTS.items()
}
# Requests for documents (evaluation.access_requests).
KINDS["access_request.received"] = Kind(
    _("A request for documents: %(title)s"),
    _("%(requester)s asks for documents of %(title)s (request %(number)s). Decide on it in the portal."),
    label=_("Request for documents"),
    task=True,
)
KINDS["access_request.decided"] = Kind(
    _("Decision on your request for documents: %(title)s"),
    _(
        "The contracting authority has decided on your request %(number)s for documents of %(title)s. The decision "
        "with its instructions for redress is attached; the documents disclosed to you are in the portal."
    ),
    label=_("Decision on a request for documents"),
)

register_kinds(KINDS)
