"""Redaction of PDFs for a disclosed copy: the withheld passages (or whole pages) are gone from the file, not covered.

Each page is rendered to an image (poppler's `pdftoppm`: poppler-utils, which scripts/system-deps.sh and the
Dockerfile install), the withheld words are painted over in black on the image (their boxes from poppler's
`pdftotext -bbox-layout`), and the copy is written anew by WeasyPrint from those images, with an invisible text
layer of the words that are not withheld, so that the copy can still be searched and read aloud. Nothing of the
original's content streams, fonts, metadata, annotations or attachments reaches the copy: the only text in it is the
text layer, which leaves out every withheld word.

A passage is matched word by word (white space and case aside), wherever it occurs in the file, across lines and
pages' line breaks; "page:<n>" withholds the whole page n (1-based)."""

import base64
import html
import io
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import weasyprint
from PIL import Image, ImageDraw

from .renderer import inline_only_fetcher

RESOLUTION = 110  # dots per inch of the page images: readable print, files of a reasonable size
MAX_PAGES = 300
TOOL_TIMEOUT = 120  # seconds for each poppler run: a hostile file must not hold a worker
PAGE_PASSAGE = re.compile(r"^page:(\d+)$")
_BOX_MARGIN = 1.5  # points around a withheld word, so that no stroke of a glyph stays visible


class RedactionFailed(Exception):
    """The file is not a PDF that poppler can read (damaged, encrypted, too long): it cannot be disclosed in part."""


@dataclass
class _Word:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in points from the page's top left
    line: int  # the number of its line in the file, for the text layer
    withheld: bool = False


@dataclass
class _Page:
    width: float
    height: float
    words: list[_Word] = field(default_factory=list)
    withheld: bool = False  # the whole page


@dataclass(frozen=True)
class Redacted:
    """The copy, how many pages it has, and how many words and whole pages were withheld; `missing` lists the
    passages that were not found in the file (the officer is told: nothing was withheld for them)."""

    pdf: bytes
    pages: int
    words_withheld: int
    pages_withheld: int
    missing: tuple[str, ...]


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _tokens(passage: str) -> list[str]:
    return [_normal(token) for token in passage.split()]


