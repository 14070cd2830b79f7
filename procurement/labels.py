"""Human labels for the codes the system keeps: notification kinds, audit actions and objects, security-log events,
languages, attachment purposes and document subjects. Pages and documents show these, never the codes themselves
(templatetags/labels.py makes them filters)."""

from collections.abc import Callable

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .audit import STABLE_OBJECT_TYPES

# What each audited action was, in a few words (the audit pages; the procedure report tells its own sentences).
AUDIT_ACTIONS = {
    "access.denied": _("Access refused"),
    "access.not_found": _("Request for a missing page refused"),
    "comparison.read_by_bidder": _("Comparison read by a bidder"),
    "access.throttled": _("Too many requests refused"),
    "access_request.create": _("Request for documents received"),
    "access_request.decide": _("Request for documents decided"),
    "access_request.disclose": _("Document disclosed on request"),
    "access_request.download": _("Disclosed document downloaded through the requester's link"),
    "bid.read_for_disclosure": _("Bid read to make a disclosed copy"),
    "alert.create": _("Alert created"),
    "alert.delete": _("Alert removed"),
    "answers.publish": _("Answers published"),
    "appeal.register": _("Appeal registered"),
    "appeal.resolve": _("Appeal resolved"),
    "attachment.complete": _("Attachment received"),
    "attachment.damaged": _("Damaged attachment found"),
    "attachment.delete": _("Attachment removed"),
    "attachment.purge": _("Attachment deleted for good"),
    "attachment.read": _("Attachment read"),
    "attachment.refuse": _("Attachment refused"),
    "attachment.start": _("Attachment upload started"),
    "audit.anchor_init": _("Audit log anchored"),
    "audit.verify": _("Audit log verified"),
    "auth.locked_out": _("Sign-in locked"),
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.login_throttled": _("Sign-in attempts limited"),
    "auth.password_changed": _("Password changed"),
    "auth.password_reset": _("Password reset"),
    "auth.password_reset_requested": _("Password reset requested"),
    "auth.password_reset_throttled": _("Password reset requests limited"),
    "auth.token_issued": _("API key issued"),
    "auth.token_revoked": _("API key revoked"),
    "auth.tokens_revoked": _("All API keys revoked"),
    "bid.create": _("Bid started"),
    "call_document.add": _("File of the call added"),
    "call_off.accept": _("Call-off order accepted"),
    "call_off.cancel": _("Call-off order cancelled"),
    "call_off.create": _("Call-off order made"),
    "call_off.decline": _("Call-off order declined"),
    "call_off.exhaust": _("Call-off order unfilled"),
    "call_off.expire": _("Call-off order not answered in time"),
    "call_off.offer": _("Call-off order offered to the next provider"),
    "call_off.skip": _("Provider skipped in the order of preference"),
    "call_off.withdraw": _("Call-off order withdrawn when the framework ended"),
    "claim.correct": _("Claim for rectification accepted: the decision is corrected"),
    "correction.start": _("Correction of the decision started"),
    "decision.edition": _("New edition of the decision made"),
    "contract.decided_again": _("Lot decided again in a correction"),
    "offer.rejection_withdraw": _("Rejection of an offer withdrawn in a correction"),
    "award_notice.follow_correction": _("Award notice to be made anew after a correction"),
    "claim.decision_issue": _("Decision on a claim for rectification issued"),
    "claim.file": _("Claim for rectification filed by a bidder"),
    "claim.inadmissible": _("Claim for rectification not examined"),
    "claim.register": _("Claim for rectification registered"),
    "claim.rejected": _("Claim for rectification rejected"),
    "claim.withdraw": _("Claim for rectification withdrawn"),
    "contract.release": _("Contracting released: no claim or appeal holds the lot"),
    "contract.standstill": _("Released within the standstill: the lot waits for its end"),
    "call_document.remove": _("File of the call withdrawn"),
    "call_document.replace": _("File of the call replaced"),
    "bid.export_all": _("All bids downloaded"),
    "bid.late_refused": _("Late bid refused"),
    "bid.read": _("Bid read"),
    "bid.read_all": _("All bids read"),
    "bid.read_by_bidder": _("Bid read by its bidder"),
    "bid.read_sealed": _("Sealed bid read"),
    "bid.receipt_skipped": _("Receipt not sent"),
    "bid.reopen": _("Bid reopened"),
    "bid.seal_broken": _("Breach of a bid's seal"),
    "bid.sent_back": _("Bid sent back to draft"),
    "bid.submit": _("Bid submitted"),
    "bid.update": _("Bid saved"),
    "bid.withdraw": _("Bid withdrawn"),
    "contract.cancel": _("Contract cancelled"),
    "contract.clear": _("Contract cleared for signing"),
    "contract.liability_document": _("Supplier's liability document recorded"),
    "contract.periods": _("Contract periods set"),
    "contract.ready": _("Contract ready to be signed"),
    "contract.resume": _("Contract resumed"),
    "contract.sign": _("Contract signed"),
    "contract.standstill_end": _("Standstill ended"),
    "contract.suspend": _("Contract suspended"),
    "contract.withdraw": _("Contract withdrawn"),
    "decision.create": _("Decision drawn up"),
    "decision.propose": _("Award proposed"),
    "document.download": _("Document downloaded"),
    "framework.end": _("Framework agreement ended"),
    "framework.establish": _("Framework agreement concluded"),
    "framework.terminate": _("Framework agreement ended early"),
    # The recorded changes of a framework agreement (evaluation.framework_changes: "framework.<change kind>").
    "framework.option_exercised": _("Option of a framework agreement exercised"),
    "framework.option_declined": _("Option of a framework agreement not exercised"),
    "framework.member_left": _("Provider left a framework agreement"),
    "framework.member_added": _("Next-ranked bidder joined a framework agreement"),
    "framework.price_index": _("Price index adjustment of a framework agreement"),
    "framework.capacity": _("Capacity of a framework provider recorded"),
    "framework.terminated": _("Early end of a framework agreement recorded"),
    "mini_competition.create": _("Mini-competition drafted"),
    "document.rendered": _("Document made"),
    "document.request": _("Document requested"),
    "document.requeued": _("Document queued again"),
    "document.retry": _("Document retried"),
    "document.stuck_failed": _("Document failed"),
    "document.signed": _("Document signed"),
    "document.signing_failed": _("Signing a document failed"),
    "document.validation": _("Document's signature validated"),
    "documents.verify": _("Stored documents verified"),
    "evaluation.draw_confirmed": _("Draw of lots confirmed"),
    "evaluation.draw_started": _("Draw of lots started"),
    "evaluation.qualify": _("Qualification recorded"),
    "evaluation.reject_for_price": _("Offer rejected for its price"),
    "evaluation.reject_nonconforming": _("Offer rejected as not conforming"),
    "evaluation.results_read": _("Results read"),
    "evaluation.score_individual": _("Evaluator's scores recorded"),
    "evidence.download": _("Evidence bundle downloaded"),
    "archive.export": _("Archive transfer package made"),
    "record.dispose": _("Record destroyed after its retention period"),
    "record.retain": _("Record kept beyond its retention period"),
    "interruption.decide": _("Interruption decided"),
    "interruption.periods": _("Interruption periods set"),
    "lot.cancel": _("Lot cancelled"),
    "lot.declare_unsuccessful": _("Lot declared unsuccessful"),
    "notice.hilma_check": _("Notice checked by Hilma"),
    "notice.published": _("Notice published in Hilma"),
    "notice.queue": _("Notice queued for Hilma"),
    "notice.rejected": _("Notice rejected"),
    "notice.send": _("Notice sent to Hilma"),
    "notice.state": _("Notice's state in Hilma changed"),
    "notice.xml_read": _("Notice's XML downloaded"),
    "notice.check": _("Notice checked against the eForms rules"),
    "notice.generate": _("Notice generated"),
    "notice.regenerate": _("Notice made anew"),
    "notification.failed": _("Notification not delivered"),
    "notification.resend": _("Notification sent again"),
    "notification.sent": _("Notification sent"),
    "panel.add": _("Panel member named"),
    "panel.declare": _("Conflict of interest declared"),
    "provider.invite": _("Member invited"),
    "provider.join": _("Member joined"),
    "provider.register": _("Provider registered"),
    "question.answer": _("Question answered"),
    "question.edit": _("Question's wording edited"),
    "question.ask": _("Question asked"),
    "request.answer": _("Request answered"),
    "request.clarification": _("Clarification requested"),
    "request.price_explanation": _("Price explanation requested"),
    "tender.amend": _("Call amended"),
    "tender.approve": _("Call approved"),
    "tender.bids_unsealed": _("Bids unsealed"),
    "tender.cancel": _("Procurement interrupted"),
    "tender.close": _("Call closed"),
    "tender.complete": _("Procedure completed"),
    "tender.create": _("Call drafted"),
    "tender.deadline_extended": _("Tender deadline extended"),
    "tender.decide": _("Procurement decision made"),
    "tender.declare_unsuccessful": _("Call declared unsuccessful"),
    "tender.evaluate": _("Evaluation completed"),
    "tender.follow": _("Call followed"),
    "tender.unfollow": _("Call no longer followed"),
    "tender.open": _("Bids opened"),
    "secrecy.decide": _("Decision on a business secret recorded"),
    "secrecy.notify": _("Bidder told of the decision on its business secrets"),
    "secrecy.read": _("Business secrets of a bid read for review"),
    "secrecy.start": _("Review of business secrets started"),
    "tender.open_requested": _("Opening requested"),
    "tender.hilma_procedure": _("Procedure created in Hilma"),
    "tender.publish": _("Call published"),
    "tender.return_to_draft": _("Call returned for editing"),
    "tender.submit_for_approval": _("Call submitted for approval"),
    "tender.timeline_changed": _("Timetable changed"),
    "tender.update": _("Draft saved"),
    "tender_key.rewrap": _("Call's sealing key renewed"),
    "user.preferences": _("Notification choices changed"),
}

