"""The aligner's benchmark: its scores and speed on documents built from WMT18 with known gold
links (tests/align_eval.py builds and scores them; tests/test_align.py holds the floors). Usage:

    python bench/align_bench.py [TSV] [--part tune|held|all] [--seed N] [--show N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from align_eval import DEFAULT, build_documents, load_pairs, run, split

from pipeline.corpus.align import align_sentences


def warm_up() -> None:
    """Load jieba's dictionary and CC-CEDICT once (what a long-running process pays once)."""
    align_sentences(["公安部召开新闻发布会。"], ["The ministry held a press conference."])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv", nargs="?", default=str(DEFAULT))
    ap.add_argument("--part", choices=["tune", "held", "all"], default="held")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--show", type=int, default=0, help="print this many wrong links")
    args = ap.parse_args()
    pairs = split(load_pairs(Path(args.tsv)), args.part)
    docs = build_documents(pairs, seed=args.seed)
    w0, c0 = time.perf_counter(), time.process_time()
    warm_up()
    load_wall, load_cpu = time.perf_counter() - w0, time.process_time() - c0
    s, preds = run(docs)
    print(f"{args.part}: {len(docs)} documents, {s.links} gold links; strict P {s.precision:.4f} R {s.recall:.4f} "
          f"F1 {s.f1:.4f}; sentence pairs P {s.pair_precision:.4f} R {s.pair_recall:.4f} F1 {s.pair_f1:.4f}")
    timed = build_documents(pairs[:1000], seed=args.seed)
    w0, c0 = time.perf_counter(), time.process_time()
    run(timed)
    print(f"1,000 sentence pairs ({len(timed)} documents): {time.perf_counter() - w0:.2f} s wall, "
          f"{time.process_time() - c0:.2f} s CPU; loading jieba and CC-CEDICT first: {load_wall:.2f} s wall, "
          f"{load_cpu:.2f} s CPU")
    shown = 0
    for d, pred in zip(docs, preds, strict=True):
        wrong = [b for b in pred if b not in set(d.gold)]
        for zs, es in wrong:
            if shown >= args.show:
                return
            shown += 1
            gold = [g for g in d.gold if set(g[0]) & set(zs) or set(g[1]) & set(es)]
            print(f"--- predicted {zs}-{es}, gold {gold}")
            for z in zs:
                print("  zh:", d.zh[z][:100])
            for e in es:
                print("  en:", d.en[e][:100])


if __name__ == "__main__":
    main()
