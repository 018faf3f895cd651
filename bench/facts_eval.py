"""Run the fact checker over human reference translations (WMT18 zh-en) and report.

A human reference is a translation a reader accepts, so every mismatch here is either a
checker that is too strict or a reference that dropped or changed a figure. Usage:

    python bench/facts_eval.py [../shared/eval/wmt18-zh-en.tsv] [--show 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from facts_rate import DEFAULT, evaluate, load_pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv", nargs="?", default=str(DEFAULT))
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    r = evaluate(load_pairs(Path(args.tsv)))
    print(f"pairs {r['pairs']}, with numbers {r['with_numbers']}, fully matched {r['ok']} "
          f"({r['rate']:.1%})")
    for reason, n in r["reasons"].most_common(12):  # type: ignore[attr-defined]
        print(f"  {n:5d}  {reason}")
    for zh, en, bad in r["failures"][: args.show]:  # type: ignore[index]
        print("-" * 60)
        print(zh)
        print(en)
        print(bad)


if __name__ == "__main__":
    main()
