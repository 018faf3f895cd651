"""Many inputs in one run: which files, what each writes, what is already done.

Folders and globs expand to releases (never to zhen's own outputs, never through a symlink
leading out of the folder); output names are unique by construction: every planned output
path is checked against every input and every other planned output before anything is
written; documents go to the model in chunks; a document whose outputs (every one of them,
by checksum) were made with the same settings is skipped (resume after an interrupt).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from .errors import InputError, UsageError
from .provenance import same_settings
from .records import Document, Provenance, Source
from .write import EXCHANGE_FORMATS, FORMATS, SUMMARY_SUFFIX, output_paths, summary_path, write_document
from .write import summary as summary_md

INPUT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".doc", ".pdf")
T = TypeVar("T")

# zhen's outputs that a folder expansion would otherwise take for releases
_OUTPUT_SUFFIXES = (SUMMARY_SUFFIX, ".en.txt", ".md", ".html", ".en.docx", ".docx")


# Files in a folder that are about the releases, not releases (a folder run skips them;
# naming one on the command line still translates it).
_NOT_RELEASES = {"readme", "license", "licence", "copying", "changelog", "changes", "history", "contributing",
                 "authors", "notice", "todo", "code_of_conduct", "security"}


@dataclass
class DocResult:
    input: str
    outputs: list[Path] = field(default_factory=list)
    segments: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    skipped: bool = False  # up to date: made earlier with the same settings


def write_outputs(doc: Document, out_dir: Path, formats: Sequence[str], summary_json: bool) -> DocResult:
    """Every output of one document; its summary too when it has one. An output folder that
    fills up or turns read-only fails this document, not the run."""
    try:
        extra = summary_files(doc, out_dir, summary_json) if doc.summary is not None else {}
        stale = stale_outputs(doc.source.name, out_dir, formats) if "jsonl" in formats else ([], [])
        written = write_document(doc, out_dir, formats, extra)
        return DocResult(doc.source.path, written, len(doc.segments), warnings=(*doc.warnings, *clear_stale(*stale)))
    except OSError as exc:
        reason = f"{doc.source.path}: cannot write outputs to {out_dir} ({exc.strerror or exc})"
        return DocResult(doc.source.path, error=reason)


def recorded_outputs(name: str, out_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The checksums of the outputs that NAME.jsonl records (the set it was written with, and the
    set a killed run was writing); none where there is no such record (written before zhen
    recorded checksums: nothing to compare with)."""
    try:
        with (out_dir / f"{name}.jsonl").open(encoding="utf-8") as fh:
            prov = json.loads(fh.readline())
    except (OSError, ValueError):
        return {}, {}
    recorded = prov.get("outputs") if isinstance(prov, dict) else None
    if not isinstance(recorded, dict):
        return {}, {}
    pending = prov.get("pending")
    return recorded, pending if isinstance(pending, dict) else {}


def stale_outputs(name: str, out_dir: Path, formats: Sequence[str]) -> tuple[list[Path], list[Path]]:
    """This release's outputs that an earlier run wrote (its JSONL records them) in formats this
    run does not write, which would stay beside the new English, out of date: those as zhen
    wrote them (to remove), and those changed since (someone's edits: to move aside)."""
    recorded, pending = recorded_outputs(name, out_dir)
    ours: list[Path] = []
    changed: list[Path] = []
    for path in output_paths(name, out_dir, [f for f in FORMATS if f not in formats]).values():
        if path.name not in recorded or not path.is_file():
            continue  # not known to be this release's: left alone
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        (ours if digest in (recorded[path.name], pending.get(path.name)) else changed).append(path)
    return ours, changed


def clear_stale(ours: Sequence[Path], changed: Sequence[Path]) -> list[str]:
    """Remove zhen's own stale outputs and move changed ones aside to NAME.SUFFIX.stale (never
    over another file): what was done, one line each, for the run's report."""
    notes = []
    for path in ours:
        path.unlink(missing_ok=True)
    if ours:
        notes.append(f"removed stale {', '.join(p.name for p in ours)} (an earlier run's outputs that this run "
                     "does not write)")
    for path in changed:
        aside = path.with_name(path.name + ".stale")
        n = 2
        while aside.exists():
            aside, n = path.with_name(f"{path.name}.stale-{n}"), n + 1
        path.rename(aside)
        notes.append(f"moved {path.name} to {aside.name} (an earlier run's output that this run does not write, "
                     "changed since zhen wrote it)")
    return notes


def summary_files(doc: Document, out_dir: Path, with_json: bool) -> dict[Path, str]:
    """NAME.summary.md, and NAME.summary.json (provenance + the summary record) when asked."""
    assert doc.summary is not None
    files = {summary_path(doc.source.name, out_dir): summary_md.render(doc.summary, doc)}
    if with_json:
        files[out_dir / f"{doc.source.name}.summary.json"] = json.dumps(
            {"provenance": asdict(doc.provenance) if doc.provenance else None, **doc.summary.to_record()},
            ensure_ascii=False, indent=2) + "\n"
    return files


