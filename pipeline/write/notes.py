"""What a reviewer must look at, shared by every format that shows it (Markdown, plain text,
XLIFF, the review page): segments grouped by block, and one line per problem."""

from __future__ import annotations

from collections.abc import Iterable

from ..facts import describe
from ..records import Block, Document, Segment


def by_block(doc: Document) -> Iterable[tuple[Block, list[Segment]]]:
    groups: dict[int, list[Segment]] = {}
    for seg in doc.segments:
        groups.setdefault(seg.block, []).append(seg)
    for block in doc.blocks:
        yield block, groups.get(block.index, [])


def warnings_for(seg: Segment) -> list[str]:
    """What a reviewer must look at in this segment: figures that changed or went missing, lost terms."""
    out = [describe(c) for c in seg.facts if c.status != "matched"]
    out += [f"term {h.zh} should read “{h.en}”" for h in seg.hits if h.status == "missing"]
    return out


def marked(seg: Segment) -> str:
    notes = warnings_for(seg)
    return f"{seg.target} [check: {'; '.join(notes)}]" if notes else seg.target or ""


def needs_review(seg: Segment) -> bool:
    """A segment a reviewer must read against the Chinese (XLIFF marks it needs-review-translation)."""
    return seg.risk in ("check", "bad") or any(c.status != "matched" for c in seg.facts) or any(
        h.status == "missing" for h in seg.hits) or any(
        f in ("mojibake", "glossary-fallback", "repetition-collapsed", "low-confidence") for f in seg.flags)


def unit_notes(seg: Segment) -> list[str]:
    """Every note an exchange file carries for a unit: glossary hits, figure checks, flags."""
    notes = [f"glossary: {h.zh} = {h.en} ({h.status})" for h in seg.hits]
    notes += [f"figure {c.status}: {describe(c)}" for c in seg.facts if c.status != "matched"]
    notes += [f"flag: {f}" for f in seg.flags]
    notes += [f"risk {seg.risk}: {c.kind}: {c.reason}" for c in seg.checks]
    return notes

