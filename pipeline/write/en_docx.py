"""NAME.en.docx: the English ready to publish, as a Word document: the release's title and
headings as Word's Title and Heading styles, speaker turns with the speaker in bold, its source
and date lines; no Chinese and no review notes (those are in NAME.docx)."""

from __future__ import annotations

from ..english import without_label
from ..records import Document
from .docx import new_document, release_props, save
from .notes import by_block


def render(doc: Document) -> bytes:
    title = next((s.target for s in doc.segments if s.kind == "title" and s.target), doc.source.name)
    word = new_document(doc, title, landscape=False)
    for block, segs in by_block(doc):
        text = " ".join(s.target for s in segs if s.target)
        if not text:
            continue  # page furniture (not translated)
        if block.kind == "title":
            word.add_heading(text, level=0)
        elif block.kind == "heading":
            word.add_heading(text, level=1)
        else:
            para = word.add_paragraph()
            if block.kind == "turn" and block.labelled:
                label = block.speaker_en or block.speaker or ""
                para.add_run(f"{label}: ").bold = True
                text = without_label(text, label)
            para.add_run(text)
    return save(word, doc, release_props(doc))
