"""zhen segment --explain: every line of a release with its kind, speaker and what decided them."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .read import read_source
from .records import Source
from .segment import explain_lines


def run_explain(inputs: Sequence[str], stdin: bytes | None = None) -> list[tuple[Source, list[dict[str, object]]]]:
    """Each input read (InputError for one that cannot be) and explained line by line."""
    sources = [read_source(path, data=stdin if path == "-" else None) for path in inputs]
    return [(src, explain_lines(src)) for src in sources]


def format_explain(results: Sequence[tuple[Source, list[dict[str, object]]]], fmt: str) -> str:
    """Text: one line per input line (number, kind, speaker, text, then why); json/jsonl: rows."""
    out: list[str] = []
    many = len(results) > 1
    for src, rows in results:
        for row in rows:
            if fmt in ("json", "jsonl"):
                out.append(json.dumps({"input": src.path, **row} if many else row, ensure_ascii=False))
                continue
            text = str(row["text"])
            shown = text if len(text) <= 40 else text[:39] + "…"
            feats = ", ".join(f"{k} {v:+.2f}" for k, v in row["features"])  # type: ignore[attr-defined]
            rules = "; rules: " + ", ".join(row["rules"]) if row["rules"] else ""  # type: ignore[arg-type]
            where = f"{src.path}\t" if many else ""
            out.append(f"{where}L{row['line']}\t{row['kind']}\t{row['speaker'] or '-'}\t{shown}\t[{feats}{rules}]")
    if fmt == "json":
        return "[\n" + ",\n".join(out) + "\n]"
    return "\n".join(out)


__all__ = ["format_explain", "run_explain"]
