"""The corpus commands' drivers: checks of files (figures, glossary), term suggestions, aligning
document pairs, mining terms from aligned pairs, and the translation memory's human
translations (import, export, search). Like pipeline.run, this is where files are read and
written; the stages it calls work over records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engines import load_translator
from ..engines.base import Translator
from ..engines.shortlist import MIN_COVERAGE, build_checked
from ..engines.shortlist import read_pairs as read_corpus
from ..engines.store import converted_folder
from ..errors import InputError, UsageError, ZhenError
from ..facts import check_pair, describe
from ..files import refuse_overwrite, write_output
from ..flow import read_one
from ..glossary import glossary_paths, load_glossary
from ..memory import TranslationMemory, default_path
from ..normalize import HAN, to_norm
from ..read import one_line, read_bytes, read_source
from ..records import AlignedPair, AlignOptions, Document, EngineOptions, PairCheck, Term
from ..segment import segment
from ..termbase import (
    Diff,
    Edit,
    Finding,
    Suggestion,
    allowed_sources,
    diff_terms,
    edit_file,
    edit_target,
    export_terms,
    import_terms,
    lint_files,
    missing_terms,
    suggest,
)
from ..write import aligned as aligned_out
from ..write.jsonl import translated_records
from ..write.tmx import read_tmx_pairs, render_tmx_pairs
from .align import AlignCounts, align_document, check_format, count, format_for, split_english_paragraphs
from .check import read_pairs
from .mine import Candidate, mine
from .mine import render_tsv as render_mined


@dataclass
class FactRow:
    """One pair's figures checked (zhen facts check)."""

    line: int
    check: PairCheck

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def lines(self) -> list[str]:
        """What a reader is told: a line for each figure that changed or went missing."""
        if self.ok:
            return []
        return [f"{self.line}\t{c.status}\t{describe(c)}" for c in self.check.checks if c.status != "matched"]

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "status": self.check.status, "facts": [c.to_dict() for c in self.check.checks]}


def run_facts_check(output: str | None, zh_file: str | None = None, en_file: str | None = None) -> list[FactRow]:
    """Each pair of a zhen JSONL output or of two line-aligned files, its figures checked."""
    return [FactRow(line, check_pair(zh, en)) for line, zh, en, _hits in read_pairs(output, zh_file, en_file)]


def run_glossary_check(output: Path, glossary: Sequence[str]) -> list[dict[str, object]]:
    """Glossary terms (of the term base these paths name) whose English is missing from a zhen JSONL output."""
    return missing_terms(list(translated_records(output)), load_glossary(glossary))


def run_glossary_suggest(inputs: Sequence[str], glossary: Sequence[str], limit: int,
                         stdin: bytes | None = None) -> list[Suggestion]:
    """Terms the glossary (the term base these paths name) lacks, read from releases."""
    known = load_glossary(glossary)
    docs = _segmented(inputs, stdin)
    sentences = [s.norm for d in docs for s in d.segments if s.kind != "boilerplate"]
    speakers = sorted({b.speaker for d in docs for b in d.blocks if b.speaker})
    return suggest(sentences, known, speakers=[s.split()[-1] for s in speakers], limit=limit)


def _segmented(inputs: Sequence[str], stdin: bytes | None) -> list[Document]:
    """Releases segmented (no token budget to meet); the first unreadable one stops the command."""
    sources = [read_one(path, stdin if path == "-" else None) for path in inputs]
    failed = next((s for s in sources if isinstance(s, str)), None)
    if failed is not None:
        raise InputError(failed)
    return [segment(s) for s in sources if not isinstance(s, str)]


# ---------------------------------------------------------------------------- align


@dataclass
class AlignReport:
    pairs: list[AlignedPair]
    text: str  # the rendered output (written to `output` when there is one)
    output: Path | None = None
    documents: int = 0
    failures: list[str] = field(default_factory=list)  # one line per document pair that could not be read

    @property
    def counts(self) -> AlignCounts:
        return count(self.pairs)


def align_options(output: str | None, fmt: str | None, **given: object) -> AlignOptions:
    """zhen align's options: the format as given, else the output's suffix, else TSV."""
    return AlignOptions(fmt=format_for(output, fmt), **given)  # type: ignore[arg-type]


