"""The eForms XML of a call's notices, built from the call as published (a TenderVersion's snapshot): the contract
notice (E3 national, 20 EU light regime) and its change notice; the award notice reuses the building blocks here.

Identifiers stay the same across a notice's versions and the call's versions: the procedure is the call's
procedure_uuid, lots are LOT-0001… from the lot's number, organisations ORG-0001 (the buyer), ORG-0002 (the review
body), ORG-0100… (winners, in award notices)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from lxml import etree

from procurement.nuts import nuts3_for_municipality

from .namespaces import NS

CUSTOMIZATION_ID = "eforms-sdk-1.13"
HELSINKI = ZoneInfo("Europe/Helsinki")
LANGUAGE_CODES = {"fi": "FIN", "sv": "SWE", "en": "ENG"}
BUYER = "ORG-0001"
REVIEW_BODY = "ORG-0002"
# The review body of every procurement under the Procurement Act: the Market Court.
MARKET_COURT = {
    "name": {"fi": "Markkinaoikeus", "sv": "Marknadsdomstolen", "en": "Market Court"},
    "street": "Radanrakentajantie 5",
    "postal_code": "00520",
    "town": {"fi": "Helsinki", "sv": "Helsingfors", "en": "Helsinki"},
    "nuts": "FI1B1",
    "email": "markkinaoikeus@oikeus.fi",
    "website": "https://www.oikeus.fi/markkinaoikeus",
}
BUYER_LEGAL_TYPE = {
    "state_authority": "cga",
    "municipality": "la",
    "employment_area": "la",
    "joint_municipal_authority": "la",
    "other": "body-pl",
}
SUBTYPES = {
    # subtype: (root element, notice type code, form type list, regulatory domain)
    "E3": ("ContractNotice", "cn-standard", "competition", "other"),
    "20": ("ContractNotice", "cn-social", "competition", "32014L0024"),
    "E4": ("ContractAwardNotice", "can-standard", "result", "other"),
    "33": ("ContractAwardNotice", "can-social", "result", "32014L0024"),
}
NATIONAL_LEGAL_BASIS = {
    "fi": "Laki julkisista hankinnoista ja käyttöoikeussopimuksista (1397/2016)",
    "sv": "Lag om offentlig upphandling och koncession (1397/2016)",
}


# The SDK 1.13 code list is NUTS 2024, where nine Finnish regions have new codes (their borders moved in 2021);
# procurement.nuts keeps NUTS 2021, as Hilma's list does. A notice names the region by its 2024 code.
NUTS_2021_TO_2024 = {
    "FI193": "FI198",  # Keski-Suomi
    "FI194": "FI199",  # Etelä-Pohjanmaa
    "FI195": "FI19A",  # Pohjanmaa
    "FI197": "FI19B",  # Pirkanmaa
    "FI1C3": "FI1C6",  # Päijät-Häme
    "FI1C4": "FI1C7",  # Kymenlaakso
    "FI1D1": "FI1DA",  # Etelä-Savo
    "FI1D2": "FI1DB",  # Pohjois-Savo
    "FI1D3": "FI1DC",  # Pohjois-Karjala
}


def nuts_code(code: str) -> str:
    return NUTS_2021_TO_2024.get(code, code)


class UnsupportedNotice(ValueError):
    """The call's regime has no notice this module can build (below the national threshold, or a standard-regime
    procurement)."""


def lot_id(number: int) -> str:
    return f"LOT-{number:04d}"


def el(parent: Any, tag: str, text: Any = None, **attrs: str) -> Any:
    """A child element `prefix:name` with its text and attributes."""
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", {k.replace("_", ""): v for k, v in attrs.items()})
    if text is not None:
        node.text = str(text)
    return node


@dataclass
class Texts:
    """A text in the notice's languages (the first is the notice's language)."""

    by_language: dict[str, str]

    def put(self, parent: Any, tag: str, languages: Sequence[str]) -> None:
        for lang in languages:
            value = self.by_language.get(lang) or ""
            if value:
                el(parent, tag, value[:6000], languageID=LANGUAGE_CODES[lang])

    def missing(self, languages: Sequence[str]) -> list[str]:
        return [lang for lang in languages if not (self.by_language.get(lang) or "").strip()]


def translated(message: str, languages: Sequence[str], **values: Any) -> Texts:
    """A sentence of ours in each language of the notice (gettext, in the project's translations)."""
    result = {}
    for lang in languages:
        with translation.override(lang):
            result[lang] = _(message) % values if values else _(message)
    return Texts(result)


@dataclass
class Party:
    """An organisation of the notice (efac:Organization)."""

    ident: str
    name: Texts
    company_id: str = ""
    street: str = ""
    town: Texts = field(default_factory=lambda: Texts({}))
    postal_code: str = ""
    nuts: str = ""
    country: str = "FIN"
    email: str = ""
    phone: str = ""
    website: str = ""
    size: str = ""  # eForms economic-operator-size (BT-165), for winners
    buyer: bool = False
    winner: bool = False


@dataclass
class CallData:
    """What a notice says of the call, read from the version's snapshot (falling back to the call's current row for
    what older snapshots do not hold) and from the authority."""

    subtype: str
    languages: list[str]
    procedure_uuid: str
    reference: str
    title: Texts
    description: Texts
    procedure: str
    cpv_main: str
    cpv_additional: list[str]
    estimated_value: Decimal
    price_weight: Decimal
    is_framework: bool
    framework_providers_per_lot: int | None
    call_off_method: str
    submission_deadline: datetime.datetime
    questions_deadline: datetime.datetime | None
    tender_validity_months: int
    contract_months: int | None
    option_months: int | None
    options: Texts
    lots: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    buyer: Party
    call_url: str
    bid_languages: list[str]
    statistics: dict[str, Any]


def _as_datetime(value: Any) -> datetime.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value
    parsed = parse_datetime(str(value))
    return parsed


def _as_decimal(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def notice_languages(tender: Any, snapshot: dict[str, Any]) -> list[str]:
    """The call's language first; a bilingual authority's notice in both Finnish and Swedish."""
    main = snapshot.get("language") or tender.language or "fi"
    if tender.authority.language_status == "bilingual":
        return [main, *[lang for lang in ("fi", "sv") if lang != main]]
    return [main]


def _localised(snapshot: dict[str, Any], name: str, languages: Sequence[str]) -> Texts:
    return Texts({lang: snapshot.get(f"{name}_{lang}") or "" for lang in languages})


def _counterpart(main: str, swedish: str, languages: Sequence[str]) -> Texts:
    """An officer-written text whose main field holds the call's language and `_sv` the Swedish counterpart."""
    result = {languages[0]: main or ""}
    for lang in languages[1:]:
        result[lang] = swedish or "" if lang == "sv" else ""
    return Texts(result)


def buyer_party(authority: Any, languages: Sequence[str]) -> Party:
    return Party(
        ident=BUYER,
        name=Texts({"fi": authority.name_fi, "sv": authority.name_sv or "", "en": authority.name_en or ""}),
        company_id=authority.business_id,
        street=getattr(authority, "street", "") or "",
        town=Texts(dict.fromkeys(languages, getattr(authority, "town", "") or "")),
        postal_code=getattr(authority, "postal_code", "") or "",
        nuts=getattr(authority, "nuts", "") or "",
        email=authority.email or "",
        phone=authority.phone or "",
        website=getattr(authority, "website", "") or "",
        buyer=True,
    )


def review_party() -> Party:
    court = getattr(settings, "EFORMS_REVIEW_BODY", MARKET_COURT)
    return Party(
        ident=REVIEW_BODY,
        name=Texts(dict(court["name"])),
        company_id=str(court.get("business_id") or getattr(settings, "EFORMS_REVIEW_BODY_BUSINESS_ID", "")),
        street=court["street"],
        town=Texts(dict(court["town"])),
        postal_code=court["postal_code"],
        nuts=court["nuts"],
        email=court["email"],
        website=court.get("website", ""),
    )


def _lots(tender: Any, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's lots, each with its region: the lot's own (from the call's row where the snapshot predates the
    field), else the region of its municipality."""
    rows = {lot.number: lot for lot in tender.lots.all()}
    lots = []
    for given in snapshot.get("lots") or []:
        lot = dict(given)
        if "nuts" not in lot:
            lot["nuts"] = getattr(rows.get(lot["number"]), "nuts", "")
        lot["nuts"] = lot["nuts"] or nuts3_for_municipality(lot.get("municipality") or "")
        lots.append(lot)
    return sorted(lots, key=lambda lot: lot["number"])


def call_data(tender: Any, snapshot: dict[str, Any], *, subtype: str) -> CallData:
    if subtype not in SUBTYPES:
        raise UnsupportedNotice(subtype)
    languages = notice_languages(tender, snapshot)
    public_url = settings.HANKINTA["PUBLIC_URL"].rstrip("/")
    deadline = _as_datetime(snapshot.get("submission_deadline")) or tender.submission_deadline
    return CallData(
        subtype=subtype,
        languages=languages,
        procedure_uuid=str(tender.procedure_uuid),
        reference=snapshot.get("reference") or tender.reference or "",
        title=_localised(snapshot, "title", languages),
        description=_localised(snapshot, "description", languages),
        procedure=snapshot.get("procedure") or tender.procedure,
        cpv_main=snapshot.get("cpv_main") or tender.cpv_main,
        cpv_additional=list(snapshot.get("cpv_additional") or []),
        estimated_value=_as_decimal(snapshot.get("estimated_value", tender.estimated_value)),
        price_weight=_as_decimal(snapshot.get("price_weight", tender.price_weight)),
        is_framework=bool(snapshot.get("is_framework", tender.is_framework)),
        framework_providers_per_lot=snapshot.get("framework_providers_per_lot", tender.framework_providers_per_lot),
        call_off_method=snapshot.get("call_off_method", tender.call_off_method) or "",
        submission_deadline=deadline,
        questions_deadline=_as_datetime(snapshot.get("questions_deadline")),
        tender_validity_months=int(snapshot.get("tender_validity_months") or tender.tender_validity_months or 6),
        contract_months=snapshot.get("contract_months", tender.contract_months),
        option_months=snapshot.get("option_months", tender.option_months),
        options=_counterpart(
            snapshot.get("options_description", tender.options_description) or "",
            snapshot.get("options_description_sv", tender.options_description_sv) or "",
            languages,
        ),
        lots=_lots(tender, snapshot),
        criteria=list(snapshot.get("criteria") or []),
        buyer=buyer_party(tender.authority, languages),
        call_url=f"{public_url}/calls/{tender.pk}/",
        bid_languages=list(snapshot.get("bid_languages") or tender.bid_languages or [languages[0]]),
        statistics=dict(snapshot.get("hilma_statistics") or tender.hilma_statistics or {}),
    )


def _date(moment: datetime.datetime | datetime.date) -> tuple[str, str]:
    """eForms' date and time with the offset of Finnish time (2026-03-01+02:00, 12:00:00+02:00)."""
    if isinstance(moment, datetime.datetime):
        local = moment.astimezone(HELSINKI)
    else:
        local = datetime.datetime.combine(moment, datetime.time(), tzinfo=HELSINKI)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d}{offset}", f"{local:%H:%M:%S}{offset}"


def _cpv(code: str) -> str:
    return code.split("-")[0]


# --- the parts of a notice -------------------------------------------------------------------------------------


def put_organisations(extension: Any, parties: Iterable[Party], languages: Sequence[str]) -> None:
    organisations = el(extension, "efac:Organizations")
    for party in parties:
        organisation = el(organisations, "efac:Organization")
        company = el(organisation, "efac:Company")
        if party.website:
            el(company, "cbc:WebsiteURI", party.website)
        if party.size:
            el(company, "efbc:CompanySizeCode", party.size, listName="economic-operator-size")
        el(el(company, "cac:PartyIdentification"), "cbc:ID", party.ident, schemeName="organization")
        # The name in every language of the notice; an organisation without a Swedish name keeps its own.
        own = next((name for name in party.name.by_language.values() if name), "")
        for lang in languages:
            name = party.name.by_language.get(lang) or own
            el(el(company, "cac:PartyName"), "cbc:Name", name, languageID=LANGUAGE_CODES[lang])
        address = el(company, "cac:PostalAddress")
        if party.street:
            el(address, "cbc:StreetName", party.street)
        town = party.town.by_language.get(languages[0]) or ""
        if town:
            el(address, "cbc:CityName", town)
        if party.postal_code:
            el(address, "cbc:PostalZone", party.postal_code)
        if party.nuts:
            el(address, "cbc:CountrySubentityCode", nuts_code(party.nuts), listName="nuts")
        el(el(address, "cac:Country"), "cbc:IdentificationCode", party.country, listName="country")
        if party.company_id:
            el(el(company, "cac:PartyLegalEntity"), "cbc:CompanyID", party.company_id)
        contact = el(company, "cac:Contact")
        if party.phone:
            el(contact, "cbc:Telephone", party.phone)
        if party.email:
            el(contact, "cbc:ElectronicMail", party.email)
        if not len(contact):
            company.remove(contact)


def put_header(root: Any, *, data: CallData, notice_uuid: str, version: int, issued_at: datetime.datetime) -> None:
    _, type_code, form_list, domain = SUBTYPES[data.subtype]
    el(root, "cbc:UBLVersionID", "2.3")
    el(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    el(root, "cbc:ID", notice_uuid, schemeName="notice-id")
    el(root, "cbc:ContractFolderID", data.procedure_uuid)
    day, time = _date(issued_at)
    el(root, "cbc:IssueDate", day)
    el(root, "cbc:IssueTime", time)
    el(root, "cbc:VersionID", f"{version:02d}")
    el(root, "cbc:RegulatoryDomain", domain)
    el(root, "cbc:NoticeTypeCode", type_code, listName=form_list)
    el(root, "cbc:NoticeLanguageCode", LANGUAGE_CODES[data.languages[0]])
    for lang in data.languages[1:]:
        el(el(root, "cac:AdditionalNoticeLanguage"), "cbc:ID", LANGUAGE_CODES[lang])


def put_contracting_party(root: Any, data: CallData, authority_kind: str) -> None:
    party = el(root, "cac:ContractingParty")
    el(
        el(party, "cac:ContractingPartyType"),
        "cbc:PartyTypeCode",
        BUYER_LEGAL_TYPE.get(authority_kind, "body-pl"),
        listName="buyer-legal-type",
    )
    el(el(party, "cac:ContractingActivity"), "cbc:ActivityTypeCode", "gen-pub", listName="authority-activity")
    el(el(el(party, "cac:Party"), "cac:PartyIdentification"), "cbc:ID", BUYER, schemeName="organization")


def put_procedure_terms(root: Any, data: CallData, *, award: bool = False) -> None:
    terms = el(root, "cac:TenderingTerms")
    if data.subtype in ("E3", "E4"):
        basis = el(terms, "cac:ProcurementLegislationDocumentReference")
        el(basis, "cbc:ID", "LocalLegalBasis")
        Texts(dict(NATIONAL_LEGAL_BASIS)).put(basis, "cbc:DocumentDescription", data.languages)
    if award:
        if not len(terms):
            root.remove(terms)
        return
    qualification = el(terms, "cac:TendererQualificationRequest")
    el(
        el(qualification, "cac:SpecificTendererRequirement"),
        "cbc:TendererRequirementTypeCode",
        "epo-procurement-document",
        listName="exclusion-grounds-source",
    )


def procedure_code(data: CallData) -> str:
    return "open" if data.procedure == "open" else "oth-single"


def put_procedure_process(root: Any, data: CallData) -> None:
    process = el(root, "cac:TenderingProcess")
    if data.procedure == "open":
        message = "An open procedure under the Procurement Act; the call for tenders and its documents are at %(url)s."
    else:
        message = (
            "A procedure of the light regime (chapter 12 of the Procurement Act) as the call for tenders describes it; "
            "the call and its documents are at %(url)s."
        )
    translated(message, data.languages, url=data.call_url).put(process, "cbc:Description", data.languages)
    el(process, "cbc:ProcedureCode", procedure_code(data), listName="procurement-procedure-type")


def put_project(
    parent: Any, *, name: Texts, description: Texts, data: CallData, ident: str = "", lot: bool = False
) -> Any:
    project = el(parent, "cac:ProcurementProject")
    if ident:
        el(project, "cbc:ID", ident, schemeName="InternalID")
    name.put(project, "cbc:Name", data.languages)
    description.put(project, "cbc:Description", data.languages)
    el(project, "cbc:ProcurementTypeCode", "services", listName="contract-nature")
    if lot and data.subtype in STATISTICS_FIELD_SUBTYPES:
        put_statistics_fields(project, data.statistics, sme=data.subtype == "20")
    return project


# Hilma sets these lot fields from the statistics answers (hilma-api deviations.md) where the SDK allows them (not
# in E3 and E4): the notice says the same from the start.
STATISTICS_FIELD_SUBTYPES = ("20", "33")
STATISTICS_CODES = (
    ("solutionNewToBuyer", "innovative-acquisition", "org-nov"),
    ("solutionNewToMarketOrIndustry", "innovative-acquisition", "mar-nov"),
    ("circularEconomy", "environmental-impact", "circ-econ"),
    ("biodiversity", "environmental-impact", "biodiv-eco"),
    ("codeOfConduct", "social-objective", "hum-right"),
    ("employmentCondition", "social-objective", "opp"),
    ("justWorkingConditions", "social-objective", "work-cond"),
)


def put_statistics_fields(project: Any, answers: dict[str, Any], *, sme: bool) -> None:
    """The lot's SME suitability (BT-726, a contract notice's only) and its innovation, environmental and social
    aims (BT-776, BT-774, BT-775) as the statistics answers give them."""
    if sme and answers.get("smeParticipationConsidered"):
        el(project, "cbc:SMESuitableIndicator", "true")
    for key, code_list, code in STATISTICS_CODES:
        if answers.get(key):
            el(el(project, "cac:ProcurementAdditionalType"), "cbc:ProcurementTypeCode", code, listName=code_list)


def procedure_description(data: CallData) -> Texts:
    """The call's description (BT-24, mandatory), its title where the call has none."""
    return data.description if not data.description.missing(data.languages) else data.title


def put_classification(project: Any, data: CallData) -> None:
    el(
        el(project, "cac:MainCommodityClassification"),
        "cbc:ItemClassificationCode",
        _cpv(data.cpv_main),
        listName="cpv",
    )
    for code in data.cpv_additional:
        el(
            el(project, "cac:AdditionalCommodityClassification"),
            "cbc:ItemClassificationCode",
            _cpv(code),
            listName="cpv",
        )


def put_place(project: Any, nuts: str) -> None:
    address = el(el(project, "cac:RealizedLocation"), "cac:Address")
    if nuts:
        el(address, "cbc:CountrySubentityCode", nuts_code(nuts), listName="nuts")
    el(el(address, "cac:Country"), "cbc:IdentificationCode", "FIN", listName="country")


def lot_description(lot: dict[str, Any], data: CallData) -> Texts:
    """The lot's own description where the call has one, else a sentence from its data in each language."""
    given = _counterpart(lot.get("description") or "", lot.get("description_sv") or "", data.languages)
    if not given.missing(data.languages):
        return given
    result = {}
    for lang in data.languages:
        if given.by_language.get(lang):
            result[lang] = given.by_language[lang]
            continue
        with translation.override(lang):
            parts = [
                _("Integration training in %(place)s")
                % {"place": lot.get("municipality") or _("the place stated in the call")},
                _("%(students)s students") % {"students": lot.get("students") or 0},
            ]
            if lot.get("training_days"):
                parts.append(_("%(days)s training days") % {"days": lot["training_days"]})
            if lot.get("credits"):
                parts.append(_("%(credits)s credits") % {"credits": lot["credits"]})
            language = lot.get("language_of_instruction")
            if language:
                parts.append(_("language of instruction: %(language)s") % {"language": LANGUAGE_NAMES(language)})
            start = parse_date(str(lot.get("planned_start") or "")) if lot.get("planned_start") else None
            if start:
                parts.append(_("planned start %(date)s") % {"date": f"{start.day}.{start.month}.{start.year}"})
            result[lang] = ", ".join(parts) + "."
    return Texts(result)


def LANGUAGE_NAMES(code: str) -> str:
    names = {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}
    return str(names.get(code, code))


def lot_criteria(lot: dict[str, Any], data: CallData) -> list[tuple[str, Texts, Decimal]]:
    """(type, description, weight) of the lot's award criteria: its quality criteria and the price."""
    criteria: list[tuple[str, Texts, Decimal]] = []
    for criterion in data.criteria:
        if criterion.get("lot_number") not in (None, lot["number"]):
            continue
        criteria.append(
            (
                "quality",
                _counterpart(criterion.get("name") or "", criterion.get("name_sv") or "", data.languages),
                _as_decimal(criterion.get("weight")),
            )
        )
    criteria.append(("price", translated("Price", data.languages), data.price_weight))
    return criteria


def put_awarding_terms(terms: Any, lot: dict[str, Any], data: CallData) -> None:
    criterion_node = el(el(terms, "cac:AwardingTerms"), "cac:AwardingCriterion")
    for kind, description, weight in lot_criteria(lot, data):
        sub = el(criterion_node, "cac:SubordinateAwardingCriterion")
        extension = el(
            el(el(el(sub, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"), "efext:EformsExtension"
        )
        parameter = el(extension, "efac:AwardCriterionParameter")
        el(parameter, "efbc:ParameterCode", "per-exa", listName="number-weight")
        el(parameter, "efbc:ParameterNumeric", f"{weight.normalize():f}")
        el(sub, "cbc:AwardingCriterionTypeCode", kind, listName="award-criterion-type")
        description.put(sub, "cbc:Name", data.languages)
        description.put(sub, "cbc:Description", data.languages)


def put_lot_terms(lot_node: Any, lot: dict[str, Any], data: CallData) -> Any:
    terms = el(lot_node, "cac:TenderingTerms")
    el(terms, "cbc:FundingProgramCode", "no-eu-funds", listName="eu-funded")
    guarantee = el(terms, "cac:RequiredFinancialGuarantee")
    el(guarantee, "cbc:GuaranteeTypeCode", "false", listName="tender-guarantee-required")
    document = el(terms, "cac:CallForTendersDocumentReference")
    el(document, "cbc:ID", "CALL")
    el(document, "cbc:DocumentType", "non-restricted-document")
    el(el(el(document, "cac:Attachment"), "cac:ExternalReference"), "cbc:URI", data.call_url)
    reserved = el(terms, "cac:TendererQualificationRequest")
    el(
        el(reserved, "cac:SpecificTendererRequirement"),
        "cbc:TendererRequirementTypeCode",
        "none",
        listName="reserved-procurement",
    )
    selection = el(terms, "cac:TendererQualificationRequest")
    el(
        el(selection, "cac:SpecificTendererRequirement"),
        "cbc:TendererRequirementTypeCode",
        "epo-procurement-document",
        listName="selection-criteria-source",
    )
    el(
        el(terms, "cac:ContractExecutionRequirement"),
        "cbc:ExecutionRequirementCode",
        "no",
        listName="reserved-execution",
    )
    put_awarding_terms(terms, lot, data)
    # Bids are submitted in Hankinta, on the call's page.
    el(el(terms, "cac:TenderRecipientParty"), "cbc:EndpointID", data.call_url)
    el(el(terms, "cac:TenderValidityPeriod"), "cbc:DurationMeasure", data.tender_validity_months, unitCode="MONTH")
    put_appeal_terms(terms)
    for lang in data.bid_languages:
        el(el(terms, "cac:Language"), "cbc:ID", LANGUAGE_CODES.get(lang, "FIN"))
    return terms


def put_lot_process(lot_node: Any, data: CallData) -> None:
    process = el(lot_node, "cac:TenderingProcess")
    el(process, "cbc:SubmissionMethodCode", "required", listName="esubmission")
    el(el(process, "cac:TenderSubmissionDeadlinePeriod"), "cbc:EndDate", _date(data.submission_deadline)[0])
    period = process.find("cac:TenderSubmissionDeadlinePeriod", NS)
    el(period, "cbc:EndTime", _date(data.submission_deadline)[1])
    if data.questions_deadline:
        questions = el(process, "cac:AdditionalInformationRequestPeriod")
        day, time = _date(data.questions_deadline)
        el(questions, "cbc:EndDate", day)
        el(questions, "cbc:EndTime", time)
    el(el(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")
    if data.is_framework:
        agreement = el(process, "cac:FrameworkAgreement")
        if data.framework_providers_per_lot:
            el(agreement, "cbc:MaximumOperatorQuantity", data.framework_providers_per_lot)
    put_contracting_systems(process, data)


def put_lot_project(node: Any, lot: dict[str, Any], data: CallData) -> Any:
    """The lot's own procurement project: its title, description, CPV codes and place."""
    project = put_project(
        node,
        name=_counterpart(lot.get("title") or "", lot.get("title_sv") or "", data.languages),
        description=lot_description(lot, data),
        data=data,
        lot=True,
    )
    if data.is_framework and lot.get("max_value") not in (None, ""):
        # BT-271: the framework's maximum value for the lot (EU Court C-216/17, C-23/20).
        total = el(project, "cac:RequestedTenderTotal")
        el(
            eforms_extension(total),
            "efbc:FrameworkMaximumAmount",
            f"{_as_decimal(lot['max_value']):.2f}",
            currencyID="EUR",
        )
    put_classification(project, data)
    put_place(project, lot.get("nuts") or "")
    return project


# BT-765: how a framework's call-offs are made, as eForms codes it (without or with reopening of competition, or both).
FRAMEWORK_CODES = {"preference": "fa-wo-rc", "mini_competition": "fa-w-rc", "combined": "fa-mix"}


def put_contracting_systems(process: Any, data: CallData) -> None:
    """A framework agreement by its call-off method (BT-765), or none; never a dynamic purchasing system."""
    el(
        el(process, "cac:ContractingSystem"),
        "cbc:ContractingSystemTypeCode",
        FRAMEWORK_CODES.get(data.call_off_method, "fa-wo-rc") if data.is_framework else "none",
        listName="framework-agreement",
    )
    el(el(process, "cac:ContractingSystem"), "cbc:ContractingSystemTypeCode", "none", listName="dps-usage")


def put_appeal_terms(terms: Any) -> None:
    appeal = el(terms, "cac:AppealTerms")
    receiver = el(el(appeal, "cac:AppealReceiverParty"), "cac:PartyIdentification")
    el(receiver, "cbc:ID", REVIEW_BODY, schemeName="organization")


def put_lot(root: Any, lot: dict[str, Any], data: CallData) -> None:
    node = el(root, "cac:ProcurementProjectLot")
    el(node, "cbc:ID", lot_id(lot["number"]), schemeName="Lot")
    put_lot_terms(node, lot, data)
    put_lot_process(node, data)
    project = put_lot_project(node, lot, data)
    if data.contract_months:
        el(el(project, "cac:PlannedPeriod"), "cbc:DurationMeasure", data.contract_months, unitCode="MONTH")
    if data.option_months or data.options.by_language.get(data.languages[0]):
        extension = el(project, "cac:ContractExtension")
        options = data.options
        if not options.by_language.get(data.languages[0]):
            options = translated(
                "Options to extend the contract by %(months)s months.", data.languages, months=data.option_months
            )
        options.put(extension, "cbc:OptionsDescription", data.languages)


def eforms_extension(root: Any) -> Any:
    return el(
        el(el(el(root, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"), "efext:EformsExtension"
    )


@dataclass(frozen=True)
class ChangeInfo:
    """What a change notice says: the notice it changes, the call's sections that changed, and why."""

    changed_notice: str  # "<uuid>-<version>"
    sections: list[str]
    reason: Texts


def put_changes(extension: Any, change: ChangeInfo, languages: Sequence[str]) -> None:
    changes = el(extension, "efac:Changes")
    el(changes, "efbc:ChangedNoticeIdentifier", change.changed_notice)
    entry = el(changes, "efac:Change")
    change.reason.put(entry, "efbc:ChangeDescription", languages)
    for section in change.sections:
        el(el(entry, "efac:ChangedSection"), "efbc:ChangedSectionIdentifier", section)
    reason = el(changes, "efac:ChangeReason")
    el(reason, "cbc:ReasonCode", "update-add", listName="change-corrig-justification")
    change.reason.put(reason, "efbc:ReasonDescription", languages)


def new_root(subtype: str) -> Any:
    name = SUBTYPES[subtype][0]
    namespace = NS["cn"] if name == "ContractNotice" else NS["can"]
    nsmap: dict[str | None, str] = {None: namespace, **{k: v for k, v in NS.items() if k not in ("cn", "can")}}
    return etree.Element(f"{{{namespace}}}{name}", nsmap=nsmap)


def notice_start(tender: Any, snapshot: dict[str, Any], *, subtype: str, name: str) -> tuple[CallData, Any, Any]:
    """The call's data, the notice's root and its eForms extension, for a `subtype` of the notice `name`
    (UnsupportedNotice for any other)."""
    if SUBTYPES.get(subtype, ("",))[0] != name:
        raise UnsupportedNotice(subtype)
    data = call_data(tender, snapshot, subtype=subtype)
    root = new_root(subtype)
    return data, root, eforms_extension(root)


def put_notice_head(
    root: Any,
    extension: Any,
    data: CallData,
    *,
    parties: Iterable[Party],
    subtype: str,
    notice_uuid: str,
    version: int,
    issued_at: datetime.datetime,
    authority_kind: str,
) -> None:
    """The notice's subtype and organisations (in its extension), its header and the contracting party."""
    el(el(extension, "efac:NoticeSubType"), "cbc:SubTypeCode", subtype, listName="notice-subtype")
    put_organisations(extension, parties, data.languages)
    put_header(root, data=data, notice_uuid=notice_uuid, version=version, issued_at=issued_at)
    put_contracting_party(root, data, authority_kind)


def contract_notice_xml(
    tender: Any,
    snapshot: dict[str, Any],
    *,
    subtype: str,
    notice_uuid: str,
    version: int,
    issued_at: datetime.datetime,
    change: ChangeInfo | None = None,
) -> bytes:
    """The contract notice (E3 or 20) of the call as the snapshot has it; with `change`, its change notice."""
    data, root, extension = notice_start(tender, snapshot, subtype=subtype, name="ContractNotice")
    if change is not None:
        put_changes(extension, change, data.languages)
    put_notice_head(
        root,
        extension,
        data,
        parties=[data.buyer, review_party()],
        subtype=subtype,
        notice_uuid=notice_uuid,
        version=version,
        issued_at=issued_at,
        authority_kind=tender.authority.kind,
    )
    put_procedure_terms(root, data)
    put_procedure_process(root, data)
    project = put_project(
        root, name=data.title, description=procedure_description(data), data=data, ident=data.reference
    )
    total = el(project, "cac:RequestedTenderTotal")
    el(total, "cbc:EstimatedOverallContractAmount", f"{data.estimated_value:.2f}", currencyID="EUR")
    put_classification(project, data)
    put_place(project, data.buyer.nuts)
    for lot in data.lots:
        put_lot(root, lot, data)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- the award notice (E4, 33) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Winner:
    """A provider a lot was awarded to, with its tender's value (without VAT) and its rank in a framework."""

    name: str
    business_id: str
    amount: Decimal
    rank: int = 1
    email: str = ""
    street: str = ""
    postal_code: str = ""
    town: str = ""
    nuts: str = ""
    size: str = ""


@dataclass(frozen=True)
class LotOutcome:
    """A lot's result in an award notice: its winners ("selec-w"), or none with the reason ("clos-nw")."""

    lot_number: int
    tenders_received: int
    winners: list[Winner]
    # eForms non-award-justification: "no-rece" (no tenders), "all-rej" (all rejected), "other" (cancelled).
    non_award_reason: str = ""
    contract_date: datetime.date | None = None

    @property
    def result_code(self) -> str:
        return "selec-w" if self.winners else "clos-nw"


def _winner_parties(outcomes: Sequence[LotOutcome], languages: Sequence[str]) -> dict[str, Party]:
    """One organisation per winning provider (ORG-0100…), by business ID, in the order they first appear."""
    parties: dict[str, Party] = {}
    for outcome in outcomes:
        for winner in outcome.winners:
            if winner.business_id not in parties:
                parties[winner.business_id] = Party(
                    ident=f"ORG-{100 + len(parties):04d}",
                    name=Texts(dict.fromkeys(languages, winner.name)),
                    company_id=winner.business_id,
                    email=winner.email,
                    street=winner.street,
                    postal_code=winner.postal_code,
                    town=Texts(dict.fromkeys(languages, winner.town)),
                    nuts=winner.nuts,
                    size=winner.size,
                    winner=True,
                )
    return parties


def put_notice_result(
    extension: Any,
    outcomes: Sequence[LotOutcome],
    parties: dict[str, Party],
    award_date: datetime.date,
    *,
    framework: bool,
) -> None:
    result = el(extension, "efac:NoticeResult")
    total = sum((w.amount for o in outcomes for w in o.winners), Decimal(0))
    if total and not framework:
        el(result, "cbc:TotalAmount", f"{total:.2f}", currencyID="EUR")
    if total and framework:
        el(result, "efbc:OverallApproximateFrameworkContractsAmount", f"{total:.2f}", currencyID="EUR")
    tenders: list[tuple[str, LotOutcome, Winner]] = []
    contracts: list[tuple[str, str, LotOutcome]] = []
    for index, outcome in enumerate(outcomes, start=1):
        lot_result = el(result, "efac:LotResult")
        el(lot_result, "cbc:ID", f"RES-{index:04d}", schemeName="result")
        el(lot_result, "cbc:TenderResultCode", outcome.result_code, listName="winner-selection-status")
        if not outcome.winners:
            reason = el(lot_result, "efac:DecisionReason")
            el(
                reason,
                "efbc:DecisionReasonCode",
                outcome.non_award_reason or "other",
                listName="non-award-justification",
            )
        for winner in outcome.winners:
            tender_ident = f"TEN-{len(tenders) + 1:04d}"
            tenders.append((tender_ident, outcome, winner))
            el(el(lot_result, "efac:LotTender"), "cbc:ID", tender_ident, schemeName="tender")
        if framework and outcome.winners:
            values = el(lot_result, "efac:FrameworkAgreementValues")
            amount = sum((w.amount for w in outcome.winners), Decimal(0))
            el(values, "efbc:ReestimatedValueAmount", f"{amount:.2f}", currencyID="EUR")
        statistics = el(lot_result, "efac:ReceivedSubmissionsStatistics")
        el(statistics, "efbc:StatisticsCode", "tenders", listName="received-submission-type")
        el(statistics, "efbc:StatisticsNumeric", outcome.tenders_received)
        for tender_ident in [t[0] for t in tenders if t[1] is outcome]:
            contract_ident = f"CON-{len(contracts) + 1:04d}"
            contracts.append((contract_ident, tender_ident, outcome))
            el(el(lot_result, "efac:SettledContract"), "cbc:ID", contract_ident, schemeName="contract")
        el(el(lot_result, "efac:TenderLot"), "cbc:ID", lot_id(outcome.lot_number), schemeName="Lot")
    tendering_parties: dict[str, str] = {}
    for tender_ident, outcome, winner in tenders:
        lot_tender = el(result, "efac:LotTender")
        el(lot_tender, "cbc:ID", tender_ident, schemeName="tender")
        total_node = el(lot_tender, "cac:LegalMonetaryTotal")
        el(total_node, "cbc:PayableAmount", f"{winner.amount:.2f}", currencyID="EUR")
        subcontracting = el(lot_tender, "efac:SubcontractingTerm")
        el(subcontracting, "efbc:TermCode", "no", listName="applicability")
        party_ident = tendering_parties.setdefault(winner.business_id, f"TPA-{len(tendering_parties) + 1:04d}")
        el(el(lot_tender, "efac:TenderingParty"), "cbc:ID", party_ident, schemeName="tendering-party")
        el(el(lot_tender, "efac:TenderLot"), "cbc:ID", lot_id(outcome.lot_number), schemeName="Lot")
        el(el(lot_tender, "efac:TenderReference"), "cbc:ID", f"{lot_id(outcome.lot_number)}-{winner.rank}")
    for contract_ident, tender_ident, outcome in contracts:
        contract = el(result, "efac:SettledContract")
        el(contract, "cbc:ID", contract_ident, schemeName="contract")
        el(contract, "cbc:IssueDate", _date(outcome.contract_date or award_date)[0])
        if framework:
            # The framework agreement itself is concluded here: no contract is awarded within an earlier one.
            el(contract, "efbc:ContractFrameworkIndicator", "false")
        el(el(contract, "efac:ContractReference"), "cbc:ID", f"{contract_ident}-{tender_ident}")
        el(el(contract, "efac:LotTender"), "cbc:ID", tender_ident, schemeName="tender")
    for business_id, party_ident in tendering_parties.items():
        party = el(result, "efac:TenderingParty")
        el(party, "cbc:ID", party_ident, schemeName="tendering-party")
        el(el(party, "efac:Tenderer"), "cbc:ID", parties[business_id].ident, schemeName="organization")


def put_award_lot(root: Any, lot: dict[str, Any], data: CallData) -> None:
    node = el(root, "cac:ProcurementProjectLot")
    el(node, "cbc:ID", lot_id(lot["number"]), schemeName="Lot")
    terms = el(node, "cac:TenderingTerms")
    el(terms, "cbc:FundingProgramCode", "no-eu-funds", listName="eu-funded")
    put_awarding_terms(terms, lot, data)
    put_appeal_terms(terms)
    process = el(node, "cac:TenderingProcess")
    el(el(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")
    put_contracting_systems(process, data)
    put_lot_project(node, lot, data)


def award_notice_xml(
    tender: Any,
    snapshot: dict[str, Any],
    *,
    subtype: str,
    notice_uuid: str,
    version: int,
    issued_at: datetime.datetime,
    outcomes: Sequence[LotOutcome],
    award_date: datetime.date,
) -> bytes:
    """The award notice (E4 or 33) of the call's last version with each lot's result."""
    data, root, extension = notice_start(tender, snapshot, subtype=subtype, name="ContractAwardNotice")
    winners = _winner_parties(outcomes, data.languages)
    put_notice_result(extension, outcomes, winners, award_date, framework=data.is_framework)
    put_notice_head(
        root,
        extension,
        data,
        parties=[data.buyer, review_party(), *winners.values()],
        subtype=subtype,
        notice_uuid=notice_uuid,
        version=version,
        issued_at=issued_at,
        authority_kind=tender.authority.kind,
    )
    put_procedure_terms(root, data, award=True)
    process = el(root, "cac:TenderingProcess")
    el(process, "cbc:ProcedureCode", procedure_code(data), listName="procurement-procedure-type")
    project = put_project(
        root, name=data.title, description=procedure_description(data), data=data, ident=data.reference
    )
    put_classification(project, data)
    put_place(project, data.buyer.nuts)
    awarded = {outcome.lot_number for outcome in outcomes}
    for lot in data.lots:
        if lot["number"] in awarded:
            put_award_lot(root, lot, data)
    el(el(root, "cac:TenderResult"), "cbc:AwardDate", _date(award_date)[0])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
