"""The content check of PDF uploads (procurement/filetypes.py): a PDF parser reads every object, wherever it hides, and
refuses what can run code or carry a file, and what it cannot read whole, within limits of time and memory."""

import time

import pytest

from procurement import filetypes
from procurement.filetypes import FileRefused, detect
from tests.fixtures.pdfs import (
    HOSTILE_PDFS,
    UNSAFE_LINKS,
    encrypted_pdf,
    many_pages_pdf,
    one_page,
    packed_pdf,
    pdf_deeply_nested,
    pdf_file,
    pdf_link,
    pdf_object_stream_bomb,
    pdf_truncated,
    pdf_unlisted_action,
    pdf_unlisted_action_after_a_delimiter,
    pdf_unlisted_action_after_nul,
    pdf_unlisted_action_packed,
    pdf_xfa_form,
)

MAX_FILE = 2 * 1024 * 1024


@pytest.mark.parametrize("make", [make for _name, make in HOSTILE_PDFS], ids=[name for name, _make in HOSTILE_PDFS])
def test_active_content_is_found_in_every_object(make):
    data = make()

    with pytest.raises(FileRefused) as refused:
        detect(data, filename="liite.pdf", max_file_bytes=MAX_FILE)

    assert refused.value.code == "active_content"


@pytest.mark.parametrize("make", [make for _name, make in UNSAFE_LINKS], ids=[name for name, _make in UNSAFE_LINKS])
def test_links_to_scripts_files_and_network_shares_are_refused(make):
    with pytest.raises(FileRefused) as refused:
        detect(make(), filename="liite.pdf", max_file_bytes=MAX_FILE)

    assert refused.value.code == "unsafe_link"


def test_web_and_mail_links_and_jumps_to_nearby_files_pass():
    for action in (
        b"<< /S /URI /URI (https://www.hankinnat.fi/tarjous?id=1#osa) >>",
        b"<< /S /URI /URI (http://example.fi/) >>",
        b"<< /S /URI /URI (mailto:hankinnat@kunta.fi) >>",
        b"<< /S /URI /URI (liitteet/hinnasto.html) >>",
        b"<< /S /GoToR /F (liite2.pdf) /D [0 /Fit] >>",
        b"<< /S /SubmitForm /F << /FS /URL /F (https://www.hankinnat.fi/lomake) >> >>",
    ):
        assert detect(pdf_link(action), filename="liite.pdf", max_file_bytes=MAX_FILE).name == "pdf", action


def test_the_same_files_without_their_actions_pass():
    # the files above are well-formed: what refuses them is what they do, not how they are written
    for data in (
        packed_pdf(one_page()),
        pdf_file(one_page(page=b"/AA << /O << /S /URI /URI (https://www.hankinnat.fi/) >> >> ")),
        pdf_file(one_page(catalog=b"/AcroForm << /Fields [] >> /Names << /Dests 5 0 R >> ", more={5: b"<< >>"})),
        many_pages_pdf(3),
    ):
        assert detect(data, filename="liite.pdf", max_file_bytes=MAX_FILE).name == "pdf"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (pdf_truncated, "corrupt_file"),
        (lambda: b"%PDF-1.7\n" + bytes(2000), "corrupt_file"),
        (lambda: pdf_file(one_page()).replace(b"startxref\n", b"startxref\n9"), "corrupt_file"),
        (pdf_unlisted_action, "uninspectable_file"),
        (pdf_unlisted_action_after_nul, "uninspectable_file"),
        (pdf_unlisted_action_after_a_delimiter, "uninspectable_file"),
        (pdf_unlisted_action_packed, "uninspectable_file"),
        (pdf_deeply_nested, "uninspectable_file"),
        (pdf_object_stream_bomb, "compression_bomb"),
        (lambda: encrypted_pdf(""), "encrypted_file"),  # opens without a password, still encrypted
        (lambda: encrypted_pdf("salasana"), "encrypted_file"),
    ],
    ids=[
        "cut",
        "no structure",
        "cross-reference not where it says",
        "object left out",
        "object left out, after NUL",
        "object left out, after >>",
        "object left out, packed",
        "nested",
        "bomb",
        "no pw",
        "pw",
    ],
)
def test_a_pdf_that_cannot_be_read_whole_is_refused(make, code):
    with pytest.raises(FileRefused) as refused:
        detect(make(), filename="liite.pdf", max_file_bytes=MAX_FILE)

    assert refused.value.code == code


def test_the_walk_stops_at_its_limits(monkeypatch):
    data = many_pages_pdf(20)  # some 45 objects and 1 000 values
    assert detect(data, filename="liite.pdf", max_file_bytes=MAX_FILE).name == "pdf"

    for limit, value in (("MAX_PDF_OBJECTS", 30), ("MAX_PDF_VALUES", 500), ("MAX_PDF_STREAM_UNPACKED", 100)):
        with monkeypatch.context() as patch:
            patch.setattr(filetypes, limit, value)
            with pytest.raises(FileRefused) as refused:
                detect(data, filename="liite.pdf", max_file_bytes=MAX_FILE)
        assert refused.value.code == (
            "compression_bomb" if limit == "MAX_PDF_STREAM_UNPACKED" else "uninspectable_file"
        )


def test_a_long_report_is_checked_quickly():
    data = many_pages_pdf(200)
    assert len(data) > 90_000

    started = time.perf_counter()
    kind = detect(data, filename="raportti.pdf", max_file_bytes=MAX_FILE)
    elapsed = time.perf_counter() - started

    assert kind.name == "pdf"
    # some 0.1 s on the development machine; the bound leaves room for a busy CI machine
    assert elapsed < 5, elapsed


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>", "word/embeddings/o.bin": b"x"})),
        ("a.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>", "word/activeX/a.xml": b"x"})),
        ("a.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/M.xml": b"x"})),
        ("a.pdf", pdf_xfa_form()),
    ],
)
def test_active_content_is_refused(name, data):
    with pytest.raises(FileRefused) as refused:
        detect(data, filename=name, max_file_bytes=10_000_000)
    assert refused.value.code == "active_content"
