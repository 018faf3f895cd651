"""The pipeline as one call: read → segment → translate → write, for one or many inputs.

The CLI parses options and calls run_translate/run_segment; tests and other programs can
call them directly (and pass their own translator).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, UsageError, ZhenError
from .models import DEFAULT_MODEL
from .read import read_source
from .records import Document, Provenance, Segment, Source
from .segment import DEFAULT_TOKEN_BUDGET, TokenCounter, char_count, segment
from .translate import Translator, load_translator
from .write import output_paths, write_document

ProgressFactory = Callable[[int, str], Any]  # (total, label) -> object with update(n)


@dataclass(frozen=True)
class TranslateOptions:
    model: str = DEFAULT_MODEL
    engine: str = "torch"
    beams: int | None = None
    batch_size: int = 16
    threads: int | None = None
    offline: bool | None = None
    formats: tuple[str, ...] = ("jsonl", "md", "txt")
    budget: int = DEFAULT_TOKEN_BUDGET


@dataclass
class DocResult:
    input: str
    outputs: list[Path] = field(default_factory=list)
    segments: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class RunReport:
    results: list[DocResult]

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
) -> RunReport:
    """Translate every input and write its outputs; each document succeeds or fails alone.

    Raises ZhenError only for what stops the whole run (no model, bad options).
    """
    if options.budget < 8:
        raise UsageError("--max-tokens must be at least 8")
    sources, failures = read_inputs(inputs, stdin)
    sources = _unique_names(sources)
    for src in sources:
        _refuse_overwriting_input(src, out_dir, options.formats)
    if not sources:
        return RunReport(failures)
    if translator is None:
        translator = load_translator(
            options.model, engine=options.engine, beams=options.beams, batch_size=options.batch_size,
            threads=options.threads, offline=options.offline,
        )
    docs = [segment(s, budget=options.budget, count_tokens=translator.count_tokens) for s in sources]
    docs = translate_documents(docs, translator, progress)
    results: list[DocResult] = []
    for doc in docs:
        try:
            written = write_document(doc, out_dir, list(options.formats))
            results.append(DocResult(doc.source.path, written, len(doc.segments), warnings=doc.warnings))
        except OSError as exc:
            reason = f"{doc.source.path}: cannot write outputs to {out_dir} ({exc.strerror or exc})"
            results.append(DocResult(doc.source.path, error=reason))
    return RunReport(failures + results)


def translate_documents(
    docs: Sequence[Document], translator: Translator, progress: ProgressFactory | None = None
) -> list[Document]:
    """Translate the translatable segments of all documents in one batched call."""
    todo = [seg.norm for doc in docs for seg in doc.segments if seg.translatable]
    bar = progress(len(todo), "Translating") if progress else None
    translations = translator.translate(todo, progress=bar.update if bar is not None else None)
    it = iter(translations)
    out: list[Document] = []
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for doc in docs:
        segs: list[Segment] = []
        for seg in doc.segments:
            if seg.translatable:
                tr = next(it)
                seg = replace(seg, target=tr.text, flags=seg.flags + tr.flags)
            segs.append(seg)
        prov = Provenance(
            tool="zhen",
            version=__version__,
            model=translator.model.id,
            model_revision=translator.model.revision,
            engine=translator.engine,
            decoding=translator.settings(),
            input=doc.source.path,
            input_sha256=doc.source.sha256,
            created=created,
        )
        out.append(replace(doc, segments=tuple(segs), provenance=prov))
    if bar is not None and hasattr(bar, "finish"):
        bar.finish()
    return out


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
    doc = Document(source=src, blocks=(), segments=())
    for path in output_paths(doc, out_dir, list(formats)).values():
        if os.path.realpath(path) == inp:
            raise UsageError(f"{src.path}: an output would overwrite this input; choose another --out-dir")


__all__ = ["DocResult", "RunReport", "TranslateOptions", "ZhenError", "run_segment", "run_translate"]
