"""The per-document flow: one ordered list of registered stages that every runner shares.

    segment → names → translate (glossary and names protect, translate, restore and verify) → facts
        → risk → reviewed (the reviewer's English kept) → consistency (one rendering per name)
        → matches (fuzzy matches offered) → summary

Every stage has one signature, `(documents, context) -> documents`, and works over records
only; the context carries what the stages share (the translator, the glossary, the options,
the translation memory as a field). A local run pipes each chunk of documents through all of
them; a cluster's actors run `translate`..`risk` and the driver the rest (it alone holds the
memory and the earlier outputs); the server's jobs pipe one document through all of them.
spaCy's Language.pipe over registered components is the model: a runner names a span of the
list, never its own sequence, so that local, cluster and server outputs cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from .batch import check_out_dir
from .checks import assess_segment, risk_of
from .checks.consistency import flag_document as flag_inconsistent
from .checks.figures import check_segment
from .engines.base import Translator
from .errors import UsageError, ZhenError
from .facts import check_mode as check_facts_mode
from .glossary import Glossary, check_mode, load_glossary
from .memory import CachedTranslator, TranslationMemory
from .merge import apply_review
from .names import release_names
from .provenance import provenance, run_options
from .read import read_source
from .records import (
    Document,
    Flag,
    FuzzyMatch,
    Provenance,
    Review,
    Segment,
    Source,
    SummaryOptions,
    TranslateOptions,
)
from .segment import TokenCounter, char_count, segment
from .summarize import check_options, summarize
from .translate import ProgressFactory, translate_documents
from .write.jsonl import load_document


class Memo(Protocol):
    """Where glossary matches are remembered: the translation memory, or an actor's snapshot of it."""

    def memo_get(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]: ...

    def memo_put(self, namespace: str, items: dict[str, Any]) -> None: ...


@dataclass
class Context:
    """What the stages of one run share."""

    translator: Translator  # the engine, behind the translation memory when there is one
    glossary: Glossary | None
    options: TranslateOptions
    memory: TranslationMemory | None = None  # reviewed English and fuzzy matches; None: off or unusable
    memo: Memo | None = None  # glossary matches remembered (the memory, or a cluster actor's snapshot)
    count_tokens: TokenCounter = char_count  # the engine's source tokens, for segmenting
    out_dir: Path | None = None  # where this run's earlier outputs are (a reviewer's English); None: nowhere
    summary: SummaryOptions | None = None  # checked summary options; None: no summary
    summarizer: Any = None  # the abstractive summary's model, loaded once
    picks: dict[str, Any] | None = None  # summary sentences chosen before translation, by document name
    only: set[tuple[str, str]] | None = None  # (document, segment id) to translate; None: all
    progress: ProgressFactory | None = None
    memory_warning: str | None = None  # the memory could not be opened: said once in the report
    kept_reviewed: int = 0  # segments whose reviewed English was kept

    def provenance(self, src: Source, created: str | None = None) -> Provenance:
        """What made src's outputs: the one builder, both for writing and for deciding whether
        existing outputs are up to date (its time aside)."""
        tr = self.translator
        return provenance(src, tr.model.id, tr.model.revision, tr.engine, tr.settings(),
                          self.glossary.sha256 if self.glossary is not None else None, self.options.glossary_mode,
                          run_options(self.options), created)

    @property
    def usable_memory(self) -> TranslationMemory | None:
        return self.memory if self.memory is not None and self.memory.usable else None

    @property
    def cache(self) -> dict[str, int]:
        return {"hits": self.memory.hits, "misses": self.memory.misses} if self.memory is not None else {}

    @property
    def warnings(self) -> list[str]:
        if self.memory is not None and self.memory.broken:
            return [f"{self.memory.broken}; went on without it"]
        return [self.memory_warning] if self.memory_warning else []


Stage = Callable[[list[Document], Context], list[Document]]


def memory_context(glossary: Glossary | None, options: TranslateOptions) -> dict[str, Any]:
    """What, besides the model, decides a remembered translation (the memory's key): the glossary
    mode; the glossary entries that apply go into each sentence's own key (memory.term_key)."""
    return {"glossary_mode": options.glossary_mode}


def token_counter(engine: Translator) -> TokenCounter:
    """The engine's source-token counter: its picklable one (for --jobs processes) when it has one."""
    counter: TokenCounter | None = getattr(engine, "token_counter", None)
    return counter or engine.count_tokens


