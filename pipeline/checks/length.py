"""Check: omission and addition. The English is much shorter or longer than its source warrants.

A length model fitted on human translations (WMT18 zh-en; bench/fit_length.py fits it and
prints these constants): log(1 + English length) = a + b·log(1 + n), n the source's size, with
a spread σ(n) = c + d/√(1 + n) that is wider for short segments. English length is measured
twice, in letters and digits and in words; z is the mean of the two standardized residuals.
The thresholds are the fit's 2% and 99% quantiles of z (cross-validated in the bench script).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..normalize import HAN
from ..records import Flag

_ALNUM = re.compile(r"[A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z0-9]+")
MIN_SIZE = 4  # below this a source is a label or a number: any English length is plausible


def source_size(zh: str) -> float:
    """Han characters plus half the Latin letters and digits (copied names, figures)."""
    return len(HAN.findall(zh)) + 0.5 * len(_ALNUM.findall(zh))


def measures(en: str) -> tuple[int, int]:
    """(letters and digits, words) of the English."""
    return len(_ALNUM.findall(en)), len(_WORD.findall(en))


@dataclass(frozen=True)
class LengthModel:
    chars: tuple[float, float, float, float]  # a, b, c, d
    words: tuple[float, float, float, float]
    omission_z: float
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

    def verdict(self, zh: str, en: str) -> str | None:
        if source_size(zh) < MIN_SIZE:
            return None
        z = self.z(zh, en)
        if z < self.omission_z:
            return "omission"
        if z > self.addition_z:
            return "addition"
        return None


# Fitted by bench/fit_length.py on ../shared/eval/wmt18-zh-en.tsv (3,960 pairs).
CHARS = (1.1796, 1.0057, 0.1902, 0.4194)
WORDS = (-0.0659, 0.9206, 0.1763, 0.2619)
OMISSION_Z = -2.093
ADDITION_Z = 2.362
MODEL = LengthModel(CHARS, WORDS, OMISSION_Z, ADDITION_Z)


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
    if v == "omission":
        reason = f"the English is {share:.0%} of the length the Chinese warrants: a clause may be missing"
    else:
        reason = f"the English is {share:.0%} of the length the Chinese warrants: something may be added"
    return [Flag(v, ((0, len(zh)),), ((0, len(en)),), reason, "check")]
