"""Run level of `zhen check`: read the pairs (two line-aligned files or a zhen JSONL output),
assess each with every check (pipeline.checks), and return the records. The stages never read
files; this module does, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import assess, low_confidence, risk_of
from ..errors import UsageError
from ..glossary import load_glossary
from ..normalize import to_norm
from ..read import read_source
from ..records import GlossaryHit, PairRisk
from ..write.jsonl import translated_records


@dataclass(frozen=True)
class CheckedPair:
    zh: str  # normalized Chinese, the text zh spans point into
    en: str
    result: PairRisk

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict(self.zh, self.en)


def _hits(rec: dict[str, Any]) -> tuple[GlossaryHit, ...] | None:
    raw = rec.get("hits")
    if not isinstance(raw, list):
        return None
    try:
        return tuple(GlossaryHit(**h) for h in raw)
    except TypeError:
        raise UsageError("a segment's hits are not zhen glossary hits (is this a zhen .jsonl output?)") from None


def read_pairs(output: str | None, zh_file: str | None,
               en_file: str | None) -> list[tuple[int, str, str, tuple[GlossaryHit, ...] | None]]:
    """(line, normalized Chinese, English, recorded glossary hits or None) for each pair."""
    if output and (zh_file or en_file):
        raise UsageError("give either OUTPUT.jsonl or --zh and --en, not both")
    if output:
        return [(no, rec.get("norm") or to_norm(rec.get("text", "")), rec["target"], _hits(rec))
                for no, rec in translated_records(Path(output))]
    if not (zh_file and en_file):
        raise UsageError("give OUTPUT.jsonl, or both --zh FILE and --en FILE")
    zh_lines = read_source(zh_file).raw.splitlines()
    en_lines = read_source(en_file).raw.splitlines()
    if len(zh_lines) != len(en_lines):
        raise UsageError(f"{zh_file} has {len(zh_lines)} lines and {en_file} has {len(en_lines)}; they must align")
    return [(i, to_norm(z), e, None) for i, (z, e) in enumerate(zip(zh_lines, en_lines, strict=True), 1)
            if z.strip() or e.strip()]


def check_files(output: str | None = None, zh_file: str | None = None, en_file: str | None = None,
                glossary: Sequence[str] = (), use_glossary: bool = True,
                min_confidence: float | None = None) -> list[CheckedPair]:
    """Every check on every pair. Line files are checked against the glossary (the default one
    unless files are given); a JSONL output against the glossary hits it records, and, with
    min_confidence, against the model's score of each segment."""
    if min_confidence is not None and not output:
        raise UsageError("only a zhen OUTPUT.jsonl carries the model's scores; line files have none",
                         option="min_confidence")
    pairs = read_pairs(output, zh_file, en_file)
    g = None
    if use_glossary and any(h is None for *_, h in pairs):
        g = load_glossary(glossary)
    scores: dict[int, float] = {}
    if min_confidence is not None and output:
        scores = {no: rec["score"] for no, rec in translated_records(Path(output))
                  if isinstance(rec.get("score"), (int, float))}
    out = []
    for line, zh, en, hits in pairs:
        result = assess(zh, en, line, hits, g)
        unsure = low_confidence(scores.get(line), min_confidence)
        if unsure is not None:
            flags = (*result.flags, unsure)
            result = PairRisk(line, risk_of(flags), flags)
        out.append(CheckedPair(zh, en, result))
    return out


def summary(pairs: Sequence[CheckedPair]) -> dict[str, int]:
    out = {"pairs": len(pairs), "ok": 0, "check": 0, "bad": 0}
    for p in pairs:
        out[p.result.risk] += 1
    return out
