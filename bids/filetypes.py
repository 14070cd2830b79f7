"""Recognising a bid attachment's type by its content, and refusing content that is unsafe to hand on."""

import base64
import binascii
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import puremagic
from django.utils.translation import gettext_lazy as _

from procurement.errors import ValidationFailed

# A ZIP (or anything decoded from a PDF) may unpack to at most this many times its own size, and never to more
# than this many times the per-file limit: beyond that it is a decompression bomb, not a document.
MAX_RATIO = 100
MAX_UNPACKED_PER_LIMIT = 10


@dataclass(frozen=True)
class FileKind:
    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileKind("docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileKind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
ODT = FileKind("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = FileKind("ods", "ODS", "application/vnd.oasis.opendocument.spreadsheet", (".ods",))
PNG = FileKind("png", "PNG", "image/png", (".png",))
JPEG = FileKind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"))
KINDS = (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG)
_BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
ALLOWED_TYPES_TEXT = ", ".join(kind.label for kind in KINDS)


class FileRefused(ValidationFailed):
    """The content is not an allowed file, or not a safe one; `code` says why."""

    def __init__(self, code: str, message):
        super().__init__(message, code=code, errors={"file": [{"code": code, "message": message}]})


def kind_for_name(filename: str) -> FileKind | None:
    """The type that the file name's extension promises, if it is one of the allowed types."""
    _stem, dot, extension = filename.rpartition(".")
    return _BY_EXTENSION.get(f".{extension.lower()}") if dot else None


def unpack_limit(packed_size: int, max_file_bytes: int) -> int:
    return min(MAX_RATIO * packed_size, MAX_UNPACKED_PER_LIMIT * max_file_bytes)


def detect(data: bytes, *, filename: str, max_file_bytes: int) -> FileKind:
    """The file's type, found from its content; refuses (FileRefused) what is not allowed, what is unsafe, and
    content whose type does not match the extension of its name."""
    family = _family(data)
    if family is None:
        raise _unsupported()
    claimed = kind_for_name(filename)
    if family == "zip":
        candidates = _zip_kinds(data, max_file_bytes)
        if not candidates:
            raise _unsupported()
        if claimed not in candidates:
            raise _mismatch(candidates[0])
        return claimed
    kind = {"pdf": PDF, "png": PNG, "jpeg": JPEG}[family]
    if claimed is not kind:
        raise _mismatch(kind)
    if kind is PDF:
        _pdf_check(data, max_file_bytes)
    return kind


def _unsupported() -> FileRefused:
    return FileRefused(
        "unsupported_type",
        _("The file is not of an accepted type. Accepted types: %(types)s.") % {"types": ALLOWED_TYPES_TEXT},
    )


def _mismatch(kind: FileKind) -> FileRefused:
    return FileRefused(
        "content_mismatch",
        _("The content of the file is %(type)s, which does not match the file name; name it %(extension)s.")
        % {"type": kind.label, "extension": kind.extensions[0]},
    )


# --- what the library recognises ---------------------------------------------------------------------------

# Media types that puremagic reports for ZIP-based files; which office format it is, we decide ourselves.
_ZIP_MEDIA_PREFIXES = (
    "application/zip",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-excel.",
    "application/vnd.ms-word.",
    "application/vnd.ms-powerpoint.",
)


def _family(data: bytes) -> str | None:
    """pdf, png, jpeg or zip, from the library's best matches; None for anything else."""
    try:
        matches = puremagic.magic_string(data)
    except Exception:  # on hostile input, a failure of the library only means "not recognised"
        return None
    if not matches:
        return None
    best = max(match.confidence for match in matches)
    for match in matches:
        if match.confidence < best:
            continue
        if match.mime_type == "application/pdf" and data.startswith(b"%PDF-"):
            return "pdf"
        if match.mime_type == "image/png":
            return "png"
        if match.mime_type == "image/jpeg":
            return "jpeg"
    # For a ZIP the library's guesses among office formats vary; the contents decide below. One that does not start
    # with a local file header (a self-extracting program, say) is not accepted.
    zip_based = any(match.mime_type.startswith(_ZIP_MEDIA_PREFIXES) for match in matches)
    if zip_based and data.startswith(b"PK\x03\x04"):
        return "zip"
    return None


# --- ZIP-based office files --------------------------------------------------------------------------------

_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
}


def _corrupt() -> FileRefused:
    return FileRefused("corrupt_file", _("The file is damaged or not a valid document; save it again and retry."))


def _bomb() -> FileRefused:
    return FileRefused(
        "compression_bomb", _("The file unpacks to far more data than a document can hold, so it is not accepted.")
    )


def _zip_kinds(data: bytes, max_file_bytes: int) -> list[FileKind]:
    """The office formats that this ZIP really is (none, one, or in odd cases several)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, OverflowError):
        raise _corrupt() from None
    names = {entry.filename for entry in entries}
    if len(names) != len(entries):
        # Two entries of the same name: readers disagree on which one counts, which is a known way to smuggle.
        raise _corrupt()
    # The sizes in the central directory are what zipfile will stop at, so their sum bounds what unpacking makes.
    if sum(entry.file_size for entry in entries) > unpack_limit(len(data), max_file_bytes):
        raise _bomb()
    for entry in entries:
        # Other readers trust the data rather than the directory: each entry must unpack to what it declares.
        _check_member(data, entry)
    kinds = []
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            kinds.append(DOCX)
        if "xl/workbook.xml" in names:
            kinds.append(XLSX)
        lowered = [name.lower() for name in names]
        if kinds and any(
            name.endswith("vbaproject.bin") or "/activex/" in name or "/embeddings/" in name for name in lowered
        ):
            raise FileRefused(
                "active_content",
                _("The document contains macros; save it without macros (as .docx or .xlsx) and upload it again."),
            )
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as entry:
                mimetype = entry.read(100)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, EOFError, OSError, zlib.error):
            raise _corrupt() from None
        if mimetype in _ODF_MIMETYPES:
            if any(name.startswith(("Basic/", "Scripts/")) for name in names):
                raise FileRefused(
                    "active_content",
                    _("The document contains macros or scripts; save it without them and upload it again."),
                )
            kinds.append(_ODF_MIMETYPES[mimetype])
    return kinds


def _check_member(data: bytes, entry: zipfile.ZipInfo) -> None:
    """The entry's data unpacks to exactly its declared size and checksum; never more is unpacked than declared,
    so a directory that understates what its data unpacks to (a bomb for readers that trust the data) is caught
    before it does harm here."""
    start = entry.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04") or entry.flag_bits & 0x1:
        raise _corrupt()  # no local header where the directory points, or an encrypted entry
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    offset = start + 30 + name_length + extra_length
    raw = data[offset : offset + entry.compress_size]
    if len(raw) != entry.compress_size:
        raise _corrupt()
    if entry.compress_type == zipfile.ZIP_STORED:
        size, crc = len(raw), zlib.crc32(raw)
    elif entry.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        size, crc, pending = 0, 0, raw
        try:
            while not inflater.eof:
                # One byte more than declared is enough to know that the entry understates its size.
                piece = inflater.decompress(pending, min(_WINDOW, entry.file_size - size + 1))
                if not piece and len(inflater.unconsumed_tail) == len(pending):
                    break  # the data ends before the stream does
                pending = inflater.unconsumed_tail
                size += len(piece)
                if size > entry.file_size:
                    raise _bomb()
                crc = zlib.crc32(piece, crc)
        except zlib.error:
            raise _corrupt() from None
        if not inflater.eof:
            raise _corrupt()
    else:
        raise _corrupt()  # office documents are stored or deflated, nothing else
    if size != entry.file_size or crc != entry.CRC:
        raise _corrupt()


# --- PDF: actions that run code -----------------------------------------------------------------------------

# A name token (/Name) that could spell one of the names looked for (#xx escapes are decoded before comparing).
_NAME = re.compile(rb"/((?:[JLERX]|#[0-9A-Fa-f]{2})[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ANY_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# "stream" after a dictionary, then the end of line that the format requires.
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"endstream")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_FILTER_NAME = re.compile(rb"/([^\s/\[\]<>()]+)")
_PREDICTOR = re.compile(rb"/Predictor\s*(\d+)")
_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"XFA", b"EmbeddedFile", b"RichMedia"}
# Names long enough never to occur by chance in compressed bytes; /JS, three letters, does now and then.
_LONG_ACTIVE = {b"JavaScript", b"Launch", b"EmbeddedFile", b"RichMedia"}
_IMAGE_FILTERS = {b"DCTDecode", b"DCT", b"JPXDecode", b"CCITTFaxDecode", b"CCF", b"JBIG2Decode"}
# Decoded streams are scanned in windows of this size, overlapping by the longest name looked for (escaped).
_WINDOW = 1024 * 1024
_OVERLAP = 256


def _decoded(name: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)


def _names(text: bytes, *, whole: bool = True) -> set[bytes]:
    """The names in the text; with whole=False a name running to the end of the text may be cut, so is left out."""
    return {_decoded(m.group(1)) for m in _NAME.finditer(text) if whole or m.end() < len(text)}


def _active() -> FileRefused:
    return FileRefused(
        "active_content",
        _("The PDF contains JavaScript or an action that starts a program; save it without them and upload again."),
    )


def _uninspectable() -> FileRefused:
    return FileRefused(
        "uninspectable_file",
        _("The PDF is built in a way that cannot be checked; print it to a new PDF file and upload that one."),
    )


def _pdf_check(data: bytes, max_file_bytes: int) -> None:
    """Refuse a PDF that can run JavaScript or start a program, or whose structure hides what it contains.

    Outside streams every name is checked; inside streams, their decoded content where it can hold PDF objects.
    Image data is not decoded: it cannot hold actions, and blank scanned pages unpack a thousandfold."""
    names = _names(data)
    if names & _LONG_ACTIVE:
        raise _active()
    if b"Encrypt" in names:
        # Encrypted strings and object streams cannot be checked, and the authority could not read them anyway.
        raise FileRefused(
            "encrypted_file", _("The PDF is encrypted or password-protected; upload it without protection.")
        )
    budget = [unpack_limit(len(data), max_file_bytes)]
    position = 0
    for start in _STREAM.finditer(data):
        if start.start() < position:
            continue  # the keyword was inside the data of the previous stream
        if _names(data[position : start.start()]) & _ACTIVE:
            raise _active()
        end = _ENDSTREAM.search(data, start.end())
        stop = end.start() if end else len(data)
        dictionary = _stream_dictionary(data, position, start.start())
        if _has_active(_stream_content(data[start.end() : stop], dictionary, budget)):
            raise _active()
        position = end.end() if end else len(data)
    if _names(data[position:]) & _ACTIVE:
        raise _active()


def _has_active(pieces: Iterable[bytes]) -> bool:
    tail = b""
    for piece in pieces:
        window = tail + piece
        if _names(window, whole=False) & _ACTIVE:
            return True
        tail = window[-_OVERLAP:]
    return bool(_names(tail) & _ACTIVE)


def _stream_dictionary(data: bytes, since: int, keyword: int) -> bytes:
    """The dictionary of the stream whose keyword is at `keyword`, its names' #xx escapes decoded."""
    opening = data.rfind(b"obj", since, keyword)
    text = data[opening if opening >= 0 else max(since, keyword - 4096) : keyword + 2]
    return _ANY_NAME.sub(lambda m: b"/" + _decoded(m.group(1)).replace(b"/", b"#2F"), text)


def _stream_content(raw: bytes, dictionary: bytes, budget: list[int]) -> Iterable[bytes]:
    """The decoded content of a stream, in pieces, where it can carry PDF objects; nothing where it cannot (images,
    undecodable data: a reader cannot make objects of those either, and their raw bytes were checked for the long
    names). An object stream that cannot be decoded is refused."""
    object_stream = b"/ObjStm" in dictionary or bool(
        re.search(rb"/N\s*\d", dictionary) and re.search(rb"/First\s*\d", dictionary)
    )
    if not object_stream and b"/Subtype/Image" in re.sub(rb"\s+", b"", dictionary):
        return ()
    predictor = _PREDICTOR.search(dictionary)
    if object_stream and predictor and int(predictor.group(1)) > 1:
        # Objects behind a predictor would have to be un-predicted to be read; producers of documents never do that.
        raise _uninspectable()
    if object_stream and re.search(rb"/(Filter|DecodeParms)\s*\d", dictionary):
        raise _uninspectable()  # its filters are stored elsewhere in the file (an indirect reference)
    found = _FILTER.search(dictionary)
    filters = _FILTER_NAME.findall(found.group(1)) if found else []
    content = raw
    for index, name in enumerate(filters):
        if name in _IMAGE_FILTERS:
            return ()
        try:
            if name in (b"FlateDecode", b"Fl"):
                pieces = _inflate(content, budget, object_stream=object_stream)
                if index == len(filters) - 1:
                    return pieces
                content = b"".join(pieces)
            elif name in (b"ASCIIHexDecode", b"AHx"):
                digits = re.sub(rb"\s+", b"", content.split(b">", 1)[0])
                content = binascii.unhexlify(digits + b"0" * (len(digits) % 2))
            elif name in (b"ASCII85Decode", b"A85"):
                content = base64.a85decode(content.split(b"~>", 1)[0])
            elif object_stream:
                raise _uninspectable()
            else:
                return ()
        except (ValueError, binascii.Error):
            if object_stream:
                raise _uninspectable() from None
            return ()
    return (content,)


def _inflate(raw: bytes, budget: list[int], *, object_stream: bool) -> Iterator[bytes]:
    """Inflate in windows, never past the budget that all the streams of the file share."""
    inflater = zlib.decompressobj()
    pending = raw
    try:
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, _WINDOW)
            pending = inflater.unconsumed_tail
            budget[0] -= len(piece)
            if budget[0] < 0:
                raise _bomb()
            yield piece
    except zlib.error:
        # Readers show what inflates before the damage, and so that part was checked; an object stream is refused.
        if object_stream:
            raise _uninspectable() from None
