"""Score segmentation against annotated pages (structure conventions, last section).

An annotated page is a pair `NN.txt` + `NN.expected.json`; the JSON is a list of blocks
`{"kind", "speaker", "sentences"}` in document order. Three figures come out:

- sentence F1: annotated and produced sentences compared as whitespace-free strings after
  the same cleaning (pinyin annotations and zero-width characters removed on both sides);
- block-kind accuracy: over the annotated sentences that were also produced, the share
  whose segment has the annotated kind;
- speaker accuracy: over the annotated `turn` sentences, the share whose segment names
  the same speaker (like kind accuracy, over the annotated turn sentences also produced).

Sentences are paired by a longest common subsequence, in document order, so that a line
printed twice (a title and its boilerplate copy) pairs each copy with its own place.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..normalize import clean
from ..read import read_source
from ..records import Document
from ..segment import segment

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Unit:
    """One sentence with the kind and speaker of its block: what is compared."""

    text: str
    kind: str
    speaker: str | None = None


@dataclass(frozen=True)
class FileScore:
    name: str
    gold: int  # annotated sentences
    predicted: int  # produced sentences
    matched: int
    kind_correct: int
    turns: int  # annotated turn sentences that were produced
    speaker_correct: int
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (annotated, produced) kind -> count
    speaker_errors: tuple[tuple[str, str], ...] = ()  # (annotated, produced) per wrong turn sentence

    @property
    def f1(self) -> float:
        return _f1(self.matched, self.gold, self.predicted)

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.matched if self.matched else 1.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_correct / self.turns if self.turns else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.name, "sentence_f1": round(self.f1, 4), "kind_accuracy": round(self.kind_accuracy, 4),
            "speaker_accuracy": round(self.speaker_accuracy, 4) if self.turns else None,
            "sentences": self.gold, "produced": self.predicted, "matched": self.matched, "turn_sentences": self.turns,
        }


@dataclass(frozen=True)
class ScoreReport:
    files: tuple[FileScore, ...]

    @property
    def gold(self) -> int:
        return sum(f.gold for f in self.files)

    @property
    def predicted(self) -> int:
        return sum(f.predicted for f in self.files)

    @property
    def matched(self) -> int:
        return sum(f.matched for f in self.files)

    @property
    def turns(self) -> int:
        return sum(f.turns for f in self.files)

    @property
    def f1(self) -> float:
        return _f1(self.matched, self.gold, self.predicted)

    @property
    def kind_accuracy(self) -> float:
        m = self.matched
        return sum(f.kind_correct for f in self.files) / m if m else 1.0

    @property
    def speaker_accuracy(self) -> float:
        t = self.turns
        return sum(f.speaker_correct for f in self.files) / t if t else 1.0

    @property
    def confusion(self) -> dict[tuple[str, str], int]:
        total: Counter[tuple[str, str]] = Counter()
        for f in self.files:
            total.update(f.confusion)
        return dict(total)

    def to_dict(self) -> dict[str, Any]:
        errors = sorted(((g, p, n) for (g, p), n in self.confusion.items() if g != p), key=lambda x: -x[2])
        return {
            "sentence_f1": round(self.f1, 4), "kind_accuracy": round(self.kind_accuracy, 4),
            "speaker_accuracy": round(self.speaker_accuracy, 4),
            "sentences": self.gold, "produced": self.predicted, "matched": self.matched, "turn_sentences": self.turns,
            "kind_errors": [{"annotated": g, "produced": p, "count": n} for g, p, n in errors],
            "files": [f.to_dict() for f in self.files],
        }

    def format_text(self) -> str:
        lines = [f"{'file':<24} {'F1':>6} {'kind':>6} {'speaker':>8}  sentences"]
        for f in self.files:
            spk = f"{f.speaker_accuracy:8.3f}" if f.turns else f"{'-':>8}"
            lines.append(f"{f.name:<24} {f.f1:6.3f} {f.kind_accuracy:6.3f} {spk}  {f.gold}")
        lines.append(f"{'overall':<24} {self.f1:6.3f} {self.kind_accuracy:6.3f} {self.speaker_accuracy:8.3f}  "
                     f"{self.gold} ({self.turns} in turns)")
        errors = sorted(((g, p, n) for (g, p), n in self.confusion.items() if g != p), key=lambda x: -x[2])
        if errors:
            lines.append("kind errors (annotated -> produced): "
                         + ", ".join(f"{g}->{p} {n}" for g, p, n in errors))
        return "\n".join(lines)


def _f1(matched: int, gold: int, predicted: int) -> float:
    if not gold and not predicted:
        return 1.0
    if not matched:
        return 0.0
    p, r = matched / predicted, matched / gold
    return 2 * p * r / (p + r)


def comparable(text: str) -> str:
    """The form two sentences (or speakers) are compared in: cleaned, whitespace removed."""
    return _WS.sub("", clean(text).text)


def gold_units(blocks: Iterable[dict[str, Any]]) -> list[Unit]:
    """Annotated blocks as a flat list of sentence units."""
    out: list[Unit] = []
    for b in blocks:
        for s in b.get("sentences") or []:
            out.append(Unit(str(s), str(b.get("kind")), b.get("speaker")))
    return out


def document_units(doc: Document) -> list[Unit]:
    return [Unit(s.text, s.kind, s.speaker) for s in doc.segments]


def score_units(name: str, gold: Sequence[Unit], predicted: Sequence[Unit]) -> FileScore:
    """Compare one page's annotated units with the produced ones."""
    g = [comparable(u.text) for u in gold]
    p = [comparable(u.text) for u in predicted]
    pairs = _lcs_pairs(g, p)
    confusion: Counter[tuple[str, str]] = Counter()
    kind_ok = 0
    for gi, pi in pairs:
        confusion[(gold[gi].kind, predicted[pi].kind)] += 1
        kind_ok += gold[gi].kind == predicted[pi].kind
    turns = 0
    spk_ok = 0
    spk_errors: list[tuple[str, str]] = []
    for gi, pi in pairs:
        unit = gold[gi]
        if unit.kind != "turn":
            continue
        turns += 1
        said = predicted[pi].speaker
        if said is not None and unit.speaker is not None and comparable(said) == comparable(unit.speaker):
            spk_ok += 1
        else:
            spk_errors.append((unit.speaker or "", said or ""))
    return FileScore(name, len(gold), len(predicted), len(pairs), kind_ok, turns, spk_ok,
                     dict(confusion), tuple(spk_errors))


