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

from pipeline.names import (  # noqa: E402
    MODEL_PATH,
    NameModel,
    candidates,
    char_tables,
    decide,
    find_names,
    pos_tags,
    settled_or_scores,
)
from pipeline.normalize import to_norm  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval" / "wmt18-zh-en.tsv"
# Precision to keep on the training folds, which are judged without the list of transliterations.
PRECISION_AIM = float(os.environ.get("ZHEN_NAMES_AIM", "0.86"))
GRID = [x / 4 for x in range(-12, 17)]
BONUS = (0.0, 0.5, 1.0, 2.0)

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
    out = [pos_tags(z) for z, _ in rows]
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


@dataclass
class Score:
    romanized: int = 0
    right: int = 0  # romanized and in the reference so
    gold: int = 0
    gold_romanized: int = 0  # gold words romanized, and right

    @property
    def precision(self) -> float:
        return self.right / self.romanized if self.romanized else 0.0

    @property
    def recall(self) -> float:
        return self.gold_romanized / self.gold if self.gold else 0.0

    def add(self, other: Score) -> Score:
        return Score(self.romanized + other.romanized, self.right + other.right, self.gold + other.gold,
                     self.gold_romanized + other.gold_romanized)


def evaluate(model: NameModel, rows: Sequence[tuple[str, str]], tags: Sequence[Tags]) -> Score:
    sc = Score()
    for (norm, ref), t in zip(rows, tags, strict=True):
        good = gold(norm, ref, t)
        sc.gold += len(good)
        for n in find_names(norm, model, t):
            if n.en is None or "某" in n.zh:
                continue
            ok = in_reference(n.en, ref)
            sc.romanized += 1
            sc.right += ok
            sc.gold_romanized += ok and (n.start, n.end) in good
    return sc


def fit(rows: Sequence[tuple[str, str]], tags: Sequence[Tags],
        tables: tuple[dict[str, float], dict[str, float]]) -> NameModel:
    """Transliterations and thresholds from training lines only.

    A word is a known transliteration when zhen would romanize it and no reference of the
    training lines has it so. The thresholds then maximize the names romanized rightly while
    the training lines' precision stays at PRECISION_AIM."""
    open_model = NameModel(foreign_limit=99.0, word_limit=99.0, context_bonus=0.0, foreign_odds=tables[0],
                           word_odds=tables[1])
    seen: dict[str, bool] = {}
    for (norm, ref), t in zip(rows, tags, strict=True):
        for c in candidates(norm, t):
            n = decide(c, open_model)
            if n is not None and n.en is not None and n.evidence != "the release's own English":
                seen[c.word] = seen.get(c.word, False) or in_reference(n.en, ref)
    known = frozenset(w for w, ok in seen.items() if not ok)
    # The thresholds are chosen without that list: on the lines it was read from it would remove
    # every wrong romanization, which held-out text does not do (its names are mostly new).
    base = open_model
    scored: list[tuple[float, float, bool, bool, bool]] = []  # foreign, word, context, right, gold
    fixed_right = fixed_all = 0
    for (norm, ref), t in zip(rows, tags, strict=True):
        good = gold(norm, ref, t)
        for c in candidates(norm, t):
            n = decide(c, base)
            if n is None or n.en is None:
                continue
            ok = in_reference(n.en, ref)
            settled = settled_or_scores(c, base)
            if isinstance(settled, tuple):
                scored.append((settled[0], settled[1], c.context, ok, ok and (c.start, c.end) in good))
            else:
                fixed_all += 1
                fixed_right += ok
    best = (-1, GRID[0], GRID[0], 0.0)  # nothing reaches the aim: the strictest
    for fl in GRID:
        for wl in GRID:
            for bonus in BONUS:
                chosen = [(r, g) for f, w, ctx, r, g in scored
                          if f <= fl + (bonus if ctx else 0.0) and w <= wl + (bonus if ctx else 0.0)]
                n_all = fixed_all + len(chosen)
                right = fixed_right + sum(r for r, _ in chosen)
                if n_all and right / n_all >= PRECISION_AIM:
                    got = sum(g for _, g in chosen)
                    if got > best[0]:
                        best = (got, fl, wl, bonus)
    return replace(base, foreign_limit=best[1], word_limit=best[2], context_bonus=best[3], transliterations=known)


def cross_validate(rows: Sequence[tuple[str, str]], tags: Sequence[Tags], folds: int = 5,
                   tables: tuple[dict[str, float], dict[str, float]] | None = None) -> list[tuple[NameModel, Score]]:
    table = tables if tables is not None else char_tables()
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
    ap.add_argument("--write", action="store_true", help=f"fit on all lines and write {MODEL_PATH.name}")
    args = ap.parse_args(argv)
    rows = load_rows(args.tsv)
    tags = tagged(rows)
    table = char_tables()
    pooled = Score()
    for k, (model, sc) in enumerate(cross_validate(rows, tags, args.folds, table), 1):
        pooled = pooled.add(sc)
        print(f"fold {k}: precision {sc.precision:.3f} ({sc.right}/{sc.romanized})  recall {sc.recall:.3f} "
              f"({sc.gold_romanized}/{sc.gold})  "
              f"limits {model.foreign_limit:+.2f}/{model.word_limit:+.2f}+{model.context_bonus:.1f}  "
              f"transliterations known {len(model.transliterations)}")
    print(f"pooled: precision {pooled.precision:.3f} ({pooled.right}/{pooled.romanized})  recall {pooled.recall:.3f} "
          f"({pooled.gold_romanized}/{pooled.gold})")
    if args.write:
        model = fit(rows, tags, table)
        MODEL_PATH.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {MODEL_PATH} (limits {model.foreign_limit:+.2f}/{model.word_limit:+.2f}"
              f"+{model.context_bonus:.1f}, "
              f"{len(model.transliterations)} transliterations)")


if __name__ == "__main__":
    main()
