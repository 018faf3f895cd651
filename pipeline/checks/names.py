"""Check: names. Chinese person names in the source whose pinyin is missing from the English.

Names are the release's name detector's (pipeline.names, the names stage's, fitted by
cross-validation on news), plus the 某 pattern police releases use for a withheld given name
(贾某 -> "Jia"); only names that look Chinese are checked, since a transliterated foreign name
(特朗普) has no pinyin in the English. A name counts as present when its given name is
there in any spacing (Jinping, Jin-ping, Jin Ping) or a capitalized word begins with its surname
(Mr. Wang; Macron for 马克龙, which jieba sometimes tags as a Chinese name).
Place and organisation names are the glossary's job (pipeline.checks.terms).
"""

from __future__ import annotations

import re

from ..names import find_names
from ..records import Flag
from ..speakers import (
    COMPOUND_SURNAMES,
    OTHER_SPELLINGS,
    SINGLE_SURNAMES,
    present,
    romanized,
)

# 某 after a surname is a withheld given name (贾某, 王某某, 张某甲); 某次, 某种, 某地 are "some".
_MOU = re.compile(
    r"([\u4e00-\u9fff]{1,2}?)某+(?![次种些个天日地处一项件位方类段时年月样部单国省市县区人])[甲乙丙丁戊]?")


def person_names(zh: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each Chinese person name in a normalized Chinese text."""
    out: list[tuple[str, int, int]] = []
    taken: set[int] = set()
    for m in _MOU.finditer(zh):
        sur = m.group(1)
        if len(sur) == 2 and sur not in COMPOUND_SURNAMES:
            sur = sur[1:]
        if sur in SINGLE_SURNAMES or sur in COMPOUND_SURNAMES:
            s = m.end(1) - len(sur)
            out.append((zh[s : m.end()], s, m.end()))
            taken.update(range(s, m.end()))
    # The rest is the release's name detector's (pipeline.names, fitted by cross-validation on
    # news): one idea of a name for the names stage and this check. 练战 (training and combat) is
    # not one; a transliterated foreign name is left to the model and is not checked here.
    for n in find_names(zh):
        if n.kind == "person" and "某" not in n.zh and not taken & set(range(n.start, n.end)):
            out.append((n.zh, n.start, n.end))
    out.sort(key=lambda t: t[1])
    return out


def check(zh: str, en: str) -> list[Flag]:
    flags: list[Flag] = []
    seen: set[str] = set()
    for name, s, e in person_names(zh):
        if name in seen:
            continue
        seen.add(name)
        if present(name, en):
            continue
        sur, given = romanized(name)
        want = " ".join(p.capitalize() for p in (sur, given) if p)
        flags.append(Flag("name", ((s, e),), (), f"{name} ({want}) is not in the English", "check"))
    return flags


__all__ = ["OTHER_SPELLINGS", "check", "person_names", "present", "romanized"]