@dataclass
class Inputs:
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # in folders, but not release-like
    folders: list[str] = field(default_factory=list)  # folders and globs given


def looks_like_release(path: Path) -> bool:
    """By its name: a README, a licence or a changelog beside the releases is not one."""
    return path.name.split(".", 1)[0].lower() not in _NOT_RELEASES


def find_inputs(inputs: Sequence[str]) -> Inputs:
    """Files as given; folders recursed for release-like files (*.txt, *.md, *.html, *.htm);
    globs expanded. A name that matches nothing stays, so that its error is reported with the others."""
    found = Inputs()
    for item in inputs:
        path = Path(item)
        if item != "-" and path.is_dir():
            found.folders.append(item)
            for p in map(Path, _releases_in(path)):
                (found.files if looks_like_release(p) else found.skipped).append(str(p))
        elif item != "-" and not path.exists() and any(ch in item for ch in "*?["):
            found.folders.append(item)
            found.files.extend(sorted(glob.glob(item, recursive=True)) or [item])
        else:
            found.files.append(item)
    found.files = list(dict.fromkeys(found.files))
    if not found.files:
        where = ", ".join(found.folders) or "the command line"
        also = (f"; skipped {len(found.skipped)} that are not releases ({_names(found.skipped)})"
                if found.skipped else "")
        raise InputError(f"nothing to translate: no release files (*.txt, *.md, *.html, *.htm) in {where}{also}")
    return found


def _names(paths: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """The files a run takes (see find_inputs)."""
    return find_inputs(inputs).files


def _releases_in(folder: Path) -> list[str]:
    """The releases of a folder: not hidden files, not a symlink that leads outside the folder
    (a link to /etc/shadow must not be translated into an output), and not zhen's own outputs
    (X.md, X.en.txt, X.html, X.summary.md beside an X.jsonl or X.summary.json; an .md or .html
    ending with zhen's provenance footer), so that a batch written into its own input folder
    can be run again. Where it cannot be told, a file is an input: unique output names then
    keep it from being written over."""
    root = folder.resolve()
    files = [p for p in sorted(folder.rglob("*"))
             if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith(".")]
    inside = []
    for p in files:
        real = p.resolve()
        if real != root and root not in real.parents:
            continue
        inside.append(p)
    def is_output(p: Path) -> bool:
        for suffix in _OUTPUT_SUFFIXES:
            base = p.name[: -len(suffix)] if p.name.endswith(suffix) and len(p.name) > len(suffix) else None
            if base is None:
                continue
            if (p.parent / f"{base}.jsonl").exists():
                return True  # zhen's record of a release named base sits beside it
            if suffix == SUMMARY_SUFFIX and (p.parent / f"{base}.summary.json").exists():
                return True  # zhen summarize's record of it
            # X.md or X.html that zhen wrote; a user's own X.md beside X.txt is a release, and so
            # is an X.en.txt with no JSONL to say zhen wrote it (it may be someone's translation)
            if suffix in (".md", ".html") and _has_zhen_footer(p):
                return True
            if suffix == ".docx" and _is_zhen_docx(p):
                return True  # zhen's Word output, or a reviewer's copy of it under another name
        return False

    return [str(p) for p in inside if not is_output(p)]


def _is_zhen_docx(path: Path) -> bool:
    """Whether a .docx is one zhen wrote: its custom properties name a zhen release."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return b"zhen-document" in z.read("docProps/custom.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _has_zhen_footer(path: Path) -> bool:
    """Whether a .md or .html file ends with the provenance footer zhen writes."""
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 4096))
            tail = fh.read().decode("utf-8", "replace")
    except OSError:
        return False
    return "· model " in tail and ("\n*zhen " in tail or "<footer>zhen " in tail)


def check_out_dir(out_dir: Path) -> None:
    """The output folder must be creatable and writable before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".zhen-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write outputs there ({exc.strerror or exc})", option="out_dir") from None


def planned_outputs(name: str, out_dir: Path, formats: Sequence[str], summary: bool,
                    summary_json: bool = True) -> list[Path]:
    """Every file a document named NAME may write in this run (`translate --summary` writes no
    summary JSON: its summary is a record of the JSONL)."""
    paths = list(output_paths(name, out_dir, formats).values())
    if summary:
        paths.append(summary_path(name, out_dir))
        if summary_json:
            paths.append(out_dir / f"{name}.summary.json")
    return paths


