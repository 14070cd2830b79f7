"""Serialisers of bids: the content's input shape, and the bid as its reader may see it."""

from decimal import Decimal

from rest_framework import serializers

from procurement.validators import NameField

from ..content import comparison_price, unit_price_field
from ..models import Bid, SecrecyGround, SecrecyOutcome


class LotOfferInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    unit_price = unit_price_field(serializers.DecimalField)
    vat_rate = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        default=Decimal("0"),
        help_text="A Finnish VAT rate in force (checked against the dated rates); education is usually 0.",
    )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # Stored as strings so that the sealed JSON keeps the exact decimals.
        return {**value, "unit_price": str(value["unit_price"]), "vat_rate": str(value["vat_rate"])}


class QualityAnswerSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    text = serializers.CharField(max_length=50_000, allow_blank=True)


class EvidenceSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    text = serializers.CharField(max_length=20_000, allow_blank=True)


class ContactSerializer(serializers.Serializer):
    name = NameField(max_length=200)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class BidContentSerializer(serializers.Serializer):
    """Every part is optional in a draft; a submission needs them all (checked by the service)."""

    lot_offers = LotOfferInputSerializer(many=True, required=False, max_length=200)
    quality_answers = QualityAnswerSerializer(many=True, required=False, max_length=200)
    exclusion_declaration = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        help_text="For each exclusion ground of the call: does it apply to the provider (true) or not (false).",
    )
    suitability_evidence = EvidenceSerializer(many=True, required=False, max_length=200)
    contact = ContactSerializer(required=False)
    business_secrets = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=500,
        help_text='Parts marked as business secrets: "quality:<criterion>", "evidence:<requirement>", '
        '"attachment:<id>" or "contact". Prices never are.',
    )


class BidCreateSerializer(BidContentSerializer):
    tender = serializers.IntegerField()
    provider = serializers.IntegerField(required=False, help_text="Needed only by a member of several providers.")


class BidSerializer(serializers.ModelSerializer):
    tender = serializers.IntegerField(source="tender_id", read_only=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    content = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = [
            "id",
            "tender",
            "provider",
            "provider_name",
            "status",
            "version",
            "content",
            "created_at",
            "updated_at",
            "submitted_at",
            "withdrawn_at",
            "returned_at",
            "returned_reason",
        ]
        read_only_fields = fields

    def get_content(self, bid) -> dict:
        content = dict(bid.content)
        lots = {lot.pk: lot for lot in bid.tender.lots.all()}
        content["lot_offers"] = [
            {
                **offer,
                "lot_number": lots[offer["lot"]].number if offer["lot"] in lots else None,
                "comparison_price": str(comparison_price(offer["unit_price"], lots[offer["lot"]].volume))
                if offer["lot"] in lots
                else None,
            }
            for offer in content["lot_offers"]
        ]
        return content


# Declared field by field: it answers every submission of the deadline rush, and a model serializer would build
# its fields again for each.
class ReceiptSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    number = serializers.IntegerField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    manifest_sha256 = serializers.CharField(read_only=True)
    receipt_document = serializers.SerializerMethodField()
    receipt_skipped_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Set when the version no longer stood (reopened, withdrawn or submitted again) by the time its "
        "receipt was to be made: it then has no receipt PDF and no e-mail.",
    )

    def get_receipt_document(self, version) -> int | None:
        from documents.models import GeneratedDocument

        if getattr(version, "receipt_queued", None) is False:
            return None  # a submission just made: its receipt is queued by the task that follows the commit
        return (
            GeneratedDocument.objects.filter(kind="receipt", subject=f"bid-version:{version.pk}")
            .values_list("pk", flat=True)
            .first()
        )


class ProviderRequestOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    # A price explanation (§96) is about one offer of the bid: which lot's.
    lot_offer = serializers.IntegerField(source="lot_offer_id", allow_null=True)
    lot = serializers.IntegerField(source="lot_offer.lot.number", allow_null=True)
    message = serializers.CharField()
    deadline = serializers.DateTimeField()
    requested_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=50_000)


class SecrecyDecisionInputSerializer(serializers.Serializer):
    """The authority's decision on one part of a bid (`bids.secrecy.secrecy_decide_part` checks the rest)."""

    part = serializers.CharField(
        max_length=80, help_text='"contact", "quality:<criterion id>", "evidence:<requirement id>", "attachment:<id>"'
    )
    outcome = serializers.ChoiceField(choices=SecrecyOutcome.choices)
    passages = serializers.ListField(
        child=serializers.CharField(max_length=5_000),
        required=False,
        default=list,
        max_length=100,
        help_text="The passages of the part's text that stay secret (upheld_in_part), each quoted exactly.",
    )
    ground = serializers.ChoiceField(choices=SecrecyGround.choices, default=SecrecyGround.BUSINESS_SECRET)
    reason = serializers.CharField(max_length=10_000)
    reason_sv = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class SecrecyDecisionSerializer(serializers.Serializer):
    part = serializers.CharField()
    outcome = serializers.CharField()
    passages = serializers.ListField(child=serializers.CharField())
    ground = serializers.CharField()
    reason = serializers.CharField()
    reason_sv = serializers.CharField()
    marked = serializers.BooleanField(help_text="Whether the bidder marked the part itself.")
    decided_at = serializers.DateTimeField()


class SecrecyPartSerializer(serializers.Serializer):
    part = serializers.CharField()
    marked = serializers.BooleanField()
    text = serializers.CharField(allow_null=True, help_text="The part's text: for the authority only.")
    decision = SecrecyDecisionSerializer(allow_null=True)
    withheld = serializers.SerializerMethodField(help_text="Whether the others are kept from it today.")
    withheld_passages = serializers.SerializerMethodField(
        help_text="When only passages are kept from the others today: those passages."
    )

    def get_withheld(self, part) -> bool:
        return part.withheld is not None

    def get_withheld_passages(self, part) -> list[str]:
        return list(part.withheld.passages) if part.withheld is not None else []


class SecrecyReviewSerializer(serializers.Serializer):
    """The markings of a bid and the authority's decisions on them (for its bidder: once it was told)."""

    bid = serializers.IntegerField(source="bid.pk")
    status = serializers.SerializerMethodField(
        help_text='For the authority "not_started", "draft", "decided" or "notified"; for the bidder "pending" until '
        'it is told, then "notified".'
    )
    notified_at = serializers.DateTimeField(source="review.notified_at", allow_null=True, default=None)
    effective_from = serializers.DateTimeField(
        source="review.effective_from",
        allow_null=True,
        default=None,
        help_text="From when what the authority does not keep secret may be disclosed.",
    )
    document = serializers.IntegerField(source="review.document_id", allow_null=True, default=None)
    parts = SecrecyPartSerializer(many=True)

    def get_status(self, view) -> str:
        status = view.review.status if view.review is not None else "not_started"
        if not view.as_authority and status != "notified":
            return "pending"  # the authority's work in progress is its own until it tells the bidder
        return status
