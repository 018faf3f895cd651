"""Check: omission and addition. The English is much shorter or longer than its source warrants,
or leaves a stretch of the Chinese without any English.

A length model fitted on human translations (WMT18 zh-en; bench/fit_length.py fits it and
prints these constants): log(1 + English length) = a + b·log(1 + n), n the source's size, with
a spread σ(n) = c + d/√(1 + n) that is wider for short segments. English length is measured
twice, in letters and digits and in words; z is the mean of the two standardized residuals.
Addition is z above the fit's 99% quantile.

Length alone misses most omissions (human translations vary too much in length), so omission
is a logistic score over z and lexical coverage (pipeline.lexicon: CC-CEDICT glosses, pinyin of
names, Latin words): the share of the Chinese content words whose English is found, the share
of the English content words some Chinese word explains (how well the dictionary knows this
pair at all), and the longest stretch of the Chinese without any English found. It is fitted
on the same human translations against copies with 40% of the English dropped, and flags above
the score's 97% quantile on the human translations. The flag's Chinese span is that stretch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..facts import extract_en
from ..lexicon import english_stems, han_concepts, latin_concepts, number_keys
from ..normalize import HAN
from ..records import Flag

_ALNUM = re.compile(r"[A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z0-9]+")
GAP_SHOWN = 0.2  # a stretch this share of the Chinese or longer is named in the flag
MIN_SIZE = 4  # below this a source is a label or a number: any English length is plausible


def source_size(zh: str) -> float:
    """Han characters plus half the Latin letters and digits (copied names, figures)."""
    return len(HAN.findall(zh)) + 0.5 * len(_ALNUM.findall(zh))


def measures(en: str) -> tuple[int, int]:
    """(letters and digits, words) of the English."""
    return len(_ALNUM.findall(en)), len(_WORD.findall(en))


@dataclass(frozen=True)
class Coverage:
    """How much of the Chinese the English shows (see the module's docstring)."""

    concepts: int  # Chinese content words with English evidence
    found: float  # the share of them found in the English
    explained: float  # the share of the English content words some of them explain
    gap: tuple[int, int]  # the longest stretch of the Chinese whose words are all missing
    gap_share: float  # its length over the Chinese's


@lru_cache(maxsize=8192)
def coverage(zh: str, en: str) -> Coverage:
    concepts = sorted(han_concepts(zh) + latin_concepts(zh))
    words = english_stems(en)
    have = words | number_keys(extract_en(en), en)
    hit = [not g.isdisjoint(have) for _, _, g in concepts]
    known = frozenset().union(*(g for _, _, g in concepts)) if concepts else frozenset()
    gap, i = (0, 0), 0
    while i < len(concepts):
        if hit[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(concepts) and not hit[j + 1]:
            j += 1
        if concepts[j][1] - concepts[i][0] > gap[1] - gap[0]:
            gap = (concepts[i][0], concepts[j][1])
        i = j + 1
    return Coverage(len(concepts), sum(hit) / len(concepts) if concepts else 1.0,
                    len(words & known) / len(words) if words else 0.0, gap, (gap[1] - gap[0]) / max(1, len(zh)))


def omission_features(z: float, cov: Coverage) -> tuple[float, ...]:
    ln = math.log1p(cov.concepts)
    return (z, cov.found, cov.explained, cov.gap_share, ln, cov.found * ln, cov.explained * ln, cov.gap_share * ln)


@dataclass(frozen=True)
class LengthModel:
    chars: tuple[float, float, float, float]  # a, b, c, d
    words: tuple[float, float, float, float]
    omission: tuple[float, ...]  # bias, then one weight per omission_features
    omission_at: float  # flag omission above this score
    addition_z: float

    def expected(self, zh: str) -> tuple[float, float]:
        x = math.log1p(source_size(zh))
        return tuple(math.expm1(a + b * x) for a, b, _, _ in (self.chars, self.words))  # type: ignore[return-value]

    def z(self, zh: str, en: str) -> float:
        n = source_size(zh)
        x = math.log1p(n)
        zs = []
        for (a, b, c, d), have in zip((self.chars, self.words), measures(en), strict=True):
            sigma = max(0.05, c + d / math.sqrt(1 + n))
            zs.append((math.log1p(have) - (a + b * x)) / sigma)
        return sum(zs) / len(zs)

    def omission_score(self, zh: str, en: str, z: float | None = None) -> float:
        feats = omission_features(self.z(zh, en) if z is None else z, coverage(zh, en))
        return self.omission[0] + sum(w * x for w, x in zip(self.omission[1:], feats, strict=True))

    def verdict(self, zh: str, en: str) -> str | None:
        if source_size(zh) < MIN_SIZE:
            return None
        z = self.z(zh, en)
        if z > self.addition_z:
            return "addition"
        if self.omission_score(zh, en, z) > self.omission_at:
            return "omission"
        return None


# Fitted by bench/fit_length.py on ../shared/eval/wmt18-zh-en.tsv (3,960 pairs).
CHARS = (1.1796, 1.0057, 0.1902, 0.4194)
WORDS = (-0.0659, 0.9206, 0.1763, 0.2619)
OMISSION = (-1.4565, -1.5673, 1.4603, -1.6298, -1.9595, -0.6626, -2.5103, 2.6318, 2.0942)
OMISSION_AT = 1.676
ADDITION_Z = 2.362
MODEL = LengthModel(CHARS, WORDS, OMISSION, OMISSION_AT, ADDITION_Z)


def check(zh: str, en: str, model: LengthModel = MODEL) -> list[Flag]:
    if not en.strip() and zh.strip():
        return [Flag("omission", ((0, len(zh)),), (), "the English is empty", "bad")]
    if not zh.strip() and en.strip():
        return [Flag("addition", (), ((0, len(en)),), "the Chinese is empty: the English has no source", "bad")]
    v = model.verdict(zh, en)
    if v is None:
        return []
    want, _ = model.expected(zh)
    have, _ = measures(en)
    share = have / want if want else 0.0
    if v == "addition":
        reason = f"the English is {share:.0%} of the length the Chinese warrants: something may be added"
        return [Flag(v, ((0, len(zh)),), ((0, len(en)),), reason, "check")]
    cov = coverage(zh, en)
    if cov.gap_share >= GAP_SHOWN:
        a, b = cov.gap
        quoted = zh[a:b] if b - a <= 24 else zh[a : a + 22] + "…"
        return [Flag(v, (cov.gap,), ((0, len(en)),), f"no English found for 「{quoted}」 and the English is "
                     f"{share:.0%} of the length the Chinese warrants: a clause may be missing", "check")]
    reason = (f"the English is {share:.0%} of the length the Chinese warrants and shows {cov.found:.0%} of its "
              "content words: a clause may be missing")
    return [Flag(v, ((0, len(zh)),), ((0, len(en)),), reason, "check")]
