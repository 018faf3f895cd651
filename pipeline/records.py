"""The records that flow through the pipeline.

Every stage takes and returns these plain, frozen values; this module imports
nothing of ours so that any stage, test or tool can depend on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


def iso_date(value: str) -> str:
    """A date as YYYY-MM-DD, kept as typed (an option's type: a bad one is a usage error)."""
    dt.date.fromisoformat(value)
    return value


def cli_field(default: Any, help: str, **cli: Any) -> Any:
    """A field described once: its help (and how it reads on the command line: flag, choices by
    the name of their table, a minimum, an environment variable) travel in the field's metadata,
    from which pipeline.cli builds the option. Records stay plain: nothing here imports click."""
    return field(default=default, metadata={"help": help, **cli})


BlockKind = Literal["title", "heading", "paragraph", "turn", "boilerplate"]

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-zh-en"
DEFAULT_SUMMARY_MODEL = "sshleifer/distilbart-cnn-12-6"


@dataclass(frozen=True)
class Source:
    """One input as read: the decoded raw text that all offsets point into."""

    name: str  # file stem used to name outputs ("stdin" for -)
    path: str  # as given by the user ("-" for stdin)
    raw: str
    encoding: str
    sha256: str  # of the bytes read, so provenance names exactly what was translated
    media_type: str = "text/plain"  # text/plain, text/markdown, text/html, application/pdf or the .docx type
    warnings: tuple[str, ...] = ()  # what reading changed (separators, control characters)
    # What a structured input fixes for certain, as (start, end, kind) spans of raw: Word's Title
    # and Heading styles, its page headers and footers (boilerplate), a PDF's headlines by their
    # type ("display": title or heading, the structure recognizer says which).
    layout: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class GlossaryHit:
    """A glossary term found in a segment's normalized text."""

    zh: str
    en: str
    start: int  # offsets into Segment.norm
    end: int
    kind: str = "term"
    status: str = "found"  # found, enforced, missing
    # For a term whose rendering changed over time (Term.earlier): which rendering applied and
    # why, for the reviewer ("" for terms with one rendering).
    dated: str = ""
    accepted: tuple[str, ...] = ()  # other English the term check accepts (Term.accepted)

    def __post_init__(self) -> None:
        if not isinstance(self.accepted, tuple):  # read back from JSON as a list
            object.__setattr__(self, "accepted", tuple(self.accepted))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not self.accepted:
            del d["accepted"]  # most terms list none: their records read as before
        return d


@dataclass(frozen=True)
class Name:
    """A person's name found in a segment's normalized text (pipeline.names).

    kind: person (romanized by rule, or as the term base or the release itself writes it),
    place (a place jieba took for a name, in the pinyin CC-CEDICT gives it), foreign (a
    transliteration: its English is left to the model and the glossary) or regional (a Hong
    Kong, Macao or Taiwan name, whose romanization pinyin does not give: the glossary's).
    en is None where zhen does not decide the English."""

    zh: str
    en: str | None
    kind: str
    start: int  # offsets into Segment.norm
    end: int
    evidence: str = ""  # why zhen reads it so, for the reviewer
    status: str = ""  # after translation: enforced, found or missing (names with an English only)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"zh": self.zh, "en": self.en, "kind": self.kind, "start": self.start, "end": self.end}
        if self.evidence:
            d["evidence"] = self.evidence
        if self.status:
            d["status"] = self.status
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Name:
        return cls(d["zh"], d.get("en"), d.get("kind", "person"), int(d["start"]), int(d["end"]),
                   d.get("evidence", ""), d.get("status", ""))


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
class PairCheck:
    """The figures of one Chinese/English pair, checked against each other."""

    checks: tuple[FactCheck, ...]
    extra: tuple[Fact, ...]  # English figures with no source (ignored for status; see facts.unsupported)

    @property
    def ok(self) -> bool:
        return all(c.status == "matched" for c in self.checks)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "mismatch"


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
class Review:
    """What a reviewer did to a segment, as read from their XLIFF or TMX: kept so that a later
    run or a new XLIFF loses none of it."""

    state: str | None = None  # the XLIFF target state (translated, final, signed-off, ...)
    notes: tuple[str, ...] = ()  # the reviewer's own notes (zhen's generated notes excluded)
    by: str | None = None  # who, where the file says (XLIFF phase contact, TMX changeid)
    at: str | None = None  # when, where the file says

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "notes": list(self.notes), "by": self.by, "at": self.at}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Review:
        return cls(d.get("state"), tuple(d.get("notes") or ()), d.get("by"), d.get("at"))


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
    score: float | None = None  # the engine's confidence (Translation.score)
    risk: str | None = None  # ok, check or bad (pipeline.checks), once translated
    checks: tuple[Flag, ...] = ()  # what the risk rests on, each with a reason for the reviewer
    matches: tuple[FuzzyMatch, ...] = ()  # human translations of similar sentences (the memory's)
    review: Review | None = None  # set when the English is a reviewer's (flag "reviewed")
    names: tuple[Name, ...] = ()  # person names in norm (pipeline.names); outputs before them have none

    @property
    def reviewed(self) -> bool:
        return "reviewed" in self.flags

    @property
    def translatable(self) -> bool:
        # Source and date lines ("dateline") are page furniture that a reader of the English still needs.
        return (self.kind != "boilerplate" or "dateline" in self.flags) and bool(self.norm.strip())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hits"] = [h.to_dict() for h in self.hits]
        d["facts"] = [f.to_dict() for f in self.facts]
        d["flags"] = list(self.flags)
        d["checks"] = [c.to_dict(self.norm, self.target or "") for c in self.checks]
        if not self.matches:
            del d["matches"]  # most segments have none: their records read as before
        if self.names:
            d["names"] = [n.to_dict() for n in self.names]
        else:
            del d["names"]  # records without names read exactly as before
        if self.review is None:
            del d["review"]  # machine segments read exactly as before
        else:
            d["review"] = self.review.to_dict()
        return d


