"""Demo data: the historical Pohjois-Savo ELY centre and its successor, providers, users and one call per state."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bids.models import Bid, LotOffer
from bids.services import bid_create, bid_submit
from config.demo.builders import consensus_scores_record, qualification_checks_record
from evaluation.appeals import appeal_register
from evaluation.claims import claim_decide, claim_register
from evaluation.corrections import claim_correct, correction_decide
from evaluation.draws import tie_draw_confirm, tie_draw_start, ties_needing_draw
from evaluation.models import AwardDecision, ContractStatus, FrameworkMember, LotContract, ProviderRequest
from evaluation.panel import panel_add, panel_declare
from evaluation.services import (
    tender_decide,
    tender_evaluate,
    tender_open,
    tender_propose,
)
from procurement.models import ContractingAuthority, Membership, ProviderOrganisation, Role, User
from procurement.periods import HELSINKI
from tenders.models import Tender
from tenders.services import (
    answers_publish,
    lot_declare_unsuccessful,
    question_answer,
    question_ask,
    tender_approve,
    tender_cancel,
    tender_close,
    tender_complete,
    tender_create,
    tender_declare_unsuccessful,
    tender_publish,
    tender_submit_for_approval,
)
from tenders.statistics import statistics_asked, tender_notice_type

LOTS = [
    {
        "number": 1,
        "title": "Kotoutumiskoulutus, perustaso (Kuopio)",
        "title_sv": "Integrationsutbildning, grundläggande nivå (Kuopio)",
        "municipality": "Kuopio",
        "study_path": "basic",
        "students": 32,
        "groups": 2,
        "credits": Decimal("60"),
        "planned_start": date(2027, 1, 11),
        "pricing_unit": "per_student",
    },
    {
        "number": 2,
        "title": "Kotoutumiskoulutus, hidas polku (Iisalmi)",
        "title_sv": "Integrationsutbildning, långsam stig (Idensalmi)",
        "municipality": "Iisalmi",
        "study_path": "slow",
        "students": 16,
        "groups": 1,
        "training_days": 180,
        "planned_start": date(2027, 2, 1),
        "pricing_unit": "per_student",
    },
]
REQUIREMENTS = [
    {
        "number": 1,
        "kind": "registration",
        "text": "Tarjoaja on merkitty kaupparekisteriin, ennakkoperintärekisteriin ja työnantajarekisteriin.",
        "text_sv": "Anbudsgivaren är införd i handelsregistret, förskottsuppbördsregistret och arbetsgivarregistret.",
        "evidence": "Tilaajavastuulain mukaiset selvitykset.",
        "evidence_sv": "Utredningar enligt lagen om beställarens utredningsskyldighet.",
    },
    {
        "number": 2,
        "kind": "economic",
        "text": "Liikevaihto vähintään 300 000 € kahtena viime tilikautena.",
        "text_sv": "Omsättningen minst 300 000 € under de två senaste räkenskapsperioderna.",
        "evidence": "Tilinpäätökset.",
        "evidence_sv": "Bokslut.",
    },
    {
        "number": 3,
        "kind": "technical",
        "text": "Vastuuopettajalla vähintään viiden vuoden kokemus aikuisten maahanmuuttajien opettamisesta.",
        "text_sv": "Den ansvariga läraren har minst fem års erfarenhet av att undervisa vuxna invandrare.",
        "evidence": "CV ja todistukset.",
        "evidence_sv": "CV och intyg.",
    },
]
CRITERIA = [
    {
        "number": 1,
        "name": "Toteutussuunnitelma ja pedagogiikka",
        "name_sv": "Genomförandeplan och pedagogik",
        "weight": Decimal("25"),
        "max_points": Decimal("10"),
    },
    {
        "number": 2,
        "name": "Yhteistyö työnantajien kanssa ja työssäoppiminen",
        "name_sv": "Samarbete med arbetsgivare och lärande i arbetet",
        "weight": Decimal("15"),
        "max_points": Decimal("10"),
    },
]
DESCRIPTION = (
    "Työvoimakoulutuksena hankittava kotoutumiskoulutus aikuisille maahanmuuttajille "
    "(OPH:n opetussuunnitelman perusteet 2022, tavoitetaso B1.1)."
)
# A bilingual authority's calls have their Swedish title and description too (tenders.languages).
SWEDISH_TITLE = "Integrationsutbildning 2027"
DESCRIPTION_SV = (
    "Integrationsutbildning för vuxna invandrare som upphandlas som arbetskraftsutbildning "
    "(Utbildningsstyrelsens läroplansgrunder 2022, målnivå B1.1)."
)
# How a combined framework chooses between its two ways of ordering, as the demo framework's call states it.
FRAMEWORK_RULE = (
    "Koulutukset tilataan etusijajärjestyksessä. Kevennetty kilpailutus järjestetään, kun aloitettava ryhmä on "
    "tavanomaisesta poikkeava (esimerkiksi työelämäpainotteinen tai yli 16 opiskelijaa)."
)
SCORE_REASON = "Suunnitelma vastaa tarjouspyynnön vaatimuksia; perustelut arviointimuistiossa."
# Every officer-written text has its Swedish counterpart, which a bilingual authority's documents need.
SCORE_REASON_SV = "Planen motsvarar kraven i anbudsförfrågan; motiveringen finns i bedömningspromemorian."


# Every demo user with what they do: `make run` names them (seed_demo --users), so a newcomer can sign in as each.
DEMO_USERS = [
    ("officer", "procurement officer of Itä-Suomen elinvoimakeskus and the Pohjois-Savo ELY centre"),
    ("officer2", "second procurement officer: approves calls, opens bids and draws lots with officer"),
    ("evaluator", "member of the evaluation panel"),
    ("provider1", "provider: administrator of Savon Kieliopisto Oy"),
    ("provider2", "provider: administrator of Kotoutumisen Tuki ry"),
    ("provider3", "provider: administrator of Opintie Koulutus Oy"),
    ("auditor", "auditor: reads every authority's calls, records and audit log"),
]


def demo_users_text() -> str:
    lines = [f"  {username:<10} {role}" for username, role in DEMO_USERS]
    return "Demo users (password: demo):\n" + "\n".join(lines)


# The demo's contracting authorities: the ELY centre (until 2025) and its successor, the elinvoimakeskus; a municipality
# and a bilingual municipality, for the variants of the redress (Command._variants).
AUTHORITIES = {
    "ely": {
        "name_fi": "Pohjois-Savon elinkeino-, liikenne- ja ympäristökeskus",
        "name_sv": "Närings-, trafik- och miljöcentralen i Norra Savolax",
        "name_en": "Centre for Economic Development, Transport and the Environment for North Savo",
        "business_id": "2296962-1",
        "kind": "state_authority",
        "language_status": "fi",
        "region": "Pohjois-Savo",
        "email": "kirjaamo.pohjois-savo@ely-keskus.fi",
        "phone": "+358 29 502 4500",
        "street": "Kallanranta 11",
        "postal_code": "70110",
        "town": "Kuopio",
        "nuts": "FI1D2",
        "website": "https://www.ely-keskus.fi/pohjois-savo",
        "valid_from": date(2010, 1, 1),
        "valid_to": date(2025, 12, 31),
    },
    "successor": {
        "name_fi": "Itä-Suomen elinvoimakeskus",
        "name_sv": "Livskraftscentralen i Östra Finland",
        "name_en": "Eastern Finland Centre for Vitality",
        "business_id": "3387765-0",
        "kind": "state_authority",
        "language_status": "fi",
        "region": "Pohjois-Savo",
        "email": "kirjaamo@elinvoimakeskus.example",
        "phone": "+358 29 502 4000",
        "address": "Kallanranta 11, 70110 Kuopio",
        "street": "Kallanranta 11",
        "postal_code": "70110",
        "town": "Kuopio",
        "nuts": "FI1D2",
        "website": "https://www.elinvoimakeskus.example",
        "valid_from": date(2026, 1, 1),
    },
    "municipality": {
        "name_fi": "Kuopion kaupunki",
        "name_sv": "Kuopio stad",
        "name_en": "City of Kuopio",
        "business_id": "0174120-6",
        "kind": "municipality",
        "language_status": "fi",
        "region": "Pohjois-Savo",
        "email": "kirjaamo@kuopio.example",
        "phone": "+358 17 182 111",
        "address": "Suokatu 42, 70100 Kuopio",
        "street": "Suokatu 42",
        "postal_code": "70100",
        "town": "Kuopio",
        "nuts": "FI1D2",
        "website": "https://www.kuopio.example",
        "valid_from": date(2009, 1, 1),
    },
    "bilingual": {
        "name_fi": "Vaasan kaupunki",
        "name_sv": "Vasa stad",
        "name_en": "City of Vaasa",
        "business_id": "0209602-6",
        "kind": "municipality",
        "language_status": "bilingual",
        "region": "Pohjanmaa",
        "email": "kirjaamo@vaasa.example",
        "phone": "+358 6 325 1111",
        "address": "Kauppapuistikko 11, 65100 Vaasa",
        "street": "Kauppapuistikko 11",
        "postal_code": "65100",
        "town": "Vaasa",
        "nuts": "FI195",
        "website": "https://www.vaasa.example",
        "valid_from": date(1973, 1, 1),
    },
}


# The demo's training providers (provider1's, provider2's, provider3's).
PROVIDERS = (
    {
        "name": "Savon Kieliopisto Oy",
        "business_id": "3012345-8",
        "email": "tarjoukset@kieliopisto.example",
        "address": "Puijonkatu 12, 70100 Kuopio",
        "company_size": "small",
    },
    {
        "name": "Kotoutumisen Tuki ry",
        "business_id": "3123456-3",
        "email": "toimisto@kotoutumisentuki.example",
        "address": "Minna Canthin katu 20, 70100 Kuopio",
        "company_size": "micro",
    },
    {
        "name": "Opintie Koulutus Oy",
        "business_id": "3234567-9",
        "email": "myynti@opintie.example",
        "address": "Hämeenkatu 5, 33100 Tampere",
        "company_size": "medium",
    },
)


# Hilma's statistics answers of the demo calls: a yes to an environmental question and to the employment condition,
# so that their follow-up questions are answered too (each call keeps the questions its notice type asks).
STATISTICS = {
    "innovationConsidered": True,
    "solutionNewToBuyer": False,
    "solutionNewToMarketOrIndustry": False,
    "energyEfficiencyConsidered": False,
    "lowCarbon": False,
    "circularEconomy": True,
    "biodiversity": False,
    "sustainableFoodProduction": False,
    "listedGreenCriteriaUsed": False,
    "justWorkingConditions": True,
    "employmentCondition": True,
    "howManyOpportunitiesIsEstimated": 4,
    "codeOfConduct": False,
    "smeParticipationConsidered": True,
    "endUserInvolved": True,
}


def demo_points(offer: LotOffer, criterion, *, tie_but: int | None = None) -> Decimal:
    """The panel's points of a demo offer on a criterion: 5 to 9, by its bidder and the criterion; for a tie, 10 for
    every bidder but the provider `tie_but`."""
    if tie_but is not None and offer.bid.provider_id != tie_but:
        return Decimal(10)
    return Decimal(5 + (offer.bid.provider_id + criterion.number) % 5)


def notice_fields(authority: ContractingAuthority, estimated_value: Decimal) -> dict:
    """The contract's term and options (in Swedish too for a bilingual authority) and the statistics answers the
    call's notice type asks (none below the national threshold)."""
    notice = tender_notice_type(Tender(authority=authority, estimated_value=estimated_value))
    asked = statistics_asked(STATISTICS, notice=notice)
    return {
        "contract_months": 24,
        "option_months": 12,
        "options_description": "Hankintayksiköllä on oikeus jatkaa sopimusta yhdellä 12 kuukauden optiokaudella.",
        **(
            {
                "options_description_sv": "Den upphandlande enheten har rätt att förlänga avtalet med en option på 12 "
                "månader."
            }
            if authority.language_status == "bilingual"
            else {}
        ),
        "hilma_statistics": {key: value for key, value in STATISTICS.items() if key in asked},
    }


