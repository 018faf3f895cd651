"""NAME.en.txt: the English alone, with the release's structure (headings, speaker turns,
paragraphs, its source and date lines), clean enough for a press officer to paste: no
review notes and no Chinese. What a reviewer must check goes to the review formats."""

from __future__ import annotations

from ..english import without_label
from ..records import Document, Segment
from .notes import by_block


def _en(segs: list[Segment]) -> str:
    return " ".join(s.target for s in segs if s.target)


def render(doc: Document) -> str:
    out: list[str] = []
    for block, segs in by_block(doc):
        text = _en(segs)
        if not text:
            continue  # page furniture (not translated) and empty blocks
        if block.kind == "turn" and block.labelled:
            label = block.speaker_en or block.speaker or ""
            text = f"{label}: {without_label(text, label)}"  # an English that carries it already: once
        out += [text, ""]
    return "\n".join(out).rstrip("\n") + "\n"
