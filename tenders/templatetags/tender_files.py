"""The call's files on its page (`{% tender_files_of tender as files %}`), a version's changes in words
(`{{ version.changed_fields|change_labels }}`), and what sent a bid back to draft (`{% sent_back_version bid %}`)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from procurement.errors import NotFound
from tenders.models import Tender, TenderDocument, TenderVersion
from tenders.tender_documents import tender_documents_for

register = template.Library()


class SentBack(Protocol):
    """A bid (the bids app is above this one): its call, and when it was sent back to draft."""

    tender_id: int
    returned_at: datetime | None


CHILD_LABELS = {
    "lots": _("Lots"),
    "criteria": _("Quality criteria"),
    "requirements": _("Suitability requirements"),
    "call_documents": _("Files of the call"),
    "exclusion_grounds": _("Exclusion grounds"),
}


def change_label(name: str) -> str:
    if name in CHILD_LABELS:
        return str(CHILD_LABELS[name])
    try:
        return str(capfirst(Tender._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


@register.filter
def change_labels(names: Iterable[str] | None) -> str:
    """The changed parts of the call in words, e.g. “Tender deadline, Quality criteria”."""
    return ", ".join(change_label(name) for name in names or [])


@register.simple_tag(takes_context=True)
def tender_files_of(context: template.Context, tender: Tender) -> dict[str, list[TenderDocument]]:
    """{current, withdrawn}: the call's files that the user may read (none before publication, except for the
    authority's people)."""
    try:
        documents = tender_documents_for(user=context["request"].user, tender_id=tender.pk, include_withdrawn=True)
    except NotFound:
        documents = []
    return {
        "current": [d for d in documents if d.withdrawn_in_version is None],
        "withdrawn": [d for d in documents if d.withdrawn_in_version is not None],
    }


@register.simple_tag
def sent_back_version(bid: SentBack | None) -> TenderVersion | None:
    """The version of the call (a corrigendum) that sent the bid back to draft, if it is back for that reason."""
    if bid is None or not bid.returned_at:
        return None
    return (
        TenderVersion.objects.filter(tender_id=bid.tender_id, created_at__lte=bid.returned_at, number__gt=1)
        .order_by("-number")
        .first()
    )
