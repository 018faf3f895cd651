"""The pipeline as one call per command: read → normalize → segment → glossary protect →
translate → restore and verify → checks → summarize → write.

The CLI parses options and calls one function here; tests and other programs call them
directly (and may pass their own translator). Functions here read and write files; the
stages they call work over records only.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .align import align_document, check_format, split_english_sentences
from .batch import (
    check_out_dir,
    chunks,
    edited_exchange_files,
    expand_inputs,
    find_inputs,
    planned_outputs,
    unique_names,
    up_to_date,
)
from .check_run import read_pairs
from .checks import assess_segment
from .cluster import Job, connect, import_ray, model_files, pool_size, read_all, translate_stream
from .engines import load_translator
from .engines.base import Translator
from .engines.memory import CachedTranslator, TranslationMemory
from .errors import InputError, UsageError, ZhenError
from .facts import check_mode as check_facts_mode
from .facts import check_pair, check_segment, summarize_checks
from .files import atomic_write, remove_stale_temps
from .glossary import Glossary, check_mode, load_glossary
from .merge import apply_review, merge
from .mine import Candidate, mine
from .mine import render_tsv as render_mined
from .normalize import HAN, to_norm
from .provenance import now, provenance, run_options
from .read import max_bytes, read_bytes, read_source
from .records import (
    AlignedPair,
    AlignOptions,
    Document,
    EngineOptions,
    FuzzyMatch,
    PairCheck,
    Review,
    Segment,
    Source,
    Summary,
    SummaryOptions,
    TranslateOptions,
)
from .segment import DEFAULT_TOKEN_BUDGET, TokenCounter, char_count, segment
from .summarize import (
    Seq2SeqSummarizer,
    check_options,
    headline_segments,
    needs_full_translation,
    select,
    summarize,
)
from .termbase import Suggestion, missing_terms, suggest
from .translate import ProgressFactory, translate_documents
from .write import FORMATS, existing_formats, output_paths, summary_path, write_document
from .write import aligned as aligned_out
from .write import summary as summary_md
from .write.docx import read_reviewed as read_docx_review
from .write.docx import release_name as docx_release
from .write.jsonl import load_document, translated_records
from .write.tmx import read_tmx_pairs, render_tmx_pairs
from .write.xliff import read_reviewed


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
    risk: dict[str, int] = field(default_factory=dict)  # translated segments: ok, check, bad
    seconds: float = 0.0
    not_releases: list[str] = field(default_factory=list)  # files in folders that are not releases (README.md)
    kept_reviewed: int = 0  # reviewed segments whose source was unchanged, kept as the reviewer left them
    warnings: list[str] = field(default_factory=list)  # about the run, not one document (the memory)
    cluster: str | None = None  # where a --cluster run ran (Ray version, address, nodes, actors)

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r.error]


def read_inputs(inputs: Sequence[str], stdin: bytes | None = None) -> tuple[list[Source], list[DocResult]]:
    """Each input read on its own: one that cannot be read fails alone, with one line."""
    max_bytes()  # a bad ZHEN_MAX_MB is a setup error of the run, not a failure of each input
    sources: list[Source] = []
    failures: list[DocResult] = []
    for path in inputs:
        try:
            sources.append(read_source(path, data=stdin if path == "-" else None))
        except ZhenError as exc:
            failures.append(DocResult(input=path, error=str(exc)))
        except Exception as exc:  # a reader's bug must not sink the other inputs
            failures.append(DocResult(input=path, error=f"{path}: cannot read ({type(exc).__name__}: {exc})"))
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


# ---------------------------------------------------------------------------- translate


def run_translate(
    inputs: Sequence[str],
    out_dir: Path,
    options: TranslateOptions | None = None,
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
    options = options or TranslateOptions()
    if options.cluster:
        if translator is not None:
            raise UsageError("a cluster run loads the model on its nodes; it takes no translator object",
                             option="cluster")
        return run_translate_cluster(inputs, out_dir, options, progress, stdin, summarizer)
    prep = _prepare(inputs, out_dir, options, translator, stdin, segment_now=False, formats=options.formats)
    report = RunReport(list(prep.failures), not_releases=prep.not_releases)
    if not prep.sources:
        report.seconds = time.perf_counter() - started
        return report
    todo = _to_translate(prep.sources, out_dir, options, prep, report)
    bar = progress(len(todo), "Translating") if progress and todo else None
    opts = check_options(options.summary) if options.summary is not None else None
    if opts is not None and opts.method == "abstractive" and summarizer is None and todo:
        summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
    all_docs: list[Document] = []
    try:
        for chunk in chunks(todo):
            docs, seg_failures = _segment_all(chunk, options, prep)
            report.results.extend(seg_failures)
            docs = _translate(replace(prep, docs=docs), options, None)
            for doc in docs:
                all_docs.append(_finish(doc, out_dir, options, prep, report, opts, summarizer))
            if bar is not None:
                bar.update(len(chunk))
                if hasattr(bar, "info"):
                    bar.info = f"{sum(len(d.segments) for d in all_docs)} segments"
    finally:
        if bar is not None and hasattr(bar, "finish"):
            bar.finish()
    _tally(report, all_docs, prep, started)
    return report


def _to_translate(sources: Sequence[Source], out_dir: Path, options: TranslateOptions, prep: _Prepared,
                  report: RunReport) -> list[Source]:
    """The sources this run translates: not those up to date (skipped), nor those whose
    exchange files a reviewer edited since (they fail, waiting for a merge)."""
    todo = []
    redo = options.force or options.discard_reviewed
    with_summary = options.summary is not None
    for src in sources:
        if not redo and up_to_date(src, out_dir, options.formats, _expected(src, options, prep), with_summary):
            outputs = list(output_paths(src.name, out_dir, options.formats).values())
            report.results.append(DocResult(src.path, outputs, skipped=True))
        elif edited := edited_exchange_files(src.name, out_dir, options.formats):
            # a reviewer's edits not merged yet: this document waits, the others go on
            report.results.append(DocResult(src.path, error=(
                f"{edited[0]}: edited since zhen wrote it (a review not merged yet); run `zhen merge {edited[0]}` "
                "first, or remove the file to let zhen write it again")))
        else:
            todo.append(src)
    return todo


def _finish(doc: Document, out_dir: Path, options: TranslateOptions, prep: _Prepared, report: RunReport,
            opts: SummaryOptions | None, summarizer: Any) -> Document:
    """A translated document's last steps, then its outputs: the reviewer's English kept, the
    memory's fuzzy matches offered, its summary made."""
    doc, kept = keep_reviewed(doc, out_dir, options, prep)
    doc = offer_matches(doc, prep)
    report.kept_reviewed += kept
    if opts is not None:
        doc = replace(doc, summary=summarize(doc, opts, summarizer))
    report.results.append(_write(doc, out_dir, options.formats, summary_json=False))
    return doc


