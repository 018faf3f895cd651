"""English stems and the English a Chinese word may show up as: the lexical evidence, needing no
model, that the aligner (pipeline.align), the term miner (pipeline.mine) and the omission check
(pipeline.checks.length) look for. Glosses are CC-CEDICT's (pipeline.cedict), person
names their pinyin, figures comparable keys (#94000 for both 9.4万 and 94,000).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .cedict import cedict_gloss
from .glossary import jieba_module
from .normalize import HAN_WORD
from .records import Fact
from .speakers import is_person_name, romanize_name

EN_STOP = frozenset("""
a an the of to in on at for by with from into onto over under and or but nor so yet if then than that this
these those there here is are was were be been being am do does did done have has had having will would shall
should can could may might must not no it its it's he she they them their his her him we us our you your i me
my as up out about also which who whom whose what when where why how all any some such more most very just
only own same other s t one ones sb sth something someone somebody oneself etc cl abbr variant used particle
surname kind indicate indicating marker classifier see also old pr
""".split())

_EN_WORD = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+(?:[,，]\d{3})*(?:\.\d+)?")
LATIN_IN_ZH = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_GLOSS_NOISE = re.compile(r"\[[^\]]*\]|CL:\S+|\([^)]*\)")

# Function words carry no evidence, and their glosses ("of; ~'s (possessive particle)") only
# make every pair look alike.
ZH_STOP = frozenset("的 了 在 是 和 与 及 也 都 而 就 对 把 被 将 于 以 之 其 这 那 个 等 中 上 下 着 过 为 从 向 "
                     "并 但 或 又 还 已 所 则 让 给 有 要 会 能 可 很 不 没 地 得 吗 呢 吧 啊 此 该 每 各 即".split())


def stem(word: str) -> str:
    """A crude English stem: lower case, a plural or tense ending off, then a 5-letter prefix.

    Prefixes are what length-and-dictionary aligners use (hunalign, Moore's); they fold
    arrests/arrested/arresting and most derivations without a stemmer's dependencies."""
    w = word.lower()
    for suffix in ("ing", "ied", "ies", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w[:5]


def english_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _EN_WORD.findall(text) if w.lower() not in EN_STOP and len(w) > 1)


def number_keys(facts: Sequence[Fact], text: str) -> set[str]:
    """Figures as comparable keys: 9.4万 and 94,000 are both #94000; dates give year and month."""
    keys: set[str] = set()
    for f in facts:
        if f.kind == "date":
            if f.year:
                keys.add(f"#{f.year}")
            if f.month:
                keys.add(f"#m{f.month}")
            if f.day:
                keys.add(f"#d{f.day}")
        elif f.value is not None and not f.weak:
            keys.add(f"#{f.value:g}")
    for m in _DIGITS.finditer(text):  # the pattern only matches what float() reads, commas aside
        keys.add(f"#{float(m.group().replace(',', '').replace('，', '')):g}")
    return keys


@lru_cache(maxsize=65536)
def gloss_stems(word: str) -> frozenset[str]:
    gloss = cedict_gloss(word)
    if gloss is None:
        if len(word) > 1 and is_person_name(word):
            return english_stems(romanize_name(word))
        return frozenset()
    return english_stems(_GLOSS_NOISE.sub(" ", gloss))




def han_concepts(norm: str, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, frozenset[str]]]:
    """Each Chinese content word that has English evidence: (start, end, the English stems that
    would show it was translated). Function words, words overlapping a `taken` span (a glossary
    term, whose own English stands for it) and words no gloss explains are left out."""
    out: list[tuple[int, int, frozenset[str]]] = []
    pos = 0
    for w in jieba_module().cut(norm, HMM=True):
        s, pos = pos, pos + len(w)
        if any(a < pos and s < b for a, b in taken) or not HAN_WORD.fullmatch(w) or w in ZH_STOP:
            continue
        g = gloss_stems(w)
        if not g and len(w) > 2:  # an unknown compound: its known halves still say something
            g = gloss_stems(w[:2]) | gloss_stems(w[2:])
        if g:
            out.append((s, pos, g))
    return out


def latin_concepts(norm: str) -> list[tuple[int, int, frozenset[str]]]:
    """Latin words written in the Chinese (names, brands, abbreviations), which the English keeps."""
    return [(m.start(), m.end(), frozenset({stem(m.group())})) for m in LATIN_IN_ZH.finditer(norm)
            if len(m.group()) > 1 and m.group().lower() not in EN_STOP]
