"""The drivers: one call per command over files, with the per-document flow (pipeline.flow)
in between: read → normalize → segment → glossary protect → translate → restore and verify →
checks → summarize → write.

The CLI parses options and calls one function here; tests and other programs call them
directly (and may pass their own translator). Functions here read and write files; the
stages they run work over records only. A translate run has two backends, local (this
process, in chunks) and Ray (pipeline.cluster): both plan, finish and write the same way.
The corpus commands (facts and glossary checks of files, align, mine, the memory) are in
pipeline.corpus.commands; merge's driver is in pipeline.merge.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .batch import (
    DocResult,
    Inputs,
    chunks,
    edited_exchange_files,
    expand_inputs,
    find_inputs,
    planned_outputs,
    unique_names,
    up_to_date,
    write_outputs,
)
from .cluster import RayBackend
from .engines import load_translator
from .engines.base import SpmTokenCounter, Translator
from .errors import InputError, UsageError, ZhenError
from .files import new_folders, remove_empty, remove_stale_temps
from .flow import AT_DRIVER, ON_ACTORS, Context, check_run, open_context, pipe, segment_one
from .glossary import Glossary
from .progress import SentenceProgress
from .read import max_bytes, read_source, read_stdin
from .records import Document, Source, SummaryOptions, TranslateOptions
from .report import RunReport, term_counts
from .segment import DEFAULT_TOKEN_BUDGET, TokenCounter, char_count, segment
from .structure_file import apply_structure_file
from .summarize import Seq2SeqSummarizer, check_options, headline_segments, needs_full_translation, select
from .translate import ProgressFactory, each_alone
from .write import FORMATS, output_paths

__all__ = ["DocResult", "RunReport", "TranslateOptions", "ZhenError", "expand_inputs", "read_stdin", "run_segment",
           "run_summarize", "run_translate", "run_translate_stream"]


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


def run_segment(inputs: Sequence[str], budget: int = DEFAULT_TOKEN_BUDGET, count_tokens: TokenCounter = char_count,
                stdin: bytes | None = None) -> list[Document]:
    """Segment inputs; the first unreadable input stops the run (there is nothing to keep)."""
    sources, failures = read_inputs(inputs, stdin)
    if failures:
        raise InputError(failures[0].error or "cannot read input")
    return [segment(s, budget=budget, count_tokens=count_tokens) for s in sources]


# ---------------------------------------------------------------------------- translate


class LocalBackend:
    """Reading, segmenting and the translation stages in this process (segmenting in options.jobs
    processes when there are several documents)."""

    def __init__(self, translator: Translator | None) -> None:
        self.translator = translator

    def read(self, paths: Sequence[str], stdin: bytes | None) -> tuple[list[Source], list[DocResult]]:
        return read_inputs(paths, stdin)

    def engine(self, options: TranslateOptions) -> Translator:
        return self.translator if self.translator is not None else load_translator(options.engine)

    def chars(self, src: Source) -> int:
        return len(src.raw)

    def translate(self, groups: list[list[Source]], ctx: Context) -> Iterator[Document | DocResult]:
        for chunk in groups:
            docs, failures = segment_all(chunk, ctx)
            yield from failures
            # a document the engine fails on (one sentence it chokes on) fails alone
            done, failed = each_alone(docs, lambda ds: pipe(ds, ctx, ON_ACTORS))
            yield from (DocResult(doc.source.path, error=why) for doc, why in failed)
            yield from done

    def finish(self, names: list[str]) -> str | None:
        return None

    def close(self) -> None:
        pass


def run_translate(inputs: Sequence[str], out_dir: Path, options: TranslateOptions | None = None,
                  translator: Translator | None = None, progress: ProgressFactory | None = None,
                  stdin: bytes | None = None, summarizer: Any = None,
                  engine_kwargs: dict[str, Any] | None = None) -> RunReport:
    """Translate every input and write its outputs; each document succeeds or fails alone.

    Documents go through in chunks, each written as soon as it is done, so that an
    interrupted run keeps every finished document and a second run resumes: a document
    whose outputs are newer than the input and were made with the same settings (the
    provenance record says so) is skipped unless options.force. With options.cluster the
    chunks go to a Ray cluster (the same outputs, byte for byte). Raises ZhenError only for
    what stops the whole run (no model, bad options, an output folder that cannot be written).
    `engine_kwargs` are for benchmarks (fixed output lengths), given to the engine everywhere."""
    started = time.perf_counter()
    options = options or TranslateOptions()
    made = new_folders(out_dir)
    glossary = check_run(out_dir, options)
    backend: Any = LocalBackend(translator)
    if options.cluster:
        if options.structure is not None:
            raise UsageError("--structure applies to one release on this machine, not to a cluster run",
                             option="structure")
        if translator is not None:
            raise UsageError("a cluster run loads the model on its nodes; it takes no translator object",
                             option="cluster")
        backend = RayBackend(options, engine_kwargs)
    found = find_inputs(inputs)
    report = RunReport([], not_releases=found.skipped)
    try:
        ctx, done = _translate_all(backend, found, out_dir, glossary, options, report, stdin, progress, summarizer)
    finally:
        backend.close()
        remove_empty(made)
    if ctx is None:  # nothing readable: nothing to count
        report.seconds = time.perf_counter() - started
        return report
    return report.tally(done, ctx, started)


def _translate_all(backend: Any, found: Inputs, out_dir: Path, glossary: Glossary | None, options: TranslateOptions,
                   report: RunReport, stdin: bytes | None, progress: ProgressFactory | None,
                   summarizer: Any) -> tuple[Context | None, list[Document]]:
    """Read and name the inputs, skip what is up to date, then each chunk through the backend,
    and each of its documents through the driver's stages and written as soon as it is back."""
    sources, report.results = backend.read(found.files, stdin)
    with_summary = options.summary is not None
    sources = unique_names(sources, out_dir, options.formats, with_summary, inputs=found.files)
    remove_stale_temps([p for s in sources for p in planned_outputs(s.name, out_dir, options.formats, with_summary)])
    if not sources:
        return None, []
    ctx = open_context(backend.engine(options), glossary, options, out_dir=out_dir)
    todo = _to_translate(sources, out_dir, ctx, report)
    _summary_setup(ctx, bool(todo), summarizer)
    groups = chunks(todo, chars=backend.chars)
    bar = SentenceProgress(progress, [sum(map(backend.chars, g)) for g in groups], len(todo)) if progress else None
    ctx.progress = bar.chunk if bar is not None else None
    done: list[Document] = []
    try:
        for item in backend.translate(groups, ctx):
            if isinstance(item, DocResult):
                report.results.append(item)
            else:
                done.append(pipe([item], ctx, AT_DRIVER)[0])
                report.results.append(write_outputs(done[-1], out_dir, options.formats, summary_json=False))
                if bar is not None:
                    bar.document(done[-1])
        report.cluster = backend.finish([d.source.name for d in done])
    finally:
        if bar is not None:
            bar.finish()
    return ctx, done