def _tally(report: RunReport, all_docs: list[Document], prep: _Prepared, started: float) -> None:
    report.terms = term_counts(all_docs)
    report.facts = summarize_checks([PairCheck(s.facts, ()) for d in all_docs for s in d.segments])
    report.risk = risk_counts(all_docs)
    report.cache = _cache_counts(prep)
    report.warnings = _memory_warnings(prep)
    report.seconds = time.perf_counter() - started


def run_translate_cluster(
    inputs: Sequence[str],
    out_dir: Path,
    options: TranslateOptions,
    progress: ProgressFactory | None = None,
    stdin: bytes | None = None,
    summarizer: Any = None,
    engine_kwargs: dict[str, Any] | None = None,
) -> RunReport:
    """run_translate on the Ray cluster options.cluster names (pipeline.cluster): the same
    outputs, byte for byte, as a local run with the same inputs and options.

    This driver lists the inputs and reads their bytes, chooses names and skips what is up to
    date (after decoding and segmenting ran as cluster tasks), and writes each document as its
    batch comes back from the actor pool, exactly once, by the same functions as a local run.
    The translation memory is read by the actors from a snapshot and written here alone.
    Ctrl-C stops the job (the driver leaving ends it); a second run does the rest.
    `engine_kwargs` are for benchmarks (fixed output lengths), given to the engine everywhere."""
    started = time.perf_counter()
    assert options.cluster
    glossary = _check_run(out_dir, options)
    import_ray()  # a missing extra is a setup error, found before any work
    found = find_inputs(inputs)
    max_bytes()
    report = RunReport([], not_releases=found.skipped)
    items: list[dict[str, Any]] = []
    for i, path in enumerate(found.files):
        try:
            data = stdin if path == "-" and stdin is not None else read_bytes(path)
            items.append({"i": i, "path": path, "data": data})
        except ZhenError as exc:
            report.results.append(DocResult(path, error=str(exc)))
    if not items:
        report.seconds = time.perf_counter() - started
        return report
    engine = load_translator(options.engine)  # what decides provenance; a missing model stops here
    if engine_kwargs:
        engine = type(engine)(engine.model, options.engine, **engine_kwargs)
    translator: Translator = engine
    memory_warning = None
    tm: TranslationMemory | None = None
    if options.cache:
        tm = TranslationMemory()
        if tm.usable:
            translator = CachedTranslator(engine, tm, {"glossary": glossary.sha256 if glossary else None,
                                                       "glossary_mode": options.glossary_mode})
        else:
            memory_warning, tm = f"{tm.broken}; went on without it", None
    prep = _Prepared([], [], translator, glossary, memory_warning=memory_warning)
    context = translator.context if isinstance(translator, CachedTranslator) else None
    job = Job(options, glossary, engine.engine, engine.model,
              {name: len(blob) for name, blob in model_files(engine.model.path).items()},
              (engine.model.path / "source.spm").read_bytes(), context, dict(engine_kwargs or {}))
    # Settings that decide outputs and live in the environment travel with the job.
    env = {k: os.environ[k] for k in ("SOURCE_DATE_EPOCH", "ZHEN_MAX_MB") if k in os.environ}
    ray = connect(options.cluster, env)
    bar = None
    all_docs: list[Document] = []
    written: set[int] = set()
    try:
        meta = read_all(ray, items, _read_one)
        read_ok = [m for m in meta if not m["error"]]
        report.results += [DocResult(m["path"], error=m["error"]) for m in meta if m["error"]]
        with_summary = options.summary is not None
        stubs = [Source(name=m["name"], path=m["path"], raw="", encoding="", sha256=m["sha256"]) for m in read_ok]
        named = unique_names(stubs, out_dir, options.formats, with_summary, inputs=found.files)
        remove_stale_temps([p for s in named for p in planned_outputs(s.name, out_dir, options.formats,
                                                                        with_summary)])
        todo = {id(s) for s in _to_translate(named, out_dir, options, prep, report)}
        by_index = {it["i"]: it["data"] for it in items}
        chosen = [(int(m["i"]), m["path"], src.name, by_index[m["i"]], int(m["chars"]))
                  for m, src in zip(read_ok, named, strict=True) if id(src) in todo]
        # The chunks of a local run, so that every chunk meets the engine as it would there.
        groups = [[c[:4] for c in chunk] for chunk in chunks(chosen, chars=lambda c: c[4])]
        opts = check_options(options.summary) if options.summary is not None else None
        if opts is not None and opts.method == "abstractive" and summarizer is None and chosen:
            summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
        bar = progress(len(chosen), "Translating") if progress and chosen else None
        actors = 0
        if groups:
            actors = pool_size(ray, job, len(groups))
            model_ref = ray.put(model_files(engine.model.path))
            memory_ref = ray.put(tm.entries(context) if tm is not None and context is not None else {})
            for t in translate_stream(ray, groups, job, _read_one, _segment_one, translate_checked, model_ref,
                                      memory_ref):
                if t.index in written:
                    continue  # a chunk Ray ran twice (its actor died as it finished): written already
                written.add(t.index)
                if t.memory is not None and tm is not None and context is not None:
                    rows, hits, misses = t.memory
                    tm.put_many(context, rows)
                    tm.hits += hits
                    tm.misses += misses
                if t.doc is None:
                    report.results.append(DocResult(t.path, error=t.error or f"{t.path}: not translated"))
                else:
                    all_docs.append(_finish(t.doc, out_dir, options, prep, report, opts, summarizer))
                if bar is not None:
                    bar.update(1)
                    if hasattr(bar, "info"):
                        bar.info = f"{sum(len(d.segments) for d in all_docs)} segments"
        nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        report.cluster = (f"Ray {ray.__version__} at {options.cluster}: {nodes} node(s), "
                          f"{int(ray.cluster_resources().get('CPU', 0))} CPU(s), {actors} translation actor(s)")
        _record_cluster_run(out_dir, report.cluster, [d.source.name for d in all_docs])
    finally:
        if bar is not None and hasattr(bar, "finish"):
            bar.finish()
        ray.shutdown()  # leaving ends the job: its actors and tasks stop with the driver
    _tally(report, all_docs, prep, started)
    return report