class Command(BaseCommand):
    help = "Load demo data (idempotent: does nothing if the demo users exist)."

    def add_arguments(self, parser):
        parser.add_argument("--users", action="store_true", help="Only list the demo users.")

    def handle(self, *args, **options):
        if options["users"]:
            self.stdout.write(demo_users_text())
            return
        if not settings.DEBUG:
            raise CommandError("Demo users with the password 'demo' are created only when DEBUG is on.")
        if User.objects.filter(username="officer").exists():
            self.stdout.write("Demo data is already loaded.")
            return
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(demo_users_text())

    def _user(self, username, first, last, **membership):
        password = settings.HANKINTA["DEMO_PASSWORD"]
        user = User.objects.create_user(
            username=username, password=password, first_name=first, last_name=last, email=f"{username}@example.invalid"
        )
        Membership.objects.create(user=user, **membership)
        return user

    def _content(self, tender, user, base: Decimal) -> dict:
        """A complete demo bid: a price per lot, an answer per criterion, the declarations and the evidence."""
        return {
            "lot_offers": [
                {"lot": lot.pk, "unit_price": str(base + lot.number * 150), "vat_rate": "0"}
                for lot in tender.lots.all()
            ],
            "quality_answers": [
                {"criterion": c.pk, "text": "Toteutussuunnitelma ja menetelmät kuvataan liitteessä."}
                for c in tender.criteria.all()
            ],
            "exclusion_declaration": dict.fromkeys(tender.exclusion_grounds, False),
            "suitability_evidence": [
                {"requirement": r.pk, "text": "Selvitykset liitteenä."} for r in tender.requirements.all()
            ],
            "contact": {"name": user.get_full_name(), "email": user.email, "phone": "+358 40 123 4567"},
            "business_secrets": [],
        }

    def _seed(self):
        ely, successor = (ContractingAuthority.objects.create(**AUTHORITIES[key]) for key in ("ely", "successor"))
        ely.successor = successor
        ely.save(update_fields=["successor"])
        providers = [ProviderOrganisation.objects.create(**fields) for fields in PROVIDERS]
        officer = self._user("officer", "Olli", "Hankkija", role=Role.OFFICER, authority=successor)
        Membership.objects.create(user=officer, role=Role.OFFICER, authority=ely)
        officer2 = self._user("officer2", "Outi", "Toinen", role=Role.OFFICER, authority=successor)
        Membership.objects.create(user=officer2, role=Role.OFFICER, authority=ely)
        evaluator = self._user("evaluator", "Eeva", "Arvioija", role=Role.EVALUATOR, authority=successor)
        p1 = self._user("provider1", "Pekka", "Tarjoaja", role=Role.PROVIDER_ADMIN, provider=providers[0])
        p2 = self._user("provider2", "Paula", "Tarjoaja", role=Role.PROVIDER_ADMIN, provider=providers[1])
        p3 = self._user("provider3", "Pirjo", "Kolmas", role=Role.PROVIDER_ADMIN, provider=providers[2])
        self._user("auditor", "Aino", "Tarkastaja", role=Role.AUDITOR)

        titles = {
            "draft": "Kotoutumiskoulutus 2027, Ylä-Savo (luonnos)",
            "pending_approval": "Ruotsinkielinen kotoutumiskoulutus 2027 (hyväksyttävänä)",
            "approved": "Kotoutumiskoulutus, työelämäpainotteinen 2027 (hyväksytty)",
            "published": "Kotoutumiskoulutus 2027, Kuopion seutu",
            "closed": "Suomen kielen kotoutumiskoulutus, kevät 2027",
            "opened": "Kotoutumiskoulutus, nopea polku 2027",
            "evaluated": "Kotoutumiskoulutus, hidas polku 2026–2027",
            "decided": "Kotoutumiskoulutus, perustaso 2026",
            "completed": "Kotoutumiskoulutus 2025 (Pohjois-Savon ELY-keskus)",
            "cancelled": "Työelämävalmiuksien koulutus 2026 (keskeytetty)",
            "unsuccessful": "Kotoutumiskoulutus, Varkaus 2026 (ei hyväksyttäviä tarjouksia)",
        }
        now = timezone.now()
        for position, (state, title) in enumerate(titles.items(), start=1):
            authority = ely if state == "completed" else successor
            value = Decimal("850000") if position % 2 else Decimal("420000")
            tender = tender_create(
                actor=officer,
                authority=authority,
                fields={
                    "title_fi": title,
                    "reference": f"DEMO-{position:03d}",
                    "description_fi": DESCRIPTION,
                    **(
                        {"title_sv": SWEDISH_TITLE, "description_sv": DESCRIPTION_SV}
                        if authority.language_status == "bilingual"
                        else {}
                    ),
                    "estimated_value": value,
                    **notice_fields(authority, value),
                    "price_weight": Decimal("60"),
                    # The draft's deadline falls on Christmas Eve: its timeline step shows the day-off warning.
                    "submission_deadline": _christmas_eve_noon(now) if state == "draft" else now + timedelta(days=21),
                },
                children={
                    "lots": [dict(lot) for lot in LOTS],
                    "criteria": [dict(c) for c in CRITERIA],
                    "requirements": [dict(r) for r in REQUIREMENTS],
                },
            )
            if state == "draft":
                continue
            tender_submit_for_approval(actor=officer, tender_id=tender.pk)
            if state == "pending_approval":
                continue
            tender_approve(actor=officer2, tender_id=tender.pk, comment="Tarkistettu.")
            if state == "approved":
                continue
            tender_publish(actor=officer, tender_id=tender.pk)
            if state == "published":
                question = question_ask(
                    actor=p2,
                    tender_id=tender.pk,
                    received_at=now,
                    text="Voiko osan 2 opetuksen toteuttaa osittain etäopetuksena?",
                )
                question_answer(
                    actor=officer,
                    tender_id=tender.pk,
                    question_id=question.pk,
                    answer="Enintään 20 % lähiopetustunneista voi toteuttaa etäopetuksena.",
                )
                answers_publish(actor=officer, tender_id=tender.pk)
                bid_create(
                    actor=p1,
                    tender_id=tender.pk,
                    content={
                        "lot_offers": [{"lot": tender.lots.get(number=1).pk, "unit_price": "9800", "vat_rate": "0"}]
                    },
                    received_at=now,
                )
                continue
            if state == "cancelled":
                tender_cancel(
                    actor=officer,
                    tender_id=tender.pk,
                    reason="Hankinnan tarve muuttui olennaisesti määrärahojen vähennyksen vuoksi.",
                    reason_sv="Upphandlingsbehovet ändrades väsentligt på grund av minskade anslag.",
                )
                continue
            # The decided call shows a tie settled by lot: two equal offers (price and full quality points) in each lot.
            tie = state == "decided"
            third = Decimal("8900") if tie else Decimal("10200")
            # History: the deadline has passed (the completed call's long ago, the decided call's ten days ago, so
            # that its price explanation was asked after the opening); the bids came in just before it.
            deadline = now - HISTORY_DEADLINE_AGO.get(state, timedelta(hours=1))
            offers = ((p1, Decimal("9500")), (p2, Decimal("8900")), (p3, third))
            self._bid_and_close(tender, officer, offers, deadline)
            if state == "closed":
                continue
            # The panel is named and declares no conflict of interest before anyone sees a bid.
            panel_add(actor=officer, tender_id=tender.pk, user_id=officer.pk)
            panel_declare(actor=officer, tender_id=tender.pk, has_conflict=False)
            if authority == successor:
                panel_add(actor=officer, tender_id=tender.pk, user_id=evaluator.pk)
                panel_declare(actor=evaluator, tender_id=tender.pk, has_conflict=False)
            tender_open(actor=officer, tender_id=tender.pk)  # two officers open the bids together
            tender_open(actor=officer2, tender_id=tender.pk)
            _backdate_opening(tender, deadline)
            if state in ("opened", "decided"):
                self._price_explanation(tender, officer, provider=providers[1], silent=state == "decided")
            if state == "opened":
                # An interrupted lot: every offer for lot 2 was over its budget; the decision goes to its bidders.
                lot_declare_unsuccessful(
                    actor=officer,
                    tender_id=tender.pk,
                    lot_number=2,
                    reason="Kaikki osan 2 tarjoukset ylittivät osalle varatun määrärahan (110 000 €).",
                    reason_sv="Alla anbud för delområde 2 överskred det anslag som reserverats för delområdet "
                    "(110 000 €).",
                )
                continue
            if state == "unsuccessful":
                tender_declare_unsuccessful(
                    actor=officer,
                    tender_id=tender.pk,
                    reason="Kaikki tarjoukset ylittivät hankintaan varatun määrärahan.",
                    reason_sv="Alla anbud överskred det anslag som reserverats för upphandlingen.",
                )
                continue
            self._qualified_and_scored(
                tender, officer, points=partial(demo_points, tie_but=providers[0].pk if tie else None)
            )
            tender_evaluate(actor=officer, tender_id=tender.pk)
            if state == "evaluated":
                continue
            # Only the lots still tied: an offer rejected for its price (§ 96, above) can leave a lot with no tie.
            while tie and (ties := ties_needing_draw(tender)):
                # Two officers draw lots: one starts (the seed is committed), the other confirms (it is revealed).
                tie_draw_start(actor=officer, tender_id=tender.pk, lot_number=ties[0]["lot_number"])
                tie_draw_confirm(actor=officer2, tender_id=tender.pk, lot_number=ties[0]["lot_number"])
            tender_propose(actor=officer, tender_id=tender.pk, note="Ehdotus vertailun perusteella.")
            decision = tender_decide(actor=officer2 if state == "decided" else officer, tender_id=tender.pk)
            if state == "decided":
                self._appeal_pending(tender, officer, appellant=providers[2])
                continue
            AwardDecision.objects.filter(pk=decision.pk).update(
                decided_at=now - timedelta(days=40),
                standstill_ends_on=(now - timedelta(days=25)).date(),
                appeal_ends_on=(now - timedelta(days=25)).date(),
            )
            self._contract_each_lot(tender, officer, decided_at=now - timedelta(days=40))
            tender_complete(actor=officer, tender_id=tender.pk)
        self._variants(officer=officer, officer2=officer2, bidders=(p1, p2, p3))
        self._framework(authority=successor, officer=officer, officer2=officer2, bidders=(p1, p2, p3))

    def _bid_and_close(self, tender, officer, offers, deadline):
        """Each bidder's bid at its base price, received two hours before the deadline; then the deadline has passed
        and the call is closed."""
        for user, base in offers:
            received = deadline - timedelta(hours=2)
            bid = bid_create(
                actor=user, tender_id=tender.pk, received_at=received, content=self._content(tender, user, base)
            )
            bid_submit(actor=user, bid_id=bid.pk, received_at=received)
        _backdate(tender, deadline)
        tender_close(actor=officer, tender_id=tender.pk)

    def _variants(self, *, officer, officer2, bidders):
        """Decided calls of other kinds of authority, so that each variant of the redress can be read in a PDF: a
        municipality below the national threshold (the Local Government Act's claim for a review, the decision deemed
        received on the third day after sending) and a bilingual municipality above it (hankintaoikaisu and the
        Market Court, every text in Finnish and Swedish). The elinvoimakeskus's decided call above is the state
        authority at or above the threshold."""
        municipality, bilingual = (
            ContractingAuthority.objects.create(**AUTHORITIES[key]) for key in ("municipality", "bilingual")
        )
        for authority in (municipality, bilingual):
            for user in (officer, officer2):
                Membership.objects.create(user=user, role=Role.OFFICER, authority=authority)
        for user in (officer, officer2):
            user.__dict__.pop("_hankinta_roles", None)  # roles_of() read them before these memberships
        kuopio = self._decided_tender(
            authority=municipality,
            officer=officer,
            officer2=officer2,
            bidders=bidders,
            fields={
                "title_fi": "Kotoutumiskoulutus, Kuopion kaupunki 2027 (pienhankinta)",
                "reference": "DEMO-KUO-001",
                "estimated_value": Decimal("250000"),
            },
            lots=LOTS[:1],
        )
        vaasa = self._decided_tender(
            authority=bilingual,
            officer=officer,
            officer2=officer2,
            bidders=bidders,
            fields={
                "title_fi": "Kotoutumiskoulutus suomeksi ja ruotsiksi, Vaasa 2027",
                "title_sv": "Integrationsutbildning på finska och svenska, Vasa 2027",
                "reference": "DEMO-VAA-001",
                "estimated_value": Decimal("480000"),
            },
            lots=[
                {
                    **LOTS[0],
                    "title": "Kotoutumiskoulutus, perustaso",
                    "municipality": "Vaasa",
                    "title_sv": "Integrationsutbildning, grundläggande nivå",
                },
                {
                    **LOTS[1],
                    "title": "Ruotsinkielinen kotoutumiskoulutus",
                    "municipality": "Vaasa",
                    "title_sv": "Svenskspråkig integrationsutbildning",
                    "language_of_instruction": "sv",
                },
            ],
        )

        self._claim_rejected(kuopio, officer, claimant=bidders[2])
        self._claim_corrected(vaasa, officer, claimant=bidders[1])

    def _claim_rejected(self, tender, officer, *, claimant):
        """The municipality's call: a bidder's claim for rectification (Local Government Act) that came by e-mail,
        rejected with reasons; its decision (PDF) goes to the claimant and the lot's other bidders."""
        claim = claim_register(
            actor=officer,
            tender_id=tender.pk,
            lot_ids=[tender.lots.get(number=1).pk],
            grounds="Vaadimme päätöksen oikaisemista: opettajien kokemusta ei ole pisteytetty oikein.",
            arrived_on=timezone.localdate(),
            channel="email",
            provider_id=claimant.memberships.filter(provider__isnull=False).first().provider_id,
        )
        claim_decide(
            actor=officer,
            claim_id=claim.pk,
            outcome="rejected",
            reason="Vertailu on tehty tarjouspyynnön perusteiden mukaisesti; opettajien kokemus on pisteytetty "
            "ilmoitetun asteikon mukaan.",
        )

    def _claim_corrected(self, tender, officer, *, claimant):
        """The bilingual call: a bidder's claim for rectification (hankintaoikaisu) about lot 1 is accepted; the first
        quality criterion of lot 1 is scored again and lot 1 decided again, which makes edition 2 of the decision with
        new letters and new periods for lot 1 only (edition 1 stays on record, replaced for lot 1)."""
        lot = tender.lots.get(number=1)
        criterion = tender.criteria.order_by("number").first()
        claim = claim_register(
            actor=officer,
            tender_id=tender.pk,
            lot_ids=[lot.pk],
            grounds="Tarjouksemme opetussuunnitelma täyttää kriteerin 1 kaikki vaatimukset; pisteytys on virheellinen.",
            arrived_on=timezone.localdate(),
            channel="email",
            provider_id=claimant.memberships.filter(provider__isnull=False).first().provider_id,
        )
        claim_correct(
            actor=officer,
            claim=claim,
            lots=[lot],
            criteria=[criterion],
            reason="Vaatimus hyväksytään: kriteerin 1 pisteytys tehdään uudelleen osassa 1.",
            reason_sv="Begäran godkänns: kriterium 1 poängsätts på nytt i delområde 1.",
        )
        consensus_scores_record(
            actor=officer,
            tender=tender,
            offers=LotOffer.objects.filter(lot=lot, price_rejection__isnull=True).select_related("bid"),
            criteria=[criterion],
            points=lambda offer, _criterion: Decimal(10 if offer.bid.provider_id == claim.provider_id else 5),
            reason="Arvioitu uudelleen hankintaoikaisun johdosta.",
            reason_sv="Bedömd på nytt med anledning av upphandlingsrättelsen.",
        )
        correction_decide(actor=officer, tender_id=tender.pk)

    def _appeal_pending(self, tender, officer, *, appellant):
        """The decided call: a bidder has appealed lot 1 to the Market Court; contracting of lot 1 is suspended until
        the officer records the court's ruling."""
        appeal_register(
            actor=officer,
            tender_id=tender.pk,
            lot_ids=[tender.lots.get(number=1).pk],
            diary_number="MAO:512/2026",
            informed_on=timezone.localdate(),
            appellant_id=appellant.pk,
        )

    def _decided_tender(self, *, authority, officer, officer2, bidders, fields, lots, deadline=None):
        """A call taken from its draft to the decision: three bids, the opening by two officers, qualification,
        the panel's scores with reasons in Finnish and Swedish, the proposal and the decision."""
        now = timezone.now()
        tender = tender_create(
            actor=officer,
            authority=authority,
            fields={
                "description_fi": DESCRIPTION,
                "description_sv": DESCRIPTION_SV,
                "price_weight": Decimal("60"),
                "submission_deadline": now + timedelta(days=21),
                **notice_fields(authority, fields["estimated_value"]),
                **fields,
            },
            children={
                "lots": [dict(lot) for lot in lots],
                "criteria": [dict(c) for c in CRITERIA],
                "requirements": [dict(r) for r in REQUIREMENTS],
            },
        )
        tender_submit_for_approval(actor=officer, tender_id=tender.pk)
        tender_approve(actor=officer2, tender_id=tender.pk, comment="Tarkistettu.")
        tender_publish(actor=officer, tender_id=tender.pk)
        deadline = deadline or now - timedelta(hours=1)
        offers = zip(bidders, (Decimal("9500"), Decimal("8900"), Decimal("10200")), strict=True)
        self._bid_and_close(tender, officer, offers, deadline)
        panel_add(actor=officer, tender_id=tender.pk, user_id=officer.pk)
        panel_declare(actor=officer, tender_id=tender.pk, has_conflict=False)
        tender_open(actor=officer, tender_id=tender.pk)
        tender_open(actor=officer2, tender_id=tender.pk)
        _backdate_opening(tender, deadline)
        self._qualified_and_scored(tender, officer)
        tender_evaluate(actor=officer, tender_id=tender.pk)
        tender_propose(actor=officer, tender_id=tender.pk, note="Ehdotus vertailun perusteella.")
        tender_decide(actor=officer2, tender_id=tender.pk)
        return tender

    def _framework(self, *, authority, officer, officer2, bidders):
        """A framework agreement in force (its call decided 40 days ago, its contracts signed today) with orders in
        each state of the order of preference, and a mini-competition among its providers, published."""
        from evaluation.calloffs import call_off_accept, call_off_create, call_off_decline
        from evaluation.mini_competitions import mini_competition_create

        now = timezone.now()
        tender = self._decided_tender(
            authority=authority,
            officer=officer,
            officer2=officer2,
            bidders=bidders,
            fields={
                "title_fi": "Kotoutumiskoulutuksen puitejärjestely 2027–2028, Pohjois-Savo",
                "reference": "DEMO-PJ-001",
                "estimated_value": Decimal("900000"),
                "is_framework": True,
                "framework_providers_per_lot": 3,
                "call_off_method": "combined",
                "call_off_rule": FRAMEWORK_RULE,
            },
            lots=[{**lot, "max_value": Decimal("450000"), "max_volume": Decimal("60")} for lot in LOTS],
            deadline=now - HISTORY_DEADLINE_AGO["completed"],
        )
        AwardDecision.objects.filter(tender=tender).update(
            decided_at=now - timedelta(days=40),
            standstill_ends_on=(now - timedelta(days=25)).date(),
            appeal_ends_on=(now - timedelta(days=25)).date(),
        )
        self._contract_each_lot(tender, officer, decided_at=now - timedelta(days=40))
        framework = tender.lots.get(number=1).framework
        for member, capacity in zip(framework.members.order_by("rank"), (40, 30, 30), strict=True):
            FrameworkMember.objects.filter(pk=member.pk).update(capacity=capacity)
        first, second, _third = (member.provider for member in framework.members.order_by("rank"))
        user_of = {user.memberships.get(provider__isnull=False).provider_id: user for user in bidders}
        start = timezone.localdate() + timedelta(days=45)
        course = {"language_of_instruction": "fi", "study_path": "basic", "training_days": 120}
        # Accepted by the first-ranked provider.
        accepted = call_off_create(
            actor=officer, framework_id=framework.pk, municipality="Kuopio", students=16, start_on=start, **course
        )
        call_off_accept(actor=user_of[first.pk], call_off_id=accepted.pk)
        # Declined by the first-ranked provider (no teacher free) and passed on to the second, who accepted.
        passed = call_off_create(
            actor=officer,
            framework_id=framework.pk,
            municipality="Siilinjärvi",
            students=14,
            start_on=start + timedelta(days=14),
            **course,
        )
        call_off_decline(
            actor=user_of[first.pk],
            call_off_id=passed.pk,
            reason="Meillä ei ole vapaata opettajaa Siilinjärvelle tälle aloitusajalle.",
        )
        call_off_accept(actor=user_of[second.pk], call_off_id=passed.pk)
        # Waiting for the first-ranked provider's reply.
        call_off_create(
            actor=officer,
            framework_id=framework.pk,
            municipality="Kuopio",
            students=12,
            start_on=start + timedelta(days=28),
            note="Ryhmä aloittaa iltaopetuksena.",
            **course,
        )
        # A mini-competition among the lot's providers for a course the order of preference does not fit.
        mini = mini_competition_create(
            actor=officer,
            framework_id=framework.pk,
            title_fi="Kevennetty kilpailutus: työelämäpainotteinen kotoutumiskoulutus, Kuopio",
            municipality="Kuopio",
            language_of_instruction="fi",
            study_path="fast",
            students=18,
            start_on=start + timedelta(days=60),
            training_days=100,
            submission_deadline=now + timedelta(days=10),
        )
        tender_submit_for_approval(actor=officer, tender_id=mini.pk)
        tender_approve(actor=officer2, tender_id=mini.pk, comment="Tarkistettu.")
        tender_publish(actor=officer, tender_id=mini.pk)

    def _qualified_and_scored(self, tender, officer, *, points=demo_points):
        """Every bid qualified (_qualify_all), then the panel's consensus scores of every offer not rejected for its
        price, bid by bid, on every criterion, with the demo's reasons."""
        self._qualify_all(tender, officer)
        consensus_scores_record(
            actor=officer,
            tender=tender,
            offers=[
                offer
                for bid in Bid.objects.filter(tender=tender).prefetch_related("lot_offers")
                for offer in bid.lot_offers.filter(price_rejection__isnull=True)
            ],
            points=points,
            reason=SCORE_REASON,
            reason_sv=SCORE_REASON_SV,
        )

    def _qualify_all(self, tender, officer):
        """Every bid passes every check: its exclusion-grounds declaration and each suitability requirement."""
        qualification_checks_record(
            actor=officer,
            tender=tender,
            bids=Bid.objects.filter(tender=tender),
            check=lambda _bid, _subject: {
                "passed": True,
                "reason": "Vaatimus täyttyy; selvitys tarkistettu.",
                "reason_sv": "Kravet uppfylls; utredningen har kontrollerats.",
            },
        )

    def _contract_each_lot(self, tender, officer, *, decided_at):
        """History: the decision was notified with it, the standstill ended 25 days ago; today an officer checks that
        no claim or appeal arrived and records the signing (a call is completed only when its lots are)."""
        from evaluation.contracts import contract_sign, lot_contracting_clear

        LotContract.objects.filter(lot__tender=tender).update(
            status=ContractStatus.STANDSTILL,
            notified_at=decided_at,
            standstill_ends_on=(decided_at + timedelta(days=15)).date(),
            appeal_deadline=decided_at + timedelta(days=15),
            self_correction_ends_on=(decided_at + timedelta(days=15)).date(),
        )
        for contract in LotContract.objects.filter(lot__tender=tender).order_by("lot__number"):
            lot_contracting_clear(
                actor=officer, contract_id=contract.pk, confirmed=True, note="Kirjaamo ja sähköposti tarkistettu."
            )
            contract_sign(
                actor=officer,
                contract_id=contract.pk,
                signed_on=timezone.localdate(),
                signatories=["Olli Hankkija", "Toimittajan edustaja"],
                reference=f"SOP-{tender.pk}-{contract.lot.number}",
            )

    def _price_explanation(self, tender, officer, *, provider, silent: bool):
        """§96: the officer asks a bidder to explain its lot 1 price (not flagged: any offer may be asked); in the
        decided call the bidder stayed silent past the time set and the offer was rejected for its price."""
        from evaluation.clarifications import offer_reject_for_price, provider_request_create

        offer = LotOffer.objects.get(bid__tender=tender, bid__provider=provider, lot__number=1)
        request = provider_request_create(
            actor=officer,
            tender_id=tender.pk,
            bid_id=offer.bid_id,
            lot_offer_id=offer.pk,
            kind=ProviderRequest.Kind.PRICE_EXPLANATION,
            message="Selvittäkää, miten hinta kattaa opettajien palkat ja opetustilat koko koulutuksen ajan.",
            deadline=timezone.now() + timedelta(days=5),
        )
        if not silent:
            return
        # History: the request was sent a week ago with five days to answer, and no answer came.
        now = timezone.now()
        ProviderRequest.objects.filter(pk=request.pk).update(
            requested_at=now - timedelta(days=7), deadline=now - timedelta(days=2)
        )
        offer_reject_for_price(
            actor=officer,
            tender_id=tender.pk,
            lot_offer_id=offer.pk,
            reason="Hinta ei kata työehtosopimuksen mukaisia opettajien palkkoja tarjouspyynnön mukaisella "
            "opetustuntimäärällä.",
            reason_sv="Priset täcker inte lärarlönerna enligt kollektivavtalet med det antal undervisningstimmar "
            "som anbudsförfrågan anger.",
        )


