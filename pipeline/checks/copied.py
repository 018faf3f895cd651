"""Check: copied text. Latin words of the Chinese (brands, acronyms, model numbers: IDG, iPhone,
CBA) that the English should carry over and does not. A human translation almost always keeps
them (0.3% of WMT18 references do not); a dropped clause often takes one with it."""

from __future__ import annotations

import re

from ..records import Flag

_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9&.+'-]*[A-Za-z0-9+]|[A-Za-z]{2,}")
# The whole Latin word around a match, tone-marked letters included: "dòng" is one word, not d + ng.
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u01cd-\u01dc]+")
# A pinyin reading with its tone marks, left over from an annotation the repair could not place
# (發(fā) split by garbling): a reading, not a brand the English must carry.
_TONED = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def check(zh: str, en: str) -> list[Flag]:
    have = _squash(en)
    flags: list[Flag] = []
    seen: set[str] = set()
    for m in _LATIN.finditer(zh):
        if _toned_reading(zh, m.start()):
            continue
        word = _squash(m.group())
        if len(word) < 2 or word in seen:
            continue
        seen.add(word)
        if word not in have:
            flags.append(Flag("omission", ((m.start(), m.end()),), (),
                              f"“{m.group()}” in the Chinese is not in the English", "check"))
    return flags


def _toned_reading(zh: str, at: int) -> bool:
    whole = next((w for w in _WORD.finditer(zh) if w.start() <= at < w.end()), None)
    return whole is not None and bool(_TONED.search(whole.group()))