def _record_cluster_run(out_dir: Path, where: str, names: list[str]) -> None:
    """A line per cluster run in OUT/.zhen-cluster.jsonl: which outputs it wrote, where. Kept
    out of the outputs themselves, which are byte for byte those of a local run."""
    if not names:
        return
    line = json.dumps({"cluster": where, "created": now(), "outputs": names}, ensure_ascii=False)
    with (out_dir / ".zhen-cluster.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _read_one(path: str, data: bytes) -> Source | str:
    """One input read from its bytes (a cluster task): the source, or its one-line error."""
    try:
        return read_source(path, data=data)
    except ZhenError as exc:
        return str(exc)
    except Exception as exc:  # a reader's bug must not sink the other inputs
        return f"{path}: cannot read ({type(exc).__name__}: {exc})"


def run_translate_stream(
    stdin: bytes,
    options: TranslateOptions | None = None,
    fmt: str = "txt",
    translator: Translator | None = None,
) -> tuple[str, RunReport]:
    """Translate one release given as bytes (standard input, --text) and render it in one
    format for standard output, writing no file: `echo 中文 | zhen translate -`."""
    started = time.perf_counter()
    options = options or TranslateOptions()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt}; choose txt or jsonl", option="stdout_format")
    prep = _prepare(["-"], None, options, translator, stdin)
    report = RunReport(list(prep.failures))
    if not prep.docs:
        return "", report
    docs = _translate(prep, options, None)
    report.results += [DocResult(d.source.path, [], len(d.segments), warnings=d.warnings) for d in docs]
    report.terms = term_counts(docs)
    report.facts = summarize_checks([PairCheck(s.facts, ()) for d in docs for s in d.segments])
    report.cache = _cache_counts(prep)
    report.seconds = time.perf_counter() - started
    texts = [FORMATS[fmt].render(d) for d in docs]
    return "".join(t if isinstance(t, str) else "" for t in texts), report  # Word formats go to files only