# What each kind of security-log row was (refusals that name no user, procurement.securitylog); the test beside
# the audit one finds every kind the code records.
SECURITY_EVENTS = {
    "access.unauthenticated": _("Request without signing in refused"),
    # The kinds the audit log records too (where the request names its user) are named as there.
    **{
        code: AUDIT_ACTIONS[code]
        for code in (
            "access.denied",
            "access.not_found",
            "access.throttled",
            "access_request.create",
            "access_request.decide",
            "access_request.disclose",
            "access_request.download",
            "bid.read_for_disclosure",
            "auth.login_failed",
            "auth.locked_out",
            "auth.login_throttled",
        )
    },
    "auth.password_reset_requested": _("Password reset asked for an unknown address"),
    "auth.password_reset_throttled": AUDIT_ACTIONS["auth.password_reset_throttled"],
}

# What the audit chain's verification found (procurement.auditchain.ChainReport.code), for the auditors' page; the
# report's own `problem` adds the details (event and line numbers) in English, for the administrators.
CHAIN_PROBLEMS = {
    "event_missing": _("An event is missing from the chain."),
    "link_broken": _("An event does not link to the one before it."),
    "event_changed": _("An event was changed after it was written."),
    "rewritten": _("The chain was rewritten: an event no longer has the hash its anchor recorded."),
    "tail_missing": _("Events at the end of the chain were deleted."),
    "anchor_invalid": _("The file of the chain's anchors holds a line that is not a valid anchor."),
    "anchor_restarted": _("The file of the chain's anchors was cut or started anew."),
    "anchor_missing": _("The file of the chain's anchors is missing."),
}

