"""Reading a Word release (.docx, with python-docx): the body's paragraphs in order with what
their styles say (Title is the title, Heading 1-9 and Subtitle are headings), tables row by row,
footnotes and endnotes after the body, and the headers and footers of the pages kept apart as
boilerplate. The rest of the structure (speakers and their turns, datelines) is the structure
recognizer's, as for text.

A Word .doc (the binary format before 2007) is converted by LibreOffice where it is installed,
else refused with a line saying how to convert it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_NS = {"w": W, "mc": MC}
_HEADING = re.compile(r"^(heading|标题)\s*([1-9])$", re.I)
# Text of a run as Word shows it with tracked changes accepted: w:t (inserted text included,
# w:delText is not w:t), tabs and breaks; a text box's fallback copy (mc:Fallback) once only.
_TEXT = ".//w:t[not(ancestor::mc:Fallback)] | .//w:tab[not(ancestor::mc:Fallback)] | " \
        ".//w:br[not(ancestor::mc:Fallback)] | .//w:cr[not(ancestor::mc:Fallback)]"


def xpath(el: object, expr: str) -> list[Any]:
    """lxml's XPath with Word's namespaces, for python-docx's elements and plain ones alike."""
    from lxml import etree

    return etree.XPath(expr, namespaces=_NS)(el)

Block = tuple[str, "str | None"]  # a paragraph's text and the kind its style fixes (title, heading, boilerplate)


def element_text(el: object) -> str:
    """The text of a paragraph or table cell as Word shows it, changes accepted."""
    out: list[str] = []
    for node in xpath(el, _TEXT):
        tag = node.tag.rsplit("}", 1)[-1]
        out.append(node.text or "" if tag == "t" else "\t" if tag == "tab" else "\n")
    return "".join(out)


def read_docx(data: bytes, name: str) -> list[Block]:
    """The release's paragraphs, in reading order, each with the kind Word's styles fix."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"{name}: not a readable Word document ({type(exc).__name__})") from exc
    except Exception as exc:  # a broken zip or XML: one line, not a traceback
        raise InputError(f"{name}: not a readable Word document ({type(exc).__name__}: {exc})") from exc
    kinds = _style_kinds(document)
    body: list[Block] = []
    _walk(document.element.body, kinds, body)
    notes = _notes(document)
    headers, footers = _furniture(document)
    return [*((t, "boilerplate") for t in headers), *body, *((t, None) for t in notes),
            *((t, "boilerplate") for t in footers)]


def _style_kinds(document: object) -> dict[str, str]:
    """Paragraph style id -> title or heading, following each style's base styles and outline level
    (a custom style based on Heading 2, a localized style whose outline level is set)."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = {s.style_id: s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for sid, style in styles.items():
        seen = 0
        s = style
        while s is not None and seen < 10:
            name = (s.name or "").strip()
            level = xpath(s.element, "./w:pPr/w:outlineLvl/@w:val")
            if name.lower() == "title":
                out[sid] = "title"
                break
            outline = bool(level) and level[0].isdigit() and int(level[0]) < 9
            if _HEADING.match(name) or name.lower() == "subtitle" or outline:
                out[sid] = "heading"
                break
            s = s.base_style
            seen += 1
    return out


def _walk(parent: object, kinds: dict[str, str], out: list[Block]) -> None:
    for child in parent.iterchildren():  # type: ignore[attr-defined]
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = element_text(child).strip()
            if text:
                style = xpath(child, "./w:pPr/w:pStyle/@w:val")
                level = xpath(child, "./w:pPr/w:outlineLvl/@w:val")
                kind = kinds.get(style[0]) if style else None
                if kind is None and level and level[0].isdigit() and int(level[0]) < 9:
                    kind = "heading"
                out.extend((line, kind) for line in _lines(text))
        elif tag == "tbl":
            _table(child, out)
        elif tag == "sdt":  # a content control around body content
            for content in xpath(child, "./w:sdtContent"):
                _walk(content, kinds, out)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def _table(tbl: object, out: list[Block]) -> None:
    """A table row by row, a row's cells on one line (a merged cell once)."""
    for tr in xpath(tbl, "./w:tr"):
        cells = []
        for tc in xpath(tr, "./w:tc"):
            if xpath(tc, "./w:tcPr/w:vMerge[not(@w:val) or @w:val='continue']"):
                continue  # the lower part of a vertically merged cell repeats nothing
            text = " ".join(_lines(element_text(tc)))
            if text:
                cells.append(text)
        if cells:
            out.append((" ".join(cells), None))


def _notes(document: object) -> list[str]:
    """Footnotes, then endnotes (Word's own separators left out), one paragraph a line."""
    from docx.oxml import parse_xml

    out: list[str] = []
    for partname in ("/word/footnotes.xml", "/word/endnotes.xml"):
        part = next((p for p in document.part.package.iter_parts()  # type: ignore[attr-defined]
                     if str(p.partname) == partname), None)
        if part is None:
            continue
        root = parse_xml(part.blob)
        for note in xpath(root, "./w:footnote | ./w:endnote"):
            if note.get(f"{{{W}}}type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            for p in xpath(note, ".//w:p"):
                out.extend(_lines(element_text(p)))
    return out


def _furniture(document: object) -> tuple[list[str], list[str]]:
    """The text of every section's headers and footers (default, first page, even pages), once each."""
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:  # type: ignore[attr-defined]
        for attr, into in (("header", headers), ("first_page_header", headers), ("even_page_header", headers),
                           ("footer", footers), ("first_page_footer", footers), ("even_page_footer", footers)):
            part = getattr(section, attr)
            if part.is_linked_to_previous:
                continue
            for p in xpath(part._element, ".//w:p"):
                for line in _lines(element_text(p)):
                    if line not in into:
                        into.append(line)
    return headers, footers


def convert_doc(data: bytes, name: str) -> bytes:
    """A Word .doc as .docx bytes, by LibreOffice where installed; else InputError saying how."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    how = (f"{name}: this is an old Word .doc; save it as .docx (Word: File > Save As > Word Document; "
           f"or `soffice --headless --convert-to docx {name}`) and try again")
    if office is None:
        raise InputError(how)
    with tempfile.TemporaryDirectory(prefix="zhen-doc-") as tmp:
        src = Path(tmp) / "release.doc"
        src.write_bytes(data)
        try:
            # the Word 97 filter named: left to guess, LibreOffice imports any bytes as plain text
            subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                            "--infilter=MS Word 97", "--convert-to", "docx", "--outdir", tmp, str(src)],
                           capture_output=True, timeout=180, check=True)
            return (Path(tmp) / "release.docx").read_bytes()
        except (OSError, subprocess.SubprocessError) as exc:
            raise InputError(f"{how} (LibreOffice could not convert it: {type(exc).__name__})") from exc
