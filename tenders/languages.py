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

from .models import LotStatus, Tender

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


def _missing(main: str, swedish: str) -> bool:
    """A text that exists in Finnish but not in Swedish (an empty optional text needs no translation)."""
    return bool((main or "").strip()) and not (swedish or "").strip()


def _call_texts(tender: Tender, *, full: bool) -> list[MissingText]:
    """The call's own texts; `full`: also those only the call shows (description, guidance, evidence)."""
    found = []
    if _missing(tender.title_fi or "-", tender.title_sv):
        found.append(MissingText("title_sv", _("Title of the call in Swedish")))
    if full and _missing(tender.description_fi, tender.description_sv):
        found.append(MissingText("description_sv", _("Description of the call in Swedish")))
    for lot in tender.lots.order_by("number"):
        if _missing(lot.title, lot.title_sv):
            found.append(
                MissingText(
                    f"lots.{lot.number}.title_sv", format_lazy(_("Lot {number}: title in Swedish"), number=lot.number)
                )
            )
    for criterion in tender.criteria.order_by("number"):
        if _missing(criterion.name, criterion.name_sv):
            found.append(
                MissingText(
                    f"criteria.{criterion.number}.name_sv",
                    format_lazy(_("Criterion {number}: name in Swedish"), number=criterion.number),
                )
            )
        if full and _missing(criterion.guidance, criterion.guidance_sv):
            found.append(
                MissingText(
                    f"criteria.{criterion.number}.guidance_sv",
                    format_lazy(_("Criterion {number}: scoring guidance in Swedish"), number=criterion.number),
                )
            )
    if full:
        for requirement in tender.requirements.order_by("number"):
            if _missing(requirement.text, requirement.text_sv):
                found.append(
                    MissingText(
                        f"requirements.{requirement.number}.text_sv",
                        format_lazy(_("Requirement {number}: text in Swedish"), number=requirement.number),
                    )
                )
            if _missing(requirement.evidence, requirement.evidence_sv):
                found.append(
                    MissingText(
                        f"requirements.{requirement.number}.evidence_sv",
                        format_lazy(_("Requirement {number}: evidence asked, in Swedish"), number=requirement.number),
                    )
                )
    return found


def _score_reasons(tender: Tender) -> list[MissingText]:
    """The panel's consensus reasons of the offers compared: those of qualified bids, not rejected for their price,
    in lots still open or awarded (the offers the ranking has, or will have once the evaluation is finished)."""
    from bids.models import BidStatus
    from evaluation.models import QualityScore
    from evaluation.qualification import qualification_state

    qualified, _failed, _unchecked = qualification_state(tender)
    scores = (
        QualityScore.objects.filter(
            lot_offer__bid__in=qualified,
            lot_offer__bid__status=BidStatus.SUBMITTED,
            lot_offer__price_rejection__isnull=True,
            lot_offer__conformity_rejection__isnull=True,
            lot_offer__lot__status__in=(LotStatus.OPEN, LotStatus.AWARDED),
        )
        .select_related("lot_offer__lot", "lot_offer__bid__provider", "criterion")
        .order_by("lot_offer__lot__number", "lot_offer__bid__provider__name", "criterion__number")
    )
    return [
        MissingText(
            f"scores.{score.pk}.reason_sv",
            format_lazy(
                _("Lot {lot}: the quality score of {provider} on criterion {number}: reason in Swedish"),
                lot=score.lot_offer.lot.number,
                provider=score.lot_offer.bid.provider.name,
                number=score.criterion.number,
            ),
        )
        for score in scores
        if _missing(score.reason, score.reason_sv)
    ] + [
        MissingText(
            f"scores.{score.pk}.public_reason_sv",
            format_lazy(
                _(
                    "Lot {lot}: the quality score of {provider} on criterion {number}: reason for the other bidders in "
                    "Swedish"
                ),
                lot=score.lot_offer.lot.number,
                provider=score.lot_offer.bid.provider.name,
                number=score.criterion.number,
            ),
        )
        for score in scores
        if _missing(score.public_reason, score.public_reason_sv)
    ]