# What an audited object of each kind is called, by the first part of its action.
AUDIT_SUBJECTS = {
    "access": _("Access"),
    "access_request": _("Request for documents"),
    "alert": _("Alert"),
    "answers": _("Answers"),
    "appeal": _("Appeal"),
    "archive": _("Archive transfer"),
    "attachment": _("Attachment"),
    "audit": _("Audit log"),
    "auth": _("Sign-in"),
    "bid": _("Bid"),
    "call_document": _("File of the call"),
    "call_off": _("Call-off order"),
    "claim": _("Claim for rectification"),
    "comparison": _("Comparison of tenders"),
    "contract": _("Contract"),
    "decision": _("Decision"),
    "document": _("Document"),
    "evaluation": _("Evaluation"),
    "evidence": _("Evidence bundle"),
    "interruption": _("Interruption"),
    "lot": _("Lot"),
    "notice": _("Notice in Hilma"),
    "notification": _("Notification"),
    "panel": _("Evaluation panel"),
    "provider": _("Provider"),
    "question": _("Question"),
    "record": _("Retention of records"),
    "request": _("Request"),
    "secrecy": _("Business secrets"),
    "tender": _("Call for tenders"),
    "tender_key": _("Call for tenders"),
    "user": _("User"),
}


def notification_kind_label(kind: str) -> str:
    """The short name of a notification kind, for the inbox (from the one registry of kinds, where its app puts it)."""
    from .notifications import KINDS

    registered = KINDS.get(kind)
    return str(registered.label if registered is not None else _("Notification"))