def keep_reviewed(doc: Document, out_dir: Path, options: TranslateOptions, prep: _Prepared) -> tuple[Document, int]:
    """A reviewer's English wins over the model's for every segment whose Chinese is unchanged:
    first the English this release's own JSONL holds (same id, same Chinese), then the reviewed
    entries of the translation memory (same sentence, any release). --discard-reviewed drops both."""
    tm = _memory(prep)
    sentences = [s.norm for s in doc.segments if s.target is not None]
    if options.discard_reviewed:
        if tm is not None:
            tm.reviewed_forget(sentences)
        return doc, 0
    before: dict[str, Segment] = {}
    jsonl = out_dir / f"{doc.source.name}.jsonl"
    if jsonl.exists():
        try:
            before = {s.id: s for s in load_document(jsonl).segments if s.reviewed and s.target}
        except ZhenError:
            before = {}  # an unreadable earlier output holds nothing we could keep
    remembered = tm.reviewed_get(sentences) if tm is not None else {}
    if not before and not remembered:
        return doc, 0
    by_text = {s.text: s for s in before.values()}
    mode = doc.provenance.options.get("facts", options.facts) if doc.provenance else options.facts
    kept = 0
    segs: list[Segment] = []
    for seg in doc.segments:
        old = before.get(seg.id)
        old = old if old is not None and old.text == seg.text else by_text.get(seg.text)
        if seg.target is not None and old is not None and old.target:
            seg = apply_review(seg, old.target, old.review, mode)
            kept += 1
        elif seg.target is not None and seg.norm in remembered:
            target, by, at = remembered[seg.norm]
            seg = apply_review(seg, target, Review(by=by, at=at), mode)
            kept += 1
        segs.append(seg)
    return replace(doc, segments=tuple(segs)), kept


def offer_matches(doc: Document, prep: _Prepared) -> Document:
    """Human translations of similar sentences (80% or more alike), for the reviewer to take or
    leave: in the JSONL, the XLIFF (<alt-trans>) and the review page. Never applied."""
    tm = _memory(prep)
    if tm is None:
        return doc
    segs = []
    for seg in doc.segments:
        if seg.target is not None and not seg.reviewed:
            found = tm.reviewed_similar(seg.norm)
            if found:
                seg = replace(seg, matches=tuple(FuzzyMatch(src, tgt, round(ratio, 3), origin)
                                                 for src, tgt, ratio, origin in found))
        segs.append(seg)
    return replace(doc, segments=tuple(segs))