def _rejection_reasons(tender: Tender) -> list[MissingText]:
    """The reasons the decision and the letters give: failed qualification checks, price rejections, lots cancelled
    or found unsuccessful."""
    from bids.models import BidStatus
    from evaluation.models import ConformityRejection, PriceRejection, QualificationCheck

    found = []
    requirements = dict(tender.requirements.values_list("pk", "number"))
    for check in (
        QualificationCheck.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED, passed=False)
        .select_related("bid__provider")
        .order_by("bid__provider__name", "subject")
    ):
        if _missing(check.public_reason, check.public_reason_sv):
            found.append(
                MissingText(
                    f"qualification.{check.pk}.public_reason_sv",
                    format_lazy(
                        _("Qualification of {provider}: the reason for the other bidders in Swedish"),
                        provider=check.bid.provider.name,
                    ),
                )
            )
        if not _missing(check.reason, check.reason_sv):
            continue
        if check.subject.startswith("requirement:"):
            number = requirements.get(int(check.subject.split(":")[1]), "?")
            label = format_lazy(
                _("Qualification of {provider}, requirement {number}: reason in Swedish"),
                provider=check.bid.provider.name,
                number=number,
            )
        else:
            label = format_lazy(
                _("Qualification of {provider}, grounds for exclusion: reason in Swedish"),
                provider=check.bid.provider.name,
            )
        found.append(MissingText(f"qualification.{check.pk}.reason_sv", label))
    for rejection in (
        PriceRejection.objects.filter(lot_offer__bid__tender=tender)
        .select_related("lot_offer__lot", "lot_offer__bid__provider")
        .order_by("lot_offer__lot__number", "lot_offer__bid__provider__name")
    ):
        names = {"lot": rejection.lot_offer.lot.number, "provider": rejection.lot_offer.bid.provider.name}
        if _missing(rejection.reason, rejection.reason_sv):
            found.append(
                MissingText(
                    f"price_rejections.{rejection.pk}.reason_sv",
                    format_lazy(_("Lot {lot}: the price rejection of {provider}: reason in Swedish"), **names),
                )
            )
        if _missing(rejection.assessment, rejection.assessment_sv):
            found.append(
                MissingText(
                    f"price_rejections.{rejection.pk}.assessment_sv",
                    format_lazy(
                        _("Lot {lot}: the price rejection of {provider}: assessment of the explanation in Swedish"),
                        **names,
                    ),
                )
            )
    for rejection in (
        ConformityRejection.objects.filter(lot_offer__bid__tender=tender)
        .select_related("lot_offer__lot", "lot_offer__bid__provider")
        .order_by("lot_offer__lot__number", "lot_offer__bid__provider__name")
    ):
        if _missing(rejection.reason, rejection.reason_sv):
            found.append(
                MissingText(
                    f"conformity_rejections.{rejection.pk}.reason_sv",
                    format_lazy(
                        _("Lot {lot}: the rejection of {provider} as not conforming to the call: reason in Swedish"),
                        lot=rejection.lot_offer.lot.number,
                        provider=rejection.lot_offer.bid.provider.name,
                    ),
                )
            )
    for lot in tender.lots.filter(status__in=(LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL)).order_by("number"):
        if _missing(lot.status_reason, lot.status_reason_sv):
            found.append(
                MissingText(
                    f"lots.{lot.number}.status_reason_sv",
                    format_lazy(_("Lot {number}: reason for its interruption in Swedish"), number=lot.number),
                )
            )
    return found


def swedish_texts_missing(tender: Tender, *, stage: str) -> list[MissingText]:
    """Every Swedish text the documents of `stage` need and do not have yet; empty for a one-language authority."""
    if not is_bilingual(tender):
        return []
    if Stage(stage) == Stage.CALL:
        return _call_texts(tender, full=True)
    return _call_texts(tender, full=False) + _score_reasons(tender) + _rejection_reasons(tender)


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
    if is_bilingual(tender) and _missing(reason, reason_sv):
        raise ValidationFailed(
            REFUSAL,
            code=CODE,
            errors={field: [{"code": CODE, "message": str(_("Give the reason in Swedish too."))}]},
            missing=[field],
        )
