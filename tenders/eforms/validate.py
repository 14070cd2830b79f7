"""Whether a notice may leave for Hilma: the SDK's XSD, the SDK's Schematron rules of its subtype, and Hilma's own
rules (business IDs, its national tailoring of E3 and E4, the statistics answers of every lot). Each failure is a
finding that names the rule and the business term (field) it concerns, with the term's name in the user's
language."""

import functools
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from lxml import etree
from stdnum.eu import vat
from stdnum.fi import ytunnus

from .namespaces import NS
from .schematron import available, schematron_failures, sdk_dir
from .statistics import statistics_problems

PACKAGE_DIR = Path(__file__).resolve().parent
MAINDOCS = {
    "ContractNotice": "UBL-ContractNotice-2.3.xsd",
    "ContractAwardNotice": "UBL-ContractAwardNotice-2.3.xsd",
}
RULE_TERM = re.compile(r"^(?:(?:BR|FI-[A-Z0-9]+)-)?(BT|OPP|OPT|OPA|BG)-0*(\d+)")

# Hilma's national tailoring of the national notices ("National eForms Hilma tailored fields"): the business terms
# it makes mandatory and those it does not allow, by subtype.
NATIONAL_MANDATORY = {
    "E3": (10, 105, 11, 14, 17, 23, 501, 506, 513, 5071, 539, 540, 60, 71, 736, 751, 765, 766, 767, 88, 97),
    "E4": (11, 60, 105, 262, 539, 540, 759, 760, 765, 766, 767, 773),
}  # fmt: skip
NATIONAL_FORBIDDEN = {
    "E3": (
        106, 111, 124, 1251, 132, 133, 134, 1351, 1375, 157, 25, 330, 44, 45, 508, 509, 6, 610, 625, 630, 633,
        634, 644, 651, 717, 726, 735, 738, 739, 740, 744, 754, 755, 771, 772, 774, 775, 776, 777, 805, 810
    ),
    "E4": (
        6, 9, 25, 106, 111, 151, 157, 160, 162, 163, 171, 193, 195, 196, 197, 198, 330, 508, 509, 625, 633, 634,
        710, 711, 738, 739, 740, 754, 755, 756, 774, 775, 776, 777, 805, 810, 1251, 1351, 1375, 1561, 1711
    ),
}  # fmt: skip
# Mandatory terms of a part that a notice may not have: required only where that part is (a winning tender's
# subcontracting, where a lot has a winner).
MANDATORY_WITHIN = {"BT-773": "//efac:NoticeResult/efac:LotTender"}
# Hilma's custom rules on values (validation/custom_validation_rules.json): term, path, lowest, highest.
HILMA_RANGES = (
    ("BT-36", "//cac:ProcurementProjectLot/cac:ProcurementProject/cac:PlannedPeriod/cbc:DurationMeasure", 1, 999),
    (
        "BT-58",
        "//cac:ProcurementProjectLot/cac:ProcurementProject/cac:ContractExtension/cbc:MaximumNumberNumeric",
        0,
        999,
    ),
    (
        "BT-113",
        "//cac:ProcurementProjectLot/cac:TenderingProcess/cac:FrameworkAgreement/cbc:MaximumOperatorQuantity",
        1,
        999,
    ),
    ("BT-98", "//cac:ProcurementProjectLot/cac:TenderingTerms/cac:TenderValidityPeriod/cbc:DurationMeasure", 1, 9999),
)
ORGANISATION = "/*/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension/efac:Organizations"


def term_of(rule: str) -> str:
    """The business term a rule is about, from the rule's identifier (BR-BT-00005-0013: BT-05)."""
    match = RULE_TERM.match(rule)
    if match is None:
        return ""
    kind, number = match.group(1), int(match.group(2))
    return f"{kind}-{number:02d}" if kind in ("BT", "BG") else f"{kind}-{number:03d}"


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((PACKAGE_DIR / "sdk" / "business_terms.json").read_text("utf-8"))
    return data


@functools.cache
def _field_paths() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((PACKAGE_DIR / "sdk" / "field_xpaths.json").read_text("utf-8"))
    return data


def field_label(term: str, language: str | None = None) -> str:
    """The business term's name in the SDK's translations (fi, sv, en: the user's language, else English)."""
    names = _labels().get(term, {})
    lang = (language or get_language() or "en")[:2]
    return names.get(lang) or names.get("en", "")


