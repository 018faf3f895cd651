"""The records that flow through the pipeline.

Every stage takes and returns these plain, frozen values; this module imports
nothing of ours so that any stage, test or tool can depend on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal["title", "heading", "paragraph", "turn", "boilerplate"]


@dataclass(frozen=True)
class Source:
    """One input as read: the decoded raw text that all offsets point into."""

    name: str  # file stem used to name outputs ("stdin" for -)
    path: str  # as given by the user ("-" for stdin)
    raw: str
    encoding: str
    sha256: str  # of the bytes read, so provenance names exactly what was translated
    media_type: str = "text/plain"  # text/plain, text/markdown or text/html


@dataclass(frozen=True)
class GlossaryHit:
    """A glossary term found in a segment's normalized text."""

    zh: str
    en: str
    start: int  # offsets into Segment.norm
    end: int
    kind: str = "term"
    status: str = "found"  # found, enforced, missing


@dataclass(frozen=True)
class Fact:
    """One figure in a text (see pipeline.facts).

    value is a number; dates carry year, month and day instead (any of them may be None).
    """

    kind: str  # count, money, percent, points, date, duration, ordinal, number
    value: float | None
    text: str
    start: int
    end: int
    unit: str = ""  # measure word or English unit (起, 名, yuan, month, ...)
    approx: str = ""  # 余 多 近 超 约 / more than, nearly, about ...
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weak: bool = False  # spelled-out small numbers in English ("one of the"): not evidence alone

    def label(self) -> str:
        if self.kind == "date":
            parts = [str(self.year) if self.year else "?", f"{self.month:02d}" if self.month else "?",
                     f"{self.day:02d}" if self.day else "?"]
            return "date " + "-".join(parts)
        v = self.value
        shown = f"{v:,.0f}" if v is not None and float(v).is_integer() else f"{v:,}"
        return f"{self.kind} {shown}{(' ' + self.unit) if self.unit else ''}{' ~' if self.approx else ''}"

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end}
        if self.kind == "date":
            d.update({"year": self.year, "month": self.month, "day": self.day})
        else:
            d["value"] = self.value
        if self.unit:
            d["unit"] = self.unit
        if self.approx:
            d["approx"] = self.approx
        return d


@dataclass(frozen=True)
class FactCheck:
    """A source fact and what became of it in the English."""

    status: str  # matched, missing, changed
    source: Fact
    target: Fact | None = None
    fixed: bool = False

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"status": self.status, "zh": self.source.to_dict()}
        if self.target is not None:
            d["en"] = self.target.to_dict()
        if self.fixed:
            d["fixed"] = True
        return d


@dataclass(frozen=True)
class Block:
    """A line-level unit of the release: title, heading, paragraph, turn or boilerplate."""

    index: int
    kind: BlockKind
    start: int  # offsets into Source.raw
    end: int
    speaker: str | None = None  # as written, e.g. 孫勁峰 or 主持人 郭林
    speaker_en: str | None = None
    labelled: bool = False  # the speaker label is written in this block (not carried over)


@dataclass(frozen=True)
class Segment:
    """One sentence (or sentence piece) of the release: the unit of translation."""

    id: str
    block: int
    kind: BlockKind
    start: int  # raw[start:end] is this segment's raw text (pinyin annotations included, no label)
    end: int
    text: str  # as displayed: own script, pinyin annotations removed
    norm: str  # simplified script, punctuation unified: the model's input
    speaker: str | None = None
    speaker_en: str | None = None
    target: str | None = None
    hits: tuple[GlossaryHit, ...] = ()
    facts: tuple[FactCheck, ...] = ()
    flags: tuple[str, ...] = ()
    speaker_start: int | None = None  # a turn's speaker label in raw (None for other kinds)
    speaker_end: int | None = None

    @property
    def translatable(self) -> bool:
        return self.kind != "boilerplate" and bool(self.norm.strip())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hits"] = [asdict(h) for h in self.hits]
        d["facts"] = [f.to_dict() for f in self.facts]
        d["flags"] = list(self.flags)
        return d


@dataclass(frozen=True)
class Translation:
    """What an engine returns for one input: the English and anything it had to work around."""

    text: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    tool: str
    version: str
    model: str | None
    model_revision: str | None
    engine: str | None
    decoding: dict[str, Any] = field(default_factory=dict)
    input: str | None = None
    input_sha256: str | None = None
    glossary_sha256: str | None = None
    glossary_mode: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # facts mode, token budget, formats, summary
    created: str | None = None


@dataclass(frozen=True)
class Document:
    """A whole release after segmentation (and, later, translation)."""

    source: Source
    blocks: tuple[Block, ...]
    segments: tuple[Segment, ...]
    provenance: Provenance | None = None
    warnings: tuple[str, ...] = ()
    summary: dict[str, Any] | None = None  # the summary record (pipeline.summarize), when one was made
