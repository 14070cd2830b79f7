"""The public record's leak matrix: a procedure whose every sealed, secret, personal or internal field holds a known
sentinel string, driven stage by stage through the services; no sentinel may appear in any public page or JSON
(evaluation/public_procedure.py, its API and its portal pages) at any stage, signed in or not."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bids.attachments import attachment_complete, attachment_put_chunk, attachment_start
from bids.services import bid_create, bid_submit
from evaluation.clarifications import provider_request_create
from evaluation.models import (
    ContractStatus,
    IndividualScore,
    LotContract,
    PanelMember,
    QualificationCheck,
    QualityScore,
)
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from procurement.models import Role
from tenders.models import Tender, TenderStatus
from tenders.services import question_ask, tender_cancel, tender_close
from tests.fixtures import factories
from tests.fixtures.stages import open_bids, qualify_all, score_all, seat_panel
from tests.fixtures.world import pdf_with_text, user_with_role

pytestmark = pytest.mark.django_db

# Each sealed, secret, personal or internal datum of the procedure, by what it is.
SENTINELS = {
    "A's answer marked as a business secret": "SENTINEL-SECRET-ANSWER-Q1",
    "A's answer to criterion 2": "SENTINEL-ANSWER-Q2",
    "B's answers": "SENTINEL-ANSWER-B",
    "suitability evidence": "SENTINEL-EVIDENCE",
    "a contact person's name": "Sentinella Yhteyshenkilö",
    "a contact person's e-mail": "sentinel.contact@bidder.example",
    "a contact person's phone": "+358 40 555 0199",
    "an attachment's name": "SENTINEL-LIITE.pdf",
    "an attachment's text": "SENTINEL-ATTACHMENT-TEXT",
    "an officer's e-mail": "sentinel.officer@authority.example",
    "the second officer's name": "Sentinella Avaaja",
    "an evaluator's name": "Sentinella Arvioija",
    "an evaluator's e-mail": "sentinel.evaluator@authority.example",
    "a provider member's name": "Sentinella Tarjoaja",
    "a provider member's e-mail": "sentinel.member@bidder.example",
    "a provider's e-mail": "sentinel.provider@bidder.example",
    "the authority's phone": "+358 9 555 0100",
    "a question (its asker)": "SENTINEL-QUESTION-ASKER",
    "the exclusion check's reason": "SENTINEL-EXCLUSION-REASON",
    "a request to a bidder": "SENTINEL-REQUEST",
    "the panel's reason about a secret part": "SENTINEL-SECRET-REASON",
    "a panel member's individual score reason": "SENTINEL-INDIVIDUAL",
    "a panel member's declaration": "SENTINEL-DECLARATION",
    "the award proposal's note": "SENTINEL-PROPOSAL-NOTE",
    "the contract's signatory": "Sentinella Allekirjoittaja",
    "the check for claims and appeals": "SENTINEL-CLEARANCE-NOTE",
    "a draft call": "SENTINEL-DRAFT-TITLE",
}
S = SENTINELS


def content(tender, price: str, *, answer: str, secret: str = "") -> dict:
    criteria = list(tender.criteria.order_by("number"))
    answers = [{"criterion": c.pk, "text": f"{answer} {c.number}"} for c in criteria]
    if secret:
        answers[0]["text"] = secret
    return {
        "lot_offers": [{"lot": lot.pk, "unit_price": price, "vat_rate": "0"} for lot in tender.lots.order_by("number")],
        "quality_answers": answers,
        "exclusion_declaration": dict.fromkeys(tender.exclusion_grounds, False),
        "suitability_evidence": [
            {"requirement": r.pk, "text": S["suitability evidence"]} for r in tender.requirements.all()
        ],
        "contact": {
            "name": S["a contact person's name"],
            "email": S["a contact person's e-mail"],
            "phone": S["a contact person's phone"],
        },
        "business_secrets": [f"quality:{criteria[0].pk}"] if secret else [],
    }


class Procedure:
    """A call of authority X bid on by A (a secret answer, an attachment), B and C (excluded), moved on a stage at a
    time; `check()` reads every public page and JSON and looks for every sentinel."""

    def __init__(self) -> None:
        now = timezone.now()
        self.authority = factories.AuthorityFactory(name_fi="Sentinelkunta", phone=S["the authority's phone"])
        self.officer = factories.officer_of(
            self.authority, first_name="Olga", last_name="Päättäjä", email=S["an officer's e-mail"]
        )
        first, last = S["the second officer's name"].split()
        self.second_officer = factories.officer_of(self.authority, first_name=first, last_name=last)
        first, last = S["an evaluator's name"].split()
        self.evaluator = user_with_role(Role.EVALUATOR, authority=self.authority)
        self.evaluator.first_name, self.evaluator.last_name = first, last
        self.evaluator.email = S["an evaluator's e-mail"]
        self.evaluator.save()
        self.members = {}
        first, last = S["a provider member's name"].split()
        for name in ("Alfa Koulutus Oy", "Beeta Opisto Oy", "Ceta Taidot Oy"):
            provider = factories.ProviderFactory(name=name, email=S["a provider's e-mail"])
            # B's member reads the pages signed in, where the header names the reader itself: not a sentinel.
            names = ("Bertta", "Bee") if name[0] == "B" else (first, last)
            self.members[name[0]] = factories.provider_member_of(
                provider, first_name=names[0], last_name=names[1], email=S["a provider member's e-mail"]
            )
        self.tender = factories.TenderFactory(
            authority=self.authority, status=TenderStatus.PUBLISHED, published_at=now, created_by=self.officer
        )
        self.draft = factories.TenderFactory(
            authority=self.authority, status=TenderStatus.DRAFT, title_fi=S["a draft call"], created_by=self.officer
        )
        seat_panel(self.tender, self.officer, self.evaluator)
        PanelMember.objects.filter(tender=self.tender).update(statement=S["a panel member's declaration"])
        question_ask(
            actor=self.members["A"], tender_id=self.tender.pk, text=S["a question (its asker)"], received_at=now
        )
        self._bid(
            "A", "9000", answer=S["A's answer to criterion 2"], secret=S["A's answer marked as a business secret"]
        )
        self._bid("B", "9500", answer=S["B's answers"])
        self._bid("C", "9900", answer=S["B's answers"])

    def _bid(self, letter: str, price: str, *, answer: str, secret: str = "") -> None:
        member, now = self.members[letter], timezone.now()
        bid = bid_create(
            actor=member,
            tender_id=self.tender.pk,
            received_at=now,
            content=content(self.tender, price, answer=answer, secret=secret),
        )
        if letter == "A":
            pdf = pdf_with_text(S["an attachment's text"])
            filename = S["an attachment's name"]
            attachment = attachment_start(
                actor=member, bid_id=bid.pk, filename=filename, size=len(pdf), purpose="other", received_at=now
            )
            attachment_put_chunk(
                actor=member, bid_id=bid.pk, attachment_id=attachment.pk, number=0, data=pdf, received_at=now
            )
            attachment_complete(actor=member, bid_id=bid.pk, attachment_id=attachment.pk, received_at=now)
        bid_submit(actor=member, bid_id=bid.pk, received_at=now)
        setattr(self, f"bid_{letter.lower()}", bid)

    def open(self) -> None:
        past = timezone.now() - timedelta(seconds=1)
        Tender.objects.filter(pk=self.tender.pk).update(submission_deadline=past, next_check=past)
        tender_close(actor=self.officer, tender_id=self.tender.pk)
        open_bids(self.tender, self.officer, self.second_officer)
        provider_request_create(
            actor=self.officer,
            tender_id=self.tender.pk,
            bid_id=self.bid_a.pk,
            kind="clarification",
            message=S["a request to a bidder"],
            deadline=timezone.now() + timedelta(days=5),
        )
        qualify_all(self.tender, self.officer, failing={self.bid_c.pk})
        QualificationCheck.objects.filter(bid=self.bid_c, passed=False).update(reason=S["the exclusion check's reason"])

    def decide(self) -> None:
        passed = [self.bid_a.pk, self.bid_b.pk]
        from bids.models import LotOffer

        score_all(self.tender, self.officer, offers=LotOffer.objects.filter(bid_id__in=passed))
        first = self.tender.criteria.order_by("number").first()
        QualityScore.objects.filter(lot_offer__bid=self.bid_a, criterion=first).update(
            reason=S["the panel's reason about a secret part"]
        )
        for offer in LotOffer.objects.filter(bid_id__in=passed):
            IndividualScore.objects.create(
                lot_offer=offer,
                criterion=first,
                evaluator=self.evaluator,
                points=4,
                reason=S["a panel member's individual score reason"],
            )
        tender_evaluate(actor=self.officer, tender_id=self.tender.pk)
        tender_propose(actor=self.officer, tender_id=self.tender.pk, note=S["the award proposal's note"])
        tender_decide(actor=self.officer, tender_id=self.tender.pk)

    def sign(self) -> None:
        LotContract.objects.filter(lot__tender=self.tender).update(
            status=ContractStatus.SIGNED,
            signed_on=timezone.localdate(),
            signatories=[S["the contract's signatory"]],
            clearance_note=S["the check for claims and appeals"],
        )

    def interrupt(self) -> None:
        tender_cancel(actor=self.officer, tender_id=self.tender.pk, reason="Määrärahat eivät riitä.")

    def answers(self) -> dict[str, str]:
        """Every public page and JSON of the procedure, as anyone and as a signed-in bidder reads them."""
        pk, draft = self.tender.pk, self.draft.pk
        urls = [
            "/public/calls/",
            f"/public/calls/?q={self.tender.title_fi}",
            "/public/calls/?authority=Sentinelkunta",
            f"/public/calls/{pk}/",
            "/api/v1/public/tenders/",
            "/api/v1/public/tenders/?authority=Sentinelkunta",
            f"/api/v1/public/tenders/{pk}/",
            f"/public/calls/{draft}/",
            f"/api/v1/public/tenders/{draft}/",
        ]
        member = Client()
        member.force_login(self.members["B"])
        texts = {}
        for label, client in (("anyone", Client()), ("B's member", member)):
            for lang in ("fi", "sv", "en"):
                for url in urls:
                    cache.clear()  # the rate limit
                    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
                    assert response.status_code == (404 if str(draft) in url else 200), url
                    texts[f"{url} as {label} in {lang}"] = response.content.decode()
        return texts

    def check(self) -> dict[str, str]:
        texts = self.answers()
        leaks = [
            f"{what} ({sentinel!r}) in {where}"
            for where, text in texts.items()
            for what, sentinel in SENTINELS.items()
            if sentinel in text
        ]
        assert not leaks, "\n".join(leaks)
        return texts


def test_nothing_sealed_secret_personal_or_internal_is_public_at_any_stage():
    # given / when / then: at each stage
    procedure = Procedure()
    procedure.check()  # published, bids in the box
    procedure.open()
    procedure.check()  # opened and qualified
    procedure.decide()
    decided = procedure.check()
    assert "Beeta Opisto Oy" not in decided[f"/public/calls/{procedure.tender.pk}/ as anyone in fi"]
    procedure.sign()
    signed = procedure.check()
    # the record is not empty: the comparison, the winner, the excluded bidder and the decider are there
    page = signed[f"/public/calls/{procedure.tender.pk}/ as anyone in fi"]
    assert "Beeta Opisto Oy" in page and "Ceta Taidot Oy" in page and "Olga Päättäjä" in page
    assert 'id="lot-1-heading"' in page and 'id="lot-2-heading"' in page


def test_nothing_leaks_from_an_interrupted_call():
    procedure = Procedure()
    procedure.open()
    procedure.decide()
    procedure.interrupt()
    texts = procedure.check()
    assert "Määrärahat eivät riitä." in texts[f"/public/calls/{procedure.tender.pk}/ as anyone in fi"]
