"""zhen segment --explain: every line of a release with its kind, speaker and what decided them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .read import read_source
from .segment import explain_lines


def run_explain(inputs: Sequence[str], stdin: bytes | None = None) -> list[dict[str, Any]]:
    """Each input read (InputError for one that cannot be) and explained line by line; with
    several inputs each row names its input."""
    sources = [read_source(path, data=stdin if path == "-" else None) for path in inputs]
    rows: list[dict[str, Any]] = []
    for src in sources:
        for row in explain_lines(src):
            rows.append({"input": src.path, **row} if len(sources) > 1 else row)
    return rows


__all__ = ["run_explain"]