def _to_translate(sources: Sequence[Source], out_dir: Path, ctx: Context, report: RunReport) -> list[Source]:
    """The sources this run translates: not those up to date (skipped), nor those whose
    exchange files a reviewer edited since (they fail, waiting for a merge)."""
    options = ctx.options
    todo = []
    redo = options.force or options.discard_reviewed
    with_summary = options.summary is not None
    for src in sources:
        if not redo and up_to_date(src, out_dir, options.formats, ctx.provenance(src), with_summary):
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


def _summary_setup(ctx: Context, anything: bool, summarizer: Any) -> None:
    """The checked summary options, and the abstractive summary's model loaded once (if there is work)."""
    opts = check_options(ctx.options.summary) if ctx.options.summary is not None else None
    if opts is not None and opts.method == "abstractive" and summarizer is None and anything:
        summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
    ctx.summary, ctx.summarizer = opts, summarizer


def segment_all(sources: Sequence[Source], ctx: Context) -> tuple[list[Document], list[DocResult]]:
    """Segment documents, in options.jobs processes when there are several."""
    options = ctx.options
    if options.jobs > 1 and len(sources) > 1 and isinstance(ctx.count_tokens, SpmTokenCounter):
        from concurrent.futures import ProcessPoolExecutor  # only a run with --jobs pays for it

        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            outcomes = list(pool.map(segment_one, sources, [options.max_tokens] * len(sources),
                                     [ctx.count_tokens] * len(sources)))
    else:
        outcomes = [segment_one(src, options.max_tokens, ctx.count_tokens) for src in sources]
    docs: list[Document] = []
    failures: list[DocResult] = []
    for src, out in zip(sources, outcomes, strict=True):
        if isinstance(out, str):
            failures.append(DocResult(src.path, error=out))
        else:
            docs.append(out)
    return apply_structure_file(docs, options.structure), failures


