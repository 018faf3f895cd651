"""What a run tells its caller: per document (batch.DocResult) and for the whole run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .batch import DocResult
from .facts import summarize_checks
from .flow import Context
from .records import Document, PairCheck


@dataclass
class RunReport:
    results: list[DocResult]
    terms: dict[str, int] = field(default_factory=dict)  # found, enforced, missing
    facts: dict[str, int] = field(default_factory=dict)  # facts, matched, changed, missing, fixed
    cache: dict[str, int] = field(default_factory=dict)  # hits, misses
    risk: dict[str, int] = field(default_factory=dict)  # translated segments: ok, check, bad
    seconds: float = 0.0
    not_releases: list[str] = field(default_factory=list)  # files in folders that are not releases (README.md)
    kept_reviewed: int = 0  # reviewed segments whose source was unchanged, kept as the reviewer left them
    warnings: list[str] = field(default_factory=list)  # about the run, not one document (the memory)
    cluster: str | None = None  # where a --cluster run ran (Ray version, address, nodes, actors)

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r.error]

    def tally(self, docs: Sequence[Document], ctx: Context | None, started: float) -> RunReport:
        self.terms = term_counts(docs)
        self.facts = summarize_checks([PairCheck(s.facts, ()) for d in docs for s in d.segments])
        self.risk = risk_counts(docs)
        if ctx is not None:
            self.cache, self.warnings, self.kept_reviewed = ctx.cache, ctx.warnings, ctx.kept_reviewed
        self.seconds = time.perf_counter() - started
        return self


def term_counts(docs: Sequence[Document]) -> dict[str, int]:
    counts = {"found": 0, "enforced": 0, "missing": 0}
    for doc in docs:
        for seg in doc.segments:
            for hit in seg.hits:
                counts[hit.status] = counts.get(hit.status, 0) + 1
    return counts


def risk_counts(docs: Sequence[Document]) -> dict[str, int]:
    counts = {"ok": 0, "check": 0, "bad": 0}
    for doc in docs:
        for seg in doc.segments:
            if seg.risk in counts:
                counts[seg.risk] += 1
    return counts