def _lcs_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of a and b (pages are short: O(n*m) is fine)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j]:
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def annotated_pairs(path: Path) -> list[tuple[Path, Path]]:
    """The (text, annotation) pairs of a folder, in name order; InputError when there are none."""
    if not path.is_dir():
        raise InputError(f"{path}: not a folder of annotated pages")
    pairs = []
    for ann in sorted(path.glob("*.expected.json")):
        txt = ann.with_name(ann.name[: -len(".expected.json")] + ".txt")
        if txt.is_file():
            pairs.append((txt, ann))
    if not pairs:
        raise InputError(f"{path}: no NN.txt + NN.expected.json pairs to score")
    return pairs


def load_annotation(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable annotation ({exc})") from exc
    if not isinstance(data, list) or not all(isinstance(b, dict) for b in data):
        raise InputError(f"{path}: an annotation is a JSON list of blocks")
    return data


def score_dir(path: str | Path, budget: int | None = None) -> ScoreReport:
    """Segment every annotated page of a folder and score it.

    budget is the token budget for sentence pieces; by default none applies, since the
    conventions' sentences are compared, not the model's input pieces.
    """
    files = []
    for txt, ann in annotated_pairs(Path(path)):
        doc = segment(read_source(str(txt)), budget=budget or 10**9)
        files.append(score_units(txt.name, gold_units(load_annotation(ann)), document_units(doc)))
    return ScoreReport(tuple(files))


__all__ = ["FileScore", "ScoreReport", "Unit", "comparable", "document_units", "gold_units", "score_dir",
           "score_units"]
