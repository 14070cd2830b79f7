"""A call's notices in Hilma: generated from the call's published version (the contract notice, a change notice
after a corrigendum), checked against the eForms rules and Hilma's, kept with what the check found."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.rules import tender_classification

from .eforms.build import ChangeInfo, Texts, UnsupportedNotice, contract_notice_xml, lot_id, notice_languages
from .eforms.namespaces import NS
from .eforms.statistics import lot_answers
from .eforms.validate import notice_findings, notice_passes
from .models import Notice, NoticeKind, NoticeState, Tender, TenderStatus, TenderVersion
from .selectors import tender_get

# A notice in these states is with Hilma (or on its way): it is not rebuilt, a change notice is made instead.
OUT_STATES = (NoticeState.QUEUED, NoticeState.SENT, NoticeState.PUBLISHED)
# What a corrigendum may change that the notice states per lot (BT-13716 names the lots only); any other change
# concerns the procedure too.
LOT_FIELDS_CHANGED = frozenset({"lots", "criteria", "submission_deadline", "questions_deadline", "price_weight"})


def ensure_reads_authority(user: AnyUser, tender: Tender) -> None:
    """The call's notices are the authority's side of it: whoever does not read that side (a provider, another
    authority) does not learn of them, 404."""
    if not roles_of(user).reads_authority(tender.authority_id):
        raise NotFound()


def ensure_officer(actor: AnyUser, tender: Tender) -> None:
    """The authority's officers make its notices: 404 for whoever does not read the authority's side of the call (a
    provider does not learn of its notices), 403 for the others who do."""
    ensure_reads_authority(actor, tender)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can prepare its notices."))


def not_announced_check(tender: Tender) -> None:
    """A mini-competition under a framework agreement has no notice in Hilma, neither of the call nor of its award
    (409 `not_announced`): the framework's own notices announced the procurement."""
    if tender.framework_lot_id is not None:
        raise Conflict(
            _("A mini-competition under a framework agreement is not announced: it has no notice in Hilma."),
            code="not_announced",
        )


def notice_subtype(tender: Tender, *, award: bool = False) -> str:
    """The eForms subtype the call's regime asks for (E3/20, or E4/33 for the award), or a refusal."""
    classification = tender_classification(tender)
    subtype = classification.award_notice if award else classification.notice
    if subtype not in ("E3", "20", "E4", "33"):
        raise ValidationFailed(
            _("Hankinta does not support notices for this call's regime (%(regime)s): no notice was made.")
            % {"regime": classification.regime},
            code="notice_not_supported",
        )
    return subtype


def _published_version(tender: Tender, number: int | None = None) -> TenderVersion:
    versions = tender.versions.order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Conflict(
            _("The call has not been published: there is no version to make a notice of."), code="not_published"
        )
    return version


def notice_store(
    *,
    actor: AnyUser,
    tender: Tender,
    kind: str,
    subtype: str,
    version: TenderVersion,
    changes: Notice | None,
    make_xml: Callable[..., bytes],
    **xml_fields: Any,
) -> Notice:
    """Write the notice of the call's `version`, its XML made by `make_xml` (eforms.build's contract_notice_xml or
    award_notice_xml, given `xml_fields` too): the unsent one of this kind regenerated in place, a rejected one as its
    next version, else a new notice. Audited as notice.generate."""
    snapshot = version.snapshot
    tender_version = version.number
    current = (
        Notice.objects.select_for_update()
        .filter(tender=tender, kind=kind, changes=changes)
        .exclude(state__in=OUT_STATES)
        .order_by("-created_at", "-id")
        .first()
    )
    if (
        current is None
        and Notice.objects.filter(tender=tender, kind=kind, changes=changes, state__in=OUT_STATES).exists()
    ):
        raise Conflict(
            _(
                "This notice has already been sent to Hilma: correct the call with a corrigendum, or wait for "
                "Hilma's answer."
            ),
            code="notice_sent",
        )
    notice: Notice = current or Notice(tender=tender, kind=kind, created_by=actor, changes=changes)
    before = {"state": notice.state, "version": notice.version} if notice.pk else None
    if notice.pk:
        if notice.state == NoticeState.REJECTED:
            notice.version += 1
            notice.ets_identifier = ""
        transition_run(obj=notice, action="regenerate", actor=actor, field="state", audit_action="notice.regenerate")
    notice.subtype = subtype
    notice.tender_version = tender_version
    notice.languages = notice_languages(tender, snapshot)
    xml = make_xml(
        tender,
        snapshot,
        subtype=subtype,
        notice_uuid=str(notice.notice_uuid),
        version=notice.version,
        issued_at=timezone.now(),
        **xml_fields,
    )
    notice.xml = xml.decode("utf-8")
    notice.sha256 = hashlib.sha256(xml).hexdigest()
    notice.findings = []
    notice.save()
    audit_record(
        action="notice.generate",
        actor=actor,
        obj=notice,
        tender_id=tender.pk,
        before=before,
        after={"state": notice.state, "version": notice.version, "sha256": notice.sha256},
        detail={"kind": kind, "subtype": subtype, "tender_version": tender_version},
    )
    return notice