@dataclass(frozen=True)
class ReviewedUnit:
    """One unit of a reviewed XLIFF or TMX, as read (merge checks it against the release)."""

    id: str
    target: str
    source: str | None = None  # the unit's Chinese as the file has it
    document: str | None = None  # the release the unit says it belongs to (resname, x-document)
    review: Review = field(default_factory=Review)


@dataclass(frozen=True)
class ReviewedFile:
    """A reviewed XLIFF or TMX, as read: its units in file order (duplicates kept, for merge to refuse)."""

    kind: str  # xliff or tmx
    units: tuple[ReviewedUnit, ...]
    checksum: str | None = None  # the release's input checksum, where the file names it
    document: str | None = None  # the release's name, where the file names it


@dataclass(frozen=True)
class FuzzyMatch:
    """A human translation of a similar sentence, offered to the reviewer (never applied)."""

    source: str  # the remembered Chinese (normalized)
    target: str  # its human English
    similarity: float  # 0..1, of the two Chinese sentences
    origin: str = ""  # where the translation came from (an imported file, a merge, an approval)


# What `zhen segment` shows of a segment, in this order.
SEGMENT_VIEW = ("id", "block", "kind", "speaker", "speaker_en", "start", "end", "speaker_start", "speaker_end",
                "text", "norm", "flags")


@dataclass(frozen=True)
class Translation:
    """What an engine returns for one input: the English and anything it had to work around."""

    text: str
    flags: tuple[str, ...] = ()
    # The model's mean log-probability per token of this English (None: not from a model, or
    # from the translation memory). Near 0 is confident; opus-mt's fluent output sits around -0.3.
    score: float | None = None


@dataclass(frozen=True)
class Provenance:
    """Everything that decided an output, written as its first JSONL record (our signature)."""

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
    summary: Summary | None = None  # when one was made (pipeline.summarize)


# ---------------------------------------------------------------------------- summaries

@dataclass(frozen=True)
class SummaryOptions:
    """What a summary is. Each field's help is the command line's (pipeline.cli builds the options)."""

    method: str = cli_field("extractive", "extractive: the release's own key sentences, each traced to its segment; "
                            "abstractive: a seq2seq model rewrites the English (sentences with figures not in the "
                            "source are dropped and reported).", flag="--summarizer", choices="summarizers")
    ranker: str = cli_field("textrank", "textrank: graph ranking over the Chinese words; embedding: the packaged "
                            "English sentence-embedding model (all-MiniLM-L6-v2) over the translation.",
                            choices="rankers")
    sentences: int = cli_field(5, "Length of the summary in sentences.", min=1)
    words: int | None = cli_field(None, "Length of the summary in English words instead (extractive).", min=5)
    model: str = cli_field(DEFAULT_SUMMARY_MODEL, "Abstractive summarizer: hub id or local folder, found like "
                           "--model.", flag="--summary-model")
    offline: bool | None = None  # as the engine's


