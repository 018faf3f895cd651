"""NAME.jsonl: a provenance record, then one record per segment (and the summary's, when one was
made). The one format zhen reads back: merge, resume and the checks of outputs start here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..files import atomic_write
from ..records import (
    Block,
    Document,
    Fact,
    FactCheck,
    Flag,
    FuzzyMatch,
    GlossaryHit,
    Name,
    Provenance,
    Review,
    Segment,
    Source,
    Summary,
)


def render(doc: Document, outputs: dict[str, str] | None = None) -> str:
    """The records; `outputs` (file name -> sha256 of every other output written with it) goes
    into the provenance record, for resume to check each file."""
    lines = []
    if doc.provenance is not None:
        prov = {"type": "provenance", **asdict(doc.provenance)}
        prov["warnings"] = list(doc.warnings)
        prov["blocks"] = [asdict(b) for b in doc.blocks]
        if outputs is not None:
            prov["outputs"] = dict(sorted(outputs.items()))
        lines.append(json.dumps(prov, ensure_ascii=False))
    for seg in doc.segments:
        rec = {"type": "segment", **seg.to_dict()}
        lines.append(json.dumps(rec, ensure_ascii=False))
    if doc.summary is not None:
        lines.append(json.dumps(doc.summary.to_record(), ensure_ascii=False))
    return "\n".join(lines) + "\n"


def mark_pending(path: Path, digests: dict[str, str]) -> None:
    """Before a new set of outputs replaces an old one, the old JSONL records the checksums of
    the files about to be written ("pending"), so that a run killed halfway leaves files that
    are known to be zhen's, not taken for a reviewer's edits (batch.edited_exchange_files)."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
        prov = json.loads(lines[0])
    except (OSError, ValueError, IndexError):
        return  # no readable record: nothing will be compared with it either
    if not isinstance(prov, dict) or prov.get("type") != "provenance":
        return
    prov["pending"] = {**(prov.get("pending") or {}), **digests}
    lines[0] = json.dumps(prov, ensure_ascii=False)
    atomic_write(path, "\n".join(lines))


def read_lines(path: Path) -> list[str]:
    try:
        # Records end at \n only: str.splitlines() would also split inside a record at a U+2028,
        # U+0085 or \x1c that json.dumps leaves as it is.
        lines = path.read_text(encoding="utf-8-sig").split("\n")
        return lines[:-1] if lines and lines[-1] == "" else lines
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it as a zhen .jsonl output ({exc})") from None


def translated_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each translated segment of a zhen JSONL output."""
    for no, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise UsageError(f"{path}:{no}: not a JSON line (is this a zhen .jsonl output?)") from None
        if isinstance(rec, dict) and rec.get("type") == "segment" and rec.get("target"):
            yield no, rec


def load_document(jsonl: Path) -> Document:
    """Rebuild a Document from a zhen JSONL output (its provenance, blocks and segments)."""
    prov: dict[str, Any] = {}
    segs: list[Segment] = []
    summary: Summary | None = None
    fields = set(Segment.__dataclass_fields__)
    for no, line in enumerate(read_lines(jsonl), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            kind = rec.pop("type", None)
            if kind == "provenance":
                prov = rec
            elif kind == "segment":
                hits = tuple(GlossaryHit(**h) for h in rec.pop("hits", []))
                facts = tuple(_fact_check(c) for c in rec.pop("facts", []))
                checks = tuple(_flag(c) for c in rec.pop("checks", []))
                rec = {k: v for k, v in rec.items() if k in fields}
                review = Review.from_dict(rec["review"]) if rec.get("review") else None
                matches = tuple(FuzzyMatch(**m) for m in rec.pop("matches", []))
                names = tuple(Name.from_dict(n) for n in rec.pop("names", None) or [])  # older outputs: none
                segs.append(Segment(**{**rec, "hits": hits, "facts": facts, "checks": checks,
                                       "flags": tuple(rec.get("flags", [])), "review": review, "matches": matches,
                                       "names": names}))
            elif kind == "summary":
                summary = Summary.from_record(rec)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise UsageError(f"{jsonl}:{no}: not a zhen output record ({type(exc).__name__}: {exc})") from None
    if not prov:
        raise UsageError(f"{jsonl}: no provenance record; not a zhen output")
    blocks = tuple(Block(**b) for b in prov.pop("blocks", []))
    warnings = tuple(prov.pop("warnings", None) or ())
    prov.pop("outputs", None)
    prov.pop("pending", None)
    name = jsonl.name[: -len(".jsonl")]
    source = Source(name=name, path=prov.get("input") or name, raw="", encoding="", sha256=prov.get("input_sha256", ""))
    known = set(Provenance.__dataclass_fields__)
    provenance = Provenance(**{k: v for k, v in prov.items() if k in known})
    return Document(source=source, blocks=blocks, segments=tuple(segs), provenance=provenance, summary=summary,
                    warnings=warnings)


def _fact_check(d: dict[str, Any]) -> FactCheck:
    def fact(x: dict[str, Any]) -> Fact:
        return Fact(kind=x["kind"], value=x.get("value"), text=x["text"], start=x["start"], end=x["end"],
                    unit=x.get("unit", ""), approx=x.get("approx", ""), year=x.get("year"), month=x.get("month"),
                    day=x.get("day"))

    return FactCheck(d["status"], fact(d["zh"]), fact(d["en"]) if d.get("en") else None, bool(d.get("fixed")))


def _flag(d: dict[str, Any]) -> Flag:
    return Flag(kind=d["kind"], zh_spans=tuple(tuple(x) for x in d.get("zh_spans", [])),
                en_spans=tuple(tuple(x) for x in d.get("en_spans", [])), reason=d.get("reason", ""),
                severity=d.get("severity", "check"))
