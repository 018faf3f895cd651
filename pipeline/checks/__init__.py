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
from dataclasses import replace

from ..glossary import Glossary
from ..records import Flag, GlossaryHit, PairRisk, Risk, Segment
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
NAMES = (*CHECKS, "terms")


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
    flags = _one_flag_per_name(flags, hits or ())
    return PairRisk(line, risk_of(flags), tuple(flags))


def _one_flag_per_name(flags: list[Flag], hits: Sequence[GlossaryHit]) -> list[Flag]:
    """A name the glossary or the release's names decided (a hit) is the term check's: its
    English is the one that counts, so the names check's pinyin guess says nothing more there
    (a missing name was reported twice, as a term and as a name)."""
    decided = {i for h in hits for i in range(h.start, h.end)}
    decided |= {i for f in flags if f.kind == "term" for s, e in f.zh_spans for i in range(s, e)}
    return [f for f in flags if f.kind != "name" or not any(i in decided for s, e in f.zh_spans
                                                             for i in range(s, e))]


def assess_segment(seg: Segment, min_confidence: float | None = None, facts: str = "check") -> Segment:
    """A translated segment with its risk and the checks it rests on (its recorded glossary hits
    stand for the glossary). English the model itself was unsure of is flagged too, below
    min_confidence (off until set: calibrate it with zhen eval). With facts "off" the figures
    are not checked at all: no figure flag."""
    if not seg.target:
        return seg
    # The figures verdict is the facts stage's (figures.check_segment), taken as it is, never made twice.
    found = [c for c in seg.checks if figures.is_figure_flag(c.kind)] if facts != "off" else []
    found += assess(seg.norm, seg.target, hits=seg.hits, only=[n for n in NAMES if n != "figures"]).flags
    unsure = low_confidence(seg.score, min_confidence)
    if unsure is not None:
        seg = replace(seg, flags=(*seg.flags, "low-confidence"))
        found.append(unsure)
    return replace(seg, risk=risk_of(found), checks=tuple(found))


def low_confidence(score: float | None, min_confidence: float | None) -> Flag | None:
    """The flag for English the model itself scored below min_confidence (None: no flag)."""
    if min_confidence is None or score is None or score >= min_confidence:
        return None
    return Flag("low-confidence", (), (), f"the model's own confidence ({score:.2f}) is below {min_confidence:g}")


__all__ = ["CHECKS", "NAMES", "assess", "assess_segment", "low_confidence", "risk_of"]
