"""The progress of a run, counted in sentences: one release is 0 to 100% sentence by sentence,
not one step from 0 to 100% when its only document is done.

A run learns how many sentences a chunk of documents has only when the chunk is segmented,
just before it is translated. The total is therefore the sentences of the chunks known so far
plus, for the chunks still to come, their characters at the sentences-per-character rate seen so
far: exact for a run of one chunk (most runs), an estimate that settles as a long batch goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .records import Document
from .translate import ProgressFactory


class SentenceProgress:
    """The run's one bar. `chunk` is the translate stage's progress factory (Context.progress):
    each chunk's sentences join the total and are counted as the engine translates them. A
    cluster run translates on its nodes, so there a document counts its sentences when it is back."""

    def __init__(self, factory: ProgressFactory, chunk_chars: Sequence[int], documents: int) -> None:
        self.factory = factory
        self.pending = list(chunk_chars)  # characters of the chunks not segmented yet, in order
        self.total_chars = sum(chunk_chars)
        self.known_chars = 0
        self.known = 0  # sentences of the chunks (or documents) seen so far
        self.counted = 0
        self.documents = documents
        self.finished_documents = 0
        self.by_chunk = False  # the translate stage reports sentence by sentence (a local run)
        self.bar: Any = None

    def chunk(self, sentences: int, _label: str = "") -> _ChunkBar:
        self.by_chunk = True
        self._learn(sentences, self.pending.pop(0) if self.pending else 0)
        return _ChunkBar(self)

    def document(self, doc: Document) -> None:
        """A document written: the count of documents beside the bar, and on a cluster its sentences."""
        self.finished_documents += 1
        if not self.by_chunk:
            n = sum(1 for s in doc.segments if s.translatable)
            self._learn(n, len(doc.source.raw))
            self.update(n)
        if self.bar is not None and hasattr(self.bar, "info"):
            plural = "s" if self.documents != 1 else ""
            self.bar.info = f"{self.finished_documents} of {self.documents} document{plural}"

    def update(self, n: int) -> None:
        self.counted += n
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        if self.bar is not None and hasattr(self.bar, "finish"):
            self.bar.finish()

    def _learn(self, sentences: int, chars: int) -> None:
        self.known += sentences
        self.known_chars += chars
        rest = max(0, self.total_chars - self.known_chars)
        total = self.known + (round(rest * self.known / self.known_chars) if self.known_chars else 0)
        total = max(total, self.counted)
        if self.bar is None:
            self.bar = self.factory(total, "Translating")
        elif hasattr(self.bar, "resize"):
            self.bar.resize(total)


class _ChunkBar:
    """What the translate stage updates for one chunk: the run's bar (which the stage must not finish)."""

    def __init__(self, run: SentenceProgress) -> None:
        self.run = run

    def update(self, n: int) -> None:
        self.run.update(n)