def unique_names(sources: list[Source], out_dir: Path, formats: Sequence[str], summary: bool,
                 inputs: Sequence[str] = ()) -> list[Source]:
    """Output names unique by construction, decided before anything is written.

    Each input keeps its own name when it can; otherwise it takes NAME-2, NAME-3, ... , the
    first whose every planned output is neither an input of this run nor another input's
    planned output (a/x.txt, b/x.txt and c/x-2.txt: x, x-3, x-2; report.txt beside
    report.en.txt with -o into that folder: report-2, so report.en.txt is never written over).
    `inputs` are every input of the run, those that could not be read included.
    """
    def key(p: Path | str) -> str:
        return os.path.normcase(os.path.realpath(p))

    protected = {key(p) for p in [*inputs, *(s.path for s in sources)] if p != "-"}
    taken: set[str] = set()
    names: dict[int, str] = {}

    def fits(name: str) -> bool:
        paths = {key(p) for p in planned_outputs(name, out_dir, formats, summary)}
        return not (paths & protected or paths & taken)

    # Own names first, in order, so that x-2.txt keeps x-2 even when a second x.txt comes first.
    for i, s in enumerate(sources):
        if fits(s.name):
            names[i] = s.name
            taken |= {key(p) for p in planned_outputs(s.name, out_dir, formats, summary)}
    for i, s in enumerate(sources):
        if i in names:
            continue
        n = 2
        while not fits(f"{s.name}-{n}"):
            n += 1
        names[i] = f"{s.name}-{n}"
        taken |= {key(p) for p in planned_outputs(names[i], out_dir, formats, summary)}
    return [s if names[i] == s.name else replace(s, name=names[i]) for i, s in enumerate(sources)]


def chunks(sources: Sequence[T], max_chars: int = 60_000, max_docs: int = 32,
           chars: Callable[[T], int] = lambda s: len(s.raw)) -> list[list[T]]:  # type: ignore[attr-defined]
    """Documents grouped for the model: big enough to batch well, small enough to write often.
    A cluster run groups its documents the same way (by their size, `chars`), so that each
    chunk meets the engine exactly as it would locally.

    As many chunks as filling each to max_docs would make, but evened out (300 documents: 10
    of 30, not 9 of 32 and one of 12), so that on a cluster no translation actor is left with
    a whole chunk to do after the others have finished."""

    def fill(most: Callable[[int], int]) -> list[list[T]]:
        out: list[list[T]] = []
        size = 0
        for src in sources:
            if not out or size + chars(src) > max_chars or len(out[-1]) >= most(len(out) - 1):
                out.append([])
                size = 0
            out[-1].append(src)
            size += chars(src)
        return out

    greedy = fill(lambda _: max_docs)
    if len(greedy) < 2:
        return greedy
    q, r = divmod(len(sources), len(greedy))  # sizes differing by one at most: the first r get one more
    even = fill(lambda i: q + 1 if i < r else q)
    return even if len(even) == len(greedy) else greedy


def up_to_date(src: Source, out_dir: Path, formats: Sequence[str], expected: Provenance, summary: bool = False) -> bool:
    """Every output this run would write is there, as the JSONL recorded it (its checksum), and
    the JSONL was made from these bytes with these settings.

    The JSONL is written last and records the checksum of every other output, so an interrupt
    between two writes (after a settings change, say) leaves a set that does not check out."""
    if src.path == "-" or "jsonl" not in formats:
        return False
    try:
        with (out_dir / f"{src.name}.jsonl").open(encoding="utf-8") as fh:
            prov = json.loads(fh.readline())
        if not (isinstance(prov, dict) and same_settings(prov, expected)):
            return False
        recorded = prov.get("outputs")
        if not isinstance(recorded, dict):
            return False
        for path in planned_outputs(src.name, out_dir, formats, summary, summary_json=False):
            if path.suffix == ".jsonl" and path.name == f"{src.name}.jsonl":
                continue
            if recorded.get(path.name) != hashlib.sha256(path.read_bytes()).hexdigest():
                return False
    except (OSError, ValueError):
        return False
    return True


def edited_exchange_files(name: str, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """This release's exchange outputs (XLIFF, TMX, the Word table) that changed since zhen wrote
    them (their checksum differs from the one the JSONL recorded): a reviewer's work not merged yet, which a re-run
    must not write over."""
    recorded, pending = recorded_outputs(name, out_dir)
    edited = []
    for path in output_paths(name, out_dir, [f for f in formats if f in EXCHANGE_FORMATS]).values():
        want = recorded.get(path.name)
        try:
            # zhen's own file: the set the JSONL records, or the one a killed run was writing
            if want is not None and hashlib.sha256(path.read_bytes()).hexdigest() not in (want, pending.get(path.name)):
                edited.append(path)
        except OSError:
            continue  # gone: nothing to lose
    return edited
