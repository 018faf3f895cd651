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

    python bench/fit_length.py [../shared/eval/wmt18-zh-en.tsv] [--folds 5]

prints the constants to paste into pipeline/checks/length.py and the cross-validated rates:
the share of held-out human references flagged, and the share of held-out pairs caught when
40% of their English words are dropped. The fit itself is tests/length_fit.py (which
tests/test_risk_measure.py refits per fold).
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
