"""NAME.docx: the release as a bilingual Word table for review (segment id, speaker, Chinese,
English, what to check), one row per segment in the release's order, after its summary; and
reading a reviewed copy back for zhen merge (under any file name: the document's properties
name the release and its input checksum). NAME.en.docx, the English ready to publish, is en_docx.py.

Word, LibreOffice and python-docx all keep a document's custom properties through an edit and a
"save as", so that is where the release's name and checksum travel; the core properties'
identifier carries them too, for tools that drop custom ones."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..errors import UsageError
from ..read_docx import W, element_text, xpath
from ..records import Document, Review, ReviewedFile, ReviewedUnit, Segment
from .notes import warnings_for
from .xliff import source_language

# Fonts that render Chinese: Word on Windows and macOS has SimSun; LibreOffice finds a CJK font
# for it (Noto CJK) by fontconfig's substitution. Latin text keeps Word's usual face.
EAST_ASIA_FONT = "SimSun"
EAST_ASIA_FONT_TRADITIONAL = "PMingLiU"
LATIN_FONT = "Calibri"
HEADER = ("ID", "Speaker", "中文 Chinese", "English", "Check")
WIDTHS_CM = (1.5, 2.8, 9.3, 9.3, 3.8)  # A4 landscape with 1.5 cm margins: 26.7 cm
PROP_DOCUMENT = "zhen-document"
PROP_CHECKSUM = "zhen-input-sha256"
PROP_SKIPPED = "zhen-not-translated"  # ids of the rows shown for context only (page furniture)
_ID = re.compile(r"^s\d+$")
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one property set Word shows as "Custom"


def _when(doc: Document) -> datetime:
    """The document's date: the run's, so that the same run writes the same bytes."""
    created = doc.provenance.created if doc.provenance else None
    try:
        return datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else datetime(2000, 1, 1)
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=timezone.utc)


def new_document(doc: Document, title: str, landscape: bool) -> Any:
    """A python-docx Document with fonts for Chinese, the release's properties and a fixed date."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm

    word = docx.Document()
    traditional = source_language(doc) == "zh-TW"
    normal = word.styles["Normal"]
    normal.font.name = LATIN_FONT
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT_TRADITIONAL if traditional else EAST_ASIA_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-TW" if traditional else "zh-CN")
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        # the built-in heading styles name their own theme fonts: give them the Chinese one too
        style_fonts = word.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        style_fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT_TRADITIONAL if traditional else EAST_ASIA_FONT)
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5 if landscape else 2.2))
    core = word.core_properties
    core.title = title
    core.author = core.last_modified_by = "zhen"
    core.identifier = f"zhen:{doc.source.name}:{doc.source.sha256}"
    core.language = "en"
    core.created = core.modified = _when(doc)
    core.revision = 1
    return word


