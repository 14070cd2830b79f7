"""The procedure report (§ 124): what the law asks, rendered and read back in Finnish and Swedish."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bids.models import BidStatus, LotOffer
from bids.services import bid_create, bid_submit
from config.demo.builders import consensus_scores_record, qualification_checks_record
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.draws import tie_draw_confirm, tie_draw_start
from evaluation.panel import panel_add, panel_declare
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from procurement.errors import Conflict
from procurement.models import AuditEvent
from procurement.periods import HELSINKI
from tenders.models import Tender, TenderStatus
from tenders.services import lot_cancel, tender_cancel, tender_close
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import (
    full_content,
    open_bids,
    reject_unexplained_price,
    seat_panel,
    submit_bid,
    submitted_tender,
)


def sections(text: str) -> tuple[str, str]:
    """The Finnish and the Swedish section of a bilingual authority's report."""
    split = text.index("REDOGÖRELSE FÖR FÖRFARANDET")
    return text[:split], text[split:]


def latest_report(tender: Tender) -> str:
    report = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.PROCEDURE_REPORT).latest("version")
    return pdftotext(document_render(document_id=report.pk))


@pytest.fixture
def providers(db):
    return {key: factories.ProviderFactory(name=f"{key}-Koulutus Oy") for key in ("Tasa", "Tasb", "Sulj", "Halpa")}


