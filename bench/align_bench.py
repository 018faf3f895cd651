"""The aligner's benchmark: documents built from line-aligned sentence pairs with known gold links.

WMT18 zh-en is line-aligned. Runs of 20-40 consecutive pairs become a document pair; in each,
10% of the pairs are merged with their neighbour on one side (a 2-1 or 1-2 link) and 5% of
the sentences are deleted on one side (the other side's sentence then has no partner). The
aligner sees only the two sentence lists; its links are scored against the gold ones.

The first half of the file is for tuning (and fitting the length model, bench/align_fit.py);
the second half is held out and only measured. Usage:

    python bench/align_bench.py [TSV] [--part tune|held|all] [--seed N] [--show N]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.corpus.align import AlignParams, align_sentences

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wmt18-zh-en.tsv"

Bead = tuple[tuple[int, ...], tuple[int, ...]]


def load_pairs(path: Path = DEFAULT) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0].strip(), r[1].strip()) for r in rows[1:] if len(r) >= 2 and r[0].strip() and r[1].strip()]


def split(pairs: Sequence[tuple[str, str]], part: str) -> list[tuple[str, str]]:
    """tune: the first half; held: the second half (never looked at while tuning); all."""
    half = len(pairs) // 2
    return list({"tune": pairs[:half], "held": pairs[half:], "all": pairs}[part])


@dataclass(frozen=True)
class DocPair:
    zh: list[str]
    en: list[str]
    gold: list[Bead]  # every link, 1-0 and 0-1 included


def build_documents(pairs: Sequence[tuple[str, str]], seed: int = 18, min_len: int = 20, max_len: int = 40,
                    merge_rate: float = 0.10, delete_rate: float = 0.05) -> list[DocPair]:
    """Cut pairs into documents and damage them in a controlled, reproducible way."""
    rng = random.Random(seed)
    docs: list[DocPair] = []
    i = 0
    while i < len(pairs):
        n = rng.randint(min_len, max_len)
        chunk = list(pairs[i:i + n])
        i += n
        if len(chunk) < 2:
            break
        docs.append(_damage(chunk, rng, merge_rate, delete_rate))
    return docs


def _damage(chunk: list[tuple[str, str]], rng: random.Random, merge_rate: float, delete_rate: float) -> DocPair:
    # Each unit: (zh sentences, en sentences) that become one gold link.
    units: list[tuple[list[str], list[str]]] = []
    k = 0
    while k < len(chunk):
        zh, en = chunk[k]
        r = rng.random()
        if r < merge_rate and k + 1 < len(chunk):
            # Two pairs become one link: one side keeps two sentences, the other joins them into one.
            zh2, en2 = chunk[k + 1]
            if rng.random() < 0.5:
                units.append(([zh + zh2], [en, en2]))  # 1-2
            else:
                units.append(([zh, zh2], [en + " " + en2]))  # 2-1
            k += 2
            continue
        if r < merge_rate + delete_rate:
            units.append(([zh], []) if rng.random() < 0.5 else ([], [en]))
        else:
            units.append(([zh], [en]))
        k += 1
    zh_out: list[str] = []
    en_out: list[str] = []
    gold: list[Bead] = []
    for zs, es in units:
        zi = tuple(range(len(zh_out), len(zh_out) + len(zs)))
        ei = tuple(range(len(en_out), len(en_out) + len(es)))
        zh_out.extend(zs)
        en_out.extend(es)
        gold.append((zi, ei))
    return DocPair(zh_out, en_out, gold)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    pair_precision: float  # over sentence-to-sentence links (a 2-1 link is two of them)
    pair_recall: float
    pair_f1: float
    links: int


def _f(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: Sequence[Sequence[Bead]], gold: Sequence[Sequence[Bead]]) -> Score:
    """Strict link scores (a link counts only if both its sides are exactly right) and lax ones over
    sentence pairs. Links with an empty side (deletions) are not links: they are left out, as in
    vecalign's scoring, but an aligner that wrongly pairs a deleted sentence loses precision."""
    tp = np_ = ng = 0
    ptp = pnp = png = 0
    for pred, gd in zip(predicted, gold, strict=True):
        p = {b for b in pred if b[0] and b[1]}
        g = {b for b in gd if b[0] and b[1]}
        tp += len(p & g)
        np_ += len(p)
        ng += len(g)
        pp = {(z, e) for zs, es in p for z in zs for e in es}
        gp = {(z, e) for zs, es in g for z in zs for e in es}
        ptp += len(pp & gp)
        pnp += len(pp)
        png += len(gp)
    pr, rc = tp / max(np_, 1), tp / max(ng, 1)
    ppr, prc = ptp / max(pnp, 1), ptp / max(png, 1)
    return Score(pr, rc, _f(pr, rc), ppr, prc, _f(ppr, prc), ng)


def run(docs: Sequence[DocPair], params: AlignParams | None = None) -> tuple[Score, list[list[Bead]]]:
    preds = []
    for d in docs:
        beads = align_sentences(d.zh, d.en, params=params)
        preds.append([(b.zh, b.en) for b in beads])
    return score(preds, [d.gold for d in docs]), preds


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
