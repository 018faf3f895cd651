"""Exchange formats for translation tools: TMX 1.4b and XLIFF 1.2, and merging reviewed files back.

Both are rendered from the in-memory Document, like every other format. `merge` reads an
edited XLIFF or TMX, matches its units to the release's segments by id, and refuses a file
that belongs to another release (its input checksum or its segment ids differ).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from . import __version__
from .errors import UsageError
from .records import Block, Document, FactCheck, GlossaryHit, Provenance, Segment, Source

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
SRC_LANG = "zh-CN"
TGT_LANG = "en"


def _xml(root: ET.Element, doctype: str = "") -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + ET.tostring(root, encoding="unicode") + "\n"


def _props(seg: Segment, doc: Document) -> list[tuple[str, str]]:
    props = [("x-document", doc.source.name), ("x-segment", seg.id), ("x-block", str(seg.block)),
             ("x-kind", seg.kind)]
    if seg.speaker:
        props.append(("x-speaker", seg.speaker))
    return props


def render_tmx(doc: Document) -> str:
    """TMX 1.4b: one <tu> per translated segment, zh-CN and en, with document, kind, speaker and id."""
    created = (doc.provenance.created if doc.provenance and doc.provenance.created else
               datetime.now(timezone.utc).isoformat(timespec="seconds"))
    stamp = created.replace("-", "").replace(":", "").replace("+0000", "Z").split("+")[0]
    stamp = stamp if stamp.endswith("Z") else stamp + "Z"
    root = ET.Element("tmx", {"version": "1.4"})
    header = ET.SubElement(root, "header", {
        "creationtool": "zhen", "creationtoolversion": __version__, "datatype": "plaintext", "segtype": "sentence",
        "adminlang": "en", "srclang": SRC_LANG, "o-tmf": "zhen-jsonl", "creationdate": stamp,
    })
    if doc.provenance is not None:
        for key in ("model", "model_revision", "engine", "input_sha256", "glossary_sha256"):
            value = getattr(doc.provenance, key)
            if value:
                ET.SubElement(header, "prop", {"type": f"x-{key.replace('_', '-')}"}).text = str(value)
    body = ET.SubElement(root, "body")
    for seg in doc.segments:
        if not seg.target:
            continue  # page furniture is not translated, so it has no translation unit
        tu = ET.SubElement(body, "tu", {"tuid": f"{doc.source.name}:{seg.id}"})
        for key, value in _props(seg, doc):
            ET.SubElement(tu, "prop", {"type": key}).text = value
        for lang, text in ((SRC_LANG, seg.text), (TGT_LANG, seg.target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = text
    return _xml(root, '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')


def _notes(seg: Segment) -> list[str]:
    from .facts import describe

    notes = [f"glossary: {h.zh} = {h.en} ({h.status})" for h in seg.hits]
    notes += [f"figure {c.status}: {describe(c)}" for c in seg.facts if c.status != "matched"]
    notes += [f"flag: {f}" for f in seg.flags]
    return notes


def needs_review(seg: Segment) -> bool:
    return any(c.status != "matched" for c in seg.facts) or any(h.status == "missing" for h in seg.hits) or any(
        f in ("mojibake", "glossary-fallback", "repetition-collapsed") for f in seg.flags)


def render_xliff(doc: Document) -> str:
    """XLIFF 1.2: one <trans-unit> per segment; notes carry glossary hits and figure checks."""
    ET.register_namespace("", XLIFF_NS)
    q = f"{{{XLIFF_NS}}}"
    root = ET.Element(q + "xliff", {"version": "1.2"})
    f = ET.SubElement(root, q + "file", {
        "original": doc.source.path if doc.source.path != "-" else doc.source.name, "source-language": SRC_LANG,
        "target-language": TGT_LANG, "datatype": "plaintext", "tool-id": "zhen",
    })
    header = ET.SubElement(f, q + "header")
    ET.SubElement(header, q + "tool", {"tool-id": "zhen", "tool-name": "zhen", "tool-version": __version__})
    ET.SubElement(header, q + "note", {"from": "zhen-release"}).text = json.dumps(
        {"document": doc.source.name, "input_sha256": doc.source.sha256}, ensure_ascii=False)
    body = ET.SubElement(f, q + "body")
    for seg in doc.segments:
        attrs = {"id": seg.id, "resname": f"{doc.source.name}:{seg.id}", "extype": seg.kind}
        if seg.target is None:
            attrs["translate"] = "no"
        unit = ET.SubElement(body, q + "trans-unit", attrs)
        ET.SubElement(unit, q + "source", {XML_LANG: SRC_LANG}).text = seg.text
        if seg.target is not None:
            state = "needs-review-translation" if needs_review(seg) else "translated"
            ET.SubElement(unit, q + "target", {XML_LANG: TGT_LANG, "state": state}).text = seg.target
        if seg.speaker:
            ET.SubElement(unit, q + "note", {"from": "speaker"}).text = f"{seg.speaker} ({seg.speaker_en})"
        for note in _notes(seg):
            ET.SubElement(unit, q + "note", {"from": "zhen"}).text = note
    return _xml(root)


# ---------------------------------------------------------------------------- reading back


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_targets(path: Path) -> tuple[dict[str, str], str | None]:
    """(segment id -> English, the release's input checksum or None) from an XLIFF or TMX file."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise UsageError(f"{path}: not a readable XLIFF or TMX file ({exc})") from None
    kind = _local(root.tag)
    targets: dict[str, str] = {}
    checksum: str | None = None
    if kind == "xliff":
        for el in root.iter():
            if _local(el.tag) == "note" and el.get("from") == "zhen-release" and el.text:
                checksum = json.loads(el.text).get("input_sha256")
            if _local(el.tag) == "trans-unit" and el.get("translate") != "no":
                tgt = next((c for c in el if _local(c.tag) == "target"), None)
                if tgt is not None:
                    targets[el.get("id", "")] = "".join(tgt.itertext())
    elif kind == "tmx":
        for el in root.iter():
            if el.tag == "prop" and el.get("type") == "x-input-sha256":
                checksum = el.text
            if el.tag == "tu":
                sid = next((p.text for p in el if p.tag == "prop" and p.get("type") == "x-segment"), None)
                for tuv in el.iter("tuv"):
                    seg = tuv.find("seg")
                    if (tuv.get(XML_LANG) or "").lower().startswith("en") and sid and seg is not None:
                        targets[sid] = "".join(seg.itertext())
    else:
        raise UsageError(f"{path}: neither XLIFF nor TMX (root element <{kind}>)")
    return targets, checksum


def translated_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each translated segment of a zhen JSONL output."""
    from .read import read_source

    for no, line in enumerate(read_source(str(path)).raw.splitlines(), 1):
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
    summary = None
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        kind = rec.pop("type", None)
        if kind == "provenance":
            prov = rec
        elif kind == "segment":
            hits = tuple(GlossaryHit(**h) for h in rec.pop("hits", []))
            facts = tuple(_fact_check(c) for c in rec.pop("facts", []))
            segs.append(Segment(**{**rec, "hits": hits, "facts": facts, "flags": tuple(rec.get("flags", []))}))
        elif kind == "summary":
            summary = {"type": "summary", **rec}
    if not prov:
        raise UsageError(f"{jsonl}: no provenance record; not a zhen output")
    blocks = tuple(Block(**b) for b in prov.pop("blocks", []))
    prov.pop("warnings", None)
    name = jsonl.name[: -len(".jsonl")]
    source = Source(name=name, path=prov.get("input") or name, raw="", encoding="", sha256=prov.get("input_sha256", ""))
    known = set(Provenance.__dataclass_fields__)
    provenance = Provenance(**{k: v for k, v in prov.items() if k in known})
    return Document(source=source, blocks=blocks, segments=tuple(segs), provenance=provenance, summary=summary)


def _fact_check(d: dict[str, Any]) -> FactCheck:
    from .records import Fact

    def fact(x: dict[str, Any]) -> Fact:
        return Fact(kind=x["kind"], value=x.get("value"), text=x["text"], start=x["start"], end=x["end"],
                    unit=x.get("unit", ""), approx=x.get("approx", ""), year=x.get("year"), month=x.get("month"),
                    day=x.get("day"))

    return FactCheck(d["status"], fact(d["zh"]), fact(d["en"]) if d.get("en") else None, bool(d.get("fixed")))


def merge(doc: Document, targets: dict[str, str], checksum: str | None, origin: str) -> tuple[Document, list[str]]:
    """Apply reviewed English to a release; return the new document and the ids that changed."""
    ids = {s.id for s in doc.segments if s.target is not None}
    if checksum is not None and checksum != doc.source.sha256:
        raise UsageError(f"{origin} belongs to another release (its input checksum differs from "
                         f"{doc.source.name}.jsonl); nothing merged")
    unknown = sorted(set(targets) - {s.id for s in doc.segments})
    if unknown or not set(targets) <= ids or not targets:
        raise UsageError(f"{origin} does not match {doc.source.name}: unknown segment ids "
                         f"{', '.join(unknown[:5]) or '(none in common)'}; nothing merged")
    from dataclasses import replace

    from .facts import check_segment
    from .glossary import verify

    changed: list[str] = []
    segs: list[Segment] = []
    mode = doc.provenance.options.get("facts", "check") if doc.provenance else "check"
    for seg in doc.segments:
        new = targets.get(seg.id)
        if new is not None and new != seg.target:
            changed.append(seg.id)
            flags = (*(f for f in seg.flags if not f.startswith("fact-")), "reviewed")
            seg = replace(seg, target=new, flags=flags, hits=verify(new, seg.hits, enforced=False))
            seg = check_segment(seg, "check" if mode == "fix" else mode)
        segs.append(seg)
    return replace(doc, segments=tuple(segs)), changed


def existing_formats(out_dir: Path, name: str, formats: Iterable[str]) -> list[str]:
    from .write import FORMATS

    return [f for f in formats if (out_dir / f"{name}{FORMATS[f].suffix}").exists()]
