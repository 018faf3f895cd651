"""The signature of every output: what made it. One function builds it, both for writing
and for deciding whether existing outputs are still up to date, so the two cannot drift."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from . import __version__
from .records import Provenance, Source, SummaryOptions, TranslateOptions

# What a re-run must agree on for outputs to count as up to date (the input's path and the
# time may differ: a moved file with the same bytes is the same release).
SETTINGS = ("version", "model", "model_revision", "engine", "decoding", "input_sha256", "glossary_sha256",
            "glossary_mode", "options")


def run_options(options: TranslateOptions) -> dict[str, Any]:
    """The run options that change what is written."""
    summary: SummaryOptions | None = options.summary
    out = {"facts": options.facts, "max_tokens": options.max_tokens, "formats": sorted(options.formats),
           "summary": asdict(summary) if summary is not None else None}
    if options.min_confidence is not None:  # absent when off, so earlier outputs stay up to date
        out["min_confidence"] = options.min_confidence
    if options.as_of:  # which of a term's dated renderings apply; absent by default, as above
        out["as_of"] = options.as_of
    return out


def provenance(source: Source, model_id: str, model_revision: str | None, engine: str, settings: dict[str, Any],
               glossary_sha256: str | None, glossary_mode: str, options: dict[str, Any],
               created: str | None = None) -> Provenance:
    return Provenance(
        tool="zhen", version=__version__, model=model_id, model_revision=model_revision, engine=engine,
        decoding=settings, input=source.path, input_sha256=source.sha256, glossary_sha256=glossary_sha256,
        glossary_mode=glossary_mode, options=options, created=created,
    )


def now() -> str:
    """The time outputs record; SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it,
    so that two runs over the same inputs give byte-identical files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat(timespec="seconds")
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def same_settings(recorded: dict[str, Any], expected: Provenance) -> bool:
    """Whether a provenance record read back from a JSONL output was made with these settings."""
    want = json.loads(json.dumps(asdict(expected)))  # as it would read back: tuples become lists
    return recorded.get("type") == "provenance" and all(recorded.get(k) == want[k] for k in SETTINGS)
