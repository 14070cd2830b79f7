"""The audit log is a hash chain: whole when untouched, broken at the first changed or missing event."""

import io
import itertools
import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from procurement.audit import audit_record
from procurement.auditchain import FIELDS, GENESIS, anchor_path, anchor_write, chain_link, event_hash, verify_chain
from procurement.models import AuditEvent
from tests.fixtures import factories


def _tamper(sql: str, params: list) -> None:
    """What someone with superuser rights on the database could do: bypass the triggers and change rows."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _linked(events):
    """Link the events (after a commit this happens by itself) and read them back with their links."""
    chain_link()
    return [AuditEvent.objects.get(pk=e.pk) for e in events]


def test_events_link_into_a_whole_chain(db):
    written = [
        audit_record(action="test.event", detail={"n": n, "price": "9 000,00 €", "when": "2026-11-27"})
        for n in range(5)
    ]
    assert all(e.sequence is None for e in written)  # linked after the commit, not inside the transaction

    events = _linked(written)
    report = verify_chain()

    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert report.intact and report.length == 5 and report.head_hash == events[-1].hash


def test_the_database_refuses_to_change_or_delete_an_event(db):
    event = audit_record(action="test.event")
    for sql in (
        "UPDATE procurement_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM procurement_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_an_event_is_linked_once_and_its_content_never_changes(db):
    event = audit_record(action="test.event", detail={"n": 1})
    # Before its link, the content cannot be changed either, not even together with a link.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procurement_auditevent SET sequence = 999, hash = 'x', detail = '{}' WHERE id = %s", [event.pk]
        )
    [event] = _linked([event])
    assert event.sequence is not None and len(event.hash) == 64
    # Once linked, the link cannot be redone.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE procurement_auditevent SET sequence = sequence + 1000 WHERE id = %s", [event.pk])
    assert verify_chain().intact


def test_a_changed_event_is_found_by_verify_audit(db):
    events = _linked([audit_record(action="tender.publish", detail={"n": n}) for n in range(4)])
    _tamper("UPDATE procurement_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', events[2].pk])

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)

    assert f"broken at event {events[2].sequence}" in out.getvalue()
    assert verify_chain().first_broken_sequence == events[2].sequence


def test_a_deleted_event_is_found(db):
    events = _linked([audit_record(action="bid.submit") for _ in range(3)])
    _tamper("DELETE FROM procurement_auditevent WHERE id = %s", [events[1].pk])

    report = verify_chain()

    assert not report.intact and report.first_broken_sequence == events[1].sequence
    assert report.problem == "an event is missing"


def test_auditors_verify_through_the_api_others_cannot(db, client_for, auditor_user, authority):
    audit_record(action="test.event")
    officer = factories.officer_of(authority)

    response = client_for(auditor_user).get("/api/v1/audit/events/verify/")

    assert response.status_code == 200 and response.json()["intact"] is True
    assert client_for(officer).get("/api/v1/audit/events/verify/").status_code == 403
    assert client_for(auditor_user).get("/api/v1/audit/events/").json()["count"] >= 1
    assert client_for(officer).get("/api/v1/audit/events/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    barrier = threading.Barrier(6)

    def write(n):
        try:
            barrier.wait()
            for i in range(10):
                audit_record(action="test.concurrent", detail={"writer": n, "i": i})
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    report = verify_chain()
    assert report.intact and report.length == AuditEvent.objects.count() >= 60


# --- the anchors outside the database --------------------------------------------------------------------------------


def _anchored(events, django_capture_on_commit_callbacks):
    """Link the events and commit, as a request's commit does: the head is anchored outside the database."""
    with django_capture_on_commit_callbacks(execute=True):
        chain_link()
    return [AuditEvent.objects.get(pk=e.pk) for e in events]


def test_deleting_the_last_events_is_found_against_the_anchor(db, settings, django_capture_on_commit_callbacks):
    # given a chain whose head was anchored when it was linked
    settings.AUDIT_ANCHOR_REQUIRED = True
    events = _anchored(
        [audit_record(action="bid.submit", detail={"n": n}) for n in range(5)], django_capture_on_commit_callbacks
    )
    # when the database's owner deletes the last two events, the trigger disabled
    _tamper("DELETE FROM procurement_auditevent WHERE id = ANY(%s)", [[events[3].pk, events[4].pk]])

    report = verify_chain()

    # then the chain is not whole: its anchored tail is missing
    assert not report.intact, report
    assert report.code == "tail_missing" and report.first_broken_sequence == events[3].sequence
    assert report.anchor["sequence"] == events[4].sequence
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert "tail is missing" in out.getvalue()