def save(word: Any, doc: Document, props: dict[str, str]) -> bytes:
    """The document's bytes with its custom properties, the zip entries dated like the run."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = word.part.package
    items = "".join(
        f'<property fmtid="{_FMTID}" pid="{i}" name="{escape(k)}"><vt:lpwstr>{escape(v)}</vt:lpwstr></property>'
        for i, (k, v) in enumerate(props.items(), start=2))
    blob = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{items}</Properties>').encode()
    part = Part(PackURI("/docProps/custom.xml"), CONTENT_TYPE.OFC_CUSTOM_PROPERTIES, blob, package)
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
    raw = io.BytesIO()
    word.save(raw)
    stamp = _when(doc).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def release_props(doc: Document) -> dict[str, str]:
    return {PROP_DOCUMENT: doc.source.name, PROP_CHECKSUM: doc.source.sha256}


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shd = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill})
    tcpr.append(shd)


def _write_cell(cell: Any, text: str, bold: bool = False, italic: bool = False, grey: bool = False,
                size: float | None = None) -> None:
    from docx.shared import Pt, RGBColor

    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if grey:
        run.font.color.rgb = RGBColor(0x70, 0x70, 0x70)
    if size:
        run.font.size = Pt(size)


def _title(doc: Document) -> str:
    title = next((s for s in doc.segments if s.kind == "title"), None)
    if title is None:
        return doc.source.name
    return (title.target or title.text).strip()


def _summary(word: Any, doc: Document) -> None:
    summ = doc.summary
    if summ is None:
        return
    word.add_heading("Summary", level=1)
    word.add_paragraph(summ.headline).runs[0].bold = True
    if summ.method == "extractive":
        for p in summ.picks:
            word.add_paragraph(f"{p.en or ''} [{p.id}]", style="List Bullet")
    elif summ.text:
        word.add_paragraph(summ.text)


def render(doc: Document) -> bytes:
    """The bilingual review document: notes, summary, then the table of every segment."""
    from docx.oxml.ns import qn
    from docx.shared import Cm

    word = new_document(doc, _title(doc), landscape=True)
    word.add_heading(_title(doc), level=0)
    intro = word.add_paragraph()
    intro.add_run(f"Bilingual review of {doc.source.name} ({doc.source.path}, sha256 {doc.source.sha256[:12]}). ")
    intro.add_run("Edit the English column only, save (under any name), then bring it back with ").italic = True
    intro.add_run("zhen merge FILE.docx").bold = True
    intro.add_run(". Rows in grey are page furniture, shown for context and not merged.").italic = True
    _summary(word, doc)
    word.add_heading("Translation", level=1)
    table = word.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    table.autofit = False
    head = table.rows[0]
    trpr = head._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))  # the header row repeats on every page
    for cell, text in zip(head.cells, HEADER, strict=True):
        _write_cell(cell, text, bold=True)
        _shade(cell, "D9E2F3")
    skipped: list[str] = []
    for seg in doc.segments:
        cells = table.add_row().cells
        heading = seg.kind in ("title", "heading")
        _write_cell(cells[0], seg.id, size=8)
        _write_cell(cells[1], _speaker(seg), size=9)
        _write_cell(cells[2], seg.text, bold=heading)
        if seg.target is None:
            skipped.append(seg.id)
            _write_cell(cells[3], "(not translated: page furniture)", italic=True, grey=True)
            for cell in cells:
                _shade(cell, "F2F2F2")
        else:
            _write_cell(cells[3], seg.target, bold=heading)
            if heading:
                for cell in cells:
                    _shade(cell, "EDEDED")
        notes = [*warnings_for(seg), *(f"reviewer: {n}" for n in (seg.review.notes if seg.review else ()))]
        _write_cell(cells[4], "; ".join(notes), size=8)
    # Word reads the cells' widths, LibreOffice the table grid's: both are set
    for column, width in zip(table.columns, WIDTHS_CM, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
    props = release_props(doc)
    if skipped:
        props[PROP_SKIPPED] = ",".join(skipped)
    return save(word, doc, props)


def _speaker(seg: Segment) -> str:
    if not seg.speaker:
        return ""
    return f"{seg.speaker_en} ({seg.speaker})" if seg.speaker_en and seg.speaker_en != seg.speaker else seg.speaker


# ---------------------------------------------------------------------------- reading back


def custom_properties(package: Any) -> dict[str, str]:
    from lxml import etree

    part = next((p for p in package.iter_parts() if str(p.partname) == "/docProps/custom.xml"), None)
    if part is None:
        return {}
    try:
        root = etree.fromstring(part.blob)
    except etree.XMLSyntaxError:
        return {}
    return {el.get("name", ""): "".join(el.itertext()).strip() for el in root if el.get("name")}


def _cells_text(cells: Iterable[Any]) -> list[str]:
    # paragraphs inside a cell are one unit's text: Enter in a cell is not a new segment
    return [" ".join(element_text(c._tc).split("\n")).strip() for c in cells]


def _comments(word: Any) -> dict[str, str]:
    """The document's Word comments by id, as "author: text"."""
    part = next((p for p in word.part.package.iter_parts() if str(p.partname) == "/word/comments.xml"), None)
    if part is None:
        return {}
    from lxml import etree

    out: dict[str, str] = {}
    for el in xpath(etree.fromstring(part.blob), "./w:comment"):
        text = " ".join(element_text(p).strip() for p in xpath(el, ".//w:p")).strip()
        author = el.get(f"{{{W}}}author") or ""
        if text:
            out[el.get(f"{{{W}}}id") or ""] = f"{author}: {text}" if author else text
    return out


def read_reviewed(path: Path) -> ReviewedFile:
    """The English column of a reviewed bilingual .docx, with tracked changes accepted; the
    release named by the document's properties (any file name will do)."""
    import docx

    try:
        word = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise UsageError(f"{path}: not a readable Word document ({type(exc).__name__}); nothing merged") from None
    props = custom_properties(word.part.package)
    document, checksum = props.get(PROP_DOCUMENT), props.get(PROP_CHECKSUM)
    ident = (word.core_properties.identifier or "").split(":")
    if (document is None or checksum is None) and len(ident) == 3 and ident[0] == "zhen":
        document, checksum = ident[1], ident[2]
    if document is None or checksum is None:
        raise UsageError(f"{path}: not a zhen review document (its properties name no release); nothing merged")
    skipped = set(filter(None, props.get(PROP_SKIPPED, "").split(",")))
    editor = word.core_properties.last_modified_by
    editor = editor if editor and editor != "zhen" else None
    comments = _comments(word)
    units: list[ReviewedUnit] = []
    for table in word.tables:
        if not table.rows:
            continue
        head = _cells_text(table.rows[0].cells)
        if "English" not in head or "ID" not in head:
            continue
        col_id, col_en = head.index("ID"), head.index("English")
        col_zh = next((i for i, h in enumerate(head) if "Chinese" in h), None)
        for row in table.rows[1:]:
            cells = _cells_text(row.cells)
            if len(cells) <= max(col_id, col_en) or not _ID.match(cells[col_id]) or cells[col_id] in skipped:
                continue
            # Word comments on the row's English or Chinese are the reviewer's notes on the unit
            noted = [row.cells[c] for c in (col_en, col_zh) if c is not None]
            notes = tuple(comments[i] for cell in noted
                          for i in xpath(cell._tc, ".//w:commentReference/@w:id") if i in comments)
            units.append(ReviewedUnit(
                id=cells[col_id], target=cells[col_en],
                source=cells[col_zh] if col_zh is not None and col_zh < len(cells) else None,
                document=document, review=Review(notes=tuple(dict.fromkeys(notes)), by=editor)))
    if not units:
        raise UsageError(f"{path}: no review table (ID, Chinese, English columns) in this document; nothing merged")
    return ReviewedFile("docx", tuple(units), checksum, document)


def release_name(path: Path) -> str | None:
    """The release a reviewed .docx belongs to, by its properties (None: not a zhen document)."""
    try:
        return read_reviewed(path).document
    except UsageError:
        return None