def _memory(prep: _Prepared) -> TranslationMemory | None:
    tm = getattr(prep.translator, "tm", None)
    return tm if isinstance(tm, TranslationMemory) and tm.usable else None


def _memory_warnings(prep: _Prepared) -> list[str]:
    tm = getattr(prep.translator, "tm", None)
    broken = getattr(tm, "broken", None)
    if broken:
        return [f"{broken}; went on without it"]
    return [prep.memory_warning] if prep.memory_warning else []


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
    opts = check_options(options.summary or SummaryOptions())
    prep = _prepare(inputs, out_dir, options, translator, stdin)
    if not prep.docs:
        return RunReport(prep.failures)
    summaries: list[Summary]
    if needs_full_translation(opts):
        docs = [keep_reviewed(d, out_dir, options, prep)[0] for d in _translate(prep, options, progress)]
        if opts.method == "abstractive" and summarizer is None:
            summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
        summaries = [summarize(d, opts, summarizer) for d in docs]
    else:
        picks = {d.source.name: select(d, n=opts.sentences, ranker=opts.ranker) for d in prep.docs}
        wanted = {(d.source.name, s.id) for d in prep.docs for s in headline_segments(d)}
        wanted |= {(name, s.id) for name, ps in picks.items() for s, _ in ps}
        docs = _translate(prep, options, progress, only=wanted)
        docs = [keep_reviewed(d, out_dir, options, prep)[0] for d in docs]
        summaries = [summarize(d, opts, picks=picks[d.source.name]) for d in docs]
    results = [_write(replace(doc, summary=summ), out_dir, (), summary_json=True)
               for doc, summ in zip(docs, summaries, strict=True)]
    return RunReport(prep.failures + results, term_counts(docs), cache=_cache_counts(prep),
                     warnings=_memory_warnings(prep))


@dataclass
class _Prepared:
    docs: list[Document]
    failures: list[DocResult]
    translator: Translator | None
    glossary: Glossary | None
    sources: list[Source] = field(default_factory=list)
    not_releases: list[str] = field(default_factory=list)
    memory_warning: str | None = None


def _prepare(inputs: Sequence[str], out_dir: Path | None, options: TranslateOptions, translator: Translator | None,
             stdin: bytes | None, segment_now: bool = True, formats: Sequence[str] = ()) -> _Prepared:
    """Check options and the output folder (None: nothing is written), read inputs, load the
    model (once, only if anything was readable)."""
    glossary = _check_run(out_dir, options)
    found = find_inputs(inputs)
    sources, failures = read_inputs(found.files, stdin)
    if out_dir is not None:
        with_summary = options.summary is not None
        sources = unique_names(sources, out_dir, formats, with_summary, inputs=found.files)
        remove_stale_temps([p for s in sources for p in planned_outputs(s.name, out_dir, formats, with_summary)])
    if not sources:
        return _Prepared([], failures, translator, glossary, not_releases=found.skipped)
    if translator is None:
        translator = load_translator(options.engine)
    memory_warning = None
    if options.cache:
        context = {"glossary": glossary.sha256 if glossary else None, "glossary_mode": options.glossary_mode}
        tm = TranslationMemory()
        if tm.usable:
            translator = CachedTranslator(translator, tm, context)
        else:
            memory_warning = f"{tm.broken}; went on without it"
    prep = _Prepared([], failures, translator, glossary, sources, not_releases=found.skipped,
                     memory_warning=memory_warning)
    if segment_now:
        prep.docs, seg_failures = _segment_all(sources, options, prep)
        prep.failures.extend(seg_failures)
    return prep


def _check_run(out_dir: Path | None, options: TranslateOptions) -> Glossary | None:
    """The options and the output folder checked; the glossary loaded (None: off)."""
    if out_dir is not None:
        check_out_dir(out_dir)
    if options.max_tokens < 8:
        raise UsageError("the longest model input must be at least 8 tokens", option="max_tokens")
    check_mode(options.glossary_mode)
    check_facts_mode(options.facts)
    if options.summary is not None:
        check_options(options.summary)
    return load_glossary(options.glossary) if options.glossary_mode != "off" else None


def _expected(src: Source, options: TranslateOptions, prep: _Prepared) -> Any:
    """The provenance this run would write for src (its time aside)."""
    tr = prep.translator
    assert tr is not None
    return provenance(src, tr.model.id, tr.model.revision, tr.engine, tr.settings(),
                      prep.glossary.sha256 if prep.glossary is not None else None, options.glossary_mode,
                      run_options(options))