def open_context(engine: Translator, glossary: Glossary | None, options: TranslateOptions,
                 **fields: Any) -> Context:
    """The context of a run: the engine behind the translation memory when options.cache and the
    memory opens (else a warning, and the run goes on without it)."""
    ctx = Context(engine, glossary, options, count_tokens=token_counter(engine), **fields)
    if options.cache:
        tm = TranslationMemory()
        if tm.usable:
            ctx.translator = CachedTranslator(engine, tm, memory_context(glossary, options))
            ctx.memory = ctx.memo = tm
        else:
            ctx.memory_warning = f"{tm.broken}; went on without it"
    return ctx


def check_run(out_dir: Path | None, options: TranslateOptions) -> Glossary | None:
    """The options and the output folder checked; the glossary loaded (None: off). The folder is
    made last, once nothing else stops the run."""
    if options.max_tokens < 8:
        raise UsageError("the longest model input must be at least 8 tokens", option="max_tokens")
    check_mode(options.glossary_mode)
    check_facts_mode(options.facts)
    if options.summary is not None:
        check_options(options.summary)
    glossary = load_glossary(options.glossary) if options.glossary_mode != "off" else None
    if out_dir is not None:
        check_out_dir(out_dir)
    return glossary


# ---------------------------------------------------------------------------- the first steps of a document


def read_one(path: str, data: bytes | None = None) -> Source | str:
    """One input read (from its bytes when given): the source, or its one-line error."""
    try:
        return read_source(path, data=data)
    except ZhenError as exc:
        return str(exc)
    except Exception as exc:  # a reader's bug must not sink the other inputs
        return f"{path}: cannot read ({type(exc).__name__}: {exc})"


def segment_one(src: Source, budget: int, count: TokenCounter) -> Document | str:
    """One source segmented: the document, or its one-line error."""
    try:
        return segment(src, budget=budget, count_tokens=count)
    except ZhenError as exc:
        return str(exc)
    except Exception as exc:  # one bad document must not sink the batch
        return f"{src.path}: cannot segment ({type(exc).__name__}: {exc})"


# ---------------------------------------------------------------------------- the stages


def names_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """Each segment's person names, one English per name across its release: the romanized ones
    are protected through translation like glossary terms (pipeline.names)."""
    return [release_names(d) for d in docs]


def translate_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """Glossary protect, translate, restore and verify; every document in one engine call."""
    return translate_documents(docs, ctx.translator, ctx.progress, glossary=ctx.glossary,
                               mode=ctx.options.glossary_mode, only=ctx.only, memo=ctx.memo, sign=ctx.provenance,
                               as_of=ctx.options.as_of)


def facts_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """The figures of each translated segment paired with the Chinese (and mended in fix mode)."""
    return [replace(d, segments=tuple(check_segment(s, ctx.options.facts) for s in d.segments)) for d in docs]


def risk_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """Each translated segment's checks and risk; with --facts off, no figure check."""
    return [replace(d, segments=tuple(assess_segment(s, ctx.options.min_confidence, facts=ctx.options.facts)
                                      for s in d.segments)) for d in docs]


def reviewed_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """A reviewer's English wins over the model's for every segment whose Chinese is unchanged:
    first the English this release's own JSONL holds (same id, same Chinese), then the reviewed
    entries of the translation memory (same sentence, any release). --discard-reviewed drops both."""
    out = []
    for doc in docs:
        doc, kept = keep_reviewed(doc, ctx)
        ctx.kept_reviewed += kept
        out.append(doc)
    return out


def consistency_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """`inconsistent` where a name comes out in two Englishes in one release (after the
    reviewer's English is in: an edit can make a release disagree with itself)."""
    return [flag_inconsistent(d) for d in docs]


def matches_stage(docs: list[Document], ctx: Context) -> list[Document]:
    """Human translations of similar sentences (80% or more alike), for the reviewer to take or
    leave: in the JSONL, the XLIFF (<alt-trans>) and the review page. Never applied."""
    tm = ctx.usable_memory
    return [offer_matches(d, tm) for d in docs] if tm is not None else docs


def summary_stage(docs: list[Document], ctx: Context) -> list[Document]:
    if ctx.summary is None:
        return docs
    picks = ctx.picks or {}
    return [replace(d, summary=summarize(d, ctx.summary, ctx.summarizer, picks=picks.get(d.source.name)))
            for d in docs]


STAGES: dict[str, Stage] = {
    "names": names_stage,
    "translate": translate_stage,
    "facts": facts_stage,
    "risk": risk_stage,
    "reviewed": reviewed_stage,
    "consistency": consistency_stage,
    "matches": matches_stage,
    "summary": summary_stage,
}
# What a cluster's actors run; the driver runs the rest (the memory and the earlier outputs are its own).
ON_ACTORS = ("names", "translate", "facts", "risk")
AT_DRIVER = ("reviewed", "consistency", "matches", "summary")