def read_pair_list(path: Path) -> list[tuple[str, str]]:
    """LIST.tsv: a Chinese and an English document per line (paths relative to the list's folder);
    # comments, blank lines and a header line "zh<TAB>en" are skipped."""
    try:
        text = read_bytes(str(path)).decode("utf-8-sig")  # bounded: a list may be a pipe or a device
    except (InputError, UnicodeDecodeError) as exc:
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
              output: Path | None = None, translator: Translator | None = None,
              lists: Sequence[str] = ()) -> AlignReport:
    """Align each (Chinese, English) document pair and render all pairs in one output.

    The Chinese goes through read, normalize and segment (its translatable segments); the
    English is read the same way and split into sentences by pysbd. A pair of documents that
    cannot be read fails alone, with one line. `lists`: the files that named the pairs (never
    written over either)."""
    options = options or AlignOptions()
    check_format(options.fmt)
    if output is not None:
        refuse_overwrite(output, [*(p for pair in documents for p in pair), *lists])
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
        paras = split_english_paragraphs(en_src.raw, markdown=en_src.media_type == "text/markdown")
        english = [s for para in paras for s in para]
        if not english:
            failures.append(f"{en_path}: no English sentences")
            continue
        en_para = [k for k, para in enumerate(paras) for _ in para]
        pairs.extend(align_document(zh_doc, english, options, glossary, translate=translate if tr else None,
                                    en_para=en_para))
        done += 1
    text = aligned_out.render(pairs, options.fmt)
    if output is not None and done:
        write_output(output, text)
    return AlignReport(pairs, text, output if done else None, done, failures)


# ---------------------------------------------------------------------------- glossary mine


@dataclass
class MineReport:
    candidates: list[Candidate]
    text: str  # TSV for zhen glossary import
    pairs: int = 0  # aligned pairs read
    used: int = 0  # of them, the links mined (status ok, or low too when asked)
    output: Path | None = None


def run_glossary_mine(inputs: Sequence[str], glossary: Sequence[str], min_count: int = 3, limit: int | None = 100,
                      include_low: bool = False, output: Path | None = None,
                      keep_everyday: bool = False) -> MineReport:
    """Term candidates from files of aligned pairs (zhen align TSV or JSONL, or any zh<TAB>en TSV)."""
    if output is not None:
        refuse_overwrite(output, [*inputs, *glossary_paths(glossary)])
    pairs: list[AlignedPair] = []
    for path in inputs:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read aligned pairs ({exc})") from None
        pairs.extend(aligned_out.parse_pairs(text, path))
    statuses = ("ok", "low") if include_low else ("ok",)
    used = [p for p in pairs if p.status in statuses and p.zh and p.en]
    found = mine(used, load_glossary(glossary), min_count=min_count, limit=limit, keep_everyday=keep_everyday)
    text = render_mined(found)
    if output is not None:
        write_output(output, text)
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


def run_tm_export(fmt: str, output: Path | None = None) -> str:
    """The memory's human translations as TSV (zh, en, reviewer, when, origin) or TMX (written
    to `output` too when given)."""
    if output is not None:
        refuse_overwrite(output, [default_path()])
    text = _tm_export(fmt)
    if output is not None:
        write_output(output, text)
    return text


def _tm_export(fmt: str) -> str:
    tm = TranslationMemory(strict=True)
    try:
        rows = tm.reviewed_all()
    finally:
        tm.close()
    if fmt == "tmx":
        return render_tmx_pairs([(zh, en) for zh, en, *_ in rows])
    lines = ["zh\ten\treviewer\twhen\torigin"]
    lines += ["\t".join(one_line(c) for c in (zh, en, by or "", at or "", origin))
              for zh, en, by, at, origin in rows]
    return "\n".join(lines) + "\n"


def run_tm_search(text: str, limit: int = 20) -> list[tuple[str, str, str | None, str | None, str]]:
    """A translator's concordance: human translations whose Chinese or English holds `text`."""
    tm = TranslationMemory(strict=True)
    try:
        return tm.reviewed_search(to_norm(text) if HAN.search(text) else text, limit)
    finally:
        tm.close()


# ---------------------------------------------------------------------------- the memory's upkeep