def _segment_all(sources: Sequence[Source], options: TranslateOptions,
                 prep: _Prepared) -> tuple[list[Document], list[DocResult]]:
    """Segment documents, in options.jobs processes when there are several."""
    counter = getattr(getattr(prep.translator, "inner", prep.translator), "token_counter", None)
    count: TokenCounter = counter or (prep.translator.count_tokens if prep.translator else char_count)
    docs: list[Document] = []
    failures: list[DocResult] = []
    if options.jobs > 1 and len(sources) > 1 and counter is not None:
        from concurrent.futures import ProcessPoolExecutor  # only a run with --jobs pays for it

        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            outcomes = list(pool.map(_segment_one, sources, [options.max_tokens] * len(sources),
                                     [counter] * len(sources)))
    else:
        outcomes = [_segment_one(src, options.max_tokens, count) for src in sources]
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


def _translate(prep: _Prepared, options: TranslateOptions, progress: ProgressFactory | None,
               only: set[tuple[str, str]] | None = None) -> list[Document]:
    assert prep.translator is not None
    return translate_checked(prep.docs, prep.translator, prep.glossary, options, progress, only)


def translate_checked(docs: Sequence[Document], translator: Translator, glossary: Glossary | None,
                      options: TranslateOptions, progress: ProgressFactory | None = None,
                      only: set[tuple[str, str]] | None = None) -> list[Document]:
    """Glossary protect, translate, restore and verify, then the figures and the risk checks:
    what a local run does to each chunk and a cluster's actors to each batch."""
    docs = translate_documents(docs, translator, progress, glossary=glossary, mode=options.glossary_mode, only=only,
                               options=run_options(options))
    return [replace(d, segments=tuple(assess_segment(check_segment(s, options.facts), options.min_confidence)
                                      for s in d.segments)) for d in docs]


def _write(doc: Document, out_dir: Path, formats: Sequence[str], summary_json: bool) -> DocResult:
    """Every output of one document; its summary too when it has one. An output folder that
    fills up or turns read-only fails this document, not the run."""
    try:
        extra = summary_files(doc, out_dir, summary_json) if doc.summary is not None else {}
        written = write_document(doc, out_dir, formats, extra)
        return DocResult(doc.source.path, written, len(doc.segments), warnings=doc.warnings)
    except OSError as exc:
        reason = f"{doc.source.path}: cannot write outputs to {out_dir} ({exc.strerror or exc})"
        return DocResult(doc.source.path, error=reason)


def summary_files(doc: Document, out_dir: Path, with_json: bool) -> dict[Path, str]:
    """NAME.summary.md, and NAME.summary.json (provenance + the summary record) when asked."""
    assert doc.summary is not None
    files = {summary_path(doc.source.name, out_dir): summary_md.render(doc.summary, doc)}
    if with_json:
        files[out_dir / f"{doc.source.name}.summary.json"] = json.dumps(
            {"provenance": asdict(doc.provenance) if doc.provenance else None, **doc.summary.to_record()},
            ensure_ascii=False, indent=2) + "\n"
    return files


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


def _cache_counts(prep: _Prepared) -> dict[str, int]:
    tm = getattr(prep.translator, "tm", None)
    return {"hits": tm.hits, "misses": tm.misses} if tm is not None else {}


# ---------------------------------------------------------------------------- review and checks


@dataclass
class MergeReport:
    reviewed: Path
    changed: list[str]
    written: list[Path]
    figures: list[str] = field(default_factory=list)  # figures the reviewed English no longer matches
    warnings: list[str] = field(default_factory=list)


