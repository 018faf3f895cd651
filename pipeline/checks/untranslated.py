"""Check: untranslated. Han characters left in the English (a clause the engine copied, or a
name it could not render)."""

from __future__ import annotations

import re

from ..normalize import HAN_WORD
from ..records import Flag

# A Chinese name glossed in brackets after its English (Wang Mu (王穆)) is deliberate, and so is one
# character; four or more are a clause left in Chinese.
_GLOSS = re.compile(r"[(（]\s*[\u3400-\u9fff]{1,8}\s*[)）]")
BAD_AT = 4


def check(zh: str, en: str) -> list[Flag]:
    del zh  # the English alone decides
    glossed = {m.start() + i for m in _GLOSS.finditer(en) for i in range(m.end() - m.start())}
    runs = [m for m in HAN_WORD.finditer(en) if m.start() not in glossed]
    if not runs:
        return []
    n = sum(len(m.group()) for m in runs)
    shown = "".join(m.group() for m in runs)[:20]
    return [Flag("untranslated", (), tuple((m.start(), m.end()) for m in runs),
                 f"{n} Chinese character(s) left in the English: {shown}", "bad" if n >= BAD_AT else "check")]
