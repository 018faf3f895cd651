"""Fit and measure the person-name decision (pipeline.names) on WMT18 zh-en, by cross-validation.

    nice -n 10 python bench/fit_names.py [../shared/eval/wmt18-zh-en.tsv] [--folds 5] [--write]

A romanized name is right when the human reference has it as zhen writes it (spaces, hyphens
and case aside). Two figures per held-out fold, the thresholds and the list of known
transliterations fitted on the other folds only:
- precision: of the names zhen romanizes, the share the reference has as romanized;
- recall: of the jieba `nr` words whose plain pinyin the reference has (393 on WMT18), the
  share zhen romanizes, and romanizes so; precision must not come from abstaining.
Folds are contiguous blocks of lines (WMT18's lines run in document order). --write fits on
all lines and writes pipeline/names_model.json, the model zhen ships.

jieba's tags are cached under ~/.cache/zhen-bench (tagging 4,000 lines takes a minute).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import names  # noqa: E402
from pipeline.normalize import to_norm  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval" / "wmt18-zh-en.tsv"
# Precision to keep on the inner held-out folds of the training lines: the bar (0.90) and a margin.
PRECISION_AIM = float(os.environ.get("ZHEN_NAMES_AIM", "0.91"))

Tags = tuple[tuple[str, str], ...]


def load_rows(path: Path) -> list[tuple[str, str]]:
    """(normalized Chinese, English reference) per line, the header skipped."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        zh, _, en = line.partition("\t")
        rows.append((to_norm(zh), en))
    return rows


