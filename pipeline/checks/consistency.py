"""Check: one rendering per name per release. Where the same Chinese name (outside the glossary)
comes out in two Englishes in one release, the minority segments are flagged `inconsistent`
with the majority's rendering as the suggestion.

A release-level check: it reads all the segments of one release at once, as plain
(id, normalized Chinese, English, names) tuples. A rendering is what the English writes where
the name stands: the name's romanization in any spacing, or failing that the capitalized words
that begin with its surname (Sun Jin-feng, Mr. Sun); a name whose English shows neither has no
rendering here (the names check flags it missing).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ..names import rendering
from ..records import Document, Flag, Name
from . import risk_of

Pair = tuple[str, str, str, Sequence[Name]]  # segment id, normalized Chinese, English, names


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def check_release(pairs: Sequence[Pair]) -> dict[str, list[Flag]]:
    """Flags by segment id: `inconsistent` where a name's rendering is the release's minority."""
    seen: dict[str, list[tuple[str, str, int, int, int, int]]] = {}
    for seg_id, _zh, en, names in pairs:
        for n in names:
            if n.kind != "person" or not en:
                continue
            r = rendering(n, en)
            if r is not None:
                seen.setdefault(n.zh, []).append((seg_id, r[0], n.start, n.end, r[1], r[2]))
    out: dict[str, list[Flag]] = {}
    for zh, found in seen.items():
        counts = Counter(_key(text) for _, text, *_ in found)
        if len(counts) < 2:
            continue
        top = counts.most_common(1)[0][0]
        shown = next(text for _, text, *_ in found if _key(text) == top)
        for seg_id, text, zs, ze, es, ee in found:
            if _key(text) != top:
                out.setdefault(seg_id, []).append(Flag(
                    "inconsistent", ((zs, ze),), ((es, ee),),
                    f"{zh} is {text!r} here but {shown!r} in {counts[top]} other place(s) of the release; "
                    f"suggest {shown!r}"))
    return out


def flag_document(doc: Document) -> Document:
    """A translated release with `inconsistent` flags added to its segments' checks (and risk)."""
    flags = check_release([(s.id, s.norm, s.target or "", s.names) for s in doc.segments if s.target])
    if not flags:
        return doc
    segs = tuple(replace(s, checks=(*s.checks, *flags[s.id]), risk=risk_of((*s.checks, *flags[s.id])))
                 if s.id in flags else s for s in doc.segments)
    return replace(doc, segments=segs)