# How long ago the deadline of a call in the demo's history passed (an hour unless named here): the completed
# call was decided 40 days ago, and the decided call's silent bidder was asked to explain its price a week ago.
HISTORY_DEADLINE_AGO = {"completed": timedelta(days=60), "decided": timedelta(days=10)}


def _backdate(tender: Tender, deadline: datetime) -> None:
    """History: the call was drafted, approved and published three weeks before its deadline, which has passed.

    The services stamp what they do with the present time, so a call of the demo's history is moved back
    afterwards: no call is published after its own deadline (tests/procurement/test_seed_demo.py)."""
    published = deadline - timedelta(days=21)
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=deadline,
        next_check=deadline,
        questions_deadline=deadline - timedelta(days=10) if tender.questions_deadline else None,
        answers_by=deadline - timedelta(days=6) if tender.answers_by else None,
        opening_at=deadline if tender.opening_at else None,
        created_at=published - timedelta(days=3),
        submitted_for_approval_at=published - timedelta(days=2),
        approved_at=published - timedelta(days=1),
        published_at=published,
    )
    tender.versions.update(created_at=published)
    tender.refresh_from_db()


def _backdate_opening(tender: Tender, deadline: datetime) -> None:
    """The bids were opened an hour after the deadline; the panel had declared on conflicts of interest before."""
    from evaluation.models import OpeningRequest, PanelMember

    opened = deadline + timedelta(hours=1)
    OpeningRequest.objects.filter(tender=tender).update(requested_at=opened - timedelta(minutes=5), confirmed_at=opened)
    Tender.objects.filter(pk=tender.pk).update(closed_at=deadline, opened_at=opened)
    PanelMember.objects.filter(tender=tender).update(
        added_at=opened - timedelta(minutes=30), declared_at=opened - timedelta(minutes=20)
    )


def _christmas_eve_noon(now) -> datetime:
    """The next Christmas Eve at least a week away, at noon Finnish time."""
    local = now.astimezone(HELSINKI)
    year = local.year if local.date() <= date(local.year, 12, 17) else local.year + 1
    return datetime.combine(date(year, 12, 24), time(12, 0), tzinfo=HELSINKI)
