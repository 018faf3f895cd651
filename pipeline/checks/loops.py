"""Check: loops. A phrase repeated in the English, back to back (opus-mt loops on some inputs;
zhen collapses these at translate time, this flags output produced elsewhere)."""

from __future__ import annotations

import re

from ..records import Flag

# A phrase of 1 to 8 words said three or more times in a row ("the the the", "and the police
# and the police and the police"). People write "very, very" and "bye-bye", never a phrase thrice.
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.U)
MIN_TIMES = 3


def _repeat_at(words: list[str], i: int, k: int) -> int:
    times = 1
    while words[i + times * k : i + (times + 1) * k] == words[i : i + k]:
        times += 1
    return times


def check(zh: str, en: str) -> list[Flag]:
    del zh
    spans = [(m.start(), m.end()) for m in _WORD.finditer(en)]
    words = [en[s:e].lower() for s, e in spans]
    i = 0
    while i < len(words):
        for k in range(1, 9):
            if i + k * MIN_TIMES > len(words):
                break
            times = _repeat_at(words, i, k)
            # A run of figures (1, 1, 1) is data, not a loop.
            if times >= MIN_TIMES and not all(w.isdigit() for w in words[i : i + k]):
                s, e = spans[i][0], spans[i + times * k - 1][1]
                phrase = " ".join(words[i : i + k])
                return [Flag("loop", (), ((s, e),), f"“{phrase}” is repeated {times} times in a row", "bad")]
        i += 1
    return []
