"""Redaction of a PDF (documents.redaction): the withheld passages and pages are gone from the copy's bytes and its
text, the rest is still there (in its text layer and on its pages), and a file that is not a PDF is refused."""

import shutil
import subprocess

import pytest

from documents.redaction import RedactionFailed, redact_pdf
from tests.fixtures.access import plain_pdf


def text_of(data: bytes) -> str:
    out = subprocess.run(  # noqa: S603 (the test's own bytes, to a fixed program)
        [shutil.which("pdftotext"), "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout
    return " ".join(out.decode("utf-8").split())


PDF = plain_pdf(
    [
        ["Julkinen johdanto", "Salainen hinnoittelu PIILOSANA kerroin 2,5 ja", "rivinvaihdon yli jatkuva", "Loppu"],
        ["Toisen sivun julkinen teksti"],
        ["Kolmas sivu SIVUSALAISUUS kokonaan"],
    ]
)


def test_a_withheld_passage_is_gone_from_the_bytes_and_the_text_and_the_rest_stays():
    assert b"PIILOSANA" in PDF
    redacted = redact_pdf(PDF, ["hinnoittelu PIILOSANA kerroin 2,5 ja rivinvaihdon", "page:3"])
    assert b"PIILOSANA" not in redacted.pdf and b"SIVUSALAISUUS" not in redacted.pdf
    text = text_of(redacted.pdf)
    assert "PIILOSANA" not in text and "rivinvaihdon" not in text and "SIVUSALAISUUS" not in text
    assert "Julkinen johdanto" in text and "Salainen" in text and "yli jatkuva" in text
    assert "Toisen sivun julkinen teksti" in text
    assert redacted.pages == 3 and redacted.pages_withheld == 1 and redacted.words_withheld == 6
    assert redacted.missing == ()


def test_the_copy_is_made_of_page_images_painted_black_where_withheld():
    from io import BytesIO

    from PIL import Image

    redacted = redact_pdf(PDF, ["page:2"])
    images = subprocess.run(  # noqa: S603
        [shutil.which("pdftoppm"), "-r", "20", "-f", "2", "-l", "2", "-singlefile", "-png", "-"],
        input=redacted.pdf,
        capture_output=True,
        check=True,
    ).stdout
    page = Image.open(BytesIO(images)).convert("L")
    assert max(page.getdata()) < 40  # the whole page is black
    assert "Toisen sivun" not in text_of(redacted.pdf)


def test_a_passage_not_in_the_file_is_reported_and_nothing_else_is_withheld():
    redacted = redact_pdf(PDF, ["ei löydy tästä"])
    assert redacted.missing == ("ei löydy tästä",) and redacted.words_withheld == 0
    assert "PIILOSANA" in text_of(redacted.pdf)


@pytest.mark.parametrize("data", [b"PK\x03\x04 not a pdf", b"%PDF-1.4 broken"])
def test_a_file_that_is_not_a_readable_pdf_is_refused(data):
    with pytest.raises(RedactionFailed):
        redact_pdf(data, ["x"])


def test_without_the_pdf_tools_the_file_is_refused_not_disclosed(monkeypatch):
    import documents.redaction as redaction

    def missing(*args, **kwargs):
        raise FileNotFoundError("pdftotext")

    monkeypatch.setattr(redaction.subprocess, "run", missing)
    with pytest.raises(RedactionFailed):
        redact_pdf(PDF, ["PIILOSANA"])