def test_a_rewrite_with_every_later_hash_recomputed_is_found_against_the_anchor(
    db, settings, django_capture_on_commit_callbacks
):
    # given a chain whose head was anchored when it was linked
    settings.AUDIT_ANCHOR_REQUIRED = True
    events = _anchored(
        [audit_record(action="bid.submit", detail={"n": n}) for n in range(5)], django_capture_on_commit_callbacks
    )
    # when one event is changed and every hash from it on recomputed, as the chain's own code would, trigger disabled
    _tamper("UPDATE procurement_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', events[1].pk])
    prev_hash = events[0].hash
    for event in events[1:]:
        row = AuditEvent.objects.filter(pk=event.pk).values(*FIELDS).get()
        digest = event_hash(prev_hash, row)
        _tamper(
            "UPDATE procurement_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev_hash, digest, event.pk]
        )
        prev_hash = digest
    assert AuditEvent.objects.get(pk=events[4].pk).hash != events[4].hash

    report = verify_chain()

    # then the links hold, but the anchored head does not: the chain was rewritten after the last good anchor
    assert not report.intact, report
    assert report.code == "rewritten" and report.first_broken_sequence == events[0].sequence
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert "rewritten" in out.getvalue()


def test_a_whole_chain_matches_its_anchors(db, settings, django_capture_on_commit_callbacks, client_for):
    settings.AUDIT_ANCHOR_REQUIRED = True
    first = _anchored(
        [audit_record(action="test.event", detail={"n": n}) for n in range(3)], django_capture_on_commit_callbacks
    )
    later = _anchored(
        [audit_record(action="test.event", detail={"n": n}) for n in range(2)], django_capture_on_commit_callbacks
    )

    report = verify_chain()

    assert report.intact and report.anchors_checked == 2, report
    assert report.anchor["sequence"] == later[-1].sequence and report.anchor["hash"] == later[-1].hash
    assert first[-1].sequence < later[-1].sequence
    answer = client_for(factories.auditor()).get("/api/v1/audit/events/verify/").json()
    assert answer["intact"] is True and answer["anchor"]["sequence"] == later[-1].sequence


def test_an_anchor_without_a_valid_signature_is_reported(db, settings, django_capture_on_commit_callbacks):
    # given an anchored chain, and a line appended by someone without the key (here: signed with another key)
    settings.AUDIT_ANCHOR_REQUIRED = True
    [event] = _anchored([audit_record(action="test.event")], django_capture_on_commit_callbacks)
    settings.AUDIT_ANCHOR_KEY = "someone-elses-key-that-is-long-enough-0123456789"
    anchor_write({"sequence": event.sequence, "event_id": event.pk, "hash": event.hash, "at": "x"})
    settings.AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-not-secret-0123456789"

    report = verify_chain()

    assert not report.intact and report.code == "anchor_invalid", report
    assert "valid signature" in report.problem


def test_a_deleted_anchor_file_is_reported(db, settings, django_capture_on_commit_callbacks, client_for):
    settings.AUDIT_ANCHOR_REQUIRED = True
    _anchored([audit_record(action="test.event")], django_capture_on_commit_callbacks)
    anchor_path().unlink()

    report = verify_chain()

    assert not report.intact and report.code == "anchor_missing", report
    client = client_for(factories.auditor())
    assert client.get("/api/v1/audit/events/verify/").json()["code"] == "anchor_missing"


def test_beat_anchors_the_head_when_it_moved(db, settings):
    from procurement.tasks import audit_anchor_task

    settings.AUDIT_ANCHOR_REQUIRED = True
    audit_record(action="test.event")

    first = audit_anchor_task()  # links what waits and anchors the new head
    again = audit_anchor_task()  # nothing new: no second line
    audit_record(action="test.event")
    moved = audit_anchor_task()

    genesis, *lines = anchor_path().read_text().splitlines()
    assert (first, again, moved) == (1, None, 2) and len(lines) == 2
    assert json.loads(genesis)["kind"] == "genesis" and json.loads(genesis)["sequence"] == 0
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2]
    assert set(json.loads(lines[0])) == {
        "sequence",
        "event_id",
        "hash",
        "at",
        "anchored_at",
        "key_id",
        "signature",
        "kind",
        "prev",
        "reason",
    }
    assert settings.AUDIT_ANCHOR_KEY not in anchor_path().read_text()
    assert verify_chain().intact


