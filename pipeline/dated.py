"""Which rendering of a term applies to a release: the one in force on the release's date.

A term whose official English changed (治安管理局: "Public Order Bureau" until 2023, then
"Bureau of Public Security Management") keeps its earlier renderings with the date from which
the next applies (Term.earlier). A release is dated by its own date line (发布时间：2022-07-25,
2022年7月25日), else by the run's `as_of`, else today; the hit records which rendering applied
and why, for the review notes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from .errors import UsageError
from .glossary import Glossary, rendering_at
from .records import Document, GlossaryHit

_DATE = re.compile(r"((?:19|20)\d\d)\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"
                   r"|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)")


def parse_day(value: str) -> dt.date:
    """An ISO date given by the user (the `as_of` option)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{value!r} is not a date: write YYYY-MM-DD", option="as_of") from None


def date_in(text: str) -> dt.date | None:
    """The first full date (year, month, day) written in a line, if it is a real date."""
    for m in _DATE.finditer(text):
        year, month, day = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


_META = re.compile(r"来源|发布|时间|日期|作者|编辑")
_ONLY_DATE = re.compile(r"\s*(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*")


def release_date(doc: Document) -> dt.date | None:
    """The date on the release's own date line: a segment the structure marked `dateline`, else a
    short line near the top with a full date and a source or time label (2024年8月27日 来源：公安部)
    or nothing much else (国新办 2022-03-10), else a notice's closing date line (a line that is
    only a date, among its last three)."""
    segs = doc.segments
    near_top = [s for s in segs[:6] if len(s.norm) <= 60 and (_META.search(s.norm) or len(s.norm) <= 30)]
    closing = [s for s in segs[-3:] if _ONLY_DATE.fullmatch(s.norm)]
    for seg in [*(s for s in segs if "dateline" in s.flags), *near_top, *closing]:
        day = date_in(seg.norm)
        if day is not None:
            return day
    return None


def release_day(doc: Document, as_of: str | None = None, today: dt.date | None = None) -> tuple[dt.date, str]:
    """The day whose renderings apply to this release, and where that day comes from."""
    own = release_date(doc)
    if own is not None:
        return own, "the release's date line"
    if as_of:
        return parse_day(as_of), "the as-of date given"
    return today or dt.date.today(), "today: the release has no date line"


def dated_hits(hits: Sequence[GlossaryHit], glossary: Glossary, day: dt.date, why: str) -> list[GlossaryHit]:
    """Each hit with the English in force on `day`; terms with a single rendering are unchanged."""
    out = []
    for h in hits:
        term = glossary.lookup(h.zh)
        if term is None or not term.earlier:
            out.append(h)
            continue
        en, note = rendering_at(term, day)
        out.append(replace(h, en=en, dated=f"{note}; date from {why}"))
    return out
