"""The pipeline as one call: read → segment → translate → write, for one or many inputs.

The CLI parses options and calls run_translate/run_segment; tests and other programs can
call them directly (and pass their own translator).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, UsageError, ZhenError
from .facts import PairCheck, check_segment, summarize_checks
from .facts import check_mode as check_facts_mode
from .glossary import Glossary, check_mode, load_glossary, match, protect, restore, verify
from .models import DEFAULT_MODEL
from .normalize import to_norm
from .read import read_source
from .records import Block, Document, GlossaryHit, Provenance, Segment, Source
from .segment import DEFAULT_TOKEN_BUDGET, TokenCounter, char_count, segment
from .summarize import (
    Seq2SeqSummarizer,
    Summary,
    SummaryOptions,
    headline_segments,
    needs_full_translation,
    select,
    summarize,
)
from .summarize import render_markdown as render_summary
from .translate import Translator, load_translator
from .write import atomic_write, output_paths, write_document

ProgressFactory = Callable[[int, str], Any]  # (total, label) -> object with update(n)


@dataclass(frozen=True)
class TranslateOptions:
    model: str = DEFAULT_MODEL
    engine: str = "auto"
    beams: int | None = None
    batch_size: int | None = None  # the engine's own default (torch 16, ctranslate2 8)
    precision: str = "auto"  # auto, float32, bfloat16, int8
    shortlist: bool | None = None  # ctranslate2's vocabulary map: None uses the model's if it has one
    threads: int | None = None
    offline: bool | None = None
    formats: tuple[str, ...] = ("jsonl", "md", "txt")
    budget: int = DEFAULT_TOKEN_BUDGET
    glossary: tuple[str, ...] = ()  # files or folders; empty: ./glossary, else the packaged base
    glossary_mode: str = "enforce"
    facts: str = "check"  # off, check, fix
    summary: SummaryOptions | None = None  # also write NAME.summary.md and a summary record
    cache: bool = True  # the translation memory under ZHEN_HOME
    force: bool = False  # translate again even where outputs are up to date
    jobs: int = 1  # processes for reading and segmenting


@dataclass
class DocResult:
    input: str
    outputs: list[Path] = field(default_factory=list)
    segments: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    skipped: bool = False  # up to date: made earlier with the same settings


@dataclass
class RunReport:
    results: list[DocResult]
    terms: dict[str, int] = field(default_factory=dict)  # found, enforced, missing
    facts: dict[str, int] = field(default_factory=dict)  # facts, matched, changed, missing, fixed
    cache: dict[str, int] = field(default_factory=dict)  # hits, misses
    seconds: float = 0.0

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r.error]


def read_inputs(inputs: Sequence[str], stdin: bytes | None = None) -> tuple[list[Source], list[DocResult]]:
    sources: list[Source] = []
    failures: list[DocResult] = []
    for path in inputs:
        try:
            sources.append(read_source(path, data=stdin if path == "-" else None))
        except InputError as exc:
            failures.append(DocResult(input=path, error=str(exc)))
    return sources, failures


def run_segment(
    inputs: Sequence[str], budget: int = DEFAULT_TOKEN_BUDGET, count_tokens: TokenCounter = char_count,
    stdin: bytes | None = None,
) -> list[Document]:
    """Segment inputs; the first unreadable input stops the run (there is nothing to keep)."""
    sources, failures = read_inputs(inputs, stdin)
    if failures:
        raise InputError(failures[0].error or "cannot read input")
    return [segment(s, budget=budget, count_tokens=count_tokens) for s in sources]


def run_translate(
    inputs: Sequence[str],
    out_dir: Path,
    options: TranslateOptions = TranslateOptions(),
    translator: Translator | None = None,
    progress: ProgressFactory | None = None,
    stdin: bytes | None = None,
    summarizer: Any = None,
) -> RunReport:
    """Translate every input and write its outputs; each document succeeds or fails alone.

    Documents go through in chunks, each written as soon as it is done, so that an
    interrupted run keeps every finished document and a second run resumes: a document
    whose outputs are newer than the input and were made with the same settings (the
    provenance record says so) is skipped unless options.force. Raises ZhenError only for
    what stops the whole run (no model, bad options, an output folder that cannot be written).
    """
    started = time.perf_counter()
    prep = _prepare(inputs, out_dir, options, translator, stdin, segment_now=False)
    report = RunReport(list(prep.failures))
    if not prep.sources:
        report.seconds = time.perf_counter() - started
        return report
    todo = []
    for src in prep.sources:
        if not options.force and up_to_date(src, out_dir, options, prep):
            outputs = list(output_paths(src.name, out_dir, options.formats).values())
            report.results.append(DocResult(src.path, outputs, skipped=True))
        else:
            todo.append(src)
    bar = progress(len(todo), "Translating") if progress and todo else None
    opts = options.summary.check() if options.summary is not None else None
    if opts is not None and opts.method == "abstractive" and summarizer is None and todo:
        summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
    all_docs: list[Document] = []
    try:
        for chunk in _chunks(todo):
            docs, seg_failures = _segment_all(chunk, options, prep)
            report.results.extend(seg_failures)
            docs = _translate(replace(prep, docs=docs), options, None)
            for doc in docs:
                sm = summarize(doc, opts, summarizer) if opts is not None else None
                if sm is not None:
                    doc = replace(doc, summary=sm.to_record())
                report.results.append(_write(doc, out_dir, list(options.formats), sm))
                all_docs.append(doc)
            if bar is not None:
                bar.update(len(chunk))
                if hasattr(bar, "info"):
                    bar.info = f"{sum(len(d.segments) for d in all_docs)} segments"
    finally:
        if bar is not None and hasattr(bar, "finish"):
            bar.finish()
    report.terms = term_counts(all_docs)
    report.facts = summarize_checks([PairCheck(s.facts, ()) for d in all_docs for s in d.segments])
    report.cache = _cache_counts(prep)
    report.seconds = time.perf_counter() - started
    return report


def _chunks(sources: Sequence[Source], max_chars: int = 60_000, max_docs: int = 32) -> list[list[Source]]:
    """Documents grouped for the model: big enough to batch well, small enough to write often."""
    out: list[list[Source]] = []
    size = 0
    for src in sources:
        if not out or size + len(src.raw) > max_chars or len(out[-1]) >= max_docs:
            out.append([])
            size = 0
        out[-1].append(src)
        size += len(src.raw)
    return out


def _segment_all(sources: Sequence[Source], options: TranslateOptions,
                 prep: _Prepared) -> tuple[list[Document], list[DocResult]]:
    """Segment documents, in options.jobs processes when there are several."""
    counter = getattr(getattr(prep.translator, "inner", prep.translator), "token_counter", None)
    count: TokenCounter = counter or (prep.translator.count_tokens if prep.translator else char_count)
    docs: list[Document] = []
    failures: list[DocResult] = []
    if options.jobs > 1 and len(sources) > 1 and counter is not None:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            outcomes = list(pool.map(_segment_one, sources, [options.budget] * len(sources), [counter] * len(sources)))
    else:
        outcomes = [_segment_one(src, options.budget, count) for src in sources]
    for src, out in zip(sources, outcomes, strict=True):
        if isinstance(out, str):
            failures.append(DocResult(src.path, error=out))
        else:
            docs.append(out)
    return docs, failures


def _segment_one(src: Source, budget: int, count: TokenCounter) -> Document | str:
    try:
        return segment(src, budget=budget, count_tokens=count)
    except ZhenError as exc:
        return str(exc)
    except Exception as exc:  # one bad document must not sink the batch
        return f"{src.path}: cannot segment ({type(exc).__name__}: {exc})"


def expected_provenance(src: Source, options: TranslateOptions, prep: _Prepared) -> dict[str, Any]:
    tr = prep.translator
    assert tr is not None
    return {
        "version": __version__, "model": tr.model.id, "model_revision": tr.model.revision, "engine": tr.engine,
        "decoding": json.loads(json.dumps(tr.settings())), "input_sha256": src.sha256,
        "glossary_sha256": prep.glossary.sha256 if prep.glossary is not None else None,
        "glossary_mode": options.glossary_mode, "options": run_options(options),
    }


def run_options(options: TranslateOptions) -> dict[str, Any]:
    """The options that change what is written, recorded in the provenance."""
    return {"facts": options.facts, "max_tokens": options.budget, "formats": sorted(options.formats),
            "summary": asdict(options.summary) if options.summary is not None else None}


def up_to_date(src: Source, out_dir: Path, options: TranslateOptions, prep: _Prepared) -> bool:
    """Outputs newer than the input, all there, and made with these settings (per their provenance)."""
    if src.path == "-" or "jsonl" not in options.formats:
        return False
    paths = list(output_paths(src.name, out_dir, options.formats).values())
    try:
        in_time = Path(src.path).stat().st_mtime
        if not all(p.exists() and p.stat().st_mtime >= in_time for p in paths):
            return False
        with (out_dir / f"{src.name}.jsonl").open(encoding="utf-8") as fh:
            prov = json.loads(fh.readline())
    except (OSError, ValueError):
        return False
    want = expected_provenance(src, options, prep)
    return prov.get("type") == "provenance" and all(prov.get(k) == v for k, v in want.items())


def _cache_counts(prep: _Prepared) -> dict[str, int]:
    tm = getattr(prep.translator, "tm", None)
    return {"hits": tm.hits, "misses": tm.misses} if tm is not None else {}


def run_summarize(
    inputs: Sequence[str],
    out_dir: Path,
    options: TranslateOptions,
    translator: Translator | None = None,
    progress: ProgressFactory | None = None,
    stdin: bytes | None = None,
    summarizer: Any = None,
) -> RunReport:
    """Summarize each input into NAME.summary.md and NAME.summary.json.

    With the default extractive TextRank summary the sentences are chosen on the Chinese side
    first, so only they (and the headline) go through the model.
    """
    opts = (options.summary or SummaryOptions()).check()
    prep = _prepare(inputs, out_dir, options, translator, stdin)
    if not prep.docs:
        return RunReport(prep.failures)
    if needs_full_translation(opts):
        docs = _translate(prep, options, progress)
        if opts.method == "abstractive" and summarizer is None:
            summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
        summaries = [summarize(d, opts, summarizer) for d in docs]
    else:
        picks = {d.source.name: select(d, n=opts.sentences, ranker=opts.ranker) for d in prep.docs}
        wanted = {(d.source.name, s.id) for d in prep.docs for s in headline_segments(d)}
        wanted |= {(name, s.id) for name, ps in picks.items() for s, _ in ps}
        docs = _translate(prep, options, progress, only=wanted)
        summaries = [summarize(d, opts, picks=picks[d.source.name]) for d in docs]
    results = []
    for doc, summ in zip(docs, summaries, strict=True):
        doc = replace(doc, summary=summ.to_record())
        try:
            md = out_dir / f"{doc.source.name}.summary.md"
            js = out_dir / f"{doc.source.name}.summary.json"
            atomic_write(md, render_summary(summ, doc))
            atomic_write(js, json.dumps({"provenance": asdict(doc.provenance) if doc.provenance else None,
                                         **(doc.summary or {})}, ensure_ascii=False, indent=2) + "\n")
            results.append(DocResult(doc.source.path, [md, js], len(doc.segments), warnings=doc.warnings))
        except OSError as exc:
            results.append(DocResult(doc.source.path, error=f"{doc.source.path}: cannot write to {out_dir} ({exc})"))
    return RunReport(prep.failures + results, term_counts(docs), cache=_cache_counts(prep))


@dataclass
class _Prepared:
    docs: list[Document]
    failures: list[DocResult]
    translator: Translator | None
    glossary: Glossary | None
    sources: list[Source] = field(default_factory=list)


def _prepare(inputs: Sequence[str], out_dir: Path, options: TranslateOptions, translator: Translator | None,
             stdin: bytes | None, segment_now: bool = True) -> _Prepared:
    """Check options and the output folder, read inputs, load the model (once, only if anything was readable)."""
    check_out_dir(out_dir)
    if options.budget < 8:
        raise UsageError("--max-tokens must be at least 8")
    check_mode(options.glossary_mode)
    check_facts_mode(options.facts)
    if options.summary is not None:
        options.summary.check()
    glossary = load_glossary(options.glossary) if options.glossary_mode != "off" else None
    sources, failures = read_inputs(expand_inputs(inputs), stdin)
    sources = _unique_names(sources)
    for src in sources:
        _refuse_overwriting_input(src, out_dir, options.formats)
    if not sources:
        return _Prepared([], failures, translator, glossary)
    if translator is None:
        translator = load_translator(
            options.model, engine=options.engine, beams=options.beams, batch_size=options.batch_size,
            threads=options.threads, offline=options.offline, precision=options.precision,
            shortlist=options.shortlist,
        )
    if options.cache:
        from .store import TranslationMemory
        from .translate import CachedTranslator

        context = {"glossary": glossary.sha256 if glossary else None, "glossary_mode": options.glossary_mode}
        translator = CachedTranslator(translator, TranslationMemory(), context)
    prep = _Prepared([], failures, translator, glossary, sources)
    if segment_now:
        prep.docs, seg_failures = _segment_all(sources, options, prep)
        prep.failures.extend(seg_failures)
    return prep


INPUT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files as given; folders recursed for releases (*.txt, *.md, *.html, *.htm); globs expanded.

    A name that matches nothing stays, so that its error is reported with the others.
    """
    import glob

    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if item != "-" and path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                       and not p.name.startswith("."))
        elif item != "-" and not path.exists() and any(ch in item for ch in "*?["):
            out.extend(sorted(glob.glob(item, recursive=True)) or [item])
        else:
            out.append(item)
    return list(dict.fromkeys(out))