def finding(
    *, rule: str, message: str, source: str, field: str = "", path: str = "", severity: str = "ERROR"
) -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": severity,
        "message": message,
        "field": field,
        "field_label": field_label(field) if field else "",
        "path": path,
        "source": source,
    }


@functools.cache
def _schema(maindoc: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PACKAGE_DIR / "sdk" / "schemas" / "maindoc" / MAINDOCS[maindoc])))


def xsd_findings(document: Any) -> list[dict[str, Any]]:
    root = etree.QName(document).localname
    if root not in MAINDOCS:
        return [
            finding(
                rule="XSD-ROOT", message=_("The notice is neither a contract notice nor an award notice."), source="xsd"
            )
        ]
    schema = _schema(root)
    if schema.validate(document):
        return []
    return [
        finding(rule="XSD", message=error.message, source="xsd", path=error.path or f"line {error.line}")
        for error in schema.error_log
    ]


def schematron_findings(xml: bytes, *, subtype: str) -> list[dict[str, Any]]:
    if not available():
        return [
            finding(
                rule="SCHEMATRON-MISSING",
                message=_(
                    "The eForms Schematron rules were not found (EFORMS_SDK_DIR: %(path)s): the notice was not "
                    "checked against them, so it cannot count as valid."
                )
                % {"path": sdk_dir()},
                source="schematron",
            )
        ]
    results = []
    for failure in schematron_failures(xml, subtype=subtype):
        term = term_of(failure.field) or term_of(failure.rule)
        label = field_label(term) if term else ""
        message = (
            _("%(label)s (%(term)s) does not meet eForms rule %(rule)s.")
            % {"label": label, "term": term, "rule": failure.rule}
            if term
            else _("The notice does not meet eForms rule %(rule)s.") % {"rule": failure.rule}
        )
        results.append(
            finding(
                rule=failure.rule,
                severity="ERROR" if failure.severity in ("ERROR", "FATAL") else "WARN",
                message=message,
                field=term,
                path=failure.path,
                source="schematron",
            )
        )
    return results


def _business_id_findings(document: Any) -> list[dict[str, Any]]:
    results = []
    for node in document.xpath(
        f"{ORGANISATION}/efac:Organization/efac:Company/cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS
    ):
        value = (node.text or "").strip()
        if not (ytunnus.is_valid(value) or vat.is_valid(value)):
            results.append(
                finding(
                    rule="HILMA-BT-501-ID",
                    message=_("“%(value)s” is neither a valid Finnish business ID nor an EU VAT number.")
                    % {"value": value},
                    field="BT-501",
                    path=node.getroottree().getpath(node),
                    source="hilma",
                )
            )
    return results


def _range_findings(document: Any) -> list[dict[str, Any]]:
    results = []
    for term, path, lowest, highest in HILMA_RANGES:
        for node in document.xpath(path, namespaces=NS):
            try:
                value = Decimal((node.text or "").strip())
            except InvalidOperation:
                value = Decimal(-1)
            if not (lowest <= value <= highest) or value != value.to_integral_value():
                results.append(
                    finding(
                        rule=f"HILMA-{term}-RANGE",
                        message=_("The value must be a whole number from %(lowest)s to %(highest)s.")
                        % {"lowest": lowest, "highest": highest},
                        field=term,
                        path=node.getroottree().getpath(node),
                        source="hilma",
                    )
                )
    return results