def run_cache_stats() -> dict[str, Any] | None:
    """Entries, contexts, reviewed entries and size of the translation memory; None when there is
    none yet (looking must not create ZHEN_HOME). A broken memory is an error here."""
    path = default_path()
    if not path.exists():
        return None
    return TranslationMemory(path, strict=True).stats()


def run_cache_count(model: str | None) -> tuple[Path, int | None]:
    """The memory's path and how many machine translations (made with `model`, or all) it holds
    (None: there is no memory)."""
    path = default_path()
    if not path.exists():
        return path, None
    return path, TranslationMemory(path, strict=True).count(model)


def run_cache_clear(model: str | None) -> int:
    """Remove machine translations (made with `model`, or all); reviewed English is kept."""
    removed: int = TranslationMemory(default_path(), strict=True).clear(model)
    return removed


# ---------------------------------------------------------------------------- a converted model's shortlist


@dataclass
class ShortlistReport:
    folder: Path
    entries: int  # source pieces mapped
    always: int  # English pieces always allowed
    coverage: float  # of held-out reference pieces the shortlist allows
    held: int  # held-out pairs
    minimum: float  # the coverage under which the decoder misses words

    @property
    def too_small(self) -> bool:
        return bool(self.held) and self.coverage < self.minimum


def run_shortlist(model: str, corpus: Path, per_source: int, common: int) -> ShortlistReport:
    """Build a converted model's vocabulary shortlist (vmap.txt) from a parallel corpus, checked
    on every 20th pair held out."""
    folder = converted_folder(model)
    entries, always, cover, held = build_checked(read_corpus(corpus), folder, per_source, common)
    return ShortlistReport(folder, entries, always, cover, held, MIN_COVERAGE)


# ---------------------------------------------------------------------------- the term base's upkeep


def run_glossary_list(glossary: Sequence[str], pattern: str | None = None, kind: str | None = None) -> list[Term]:
    """Entries sorted by zh: of one kind, and/or whose zh, en, note or variants contain `pattern`
    (compared in normalized, simplified script, any case)."""
    needle = to_norm(pattern).lower() if pattern else None
    out = []
    for t in sorted(load_glossary(glossary).terms, key=lambda t: t.zh):
        if kind and t.kind != kind:
            continue
        if needle and not any(needle in to_norm(x).lower() for x in (t.zh, t.en, t.note, *t.variants)):
            continue
        out.append(t)
    return out


def run_glossary_edit(glossary: Sequence[str], add: Sequence[Term] = (), remove: Sequence[str] = (),
                      overwrite: bool = True, by_hand: bool = False) -> tuple[Path, Edit]:
    """An edit of the term base file edits go to (the last --glossary FILE, else ./glossary/police.tsv);
    `by_hand`: an entry typed in, held to what lint asks of it (termbase.edit_file)."""
    path = edit_target(glossary)
    return path, edit_file(path, add=add, remove=remove, overwrite=overwrite, by_hand=by_hand)


def run_glossary_import(file: Path, glossary: Sequence[str], overwrite: bool) -> tuple[Path, Edit]:
    """A TSV, CSV (zh,en) or TBX file merged into the term base file edits go to."""
    return run_glossary_edit(glossary, add=import_terms(file), overwrite=overwrite)


def run_glossary_lint(glossary: Sequence[str], allow_list: Path | None = None) -> tuple[list[Path], list[Finding]]:
    """The findings of lint; sources are checked against `allow_list` (else the list beside the
    glossary file, else the shipped one)."""
    paths = glossary_paths(glossary)
    return paths, lint_files(paths, allowed_sources(allow_list) if allow_list else None)


def run_glossary_diff(old: str, new: str) -> Diff:
    """What changed between two versions of a term base (files or folders)."""
    return diff_terms(load_glossary((old,)).terms, load_glossary((new,)).terms)


def run_glossary_export(glossary: Sequence[str], fmt: str, with_source: bool,
                        output: Path | None = None) -> tuple[int, str]:
    """The term base in TSV, CSV or TBX (written to `output` too when given): (terms, text)."""
    g = load_glossary(glossary)
    if output is not None:
        refuse_overwrite(output, g.files)
    text = export_terms(g.terms, fmt, source=with_source)
    if output is not None:
        write_output(output, text)
    return len(g), text
