"""The migration of the calls' tie rules: "earlier receipt" becomes drawing lots, and back."""

import importlib

from django.apps import apps

from tenders.models import Tender
from tests.fixtures import factories

migration = importlib.import_module("tenders.migrations.0003_tie_break_by_lot")


def test_receipt_rules_become_lot_rules(authority):
    quality, price = factories.TenderFactory(authority=authority), factories.TenderFactory(authority=authority)
    Tender.objects.filter(pk=quality.pk).update(tie_break="quality_price_receipt")
    Tender.objects.filter(pk=price.pk).update(tie_break="price_quality_receipt")

    migration.receipt_to_lot(apps, None)

    assert Tender.objects.get(pk=quality.pk).tie_break == "quality_price_lot"
    assert Tender.objects.get(pk=price.pk).tie_break == "price_quality_lot"
    migration.lot_to_receipt(apps, None)
    assert Tender.objects.get(pk=price.pk).tie_break == "price_quality_receipt"
