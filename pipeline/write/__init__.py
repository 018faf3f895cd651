"""Stage: write a translated Document in each requested format, atomically.

Formats sit in one name table; each is a module here with a render(Document) -> str, and
none re-reads another's output:

    jsonl     jsonl.py     records with provenance (and the reader that merge and resume use)
    md        markdown.py  a bilingual document, English first, the Chinese quoted
    txt       text.py      the English alone, ready to paste (no review notes)
    tmx       tmx.py       TMX 1.4b
    xliff     xliff.py     XLIFF 1.2 (and reading reviewed XLIFF/TMX back)
    html      html.py      the review page
    docx      docx.py      a bilingual Word table for review (and reading a reviewed one back)
    docx-en   en_docx.py   the English as a Word document, ready to publish

Text formats render a str, Word formats bytes.

summary.py renders NAME.summary.md; notes.py holds what a reviewer is told, for all of them.
Modules load when their format is used.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..files import atomic_write, remove_stale_temps
from ..records import Document
from .jsonl import mark_pending
from .jsonl import render as render_jsonl


@dataclass(frozen=True)
class Format:
    """One output format: adding a format is a module here and a row of FORMATS, which the CLI,
    the batch (what merges back), the server (media types) and the review page (buttons) read."""

    suffix: str
    module: str  # pipeline.write.<module>.render
    description: str
    media_type: str  # as served (charset utf-8 added)
    label: str  # its download button on the review page
    merges_back: bool = False  # an exchange format: a reviewer edits it and `zhen merge` reads it back
    binary: bool = False  # render gives bytes (a Word document), served without a charset
    default: bool = False  # written when no formats are asked for: what a reader and a reviewer need
    always: bool = False  # written whatever formats are asked for (what merge and a resume read)

    @property
    def render(self) -> Callable[[Document], str | bytes]:
        render: Callable[[Document], str | bytes] = importlib.import_module(f"{__name__}.{self.module}").render
        return render


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FORMATS: dict[str, Format] = {
    "jsonl": Format(".jsonl", "jsonl", "one JSON record per line: provenance, then one per segment (always "
                    "written: merge and a resume read it)", "application/jsonl", "JSONL", default=True, always=True),
    "md": Format(".md", "markdown", "Markdown, a bilingual document: each block in English, the Chinese under it",
                 "text/markdown", "Markdown", default=True),
    "txt": Format(".en.txt", "text", "plain English with the release's structure", "text/plain", "English text",
                  default=True),
    "tmx": Format(".tmx", "tmx", "TMX 1.4b translation memory (zh-CN or zh-TW by script, en), for CAT tools",
                  "application/xml", "TMX", merges_back=True),
    "xliff": Format(".xliff", "xliff", "XLIFF 1.2 for review in CAT tools (OmegaT, Okapi, Trados); merge it back",
                    "application/xliff+xml", "XLIFF", merges_back=True, default=True),
    "html": Format(".html", "html", "a self-contained review page, Chinese and English side by side", "text/html",
                   "Review page", default=True),
    "docx": Format(".docx", "docx", "Word, a bilingual table to review (id, speaker, Chinese, English); merge it back",
                   DOCX_TYPE, "Word (bilingual)", merges_back=True, binary=True),
    "docx-en": Format(".en.docx", "en_docx", "Word, the English alone with the release's headings, ready to publish",
                      DOCX_TYPE, "Word (English)", binary=True),
}
EXCHANGE_FORMATS = tuple(name for name, f in FORMATS.items() if f.merges_back)
DEFAULT_FORMATS = tuple(name for name, f in FORMATS.items() if f.default)
ALL = "all"  # every format, as a --formats value


def with_required(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, with those always written (the JSONL) first."""
    return tuple(dict.fromkeys([*(n for n, f in FORMATS.items() if f.always), *formats]))


def parse_formats(spec: str) -> list[str]:
    """Comma-separated format names, or `all`; the formats always written are added."""
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if ALL in names:
        names = [n for n in names if n != ALL] + list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        choices = "; ".join(f"{n} ({f.description})" for n, f in FORMATS.items())
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; choose from: {choices}, or {ALL}",
                         option="formats")
    return list(with_required(names))


def output_paths(name: str, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    """Where each format of the release NAME goes."""
    return {f: out_dir / f"{name}{FORMATS[f].suffix}" for f in formats}


def existing_formats(out_dir: Path, name: str, formats: Iterable[str] = FORMATS) -> list[str]:
    return [f for f in formats if (out_dir / f"{name}{FORMATS[f].suffix}").exists()]


def write_document(doc: Document, out_dir: Path, formats: Sequence[str], extra: Mapping[Path, str] | None = None,
                   keep: Iterable[Path] = (), clean: bool = False) -> list[Path]:
    """Every output of one document, plus `extra` files (its summary); `keep` are outputs not to
    rewrite (a reviewer's own file), recorded as they are; `clean`: first remove what a killed
    writer of these outputs left (a merge, an edit; a batch cleans all of its outputs once).

    The JSONL goes last and records the checksum of every other file: it is the mark that the
    whole set was written, which resume checks file by file (an interrupt between two writes
    leaves a set that does not check out)."""
    written: list[Path] = []
    digests: dict[str, str] = {}
    paths = output_paths(doc.source.name, out_dir, formats)
    kept = {os.path.realpath(p) for p in keep}
    todo: list[tuple[Path, str | None, str]] = [(path, fmt, "") for fmt, path in paths.items() if fmt != "jsonl"]
    todo += [(path, None, text) for path, text in (extra or {}).items()]
    if clean:
        remove_stale_temps([*paths.values(), *(extra or {})])
    texts: dict[Path, str | bytes] = {}
    for path, fmt, given in todo:
        if os.path.realpath(path) in kept:
            digests[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
            continue
        texts[path] = FORMATS[fmt].render(doc) if fmt is not None else given
        body = texts[path]
        digests[path.name] = hashlib.sha256(body.encode("utf-8") if isinstance(body, str) else body).hexdigest()
    if "jsonl" in paths and paths["jsonl"].exists():
        mark_pending(paths["jsonl"], {p.name: digests[p.name] for p in texts})
    for path, text in texts.items():
        atomic_write(path, text)
        written.append(path)
    if "jsonl" in paths:
        atomic_write(paths["jsonl"], render_jsonl(doc, outputs=digests))
        written.insert(0, paths["jsonl"])
    return written


SUMMARY_SUFFIX = ".summary.md"


def summary_path(name: str, out_dir: Path) -> Path:
    return out_dir / f"{name}{SUMMARY_SUFFIX}"


__all__ = ["ALL", "DEFAULT_FORMATS", "EXCHANGE_FORMATS", "FORMATS", "Format", "atomic_write", "existing_formats",
           "output_paths", "parse_formats", "with_required", "write_document"]
