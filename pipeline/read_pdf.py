"""Reading a PDF release from its text layer: lines joined into paragraphs by layout, running
headers, footers and page numbers left out, two-column pages read column by column.

pdfplumber, not pypdfium2: both read the text layer, but PDFium (pypdfium2) does no layout
analysis and gives a character's box only one ctypes call at a time, while pdfplumber (on
pdfminer.six) hands over every character with its box, font and size as plain records, which
is what telling a wrapped line from a paragraph end, a column from a gutter and furniture from
the body needs. PDFs are small here (a release), so pdfminer's pure-Python speed does not matter.

The result is text (one paragraph a line) and, for the structure recognizer, what layout shows
for certain: short lines set larger than the body or in bold are headlines (title or heading,
the recognizer says which). Everything else is the recognizer's, so speakers are found as in text.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

from .errors import InputError
from .normalize import HAN

# Where running headers and footers live: the top and bottom of a page, as a share of its height.
_BAND = 0.12
# A page number alone: 1, - 1 -, — 2 —, 第1页, 第 1 页 共 3 页, 1/3, Page 1 of 3.
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—_·.]*(第\s*\d+\s*页(\s*[/,，]?\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?|page\s*\d+(\s*of\s*\d+)?"
    r"|[-–—]\s*\d+\s*[-–—])[\s\-–—_·.]*$", re.I)


@dataclass
class _Line:
    """One line of text on a page (a row of one column), in PDF points, top-down."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # the commonest character size on the line
    bold: bool
    text: str
    lead: float = 0.0  # the width of what the line starts with that no line break can split
    col: tuple[float, float] = (0.0, 0.0)  # the column's left and right edges


@dataclass
class PdfText:
    paragraphs: list[str]
    kinds: list[str | None]  # what layout says of each paragraph: "display" (a headline) or None
    dropped: int = 0  # furniture lines left out
    notes: list[str] = field(default_factory=list)


def read_pdf(data: bytes, name: str) -> PdfText:
    """The paragraphs of a PDF release; InputError (one line) for a scan, a locked or broken file."""
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font-descriptor chatter on every page
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_rows(page, i) for i, page in enumerate(pdf.pages)]
            sizes = [(float(page.width), float(page.height)) for page in pdf.pages]
            images = sum(len(page.images) for page in pdf.pages)
    except InputError:
        raise
    except Exception as exc:  # pdfminer raises many kinds (PDFSyntaxError, PDFPasswordIncorrect...)
        kind = type(exc).__name__
        if "Password" in kind or "Encrypt" in kind:
            raise InputError(f"{name}: this PDF is password-protected; save an unlocked copy and try again") from exc
        raise InputError(f"{name}: cannot read this PDF ({kind}: {str(exc).strip()[:120] or 'broken file'})") from exc
    rows = [r for p in pages for r in p]
    text = "".join(r.text for r in rows)
    if not text.strip():
        what = "a scan: its pages are images" if images else "no text on its pages"
        raise InputError(f"{name}: this PDF has no text layer ({what}); run OCR on it first "
                         "(e.g. ocrmypdf -l chi_sim) or give zhen its text")
    if text.count("(cid:") * 6 > len(text) / 2:
        raise InputError(f"{name}: this PDF's text layer has no Unicode mapping for its font (the text reads as "
                         "(cid:NN) codes); export it again with embedded fonts, or run OCR on it")
    body, dropped = _drop_furniture(pages, [h for _, h in sizes])
    edges = _text_block([ln for page in body for ln in page])
    lines = [ln for page, (w, _) in zip(body, sizes, strict=True) for ln in _reading_order(page, w, edges)]
    paragraphs, kinds = _paragraphs(lines)
    notes = [f"{dropped} running header, footer or page-number lines of the PDF left out"] if dropped else []
    return PdfText(paragraphs, kinds, dropped, notes)


# ---------------------------------------------------------------------------- rows and pieces