def test_every_rendered_pdf_carries_the_chain_head(open_tender, member_a):
    from pypdf import PdfReader

    from documents.models import DocumentKind, GeneratedDocument
    from documents.services import document_render
    from tests.fixtures.stages import submit_bid

    submit_bid(member_a, open_tender)
    document = GeneratedDocument.objects.get(tender=open_tender, kind=DocumentKind.RECEIPT)
    chain_link()
    head = AuditEvent.objects.filter(sequence__isnull=False).order_by("-sequence").first()

    document = document_render(document_id=document.pk)

    with document.file.open("rb") as handle:
        source = json.loads(PdfReader(io.BytesIO(handle.read())).attachments["source.json"][0])
    assert source["audit_chain"]["sequence"] == head.sequence and source["audit_chain"]["hash"] == head.hash
    assert source["audit_chain"]["event_id"] == head.pk


def test_a_hash_cannot_be_matched_by_guessing_the_shown_content(db):
    # An event's hash is seen where its content is not (a PDF's chain head, a sealed event): a random salt, never
    # shown, is hashed with it, so that guessing the hidden fields and hashing them finds nothing.
    [event] = _linked([audit_record(action="notification.sent", detail={"to": ["tarjoaja@provider.example"]})])
    row = AuditEvent.objects.filter(pk=event.pk).values(*FIELDS).get()

    assert len(row["salt"]) == 32
    assert event_hash(event.prev_hash, {**row, "salt": ""}) != event.hash
    assert event_hash(event.prev_hash, row) == event.hash
    assert "salt" not in client_fields()


def client_fields() -> set[str]:
    from procurement.api.views import AuditEventSerializer
    from procurement.auditchain import EVENT_FIELDS

    return set(AuditEventSerializer.Meta.fields) | set(EVENT_FIELDS)


def test_events_written_before_salts_keep_their_hashes(db):
    # given an event as written before the salt existed (an empty one)
    event = audit_record(action="test.event")
    _tamper("UPDATE procurement_auditevent SET salt = '' WHERE id = %s", [event.pk])
    [event] = _linked([event])

    assert event.salt == "" and verify_chain().intact
    # a salt stays as written: not even the linking may change it
    waiting = audit_record(action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procurement_auditevent SET sequence = 999, hash = 'x', salt = '' WHERE id = %s", [waiting.pk]
        )


# --- the anchor file is created only by its installation step, never again by a writer ------------------------------


def test_a_deleted_anchor_file_is_not_created_again_by_the_next_event(
    db, settings, django_capture_on_commit_callbacks, client_for
):
    # The reviewer's scenario: the anchor file is deleted, then the last events, the trigger disabled.
    from procurement.tasks import audit_anchor_task

    settings.AUDIT_ANCHOR_REQUIRED = True
    events = _anchored(
        [audit_record(action="bid.submit", detail={"n": n}) for n in range(5)], django_capture_on_commit_callbacks
    )
    anchor_path().unlink()
    _tamper("DELETE FROM procurement_auditevent WHERE id = ANY(%s)", [[events[3].pk, events[4].pk]])

    for _ in range(2):  # verify_audit's own event is linked and its head anchored: the file must stay missing
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
            call_command("verify_audit", stdout=out)
        assert "[anchor_missing]" in out.getvalue()
    # nor do beat's audit.anchor, a sign-in's event or an auditor's verification create it
    audit_anchor_task()
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(action="auth.login")
        chain_link()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(factories.auditor()).get("/api/v1/audit/events/verify/").json()

    assert answer["code"] == "anchor_missing"
    assert not anchor_path().exists()
    assert verify_chain().code == "anchor_missing"


def _lines() -> list[str]:
    return anchor_path().read_text().splitlines(keepends=True)


