"""Recognising an uploaded file's type by its content (a bid's attachment, a call's file), refusing content that is
unsafe to hand on, and cleaning the name it came with."""

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import puremagic
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import decode_stream_data
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from procurement.errors import ValidationFailed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# An error of a field, as the API returns it: {code, message}.
FieldError = dict[str, "StrOrPromise"]

# A ZIP (or anything decoded from a PDF) may unpack to at most this many times its own size, and never to more
# than this many times the per-file limit: beyond that it is a decompression bomb, not a document.
MAX_RATIO = 100
MAX_UNPACKED_PER_LIMIT = 10

MAX_FILENAME_LENGTH = 200
# Control characters, bidi and zero-width formatting, lone surrogates, line and paragraph separators: they can
# make a name look like another one (…fdp.exe shown as …exe.pdf) or break the headers it is sent in.
_STRIPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


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

    def __init__(self, code: str, message: "StrOrPromise") -> None:
        super().__init__(message, code=code, errors={"file": [{"code": code, "message": message}]})


def kind_for_name(filename: str) -> FileKind | None:
    """The type that the file name's extension promises, if it is one of the allowed types."""
    _stem, dot, extension = filename.rpartition(".")
    return _BY_EXTENSION.get(f".{extension.lower()}") if dot else None


def _error(code: str, message: "StrOrPromise") -> list[FieldError]:
    return [{"code": code, "message": message}]


def filename_clean(raw: object) -> tuple[str, list[FieldError]]:
    """The name as it will be stored and shown, or the errors that refuse it."""
    if not isinstance(raw, str):
        return "", _error("required", _("Give the file's name."))
    if "\x00" in raw or "/" in raw or "\\" in raw:
        return "", _error("unsafe_filename", _("A file name cannot contain a path, a slash or a NUL character."))
    name = "".join(ch for ch in raw if unicodedata.category(ch) not in _STRIPPED_CATEGORIES)
    name = unicodedata.normalize("NFC", name).strip()
    if name in {".", ".."}:
        return "", _error("unsafe_filename", _("A file name cannot contain a path, a slash or a NUL character."))
    if not name:
        return "", _error("filename_required", _("Give the file's name."))
    if len(name) > MAX_FILENAME_LENGTH:
        return "", _error(
            "filename_too_long", _("A file name can be at most %(n)s characters long.") % {"n": MAX_FILENAME_LENGTH}
        )
    if kind_for_name(name) is None:
        return "", _error(
            "unsupported_type",
            _("Files of this type are not accepted. Accepted types: %(types)s.") % {"types": ALLOWED_TYPES_TEXT},
        )
    return name, []


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
            with archive.open("mimetype") as stream:
                mimetype = stream.read(100)
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


# --- PDF: what runs or carries files, found by a PDF parser ------------------------------------------------------

# ZIP members (and PDF streams) are inflated in windows of this size, so that a bomb never sits in memory whole.
_WINDOW = 1024 * 1024

