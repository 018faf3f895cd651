"""Stage: write a translated Document in each requested format, atomically.

Formats sit in a name table (FORMATS); each renders the same in-memory Document, none
re-reads another's output.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import UsageError
from .records import Block, Document, Segment


@dataclass(frozen=True)
class Format:
    suffix: str
    render: Callable[[Document], str]
    description: str


def render_jsonl(doc: Document) -> str:
    lines = []
    if doc.provenance is not None:
        prov = {"type": "provenance", **asdict(doc.provenance)}
        prov["warnings"] = list(doc.warnings)
        prov["blocks"] = [asdict(b) for b in doc.blocks]
        lines.append(json.dumps(prov, ensure_ascii=False))
    for seg in doc.segments:
        rec = {"type": "segment", **seg.to_dict()}
        lines.append(json.dumps(rec, ensure_ascii=False))
    if doc.summary is not None:
        lines.append(json.dumps(doc.summary, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _by_block(doc: Document) -> Iterable[tuple[Block, list[Segment]]]:
    groups: dict[int, list[Segment]] = {}
    for seg in doc.segments:
        groups.setdefault(seg.block, []).append(seg)
    for block in doc.blocks:
        yield block, groups.get(block.index, [])


def _en(segs: list[Segment], marks: bool = False) -> str:
    return " ".join(_marked(s) if marks else s.target for s in segs if s.target)


def warnings_for(seg: Segment) -> list[str]:
    """What a reviewer must look at in this segment: figures that changed or went missing, lost terms."""
    from .facts import describe

    out = [describe(c) for c in seg.facts if c.status != "matched"]
    out += [f"term {h.zh} should read “{h.en}”" for h in seg.hits if h.status == "missing"]
    return out


def _marked(seg: Segment) -> str:
    notes = warnings_for(seg)
    return f"{seg.target} [check: {'; '.join(notes)}]" if notes else seg.target or ""


def _zh(segs: list[Segment]) -> str:
    return "".join(s.text for s in segs)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: Document) -> str:
    out: list[str] = []
    for block, segs in _by_block(doc):
        if block.kind in ("title", "heading"):
            mark = "#" if block.kind == "title" else "##"
            out += [f"{mark} {_en(segs) or _zh(segs)}", "", f"> {_zh(segs)}", ""]
            continue
        if block.kind == "boilerplate":
            out += [f"*Not translated (page furniture):* {_zh(segs)}", ""]
            continue
        if block.labelled and block.speaker:
            out += [f"**{block.speaker_en or block.speaker}** ({block.speaker})", ""]
        out += ["| 中文 | English |", "|---|---|"]
        out += [f"| {_cell(s.text)} | {_cell(s.target or '')}{_md_notes(s)} |" for s in segs]
        out.append("")
    if doc.provenance is not None:
        p = doc.provenance
        out += [
            "---",
            f"*{p.tool} {p.version} · model {p.model} ({p.model_revision}) · engine {p.engine} · "
            f"input {p.input} (sha256 {str(p.input_sha256)[:12]}) · {p.created}*",
            "",
        ]
    return "\n".join(out)


def _md_notes(seg: Segment) -> str:
    return "".join(f"<br>⚠ {_cell(n)}" for n in warnings_for(seg))


def render_text(doc: Document) -> str:
    out: list[str] = []
    for block, segs in _by_block(doc):
        if block.kind == "boilerplate":
            continue
        text = _en(segs, marks=True)
        if block.kind == "turn" and block.labelled:
            text = f"{block.speaker_en or block.speaker}: {text}"
        out += [text, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _tmx(doc: Document) -> str:
    from .exchange import render_tmx

    return render_tmx(doc)


def _xliff(doc: Document) -> str:
    from .exchange import render_xliff

    return render_xliff(doc)


def _html(doc: Document) -> str:
    from .review import render_html

    return render_html(doc)


FORMATS: dict[str, Format] = {
    "jsonl": Format(".jsonl", render_jsonl, "one JSON record per line: provenance, then one per segment"),
    "md": Format(".md", render_markdown, "Markdown, Chinese and English side by side per block"),
    "txt": Format(".en.txt", render_text, "plain English with the release's structure"),
    "tmx": Format(".tmx", _tmx, "TMX 1.4b translation memory (zh-CN, en), for CAT tools"),
    "xliff": Format(".xliff", _xliff, "XLIFF 1.2 for review in CAT tools (OmegaT, Okapi, Trados); merge it back"),
    "html": Format(".html", _html, "a self-contained review page, Chinese and English side by side"),
}


def parse_formats(spec: str) -> list[str]:
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        choices = "; ".join(f"{n} ({f.description})" for n, f in FORMATS.items())
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; choose from: {choices}")
    return list(dict.fromkeys(names))


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file.

    The temporary name is chosen before the file exists, so an interrupt at any moment (even
    one landing as the file is created, which tempfile.mkstemp cannot clean up after) leaves
    nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 less the umask: outputs are ordinary files
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except FileExistsError:
        raise  # another writer's file by that name (a 1 in 4 billion chance): not ours to remove
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def output_paths(name: str, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    """Where each format of the release NAME goes."""
    return {f: out_dir / f"{name}{FORMATS[f].suffix}" for f in formats}


def write_document(doc: Document, out_dir: Path, formats: list[str]) -> list[Path]:
    written = []
    for fmt, path in output_paths(doc.source.name, out_dir, formats).items():
        atomic_write(path, FORMATS[fmt].render(doc))
        written.append(path)
    return written
