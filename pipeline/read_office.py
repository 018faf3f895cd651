"""Word and PDF releases as text for the pipeline: one paragraph a line, and the spans of it
whose kind the document itself fixes (read_docx.py and read_pdf.py do the reading)."""

from __future__ import annotations

from collections.abc import Sequence

from .read_docx import convert_doc, read_docx
from .read_pdf import read_pdf

Layout = tuple[tuple[int, int, str], ...]


def read_office(kind: str, data: bytes, name: str) -> tuple[str, Layout, list[str]]:
    """The text of a docx, doc or pdf release, its layout spans, and what reading it left out."""
    if kind == "pdf":
        pdf = read_pdf(data, name)
        text, layout = as_text(list(zip(pdf.paragraphs, pdf.kinds, strict=True)))
        return text, layout, pdf.notes
    if kind == "doc":
        data = convert_doc(data, name)
    text, layout = as_text(read_docx(data, name))
    return text, layout, []


def as_text(blocks: Sequence[tuple[str, str | None]]) -> tuple[str, Layout]:
    """Paragraphs joined one a line (line breaks inside one become spaces: a paragraph is one
    block), with a (start, end, kind) span for each paragraph whose kind is fixed."""
    parts: list[str] = []
    layout: list[tuple[int, int, str]] = []
    pos = 0
    for text, kind in blocks:
        line = " ".join(text.split())
        if not line:
            continue
        if kind is not None:
            layout.append((pos, pos + len(line), kind))
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts), tuple(layout)
