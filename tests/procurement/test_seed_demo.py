"""The demo data: one call in each state, loaded once."""

from django.core.management import call_command

from procurement.models import ContractingAuthority, User
from tenders.models import Tender, TenderStatus
from tenders.rules_check import tender_findings


def test_seed_demo_builds_one_call_per_state(db, settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing

    assert sorted(Tender.objects.values_list("status", flat=True)) == sorted(TenderStatus.values)
    for name in ("officer", "officer2", "evaluator", "provider1", "provider2", "auditor"):
        assert User.objects.get(username=name).check_password("demo")
    ely = ContractingAuthority.objects.get(business_id="2296962-1")
    assert ely.successor.name_fi == "Itä-Suomen elinvoimakeskus"
    assert Tender.objects.get(status=TenderStatus.COMPLETED).authority == ely  # old records keep the old authority
    draft = Tender.objects.get(status=TenderStatus.DRAFT)
    assert "deadline_on_day_off" in [w.code for w in tender_findings(draft)[1]]  # its deadline is Christmas Eve

    # The decided call shows a tie settled by lot, by two officers, verifiable from its record.
    from evaluation.draws import tie_draw_verify
    from evaluation.models import TieDraw

    draws = TieDraw.objects.filter(lot__tender__status=TenderStatus.DECIDED)
    assert draws.exists() and all(tie_draw_verify(d) and d.started_by_id != d.confirmed_by_id for d in draws)


def test_seed_demo_refuses_without_debug(db, settings):
    import pytest
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_shows_a_price_explanation_and_a_rejection_of_a_silent_bidder(db, settings):
    from evaluation.models import PriceRejection, ProviderRequest

    settings.DEBUG = True
    call_command("seed_demo")

    asked = ProviderRequest.objects.filter(kind="price_explanation")
    assert {r.bid.tender.status for r in asked} == {TenderStatus.OPENED, TenderStatus.DECIDED}
    rejection = PriceRejection.objects.get()
    assert rejection.lot_offer.bid.tender.status == TenderStatus.DECIDED
    assert (rejection.ground, rejection.basis) == ("abnormally_low", "no_explanation")
