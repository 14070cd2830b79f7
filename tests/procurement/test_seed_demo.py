"""The demo data: one call in each state, loaded once."""

from django.core.management import call_command

from procurement.models import ContractingAuthority, User
from tenders.models import Tender, TenderStatus
from tenders.rules_check import tender_findings


def test_seed_demo_builds_one_call_per_state(db, settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing

    # One call in each state, two more decided ones by other kinds of authority (the redress variants), a decided
    # framework call whose lots are signed, and a mini-competition under its framework, published.
    statuses = list(Tender.objects.values_list("status", flat=True))
    assert set(statuses) == set(TenderStatus.values)
    assert sorted(statuses) == sorted([*TenderStatus.values, *[TenderStatus.DECIDED] * 3, TenderStatus.PUBLISHED])
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

    draws = TieDraw.objects.filter(lot__tender__status=TenderStatus.DECIDED, lot__tender__reference="DEMO-008")
    assert draws.exists() and all(tie_draw_verify(d) and d.started_by_id != d.confirmed_by_id for d in draws)


def test_seed_demo_shows_a_market_court_appeal_pending_that_suspends_its_lot(db, settings):
    from evaluation.models import Appeal, ContractStatus, LotContract

    settings.DEBUG = True
    call_command("seed_demo")

    appeal = Appeal.objects.get()
    assert appeal.outcome == "" and appeal.reference == "MAO:412/2027"
    assert LotContract.objects.get(lot=appeal.lots.get()).status == ContractStatus.SUSPENDED


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


def test_seed_demo_shows_each_redress_variant_in_its_decision(db, settings):
    """A municipality below the threshold, a state authority at or above it, a bilingual municipality with every text
    in Swedish: each decided call's decision PDF, read back, gives the redress that its authority and value call for."""
    import shutil
    import subprocess

    import pytest

    from documents.models import DocumentKind, GeneratedDocument
    from documents.services import document_render

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed")
    settings.DEBUG = True
    call_command("seed_demo")

    def decision_text(tender) -> str:
        document = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.DECISION).latest("version")
        pdf = document_render(document_id=document.pk)
        with pdf.file.open("rb") as handle:
            out = subprocess.run(  # noqa: S603 (the rendered PDF, to a fixed program)
                [shutil.which("pdftotext"), "-layout", "-", "-"], input=handle.read(), capture_output=True, check=True
            )
        return " ".join(out.stdout.decode().split())

    decided = Tender.objects.filter(status=TenderStatus.DECIDED).select_related("authority")
    by_kind = {(t.authority.kind, t.authority.language_status): t for t in decided}
    assert set(by_kind) == {("state_authority", "fi"), ("municipality", "fi"), ("municipality", "bilingual")}

    small = decision_text(by_kind[("municipality", "fi")])
    assert "kuntalain (410/2015) 134–139 §:n" in small and "kolmantena päivänä" in small
    assert "Valitusosoitus markkinaoikeuteen" not in small

    state = decision_text(by_kind[("state_authority", "fi")])
    assert "Valitusosoitus markkinaoikeuteen" in state and "Oikaisuohje" in state and "Odotusaika päättyy" in state

    bilingual = decision_text(by_kind[("municipality", "bilingual")])
    assert "HANKINTAPÄÄTÖS" in bilingual and "UPPHANDLINGSBESLUT" in bilingual
    swedish = bilingual.split("UPPHANDLINGSBESLUT", 1)[1]
    assert "Delområde 2: Svenskspråkig integrationsutbildning (Vaasa)" in swedish
    assert "Genomförandeplan och pedagogik" in swedish
    assert "Planen motsvarar kraven i anbudsförfrågan" in swedish
    assert "Besvärsanvisning till marknadsdomstolen" in swedish