def check_out_dir(out_dir: Path) -> None:
    """The output folder must be creatable and writable before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".zhen-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write outputs there ({exc.strerror or exc})") from None


def _translate(prep: _Prepared, options: TranslateOptions, progress: ProgressFactory | None,
               only: set[tuple[str, str]] | None = None) -> list[Document]:
    assert prep.translator is not None
    docs = translate_documents(prep.docs, prep.translator, progress, glossary=prep.glossary,
                               mode=options.glossary_mode, only=only, options=run_options(options))
    return [replace(d, segments=tuple(check_segment(s, options.facts) for s in d.segments)) for d in docs]


def _write(doc: Document, out_dir: Path, formats: list[str], summary: Summary | None = None) -> DocResult:
    try:
        written = write_document(doc, out_dir, formats)
        if summary is not None:
            md = out_dir / f"{doc.source.name}.summary.md"
            atomic_write(md, render_summary(summary, doc))
            written.append(md)
        return DocResult(doc.source.path, written, len(doc.segments), warnings=doc.warnings)
    except OSError as exc:
        reason = f"{doc.source.path}: cannot write outputs to {out_dir} ({exc.strerror or exc})"
        return DocResult(doc.source.path, error=reason)


def term_counts(docs: Sequence[Document]) -> dict[str, int]:
    counts = {"found": 0, "enforced": 0, "missing": 0}
    for doc in docs:
        for seg in doc.segments:
            for hit in seg.hits:
                counts[hit.status] = counts.get(hit.status, 0) + 1
    return counts


def translate_documents(
    docs: Sequence[Document],
    translator: Translator,
    progress: ProgressFactory | None = None,
    glossary: Glossary | None = None,
    mode: str = "enforce",
    only: set[tuple[str, str]] | None = None,
    options: dict[str, Any] | None = None,
) -> list[Document]:
    """Glossary protect → translate (all documents in one batched call) → restore and verify.

    `only` limits the work to these (document name, segment id) pairs. Speaker labels that
    name an office (刑事侦查局负责人) go through the model with the segments.
    """
    segs = [seg for doc in docs for seg in doc.segments
            if seg.translatable and (only is None or (doc.source.name, seg.id) in only)]
    labels = {to_norm(b.speaker): b.speaker for doc in docs for b in doc.blocks if b.speaker and not b.speaker_en}
    label_segs = [Segment(id=f"label{i}", block=-1, kind="turn", start=0, end=0, text=text, norm=norm)
                  for i, (norm, text) in enumerate(labels.items())]
    bar = progress(len(segs) + len(label_segs), "Translating") if progress else None
    done = _translate_segments([*segs, *label_segs], translator, glossary, mode, bar)
    if bar is not None and hasattr(bar, "finish"):
        bar.finish()
    label_en = {s.norm: done[id(s)].target for s in label_segs}
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out: list[Document] = []
    for doc in docs:
        prov = Provenance(
            tool="zhen",
            version=__version__,
            model=translator.model.id,
            model_revision=translator.model.revision,
            engine=translator.engine,
            decoding=translator.settings(),
            input=doc.source.path,
            input_sha256=doc.source.sha256,
            glossary_sha256=glossary.sha256 if glossary is not None else None,
            glossary_mode=mode,
            options=options or {},
            created=created,
        )
        blocks = tuple(replace(b, speaker_en=label_en.get(to_norm(b.speaker)) or b.speaker)
                       if b.speaker and not b.speaker_en else b for b in doc.blocks)
        new_segs = tuple(_with_speaker(done.get(id(seg), seg), blocks) for seg in doc.segments)
        out.append(replace(doc, blocks=blocks, segments=new_segs, provenance=prov))
    return out


def _glossary_hits(segs: Sequence[Segment], glossary: Glossary | None, tm: Any) -> dict[int, list[GlossaryHit]]:
    """Glossary hits per segment; with a translation memory, remembered per glossary and text
    (matching consults jieba, whose dictionary takes a second to load)."""
    if glossary is None:
        return {id(seg): [] for seg in segs}
    known: dict[str, Any] = tm.memo_get(glossary.sha256, [s.norm for s in segs]) if tm is not None else {}
    fresh: dict[str, Any] = {}
    out: dict[int, list[GlossaryHit]] = {}
    for seg in segs:
        if seg.norm in known:
            out[id(seg)] = [GlossaryHit(**h) for h in known[seg.norm]]
            continue
        found = match(seg.norm, glossary)
        fresh[seg.norm] = [asdict(h) for h in found]
        out[id(seg)] = found
    if tm is not None and fresh:
        tm.memo_put(glossary.sha256, fresh)
    return out


_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _with_speaker(seg: Segment, blocks: Sequence[Block]) -> Segment:
    en = blocks[seg.block].speaker_en
    return seg if seg.speaker_en == en else replace(seg, speaker_en=en)


def _translate_segments(segs: Sequence[Segment], translator: Translator, glossary: Glossary | None, mode: str,
                        bar: Any) -> dict[int, Segment]:
    """Each segment translated, keyed by id(): protected where enforcing, retried plain where that failed."""
    results: dict[int, Segment] = {}
    # Numbers, dates and Latin text need no model: they are copied as they are.
    copied = [seg for seg in segs if not _HAN.search(seg.norm)]
    for seg in copied:
        results[id(seg)] = replace(seg, target=seg.norm, flags=(*seg.flags, "copied"))
    if copied:
        if bar is not None:
            bar.update(len(copied))
        segs = [seg for seg in segs if id(seg) not in results]
    hits = _glossary_hits(segs, glossary, getattr(translator, "tm", None))
    enforce = mode == "enforce"
    inputs = [protect(seg.norm, hits[id(seg)]) if enforce and hits[id(seg)] else seg.norm for seg in segs]
    first = translator.translate(inputs, progress=bar.update if bar is not None else None) if inputs else []
    retry: list[Segment] = []
    for seg, tr in zip(segs, first, strict=True):
        seg_hits = hits[id(seg)]
        if not (enforce and seg_hits):
            results[id(seg)] = replace(seg, target=tr.text, flags=seg.flags + tr.flags,
                                       hits=verify(tr.text, seg_hits, enforced=False))
            continue
        restored = restore(tr.text, seg_hits)
        if restored is None:
            retry.append(seg)  # a placeholder was lost or doubled: translate without protection
            continue
        results[id(seg)] = replace(seg, target=restored, flags=seg.flags + tr.flags,
                                   hits=verify(restored, seg_hits, enforced=True))
    if retry:
        for seg, tr in zip(retry, translator.translate([s.norm for s in retry]), strict=True):
            results[id(seg)] = replace(seg, target=tr.text, flags=(*seg.flags, *tr.flags, "glossary-fallback"),
                                       hits=verify(tr.text, hits[id(seg)], enforced=False))
    return results


def _unique_names(sources: list[Source]) -> list[Source]:
    """Two inputs named alike (a/x.txt, b/x.txt) must not write over each other's outputs."""
    seen: dict[str, int] = {}
    out = []
    for s in sources:
        n = seen.get(s.name, 0)
        seen[s.name] = n + 1
        out.append(s if n == 0 else replace(s, name=f"{s.name}-{n + 1}"))
    return out


def _refuse_overwriting_input(src: Source, out_dir: Path, formats: Sequence[str]) -> None:
    if src.path == "-":
        return
    inp = os.path.realpath(src.path)
    for path in output_paths(src.name, out_dir, formats).values():
        if os.path.realpath(path) == inp:
            raise UsageError(f"{src.path}: an output would overwrite this input; choose another --out-dir")


__all__ = ["DocResult", "RunReport", "TranslateOptions", "ZhenError", "run_segment", "run_translate"]