def test_an_anchor_file_cut_at_its_start_or_emptied_is_reported(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_REQUIRED = True
    for n in range(3):
        _anchored([audit_record(action="test.event", detail={"n": n})], django_capture_on_commit_callbacks)
    lines = _lines()
    assert len(lines) == 4 and verify_chain().intact

    anchor_path().write_text("".join(lines[2:]))  # the genesis line and the first anchor removed
    assert verify_chain().code == "anchor_restarted"

    anchor_path().write_text("")  # emptied: the writers do not start it again
    _anchored([audit_record(action="test.event")], django_capture_on_commit_callbacks)
    assert anchor_path().read_text() == ""
    assert verify_chain().code == "anchor_restarted"


def test_an_anchor_line_removed_from_the_middle_is_reported(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_REQUIRED = True
    for n in range(3):
        _anchored([audit_record(action="test.event", detail={"n": n})], django_capture_on_commit_callbacks)
    lines = _lines()
    anchor_path().write_text("".join(lines[:2] + lines[3:]))

    report = verify_chain()

    assert not report.intact and report.code == "anchor_invalid" and "does not follow" in report.problem, report


def test_installation_creates_the_anchor_file_only_for_a_log_without_events(db, settings):
    anchor_path().unlink()
    audit_record(action="test.event")

    err = StringIO()
    call_command("audit_anchor_init", "--install", stdout=StringIO(), stderr=err)

    assert not anchor_path().exists() and "not created again" in err.getvalue()
    with pytest.raises(CommandError):  # without a reason, a log with events is not started anew
        call_command("audit_anchor_init", stdout=StringIO())
    assert not anchor_path().exists()


def test_a_fresh_installation_gets_its_genesis_line_and_an_existing_file_is_kept(db, settings):
    anchor_path().unlink()

    call_command("audit_anchor_init", "--install", stdout=StringIO())
    first = anchor_path().read_text()
    call_command("audit_anchor_init", "--install", stdout=StringIO())

    assert anchor_path().read_text() == first
    assert json.loads(first)["kind"] == "genesis" and json.loads(first)["sequence"] == 0
    with pytest.raises(CommandError):
        call_command("audit_anchor_init", "--restart", "again", stdout=StringIO())


def test_an_operator_starts_a_lost_anchor_file_anew_and_says_so(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_REQUIRED = True
    events = _anchored(
        [audit_record(action="test.event", detail={"n": n}) for n in range(3)], django_capture_on_commit_callbacks
    )
    anchor_path().unlink()
    assert verify_chain().code == "anchor_missing"

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("audit_anchor_init", "--restart", "the anchor volume was lost", stdout=out)
        chain_link()  # after the command's commit (the test's transaction holds an earlier hook)
    report = verify_chain()

    assert report.intact and report.anchored_from == events[-1].sequence, report
    restart = AuditEvent.objects.get(action="audit.anchor_init")
    assert restart.detail["reason"] == "the anchor volume was lost"
    assert report.anchor["event_id"] == restart.pk  # its own event is anchored in the new file
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"started anew at event {events[-1].sequence}" in out.getvalue()
    # the new file holds the chain from there on: deleting the tail is found again
    # (verify_audit's own event, still waiting, is then linked in the place of the anchored one: a rewrite)
    _tamper("DELETE FROM procurement_auditevent WHERE sequence >= %s", [restart.sequence])
    assert verify_chain().code in {"tail_missing", "rewritten"}


def test_the_auditors_page_says_what_broke_in_words_and_no_event_number_it_does_not_have(
    db, settings, django_capture_on_commit_callbacks, client
):
    settings.AUDIT_ANCHOR_REQUIRED = True
    _anchored([audit_record(action="test.event")], django_capture_on_commit_callbacks)
    anchor_path().unlink()
    client.force_login(factories.auditor())
    client.cookies["hankinta_language"] = "fi"

    page = client.post("/records/audit/verify/").content.decode()

    assert "Ketjun ankkuritiedosto puuttuu." in page
    assert "None" not in page and "anchor_missing" not in page


def test_every_problem_the_verification_reports_is_named_in_words():
    import re
    from pathlib import Path

    from procurement import labels

    source = (Path(__file__).resolve().parents[2] / "procurement" / "auditchain.py").read_text(encoding="utf-8")
    # the codes are the last positional text before **checked in each ChainReport(...)
    codes = set(re.findall(r'"([a-z]+_[a-z_]+|rewritten)",\s*\*\*checked', source))
    assert {"event_missing", "anchor_missing", "rewritten"} <= codes
    assert sorted(codes - set(labels.CHAIN_PROBLEMS)) == []
