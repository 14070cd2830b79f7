"""Attachments of bids through the API: chunked, sealed at rest, checked by content, refused without a trace, and
readable only by the bid's owner, or by the authority after the opening."""

import base64
import binascii
import hashlib
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bids.attachments import AttachmentDamaged
from bids.models import AttachmentStatus, BidAttachment
from bids.services import bid_create, bid_submit
from procurement.filetypes import FileRefused, detect
from procurement.models import AuditEvent
from tenders.models import Tender
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.files import (
    MARKER,
    base,
    body,
    complete,
    docx_bytes,
    download,
    executable_bytes,
    image_bytes,
    odf_bytes,
    pdf_bytes,
    put_chunk,
    start,
    stored_files,
    upload,
    xlsx_bytes,
    zip_bomb_bytes,
    zip_bytes,
)
from tests.fixtures.stages import full_content, open_bids, seat_panel

CHUNK = 1024
MAX_FILE = 200_000
MAX_BID = 300_000


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def storage(settings, tmp_path) -> Path:
    """Small limits, and a storage of the test's own whose every file can be looked at."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.HANKINTA = {
        **settings.HANKINTA,
        "ATTACHMENT_CHUNK_BYTES": CHUNK,
        "ATTACHMENT_MAX_BYTES": MAX_FILE,
        "BID_ATTACHMENTS_MAX_BYTES": MAX_BID,
    }
    return tmp_path / "media"


# --- uploading -------------------------------------------------------------------------------------------------


def test_pdf_in_chunks_completes_with_its_sha256_and_its_owner_downloads_the_same_bytes(bid, member_a, client_for):
    # given a PDF of several chunks
    client = client_for(member_a)
    data = pdf_bytes(lines=60)
    assert len(data) > 2 * CHUNK

    # when it is uploaded chunk by chunk and completed
    response = upload(client, bid.pk, "Toteutussuunnitelma.pdf", data)

    # then it is ready, with the size, hash and type of its content
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["status"] == "ready"
    assert result["size"] == len(data)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["content_type"] == "application/pdf"
    assert result["chunks_received"] == -(-len(data) // CHUNK)
    event = AuditEvent.objects.get(action="attachment.complete", object_id=result["id"])
    assert event.after["sha256"] == result["sha256"]
    assert MARKER not in str(event.after)

    # and its owner downloads exactly those bytes, as an attachment that no browser sniffs
    downloaded = download(client, bid.pk, result["id"])
    assert downloaded.status_code == 200
    assert body(downloaded) == data
    assert downloaded["Content-Type"] == "application/pdf"
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Toteutussuunnitelma.pdf" in downloaded["Content-Disposition"]
    assert downloaded["X-Content-Type-Options"] == "nosniff"


def test_the_name_and_purpose_are_sealed_in_the_row_and_the_owner_reads_them_everywhere(
    open_tender, member_a, member_b, client_for
):
    # given a draft bid with a file that answers the call's first quality criterion
    bid = bid_create(
        actor=member_a, tender_id=open_tender.pk, received_at=timezone.now(), content=full_content(open_tender)
    )
    purpose = f"criterion:{open_tender.criteria.first().pk}"
    owner = client_for(member_a)
    started = start(owner, bid.pk, "Työelämäyhteistyö-9QX.pdf", 500, purpose)
    assert started.status_code == 201, started.content

    # then its row holds neither the name nor the purpose, only their ciphertext
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM bids_bidattachment t WHERE t.id = %s", [started.json()["id"]])
        (row,) = cursor.fetchone()
    assert "Työelämäyhteistyö-9QX" not in row and purpose not in row and "criterion" not in row
    assert not AuditEvent.objects.filter(action="attachment.start", after__has_key="purpose").exists()

    # and the owner reads both in every answer: the announcement, each chunk, the completion, the list, the download
    assert (started.json()["filename"], started.json()["purpose"]) == ("Työelämäyhteistyö-9QX.pdf", purpose)
    data = pdf_bytes(lines=8)
    announced = start(owner, bid.pk, "Työelämäyhteistyö-9QX.pdf", len(data), purpose).json()
    chunk = put_chunk(owner, bid.pk, announced["id"], 0, data[:CHUNK]).json()
    for number, offset in enumerate(range(CHUNK, len(data), CHUNK), 1):
        put_chunk(owner, bid.pk, announced["id"], number, data[offset : offset + CHUNK])
    done = complete(owner, bid.pk, announced["id"]).json()
    listed = owner.get(base(bid.pk)).json()
    for answer in (chunk, done, *listed):
        assert (answer["filename"], answer["purpose"]) == ("Työelämäyhteistyö-9QX.pdf", purpose)
    downloaded = download(owner, bid.pk, announced["id"])
    assert "filename*=UTF-8''Ty%C3%B6el%C3%A4m%C3%A4yhteisty%C3%B6-9QX.pdf" in downloaded["Content-Disposition"]
    # and the submission counts the file as the criterion's answer (its purpose opened from the seal)
    content = full_content(open_tender)
    content["quality_answers"] = [a for a in content["quality_answers"] if f"criterion:{a['criterion']}" != purpose]
    owner.delete(f"{base(bid.pk)}{started.json()['id']}/")
    assert owner.patch(f"/api/v1/bids/{bid.pk}/", content, format="json").status_code == 200
    assert owner.post(f"/api/v1/bids/{bid.pk}/submit/").status_code == 200
    # while another provider learns nothing of it
    assert client_for(member_b).get(base(bid.pk)).status_code == 404


def test_stored_chunks_hold_no_plaintext(bid, member_a, client_for, storage):
    data = pdf_bytes(lines=40)

    response = upload(client_for(member_a), bid.pk, "liite.pdf", data)

    assert response.status_code == 200
    files = stored_files(storage)
    assert len(files) == response.json()["chunks_received"] >= 2
    raw = b"".join(path.read_bytes() for path in files)
    assert MARKER.encode() not in raw
    assert b"%PDF" not in raw
    assert b"Tj ET" not in raw


@pytest.mark.parametrize(
    ("filename", "make", "content_type"),
    [
        ("vastaus.docx", docx_bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("hinnat.xlsx", xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "vastaus.odt",
            lambda: odf_bytes("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "hinnat.ods",
            lambda: odf_bytes("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("kuva.png", lambda: image_bytes("PNG"), "image/png"),
        ("kuva.JPG", lambda: image_bytes("JPEG"), "image/jpeg"),
        ("kuva.jpeg", lambda: image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_real_documents_of_every_accepted_type_are_accepted(filename, make, content_type, bid, member_a, client_for):
    data = make()

    response = upload(client_for(member_a), bid.pk, filename, data)

    assert response.status_code == 200, response.content
    assert response.json()["content_type"] == content_type
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("filename", "make", "code"),
    [
        ("ohjelma.pdf", executable_bytes, "unsupported_type"),
        ("kuva.pdf", lambda: image_bytes("PNG"), "content_mismatch"),
        ("vastaus.xlsx", docx_bytes, "content_mismatch"),
        ("paketti.docx", lambda: zip_bytes({"readme.txt": "not a document"}), "unsupported_type"),
        (
            "skripti.pdf",
            lambda: pdf_bytes(catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
            "active_content",
        ),
        (
            "ohjelma2.pdf",
            lambda: pdf_bytes(catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> "),
            "active_content",
        ),
        (
            "piilo.pdf",
            lambda: pdf_bytes(catalog_extra=b"/OpenAction << /S /Java#53cript /JS (x) >> "),
            "active_content",
        ),
        ("pommi.docx", zip_bomb_bytes, "compression_bomb"),
        ("vaara.odt", lambda: odf_bytes("application/vnd.oasis.opendocument.textx"), "unsupported_type"),
    ],
)
def test_refused_content_leaves_nothing_behind(
    filename, make, code, bid, member_a, client_for, storage, django_capture_on_commit_callbacks
):
    # when a file whose content is not acceptable is uploaded and completed
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(member_a), bid.pk, filename, make())

    # then it is refused with the reason, and neither its row nor any of its chunks remain
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["errors"]["file"][0]["code"] == code
    assert not BidAttachment.objects.exists()
    assert stored_files(storage) == []
    assert AuditEvent.objects.filter(action="attachment.refuse", outcome="denied", detail__code=code).exists()


@pytest.mark.parametrize(
    ("filename", "size", "field", "code"),
    [
        ("tyhja.pdf", 0, "size", "empty_file"),
        ("iso.pdf", MAX_FILE + 1, "size", "file_too_large"),
        ("../etc/passwd.pdf", 100, "filename", "unsafe_filename"),
        ("a/b.pdf", 100, "filename", "unsafe_filename"),
        ("a\\b.pdf", 100, "filename", "unsafe_filename"),
        ("nolla\x00.pdf", 100, "filename", "unsafe_filename"),
        ("..", 100, "filename", "unsafe_filename"),
        ("\u200b\u202e", 100, "filename", "filename_required"),
        ("x" * 197 + ".pdf", 100, "filename", "filename_too_long"),
        ("ohjelma.exe", 100, "filename", "unsupported_type"),
    ],
)
def test_refused_announcements_store_nothing(filename, size, field, code, bid, member_a, client_for, storage):
    response = start(client_for(member_a), bid.pk, filename, size)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["errors"][field][0]["code"] == code
    assert not BidAttachment.objects.exists()
    assert stored_files(storage) == []


def test_the_bids_attachments_together_stay_under_the_per_bid_limit(bid, member_a, client_for):
    client = client_for(member_a)
    # uploads in progress count as well as finished ones
    assert start(client, bid.pk, "eka.pdf", MAX_FILE).status_code == 201

    response = start(client, bid.pk, "toka.pdf", MAX_BID - MAX_FILE + 1)

    assert response.status_code == 400
    assert response.json()["code"] == "bid_too_large"
    assert BidAttachment.objects.count() == 1
    assert start(client, bid.pk, "toka.pdf", MAX_BID - MAX_FILE).status_code == 201


def test_names_are_cleaned_of_invisible_characters_and_normalised(bid, member_a, client_for):
    client = client_for(member_a)
    # a right-to-left override would show "Tarjous‮fdp.exe" as "Tarjousexe.pdf"; A + combining diaeresis is Ä
    response = upload(client, bid.pk, " Tarjous\u202e_A\u0308\u200b.pdf ", pdf_bytes())

    assert response.status_code == 200, response.content
    assert response.json()["filename"] == "Tarjous_\u00c4.pdf"
    downloaded = download(client, bid.pk, response.json()["id"])
    assert downloaded["Content-Disposition"] == (
        "attachment; filename=\"Tarjous__.pdf\"; filename*=UTF-8''Tarjous_%C3%84.pdf"
    )


def test_purpose_names_a_criterion_or_requirement_of_the_bids_own_call(bid, open_tender, member_a, client_for):
    client = client_for(member_a)
    criterion = open_tender.criteria.first()
    requirement = open_tender.requirements.first()
    foreign = factories.TenderFactory().criteria.first()

    assert (
        start(client, bid.pk, "a.pdf", 10, f"criterion:{criterion.pk}").json()["purpose"] == f"criterion:{criterion.pk}"
    )
    assert start(client, bid.pk, "b.pdf", 10, f"requirement:{requirement.pk}").status_code == 201
    for purpose in (f"criterion:{foreign.pk}", f"requirement:{criterion.pk}", "criterion:abc", "price", ""):
        response = start(client, bid.pk, "c.pdf", 10, purpose)
        assert response.status_code == 400, purpose
        assert response.json()["errors"]["purpose"][0]["code"] == "invalid_purpose"
    assert BidAttachment.objects.count() == 2


def test_chunks_arrive_in_order_and_the_last_one_may_be_repeated(bid, member_a, client_for, storage):
    client = client_for(member_a)
    data = pdf_bytes(lines=40)
    attachment = start(client, bid.pk, "liite.pdf", len(data)).json()
    first, second, rest = data[:CHUNK], data[CHUNK : 2 * CHUNK], data[2 * CHUNK :]

    skipped = put_chunk(client, bid.pk, attachment["id"], 1, second)
    assert skipped.status_code == 409
    assert skipped.json()["code"] == "chunk_out_of_order"
    assert skipped.json()["expected"] == 0
    assert stored_files(storage) == []

    assert put_chunk(client, bid.pk, attachment["id"], 0, first).status_code == 200
    # a retry of the same chunk (its answer was lost) is acknowledged and changes nothing
    again = put_chunk(client, bid.pk, attachment["id"], 0, first)
    assert again.status_code == 200
    assert again.json()["chunks_received"] == 1 and again.json()["received_bytes"] == CHUNK
    # other bytes under the number of a received chunk are not
    assert put_chunk(client, bid.pk, attachment["id"], 0, first[::-1]).status_code == 409
    assert put_chunk(client, bid.pk, attachment["id"], 2, rest[:CHUNK]).json()["code"] == "chunk_out_of_order"

    assert put_chunk(client, bid.pk, attachment["id"], 1, second).status_code == 200
    assert len(stored_files(storage)) == 2


def test_chunks_cannot_exceed_the_chunk_limit_or_the_announced_size(bid, member_a, client_for, storage):
    client = client_for(member_a)
    attachment = start(client, bid.pk, "liite.pdf", CHUNK + 10).json()

    too_big = put_chunk(client, bid.pk, attachment["id"], 0, b"x" * (CHUNK + 1))
    assert too_big.status_code == 400 and too_big.json()["code"] == "chunk_too_large"
    assert put_chunk(client, bid.pk, attachment["id"], 0, b"").json()["code"] == "empty_chunk"
    assert put_chunk(client, bid.pk, attachment["id"], 0, b"x" * CHUNK).status_code == 200

    over = put_chunk(client, bid.pk, attachment["id"], 1, b"x" * 11)

    assert over.status_code == 400 and over.json()["code"] == "size_exceeded"
    assert BidAttachment.objects.get().received_bytes == CHUNK
    assert len(stored_files(storage)) == 1


def test_completion_waits_for_every_announced_byte(bid, member_a, client_for):
    client = client_for(member_a)
    data = pdf_bytes(lines=30)
    attachment = start(client, bid.pk, "liite.pdf", len(data)).json()
    put_chunk(client, bid.pk, attachment["id"], 0, data[:CHUNK])

    early = complete(client, bid.pk, attachment["id"])

    assert early.status_code == 409 and early.json()["code"] == "incomplete_upload"
    # the upload can go on where it was
    for number, offset in enumerate(range(CHUNK, len(data), CHUNK), 1):
        assert put_chunk(client, bid.pk, attachment["id"], number, data[offset : offset + CHUNK]).status_code == 200
    assert complete(client, bid.pk, attachment["id"]).json()["status"] == "ready"
    # a finished upload takes no more chunks
    late = put_chunk(client, bid.pk, attachment["id"], 3, b"x")
    assert late.status_code == 409 and late.json()["code"] == "not_uploading"


def test_uploads_after_the_deadline_are_refused(bid, open_tender, member_a, client_for):
    client = client_for(member_a)
    attachment = start(client, bid.pk, "liite.pdf", 100).json()
    Tender.objects.filter(pk=open_tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))

    for response in (
        start(client, bid.pk, "toinen.pdf", 100),
        put_chunk(client, bid.pk, attachment["id"], 0, b"x" * 100),
        complete(client, bid.pk, attachment["id"]),
        client.delete(f"{base(bid.pk)}{attachment['id']}/"),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "deadline_passed"
    assert BidAttachment.objects.get().received_bytes == 0


def test_owner_deletes_an_attachment_and_its_chunks(
    bid, member_a, client_for, storage, django_capture_on_commit_callbacks
):
    client = client_for(member_a)
    attachment = upload(client, bid.pk, "liite.pdf", pdf_bytes(lines=30)).json()
    assert stored_files(storage)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{base(bid.pk)}{attachment['id']}/")

    assert response.status_code == 204
    assert not BidAttachment.objects.exists()
    assert stored_files(storage) == []
    assert AuditEvent.objects.filter(action="attachment.delete", object_id=attachment["id"]).exists()


# --- integrity -------------------------------------------------------------------------------------------------


def test_a_changed_chunk_is_an_error_never_garbage(bid, member_a, client_for, storage):
    client = client_for(member_a)
    attachment = upload(client, bid.pk, "liite.pdf", pdf_bytes(lines=40)).json()
    files = sorted(stored_files(storage))

    # a changed second chunk stops the download where it is
    second = bytearray(files[1].read_bytes())
    second[20] ^= 0x01
    files[1].write_bytes(bytes(second))
    response = download(client, bid.pk, attachment["id"])
    with pytest.raises(AttachmentDamaged):
        body(response)

    # a changed first chunk is answered with an error before any content
    first = bytearray(files[0].read_bytes())
    first[-1] ^= 0x01
    files[0].write_bytes(bytes(first))
    response = download(client, bid.pk, attachment["id"])
    assert response.status_code == 500
    assert response.json()["code"] == "attachment_damaged"
    assert AuditEvent.objects.filter(action="attachment.damaged", object_id=attachment["id"]).exists()


def test_chunks_swapped_in_storage_do_not_open(bid, member_a, client_for, storage, django_capture_on_commit_callbacks):
    # given an upload whose first two chunk files are swapped (each is sealed for its own place)
    client = client_for(member_a)
    data = pdf_bytes(lines=40)
    attachment = start(client, bid.pk, "liite.pdf", len(data)).json()
    for number, offset in enumerate(range(0, len(data), CHUNK)):
        put_chunk(client, bid.pk, attachment["id"], number, data[offset : offset + CHUNK])
    files = sorted(stored_files(storage))
    first, second = files[0].read_bytes(), files[1].read_bytes()
    files[0].write_bytes(second)
    files[1].write_bytes(first)

    # when it is completed, it is refused and removed
    with django_capture_on_commit_callbacks(execute=True):
        response = complete(client, bid.pk, attachment["id"])

    assert response.status_code == 400
    assert response.json()["code"] == "upload_damaged"
    assert not BidAttachment.objects.exists()
    assert stored_files(storage) == []


# --- who may read ----------------------------------------------------------------------------------------------


def test_another_provider_gets_404_on_every_attachment_url(bid, member_a, member_b, client_for):
    owner = client_for(member_a)
    attachment = upload(owner, bid.pk, "liite.pdf", pdf_bytes()).json()
    other = client_for(member_b)
    one = f"{base(bid.pk)}{attachment['id']}/"

    responses = [
        other.get(base(bid.pk)),
        start(other, bid.pk, "oma.pdf", 100),
        other.put(f"{one}chunks/0/", b"x", content_type="application/octet-stream"),
        other.post(f"{one}complete/"),
        other.get(f"{one}download/"),
        other.delete(one),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert MARKER not in "".join(r.content.decode() for r in responses)
    assert BidAttachment.objects.get().status == AttachmentStatus.READY
    assert BidAttachment.objects.count() == 1


def test_an_unknown_attachment_of_ones_own_bid_is_404(bid, member_a, client_for):
    client = client_for(member_a)
    missing = "00000000-0000-4000-8000-000000000000"

    assert download(client, bid.pk, missing).status_code == 404
    assert complete(client, bid.pk, missing).status_code == 404
    assert put_chunk(client, bid.pk, missing, 0, b"x").status_code == 404


def test_the_authority_reads_ready_attachments_only_after_the_opening(
    open_tender, officer, member_a, client_for, storage
):
    # given a submitted bid with a finished attachment (an unfinished one would stop the submission)
    provider = client_for(member_a)
    bid = bid_create(
        actor=member_a, tender_id=open_tender.pk, received_at=timezone.now(), content=full_content(open_tender)
    )
    data = pdf_bytes(lines=30)
    ready = upload(provider, bid.pk, "liite.pdf", data).json()
    bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    authority = client_for(officer)

    # before the opening the officer is refused as if nothing were there, and the refusal is logged
    for response in (authority.get(base(bid.pk)), download(authority, bid.pk, ready["id"])):
        assert response.status_code == 404
    probes = AuditEvent.objects.filter(action="access.not_found", actor=officer, outcome="denied", tender_id=None)
    assert [e.detail["path"] for e in probes.order_by("id")] == [base(bid.pk), f"{base(bid.pk)}{ready['id']}/download/"]
    assert not AuditEvent.objects.filter(action="attachment.read").exists()

    # when the call is closed and opened
    Tender.objects.filter(pk=open_tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=open_tender.pk)
    seat_panel(open_tender, officer)
    open_bids(open_tender, officer)

    # then the officer lists the finished attachment, downloads the same bytes, and the read is on record
    listed = authority.get(base(bid.pk))
    assert listed.status_code == 200
    assert [(a["id"], a["filename"], a["purpose"]) for a in listed.json()] == [(ready["id"], "liite.pdf", "other")]
    downloaded = download(authority, bid.pk, ready["id"])
    assert downloaded.status_code == 200
    assert "filename*=UTF-8''liite.pdf" in downloaded["Content-Disposition"]
    assert body(downloaded) == data
    assert hashlib.sha256(data).hexdigest() == ready["sha256"]
    assert AuditEvent.objects.filter(action="attachment.read", actor=officer, object_id=ready["id"]).exists()
    # and nobody can change the bid's files any more
    assert start(provider, bid.pk, "myohassa.pdf", 100).status_code == 409


# --- the content checks themselves -----------------------------------------------------------------------------


def _object_stream(packed: dict[int, bytes], filters: bytes = b"/FlateDecode", encode=zlib.compress, **more) -> bytes:
    """A well-formed PDF whose catalog opens object 5 on opening, object 5 packed in an object stream."""
    from tests.fixtures.pdfs import one_page, pdf_file

    plain = one_page(catalog=b"/OpenAction 5 0 R ")
    return pdf_file(plain, packed, packed_filter=filters, packed_encoding=encode, **more)


HIDDEN_ACTION = {5: b"<< /S /JavaScript /JS (app.alert(1)) >>"}


def _encrypted() -> bytes:
    from tests.fixtures.pdfs import encrypted_pdf

    return encrypted_pdf("")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (_object_stream(HIDDEN_ACTION), "active_content"),
        (_object_stream(HIDDEN_ACTION, packed_type=b"/Obj#53tm"), "active_content"),
        (_object_stream(HIDDEN_ACTION, b"/ASCII85Decode", lambda d: base64.a85encode(d) + b"~>"), "active_content"),
        (_object_stream({5: b"<< /S /Launch /F (calc) >>"}, b"[/ASCIIHexDecode]", binascii.hexlify), "active_content"),
        (_object_stream({5: b"<< >>"}, b"/LZWDecode", lambda d: d), "uninspectable_file"),
        (_encrypted(), "encrypted_file"),
        (_object_stream({5: b"\x00" * 8_000_000}, b"/FlateDecode", lambda d: zlib.compress(d, 9)), "compression_bomb"),
    ],
)
def test_pdf_actions_are_found_where_they_hide(data, code):
    with pytest.raises(FileRefused) as refused:
        detect(data, filename="liite.pdf", max_file_bytes=MAX_FILE)

    assert refused.value.code == code


def test_pdfs_without_actions_pass_the_check():
    from weasyprint import HTML

    rendered = HTML(string=f"<h1>Tarjous</h1><p>{MARKER}</p>").write_pdf()

    assert detect(rendered, filename="tarjous.pdf", max_file_bytes=MAX_FILE).content_type == "application/pdf"
    # a name that merely starts like one looked for is no action
    harmless = pdf_bytes(catalog_extra=b"/BaseFont /JSFont /Lang (JS) ")
    assert detect(harmless, filename="a.pdf", max_file_bytes=MAX_FILE).content_type == "application/pdf"


def test_submit_waits_for_unfinished_uploads_and_stale_ones_are_purged(open_tender, member_a, client_for):
    from datetime import timedelta

    from bids.attachments import attachments_purge_abandoned
    from bids.models import BidAttachment
    from tests.fixtures.stages import full_content

    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json").json()
    started = client.post(
        f"/api/v1/bids/{bid['id']}/attachments/",
        {"filename": "liite.pdf", "size": 100, "purpose": "other"},
        format="json",
    )
    assert started.status_code == 201

    refused = client.post(f"/api/v1/bids/{bid['id']}/submit/")
    assert refused.status_code == 409 and refused.json()["code"] == "uploads_in_progress"

    assert attachments_purge_abandoned() == 0  # still fresh
    BidAttachment.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert attachments_purge_abandoned() == 1
    assert client.post(f"/api/v1/bids/{bid['id']}/submit/").status_code == 200
