"""The Swedish texts a bilingual authority's documents need, and the refusal that names each one still missing.

Finnish and Swedish are both official: a bilingual authority's call, comparison reports, decision and letters carry
every officer-written part in both (domain.md, "Languages"). Its Finnish text is the main field (`title`, `reason`)
and the Swedish one the counterpart of the same name with `_sv` appended (`title_sv`, `reason_sv`); the documents'
Swedish sections read it with `{{ obj|sv:"field" }}`. A one-language authority writes its call's language in the main
fields and needs no counterpart (a Swedish-only authority's `title` is Swedish), so nothing here applies to it.

The checks run where a document is made: publishing the call (and submitting it for approval, approving it, and a
corrigendum), finishing the evaluation, proposing and deciding the award. The evaluation asks for everything the
decision will state: it makes the comparison reports, and once it is finished the scores, the qualification and the
price rejections can no longer be corrected, so a Swedish text missing then could not be added before the decision.
The comparison reports are thus refused rather than made with a gap."""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from procurement.errors import ValidationFailed

from . import asks
from .models import Tender

CODE = "swedish_text_missing"


class Stage(StrEnum):
    CALL = "call"  # the call for tenders: title, description, lots, criteria, requirements
    # The comparison reports, the decision and the letters: titles, criteria names, the panel's reasons and every
    # reason of a rejection or an interruption.
    DECISION = "decision"


@dataclass(frozen=True)
class MissingText:
    """One Swedish text still missing: where it goes (`field`, a path like "lots.2.title_sv") and its name."""

    field: str
    label: object  # lazy: the officer reads it in their own language

    def as_dict(self) -> dict:
        return {"code": CODE, "field": self.field, "message": str(self.label)}


def is_bilingual(tender: Tender) -> bool:
    return tender.authority.language_status == "bilingual"


def in_language(obj, field: str, language: str | None = None) -> str:
    """An officer's text for a reader of `language` (default: the active one): its Swedish counterpart for a Swedish
    reader when written, the text itself otherwise (as `{{ obj|sv:"field" }}` does in a document's Swedish section)."""
    language = language or get_language() or ""
    swedish = getattr(obj, f"{field}_sv", "") if language.startswith("sv") else ""
    return swedish or getattr(obj, field, "") or ""


def swedish_missing(main: str, swedish: str) -> bool:
    """A text that exists in Finnish but not in Swedish (an empty optional text needs no translation)."""
    return bool((main or "").strip()) and not (swedish or "").strip()


def _tender_texts(tender: Tender, *, full: bool) -> list[MissingText]:
    """The call's own texts; `full`: also those only the call shows (description, guidance, evidence)."""
    found = []
    if swedish_missing(tender.title_fi or "-", tender.title_sv):
        found.append(MissingText("title_sv", _("Title of the call in Swedish")))
    if full and swedish_missing(tender.description_fi, tender.description_sv):
        found.append(MissingText("description_sv", _("Description of the call in Swedish")))
    if full and tender.is_framework and swedish_missing(tender.call_off_rule, tender.call_off_rule_sv):
        found.append(MissingText("call_off_rule_sv", _("Rule for choosing the call-off method, in Swedish")))
    for lot in tender.lots.order_by("number"):
        if swedish_missing(lot.title, lot.title_sv):
            found.append(
                MissingText(
                    f"lots.{lot.number}.title_sv", format_lazy(_("Lot {number}: title in Swedish"), number=lot.number)
                )
            )
    for criterion in tender.criteria.order_by("number"):
        if swedish_missing(criterion.name, criterion.name_sv):
            found.append(
                MissingText(
                    f"criteria.{criterion.number}.name_sv",
                    format_lazy(_("Criterion {number}: name in Swedish"), number=criterion.number),
                )
            )
        if full and swedish_missing(criterion.guidance, criterion.guidance_sv):
            found.append(
                MissingText(
                    f"criteria.{criterion.number}.guidance_sv",
                    format_lazy(_("Criterion {number}: scoring guidance in Swedish"), number=criterion.number),
                )
            )
    if full:
        for requirement in tender.requirements.order_by("number"):
            if swedish_missing(requirement.text, requirement.text_sv):
                found.append(
                    MissingText(
                        f"requirements.{requirement.number}.text_sv",
                        format_lazy(_("Requirement {number}: text in Swedish"), number=requirement.number),
                    )
                )
            if swedish_missing(requirement.evidence, requirement.evidence_sv):
                found.append(
                    MissingText(
                        f"requirements.{requirement.number}.evidence_sv",
                        format_lazy(_("Requirement {number}: evidence asked, in Swedish"), number=requirement.number),
                    )
                )
    return found


def swedish_texts_missing(tender: Tender, *, stage: str) -> list[MissingText]:
    """Every Swedish text the documents of `stage` need and do not have yet; empty for a one-language authority."""
    if not is_bilingual(tender):
        return []
    if Stage(stage) == Stage.CALL:
        return _tender_texts(tender, full=True)
    return _tender_texts(tender, full=False) + [text for texts in asks.decision_texts for text in texts(tender)]


REFUSAL = _(
    "A bilingual authority's documents are made in Finnish and in Swedish: write the missing Swedish texts first."
)


def swedish_texts_check(tender: Tender, *, stage: str) -> None:
    """Refuse (400 swedish_text_missing, naming each text) while a Swedish text the stage's documents need is
    missing; the same kind of refusal as a call that is not complete enough to publish."""
    missing = swedish_texts_missing(tender, stage=stage)
    if missing:
        raise ValidationFailed(
            REFUSAL,
            code=CODE,
            errors={"swedish": [m.as_dict() for m in missing]},
            missing=[m.field for m in missing],
        )


def swedish_reason_check(tender: Tender, *, reason: str, reason_sv: str, field: str = "reason_sv") -> None:
    """An officer's reason given now (an interruption's): a bilingual authority gives it in Swedish too."""
    if is_bilingual(tender) and swedish_missing(reason, reason_sv):
        raise ValidationFailed(
            REFUSAL,
            code=CODE,
            errors={field: [{"code": CODE, "message": str(_("Give the reason in Swedish too."))}]},
            missing=[field],
        )