def _run(args: list[str]) -> bytes:
    try:
        result = subprocess.run(args, capture_output=True, timeout=TOOL_TIMEOUT, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise RedactionFailed("The PDF took too long to read.") from exc
    except OSError as exc:  # poppler-utils missing (scripts/system-deps.sh and the Dockerfile install it)
        raise RedactionFailed(f"The PDF tools cannot run: {exc}") from exc
    if result.returncode != 0:
        raise RedactionFailed(result.stderr.decode("utf-8", "replace")[:500] or "The PDF could not be read.")
    return result.stdout


def _pages(path: Path) -> list[_Page]:
    """Every page with its words and their boxes."""
    layout = _run(["pdftotext", "-q", "-bbox-layout", "-enc", "UTF-8", str(path), "-"])
    try:
        root = ElementTree.fromstring(layout)  # noqa: S314 (poppler's own output, with no entities)
    except ElementTree.ParseError as exc:
        raise RedactionFailed("The PDF's text could not be read.") from exc
    pages, lines = [], 0
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "page":
            continue
        page = _Page(width=float(element.get("width", 0)), height=float(element.get("height", 0)))
        for line in element.iter():
            if line.tag.rsplit("}", 1)[-1] != "line":
                continue
            lines += 1
            for word in line:
                text = (word.text or "").strip()
                if word.tag.rsplit("}", 1)[-1] == "word" and text:
                    x0, y0, x1, y1 = (float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
                    page.words.append(_Word(text=text, box=(x0, y0, x1, y1), line=lines))
        pages.append(page)
    if not pages:
        raise RedactionFailed("The PDF has no pages.")
    if len(pages) > MAX_PAGES:
        raise RedactionFailed(f"The PDF has more than {MAX_PAGES} pages.")
    return pages


def _mark(pages: list[_Page], passages: list[str]) -> list[str]:
    """Mark the words of every occurrence of each passage, and the pages withheld whole; answer the passages not
    found. The words are matched as one string without white space, so that a passage may run over a line or a
    page and a word that only partly belongs to it (its punctuation, a hyphenated half) is withheld whole."""
    words = [word for page in pages for word in page.words]
    text, owner = "", []
    for index, word in enumerate(words):
        normal = _normal(word.text).replace(" ", "")
        text += normal
        owner += [index] * len(normal)
    missing = []
    for passage in passages:
        number = PAGE_PASSAGE.match(passage.strip())
        if number:
            index = int(number.group(1)) - 1
            if 0 <= index < len(pages):
                pages[index].withheld = True
            else:
                missing.append(passage)
            continue
        needle = "".join(_tokens(passage))
        if not needle:
            continue
        at = text.find(needle)
        if at < 0:
            missing.append(passage)
        while at >= 0:
            for index in set(owner[at : at + len(needle)]):
                words[index].withheld = True
            at = text.find(needle, at + 1)
    return missing


def _images(path: Path, workdir: Path, count: int) -> list[Path]:
    _run(["pdftoppm", "-q", "-r", str(RESOLUTION), "-png", str(path), str(workdir / "page")])
    images = sorted(workdir.glob("page*.png"))
    if len(images) != count:
        raise RedactionFailed("The PDF's pages could not all be rendered.")
    return images


def _paint(image_path: Path, page: _Page) -> tuple[str, int]:
    """The page's image with its withheld words (or all of it) in black, as a data: URL; and the words painted."""
    with Image.open(image_path) as opened:
        image = opened.convert("RGB")
    draw = ImageDraw.Draw(image)
    scale_x = image.width / page.width if page.width else RESOLUTION / 72
    scale_y = image.height / page.height if page.height else RESOLUTION / 72
    painted = 0
    if page.withheld:
        draw.rectangle((0, 0, image.width, image.height), fill="black")
    else:
        for word in page.words:
            if word.withheld:
                x0, y0, x1, y1 = word.box
                draw.rectangle(
                    (
                        (x0 - _BOX_MARGIN) * scale_x,
                        (y0 - _BOX_MARGIN) * scale_y,
                        (x1 + _BOX_MARGIN) * scale_x,
                        (y1 + _BOX_MARGIN) * scale_y,
                    ),
                    fill="black",
                )
                painted += 1
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), painted


def _size_name(page: _Page) -> str:
    return f"s{round(page.width * 100)}x{round(page.height * 100)}"


def _page_html(image_url: str, page: _Page) -> str:
    # The text layer: one invisible span per run of words of a line that are not withheld, where the run begins, so
    # that a reader of the text finds the lines in their order and nothing of a withheld word.
    runs: list[list[_Word]] = []
    if not page.withheld:
        previous: _Word | None = None
        for word in page.words:
            if word.withheld:
                previous = None
                continue
            if previous is None or previous.line != word.line:
                runs.append([])
            runs[-1].append(word)
            previous = word
    spans = []
    for run in runs:
        x0, y0 = run[0].box[0], min(w.box[1] for w in run)
        size = max(max(w.box[3] for w in run) - y0, 1.0) * 0.8
        text = html.escape(" ".join(w.text for w in run))
        spans.append(f'<span style="left:{x0:.2f}pt;top:{y0:.2f}pt;font-size:{size:.2f}pt">{text}</span>')
    return (
        f'<section class="page" style="page:{_size_name(page)};width:{page.width:.2f}pt;height:{page.height:.2f}pt">'
        f'<img src="{image_url}" alt="" style="width:{page.width:.2f}pt;height:{page.height:.2f}pt">'
        + "".join(spans)
        + "</section>"
    )


def redact_pdf(data: bytes, passages: list[str] | tuple[str, ...]) -> Redacted:
    """The copy of the PDF `data` with the passages (and "page:<n>" pages) withheld; raises RedactionFailed for a
    file that is not a readable PDF. The copy is made anew even when nothing is withheld, so that it never carries
    the original's hidden parts (metadata, form fields, embedded files, text under images)."""
    if not data.startswith(b"%PDF-"):
        raise RedactionFailed("The file is not a PDF.")
    with tempfile.TemporaryDirectory(prefix="redact-") as folder:
        workdir = Path(folder)
        source = workdir / "source.pdf"
        source.write_bytes(data)
        pages = _pages(source)
        missing = _mark(pages, list(passages))
        images = _images(source, workdir, len(pages))
        sections, words_withheld = [], 0
        for image, page in zip(images, pages, strict=True):
            url, painted = _paint(image, page)
            words_withheld += painted
            sections.append(_page_html(url, page))
    # Each page keeps its own size (a named page per size).
    sizes = {_size_name(page): f"{page.width:.2f}pt {page.height:.2f}pt" for page in pages}
    page_rules = "".join(f"@page {name}{{size:{size};margin:0}}" for name, size in sizes.items())
    document = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        f"@page{{margin:0}}{page_rules}"
        "body{margin:0}"
        ".page{position:relative;overflow:hidden;page-break-after:always;break-after:page}"
        ".page:last-child{page-break-after:auto;break-after:auto}"
        ".page img{position:absolute;left:0;top:0;display:block}"
        ".page span{position:absolute;color:transparent;white-space:pre;line-height:1;"
        "font-family:'DejaVu Sans',sans-serif}"
        "</style></head><body>" + "".join(sections) + "</body></html>"
    )
    pdf = weasyprint.HTML(string=document, base_url=None, url_fetcher=inline_only_fetcher()).write_pdf()
    return Redacted(
        pdf=pdf,
        pages=len(pages),
        words_withheld=words_withheld,
        pages_withheld=sum(1 for page in pages if page.withheld),
        missing=tuple(missing),
    )
