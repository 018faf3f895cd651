"""Many inputs in one run: which files, what each writes, what is already done.

Folders and globs expand to releases; two inputs with the same name get distinct output
names; no output may overwrite an input; documents go to the model in chunks; a document
whose outputs were made with the same settings is skipped (resume after an interrupt).
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError, UsageError
from .provenance import same_settings
from .records import Provenance, Source
from .write import output_paths

INPUT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


# Files in a folder that are about the releases, not releases (a folder run skips them;
# naming one on the command line still translates it).
_NOT_RELEASES = {"readme", "license", "licence", "copying", "changelog", "changes", "history", "contributing",
                 "authors", "notice", "todo", "code_of_conduct", "security"}


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
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith("."):
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


def check_out_dir(out_dir: Path) -> None:
    """The output folder must be creatable and writable before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".zhen-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write outputs there ({exc.strerror or exc})", option="out_dir") from None


def unique_names(sources: list[Source]) -> list[Source]:
    """Two inputs named alike (a/x.txt, b/x.txt) must not write over each other's outputs."""
    seen: dict[str, int] = {}
    out = []
    for s in sources:
        n = seen.get(s.name, 0)
        seen[s.name] = n + 1
        out.append(s if n == 0 else replace(s, name=f"{s.name}-{n + 1}"))
    return out


def refuse_overwriting_input(src: Source, out_dir: Path, formats: Sequence[str]) -> None:
    if src.path == "-":
        return
    inp = os.path.realpath(src.path)
    for path in output_paths(src.name, out_dir, formats).values():
        if os.path.realpath(path) == inp:
            raise UsageError(f"{src.path}: an output would overwrite this input; choose another output folder",
                             option="out_dir")


def chunks(sources: Sequence[Source], max_chars: int = 60_000, max_docs: int = 32) -> list[list[Source]]:
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


def up_to_date(src: Source, out_dir: Path, formats: Sequence[str], expected: Provenance) -> bool:
    """Outputs newer than the input, all there, and made with these settings (per their provenance)."""
    if src.path == "-" or "jsonl" not in formats:
        return False
    paths = list(output_paths(src.name, out_dir, formats).values())
    try:
        in_time = Path(src.path).stat().st_mtime
        if not all(p.exists() and p.stat().st_mtime >= in_time for p in paths):
            return False
        with (out_dir / f"{src.name}.jsonl").open(encoding="utf-8") as fh:
            prov = json.loads(fh.readline())
    except (OSError, ValueError):
        return False
    return isinstance(prov, dict) and same_settings(prov, expected)
