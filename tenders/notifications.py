"""The notifications of the calls for tenders: their kinds and texts, and what an interruption's notification sets
going when it is sent (or sent again). Registered in the one registry of kinds (procurement.notifications) when the
app is ready (tenders.apps)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from procurement.notifications import Kind, register_kinds

from .interruption import interruption_after_sent, interruption_for_resend

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The notifications of an interruption decision (tenders.interruption): their sending starts its periods.
INTERRUPTION = frozenset({"interruption"})


def interruption_kind(subject: "StrOrPromise", body: "StrOrPromise", label: "StrOrPromise") -> Kind:
    """A kind of an interruption decision's notification: tagged as one, its sending (or sending again) sets the
    interruption's periods going."""
    return Kind(
        subject,
        body,
        label=label,
        tags=INTERRUPTION,
        after_sent=interruption_after_sent,
        on_resend=interruption_for_resend,
    )


KINDS = {
    "tender.published": Kind(
        _("New call for tenders: %(title)s"),
        _(
            "%(authority)s has published a call for tenders that matches your alerts: %(title)s. "
            "The tender deadline is %(deadline)s."
        ),
        calendar="deadline",
        calendar_summary=_("Tender deadline: %(title)s"),
        label=_("New call for tenders"),
        open=True,
    ),
    "tender.amended": Kind(
        _("The call for tenders has changed: %(title)s"),
        _("The call for tenders %(title)s has been changed (version %(version)s). Reason: %(reason)s"),
        label=_("Call changed"),
    ),
    "answers.published": Kind(
        _("Answers to questions: %(title)s"),
        _(
            "The answers to %(questions)s questions about %(title)s have been published (bulletin %(bulletin)s). "
            "The tender deadline is %(deadline)s."
        ),
        label=_("Answers to questions"),
    ),
    "deadline.reminder": Kind(
        _("Tender deadline approaching: %(title)s"),
        _(
            "The tender deadline of %(title)s is %(deadline)s. Bids are accepted only until then; "
            "a calendar entry is attached."
        ),
        calendar="deadline",
        calendar_summary=_("Tender deadline: %(title)s"),
        label=_("Tender deadline approaching"),
    ),
    "questions.reminder": Kind(
        _("Questions deadline approaching: %(title)s"),
        _("Questions about %(title)s can be asked until %(deadline)s. A calendar entry is attached."),
        calendar="deadline",
        calendar_summary=_("Questions deadline: %(title)s"),
        label=_("Questions deadline approaching"),
    ),
    "tender.approval_requested": Kind(
        _("A call waits for your approval: %(title)s"),
        _(
            "%(requested_by)s has sent the call for tenders %(title)s for approval. Another officer than its author "
            "approves it or returns it to draft."
        ),
        label=_("Call waiting for approval"),
        task=True,
    ),
    "tender.returned": Kind(
        _("The call was returned to draft: %(title)s"),
        _(
            "The call for tenders %(title)s was returned to draft. Correct it and send it for approval again. "
            "%(comment)s"
        ),
        label=_("Call returned to draft"),
        task=True,
    ),
    "tender.closed": Kind(
        _("Bids ready to be opened: %(title)s"),
        _(
            "The tender deadline of %(title)s passed at %(deadline)s. %(bids)s bids were received; "
            "two officers can now open them."
        ),
        label=_("Bids ready to be opened"),
        task=True,
    ),
    "tender.cancelled": interruption_kind(
        _("The procurement was interrupted: %(title)s"),
        _("The contracting authority has interrupted the procurement %(title)s. Reason: %(reason)s"),
        _("Procurement interrupted"),
    ),
    "lot.cancelled": interruption_kind(
        _("A lot was cancelled: %(title)s"),
        _("Lot %(lot)s of %(title)s was cancelled. Reason: %(reason)s"),
        _("Lot cancelled"),
    ),
    "lot.unsuccessful": interruption_kind(
        _("A lot was found unsuccessful: %(title)s"),
        _(
            "Lot %(lot)s of %(title)s was found unsuccessful: no acceptable bids. The decision, with its "
            "instructions for redress and their dates, is attached. Reason: %(reason)s"
        ),
        _("Lot unsuccessful"),
    ),
    "tender.unsuccessful": interruption_kind(
        _("The procurement was found unsuccessful: %(title)s"),
        _(
            "The procurement %(title)s was interrupted: no acceptable bids. The decision, with its instructions "
            "for redress and their dates, is attached. Reason: %(reason)s"
        ),
        _("Procurement unsuccessful"),
    ),
    "notice.published": Kind(
        _("The notice was published in Hilma: %(title)s"),
        _(
            "The notice (type %(notice)s, version %(version)s) of %(title)s was published in Hilma on %(date)s "
            "with the number %(number)s."
        ),
        label=_("Notice published"),
    ),
    "notice.rejected": Kind(
        _("The notice was not published: %(title)s"),
        _(
            "The notice (type %(notice)s, version %(version)s) of %(title)s was rejected by %(source)s. "
            "Reasons: %(reasons)s. Correct the notice and send it again: it goes as a new version."
        ),
        label=_("Notice rejected"),
        task=True,
    ),
}

register_kinds(KINDS)
