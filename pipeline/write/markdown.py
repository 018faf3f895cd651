"""NAME.md: the release block by block, Chinese and English side by side."""

from __future__ import annotations

from ..records import Document, Segment
from .notes import by_block, marked, warnings_for


def _escape(text: str) -> str:
    """Text from the input (or the model) is text, never markup: raw HTML in a release must not
    reach the page a Markdown viewer renders."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _en(segs: list[Segment], marks: bool = False) -> str:
    return _escape(" ".join(marked(s) if marks else s.target for s in segs if s.target))


def _zh(segs: list[Segment]) -> str:
    return _escape("".join(s.text for s in segs))


def _cell(text: str) -> str:
    return _escape(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(doc: Document) -> str:
    out: list[str] = []
    for block, segs in by_block(doc):
        if block.kind in ("title", "heading"):
            mark = "#" if block.kind == "title" else "##"
            out += [f"{mark} {_en(segs) or _zh(segs)}", "", f"> {_zh(segs)}", ""]
            continue
        if block.kind == "boilerplate":
            out += [f"*Not translated (page furniture):* {_zh(segs)}", ""]
            continue
        if block.labelled and block.speaker:
            out += [f"**{_escape(block.speaker_en or block.speaker)}** ({_escape(block.speaker)})", ""]
        out += ["| 中文 | English |", "|---|---|"]
        out += [f"| {_cell(s.text)} | {_cell(s.target or '')}{_md_notes(s)} |" for s in segs]
        out.append("")
    if doc.provenance is not None:
        p = doc.provenance
        out += [
            "---",
            f"*{p.tool} {p.version} · model {p.model} ({p.model_revision}) · engine {p.engine} · "
            f"input {p.input} (sha256 {str(p.input_sha256)[:12]}) · {p.created}*",
            "",
        ]
    return "\n".join(out)


def _md_notes(seg: Segment) -> str:
    return "".join(f"<br>⚠ {_cell(n)}" for n in warnings_for(seg))