# Names that mark what a PDF may not carry, as a key or as a value, in any object: JavaScript (actions, the
# document's name tree, form scripts), actions that start a program, XFA forms, files embedded in the document or
# in an annotation, rich media, and 3D artwork (its /3DD stream runs JavaScript from /OnInstantiate; a tender has
# no use for 3D). Web and mail links (/URI), jumps to other files (/GoToR) and form submission stay allowed.
_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/XFA",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/FileAttachment",
        "/RichMedia",
        "/RichMediaExecute",
        "/3D",
        "/3DD",
        "/OnInstantiate",
    }
)
# A link (/URI) may lead only to a web page or a mail address (or a relative address): not to javascript:,
# vbscript:, data: or file: addresses, nor any other scheme a viewer might hand to a program.
_URI_SCHEMES = frozenset({"http", "https", "mailto"})
# The keys that name a file (a file specification's, or an action's /F): a network path (\\host\share, //host,
# file: or smb:) makes the viewer connect to that host, which hands it the user's Windows credentials' hash.
_FILE_KEYS = frozenset({"/F", "/UF", "/DOS", "/Unix", "/Mac"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# What one upload may cost: beyond these the file is refused as one that cannot be checked. A 600-page report
# has some 1 500 objects and 16 000 values, nested less than 10 deep.
MAX_PDF_OBJECTS = 250_000
MAX_PDF_VALUES = 5_000_000
MAX_PDF_DEPTH = 100
# No stream but an image may unpack to more than this, whatever the budget of the whole file would allow.
MAX_PDF_STREAM_UNPACKED = 64 * 1024 * 1024
_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
_FLATE = frozenset({"/FlateDecode", "/Fl"})


def _active() -> FileRefused:
    return FileRefused(
        "active_content",
        _("The PDF contains JavaScript or an action that starts a program; save it without them and upload again."),
    )


def _unsafe_link() -> FileRefused:
    return FileRefused(
        "unsafe_link",
        _(
            "The PDF has a link to a script, to a file or to a network share; "
            "remove the link (web and e-mail links may stay) and upload again."
        ),
    )


def _uninspectable() -> FileRefused:
    return FileRefused(
        "uninspectable_file",
        _("The PDF is built in a way that cannot be checked; print it to a new PDF file and upload that one."),
    )


def _encrypted() -> FileRefused:
    return FileRefused("encrypted_file", _("The PDF is encrypted or password-protected; upload it without protection."))


def _pdf_check(data: bytes, max_file_bytes: int) -> None:
    """Refuse a PDF that can run JavaScript or start a program, that carries files, or that cannot be read whole.

    pypdf reads the file in strict mode: a cross-reference that would have to be guessed (a damaged or cut file)
    is refused, since what a reader then finds need not be what was checked. Then every object is inspected: those
    that the cross-reference lists, those packed in object streams, and any other that a reference reaches."""
    budget = unpack_limit(len(data), max_file_bytes)
    limit = max(1, min(budget, MAX_PDF_STREAM_UNPACKED))  # never 0: to pypdf, 0 is no limit
    limits: dict[str, Any] = {
        "maximum_declared_stream_length": len(data),
        "zlib_maximum_output_length": limit,
        "zlib_maximum_recovery_input_length": 0,  # damaged Flate data is not recovered byte by byte
        "lzw_maximum_output_length": limit,
        "run_length_maximum_output_length": limit,
        "brotli_maximum_output_length": limit,
        "array_based_stream_maximum_output_length": limit,
        "stream_decoding_work_maximum_length": 4 * limit,
        "jbig2dec_binary": None,  # nothing here starts a program, not even an image decoder
    }
    with apply_configuration(**limits):
        try:
            reader = PdfReader(io.BytesIO(data), strict=True)
            encrypted = reader.is_encrypted
        except Exception:  # on hostile input, any failure of the parser means a file it cannot read
            raise _corrupt() from None
        if encrypted:
            # Encrypted strings and streams cannot be checked, and the authority could not read them anyway.
            raise _encrypted()
        _PdfInspection(reader, data, budget).run()


class _PdfInspection:
    """A bounded walk over every object of a parsed PDF, each object inspected once (a visited set)."""

    def __init__(self, reader: PdfReader, data: bytes, budget: int):
        self.reader, self.data, self.budget = reader, data, budget
        self.object_streams = {stream for stream, _index in reader.xref_objStm.values()}
        self.seen: set[tuple[int, int]] = set()
        self.pending: list[tuple[int, int]] = []
        self.values = 0

    def run(self) -> None:
        reader = self.reader
        plain = [(number, generation) for generation, entries in reader.xref.items() for number in entries]
        listed = plain + [(number, 0) for number in reader.xref_objStm]
        if len(listed) > MAX_PDF_OBJECTS:
            raise _uninspectable()
        try:
            # First what the streams unpack to, before any object stream is unpacked to be parsed. A stream is never
            # inside an object stream: the plain objects hold every stream.
            for number, generation in plain:
                found = self._resolve(number, generation)
                if isinstance(found, StreamObject):
                    self._unpack(found, object_stream=number in self.object_streams)
            self._inspect(reader.trailer)
            for reference in listed:
                self._reach(reference)
            while self.pending:
                self._inspect(self._resolve(*self.pending.pop()))
        except FileRefused:
            raise
        except Exception:  # on hostile input, any failure of the parser (or one of its limits) means the same
            raise _uninspectable() from None

    def _reach(self, reference: tuple[int, int]) -> None:
        if reference not in self.seen:
            self.seen.add(reference)
            if len(self.seen) > MAX_PDF_OBJECTS:
                raise _uninspectable()
            self.pending.append(reference)

    def _resolve(self, number: int, generation: int) -> PdfObject | None:
        reader = self.reader
        listed = number in reader.xref.get(generation, ()) or (generation == 0 and number in reader.xref_objStm)
        if not listed:
            # A reference to an object the cross-reference does not list (in use): a reader may go and find it (a
            # header anywhere in the bytes, after whatever byte; an object stream that holds it), or not. The
            # structure is not what it says, whether or not the object is found here.
            raise _uninspectable()
        return reader.get_object(IndirectObject(number, generation, reader))

    def _inspect(self, root: object) -> None:
        stack: list[tuple[object, int]] = [(root, 0)]
        while stack:
            value, depth = stack.pop()
            self.values += 1
            if self.values > MAX_PDF_VALUES or depth > MAX_PDF_DEPTH:
                raise _uninspectable()
            if isinstance(value, IndirectObject):
                self._reach((value.idnum, value.generation))
            elif isinstance(value, NameObject):
                if value in _ACTIVE_NAMES:
                    raise _active()
            elif isinstance(value, DictionaryObject):  # a stream's dictionary too
                for key, item in dict.items(value):  # as stored: references are followed by the walk
                    if key in _ACTIVE_NAMES:
                        raise _active()
                    if key == "/URI" or key in _FILE_KEYS:
                        self._check_address(key, item)
                    stack.append((item, depth + 1))
            elif isinstance(value, ArrayObject):
                stack.extend((item, depth + 1) for item in list.__iter__(value))

    def _check_address(self, key: str, item: object) -> None:
        """A link's address (/URI) or a file's name (/F and its kin), where it is a string: refused if it leads to a
        script or a local file, or makes the viewer connect to a network share."""
        if isinstance(item, IndirectObject):
            item = self._resolve(item.idnum, item.generation)
        if not isinstance(item, (TextStringObject, ByteStringObject)):
            return  # an annotation's flags (/F 4), a file specification's dictionary (walked on its own), a URI dict
        text = item.original_bytes.decode("latin-1") if isinstance(item, ByteStringObject) else str(item)
        address = _CONTROL.sub("", text).lower()  # viewers and browsers drop these: "java\tscript:" is javascript:
        if address.startswith(("\\\\", "//", "\\/", "/\\", "file:", "smb:")):
            raise _unsafe_link()
        if key == "/URI":
            scheme, colon, _rest = address.partition(":")
            if colon and not any(c in scheme for c in "/?#\\") and scheme not in _URI_SCHEMES:
                raise _unsafe_link()

    def _unpack(self, stream: StreamObject, *, object_stream: bool) -> None:
        """Count what the stream unpacks to against the file's budget, so that a bomb is refused before a reader
        opens it. Images are not unpacked (they hold no objects, and a blank scanned page unpacks a thousandfold);
        damaged data counts as far as it unpacks, but an object stream must unpack whole to be checked."""
        filters = stream.get("/Filter")
        names = [filters] if isinstance(filters, NameObject) else list(filters or ())
        image = dict.get(stream, "/Subtype") == "/Image" or any(name in _IMAGE_FILTERS for name in names)
        if image and not object_stream:
            return
        limit = min(self.budget, MAX_PDF_STREAM_UNPACKED)
        try:
            if not names:
                size = len(stream._data)
            elif len(names) == 1 and names[0] in _FLATE:
                size = _inflated_size(stream._data, limit)
            else:
                size = len(decode_stream_data(stream))  # within the limits of the configuration
        except LimitReachedError:
            raise _bomb() from None
        except Exception:  # a filter that fails on this data: nothing of it reaches a reader either
            if object_stream:
                raise _uninspectable() from None
            return
        self.budget -= size
        if self.budget < 0 or size > MAX_PDF_STREAM_UNPACKED:
            raise _bomb()


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes the zlib data inflates to, one window at a time; beyond `limit`, LimitReachedError. Damaged
    data counts as far as it inflates (a reader shows that much); data that does not inflate at all raises."""
    inflater = zlib.decompressobj()
    size, pending = 0, raw
    while pending and not inflater.eof:
        try:
            piece = inflater.decompress(pending, _WINDOW)
        except zlib.error:
            if size == 0:
                raise
            break
        if not piece and len(inflater.unconsumed_tail) == len(pending):
            break  # the data ends before the stream does
        pending = inflater.unconsumed_tail
        size += len(piece)
        if size > limit:
            raise LimitReachedError("The stream unpacks beyond the limit.")
    return size