def _required_findings(document: Any, *, subtype: str) -> list[dict[str, Any]]:
    results = []
    is_change = bool(document.xpath("//efac:Changes", namespaces=NS))
    for company in document.xpath(f"{ORGANISATION}/efac:Organization/efac:Company", namespaces=NS):
        country = company.xpath("string(cac:PostalAddress/cac:Country/cbc:IdentificationCode)", namespaces=NS)
        if country == "FIN" and not company.xpath("cac:PostalAddress/cbc:CountrySubentityCode", namespaces=NS):
            results.append(
                finding(
                    rule="HILMA-BT-507-REQUIRED",
                    message=_("The organisation's region (NUTS) is required."),
                    field="BT-507",
                    path=company.getroottree().getpath(company),
                    source="hilma",
                )
            )
    if (
        is_change
        and not document.xpath("string(//efac:Changes/efac:ChangeReason/efbc:ReasonDescription)", namespaces=NS).strip()
    ):
        results.append(
            finding(
                rule="HILMA-BT-762-REQUIRED",
                message=_("A change notice must give the reason for the change."),
                field="BT-762",
                source="hilma",
            )
        )
    for term_number in NATIONAL_MANDATORY.get(subtype, ()):
        term = f"BT-{term_number:02d}"
        context = MANDATORY_WITHIN.get(term)
        if context and not document.xpath(context, namespaces=NS):
            continue
        if not any(document.xpath(path, namespaces=NS) for path in _field_paths().get(term, ())):
            results.append(
                finding(
                    rule=f"FI-{subtype}-{term}-MANDATORY",
                    message=_("Hilma requires this field in notice %(subtype)s.") % {"subtype": subtype},
                    field=term,
                    source="hilma",
                )
            )
    for term_number in NATIONAL_FORBIDDEN.get(subtype, ()):
        term = f"BT-{term_number:02d}"
        if any(document.xpath(path, namespaces=NS) for path in _field_paths().get(term, ())):
            results.append(
                finding(
                    rule=f"FI-{subtype}-{term}-FORBIDDEN",
                    message=_("Hilma does not allow this field in notice %(subtype)s.") % {"subtype": subtype},
                    field=term,
                    source="hilma",
                )
            )
    return results


def _weight_findings(document: Any) -> list[dict[str, Any]]:
    """Hankinta's own rule: a lot's award criteria weights (BT-541) add up to 100."""
    results = []
    for lot in document.xpath("/*/cac:ProcurementProjectLot", namespaces=NS):
        weights = lot.xpath(
            "cac:TenderingTerms/cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion//"
            "efac:AwardCriterionParameter[efbc:ParameterCode/@listName='number-weight']/efbc:ParameterNumeric/text()",
            namespaces=NS,
        )
        if not weights:
            continue
        try:
            total = sum((Decimal(str(weight)) for weight in weights), Decimal(0))
        except InvalidOperation:
            total = Decimal(-1)
        if total != 100:
            results.append(
                finding(
                    rule="HK-BT-541-SUM",
                    message=_("The award criteria weights of lot %(lot)s add up to %(total)s, not 100.")
                    % {"lot": lot.xpath("string(cbc:ID)", namespaces=NS), "total": f"{total.normalize():f}"},
                    field="BT-541",
                    path=lot.getroottree().getpath(lot),
                    source="hilma",
                )
            )
    return results


def _statistics_findings(document: Any, *, subtype: str, statistics: dict[str, Any]) -> list[dict[str, Any]]:
    lots = [
        str(lot)
        for lot in document.xpath("/*/cac:ProcurementProjectLot/cbc:ID[@schemeName='Lot']/text()", namespaces=NS)
    ]
    won = set(
        document.xpath(
            "//efac:NoticeResult/efac:LotResult[cbc:TenderResultCode='selec-w']/efac:TenderLot/cbc:ID/text()",
            namespaces=NS,
        )
    )
    is_award = etree.QName(document).localname == "ContractAwardNotice"
    return [
        finding(rule="HILMA-STATISTICS", message=message, path=lot, source="hilma")
        for lot, message in statistics_problems(statistics, lots=lots, subtype=subtype, won=won if is_award else None)
    ]


def hilma_findings(document: Any, *, subtype: str, statistics: dict[str, Any] | None) -> list[dict[str, Any]]:
    results = (
        _business_id_findings(document)
        + _range_findings(document)
        + _required_findings(document, subtype=subtype)
        + _weight_findings(document)
    )
    if statistics is not None:
        results += _statistics_findings(document, subtype=subtype, statistics=statistics)
    return results


def notice_findings(xml: bytes, *, subtype: str, statistics: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every rule the notice fails: XSD, the SDK's Schematron of the subtype, and Hilma's rules (with the statistics
    answers Hilma gets with the notice, keyed by lot, where given). Empty: the notice may be sent."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [finding(rule="XML", message=str(error), source="xsd")]
    results = xsd_findings(document)
    results += schematron_findings(xml, subtype=subtype)
    results += hilma_findings(document, subtype=subtype, statistics=statistics)
    return results


def notice_passes(findings: list[dict[str, Any]]) -> bool:
    return not any(f["severity"] == "ERROR" for f in findings)
