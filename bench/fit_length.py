"""Fit the length model of pipeline.checks.length on human translations, and cross-validate it.

The model and how it is fitted: tests/length_fit.py (tests/test_risk_measure.py refits it per
fold). Usage:

    python bench/fit_length.py [../shared/eval/wmt18-zh-en.tsv] [--folds 5]

prints the constants to paste into pipeline/checks/length.py and the cross-validated rates:
the share of held-out human references flagged, and the share of held-out pairs caught when
40% of their English words are dropped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from length_fit import DEFAULT, cross_validate, fit, load_pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv", nargs="?", default=str(DEFAULT))
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    pairs = load_pairs(Path(args.tsv))
    m = fit(pairs)
    print(f"CHARS = {tuple(round(v, 4) for v in m.chars)}")
    print(f"WORDS = {tuple(round(v, 4) for v in m.words)}")
    print(f"OMISSION = {tuple(round(v, 4) for v in m.omission)}")
    print(f"OMISSION_AT = {m.omission_at:.3f}")
    print(f"ADDITION_Z = {m.addition_z:.3f}")
    for i, (flagged, added, caught) in enumerate(cross_validate(pairs, args.folds)):
        print(f"fold {i}: held-out references flagged {flagged:.1%} (addition {added:.1%}), "
              f"40% of the English dropped caught {caught:.1%}")


if __name__ == "__main__":
    main()