def _page_rows(page: object, index: int) -> list[_Line]:
    """The page's characters grouped into rows, each row cut into pieces where a gap of about a
    character or more opens (a gutter between columns, a tab stop; justified text has none)."""
    chars = [c for c in page.chars if c.get("upright", True) and c["text"]]  # type: ignore[attr-defined]
    chars.sort(key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"]))
    rows: list[list[dict]] = []
    for c in chars:
        mid = (c["top"] + c["bottom"]) / 2
        if rows:
            last = rows[-1]
            top = min(x["top"] for x in last)
            bottom = max(x["bottom"] for x in last)
            if top - 0.5 <= mid <= bottom + 0.5:
                last.append(c)
                continue
        rows.append([c])
    # Ruled tables (pdfplumber finds them by their lines) are read row by row: a row's cells are
    # one line, never taken for columns.
    tables = [t.bbox for t in page.find_tables()]  # type: ignore[attr-defined]

    def in_table(c: dict) -> bool:
        x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in tables)

    out: list[_Line] = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        piece: list[dict] = []
        for c in row:
            gap = piece and c["x0"] - piece[-1]["x1"] > 0.9 * max(c["size"], 1.0)
            if gap and not (in_table(c) and in_table(piece[-1])):
                out.append(_line(piece, index))
                piece = []
            elif gap:
                piece.append({**c, "text": " "})  # the next cell of a table row
            piece.append(c)
        if piece:
            out.append(_line(piece, index))
    return [ln for ln in out if ln.text.strip()]


# Punctuation that CJK fonts draw with one glyph for two code points, read back as the one
# Chinese text does not use: a horizontal bar for the em dash of ——, a division slash for ／.
_SHARED_GLYPHS = str.maketrans({"\u2015": "\u2014", "\u2215": "\uff0f"})


def _line(chars: list[dict], page: int) -> _Line:
    text = ""
    for i, c in enumerate(chars):
        gap = i and c["x0"] - chars[i - 1]["x1"] > 0.25 * c["size"]
        if gap and text[-1:].isascii() and c["text"].isascii() and not text.endswith(" ") and c["text"] != " ":
            # a space between Latin words that the text layer does not carry as a character (a
            # gap beside a Chinese character is justification's, or a table cell's edge)
            text += " "
        text += c["text"]
    text = unicodedata.normalize("NFC", text)  # a tone mark may come as a combining character
    text = "".join(unicodedata.normalize("NFKC", ch) if "\ufb00" <= ch <= "\ufb06" else ch for ch in text)  # ﬁ
    sizes = Counter(round(c["size"], 1) for c in chars if c["text"].strip())
    bold = sum("bold" in str(c.get("fontname", "")).lower() for c in chars) > len(chars) / 2
    return _Line(page, chars[0]["x0"], max(c["x1"] for c in chars), min(c["top"] for c in chars),
                 max(c["bottom"] for c in chars), sizes.most_common(1)[0][0] if sizes else 0.0, bold,
                 re.sub(r"\s+", " ", text.translate(_SHARED_GLYPHS)).strip(), _lead_width(chars))


# What cannot start a line in Chinese typesetting: it goes down with the character before it.
_NO_LINE_START = set("，。、；：！？）》」』”’%,.;:!?)]")


def _lead_width(chars: list[dict]) -> float:
    """The width of the line's first unbreakable unit: a Latin word or number (up to a space or
    a Chinese character), or one Chinese character with the punctuation that may not start a
    line. Where the line above stops short by less than this, the unit could not fit there."""
    first = chars[0]
    end = first["x1"]
    latin = not HAN.match(first["text"]) and first["text"] not in "\u3000 "
    for c in chars[1:]:
        ch = c["text"]
        if (latin and (ch.isspace() or HAN.match(ch))) or (not latin and ch not in _NO_LINE_START):
            break
        end = c["x1"]
    return float(end - first["x0"])


