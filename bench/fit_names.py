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
# Precision to keep on the training folds, which are judged without the list of transliterations.
PRECISION_AIM = float(os.environ.get("ZHEN_NAMES_AIM", "0.86"))

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
        for n in names.find_names(norm, model, t):
            if n.en is None or "某" in n.zh:
                continue
            ok = in_reference(n.en, ref)
            sc.romanized += 1
            sc.right += ok
            sc.gold_romanized += ok and (n.start, n.end) in good
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


def fit(rows: Sequence[tuple[str, str]], tags: Sequence[Tags],
        tables: tuple[dict[str, float], dict[str, float]]) -> names.NameModel:
    """The decision from training lines only.

    A word is a known transliteration when zhen would romanize it and most references of the
    training lines do not have it so. The logistic weights are fitted on the names.candidates that reach the
    model (right: the reference has the romanization); the cutoff is chosen on out-of-fold
    probabilities (four inner folds), as the one that romanizes most gold names while the
    training lines' precision stays at PRECISION_AIM, the list of transliterations left out
    (on the lines it was read from it would remove every wrong romanization)."""
    base = names.NameModel(cutoff=0.0, foreign_odds=tables[0], word_odds=tables[1])
    seen: dict[str, list[int]] = {}  # word -> [romanized rightly, romanized]
    xs: list[tuple[float, ...]] = []
    right: list[bool] = []
    golds: list[bool] = []
    fixed_right = fixed_all = 0
    for (norm, ref), t in zip(rows, tags, strict=True):
        good = gold(norm, ref, t)
        for c in names.candidates(norm, t):
            n = names.decide(c, base)
            if n is None or n.en is None:
                continue
            ok = in_reference(n.en, ref)
            if n.evidence != "the release's own English":
                tally = seen.setdefault(c.word, [0, 0])
                tally[0] += ok
                tally[1] += 1
            settled = names.settled_or_scores(c, base)
            if isinstance(settled, tuple):
                xs.append(settled)
                right.append(ok)
                golds.append(ok and (c.start, c.end) in good)
            else:
                fixed_all += 1
                fixed_right += ok
    known = frozenset(w for w, (ok, n) in seen.items() if ok * 2 < n)
    inner = 4
    size = -(-len(xs) // inner)
    probs: list[float] = []
    for k in range(inner):
        lo, hi = k * size, min(len(xs), (k + 1) * size)
        w = logistic(xs[:lo] + xs[hi:], right[:lo] + right[hi:])
        m = replace(base, weights=w)
        probs += [m.probability(x) for x in xs[lo:hi]]
    order = sorted(range(len(xs)), key=lambda i: -probs[i])
    best_cut, best_gold = 1.01, -1
    n_all, n_right, n_gold = fixed_all, fixed_right, 0
    for i in order:
        n_all += 1
        n_right += right[i]
        n_gold += golds[i]
        if n_right / n_all >= PRECISION_AIM and n_gold > best_gold:
            best_cut, best_gold = probs[i], n_gold
    return replace(base, weights=logistic(xs, right), cutoff=best_cut, transliterations=known)


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