@pytest.fixture
def decided(bilingual, officer, officer2, providers):
    """Two bidders tied (settled by lot), one excluded (§ 81), one rejected for its price (§ 96) after it let the
    time set for its explanation pass, and a panel member who declared a conflict of interest."""
    members = {key: factories.provider_member_of(p) for key, p in providers.items()}
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now(), authority=bilingual)
    lot_1 = tender.lots.order_by("number").first()
    for key, price in (("Tasa", "9000"), ("Tasb", "9000"), ("Sulj", "9500")):
        submit_bid(members[key], tender, price)
    submit_bid(members["Halpa"], tender, "2000", lots=[lot_1])
    late_member = factories.provider_member_of(factories.ProviderFactory(name="Myoh-Koulutus Oy"))
    late = bid_create(actor=late_member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=now - timedelta(seconds=1), next_check=now - timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        bid_submit(actor=late_member, bid_id=late.pk, received_at=timezone.now())
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    conflicted = factories.officer_of(bilingual, first_name="Eeva", last_name="Esteellinen")
    panel_add(actor=officer, tender_id=tender.pk, user_id=conflicted.pk)
    panel_declare(
        actor=conflicted, tender_id=tender.pk, has_conflict=True, statement="ESTE-X: sisar toimii tarjoajan johdossa."
    )
    open_bids(tender, officer)
    excluded = tender.bids.get(provider=providers["Sulj"])
    qualification_checks_record(
        actor=officer,
        tender=tender,
        bids=tender.bids.filter(status=BidStatus.SUBMITTED),
        check=lambda bid, subject: {
            "passed": not (bid.pk == excluded.pk and subject == "exclusion"),
            "reason": "VEROVELKA-81: verovelkaa 40 000 euroa."
            if bid.pk == excluded.pk and subject == "exclusion"
            else "Täyttää vaatimuksen.",
            "reason_sv": "SKATTESKULD-81: skatteskuld 40 000 euro."
            if bid.pk == excluded.pk and subject == "exclusion"
            else "Uppfyller kravet.",
            "ground": "unpaid_taxes" if bid.pk == excluded.pk and subject == "exclusion" else "",
        },
    )
    low = LotOffer.objects.get(bid__provider=providers["Halpa"])
    reject_unexplained_price(
        officer, low, message="Selvittäkää hinta.", asked_days_ago=5, reason="HINTA-96X", reason_sv="PRIS-96X"
    )
    consensus_scores_record(
        actor=officer,
        tender=tender,
        offers=LotOffer.objects.filter(bid__tender=tender).exclude(pk=low.pk).exclude(bid=excluded),
        points="5",
        reason="Yhtä hyvä.",
        reason_sv="Lika bra.",
    )
    tender_evaluate(actor=officer, tender_id=tender.pk)
    for lot in tender.lots.order_by("number"):
        tie_draw_start(actor=officer, tender_id=tender.pk, lot_number=lot.number)
        tie_draw_confirm(actor=officer2, tender_id=tender.pk, lot_number=lot.number)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    return Tender.objects.get(pk=tender.pk)


def test_the_report_names_the_authority_subject_value_and_the_bidders(decided, bilingual, providers):
    finnish, swedish = sections(latest_report(decided))

    for part in (finnish, swedish):
        assert bilingual.business_id in part and "80400000-8" in part
        assert all(p.name in part for p in providers.values())
    assert "Hankinnan kohde" in finnish and "Upphandlingens föremål" in swedish
    # each lot by its title in the section's language
    assert "Kuopio, perustaso" in finnish and "Kuopio, grundläggande stig" in swedish
    assert "Kuopio, perustaso" not in swedish


def test_the_report_states_the_exclusion_and_the_section_96_rejection_with_their_grounds(decided, providers):
    finnish, swedish = sections(latest_report(decided))

    assert "Sulj-Koulutus Oy" in finnish.split("Hylätyt tarjoukset ja poissuljetut tarjoajat")[1]
    # The exclusion names its ground and section (unpaid taxes: section 80).
    assert "Poissulkemisperuste, hankintalain 80 §: Verojen tai sosiaaliturvamaksujen" in finnish
    assert "VEROVELKA-81" in finnish
    assert "Myoh-Koulutus Oy" in finnish and "Tarjous saapui tarjousten jättämisen määräajan jälkeen" in finnish
    assert "Anbudet kom in efter tidsfristen för anbud" in swedish
    assert "Uteslutningsgrund enligt 80 § i upphandlingslagen" in swedish
    # the officer's reason in Swedish in the Swedish section, the Finnish one only in the Finnish section
    assert "SKATTESKULD-81" in swedish and "VEROVELKA-81" not in swedish and "SKATTESKULD-81" not in finnish
    assert "Poikkeuksellisen alhainen hinta (hankintalain 96 §). Tarjoaja ei antanut selvitystä" in finnish
    assert "HINTA-96X" in finnish and "PRIS-96X" in swedish  # the officer's reason in each language
    assert "Onormalt lågt pris (96 § i upphandlingslagen)" in swedish


def test_the_report_states_what_was_done_with_the_abnormally_low_offer(decided):
    finnish, swedish = sections(latest_report(decided))

    low_fi = finnish.split("Poikkeuksellisen alhaiset tarjoukset")[1]
    assert "Halpa-Koulutus Oy" in low_fi and "merkitty poikkeuksellisen alhaiseksi" in low_fi
    assert "ei vastausta asetetussa määräajassa" in low_fi and "Tarjous hylättiin hinnan vuoksi (96 §)." in low_fi
    assert "inget svar inom utsatt tid" in swedish and "Anbudet förkastades på grund av priset (96 §)." in swedish


def test_the_report_names_the_winners_and_the_draw_that_settled_the_tie(decided, officer, officer2):
    finnish, swedish = sections(latest_report(decided))

    draw = decided.lots.order_by("number").first().tie_draws.get()
    for part in (finnish, swedish):
        assert draw.seed in part
        assert (officer2.get_full_name() or officer2.username) in part
    assert "kokonaistaloudellisesti edullisin tarjous" in finnish and "järjestys ratkaistiin arpomalla" in finnish
    assert "det ekonomiskt mest fördelaktiga anbudet" in swedish and "avgjordes genom lottdragning" in swedish


def test_the_report_states_the_conflict_of_interest_and_the_measure(decided):
    finnish, swedish = sections(latest_report(decided))

    assert "ESTE-X" in finnish and "Toimenpide: jäsen ei osallistunut tarjousten arviointiin" in finnish
    assert "ESTE-X" in swedish and "Åtgärd: medlemmen deltog inte i bedömningen" in swedish


def test_the_course_of_the_procedure_is_told_in_words_never_in_event_codes(decided):
    text = latest_report(decided)
    finnish, swedish = sections(text)

    for code in ("tender.publish", "tender.close", "tender.open", "tender.decide", "evaluation.", "panel.", "bid."):
        assert code not in text
    order = [
        finnish.find(sentence)
        for sentence in ("Tarjouksia avattiin", "Tarjoukset avattiin", "Tarjousten vertailu", "Hankintapäätös tehtiin")
        if sentence in finnish
    ]
    assert len(order) == 3 and order == sorted(order)
    assert "Anbuden öppnades den" in swedish and "Upphandlingsbeslutet fattades den" in swedish
    at = AuditEvent.objects.get(tender_id=decided.pk, action="tender.decide").at.astimezone(HELSINKI)
    assert f"Hankintapäätös tehtiin {at:%-d.%-m.%Y} klo {at:%H.%M}." in finnish
    assert f"Upphandlingsbeslutet fattades den {at:%-d.%-m.%Y} kl. {at:%H.%M}." in swedish


def test_every_action_the_report_tells_has_its_sentence_and_nothing_else_is_printed():
    from evaluation.document_contexts.procedure_report import COURSE_SENTENCES, PROCEDURE_ACTIONS, course_in_words

    assert set(PROCEDURE_ACTIONS) == set(COURSE_SENTENCES)

    class Event:
        sequence, actor_name = 1, "x"
        at = timezone.now()

        def __init__(self, action):
            self.action = action

    assert course_in_words([Event("document.rendered")]) == []  # an unknown action is left out, not printed raw


def test_a_call_interrupted_before_the_opening_names_no_bidder(
    bilingual, officer, member_a, member_b, provider_a, provider_b
):
    tender = submitted_tender(authority=bilingual, bidders=[(member_a, "9000"), (member_b, "9500")])
    tender_close(actor=officer, tender_id=tender.pk)
    lot_cancel(
        actor=officer, tender_id=tender.pk, lot_number=2, reason="OSA-X: tarve poistui.", reason_sv="OSA-X: behovet."
    )
    tender_cancel(
        actor=officer,
        tender_id=tender.pk,
        reason="KESKEYTYS-X: määräraha poistui.",
        reason_sv="KESKEYTYS-X: anslaget drogs in.",
    )

    text = latest_report(tender)
    finnish, swedish = sections(text)

    assert provider_a.name not in text and provider_a.business_id not in text
    assert provider_b.name not in text and provider_b.business_id not in text
    assert member_a.username not in text and member_b.username not in text  # nor who submitted
    report = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.PROCEDURE_REPORT).latest("version")
    with report.file.open("rb") as handle:
        source = PdfReader(io.BytesIO(handle.read())).attachments["source.json"][0].decode()
    assert source.count('"action": "bid.submit"') == 2  # the data inside the PDF names no submitter either
    for secret in (member_a.username, member_b.username, provider_a.business_id, provider_b.business_id):
        assert secret not in source
    assert "Määräaikaan mennessä saapui 2 tarjousta. Tarjouksia ei avattu" in finnish
    assert "2 anbud kom in inom tidsfristen. Anbuden öppnades inte" in swedish
    assert "keskeytetty: OSA-X" in finnish and "avbrutet: OSA-X" in swedish  # the lot cancelled, and why
    assert "KESKEYTYS-X" in finnish and "Keskeyttämisen perusteet" in finnish and "Grunderna för avbrytandet" in swedish
