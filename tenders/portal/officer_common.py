"""Shared parts of the authority's portal pages: finding our call, Helsinki wall times, the call's tabs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.periods import HELSINKI
from procurement.walltime import helsinki_wall_time
from tenders.models import Tender, TenderStatus
from tenders.selectors import tender_get


def our_tender(request, pk, *, check: Callable[..., object] | None = None) -> Tender:
    """The call, if it belongs to an authority the user works for; anyone else gets 404, as in the API.

    `check` is the rule of the page's form, the service's `*_check(actor=, tender_id=)` that the API also asks
    first: on a POST it runs here, before the view reads the form, so that a caller who may not send the form is
    refused (403, 404, or 409 outside its stage, as an error page) whatever the form holds."""
    tender = tender_get(user=request.user, tender_id=pk)
    roles = roles_of(request.user)
    if not (roles.reads_authority(tender.authority_id) or tender.authority_id in roles.decision_maker_of):
        raise NotFound()
    if check is not None and request.method == "POST":
        check(actor=request.user, tender_id=tender.pk)
    return tender


class HelsinkiDateTimeField(forms.DateTimeField):
    """A wall time in Europe/Helsinki; a time that does not exist or happens twice at a DST change is refused."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
        kwargs.setdefault("help_text", _("Finnish time (Europe/Helsinki)."))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        for fmt in self.input_formats:
            try:
                naive = datetime.strptime(text, fmt)  # noqa: DTZ007 - a wall time, read in Helsinki below
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return helsinki_wall_time(naive)
        except serializers.ValidationError as exc:
            raise forms.ValidationError([str(m) for m in exc.detail], code="wall_time") from exc

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(HELSINKI)
        return value


@dataclass(frozen=True)
class TenderLink:
    url: str
    label: str
    current: bool


def tender_nav(request, tender: Tender, current: str) -> list[TenderLink]:
    """The tabs of one call for the authority: what exists at its stage."""
    status = tender.status
    after_opening = tender.opened_at is not None
    links = [("tenders:officer_call", _("Overview"))]
    if status == TenderStatus.DRAFT and may_act_as_officer(request, tender):
        # Only the officers save a draft (tender_update): an evaluator is not offered an editor it cannot save.
        links.append(("tenders:officer_draft", _("Edit the draft")))
    if tender.published_at is not None:
        links.append(("tenders:officer_questions", _("Questions")))
    if status == TenderStatus.PUBLISHED:
        links.append(("tenders:officer_amend", _("Corrigendum")))
    if status in (TenderStatus.CLOSED, TenderStatus.OPENED) or after_opening:
        links.append(("evaluation:opening", _("Opening")))
    if after_opening:
        links += [
            ("evaluation:panel", _("Panel")),
            ("evaluation:bids", _("Bids")),
            ("evaluation:qualification", _("Qualification")),
            ("evaluation:requests", _("Requests to bidders")),
            ("evaluation:prices", _("Prices (section 96)")),
            ("evaluation:individual_scores", _("Individual scores")),
            ("evaluation:scores", _("Scores")),
            ("evaluation:results", _("Comparison")),
        ]
    if tender.decided_at is not None or status == TenderStatus.EVALUATED:
        links.append(("evaluation:decision", _("Decision and contracts")))
    if tender.decided_at is not None:
        links.append(("access:list", _("Requests for documents")))
    return [TenderLink(reverse(name, args=[tender.pk]), label, name == current) for name, label in links]


def may_act_as_officer(request, tender: Tender) -> bool:
    return roles_of(request.user).is_officer(tender.authority_id)


# A framework's texts, in the draft and in a corrigendum: the rule that chooses the call-off method (in Swedish too
# for a bilingual authority), and the reason for a term of more than four years.
def call_off_rule_field(**kwargs: Any) -> forms.CharField:
    return _framework_text(_("Rule for choosing the call-off method"), **kwargs)


def call_off_rule_sv_field() -> forms.CharField:
    return _framework_text(_("Rule for choosing the call-off method, in Swedish"))


def framework_long_term_reason_field(**kwargs: Any) -> forms.CharField:
    return _framework_text(_("Reason for a framework longer than four years"), **kwargs)


def _framework_text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}), required=False, **kwargs)
