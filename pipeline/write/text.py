"""NAME.en.txt: the English with the release's structure (headings, speaker turns, paragraphs)."""

from __future__ import annotations

from ..records import Document, Segment
from .notes import by_block, marked


def _en(segs: list[Segment], marks: bool = False) -> str:
    return " ".join(marked(s) if marks else s.target for s in segs if s.target)


def render(doc: Document) -> str:
    out: list[str] = []
    for block, segs in by_block(doc):
        if block.kind == "boilerplate":
            continue
        text = _en(segs, marks=True)
        if block.kind == "turn" and block.labelled:
            text = f"{block.speaker_en or block.speaker}: {text}"
        out += [text, ""]
    return "\n".join(out).rstrip("\n") + "\n"