def tagged(rows: Sequence[tuple[str, str]]) -> list[Tags]:
    """jieba's tags of every line, from the cache when the same lines were tagged before."""
    key = hashlib.sha256("\n".join(z for z, _ in rows).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zhen-bench" / f"names-pos-{key}.json"
    try:
        return [tuple((w, f) for w, f in line) for line in json.loads(cache.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        pass
    out = [names.pos_tags(z) for z, _ in rows]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def in_reference(en: str, ref: str) -> bool:
    """The romanization in the reference, spaces, hyphens and case aside, on word edges."""
    letters = [c for c in en if c.isalnum()]
    if not letters:
        return False
    pattern = r"(?<![A-Za-z])" + r"[\s\-'’]*".join(map(re.escape, letters)) + r"(?![A-Za-z])"
    return re.search(pattern, ref, re.I) is not None


def plain_pinyin(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(word, style=Style.NORMAL))


def gold(norm: str, ref: str, tags: Tags) -> set[tuple[int, int]]:
    """Spans of the nr words whose plain pinyin the reference has: the names to romanize."""
    out = set()
    pos = 0
    for w, flag in tags:
        s, pos = pos, pos + len(w)
        if flag == "nr" and in_reference(plain_pinyin(w), ref):
            out.add((s, pos))
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class Score:
    romanized: int = 0
    right: int = 0  # romanized and in the reference so
    gold: int = 0
    gold_romanized: int = 0  # gold words romanized, and right

    @property
    def precision(self) -> float:
        return _share(self.right, self.romanized)

    @property
    def recall(self) -> float:
        return _share(self.gold_romanized, self.gold)

    def add(self, other: Score) -> Score:
        return Score(self.romanized + other.romanized, self.right + other.right, self.gold + other.gold,
                     self.gold_romanized + other.gold_romanized)


def evaluate(model: names.NameModel, rows: Sequence[tuple[str, str]], tags: Sequence[Tags]) -> Score:
    sc = Score()
    for (norm, ref), t in zip(rows, tags, strict=True):
        good = gold(norm, ref, t)
        sc.gold += len(good)
        covered: set[tuple[int, int]] = set()
        for n in names.find_names(norm, model, t):
            if n.en is None or "某" in n.zh:
                continue
            ok = in_reference(n.en, ref)
            sc.romanized += 1
            sc.right += ok
            if ok:
                # a gold word is romanized when a right romanization covers it: jieba tags the
                # surname of 记者王轶辰 alone, and zhen's Wang Yichen is that name
                hit = {g for g in good if n.start <= g[0] and g[1] <= n.end} - covered
                sc.gold_romanized += len(hit)
                covered |= hit
    return sc


def logistic(x: list[tuple[float, ...]], y: list[bool], l2: float = 1e-2, steps: int = 400) -> tuple[float, ...]:
    """Weights of a logistic regression (the last feature is the bias), by gradient descent."""
    import numpy as np

    X = np.array(x, dtype=float)
    t = np.array(y, dtype=float)
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        w -= 0.5 * (X.T @ (p - t) / len(t) + l2 * w)
    return tuple(float(v) for v in w)


@dataclass
class Example:
    """A candidate of a training line as the untuned decision sees it."""

    cand: names.Candidate
    right: bool  # romanized by the rule, and the reference has it so
    gold: int  # gold words it covers when right
    x: tuple[float, ...] | None  # features, where the model decides


def examples(rows: Sequence[tuple[str, str]], tags: Sequence[Tags], base: names.NameModel) -> list[Example]:
    """The candidates zhen would romanize without a cutoff or a list of transliterations."""
    out = []
    for (norm, ref), t in zip(rows, tags, strict=True):
        good = gold(norm, ref, t)
        for c in names.candidates(norm, t):
            n = names.decide(c, base)
            if n is None or n.en is None:
                continue
            ok = in_reference(n.en, ref)
            settled = names.settled_or_scores(c, base)
            cover = sum(c.start <= g[0] and g[1] <= c.end for g in good) if ok else 0
            out.append(Example(c, ok, cover, settled if isinstance(settled, tuple) else None))
    return out


def known_transliterations(exs: Sequence[Example]) -> frozenset[str]:
    """Words zhen would romanize that most of their training references do not have so."""
    seen: dict[str, list[int]] = {}
    for e in exs:
        if e.cand.own_english is None:
            tally = seen.setdefault(e.cand.word, [0, 0])
            tally[0] += e.right
            tally[1] += 1
    return frozenset(w for w, (ok, n) in seen.items() if ok * 2 < n)


def _fit_on(exs: Sequence[Example], base: names.NameModel) -> names.NameModel:
    scored = [e for e in exs if e.x is not None]
    w = logistic([e.x for e in scored if e.x is not None], [e.right for e in scored])
    return replace(base, weights=w, transliterations=known_transliterations(exs))


def fit(rows: Sequence[tuple[str, str]], tags: Sequence[Tags],
        tables: tuple[dict[str, float], dict[str, float]]) -> names.NameModel:
    """The decision from training lines only.

    The list of known transliterations and the logistic weights are fitted on the candidates
    that reach the model (right: the reference has the romanization). The cutoff is chosen as the
    outer cross-validation will judge it: on four inner folds of contiguous training lines, each
    judged by a list and weights fitted on the other three, it is the one that romanizes most
    gold names while the inner held-out precision stays at PRECISION_AIM."""
    base = names.NameModel(cutoff=0.0, foreign_odds=tables[0], word_odds=tables[1])
    exs = examples(rows, tags, base)
    inner = 4
    size = -(-len(exs) // inner)
    held: list[tuple[float, Example]] = []  # (probability, or 2 where no model decides; the example)
    for k in range(inner):
        lo, hi = k * size, min(len(exs), (k + 1) * size)
        m = _fit_on(exs[:lo] + exs[hi:], base)
        for e in exs[lo:hi]:
            if e.cand.word in m.transliterations and e.cand.own_english is None:
                continue
            n = names.decide(e.cand, m)
            if n is not None and n.en is not None:
                held.append((m.probability(e.x) if e.x is not None else 2.0, e))
    held.sort(key=lambda pe: -pe[0])
    best_cut, best_gold = 1.01, -1
    n_right = n_gold = 0
    for n_all, (p, e) in enumerate(held, 1):
        n_right += e.right
        n_gold += e.gold
        if p <= 1.0 and n_right / n_all >= PRECISION_AIM and n_gold > best_gold:
            best_cut, best_gold = p, n_gold
    return replace(_fit_on(exs, base), cutoff=best_cut)


def cross_validate(rows: Sequence[tuple[str, str]], tags: Sequence[Tags], folds: int = 5,
                   tables: tuple[dict[str, float], dict[str, float]] | None = None,
                   ) -> list[tuple[names.NameModel, Score]]:
    table = tables if tables is not None else names.char_tables()
    size = -(-len(rows) // folds)
    out = []
    for k in range(folds):
        lo, hi = k * size, min(len(rows), (k + 1) * size)
        train = [i for i in range(len(rows)) if not lo <= i < hi]
        model = fit([rows[i] for i in train], [tags[i] for i in train], table)
        out.append((model, evaluate(model, rows[lo:hi], tags[lo:hi])))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tsv", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--write", action="store_true", help=f"fit on all lines and write {names.MODEL_PATH.name}")
    args = ap.parse_args(argv)
    rows = load_rows(args.tsv)
    tags = tagged(rows)
    table = names.char_tables()
    pooled = Score()
    for k, (model, sc) in enumerate(cross_validate(rows, tags, args.folds, table), 1):
        pooled = pooled.add(sc)
        print(f"fold {k}: precision {sc.precision:.3f} ({sc.right}/{sc.romanized})  recall {sc.recall:.3f} "
              f"({sc.gold_romanized}/{sc.gold})  "
              f"cutoff {model.cutoff:.2f}  "
              f"transliterations known {len(model.transliterations)}")
    print(f"pooled: precision {pooled.precision:.3f} ({pooled.right}/{pooled.romanized})  recall {pooled.recall:.3f} "
          f"({pooled.gold_romanized}/{pooled.gold})")
    if args.write:
        model = fit(rows, tags, table)
        names.MODEL_PATH.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {names.MODEL_PATH} (cutoff {model.cutoff:.2f}, "
              f"{len(model.transliterations)} transliterations)")


if __name__ == "__main__":
    main()
