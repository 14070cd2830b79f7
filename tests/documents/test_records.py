"""The information management plan's metadata of a record (documents/records.py) and the disposal of records past
their retention period by an officer's decision only (documents/retention.py)."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from documents.models import DisposalDecision, DocumentStatus, GeneratedDocument, RecordClass
from documents.records import RecordFacts, add_years, record_metadata
from documents.retention import record_disposal_decide, records_past_retention
from documents.services import document_download
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import AuditEvent
from tests.fixtures import factories

TODAY = date(2040, 6, 1)


def _call(authority, *, status: str, ended_years_ago: float | None, **fields):
    ended = (
        timezone.make_aware(timezone.datetime(2040, 6, 1, 12)) - timedelta(days=365.25 * ended_years_ago)
        if ended_years_ago is not None
        else None
    )
    stamp = {"completed": "completed_at", "cancelled": "cancelled_at"}.get(status)
    if stamp and ended is not None:
        fields[stamp] = ended
    return factories.TenderFactory(authority=authority, status=status, **fields)


def _record(tender, kind: str = "decision", data: bytes = b"%PDF-1.7 a record", **fields) -> GeneratedDocument:
    document = GeneratedDocument(
        kind=kind,
        tender=tender,
        status=DocumentStatus.READY,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        filename=f"{kind}.pdf",
        rendered_at=timezone.now(),
        **fields,
    )
    document.file.save(f"{kind}-{tender.pk}.pdf", ContentFile(data), save=False)
    document.save()
    return document


def test_the_plan_gives_each_kind_its_metadata(authority):
    tender = _call(authority, status="completed", ended_years_ago=1, contract_months=24, option_months=12)
    decision = record_metadata(_record(tender, "decision"))
    receipt = record_metadata(_record(tender, "receipt"))
    copy = record_metadata(_record(tender, "disclosed_copy"))

    assert decision.publicity == "public" and decision.secrecy_reasons == ()
    assert decision.retention_years == 10 and decision.plan.function_code
    # 10 years after the contract ends: the procedure's end plus its term and options (36 months)
    ended = timezone.localdate(tender.completed_at)
    assert decision.retention_ends_on == add_years(add_years(ended, 3), 10)
    assert "vahvistettava" in decision.plan.retention_reason
    assert receipt.personal_data == "contains"
    assert copy.retention_years == 1 and copy.retention_from == "created"


def test_a_record_withholding_a_business_secret_is_secret_in_part_for_25_years(authority):
    tender = _call(authority, status="completed", ended_years_ago=1)
    receipt = _record(tender, "receipt")

    meta = record_metadata(receipt, facts=RecordFacts(secret_grounds=frozenset({"JulkL 621/1999 24 § 1 mom. 20 k"})))

    assert meta.publicity == "secret_in_part"
    assert meta.secrecy_reasons == ("JulkL 621/1999 24 § 1 mom. 20 k",)
    assert meta.secrecy_ends_on == add_years(timezone.localdate(receipt.rendered_at), 25)
    not_chosen = record_metadata(receipt, facts=RecordFacts(not_chosen=True))
    assert (not_chosen.retention_years, not_chosen.retention_from) == (5, "procedure_end")


def test_an_authoritys_plan_overrides_the_default_and_another_authority_keeps_it(authority, other_authority):
    RecordClass.objects.create(
        authority=authority,
        kind="decision",
        function_code="14 02 03",
        function_title="Kotoutumiskoulutuksen hankinta",
        publicity="public",
        retention_years=None,
        retention_from="procedure_end",
        retention_reason="Pysyvästi säilytettävä (KA:n päätös)",
        personal_data="none",
    )
    ours = record_metadata(_record(_call(authority, status="completed", ended_years_ago=1), "decision"))
    theirs = record_metadata(_record(_call(other_authority, status="completed", ended_years_ago=1), "decision"))

    assert ours.permanent and ours.retention_ends_on is None and ours.plan.function_code == "14 02 03"
    assert theirs.retention_years == 10


def test_records_past_retention_are_listed_and_nothing_is_deleted_without_a_decision(authority, officer):
    # given: a call cancelled 11 years ago, one cancelled 2 years ago, one in progress
    old = _record(_call(authority, status="cancelled", ended_years_ago=11), "interruption")
    recent = _record(_call(authority, status="cancelled", ended_years_ago=2), "interruption")
    running = _record(_call(authority, status="decided", ended_years_ago=None), "decision")

    # when
    listed = records_past_retention(actor=officer, authority_id=authority.pk, on=TODAY)

    # then only the old one, and nothing changed
    assert [item.document.pk for item in listed] == [old.pk]
    assert listed[0].due_on <= TODAY
    for document in (old, recent, running):
        document.refresh_from_db()
        assert document.status == DocumentStatus.READY and document.file.storage.exists(document.file.name)


def test_destroying_erases_the_file_and_keeps_the_metadata_hash_and_decision(
    authority, officer, django_capture_on_commit_callbacks
):
    old = _record(_call(authority, status="cancelled", ended_years_ago=11), "interruption")
    name, digest = old.file.name, old.sha256

    with django_capture_on_commit_callbacks(execute=True):
        decision = record_disposal_decide(
            actor=officer, document_id=old.pk, outcome="destroy", reason="Säilytysaika päättyi.", on=TODAY
        )

    old.refresh_from_db()
    assert old.status == DocumentStatus.DISPOSED and not old.file
    assert old.sha256 == digest == decision.sha256 and old.kind == "interruption"
    assert not old.file.storage.exists(name)
    event = AuditEvent.objects.get(action="record.dispose", object_id=str(old.pk))
    assert event.detail["sha256"] == digest and event.detail["reason"] == "Säilytysaika päättyi."
    assert records_past_retention(actor=officer, authority_id=authority.pk, on=TODAY) == []
    with pytest.raises(Conflict) as gone:
        document_download(user=officer, document_id=old.pk)
    assert gone.value.code == "document_disposed"
    with pytest.raises(Conflict) as again:
        record_disposal_decide(actor=officer, document_id=old.pk, outcome="destroy", reason="x", on=TODAY)
    assert again.value.code == "record_disposed"


def test_keeping_longer_lists_the_record_again_after_the_new_date(authority, officer):
    old = _record(_call(authority, status="cancelled", ended_years_ago=11), "interruption")
    later = TODAY + timedelta(days=365)

    record_disposal_decide(
        actor=officer, document_id=old.pk, outcome="keep", keep_until=later, reason="Oikeudenkäynti kesken.", on=TODAY
    )

    assert records_past_retention(actor=officer, authority_id=authority.pk, on=TODAY) == []
    again = records_past_retention(actor=officer, authority_id=authority.pk, on=later)
    assert [(item.document.pk, item.kept_until) for item in again] == [(old.pk, later)]
    assert AuditEvent.objects.filter(action="record.retain", object_id=str(old.pk)).exists()
    old.refresh_from_db()
    assert old.status == DocumentStatus.READY


def test_a_decision_is_refused_before_the_end_of_retention_and_without_its_reason(authority, officer):
    recent = _record(_call(authority, status="cancelled", ended_years_ago=2), "interruption")
    old = _record(_call(authority, status="cancelled", ended_years_ago=11), "interruption")

    with pytest.raises(Conflict) as early:
        record_disposal_decide(actor=officer, document_id=recent.pk, outcome="destroy", reason="x", on=TODAY)
    assert early.value.code == "retention_not_over"
    with pytest.raises(ValidationFailed) as invalid:
        record_disposal_decide(actor=officer, document_id=old.pk, outcome="keep", reason=" ", on=TODAY)
    assert set(invalid.value.errors) == {"reason", "keep_until"}
    assert not DisposalDecision.objects.exists()


def test_only_the_authoritys_officers_decide(authority, other_authority, member_a):
    old = _record(_call(authority, status="cancelled", ended_years_ago=11), "interruption")
    evaluator = factories.UserFactory()
    factories.Membership.objects.create(user=evaluator, role="evaluator", authority=authority)

    with pytest.raises(Forbidden):
        record_disposal_decide(actor=evaluator, document_id=old.pk, outcome="destroy", reason="x", on=TODAY)
    with pytest.raises(Forbidden):
        records_past_retention(actor=evaluator, authority_id=authority.pk, on=TODAY)
    for outsider in (member_a, factories.officer_of(other_authority)):
        with pytest.raises(NotFound):
            record_disposal_decide(actor=outsider, document_id=old.pk, outcome="destroy", reason="x", on=TODAY)
    assert not DisposalDecision.objects.exists()