def run_translate_stream(stdin: bytes, options: TranslateOptions | None = None, fmt: str = "txt",
                         translator: Translator | None = None) -> tuple[str, RunReport]:
    """Translate one release given as bytes (standard input, --text) and render it in one
    format for standard output, writing no file: `echo 中文 | zhen translate -`."""
    started = time.perf_counter()
    options = options or TranslateOptions()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt}; choose txt or jsonl", option="stdout_format")
    ctx, docs, failures = _prepare(["-"], None, options, translator, stdin)
    report = RunReport(failures)
    if ctx is None or not docs:
        return "", report
    docs = pipe(docs, ctx, ON_ACTORS)
    report.results += [DocResult(d.source.path, [], len(d.segments), warnings=d.warnings) for d in docs]
    report.tally(docs, ctx, started)
    texts = [FORMATS[fmt].render(d) for d in docs]
    return "".join(t if isinstance(t, str) else "" for t in texts), report  # Word formats go to files only


def run_summarize(inputs: Sequence[str], out_dir: Path, options: TranslateOptions,
                  translator: Translator | None = None, progress: ProgressFactory | None = None,
                  stdin: bytes | None = None, summarizer: Any = None) -> RunReport:
    """Summarize each input into NAME.summary.md and NAME.summary.json.

    With the default extractive TextRank summary the sentences are chosen on the Chinese side
    first, so only they (and the headline) go through the model.
    """
    opts = check_options(options.summary or SummaryOptions())
    ctx, docs, failures = _prepare(inputs, out_dir, options, translator, stdin)
    if ctx is None or not docs:
        return RunReport(failures)
    ctx.progress, ctx.summary = progress, opts
    if needs_full_translation(opts):
        if opts.method == "abstractive" and summarizer is None:
            summarizer = Seq2SeqSummarizer(opts.model, offline=opts.offline)
        ctx.summarizer = summarizer
    else:
        ctx.picks = {d.source.name: select(d, n=opts.sentences, ranker=opts.ranker) for d in docs}
        ctx.only = {(d.source.name, s.id) for d in docs for s in headline_segments(d)}
        ctx.only |= {(name, s.id) for name, ps in ctx.picks.items() for s, _ in ps}
    docs = pipe(docs, ctx, ("names", "translate", "facts", "risk", "reviewed", "consistency", "summary"))
    results = [write_outputs(doc, out_dir, (), summary_json=True) for doc in docs]
    return RunReport(failures + results, term_counts(docs), cache=ctx.cache, warnings=ctx.warnings)


def _prepare(inputs: Sequence[str], out_dir: Path | None, options: TranslateOptions, translator: Translator | None,
             stdin: bytes | None) -> tuple[Context | None, list[Document], list[DocResult]]:
    """Check options and the output folder (None: nothing is written), read inputs, load the
    model (once, only if anything was readable), segment."""
    glossary = check_run(out_dir, options)
    found = find_inputs(inputs)
    sources, failures = read_inputs(found.files, stdin)
    if out_dir is not None:
        sources = unique_names(sources, out_dir, (), options.summary is not None, inputs=found.files)
        remove_stale_temps([p for s in sources for p in planned_outputs(s.name, out_dir, (), options.summary
                                                                        is not None)])
    if not sources:
        return None, [], failures
    ctx = open_context(translator or load_translator(options.engine), glossary, options, out_dir=out_dir)
    docs, seg_failures = segment_all(sources, ctx)
    return ctx, docs, failures + seg_failures
