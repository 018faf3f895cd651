"""NAME.md: the release as a bilingual document, block by block: the English, then the
Chinese quoted under it, then what a reviewer must check. It reads top to bottom like the
release (no table per paragraph) and renders anywhere Markdown does."""

from __future__ import annotations

from ..records import Document, Segment
from .notes import by_block, review_state, warnings_for


def _en(segs: list[Segment]) -> str:
    return " ".join(s.target for s in segs if s.target)


def _zh(segs: list[Segment]) -> str:
    return "".join(s.text for s in segs)


def escape(text: str) -> str:
    """Text that must stay literal inside a Markdown paragraph (no accidental emphasis or HTML)."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _notes(segs: list[Segment]) -> list[str]:
    """A person's review first (an approved segment's warnings were seen and accepted), then the warnings."""
    states = [f"- ✔ {escape(state)} ({s.id})" for s in segs if (state := review_state(s))]
    return states + [f"- ⚠ {escape(n)} ({s.id})" for s in segs for n in warnings_for(s)]


def render(doc: Document) -> str:
    out: list[str] = []
    for block, segs in by_block(doc):
        zh, en = _zh(segs), _en(segs)
        if block.kind in ("title", "heading"):
            mark = "#" if block.kind == "title" else "##"
            out += [f"{mark} {escape(en or zh)}", "", f"> {escape(zh)}", ""]
        elif block.kind == "boilerplate" and not en:
            out += [f"*Not translated (page furniture):* {escape(zh)}", ""]
        else:
            if block.labelled and block.speaker:
                out += [f"**{escape(block.speaker_en or block.speaker)}** ({escape(block.speaker)})", ""]
            out += [escape(en), "", f"> {escape(zh)}", ""]
        notes = _notes(segs)
        if notes:
            out += [*notes, ""]
    if doc.provenance is not None:
        p = doc.provenance
        out += [
            "---",
            "",
            f"*{p.tool} {p.version} · model {p.model} ({p.model_revision}) · engine {p.engine} · "
            f"input {p.input} (sha256 {str(p.input_sha256)[:12]}) · {p.created}*",
            "",
        ]
    return "\n".join(out)
