"""Run the fact checker over human reference translations (WMT18 zh-en) and report.

A human reference is a translation a reader accepts, so every mismatch here is either a
checker that is too strict or a reference that dropped or changed a figure. Usage:

    python bench/facts_eval.py [../shared/eval/wmt18-zh-en.tsv] [--show 20]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.facts import check_pair, extract_zh
from pipeline.normalize import to_norm

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wmt18-zh-en.tsv"


def load_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1]) for r in rows[1:] if len(r) >= 2]


def evaluate(pairs: list[tuple[str, str]]) -> dict[str, object]:
    with_numbers = 0
    ok = 0
    reasons: Counter[str] = Counter()
    failures = []
    for zh, en in pairs:
        norm = to_norm(zh)
        if not extract_zh(norm):
            continue
        with_numbers += 1
        pc = check_pair(norm, en)
        if pc.ok:
            ok += 1
            continue
        for c in pc.checks:
            if c.status != "matched":
                reasons[f"{c.status} {c.source.kind}"] += 1
        failures.append((zh, en, [(c.status, c.source.text, c.target.text if c.target else None)
                                  for c in pc.checks if c.status != "matched"]))
    return {"pairs": len(pairs), "with_numbers": with_numbers, "ok": ok,
            "rate": ok / with_numbers if with_numbers else 0.0, "reasons": reasons, "failures": failures}


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