def audit_action_label(action: str) -> str:
    """The action in words; an action without its own label is named by what it concerns."""
    label = AUDIT_ACTIONS.get(action)
    if label is not None:
        return str(label)
    subject = AUDIT_SUBJECTS.get(action.partition(".")[0])
    return str(_("%(subject)s: other event") % {"subject": subject}) if subject else str(_("Other event"))


def security_event_label(action: str) -> str:
    """A security-log row's kind in words; one the map does not know yet is named by what it concerns."""
    label = SECURITY_EVENTS.get(action)
    return str(label) if label is not None else audit_action_label(action)


def chain_problem_label(code: str) -> str:
    return str(CHAIN_PROBLEMS.get(code) or _("The chain does not match what was recorded."))


def audit_object_label(object_type: str, object_id) -> str:
    """`tenders.tender` 8 as “Call for tenders 8”: the model's own name, then its number."""
    if not object_type:
        return ""
    model = {code: label for label, code in STABLE_OBJECT_TYPES.items()}.get(object_type, object_type)
    try:
        name = capfirst(apps.get_model(model)._meta.verbose_name)
    except (LookupError, ValueError):
        name = _("Record")
    return f"{name} {object_id}".strip()


def language_label(code: str) -> str:
    """“fi” as Finnish, in the reader's language."""
    from .models import Language

    code = str(code or "")
    try:
        return str(Language(code).label)
    except ValueError:
        return code.upper()


def attachment_purpose_label(purpose: str, tender=None) -> str:
    """What a bidder said an attachment is for: “criterion:24” as “Quality criterion 1: Teaching plan”."""
    kind, _colon, ident = str(purpose or "").partition(":")
    if kind == "criterion":
        criterion = tender.criteria.filter(pk=ident).first() if tender is not None and ident.isdigit() else None
        if criterion is None:
            return str(_("Quality criterion"))
        return str(_("Quality criterion %(number)s: %(name)s") % {"number": criterion.number, "name": criterion.name})
    if kind == "requirement":
        requirement = tender.requirements.filter(pk=ident).first() if tender is not None and ident.isdigit() else None
        if requirement is None:
            return str(_("Suitability requirement"))
        return str(_("Requirement %(number)s") % {"number": requirement.number})
    return str(_("Other"))


# How a document's subject of each kind is named (“lot” -> its number and title), by the app that knows it (e.g.
# tenders.hooks), given the subject's id.
DOCUMENT_SUBJECTS: dict[str, Callable[[str], str]] = {}


def document_subject_label(subject: str) -> str:
    """What a generated document is about: “lot:15” as “Lot 2: its title”."""
    kind, _colon, ident = str(subject or "").partition(":")
    label = DOCUMENT_SUBJECTS.get(kind)
    if label is not None and ident.isdigit():
        return label(ident)
    return ""
