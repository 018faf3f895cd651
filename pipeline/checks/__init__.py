"""Stage: checks. Every deterministic check of a zh/en pair, and the risk that follows.

Each check takes the normalized Chinese and the English of one pair (plain strings; no files)
and returns Flags. CHECKS names them in the order they run; `assess` runs them all.

Risk rule (documented for reviewers in the README):
- `bad`: a flag that is almost always a real error: a figure changed (fact-changed), four or
  more Chinese characters left in the English, a loop, an empty side; or three or more flags
  on one pair (several independent doubts about one line are rarely all wrong);
- `check`: any other flag (a figure missing or with no source, a length out of range, Latin
  text of the source missing, a name or glossary term missing, a stray Chinese character);
- `ok`: no flag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..glossary import Glossary
from ..records import Flag, GlossaryHit, PairRisk, Risk
from . import copied, figures, length, loops, names, terms, untranslated

Check = Callable[[str, str], list[Flag]]

CHECKS: dict[str, Check] = {
    "figures": figures.check,
    "length": length.check,
    "copied": copied.check,
    "untranslated": untranslated.check,
    "names": names.check,
    "loops": loops.check,
}
BAD_AT_FLAGS = 3


def risk_of(flags: Sequence[Flag]) -> Risk:
    if not flags:
        return "ok"
    if len(flags) >= BAD_AT_FLAGS or any(f.severity == "bad" for f in flags):
        return "bad"
    return "check"


def assess(zh: str, en: str, line: int = 0, hits: Sequence[GlossaryHit] | None = None,
           glossary: Glossary | None = None, only: Sequence[str] | None = None) -> PairRisk:
    """Run the checks (all, or those named in `only`; "terms" is the glossary's) on one pair."""
    flags: list[Flag] = []
    for name, fn in CHECKS.items():
        if only is None or name in only:
            flags.extend(fn(zh, en))
    if (only is None or "terms" in only) and (hits is not None or glossary is not None):
        flags.extend(terms.check(zh, en, hits, glossary))
    return PairRisk(line, risk_of(flags), tuple(flags))


NAMES = (*CHECKS, "terms")
__all__ = ["CHECKS", "NAMES", "assess", "risk_of"]
