"""Reasons in the decision and the letters (issue 18.2): per lot, each offer's points per criterion with the panel's
reasons, total and rank; each rejection with its legal ground and the officer's own reason; a cancelled lot with
its reason; a bid refused at the box as late; and a business secret kept out of what the other bidders get.

Hand-worked case, lot 1 (20 students; price weight 60, ratio to the lowest price; K1 weight 25 and K2 weight 15, each
scored 0-10 by the panel):

    bidder   unit price  comparison  price points        K1          K2          quality  total  rank
    Aalto     21 000 €   420 000 €   60 × 420/420 = 60.00  6 → 15.00   5 →  7.50   22.50   82.50   3
    Berg      22 500 €   450 000 €   60 × 420/450 = 56.00  9 → 22.50   8 → 12.00   34.50   90.50   1
    Castren   24 000 €   480 000 €   60 × 420/480 = 52.50  8 → 20.00  10 → 15.00   35.00   87.50   2

(K weighted = weight × points / 10.) Berg marked its K1 answer a business secret and the panel wrote no public
reason: the decision withholds that reason. Castren marked its K2 answer secret and the panel wrote a public one.
Rejected in lot 1: Dahl excluded on unpaid taxes (section 80), Eklund unsuitable (requirement 1; its evidence
marked secret), Forsman not conforming to the call, Grönlund abnormally low (section 96, silent past the time set).
Lot 2 is cancelled before the opening. Hallberg's bid arrived after the deadline and was refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bids.models import LotOffer
from bids.services import bid_create, bid_submit, submission_receipt
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.clarifications import offer_reject_for_price
from evaluation.document_contexts import comparison_context, decision_context, letter_context
from evaluation.models import ConformityRejection, LotResult, QualificationCheck
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from procurement.errors import Conflict
from procurement.models import AuditEvent
from tenders.models import Tender, TenderStatus
from tenders.services import lot_cancel, tender_close
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import full_content, open_bids, reject_unexplained_price, seat_panel

NAMES = ("Aalto", "Berg", "Castren", "Dahl", "Eklund", "Forsman", "Grönlund")
PRICES = {"Aalto": "21000", "Berg": "22500", "Castren": "24000", "Dahl": "20000", "Eklund": "20500"}
PRICES |= {"Forsman": "22000", "Grönlund": "9000"}
POINTS = {"Aalto": (6, 5), "Berg": (9, 8), "Castren": (8, 10)}
WITHHELD_FI = "tarjoaja on merkinnyt liikesalaisuudeksi"
WITHHELD_SV = "anbudsgivaren har angett som affärshemligheter"


def rendered(tender, kind, provider=None) -> str:
    documents = GeneratedDocument.objects.filter(tender=tender, kind=kind)
    if provider is not None:
        documents = documents.filter(provider=provider)
    return pdftotext(document_render(document_id=documents.latest("version").pk))


def fi_sv(text: str, swedish_heading: str) -> tuple[str, str]:
    split = text.index(swedish_heading)
    return text[:split], text[split:]


@pytest.fixture
def providers(db):
    return {name: factories.ProviderFactory(name=f"{name} Koulutus Oy") for name in (*NAMES, "Hallberg")}


def _submit(member, tender, price, lot, secrets=()):
    content = full_content(tender, price, lots=[lot])
    content["business_secrets"] = list(secrets)
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=content)
    submission_receipt(version_id=bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now()).pk)
    return bid


@pytest.fixture
def opened(bilingual, officer, providers):
    """The call after the opening: seven bids on lot 1 (Berg's K1 answer and Castren's K2 answer marked secret,
    Eklund's evidence for requirement 1 too), lot 2 cancelled, Hallberg's bid refused as late."""
    tender = factories.TenderFactory(
        status=TenderStatus.PUBLISHED, published_at=timezone.now(), authority=bilingual, title_sv="Integration"
    )
    lot_1 = tender.lots.get(number=1)
    k1, k2 = tender.criteria.order_by("number")
    requirement = tender.requirements.get()
    members = {name: factories.provider_member_of(p) for name, p in providers.items()}
    secrets = {"Berg": [f"quality:{k1.pk}"], "Castren": [f"quality:{k2.pk}"], "Eklund": [f"evidence:{requirement.pk}"]}
    for name in NAMES:
        _submit(members[name], tender, PRICES[name], lot_1, secrets.get(name, ()))
    late = bid_create(
        actor=members["Hallberg"],
        tender_id=tender.pk,
        received_at=timezone.now(),
        content=full_content(tender, "20000", lots=[lot_1]),
    )
    lot_cancel(
        actor=officer,
        tender_id=tender.pk,
        lot_number=2,
        reason="PERUUTUS_2: Iisalmen ryhmää ei saada kokoon 2027.",
        reason_sv="PERUUTUS_2: gruppen i Idensalmi fylls inte 2027.",
    )
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=now - timedelta(seconds=1), next_check=now - timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        bid_submit(actor=members["Hallberg"], bid_id=late.pk, received_at=timezone.now())
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    return Tender.objects.get(pk=tender.pk)


def _bid(tender, providers, name):
    return tender.bids.get(provider=providers[name])


def _offer(tender, providers, name):
    return LotOffer.objects.get(bid__tender=tender, bid__provider=providers[name], lot__number=1)


@pytest.fixture
def decided(opened, officer, providers, client_for):
    """Qualified, rejected and scored through the API as the panel would, then evaluated and decided."""
    tender = opened
    client = client_for(officer)
    requirement = tender.requirements.get()
    checks = []
    # A bilingual authority's documents give every reason in Swedish too: here the Finnish text marked " (SV)".
    for name in NAMES:
        bid = _bid(tender, providers, name)
        exclusion = {"bid": bid.pk, "subject": "exclusion", "passed": True, "reason": "Ei poissulkemisperusteita."}
        suitability = {
            "bid": bid.pk,
            "subject": f"requirement:{requirement.pk}",
            "passed": True,
            "reason": "Täyttää vaatimuksen.",
        }
        if name == "Dahl":
            exclusion |= {
                "passed": False,
                "ground": "unpaid_taxes",
                "reason": "VERO_80X: Verohallinnon lainvoimainen päätös 12.9.2026, verovelkaa 48 200 euroa.",
            }
        if name == "Eklund":
            suitability |= {"passed": False, "reason": "SALAINEN_CV_E: vastuuopettajan kokemus on 3 vuotta 2 kk."}
        checks += [check | {"reason_sv": check["reason"] + " (SV)"} for check in (exclusion, suitability)]
    response = client.post(f"/api/v1/tenders/{tender.pk}/qualification/", {"checks": checks}, format="json")
    assert response.status_code == 200, response.content
    response = client.post(
        f"/api/v1/tenders/{tender.pk}/offers/{_offer(tender, providers, 'Forsman').pk}/reject-nonconforming/",
        {
            "reason": "EPÄMUKAINEN_F: tarjous kattaa 15 opiskelijaa, tarjouspyyntö edellyttää 20 opiskelijaa.",
            "reason_sv": "EPÄMUKAINEN_F: anbudet omfattar 15 studerande, förfrågan kräver 20.",
        },
        format="json",
    )
    assert response.status_code == 204, response.content
    low = _offer(tender, providers, "Grönlund")
    reject_unexplained_price(
        officer,
        low,
        message="Selvittäkää hinnan muodostuminen.",
        asked_days_ago=6,
        reason="HINTA_96X: 9 000 € ei kata opettajien palkkoja.",
        reason_sv="HINTA_96X: 9 000 € täcker inte lärarlönerna.",
    )
    k1, k2 = tender.criteria.order_by("number")
    scores = []
    for name, (p1, p2) in POINTS.items():
        offer = _offer(tender, providers, name)
        first = {"lot_offer": offer.pk, "criterion": k1.pk, "points": p1, "reason": f"PERUSTE_{name}_K1: suunnitelma."}
        second = {"lot_offer": offer.pk, "criterion": k2.pk, "points": p2, "reason": f"PERUSTE_{name}_K2: yhteistyö."}
        if name == "Berg":
            first["reason"] = "SALAISUUS_B1: Bergin oma kielitaidon pikatestimenetelmä."
        if name == "Castren":
            second |= {
                "reason": "SALAISUUS_C2: sopimukset 14 yrityksen kanssa.",
                "public_reason": "JULKINEN_C2: laaja.",
            }
        for score in (first, second):
            score["reason_sv"] = score["reason"] + " (SV)"
            if score.get("public_reason"):
                score["public_reason_sv"] = score["public_reason"] + " (SV)"
        scores += [first, second]
    response = client.post(f"/api/v1/tenders/{tender.pk}/scores/", {"scores": scores}, format="json")
    assert response.status_code == 200, response.content
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    return Tender.objects.get(pk=tender.pk)


def test_the_ranking_is_the_hand_worked_one(decided, providers):
    ranked = {
        r.lot_offer.bid.provider.name.split()[0]: (r.price_points, r.quality_points, r.total_points, r.rank)
        for r in LotResult.objects.filter(lot__tender=decided).select_related("lot_offer__bid__provider")
    }
    assert ranked == {
        "Aalto": (Decimal("60.00"), Decimal("22.50"), Decimal("82.50"), 3),
        "Berg": (Decimal("56.00"), Decimal("34.50"), Decimal("90.50"), 1),
        "Castren": (Decimal("52.50"), Decimal("35.00"), Decimal("87.50"), 2),
    }


def test_the_decision_shows_each_offers_points_per_criterion_with_the_panels_reasons(decided):
    finnish, swedish = fi_sv(rendered(decided, DocumentKind.DECISION), "UPPHANDLINGSBESLUT")

    # the comparison table: price points, K1, K2 (weighted), quality points, total, in each language
    table_fi = finnish.split("Sija Tarjoaja Vertailuhinta Hintapisteet K1 K2 Laatupisteet Yhteensä", 1)[1]
    table_sv = swedish.split("Placering Anbudsgivare Jämförelsepris Prispoäng K1 K2 Kvalitetspoäng Totalt", 1)[1]
    for table in (table_fi, table_sv):
        table = table.split("K1 =", 1)[0]
        for name, row in (
            ("Berg", "450 000,00 € 56,00 22,50 12,00 34,50 90,50"),
            ("Castren", "480 000,00 € 52,50 20,00 15,00 35,00 87,50"),
            ("Aalto", "420 000,00 € 60,00 15,00 7,50 22,50 82,50"),
        ):
            assert name in table and row.split("€ ")[1] in table and row.split(" €")[0] in table
    assert "K1 = Toteutussuunnitelma (painoarvo 25 %" in finnish
    # each score with its points, its weighted points and the panel's reason
    assert (
        "Laatukriteeri 1 Toteutussuunnitelma (painoarvo 25 %): 6 / 10 pistettä → 15,00 vertailupistettä. "
        "Arviointiryhmän perustelu: PERUSTE_Aalto_K1: suunnitelma."
    ) in finnish
    assert "Laatukriteeri 2 Työelämäyhteistyö (painoarvo 15 %): 5 / 10 pistettä → 7,50" in finnish
    assert "PERUSTE_Aalto_K2: yhteistyö." in finnish and "PERUSTE_Berg_K2: yhteistyö." in finnish
    assert (
        "3. Aalto Koulutus Oy: hintapisteet 60,00 / 60, laatupisteet 22,50, yhteensä 82,50 pistettä, sija 3." in finnish
    )
    assert "1 Berg Koulutus Oy 450 000,00 € 56,00 22,50 12,00 34,50 90,50" in swedish
    assert (
        # the criterion's and the reason's Swedish texts in the Swedish section
        "Kvalitetskriterium 1 Genomförandeplan (vikt 25 %): 6 / 10 poäng → 15,00 jämförelsepoäng. "
        "Bedömningsgruppens motivering: PERUSTE_Aalto_K1: suunnitelma. (SV)"
    ) in swedish


def test_the_decision_states_each_rejection_with_its_ground_and_the_officers_reason(decided):
    finnish, swedish = fi_sv(rendered(decided, DocumentKind.DECISION), "UPPHANDLINGSBESLUT")
    rejected_fi = finnish.split("Hylätyt tarjoukset", 1)[1]

    assert "tarjous on hylätty, koska se ei täyttänyt tarjouspyynnön vaatimuksia" not in finnish
    assert (
        "Tarjoaja on suljettu tarjouskilpailun ulkopuolelle hankintalain 80 §:n pakollisella poissulkemisperusteella: "
        "Verojen tai sosiaaliturvamaksujen maksamisen laiminlyönti (lainvoimainen päätös). Perustelu: VERO_80X"
    ) in rejected_fi
    assert "Tarjoaja ei täytä soveltuvuusvaatimusta 1 (Vastuuopettajalla 5 vuoden kokemus)" in rejected_fi
    assert (
        "Tarjous ei ole tarjouspyynnön mukainen, joten se on hylätty. Perustelu: EPÄMUKAINEN_F: tarjous kattaa 15 "
        "opiskelijaa"
    ) in rejected_fi
    assert "Tarjous on hylätty poikkeuksellisen alhaisena (hankintalain 96 §)" in rejected_fi
    assert "Tarjoaja ei antanut selvitystä asetetussa määräajassa. Perustelu: HINTA_96X" in rejected_fi
    for name in ("Dahl", "Eklund", "Forsman", "Grönlund"):
        assert f"{name} Koulutus Oy" in rejected_fi
    assert (
        "på en obligatorisk uteslutningsgrund enligt 80 § i upphandlingslagen: "
        "Obetalda skatter eller socialförsäkringsavgifter (lagakraftvunnet beslut)"
    ) in swedish
    assert "Motivering: VERO_80X" in swedish
    assert "Anbudsgivaren uppfyller inte lämplighetskravet 1" in swedish
    assert "Anbudet motsvarar inte anbudsförfrågan och har därför förkastats. Motivering: EPÄMUKAINEN_F" in swedish
    assert "Anbudet har förkastats som onormalt lågt (96 § i upphandlingslagen)" in swedish


def test_the_decision_shows_the_cancelled_lot_and_the_late_bid(decided):
    finnish, swedish = fi_sv(rendered(decided, DocumentKind.DECISION), "UPPHANDLINGSBESLUT")

    lot_2 = finnish.split("Osa 2: Iisalmi, hidas polku", 1)[1]
    assert "Hankinta on tämän osan osalta keskeytetty. Perustelut: PERUUTUS_2" in lot_2
    assert "Upphandlingen har avbrutits för detta delområde. Motivering: PERUUTUS_2" in swedish
    late = finnish.split("Määräajan jälkeen saapuneet tarjoukset", 1)[1]
    assert "Hallberg Koulutus Oy" in late and "Myöhästynyttä tarjousta ei ole otettu vastaan eikä käsitelty." in late
    assert "Hallberg Koulutus Oy" in swedish.split("Anbud som inkommit efter utsatt tid", 1)[1]
    # nothing of the late bid was opened: no price of it
    assert "400 000,00" not in late.split("Odotusaika")[0]


def test_a_secret_answers_reason_stays_out_of_the_decision_and_the_other_bidders_letters(decided, providers):
    decision = rendered(decided, DocumentKind.DECISION)
    others = [rendered(decided, DocumentKind.LETTER, providers[name]) for name in ("Aalto", "Castren", "Eklund")]

    # then the decision and the other bidders' letters carry the public reason, or say it is withheld, never the secret
    for text in (decision, *others):
        assert "SALAISUUS_B1" not in text
    assert "SALAISUUS_C2" not in decision and "SALAINEN_CV_E" not in decision
    assert "JULKINEN_C2: laaja." in decision
    finnish, swedish = fi_sv(decision, "UPPHANDLINGSBESLUT")
    berg_k1 = finnish.split("1. Berg Koulutus Oy", 1)[1].split("Laatukriteeri 2", 1)[0]
    assert WITHHELD_FI in berg_k1 and "621/1999, 24 §:n 1 momentin 20 kohta" in berg_k1
    assert WITHHELD_SV in swedish and "621/1999, 24 § 1 mom. 20 punkten" in swedish
    eklund = finnish.split("Eklund Koulutus Oy", 1)[1].split("Koulutus Oy", 1)[0]
    assert WITHHELD_FI in eklund
    # prices and points are never secret
    assert "450 000,00 €" in decision and "Berg Koulutus Oy: hintapisteet 56,00 / 60, laatupisteet 34,50" in decision
    # the decision's recorded data keeps the secret out as its text does
    source = decision_context(GeneratedDocument.objects.filter(tender=decided, kind="decision").first())["source_data"]
    assert "SALAISUUS" not in str(source) and "SALAINEN" not in str(source)


def test_the_comparison_report_the_bidders_read_keeps_a_secret_answers_reason_out(decided, providers):
    # the comparison report of lot 1, which every bidder may read after the decision
    report = rendered(decided, DocumentKind.COMPARISON)

    # then it carries the public reason, or says the reason is withheld, never the secret, in either language
    assert "SALAISUUS_B1" not in report and "SALAISUUS_C2" not in report
    assert "JULKINEN_C2: laaja." in report and "JULKINEN_C2: laaja. (SV)" in report
    assert (
        "Perustelu koskee tietoja, jotka tarjoaja on merkinnyt liikesalaisuudeksi" in report and WITHHELD_SV in report
    )
    # the other reasons and every point stay
    assert "PERUSTE_Aalto_K1: suunnitelma." in report and "PERUSTE_Aalto_K1: suunnitelma. (SV)" in report
    source = comparison_context(
        GeneratedDocument.objects.filter(tender=decided, kind=DocumentKind.COMPARISON).latest("version")
    )["source_data"]
    assert "SALAISUUS" not in str(source) and "JULKINEN_C2" in str(source)


def test_each_bidder_reads_its_own_whole_reasons_and_the_winners_points(decided, providers):
    berg = rendered(decided, DocumentKind.LETTER, providers["Berg"])
    castren = rendered(decided, DocumentKind.LETTER, providers["Castren"])
    aalto = rendered(decided, DocumentKind.LETTER, providers["Aalto"])
    eklund = rendered(decided, DocumentKind.LETTER, providers["Eklund"])

    assert "SALAISUUS_B1: Bergin oma kielitaidon pikatestimenetelmä." in berg and "Tarjouksenne valittiin." in berg
    assert "SALAISUUS_C2: sopimukset 14 yrityksen kanssa." in castren
    assert "SALAINEN_CV_E: vastuuopettajan kokemus on 3 vuotta 2 kk." in eklund
    # Aalto's own reasons and points, beside the winner's per criterion
    assert "Tarjouksenne ei tullut valituksi, koska se ei ollut kokonaistaloudellisesti edullisin (sija 3 / 3)" in aalto
    assert "Tarjouksenne Valittu: Berg Koulutus Oy" in aalto
    assert "K1 Toteutussuunnitelma (25 %) 6 / 10 → 15,00 9 / 10 → 22,50" in aalto
    assert "K2 Työelämäyhteistyö (15 %) 5 / 10 → 7,50 8 / 10 → 12,00" in aalto
    assert "Yhteensä 82,50 90,50" in aalto
    assert "PERUSTE_Aalto_K1: suunnitelma." in aalto
    assert "PERUSTE_Castren_K1" not in aalto  # another bidder's reasons are in the decision, not in this letter


def test_the_rejected_bidders_letter_states_its_grounds(decided, providers):
    dahl = rendered(decided, DocumentKind.LETTER, providers["Dahl"])
    forsman = rendered(decided, DocumentKind.LETTER, providers["Forsman"])
    gronlund = rendered(decided, DocumentKind.LETTER, providers["Grönlund"])

    assert "Tarjouksenne on hylätty eikä sitä ole pisteytetty." in dahl
    assert "hankintalain 80 §:n pakollisella poissulkemisperusteella" in dahl and "VERO_80X" in dahl
    assert "EPÄMUKAINEN_F" in forsman and "Tarjous ei ole tarjouspyynnön mukainen" in forsman
    assert "HINTA_96X" in gronlund and "(hankintalain 96 §)" in gronlund
    # the winner's points per criterion, for comparison
    assert "Valittu: Berg Koulutus Oy" in forsman and "9 / 10 → 22,50" in forsman


def test_a_failed_exclusion_check_without_a_ground_is_refused(opened, officer, providers, client_for):
    client = client_for(officer)
    bid = _bid(opened, providers, "Dahl")
    url = f"/api/v1/tenders/{opened.pk}/qualification/"
    failed = {"bid": bid.pk, "subject": "exclusion", "passed": False, "reason": "Verovelkaa."}

    without = client.post(url, {"checks": [failed]}, format="json")
    unknown = client.post(url, {"checks": [failed | {"ground": "piracy"}]}, format="json")
    requirement = f"requirement:{opened.requirements.get().pk}"
    misplaced = client.post(url, {"checks": [failed | {"subject": requirement, "ground": "fraud"}]}, format="json")

    assert without.status_code == 400 and without.json()["errors"]["checks"][0]["code"] == "ground_required"
    assert unknown.status_code == 400 and unknown.json()["errors"]["checks"][0]["code"] == "unknown_ground"
    assert misplaced.status_code == 400 and misplaced.json()["errors"]["checks"][0]["code"] == "ground_not_applicable"
    assert not QualificationCheck.objects.filter(bid=bid).exists()
    # a ground the call does not ask to declare is refused too
    opened.exclusion_grounds = ["unpaid_taxes"]
    opened.save(update_fields=["exclusion_grounds"])
    bankruptcy = client.post(url, {"checks": [failed | {"ground": "bankruptcy"}]}, format="json")
    assert bankruptcy.status_code == 400 and bankruptcy.json()["errors"]["checks"][0]["code"] == "unknown_ground"
    ok = client.post(url, {"checks": [failed | {"ground": "unpaid_taxes"}]}, format="json")
    assert ok.status_code == 200 and ok.json()[0]["ground"] == "unpaid_taxes"


def test_a_nonconforming_offer_is_rejected_with_its_reason_audited_and_left_out_of_the_ranking(
    opened, officer, providers, client_for
):
    client = client_for(officer)
    offer = _offer(opened, providers, "Forsman")
    url = f"/api/v1/tenders/{opened.pk}/offers/{offer.pk}/reject-nonconforming/"

    blank = client.post(url, {"reason": "  "}, format="json")
    made = client.post(url, {"reason": "Tarjous kattaa 15 opiskelijaa, ei 20."}, format="json")
    again = client.post(url, {"reason": "Uudelleen."}, format="json")

    assert blank.status_code == 400
    assert made.status_code == 204
    assert again.status_code == 409 and again.json()["code"] == "already_rejected"
    rejection = ConformityRejection.objects.get(lot_offer=offer)
    assert rejection.reason == "Tarjous kattaa 15 opiskelijaa, ei 20." and rejection.rejected_by == officer
    event = AuditEvent.objects.get(action="evaluation.reject_nonconforming")
    assert event.detail["lot_offer"] == offer.pk and event.detail["reason"] == rejection.reason
    # not scored: the panel's score of it is refused as of an offer not in the evaluation
    k1 = opened.criteria.order_by("number").first()
    scored = client.post(
        f"/api/v1/tenders/{opened.pk}/scores/",
        {"scores": [{"lot_offer": offer.pk, "criterion": k1.pk, "points": 5, "reason": "x"}]},
        format="json",
    )
    assert scored.status_code == 400 and scored.json()["errors"]["scores"][0]["code"] == "unknown_offer"
    # and a price rejection of the same offer is refused
    with pytest.raises(Conflict):
        offer_reject_for_price(actor=officer, tender_id=opened.pk, lot_offer_id=offer.pk, reason="x")


def test_a_nonconforming_rejection_is_refused_after_the_evaluation(decided, officer, providers, client_for):
    offer = _offer(decided, providers, "Aalto")
    response = client_for(officer).post(
        f"/api/v1/tenders/{decided.pk}/offers/{offer.pk}/reject-nonconforming/", {"reason": "Myöhään."}, format="json"
    )
    assert response.status_code == 409
    assert not ConformityRejection.objects.filter(lot_offer=offer).exists()


def _context_queries(tender, provider) -> list[int]:
    decision = GeneratedDocument.objects.filter(tender=tender, kind="decision").first()
    letter = GeneratedDocument.objects.filter(tender=tender, kind="letter", provider=provider).first()
    counts = []
    for document, build in ((decision, decision_context), (letter, letter_context)):
        build(document)  # warm the per-process caches
        with CaptureQueriesContext(connection) as captured:
            build(document)
        counts.append(len(captured))
    return counts


def test_the_decision_and_letter_contexts_take_as_many_queries_for_two_bids_as_for_seven(
    decided, providers, bilingual, officer
):
    from tests.fixtures.stages import decided_tender

    small_providers = [factories.ProviderFactory() for _ in range(2)]
    small = decided_tender(
        officer=officer,
        authority=bilingual,
        bidders=[
            (factories.provider_member_of(p), price) for p, price in zip(small_providers, ("9000", "9500"), strict=True)
        ],
    )
    assert _context_queries(small, small_providers[0]) == _context_queries(decided, providers["Aalto"])


def test_an_unsuccessful_lot_shows_why_each_offer_was_rejected_and_its_reason(bilingual, officer, member_a, member_b):
    from evaluation.clarifications import offer_reject_nonconforming
    from tenders.models import Lot, LotStatus
    from tests.fixtures.stages import qualify_all, score_all, submitted_tender

    # given both offers of lot 2 rejected as not conforming to the call
    tender = submitted_tender(authority=bilingual, bidders=[(member_a, "9000"), (member_b, "9500")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    for offer in LotOffer.objects.filter(bid__tender=tender, lot__number=2):
        offer_reject_nonconforming(
            actor=officer,
            tender_id=tender.pk,
            lot_offer_id=offer.pk,
            reason=f"EPÄMUKAINEN{offer.pk} ryhmäkoko 30.",
            reason_sv=f"EPÄMUKAINEN{offer.pk} gruppstorlek 30.",
        )
    score_all(tender, officer, offers=LotOffer.objects.filter(bid__tender=tender, lot__number=1))
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    lot_2 = Lot.objects.get(tender=tender, number=2)
    assert lot_2.status == LotStatus.UNSUCCESSFUL
    Lot.objects.filter(pk=lot_2.pk).update(status_reason="TULOKSETON_2: kumpikaan tarjous ei vastannut pyyntöä.")

    # when the decision is rendered
    finnish, swedish = fi_sv(rendered(tender, DocumentKind.DECISION), "UPPHANDLINGSBESLUT")

    # then lot 2 has no winner, its reason, and each rejected offer with its ground and reason
    lot_fi = finnish.split("Osa 2:", 1)[1].split("Odotusaika", 1)[0]
    assert "Osaan ei saatu hyväksyttävää tarjousta. Perustelut: TULOKSETON_2" in lot_fi
    for offer in LotOffer.objects.filter(bid__tender=tender, lot__number=2):
        assert f"{offer.bid.provider.name}" in lot_fi and f"Perustelu: EPÄMUKAINEN{offer.pk} ryhmäkoko 30." in lot_fi
    assert "Inget godtagbart anbud erhölls för delområdet. Motivering: TULOKSETON_2" in swedish


def test_an_attachment_marked_secret_makes_the_answer_it_gives_secret(authority, officer, member_a, client_for):
    from bids.document_contexts import business_secrets
    from bids.services import bid_update
    from tests.fixtures.files import pdf_bytes, upload

    # given a bid whose answer to K2 is an attachment it marked as a business secret
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now(), authority=authority)
    k1, k2 = tender.criteria.order_by("number")
    content = full_content(tender)
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=content)
    attachment = upload(client_for(member_a), bid.pk, "k2.pdf", pdf_bytes(), purpose=f"criterion:{k2.pk}").json()
    content["business_secrets"] = [f"attachment:{attachment['id']}"]
    bid_update(actor=member_a, bid_id=bid.pk, content=content, received_at=timezone.now())
    bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())

    # then the panel's reason on K2 is one about a secret, K1's is not
    secrets = business_secrets(tender)[bid.pk]
    assert f"quality:{k2.pk}" in secrets and f"quality:{k1.pk}" not in secrets


def test_the_decisions_footer_names_the_document_in_words_in_each_language(decided):
    import re

    from django.template.loader import render_to_string

    document = GeneratedDocument.objects.filter(tender=decided, kind="decision").latest("version")
    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", render_to_string("documents/decision.html", decision_context(document)))
    )

    assert f"Hankintapäätös v{document.version} · muodostettu" in text
    assert f"Upphandlingsbeslut v{document.version} · framställt" in text
    assert f"decision v{document.version}" not in text
