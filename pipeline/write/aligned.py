"""Aligned sentence pairs (zhen align) as TSV, JSONL or TMX, and TSV/JSONL read back (zhen glossary mine).

TSV and JSONL carry every pair, unaligned sentences and low-scoring links included, each with
its status; TMX carries the links (a sentence without partner is no translation unit) and marks
low-scoring ones with an x-align-status property.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from ..errors import InputError
from ..records import AlignedPair
from .tmx import DOCTYPE, add_unit, new_tmx
from .xliff import to_xml

TSV_COLUMNS = ("zh", "en", "score", "status", "bead", "doc", "zh_ids", "en_ids")


def _cell(text: str) -> str:
    # A tab or a line break inside a cell would shift every later column or row.
    return " ".join(text.split())


def render(pairs: Sequence[AlignedPair], fmt: str) -> str:
    if fmt == "tsv":
        return render_tsv(pairs)
    if fmt == "jsonl":
        return "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in pairs)
    if fmt == "tmx":
        return render_tmx(pairs)
    raise ValueError(fmt)


def render_tsv(pairs: Sequence[AlignedPair]) -> str:
    lines = ["\t".join(TSV_COLUMNS)]
    for p in pairs:
        d = p.to_dict()
        lines.append("\t".join([_cell(p.zh_text), _cell(p.en_text), f"{p.score:.4f}", p.status, p.bead, _cell(p.doc),
                                ",".join(d["zh_ids"]), ",".join(d["en_ids"])]))
    return "\n".join(lines) + "\n"


def render_tmx(pairs: Sequence[AlignedPair]) -> str:
    root, body = new_tmx("zhen-align")
    for p in pairs:
        if p.zh and p.en:
            add_unit(body, p.zh_text, p.en_text, (
                ("x-document", p.doc), ("x-segments", " ".join(p.zh_ids)), ("x-english", " ".join(p.en_ids)),
                ("x-align-score", f"{p.score:.4f}"), ("x-align-status", p.status), ("x-origin", "human"),
            ), tuid=f"{p.doc}:{'+'.join(p.zh_ids)}")
    return to_xml(root, DOCTYPE)


def parse_pairs(text: str, name: str) -> list[AlignedPair]:
    """Pairs from `zhen align` TSV or JSONL (or any TSV with zh and en columns under a header)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        out = []
        for no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{name}:{no}: not a JSON line") from None
            if "zh" not in d or "en" not in d:
                continue  # a provenance or summary record
            out.append(AlignedPair((d["zh"],) if d["zh"] else (), (d["en"],) if d["en"] else (),
                                   score=float(d.get("score", 1.0)), status=d.get("status", "ok"),
                                   doc=d.get("doc", "")))
        return out
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["zh", "en"]:
        raise InputError(f"{name}: expected aligned pairs: JSONL, or TSV whose header starts zh<TAB>en")
    header = [c.strip().lower() for c in rows[0]]
    out = []
    for row in rows[1:]:
        d = dict(zip(header, row, strict=False))
        zh, en = d.get("zh", "").strip(), d.get("en", "").strip()
        if not (zh or en):
            continue
        out.append(AlignedPair((zh,) if zh else (), (en,) if en else (), score=float(d.get("score") or 1.0),
                               status=d.get("status") or "ok", doc=d.get("doc", "")))
    return out