# ---------------------------------------------------------------------------- furniture


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_furniture(pages: list[list[_Line]], heights: list[float]) -> tuple[list[list[_Line]], int]:
    """Pages without their running headers, footers and page numbers: lines in the top or bottom
    band of a page that repeat (digits aside) on other pages, or that are a page number alone."""
    page_h = dict(enumerate(heights))

    def in_band(ln: _Line, page: list[_Line]) -> bool:
        """At the top or bottom of the page, set apart from the body by more than a line's
        spacing (a column's first line is in the band too, but runs on into the next)."""
        h = page_h[ln.page]
        if ln.top < _BAND * h:
            below = [o.top for o in page if o.top > ln.bottom]
            return not below or min(below) - ln.bottom > 1.2 * ln.size
        if ln.bottom > (1 - _BAND) * h:
            above = [o.bottom for o in page if o.bottom < ln.top]
            return not above or ln.top - max(above) > 1.2 * ln.size
        return False

    seen: Counter[str] = Counter()
    for p in pages:
        seen.update({_furniture_key(ln.text) for ln in p if in_band(ln, p)})
    repeat = max(2, (len(pages) + 1) // 2) if len(pages) > 1 else 10**9
    kept: list[list[_Line]] = []
    dropped = 0
    for p in pages:
        body = []
        for ln in p:
            if in_band(ln, p) and (_PAGE_NUMBER.match(ln.text) or seen[_furniture_key(ln.text)] >= repeat):
                dropped += 1
                continue
            body.append(ln)
        kept.append(body)
    return kept, dropped


# ---------------------------------------------------------------------------- columns


def _gutter(lines: list[_Line], width: float) -> float | None:
    """The x of a gutter between two columns: a vertical strip in the middle of the page that
    pieces end before and start after on many rows, and that few pieces cross."""
    if len(lines) < 6:
        return None
    best, best_score = None, 0
    x = 0.3 * width
    while x <= 0.7 * width:
        left = {round(ln.top) for ln in lines if ln.x1 < x}
        right = {round(ln.top) for ln in lines if ln.x0 > x}
        crossing = sum(1 for ln in lines if ln.x0 < x < ln.x1)
        score = min(len(left), len(right))
        if crossing <= 0.15 * len(lines) and score > best_score:
            best, best_score = x, score
        x += 2.0
    if best is None or best_score < 3:
        return None
    # Text set in columns fills its columns: many lines end at their column's edge (a wrapped
    # line). A table's cells end where their text does; a table is read row by row.
    full = 0
    sides = ([ln for ln in lines if ln.x1 < best], [ln for ln in lines if ln.x0 > best])
    for side in sides:
        edge = max(ln.x1 for ln in side)
        full += sum(1 for ln in side if ln.x1 >= edge - 2.5 * max(ln.size, 1.0))
    return best if full >= 0.3 * sum(len(side) for side in sides) else None


def _text_block(lines: list[_Line]) -> tuple[float, float]:
    """The left and right edges of the document's text block, over all its pages: a page of
    short lines, or one whose every line is indented, has no edge of its own to measure by.
    Left: the leftmost start that two lines share (a stray mark is not the margin); right: the
    95th percentile of line ends, over lines long enough to wrap."""
    if not lines:
        return 0.0, 0.0
    starts = Counter(round(ln.x0) for ln in lines)
    shared = [x for x, n in starts.items() if n >= 2]
    left = float(min(shared)) if shared else min(ln.x0 for ln in lines)
    ends = sorted(ln.x1 for ln in lines if len(ln.text) >= 8) or sorted(ln.x1 for ln in lines)
    return left, ends[min(len(ends) - 1, int(0.95 * len(ends)))]


def _reading_order(page: list[_Line], width: float, edges: tuple[float, float]) -> list[_Line]:
    """A page's lines in reading order: rows that cross the gutter (a headline over both columns)
    as they come, and between them the left column's lines, then the right column's."""
    if not page:
        return []
    left_edge, right_edge = edges
    gutter = _gutter(page, width)
    page = sorted(page, key=lambda ln: (ln.top, ln.x0))
    if gutter is None:
        return [_with_col(ln, left_edge, right_edge) for ln in _merge_rows(page)]
    out: list[_Line] = []
    band: list[_Line] = []

    def flush() -> None:
        left = [ln for ln in band if ln.x1 <= gutter]
        right = [ln for ln in band if ln.x0 >= gutter]
        for col in (left, right):
            if col:
                lo, hi = min(ln.x0 for ln in col), max(ln.x1 for ln in col)
                out.extend(_with_col(ln, lo, hi) for ln in _merge_rows(col))
        band.clear()

    for ln in page:
        if ln.x0 < gutter < ln.x1:
            flush()
            out.append(_with_col(ln, left_edge, right_edge))
        else:
            band.append(ln)
    flush()
    return out


def _merge_rows(lines: list[_Line]) -> list[_Line]:
    """Pieces on one row of one column become one line (a label and its text set apart by a tab)."""
    out: list[_Line] = []
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        last = out[-1] if out else None
        if last is not None and abs(last.top - ln.top) < 0.5 * max(ln.size, 1.0):
            out[-1] = _Line(last.page, last.x0, max(last.x1, ln.x1), min(last.top, ln.top),
                            max(last.bottom, ln.bottom), last.size, last.bold and ln.bold, f"{last.text} {ln.text}")
        else:
            out.append(ln)
    return out


def _with_col(ln: _Line, lo: float, hi: float) -> _Line:
    ln.col = (lo, hi)
    return ln


# ---------------------------------------------------------------------------- paragraphs


def _paragraphs(lines: list[_Line]) -> tuple[list[str], list[str | None]]:
    """Lines joined into paragraphs. A line runs on into the next when it reaches its column's
    right edge (a wrapped line, within about a character) and the next line is in the same
    type, not indented, and not set apart by a gap wider than the body's line spacing; across a
    page or column break only the first two tests apply."""
    if not lines:
        return [], []
    body_size = Counter(round(ln.size) for ln in lines for _ in ln.text).most_common(1)[0][0]
    steps = [b.top - a.top for a, b in pairwise(lines)
             if a.page == b.page and a.col == b.col and 0 < b.top - a.top < 3 * body_size
             and abs(a.size - body_size) < 1 and abs(b.size - body_size) < 1]
    step = median(steps) if steps else 1.6 * body_size
    paras: list[list[_Line]] = []
    for ln in lines:
        prev = paras[-1][-1] if paras else None
        if prev is not None and _runs_on(prev, ln, step):
            paras[-1].append(ln)
        else:
            paras.append([ln])
    texts = [_join(p) for p in paras]
    kinds = _layout_kinds(paras, body_size)
    return texts, kinds


def _runs_on(prev: _Line, ln: _Line, step: float) -> bool:
    size = max(prev.size, 1.0)
    if abs(prev.size - ln.size) > 0.15 * size or prev.bold != ln.bold:
        return False
    if prev.x1 < prev.col[1] - 1.5 * size and prev.x1 + 0.5 * size + ln.lead <= prev.col[1]:
        return False  # the line stops short of the edge, and the next one's start would have fit
    if ln.x0 > ln.col[0] + 0.8 * size:
        return False  # an indented line starts a paragraph
    same_flow = prev.page == ln.page and prev.col == ln.col
    return not same_flow or 0 < ln.top - prev.top <= 1.25 * step


def _join(lines: list[_Line]) -> str:
    """A paragraph's lines as one: a space only where a line break fell between two Latin words
    (Chinese text has none at a break, nor between a Chinese character and a Latin one)."""
    text = lines[0].text
    for ln in lines[1:]:
        latin = text[-1:].isascii() and text[-1:] not in "-/" and ln.text[:1].isascii()
        text += " " + ln.text if latin else ln.text
    return text


def _layout_kinds(paras: list[list[_Line]], body_size: float) -> list[str | None]:
    """Short paragraphs set larger than the body, or in bold, not ending a sentence: headlines
    ("display": a title or a heading, which the structure recognizer decides, since a document's
    largest type may be its issuer's name over the title as well as the title)."""
    kinds: list[str | None] = [None] * len(paras)
    for i, p in enumerate(paras):
        text = _join(p)
        short = len(text) <= 60 and not re.search(r"[。！？!?]$", text)
        if short and (p[0].size >= 1.1 * body_size or p[0].bold):
            kinds[i] = "display"
    return kinds
