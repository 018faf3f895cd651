"""The paragraph-anchored aligner's benchmark (how the documents are built and scored:
tests/align_para_eval.py). Usage:

    nice -n 10 python bench/align_para_bench.py [TSV] [--pairs N] [--folds K] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from align_para_eval import (
    DEFAULT,
    anchored,
    build_archive,
    cross_validate,
    describe,
    f1,
    grid,
    load_pairs,
    prepare,
    unit_counts,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv", nargs="?", default=str(DEFAULT))
    ap.add_argument("--pairs", type=int, default=0, help="use the first N pairs (0: all)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=30)
    args = ap.parse_args()
    pairs = load_pairs(Path(args.tsv))
    pairs = pairs[:args.pairs] if args.pairs else pairs
    t0 = time.perf_counter()
    docs = build_archive(pairs, seed=args.seed)
    preps = [prepare(d) for d in docs]
    t1 = time.perf_counter()
    cands = grid()
    per = [[unit_counts(anchored(p, c), p) for p in preps] for c in cands]
    folds, pooled, base = cross_validate(preps, cands, args.folds, per)
    gold = sum(unit_counts([], p)[2] for p in preps)
    print(f"{len(pairs)} pairs -> {len(docs)} documents, {gold} gold units with both sides; "
          f"{len(cands)} candidates; features {t1 - t0:.0f} s, fits {time.perf_counter() - t1:.0f} s")
    for fd in folds:
        print(f"fold {fd.fold}: {fd.documents} documents; chosen {describe(fd.chosen)}; link F1 {fd.f1:.4f} "
              f"(P {fd.precision:.4f} R {fd.recall:.4f}); flat aligner {fd.flat_f1:.4f}")
    print(f"pooled held-out: link F1 {pooled[0]:.4f} (P {pooled[1]:.4f} R {pooled[2]:.4f}); "
          f"flat aligner F1 {base[0]:.4f} (P {base[1]:.4f} R {base[2]:.4f})")
    print("in-sample F1 of every candidate on all documents (how the defaults were set, not a result):")
    for c, counts in zip(cands, per, strict=True):
        print(f"  {describe(c)}: {f1(counts)[0]:.4f}")


if __name__ == "__main__":
    main()
