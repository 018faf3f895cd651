"""The one renderer of what commands print with --format: records as one JSON document (json),
one JSON object a line (jsonl, and json for commands that stream), or lines of text (text,
tsv), each command giving only how one record reads as a line of text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import click


def _record(row: Any) -> Any:
    return row.to_dict() if hasattr(row, "to_dict") else row


def render(rows: Iterable[Any], fmt: str, line: Callable[[Any], str | None], whole: bool = False,
           record: Callable[[Any], Any] = _record) -> None:
    """Print rows in `fmt`: json as one indented document when `whole` (else one object a line),
    jsonl one object a line, any other format each row's `line` (None: the row prints nothing)."""
    if fmt == "json" and whole:
        click.echo(json.dumps([record(r) for r in rows], ensure_ascii=False, indent=2))
    elif fmt in ("json", "jsonl"):
        for r in rows:
            click.echo(json.dumps(record(r), ensure_ascii=False))
    else:
        for r in rows:
            text = line(r)
            if text is not None:
                click.echo(text)


def render_one(value: Any, fmt: str, lines: Callable[[Any], Iterable[str]], indent: int | None = None) -> None:
    """One result (a report, a score): JSON (indented by `indent` for json, one line for jsonl),
    or its lines of text."""
    if fmt in ("json", "jsonl"):
        click.echo(json.dumps(_record(value), ensure_ascii=False, indent=indent if fmt == "json" else None))
    else:
        for text in lines(value):
            click.echo(text)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 segment", "2 segments", "0 entries": a number with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def say(message: str) -> None:
    """A line for the person at the terminal (stderr): counts, warnings, where outputs went."""
    click.echo(message, err=True)


def say_each(label: str, items: Iterable[object]) -> None:
    """One stderr line per item, each under its label (warning: ..., figure: ...)."""
    for item in items:
        say(f"{label}: {item}")