@dataclass(frozen=True)
class Pick:
    id: str
    zh: str
    en: str | None
    score: float


@dataclass
class Summary:
    method: str
    ranker: str | None
    headline: str
    picks: list[Pick]
    abstract: list[str] = field(default_factory=list)  # abstractive output: its sentences the faithfulness filter kept
    dropped: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.abstract)

    @property
    def sentences(self) -> list[str]:
        if self.method == "abstractive":
            return list(self.abstract)
        return [p.en or "" for p in self.picks]

    def to_record(self) -> dict[str, Any]:
        return {
            "type": "summary",
            "method": self.method,
            "ranker": self.ranker,
            "model": self.model,
            "headline": self.headline,
            "sentences": [{"id": p.id, "zh": p.zh, "en": p.en, "score": round(p.score, 4)} for p in self.picks]
            if self.method == "extractive" else [{"en": s} for s in self.sentences],
            "dropped": self.dropped,
            "faithful": not self.dropped,
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Summary:
        """Back from to_record (a JSONL output's summary line)."""
        sents = rec.get("sentences") or []
        if rec.get("method") == "abstractive":
            return cls("abstractive", rec.get("ranker"), rec.get("headline", ""), [],
                       [s.get("en", "") for s in sents], list(rec.get("dropped") or []), rec.get("model"))
        picks = [Pick(s.get("id", ""), s.get("zh", ""), s.get("en"), float(s.get("score", 0.0))) for s in sents]
        return cls(rec.get("method", "extractive"), rec.get("ranker"), rec.get("headline", ""), picks, [],
                   list(rec.get("dropped") or []), rec.get("model"))


# ---------------------------------------------------------------------------- models and engines


@dataclass(frozen=True)
class ModelRef:
    """A model found on disk."""

    id: str  # what the user asked for: hub id, or the folder as given
    path: Path  # a folder holding the files
    revision: str  # hub commit hash, or a content fingerprint for a local folder
    origin: str  # "folder", "cache", "download" or "store"


@dataclass(frozen=True)
class EngineOptions:
    """Everything that decides how the model runs. Built once (by the CLI) and passed whole to the
    engine, whose settings() are derived from it: a new engine option is a field here and a
    click option, nothing in between."""

    model: str = cli_field(DEFAULT_MODEL, "The model: a local folder, a model in zhen's model store (its name or "
                           "the id it came from: zhen models list), or a Hugging Face id, looked for in that order "
                           "(then the Hugging Face cache, then the hub). Env: ZHEN_MODEL.", envvar="ZHEN_MODEL")
    offline: bool | None = cli_field(None, "Never touch the network: use a local folder, the model store or the "
                                     "Hugging Face cache only (also HF_HUB_OFFLINE=1).", is_flag=True)
    beams: int | None = cli_field(None, "Beam size. Default: the model's own generation config (6 for "
                                  "opus-mt-zh-en).", min=1)
    batch_size: int | None = cli_field(None, "Sentences per model call. Default: the engine's (torch 16, "
                                       "ctranslate2 8).", min=1)
    precision: str = cli_field("auto", "Weights' precision. auto: torch in bfloat16 where the CPU computes it "
                               "natively, else float32; CTranslate2 as converted (int8). int8 on torch quantizes the "
                               "linear layers.", choices="precisions")
    threads: int | None = cli_field(None, "CPU threads for the model. Default: all cores.", min=1)
    shortlist: bool | None = cli_field(None, "CTranslate2 only: score only the English pieces the batch's Chinese can "
                                       "produce (the model's vmap.txt, from `zhen models shortlist`). Default: on "
                                       "where the model has one.", flag="--shortlist/--no-shortlist")
    engine: str = cli_field("auto", "Inference engine. auto: CTranslate2 when the model store holds a converted copy "
                            "of the model (zhen models convert), else torch. Env: ZHEN_ENGINE.", envvar="ZHEN_ENGINE",
                            choices="engines")


@dataclass(frozen=True)
class StoredModel:
    """A model in the store under ZHEN_HOME/models."""

    id: str  # the model it was made from (hub id or folder)
    revision: str
    engine: str  # torch or ctranslate2
    quantization: str | None
    origin: str  # pulled, imported, converted, tuned
    created: str
    path: str = ""
    size: int = 0
    # a tuned model's (zhen tune) and its converted copy's: base model, data checksum, steps, figures
    lineage: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class TuneOptions:
    """What `zhen tune` needs besides its pairs (pipeline/corpus/tune.py); the described fields are its options."""

    base: str = cli_field(DEFAULT_MODEL, "The model to start from (hub id, folder or stored name, found like "
                                         "translate's --model).")
    name: str | None = cli_field(None, "Store the tuned model under this name (default: the base's name + -tuned- + "
                                       "the data's checksum).")
    glossary: tuple[str, ...] = ()  # found like translate's
    terms: bool = cli_field(True, "Add the glossary's term pairs to the training pairs as short examples.",
                            flag="--terms/--no-terms")
    epochs: float = cli_field(3.0, "Passes over the training pairs.", type=float)
    steps: int | None = cli_field(None, "Train this many steps (batches) instead of --epochs.", min=1)
    batch_size: int = cli_field(8, "Pairs per training step.", min=1)
    learning_rate: float = cli_field(5e-5, "AdamW's peak learning rate (linear warm-up and decay).", type=float)
    max_tokens: int = cli_field(128, "Cut longer sentences to this many tokens a side; with --batch-size, the bound "
                                     "on memory.", min=8)
    threads: int = cli_field(2, "CPU threads for training.", min=1)
    min_pairs: int = 20
    checkpoint_every: int = 50
    seed: int = 1
    fresh: bool = cli_field(False, "Start over even where a checkpoint of this same tune exists.", is_flag=True)
    offline: bool | None = cli_field(None, "Use only local folders, the model store and the Hugging Face cache.",
                                     is_flag=True)


# ---------------------------------------------------------------------------- the term base


@dataclass(frozen=True)
class Term:
    """One entry of the term base."""

    zh: str
    en: str
    kind: str = "term"
    note: str = ""
    variants: tuple[str, ...] = ()
    origin: str = ""  # file:line, for messages
    # Where the English comes from: 'Publisher year[, URL]: "quoted English"', or
    # 'convention: <rule>' for a rendering made by a stated rule (pinyin names, ranks by statute).
    source: str = ""
    # Renderings `en` replaced, oldest first: (the ISO date from which the next one applies, English).
    # `en` applies from the last of these dates; a release dated before it gets the older English.
    earlier: tuple[tuple[str, str], ...] = ()
    # Other English the term check accepts as correct (a short form: "suspect" for "criminal
    # suspect"); `en` stays the one enforced.
    accepted: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- a run's options


@dataclass(frozen=True)
class TranslateOptions:
    """Everything a translate or summarize run needs besides its inputs and output folder."""

    engine: EngineOptions = field(default_factory=EngineOptions)
    formats: tuple[str, ...] = ("jsonl", "md", "txt")
    cache: bool = cli_field(True, "Bypass the translation memory (ZHEN_HOME/tm.sqlite): translate everything "
                            "afresh.", flag="--no-cache", invert=True)
    max_tokens: int = cli_field(200, "Longest model input in sentencepiece tokens; longer sentences are split at ；"
                                "then ，.", min=8)
    glossary: tuple[str, ...] = ()  # files or folders; empty: ./glossary, else the packaged base
    glossary_mode: str = cli_field("enforce", "enforce: protect glossary terms through translation and put in the "
                                   "glossary's English; check: translate freely, then report terms whose English is "
                                   "missing; off: no glossary.", choices="glossary_modes")
    facts: str = cli_field("check", "check: compare every number, date, percentage and amount of the Chinese with the "
                           "English and mark segments where one changed or went missing; fix: also rewrite a changed "
                           "number to the source's value where the correction is unambiguous (recorded in the "
                           "output); off: no check, no figure flag.", choices="fact_modes")
    min_confidence: float | None = cli_field(None, "Flag segments whose English the model scored below this mean "
                                             "token log-probability (e.g. -1.0); off by default. Calibrate it on "
                                             "your releases with zhen eval.", type=float)
    force: bool = cli_field(False, "Translate again even where outputs are up to date (the same input made with the "
                            "same settings). Segments a reviewer's English was merged into are kept unless "
                            "--discard-reviewed.", is_flag=True)
    discard_reviewed: bool = cli_field(False, "Let the model redo reviewed segments too: drop the reviewed English "
                                       "of these releases from the outputs and from the translation memory (implies "
                                       "--force).", is_flag=True)
    jobs: int = cli_field(1, "Processes for reading and segmenting; the model runs in one place.", min=1,
                          flag=("-j", "--jobs"))
    summary: SummaryOptions | None = None  # also write NAME.summary.md and a summary record
    cluster: str | None = cli_field(None, "Run the batch on a Ray cluster: HOST:PORT of its head, auto (RAY_ADDRESS, "
                                    "or the cluster a `ray start` on this machine runs) or local (one started in this "
                                    "process). The same outputs as without it; needs pip install 'zhen[cluster]'. "
                                    "Env: ZHEN_CLUSTER.", envvar="ZHEN_CLUSTER", metavar="ADDRESS")
    # repr=False: a secret, never printed with the options
    cluster_token: str | None = field(default=None, repr=False, metadata={
        "help": "The cluster's Ray token, when it was started with token authentication (without it, zhen uses the "
                "token Ray would: RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token). Env: RAY_AUTH_TOKEN.",
        "envvar": "RAY_AUTH_TOKEN", "metavar": "TOKEN"})
    as_of: str | None = cli_field(None, "For a term whose official English changed, the rendering in force on DATE "
                                  "(YYYY-MM-DD) for releases without a date line of their own; default today. A "
                                  "release's date line always wins. For archives.", type=iso_date, metavar="DATE")
    structure: str | None = cli_field(None, "Use this structure: zhen segment FILE --format json, with kinds or "
                                      "speakers corrected. Refused (exit 2) when it was made from another file or "
                                      "its segment texts differ.", metavar="FILE")


Risk = Literal["ok", "check", "bad"]


@dataclass(frozen=True)
class Flag:
    """One thing a reviewer should look at in a pair (see pipeline.checks).

    Spans are (start, end) offsets into the Chinese and the English as checked.
    """

    kind: str  # fact-changed, fact-missing, fact-extra, omission, addition, untranslated, name, loop, term
    zh_spans: tuple[tuple[int, int], ...]
    en_spans: tuple[tuple[int, int], ...]
    reason: str  # one line, for a reviewer who may not read Chinese
    severity: Literal["check", "bad"] = "check"

    def to_dict(self, zh: str = "", en: str = "") -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "severity": self.severity, "reason": self.reason,
                             "zh_spans": [list(s) for s in self.zh_spans],
                             "en_spans": [list(s) for s in self.en_spans]}
        if zh:
            d["zh"] = [zh[s:e] for s, e in self.zh_spans]
        if en:
            d["en"] = [en[s:e] for s, e in self.en_spans]
        return d


