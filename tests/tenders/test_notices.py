"""The notice services: a published call's contract notice, made anew while unsent, a new version after a rejection,
a change notice after a corrigendum once the notice is published; the check that stores the findings; who may."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from evaluation.award_notices import award_notice_generate
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import AuditEvent, Membership, OutboxMessage, Role
from tenders.models import Notice, NoticeKind, NoticeState, Tender, TenderStatus
from tenders.notice_sending import NOT_CONFIGURED
from tenders.notices import hilma_statistics_payload, notice_check, notice_generate, notice_prepare
from tenders.services import tender_amend, tender_publish
from tests.fixtures import factories
from tests.fixtures.notices import contracts_signed, notice_authority, notice_ready_tender


@pytest.fixture(autouse=True)
def review_body_id(settings):
    settings.EFORMS_REVIEW_BODY_BUSINESS_ID = "2296962-1"  # a stand-in: a valid business ID, not the Market Court's


@pytest.fixture
def tender(db):
    return notice_ready_tender()


def officer(tender):
    return tender.created_by


def mark_published(notice: Notice) -> None:
    """What the sending (another part of the work) records once Hilma has published the notice."""
    Notice.objects.filter(pk=notice.pk).update(state=NoticeState.PUBLISHED, hilma_number="2026-123456")


def _deadline_extended_a_week(tender):
    """A corrigendum of the call: its tender deadline a week later."""
    tender_amend(
        actor=officer(tender),
        tender_id=tender.pk,
        reason="Tarjousten määräaikaa jatketaan viikolla.",
        fields={"submission_deadline": tender.submission_deadline + timedelta(days=7)},
        children={},
    )


def test_contract_notice_of_a_published_call_is_generated_and_checked_valid(tender):
    # when the officer generates the call's notice and checks it
    notice = notice_generate(actor=officer(tender), tender_id=tender.pk)
    checked = notice_check(actor=officer(tender), notice_id=notice.pk)

    # then it is the E3 notice of version 1, with no finding, valid, and both steps are audited
    assert (notice.kind, notice.subtype, notice.version, notice.tender_version) == ("contract", "E3", 1, 1)
    assert str(tender.procedure_uuid) in notice.xml and len(notice.sha256) == 64
    assert checked.findings == [] and checked.state == NoticeState.VALID and checked.checked_at is not None
    actions = set(AuditEvent.objects.filter(tender_id=tender.pk).values_list("action", flat=True))
    assert {"notice.generate", "notice.check"} <= actions


def test_an_unsent_notice_is_made_anew_in_place(tender):
    first = notice_generate(actor=officer(tender), tender_id=tender.pk)
    notice_check(actor=officer(tender), notice_id=first.pk)

    again = notice_generate(actor=officer(tender), tender_id=tender.pk)

    assert again.pk == first.pk and again.notice_uuid == first.notice_uuid and again.version == 1
    assert again.state == NoticeState.DRAFT and again.findings == []
    assert Notice.objects.filter(tender=tender).count() == 1


def test_a_rejected_notice_gets_its_next_version(tender):
    first = notice_generate(actor=officer(tender), tender_id=tender.pk)
    Notice.objects.filter(pk=first.pk).update(state=NoticeState.REJECTED, ets_identifier="hk-1-01")

    again = notice_generate(actor=officer(tender), tender_id=tender.pk)

    assert again.pk == first.pk and again.version == 2 and again.ets_identifier == ""
    assert "<cbc:VersionID>02</cbc:VersionID>" in again.xml


def test_a_notice_with_hilma_is_not_rebuilt(tender):
    first = notice_generate(actor=officer(tender), tender_id=tender.pk)
    Notice.objects.filter(pk=first.pk).update(state=NoticeState.SENT)

    with pytest.raises(Conflict) as refused:
        notice_generate(actor=officer(tender), tender_id=tender.pk)

    assert refused.value.code == "notice_sent"


def test_corrigendum_after_publication_makes_a_change_notice(tender):
    # given the contract notice published in Hilma, then a corrigendum of the call
    published = notice_generate(actor=officer(tender), tender_id=tender.pk)
    mark_published(published)
    _deadline_extended_a_week(tender)

    # when the officer generates the call's notice
    change = notice_generate(actor=officer(tender), tender_id=tender.pk)
    checked = notice_check(actor=officer(tender), notice_id=change.pk)

    # then it is a change notice of version 2 that names the published notice and the reason, and it is valid
    assert (change.kind, change.changes_id, change.tender_version) == (NoticeKind.CHANGE, published.pk, 2)
    assert f"{published.notice_uuid}-01" in change.xml and "Tarjousten määräaikaa jatketaan viikolla." in change.xml
    assert change.notice_uuid != published.notice_uuid
    assert checked.findings == [] and checked.state == NoticeState.VALID
    # the deadline is stated per lot: the change concerns the lots
    assert "<efbc:ChangedSectionIdentifier>LOT-0001</efbc:ChangedSectionIdentifier>" in change.xml
    assert "PROCEDURE" not in change.xml


def test_a_change_of_the_call_itself_concerns_the_procedure_section(tender):
    mark_published(notice_generate(actor=officer(tender), tender_id=tender.pk))
    tender_amend(
        actor=officer(tender),
        tender_id=tender.pk,
        reason="Hankinnan kuvausta tarkennetaan.",
        fields={"description_fi": "Kotoutumiskoulutus aikuisille maahanmuuttajille, tarkennettu kuvaus."},
        children={},
    )

    change = notice_generate(actor=officer(tender), tender_id=tender.pk)
    checked = notice_check(actor=officer(tender), notice_id=change.pk)

    assert "<efbc:ChangedSectionIdentifier>PROCEDURE</efbc:ChangedSectionIdentifier>" in change.xml
    assert checked.findings == []


def test_change_notice_needs_a_published_notice_and_a_change(tender):
    with pytest.raises(Conflict) as no_published:
        notice_generate(actor=officer(tender), tender_id=tender.pk, kind=NoticeKind.CHANGE)
    mark_published(notice_generate(actor=officer(tender), tender_id=tender.pk))
    with pytest.raises(Conflict) as no_change:
        notice_generate(actor=officer(tender), tender_id=tender.pk, kind=NoticeKind.CHANGE)

    assert (no_published.value.code, no_change.value.code) == ("no_published_notice", "no_change")


def test_a_call_not_yet_published_has_no_notice(db):
    authority = factories.AuthorityFactory()
    user = factories.officer_of(authority)
    draft = factories.TenderFactory(authority=authority, created_by=user)

    with pytest.raises(Conflict) as refused:
        notice_generate(actor=user, tender_id=draft.pk)

    assert refused.value.code == "not_published"


def test_a_call_below_the_national_threshold_has_no_supported_notice(db):
    tender = notice_ready_tender(estimated_value="100000")

    with pytest.raises(ValidationFailed) as refused:
        notice_generate(actor=officer(tender), tender_id=tender.pk)

    assert refused.value.code == "notice_not_supported"


def test_only_the_authoritys_officers_generate_and_check(tender):
    other_officer = factories.officer_of(factories.AuthorityFactory())
    member = factories.provider_member_of(factories.ProviderFactory())
    notice = notice_generate(actor=officer(tender), tender_id=tender.pk)

    # an officer of another authority, or a provider, reads the published call but not its notices: not found
    with pytest.raises(NotFound):
        notice_generate(actor=other_officer, tender_id=tender.pk)
    with pytest.raises(NotFound):
        notice_check(actor=member, notice_id=notice.pk)
    # the authority's auditor reads them but does not make them: forbidden
    auditor = factories.UserFactory()
    Membership.objects.create(user=auditor, role=Role.AUDITOR, authority=tender.authority)
    with pytest.raises(Forbidden):
        notice_generate(actor=auditor, tender_id=tender.pk)
    with pytest.raises(NotFound):
        notice_check(actor=officer(tender), notice_id=notice.pk + 1000)


def test_statistics_payload_has_every_lot_of_the_notice(tender):
    notice = notice_generate(actor=officer(tender), tender_id=tender.pk)

    payload = hilma_statistics_payload(notice)

    assert list(payload) == ["LOT-0001", "LOT-0002"]
    assert payload["LOT-0001"]["circularEconomy"] is True
    assert payload["LOT-0001"]["listedGreenCriteriaUsed"] is False
    assert payload["LOT-0001"]["endUserInvolved"] is None  # not asked in a national notice
    assert payload["LOT-0001"]["howManyOpportunitiesIsEstimated"] is None


def test_unanswered_statistics_make_the_notice_invalid(tender):
    type(tender).objects.filter(pk=tender.pk).update(hilma_statistics={"innovationConsidered": True})
    notice = notice_generate(actor=officer(tender), tender_id=tender.pk)

    checked = notice_check(actor=officer(tender), notice_id=notice.pk)

    assert checked.state == NoticeState.INVALID
    assert {(f["rule"], f["path"]) for f in checked.findings} == {
        ("HILMA-STATISTICS", "LOT-0001"),
        ("HILMA-STATISTICS", "LOT-0002"),
    }


def test_every_notice_of_the_demo_calls_passes_every_check(db, settings):
    """Each call `seed_demo` makes that is announced in Hilma: its contract notice, and its award notice once decided
    or interrupted, with no finding, from the demo data as it is."""
    settings.DEBUG = True
    call_command("seed_demo")

    checked = []
    for tender in Tender.objects.filter(versions__isnull=False).distinct().order_by("pk"):
        if tender.regime not in ("national", "eu") or tender.framework_lot_id:  # a mini-competition: no notice
            continue
        officer = tender.created_by
        notices = [notice_generate(actor=officer, tender_id=tender.pk)]
        if hasattr(tender, "award_decision") or tender.interruptions.exists():
            # the award notice announces concluded contracts: those of the demo calls not yet signed are signed here
            contracts_signed(tender)
            notices.append(award_notice_generate(actor=officer, tender_id=tender.pk))
        for notice in notices:
            result = notice_check(actor=officer, notice_id=notice.pk)
            checked.append((tender.pk, notice.subtype, [(f["rule"], f["field"]) for f in result.findings]))

    assert {subtype for _pk, subtype, _findings in checked} == {"E3", "E4", "20", "33"}
    assert [entry for entry in checked if entry[2]] == []


# --- the notice follows the call: publication and corrigenda ------------------------------------------------------


def test_publishing_a_call_makes_checks_and_keeps_its_notice_unsent_without_hilma(tender):
    # given a call published (notice_ready_tender publishes it through the service), Hilma not configured
    # then its contract notice was made from version 1 and checked valid, and marked unsent: Hilma is not configured
    notice = Notice.objects.get(tender=tender)
    assert (notice.kind, notice.subtype, notice.tender_version, notice.state) == ("contract", "E3", 1, "valid")
    assert notice.findings == [] and notice.last_error == NOT_CONFIGURED
    actions = list(AuditEvent.objects.filter(tender_id=tender.pk).order_by("pk").values_list("action", flat=True))
    assert actions.index("tender.publish") < actions.index("notice.generate") < actions.index("notice.check")
    assert "notice.send" in actions


def test_publishing_with_hilma_configured_queues_the_notice_for_it(db, hilma):
    tender = notice_ready_tender()

    notice = Notice.objects.get(tender=tender)
    assert notice.state == NoticeState.QUEUED and notice.ets_identifier
    assert OutboxMessage.objects.filter(task="notices.send", args=[notice.pk]).exists()


def test_a_call_whose_notice_fails_the_rules_is_not_published(db):
    # given an approved call whose statistics questions for Hilma are not answered
    authority = notice_authority()
    officer_ = factories.officer_of(authority)
    approved = factories.TenderFactory(
        authority=authority, created_by=officer_, status=TenderStatus.APPROVED, hilma_statistics={}
    )

    # when the officer publishes it, it is refused with the failed rules and the fields they concern
    with pytest.raises(Conflict) as refused:
        tender_publish(actor=officer_, tender_id=approved.pk)

    assert refused.value.code == "notice_invalid"
    assert "HILMA-STATISTICS" in str(refused.value.message)
    # and nothing was changed: the call is still approved, with no version and no notice
    approved.refresh_from_db()
    assert approved.status == TenderStatus.APPROVED and approved.published_at is None
    assert not Notice.objects.filter(tender=approved).exists() and not approved.versions.exists()


def test_a_corrigendum_before_the_notice_is_sent_restates_the_contract_notice(tender):
    notice = Notice.objects.get(tender=tender)

    _deadline_extended_a_week(tender)

    # the unsent contract notice states version 2 now, checked again; no change notice (nothing was published)
    notice.refresh_from_db()
    assert (notice.kind, notice.tender_version, notice.state) == ("contract", 2, "valid")
    assert not Notice.objects.filter(tender=tender, kind=NoticeKind.CHANGE).exists()


def test_a_corrigendum_after_the_notice_is_published_makes_and_checks_the_change_notice(tender):
    mark_published(Notice.objects.get(tender=tender))

    _deadline_extended_a_week(tender)

    change = Notice.objects.get(tender=tender, kind=NoticeKind.CHANGE)
    assert (change.tender_version, change.state, change.last_error) == (2, "valid", NOT_CONFIGURED)


def test_a_corrigendum_while_the_notice_is_with_hilma_waits_for_its_publication(tender):
    Notice.objects.filter(tender=tender).update(state=NoticeState.SENT)

    _deadline_extended_a_week(tender)

    # the corrigendum is made; the change notice is made once the contract notice is published
    assert Tender.objects.get(pk=tender.pk).version == 2
    assert list(Notice.objects.filter(tender=tender).values_list("kind", "state")) == [("contract", "sent")]


def test_notice_prepare_keeps_a_failing_notice_with_its_findings(tender):
    Tender.objects.filter(pk=tender.pk).update(hilma_statistics={})

    notice = notice_prepare(actor=officer(tender), tender_id=tender.pk)

    assert notice.state == NoticeState.INVALID and {f["rule"] for f in notice.findings} == {"HILMA-STATISTICS"}


def test_each_corrigendum_after_a_published_notice_gets_a_change_notice_of_its_own(tender):
    # given the contract notice published, a corrigendum, and its change notice published in turn
    mark_published(Notice.objects.get(tender=tender))
    later = tender.submission_deadline + timedelta(days=7)
    tender_amend(
        actor=officer(tender),
        tender_id=tender.pk,
        reason="Ensimmäinen oikaisu.",
        fields={"submission_deadline": later},
        children={},
    )
    first = Notice.objects.get(tender=tender, kind=NoticeKind.CHANGE)
    mark_published(first)

    # when a second corrigendum is made
    tender_amend(
        actor=officer(tender),
        tender_id=tender.pk,
        reason="Toinen oikaisu.",
        fields={"submission_deadline": later + timedelta(days=7)},
        children={},
    )

    # then it has a change notice of its own, of version 3, correcting the first change notice, and valid
    second = Notice.objects.filter(tender=tender, kind=NoticeKind.CHANGE).exclude(pk=first.pk).get()
    assert (second.tender_version, second.changes_id, second.state) == (3, first.pk, NoticeState.VALID)
    assert f"{first.notice_uuid}-01" in second.xml and "Toinen oikaisu." in second.xml
