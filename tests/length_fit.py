"""Fit the length model of pipeline.checks.length on human translations, and cross-validate it.

English length is modelled conditional on the source's: log(1 + en) = a + b·log(1 + n), with
n = Han characters + 0.5 × Latin letters and digits in the Chinese (copied text is about half
as long per character as Han text is per translated meaning), for two English measures: letters
and digits, and words. The spread is wider for short segments, so σ(n) = c + d/√(1 + n), fitted
to the absolute residuals. A pair's z is the mean of the two measures' z; addition is flagged
above the fit's ADDITION_QUANTILE of z.

Omission is a logistic score over z and lexical coverage (pipeline.checks.length), fitted on the
pairs against copies of them with 40% of the English words dropped (a contiguous stretch at a
place drawn per pair), and flagged above the score's OMISSION_QUANTILE on the pairs themselves.

No sentencepiece model of opus-mt ships with the repository or its tests, so pieces are not a
measure here; characters and words are what the check can always compute.

`python bench/fit_length.py` prints the fit's constants to paste into pipeline/checks/length.py
and its cross-validated rates; tests/test_risk_measure.py refits it per fold.
"""

from __future__ import annotations

import csv
import math
import random
import zlib
from pathlib import Path

import numpy as np
from shared_data import WMT18

from pipeline.checks.length import LengthModel, coverage, measures, omission_features, source_size

DEFAULT = WMT18
OMISSION_QUANTILE = 0.97
ADDITION_QUANTILE = 0.99
RIDGE = 1.0


def load_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1]) for r in rows[1:] if len(r) >= 2 and r[0].strip() and r[1].strip()]


def _ols(xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    return my - b * mx, b


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(q * len(s))))]


def fit(pairs: list[tuple[str, str]]) -> LengthModel:
    sizes = [source_size(z) for z, _ in pairs]
    xs = [math.log1p(n) for n in sizes]
    params: list[tuple[float, float, float, float]] = []
    for k in range(2):
        ys = [math.log1p(measures(e)[k]) for _, e in pairs]
        a, b = _ols(xs, ys)
        # Refit without gross outliers (misaligned references), so they do not widen the model.
        res = [y - (a + b * x) for x, y in zip(xs, ys, strict=True)]
        scale = sorted(abs(r) for r in res)[len(res) // 2] * 1.4826
        keep = [i for i, r in enumerate(res) if abs(r) < 3 * scale]
        a, b = _ols([xs[i] for i in keep], [ys[i] for i in keep])
        res = [ys[i] - (a + b * xs[i]) for i in keep]
        # E|r| = σ·√(2/π) for a normal residual.
        absr = [abs(r) * math.sqrt(math.pi / 2) for r in res]
        c, d = _ols([1 / math.sqrt(1 + sizes[i]) for i in keep], absr)
        params.append((a, b, c, d))
    model = LengthModel(params[0], params[1], (0.0,) * 9, 99.0, 99.0)
    zs = [model.z(z, e) for z, e in pairs]
    addition_z = _quantile(zs, ADDITION_QUANTILE)
    dropped = [(z, drop_words(e, 0.4, random.Random(zlib.crc32(e.encode())))) for z, e in pairs if len(e.split()) >= 5]
    ref = [omission_features(zv, coverage(z, e)) for (z, e), zv in zip(pairs, zs, strict=True)]
    bad = [omission_features(model.z(z, e), coverage(z, e)) for z, e in dropped]
    weights = _logistic(np.array(ref + bad), np.r_[np.zeros(len(ref)), np.ones(len(bad))])
    scored = LengthModel(params[0], params[1], weights, 99.0, addition_z)
    at = _quantile([scored.omission_score(z, e, zv) for (z, e), zv in zip(pairs, zs, strict=True)
                    if source_size(z) >= 4], OMISSION_QUANTILE)
    return LengthModel(params[0], params[1], weights, at, addition_z)


def _logistic(x: np.ndarray, y: np.ndarray, iterations: int = 25) -> tuple[float, ...]:
    """Ridge-penalized logistic regression by Newton's method on standardized features; the
    weights come back for the raw features (bias first)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = np.c_[np.ones(len(x)), (x - mu) / sd]
    w = np.zeros(xs.shape[1])
    penalty = RIDGE * np.eye(xs.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-xs @ w))
        grad = xs.T @ (p - y) + penalty @ w
        hess = (xs * (p * (1 - p))[:, None]).T @ xs + penalty
        w = w - np.linalg.solve(hess, grad)
    raw = w[1:] / sd
    return (float(w[0] - (raw * mu).sum()), *(float(v) for v in raw))


def drop_words(en: str, share: float, rng: random.Random) -> str:
    words = en.split()
    n = max(1, round(len(words) * share))
    start = rng.randrange(0, len(words) - n + 1) if len(words) > n else 0
    return " ".join(words[:start] + words[start + n :])


def cross_validate(pairs: list[tuple[str, str]], folds: int, seed: int = 17) -> list[tuple[float, float, float]]:
    """(held-out refs flagged, held-out refs flagged as addition, held-out 40% drops caught) per fold."""
    rng = random.Random(seed)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    out = []
    for f in range(folds):
        test = [pairs[i] for i in order[f::folds]]
        train = [pairs[i] for j, i in enumerate(order) if j % folds != f]
        m = fit(train)
        ref = [m.verdict(z, e) for z, e in test]
        drop = [m.verdict(z, drop_words(e, 0.4, rng)) for z, e in test if len(e.split()) >= 5]
        out.append((sum(v is not None for v in ref) / len(ref), sum(v == "addition" for v in ref) / len(ref),
                    sum(v == "omission" for v in drop) / len(drop)))
    return out