def run_merge(reviewed: Path, out_dir: Path | None = None, release: str | None = None) -> MergeReport:
    """Bring a reviewed XLIFF or TMX back: rewrite every output of its release from it, the
    summary included, and remember the reviewed English (the translation memory's reviewed
    entries) for every later run. The reviewer's own file is read, never written."""
    folder = out_dir or reviewed.parent
    word = reviewed.suffix.lower() == ".docx"  # a Word review names its release in its properties
    name = release or (docx_release(reviewed) if word else None) or reviewed.name.rsplit(".", 1)[0]
    jsonl = folder / f"{name}.jsonl"
    if not jsonl.exists():
        raise UsageError(f"{jsonl}: not found; merge needs the release's JSONL output beside it", option="out_dir")
    try:
        size = reviewed.stat().st_size
    except OSError as exc:
        raise UsageError(f"{reviewed}: cannot read ({exc.strerror or exc})") from None
    limit = max_bytes()
    if size > limit:
        raise UsageError(f"{reviewed}: {size // 2**20} MiB is too large for a reviewed release (limit "
                         f"{limit // 2**20} MiB; set ZHEN_MAX_MB to raise it); nothing merged")
    doc = load_document(jsonl)
    result = merge(doc, read_docx_review(reviewed) if word else read_reviewed(reviewed), str(reviewed))
    new = result.doc
    formats = existing_formats(folder, name, FORMATS)
    extra: dict[Path, str] = {}
    if new.summary is not None and summary_path(name, folder).exists():
        extra = summary_files(new, folder, (folder / f"{name}.summary.json").exists())
    written = write_document(new, folder, formats, extra, keep=[reviewed])
    warnings = list(result.warnings)
    rows = [(s.norm, s.target or "", s.review.by if s.review else None, s.review.at if s.review else None)
            for s in result.reviewed]
    if rows:
        tm = TranslationMemory()
        tm.reviewed_put(rows, str(reviewed))
        if not tm.usable:
            warnings.append(f"{tm.broken}; the reviewed English is in the outputs but not remembered for other "
                            "releases")
        tm.close()
    return MergeReport(reviewed, result.changed, written, result.figures, warnings)


def run_facts_check(output: str | None, zh_file: str | None = None,
                    en_file: str | None = None) -> list[tuple[int, PairCheck]]:
    """(line, check) for each pair of a zhen JSONL output or of two line-aligned files."""
    return [(line, check_pair(zh, en)) for line, zh, en, _hits in read_pairs(output, zh_file, en_file)]


def run_glossary_check(output: Path, glossary: Glossary) -> list[dict[str, object]]:
    """Glossary terms whose English is missing from a zhen JSONL output."""
    return missing_terms(list(translated_records(output)), glossary)


def run_glossary_suggest(inputs: Sequence[str], glossary: Glossary, limit: int,
                         stdin: bytes | None = None) -> list[Suggestion]:
    """Terms the glossary lacks, read from releases."""
    docs = run_segment(inputs, stdin=stdin)
    sentences = [s.norm for d in docs for s in d.segments if s.kind != "boilerplate"]
    speakers = sorted({b.speaker for d in docs for b in d.blocks if b.speaker})
    return suggest(sentences, glossary, speakers=[s.split()[-1] for s in speakers], limit=limit)


# ---------------------------------------------------------------------------- align


@dataclass
class AlignReport:
    pairs: list[AlignedPair]
    text: str  # the rendered output (written to `output` when there is one)
    output: Path | None = None
    documents: int = 0
    failures: list[str] = field(default_factory=list)  # one line per document pair that could not be read


