"""Serialisers of bids: separate input and output shapes; the status and receipt time are read-only."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import MAX_UNIT_PRICE, Bid, LotOffer


class LotOfferInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_UNIT_PRICE,
        error_messages={
            "min_value": _("The price must be greater than zero."),
            "max_value": _("The price is larger than any plausible price (at most {max_value})."),
        },
    )


class LotOffersInputSerializer(serializers.Serializer):
    lot_offers = LotOfferInputSerializer(many=True)

    def validate_lot_offers(self, value):
        if not value:
            raise serializers.ValidationError(_("Offer at least one lot."), code="no_offers")
        return value


class BidCreateSerializer(LotOffersInputSerializer):
    tender = serializers.IntegerField()
    provider = serializers.IntegerField(required=False, help_text="Needed only by a member of several providers.")


class LotOfferSerializer(serializers.ModelSerializer):
    lot = serializers.IntegerField(source="lot_id", read_only=True)
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)

    class Meta:
        model = LotOffer
        fields = ["id", "lot", "lot_number", "unit_price", "comparison_price"]
        read_only_fields = fields


class BidSerializer(serializers.ModelSerializer):
    tender = serializers.IntegerField(source="tender_id", read_only=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    lot_offers = LotOfferSerializer(many=True, read_only=True)

    class Meta:
        model = Bid
        fields = [
            "id",
            "tender",
            "provider",
            "provider_name",
            "status",
            "lot_offers",
            "created_at",
            "updated_at",
            "submitted_at",
            "withdrawn_at",
        ]
        read_only_fields = fields