def changed_sections(version: TenderVersion, lots: list[dict[str, Any]]) -> list[str]:
    """The notice's sections (BT-13716) the version's changes concern: the lots, and PROCEDURE unless only what each
    lot states (its data, criteria, time limits) changed."""
    changed = set(version.changed_fields or [])
    lot_sections = [lot_id(lot["number"]) for lot in lots]
    if changed and changed <= LOT_FIELDS_CHANGED:
        return lot_sections
    return ["PROCEDURE", *lot_sections]


def notice_generate(*, actor: AnyUser, tender_id: int, kind: str = NoticeKind.CONTRACT) -> Notice:
    """The call's contract notice from its first published version, or (kind "change", or "contract" once the
    contract notice is published and the call has a newer version) the change notice of its latest version."""
    if kind not in (NoticeKind.CONTRACT, NoticeKind.CHANGE):
        raise ValidationFailed(_("Choose a contract notice or a change notice."), code="invalid_kind")
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        ensure_officer(actor, tender)
        not_announced_check(tender)
        if tender.status in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED):
            raise Conflict(
                _("The call has not been published: there is no version to make a notice of."), code="not_published"
            )
        subtype = notice_subtype(tender)
        latest = _published_version(tender)
        # The notice a change notice corrects: the latest published one, the contract notice or a change notice of
        # an earlier corrigendum (so that each corrigendum after a published one gets a change notice of its own).
        published = (
            Notice.objects.filter(
                tender=tender, kind__in=(NoticeKind.CONTRACT, NoticeKind.CHANGE), state=NoticeState.PUBLISHED
            )
            .order_by("-tender_version", "-created_at", "-id")
            .first()
        )
        if kind == NoticeKind.CONTRACT and published is not None and latest.number > published.tender_version:
            kind = NoticeKind.CHANGE
        if kind == NoticeKind.CHANGE:
            if published is None:
                raise Conflict(
                    _("A change notice needs the contract notice published in Hilma first."), code="no_published_notice"
                )
            if latest.number <= published.tender_version:
                raise Conflict(_("The call has not changed since its notice was published."), code="no_change")
            return _store(actor=actor, tender=tender, subtype=subtype, version=latest, published=published)
        # Until a contract notice has gone to Hilma, it states the call as it now is (corrigenda included).
        gone = Notice.objects.filter(tender=tender, kind=NoticeKind.CONTRACT, state__in=OUT_STATES).exists()
        return _store(
            actor=actor, tender=tender, subtype=subtype, version=_published_version(tender, 1 if gone else None)
        )


def _store(
    *, actor: AnyUser, tender: Tender, subtype: str, version: TenderVersion, published: Notice | None = None
) -> Notice:
    """The contract notice of `version`; with the `published` notice it changes, the change notice."""
    snapshot = version.snapshot
    change = None
    if published is not None:
        reason = version.reason or _("The call was corrected.")
        change = ChangeInfo(
            changed_notice=f"{published.notice_uuid}-{published.version:02d}",
            sections=changed_sections(version, list(snapshot.get("lots") or [])),
            reason=Texts(dict.fromkeys(tender.document_languages, reason)),
        )
    try:
        return notice_store(
            actor=actor,
            tender=tender,
            kind=NoticeKind.CONTRACT if published is None else NoticeKind.CHANGE,
            subtype=subtype,
            version=version,
            changes=published,
            make_xml=contract_notice_xml,
            change=change,
        )
    except UnsupportedNotice as exc:
        raise ValidationFailed(str(exc), code="notice_not_supported") from exc


