"""The Swedish texts of the evaluation that a bilingual authority's comparison reports, decision and letters need
(`tenders.languages`, stage "decision"): the panel's reasons and every reason of a rejection or an interruption. They
join the call's own texts through `tenders.asks.decision_texts` (registered in `EvaluationConfig.ready()`)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus
from tenders.languages import MissingText, swedish_missing
from tenders.models import LotStatus, Tender

from .models import ConformityRejection, PriceRejection, QualificationCheck, QualityScore
from .qualification import qualification_state


def score_reasons(tender: Tender) -> list[MissingText]:
    """The panel's consensus reasons of the offers compared: those of qualified bids, not rejected for their price,
    in lots still open or awarded (the offers the ranking has, or will have once the evaluation is finished)."""
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
        if swedish_missing(score.reason, score.reason_sv)
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
        if swedish_missing(score.public_reason, score.public_reason_sv)
    ]


def rejection_reasons(tender: Tender) -> list[MissingText]:
    """The reasons the decision and the letters give: failed qualification checks, price rejections, lots cancelled
    or found unsuccessful."""
    found = []
    requirements = dict(tender.requirements.values_list("pk", "number"))
    for check in (
        QualificationCheck.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED, passed=False)
        .select_related("bid__provider")
        .order_by("bid__provider__name", "subject")
    ):
        if swedish_missing(check.public_reason, check.public_reason_sv):
            found.append(
                MissingText(
                    f"qualification.{check.pk}.public_reason_sv",
                    format_lazy(
                        _("Qualification of {provider}: the reason for the other bidders in Swedish"),
                        provider=check.bid.provider.name,
                    ),
                )
            )
        if not swedish_missing(check.reason, check.reason_sv):
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
        if swedish_missing(rejection.reason, rejection.reason_sv):
            found.append(
                MissingText(
                    f"price_rejections.{rejection.pk}.reason_sv",
                    format_lazy(_("Lot {lot}: the price rejection of {provider}: reason in Swedish"), **names),
                )
            )
        if swedish_missing(rejection.assessment, rejection.assessment_sv):
            found.append(
                MissingText(
                    f"price_rejections.{rejection.pk}.assessment_sv",
                    format_lazy(
                        _("Lot {lot}: the price rejection of {provider}: assessment of the explanation in Swedish"),
                        **names,
                    ),
                )
            )
    for conformity in (
        ConformityRejection.objects.filter(lot_offer__bid__tender=tender)
        .select_related("lot_offer__lot", "lot_offer__bid__provider")
        .order_by("lot_offer__lot__number", "lot_offer__bid__provider__name")
    ):
        if swedish_missing(conformity.reason, conformity.reason_sv):
            found.append(
                MissingText(
                    f"conformity_rejections.{conformity.pk}.reason_sv",
                    format_lazy(
                        _("Lot {lot}: the rejection of {provider} as not conforming to the call: reason in Swedish"),
                        lot=conformity.lot_offer.lot.number,
                        provider=conformity.lot_offer.bid.provider.name,
                    ),
                )
            )
    for lot in tender.lots.filter(status__in=(LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL)).order_by("number"):
        if swedish_missing(lot.status_reason, lot.status_reason_sv):
            found.append(
                MissingText(
                    f"lots.{lot.number}.status_reason_sv",
                    format_lazy(_("Lot {number}: reason for its interruption in Swedish"), number=lot.number),
                )
            )
    return found
