"""Fit the aligner's length model (Gale-Church) on the tuning half of WMT18 zh-en.

Gale and Church model the English length of a sentence pair as c times the Chinese length,
with a variance that grows with the length: (en - c*zh) / sqrt(zh * s2) is about standard
normal. Lengths are characters without spaces, on the normalized Chinese. The printed
constants go into pipeline/align.py (LENGTH_RATIO, LENGTH_VARIANCE). Usage:

    python bench/align_fit.py [TSV]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from align_eval import DEFAULT, load_pairs, split

from pipeline.normalize import to_norm


def lengths(pairs: list[tuple[str, str]]) -> list[tuple[int, int]]:
    return [(sum(not c.isspace() for c in to_norm(z)), sum(not c.isspace() for c in e)) for z, e in pairs]


def fit(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """c = total English over total Chinese length; s2 = the variance of (en - c*zh) / sqrt(zh),
    trimmed of the worst 1% (WMT's few loose translations would otherwise widen it for all)."""
    ls = [(z, e) for z, e in lengths(pairs) if z > 0 and e > 0]
    c = sum(e for _, e in ls) / sum(z for z, _ in ls)
    resid = sorted((e - c * z) ** 2 / z for z, e in ls)
    kept = resid[: int(len(resid) * 0.99)]
    return c, statistics.fmean(kept)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv", nargs="?", default=str(DEFAULT))
    args = ap.parse_args()
    pairs = split(load_pairs(Path(args.tsv)), "tune")
    c, s2 = fit(pairs)
    print(f"{len(pairs)} pairs: LENGTH_RATIO = {c:.3f}  LENGTH_VARIANCE = {s2:.3f}")


if __name__ == "__main__":
    main()
