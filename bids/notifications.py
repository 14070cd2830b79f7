"""The notifications about a provider's own bid (sealed until the opening: their kinds start with "bid.", see
procurement.notifications.SEALED_KIND_PREFIX), and what a receipt's sending records. Registered in the one registry
of kinds (procurement.notifications) when the app is ready (bids.apps)."""

from django.utils.translation import gettext_lazy as _

from procurement.models import Notification
from procurement.notifications import Kind, register_kinds


def _receipt_after_sent(notification: Notification) -> None:
    """The receipt's e-mail was accepted: its bid version records when."""
    from .models import BidVersion

    BidVersion.objects.filter(pk=int(notification.key.split(":")[1]), emailed_at__isnull=True).update(
        emailed_at=notification.sent_at
    )


KINDS = {
    "bid.sent_back": Kind(
        _("Your bid was sent back to draft: %(title)s"),
        _(
            "The call for tenders %(title)s was changed (version %(version)s) in a way that affects the bids already "
            "submitted, so your bid was sent back to draft: it is no longer submitted. Why: %(affects_bids_reason)s "
            "Check your bid against the new version and submit it again by %(deadline)s; a bid not submitted again "
            "by then does not take part."
        ),
        label=_("Bid sent back to draft"),
    ),
    "bid.receipt": Kind(
        _("Receipt of your bid: %(title)s"),
        _("Your bid was received at %(received)s. The receipt is attached; its manifest SHA-256 is %(sha)s."),
        label=_("Receipt of a bid"),
        after_sent=_receipt_after_sent,
    ),
    "secrecy.decision": Kind(
        _("Decision on your business secrets: %(title)s"),
        _(
            "The contracting authority has decided which parts of your bid that you marked as business secrets stay "
            "secret; the decision and its reasons are attached. What it does not hold secret may be disclosed from "
            "%(effective_from)s, not before."
        ),
        label=_("Decision on business secrets"),
    ),
}

register_kinds(KINDS)
