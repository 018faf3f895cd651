"""Check: copied text. Latin words of the Chinese (brands, acronyms, model numbers: IDG, iPhone,
CBA) that the English should carry over and does not. A human translation almost always keeps
them (0.3% of WMT18 references do not); a dropped clause often takes one with it."""

from __future__ import annotations

import re

from ..records import Flag

_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9&.+'-]*[A-Za-z0-9+]|[A-Za-z]{2,}")


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def check(zh: str, en: str) -> list[Flag]:
    have = _squash(en)
    flags: list[Flag] = []
    seen: set[str] = set()
    for m in _LATIN.finditer(zh):
        word = _squash(m.group())
        if len(word) < 2 or word in seen:
            continue
        seen.add(word)
        if word not in have:
            flags.append(Flag("omission", ((m.start(), m.end()),), (),
                              f"“{m.group()}” in the Chinese is not in the English", "check"))
    return flags
