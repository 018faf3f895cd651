"""Run level of `zhen names`: read a release (or a file of lines), find the person names of each
line and the English zhen would give them (pipeline.names). The stage never reads files; this
module does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .glossary import Glossary, match
from .names import find_names, release_names
from .normalize import to_norm
from .read import read_source
from .records import Name
from .segment import segment


@dataclass(frozen=True)
class LineNames:
    line: int  # 1-based line of the input
    text: str  # the line as normalized (the text start and end point into)
    names: tuple[Name, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "names": [{"zh": n.zh, "en": n.en, "kind": n.kind, "start": n.start,
                                              "end": n.end} for n in self.names]}


def run_names(path: str, lines: bool = False, stdin: bytes | None = None,
              glossary: Glossary | None = None) -> list[LineNames]:
    """One entry per line of the input. A release (lines=False) is segmented and its names settled
    across the release (one English per name); with lines=True each line stands alone. A name
    the glossary has takes the glossary's English."""
    src = read_source(path, data=stdin if path == "-" else None)
    raw_lines = src.raw.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    norms = [to_norm(x.rstrip("\r")) for x in raw_lines]
    if lines:
        return [LineNames(i, n, _termbase(n, tuple(find_names(n)), glossary)) for i, n in enumerate(norms, 1)]
    doc = release_names(segment(src))
    starts = [0]
    for x in raw_lines:
        starts.append(starts[-1] + len(x) + 1)
    found: dict[int, list[Name]] = {}
    for seg in doc.segments:
        line = max(i for i, s in enumerate(starts[:-1]) if s <= seg.start)
        text = norms[line]
        cursor = 0
        for n in seg.names:
            # offsets into the line's normalized text: the segment's own may differ (annotations removed)
            at = text.find(n.zh, cursor)
            if at < 0:
                continue
            cursor = at + len(n.zh)
            found.setdefault(line, []).append(Name(n.zh, n.en, n.kind, at, at + len(n.zh), n.evidence))
    return [LineNames(i + 1, n, _termbase(n, tuple(found.get(i, ())), glossary)) for i, n in enumerate(norms)]


def _termbase(text: str, names: tuple[Name, ...], glossary: Glossary | None) -> tuple[Name, ...]:
    if glossary is None or not names:
        return names
    hits = match(text, glossary)
    out = []
    for n in names:
        # the term that holds the name itself (犯罪嫌疑人 before 贾某 is the role's, not the name's)
        term = next((h for h in hits if h.start < n.end and n.end - 1 < h.end and h.start >= n.start), None)
        if term is None:
            out.append(n)
        elif term.kind == "person":  # a campaign (云剑) jieba took for a name is no name
            out.append(Name(n.zh, term.en, n.kind, n.start, n.end, "in the term base"))
    return tuple(out)


def name_rows(result: LineNames) -> list[str]:
    """The text view of one line: a row per name, with its evidence."""
    return [f"{result.line}:{n.start}-{n.end}\t{n.zh}\t{n.en or '-'}\t{n.kind}\t{n.evidence}" for n in result.names]