def read_pair_list(path: Path) -> list[tuple[str, str]]:
    """LIST.tsv: a Chinese and an English document per line (paths relative to the list's folder);
    # comments, blank lines and a header line "zh<TAB>en" are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the list of document pairs ({exc})") from None
    out: list[tuple[str, str]] = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if [c.lower() for c in cells[:2]] == ["zh", "en"]:
            continue
        if len(cells) != 2 or not all(cells):
            raise UsageError(f"{path}:{no}: expected two paths, Chinese<TAB>English", option="pairs")
        zh, en = (str(c if Path(c).is_absolute() else path.parent / c) for c in cells)
        out.append((zh, en))
    if not out:
        raise UsageError(f"{path}: no document pairs in the list", option="pairs")
    return out


def run_align(documents: Sequence[tuple[str, str]], options: AlignOptions | None = None,
              output: Path | None = None, translator: Translator | None = None) -> AlignReport:
    """Align each (Chinese, English) document pair and render all pairs in one output.

    The Chinese goes through read, normalize and segment (its translatable segments); the
    English is read the same way and split into sentences by pysbd. A pair of documents that
    cannot be read fails alone, with one line."""
    options = options or AlignOptions()
    check_format(options.fmt)
    glossary = load_glossary(options.glossary)
    if translator is None and options.model:
        translator = load_translator(EngineOptions(model=options.model, offline=options.offline))
    tr = translator

    def translate(texts: Sequence[str]) -> list[str]:
        assert tr is not None
        return [t.text for t in tr.translate(list(texts))]

    pairs: list[AlignedPair] = []
    failures: list[str] = []
    done = 0
    for zh_path, en_path in documents:
        try:
            zh_doc = segment(read_source(zh_path), budget=10**9)  # no token budget: whole sentences
            en_src = read_source(en_path)
        except ZhenError as exc:
            failures.append(str(exc))
            continue
        english = split_english_sentences(en_src.raw, markdown=en_src.media_type == "text/markdown")
        if not english:
            failures.append(f"{en_path}: no English sentences")
            continue
        pairs.extend(align_document(zh_doc, english, options, glossary, translate=translate if tr else None))
        done += 1
    text = aligned_out.render(pairs, options.fmt)
    if output is not None and done:
        atomic_write(output, text)
    return AlignReport(pairs, text, output if done else None, done, failures)


# ---------------------------------------------------------------------------- glossary mine


@dataclass
class MineReport:
    candidates: list[Candidate]
    text: str  # TSV for zhen glossary import
    pairs: int = 0  # aligned pairs read
    used: int = 0  # of them, the links mined (status ok, or low too when asked)
    output: Path | None = None


def run_glossary_mine(inputs: Sequence[str], glossary: Glossary | None, min_count: int = 3, limit: int | None = 100,
                      include_low: bool = False, output: Path | None = None,
                      keep_everyday: bool = False) -> MineReport:
    """Term candidates from files of aligned pairs (zhen align TSV or JSONL, or any zh<TAB>en TSV)."""
    pairs: list[AlignedPair] = []
    for path in inputs:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read aligned pairs ({exc})") from None
        pairs.extend(aligned_out.parse_pairs(text, path))
    statuses = ("ok", "low") if include_low else ("ok",)
    used = [p for p in pairs if p.status in statuses and p.zh and p.en]
    found = mine(used, glossary, min_count=min_count, limit=limit, keep_everyday=keep_everyday)
    text = render_mined(found)
    if output is not None:
        atomic_write(output, text)
    return MineReport(found, text, len(pairs), len(used), output)


# ---------------------------------------------------------------------------- human translations


def run_tm_import(path: Path) -> tuple[int, int]:
    """Human translations into the memory, as reviewed English that every later run keeps for
    the same Chinese: a TMX (any tool's: <tu> with a zh* and an en* <tuv>), or the aligned pairs
    of `zhen align` (TSV or JSONL; links marked low or unaligned are left out). Returns (stored,
    left out)."""
    if path.suffix.lower() == ".tmx":
        pairs = read_tmx_pairs(path)
        left = 0
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read pairs ({exc})") from None
        aligned = aligned_out.parse_pairs(text, str(path))
        good = [a for a in aligned if a.status == "ok" and a.zh and a.en]
        pairs = [("".join(a.zh), " ".join(a.en)) for a in good]
        left = len(aligned) - len(good)
    rows = [(to_norm(zh), en, None, None) for zh, en in pairs if zh.strip() and en.strip()]
    tm = TranslationMemory(strict=True)  # importing into a memory that cannot be opened is an error
    try:
        tm.reviewed_put(rows, f"imported from {path.name}")
    finally:
        tm.close()
    return len(rows), left + len(pairs) - len(rows)


def run_tm_export(fmt: str) -> str:
    """The memory's human translations as TSV (zh, en, reviewer, when, origin) or TMX."""
    tm = TranslationMemory(strict=True)
    try:
        rows = tm.reviewed_all()
    finally:
        tm.close()
    if fmt == "tmx":
        return render_tmx_pairs([(zh, en) for zh, en, *_ in rows])
    lines = ["zh\ten\treviewer\twhen\torigin"]
    lines += ["\t".join(c.replace("\t", " ").replace("\n", " ") for c in (zh, en, by or "", at or "", origin))
              for zh, en, by, at, origin in rows]
    return "\n".join(lines) + "\n"


def run_tm_search(text: str, limit: int = 20) -> list[tuple[str, str, str | None, str | None, str]]:
    """A translator's concordance: human translations whose Chinese or English holds `text`."""
    tm = TranslationMemory(strict=True)
    try:
        return tm.reviewed_search(to_norm(text) if HAN.search(text) else text, limit)
    finally:
        tm.close()


__all__ = ["DocResult", "RunReport", "TranslateOptions", "ZhenError", "expand_inputs", "run_segment", "run_translate",
           "run_translate_stream"]