def pipe(docs: Sequence[Document], ctx: Context, names: Sequence[str] = tuple(STAGES)) -> list[Document]:
    """Segmented documents through the named stages, in the order of STAGES."""
    out = list(docs)
    for name, stage in STAGES.items():
        if name in names and out:
            out = stage(out, ctx)
    return out


# ---------------------------------------------------------------------------- what the driver-side stages do


def keep_reviewed(doc: Document, ctx: Context) -> tuple[Document, int]:
    tm = ctx.usable_memory
    options = ctx.options
    sentences = [s.norm for s in doc.segments if s.target is not None]
    if options.discard_reviewed:
        if tm is not None:
            tm.reviewed_forget(sentences)
        return doc, 0
    before = _reviewed_before(doc, ctx.out_dir)
    remembered = tm.reviewed_get(sentences) if tm is not None else {}
    if not before and not remembered:
        return doc, 0
    failed = tm.reviewed_checks(list(remembered)) if tm is not None and remembered else {}
    by_text = {s.text: s for s in before.values()}
    mode = doc.provenance.options.get("facts", options.facts) if doc.provenance else options.facts
    unchecked = {"figures"} if mode == "off" else set()
    unchecked |= {"terms"} if options.glossary_mode == "off" else set()
    kept = 0
    segs: list[Segment] = []
    for seg in doc.segments:
        old = before.get(seg.id)
        old = old if old is not None and old.text == seg.text else by_text.get(seg.text)
        if seg.target is not None and old is not None and old.target:
            seg = apply_review(seg, old.target, old.review, mode)
            seg = still_failed(seg, old.checks, "this release's earlier review", unchecked)
            kept += 1
        elif seg.target is not None and seg.norm in remembered:
            target, by, at = remembered[seg.norm]
            seg = apply_review(seg, target, Review(by=by, at=at), mode)
            origin, checks = failed.get(seg.norm, ("", ()))
            seg = still_failed(seg, checks, origin, unchecked)
            kept += 1
        segs.append(seg)
    return replace(doc, segments=tuple(segs)), kept


_AS_REVIEWED = "as reviewed"


def still_failed(seg: Segment, checks: Sequence[Flag], origin: str, unchecked: set[str]) -> Segment:
    """A reviewer's English that failed checks when it was reviewed keeps those warnings, and the
    risk they make, where this run does not check it again (figures with --facts off, terms with
    the glossary off): never reused as `ok` unseen. Where the check runs again, its fresh result
    stands (a check that learnt better clears it)."""
    carried = [replace(c, reason=c.reason if c.reason.startswith(_AS_REVIEWED)
                       else f"{_AS_REVIEWED} ({origin or 'earlier'}): {c.reason}")
               for c in checks if _family(c.kind) in unchecked]
    if not carried:
        return seg
    found = (*seg.checks, *carried)
    return replace(seg, checks=found, risk=risk_of(found))


def _family(kind: str) -> str:
    return "figures" if kind.startswith("fact-") else "terms" if kind == "term" else kind


def _reviewed_before(doc: Document, out_dir: Path | None) -> dict[str, Segment]:
    """The reviewed segments of this release's earlier JSONL output, by id."""
    jsonl = out_dir / f"{doc.source.name}.jsonl" if out_dir is not None else None
    if jsonl is None or not jsonl.exists():
        return {}
    try:
        return {s.id: s for s in load_document(jsonl).segments if s.reviewed and s.target}
    except ZhenError:
        return {}  # an unreadable earlier output holds nothing we could keep


def offer_matches(doc: Document, tm: TranslationMemory) -> Document:
    segs = []
    for seg in doc.segments:
        if seg.target is not None and not seg.reviewed:
            found = tm.reviewed_similar(seg.norm)
            if found:
                seg = replace(seg, matches=tuple(FuzzyMatch(src, tgt, round(ratio, 3), origin)
                                                 for src, tgt, ratio, origin in found))
        segs.append(seg)
    return replace(doc, segments=tuple(segs))


__all__ = [
    "AT_DRIVER",
    "ON_ACTORS",
    "STAGES",
    "Context",
    "Memo",
    "Stage",
    "check_run",
    "keep_reviewed",
    "memory_context",
    "offer_matches",
    "open_context",
    "pipe",
    "read_one",
    "segment_one",
    "token_counter",
]