def test_seed_demo_has_a_framework_in_force_with_orders_in_each_state(db, settings):
    """A framework agreement in force: an order accepted by the first-ranked provider, one declined by it and passed
    on to the second, which accepted, one waiting for the first-ranked provider's reply; and a mini-competition
    among its providers, published."""
    from evaluation.models import Framework

    settings.DEBUG = True
    call_command("seed_demo")

    framework = Framework.objects.get(tender__reference="DEMO-PJ-001", lot__number=1)
    assert framework.status == "active" and framework.members.count() == 3
    orders = {
        order.number: (order.status, order.member.rank, [(s.member.rank, s.outcome) for s in order.steps.all()])
        for order in framework.call_offs.select_related("member").prefetch_related("steps__member")
    }
    assert orders == {
        1: ("accepted", 1, [(1, "accepted")]),
        2: ("accepted", 2, [(1, "declined"), (2, "accepted")]),
        3: ("offered", 1, [(1, "pending")]),
    }
    mini = framework.lot.mini_competitions.get()
    assert mini.status == TenderStatus.PUBLISHED


def test_seed_demo_dates_tell_a_possible_story(db, settings):
    """No call is published after its own deadline; every bid came in while its call was open; bids were opened
    after the deadline by a panel that had declared first; requests and decisions came after the opening."""
    from bids.models import Bid, BidStatus
    from evaluation.models import AwardDecision, OpeningRequest, PanelMember, ProviderRequest

    settings.DEBUG = True
    call_command("seed_demo")

    for tender in Tender.objects.exclude(published_at=None):
        assert tender.created_at <= tender.published_at < tender.submission_deadline, tender.reference
        if tender.questions_deadline:
            assert tender.questions_deadline <= tender.submission_deadline, tender.reference
    for bid in Bid.objects.filter(status=BidStatus.SUBMITTED).select_related("tender"):
        assert bid.tender.published_at <= bid.submitted_at < bid.tender.submission_deadline, bid.tender.reference
    openings = {o.tender_id: o for o in OpeningRequest.objects.exclude(confirmed_at=None).select_related("tender")}
    for opening in openings.values():
        assert opening.confirmed_at >= opening.tender.submission_deadline, opening.tender.reference
        for member in PanelMember.objects.filter(tender=opening.tender):
            assert member.declared_at is not None and member.declared_at <= opening.confirmed_at
    for request in ProviderRequest.objects.select_related("bid"):
        assert request.requested_at >= openings[request.bid.tender_id].confirmed_at
        assert request.requested_at < request.deadline
    for decision in AwardDecision.objects.all():
        assert decision.decided_at > openings[decision.tender_id].confirmed_at


def test_seed_demo_names_every_demo_user_it_creates(db, settings, capsys):
    from config.demo.management.commands.seed_demo import DEMO_USERS

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo", "--users")

    listed = capsys.readouterr().out
    assert set(User.objects.values_list("username", flat=True)) == {name for name, _role in DEMO_USERS}
    for name, role in DEMO_USERS:
        assert f"{name} " in listed and role in listed


def test_seed_demo_gives_every_notice_the_data_it_needs(db, settings):
    from tenders.statistics import tender_notice_type, tender_statistics_missing

    settings.DEBUG = True
    call_command("seed_demo")

    for authority in ContractingAuthority.objects.all():
        authority.full_clean()
        assert authority.street and authority.postal_code and authority.town and authority.nuts and authority.website
    noticed = [tender for tender in Tender.objects.all() if tender_notice_type(tender)]
    assert {tender_notice_type(tender) for tender in noticed} == {"E3", "20"}
    for tender in noticed:
        assert tender_statistics_missing(tender) == [], tender.reference
        assert tender.contract_months and tender.option_months and tender.options_description
        assert all(lot.nuts for lot in tender.lots.all()), tender.reference
        if tender.authority.language_status == "bilingual":
            assert tender.options_description_sv
    light = next(tender for tender in noticed if tender_notice_type(tender) == "20")
    assert light.hilma_statistics["endUserInvolved"] is True
    assert light.hilma_statistics["howManyOpportunitiesIsEstimated"] == 4
    vaasa = Tender.objects.get(reference="DEMO-VAA-001")
    assert set(vaasa.lots.values_list("nuts", flat=True)) == {"FI195"}