@dataclass(frozen=True)
class PairRisk:
    """All the checks' verdict on one zh/en pair: ok, check (a human should look) or bad."""

    line: int
    risk: Risk
    flags: tuple[Flag, ...] = ()

    def to_dict(self, zh: str = "", en: str = "") -> dict[str, Any]:
        return {"line": self.line, "risk": self.risk, "flags": [f.to_dict(zh, en) for f in self.flags]}


# ---------------------------------------------------------------------------- alignment (pipeline.align)


@dataclass(frozen=True)
class AlignedPair:
    """One link of a sentence alignment: Chinese segments and the English sentences that render them.

    One side is empty for a sentence left without partner (status "unaligned"); status "low"
    marks a link whose score is under the threshold. Neither is ever dropped silently."""

    zh: tuple[str, ...]  # segment texts as displayed
    en: tuple[str, ...]
    zh_ids: tuple[str, ...] = ()  # segment ids (s3)
    en_ids: tuple[str, ...] = ()  # English sentence numbers (e4)
    score: float = 0.0  # 0..1
    status: str = "ok"  # ok, low, unaligned
    doc: str = ""  # the Chinese document's name
    zh_norm: tuple[str, ...] = ()  # the segments' normalized text (what term mining reads)

    @property
    def bead(self) -> str:
        return f"{len(self.zh)}-{len(self.en)}"

    @property
    def zh_text(self) -> str:
        return "".join(self.zh)

    @property
    def en_text(self) -> str:
        return " ".join(self.en)

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "zh": self.zh_text, "en": self.en_text, "score": self.score, "status": self.status,
                "bead": self.bead, "zh_ids": list(self.zh_ids), "en_ids": list(self.en_ids)}


@dataclass(frozen=True)
class AlignOptions:
    """What `zhen align` needs besides its inputs."""

    fmt: str = "tsv"  # tsv, jsonl, tmx
    min_score: float | None = None  # None: the aligner's tuned threshold
    glossary: tuple[str, ...] = ()  # files or folders, found like translate's
    model: str | None = None  # translate unsure stretches and compare by chrF (found like translate's --model)
    offline: bool | None = None
