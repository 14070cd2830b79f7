"""Serialisers of bids: the content's input shape, and the bid as its reader may see it."""

from decimal import Decimal

from rest_framework import serializers

from procurement.validators import NameField

from ..content import comparison_price, unit_price_field
from ..models import Bid


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