def hilma_statistics_payload(notice: Notice) -> dict[str, Any]:
    """The statistics answers Hilma takes with the notice, keyed by lot ID (in an award notice, the lots won)."""
    document = etree.fromstring(notice.xml.encode("utf-8"))
    lots = document.xpath("/*/cac:ProcurementProjectLot/cbc:ID[@schemeName='Lot']/text()", namespaces=NS)
    if notice.kind == NoticeKind.AWARD:
        won = set(
            document.xpath(
                "//efac:NoticeResult/efac:LotResult[cbc:TenderResultCode='selec-w']/efac:TenderLot/cbc:ID/text()",
                namespaces=NS,
            )
        )
        lots = [lot for lot in lots if lot in won]
    answers = notice.tender.hilma_statistics or {}
    return {str(lot): lot_answers(answers, subtype=notice.subtype) for lot in lots}


def notice_check(*, actor: AnyUser, notice_id: int) -> Notice:
    """Check the notice against the XSD, the Schematron of its subtype and Hilma's rules; keep the findings; the
    notice becomes valid (may be sent) or invalid."""
    with transaction.atomic():
        notice: Notice | None = (
            # the notice's row only (`of`): a check takes a while, and bids hold the call's row FOR SHARE meanwhile
            Notice.objects.select_for_update(of=("self",))
            .select_related("tender__authority")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            raise NotFound()
        tender_get(user=actor, tender_id=notice.tender_id)
        ensure_officer(actor, notice.tender)
        if notice.state not in (NoticeState.DRAFT, NoticeState.INVALID, NoticeState.VALID):
            raise Conflict(
                _("The notice is already with Hilma; it is checked again only when it is made anew."),
                code="notice_not_checkable",
            )
        findings = notice_findings(
            notice.xml.encode("utf-8"), subtype=notice.subtype, statistics=hilma_statistics_payload(notice)
        )
        notice.findings = findings
        action = "pass_check" if notice_passes(findings) else "fail_check"
        transition_run(
            obj=notice,
            action=action,
            actor=actor,
            field="state",
            audit_action="notice.check",
            detail={"findings": len(findings), "rules": sorted({f["rule"] for f in findings})[:50]},
            update_fields=["findings", "checked_at"],
        )
        return notice


def _findings_text(findings: list[dict[str, Any]], limit: int = 6) -> str:
    """The failed rules as an officer reads them: the rule, the field it concerns (the business term and its name),
    the message; the first `limit`, then how many more."""
    errors = [f for f in findings if f.get("severity", "ERROR") in ("ERROR", "FATAL", "")] or findings
    lines = []
    for finding in errors[:limit]:
        field = finding.get("field") or ""
        if finding.get("field_label"):
            field = f"{field} {finding['field_label']}".strip()
        lines.append(
            f"{finding.get('rule', '')} ({field}): {finding.get('message', '')}"
            if field
            else f"{finding.get('rule', '')}: {finding.get('message', '')}"
        )
    if len(errors) > limit:
        lines.append(_("and %(count)s more") % {"count": len(errors) - limit})
    return "; ".join(lines)


def tender_notice_follow(*, actor: AnyUser, tender: Tender) -> Notice | None:
    """What publishing or correcting a call does to its notice, in the same transaction: where its regime asks for
    a notice in Hilma, the contract notice (or, once that is published, the change notice) is made from the call's
    new version and checked; a notice that fails the rules refuses the change (409 `notice_invalid`, with the failed
    rules and their fields), since nothing may leave that is not valid. None where no notice is made now: the call
    needs none, or its contract notice is with Hilma and not yet published (the change notice is made once it is)."""
    if tender.framework_lot_id is not None or tender_classification(tender).notice not in ("E3", "20"):
        return None  # a mini-competition under a framework agreement is not announced
    try:
        notice = notice_generate(actor=actor, tender_id=tender.pk)
    except Conflict as exc:
        if exc.code in ("notice_sent", "no_change"):
            return None
        raise
    notice = notice_check(actor=actor, notice_id=notice.pk)
    if notice.state != NoticeState.VALID:
        raise Conflict(
            _("The call's notice for Hilma (%(subtype)s) fails the eForms rules, so nothing was changed: %(findings)s")
            % {"subtype": notice.subtype, "findings": _findings_text(notice.findings)},
            code="notice_invalid",
        )
    return notice


def notice_prepare(*, actor: AnyUser, tender_id: int) -> Notice:
    """The officer's "make the notice and check it": the contract notice (or the change notice once the contract
    notice is published and the call has changed since) from the call's data as it now is, checked; a rejected one
    becomes its next version. It is kept whatever the check finds, for the officer to read the findings."""
    with transaction.atomic():
        notice = notice_generate(actor=actor, tender_id=tender_id)
        return notice_check(actor=actor, notice_id=notice.pk)
