"""NAME.xliff: XLIFF 1.2 for review in CAT tools (OmegaT, Okapi, Trados), one <trans-unit> per
segment with its notes; and reading a reviewed XLIFF or TMX back for zhen merge."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

# A reviewer's file comes from outside: entity declarations (billion laughs) and external
# references are refused, not expanded.
from defusedxml.ElementTree import parse as defused_parse

from .. import __version__
from ..errors import UsageError
from ..normalize import is_traditional
from ..records import Document, Review, ReviewedFile, ReviewedUnit, Segment
from .notes import needs_review, unit_notes

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
SRC_LANG = "zh-CN"  # simplified script
SRC_LANG_TRADITIONAL = "zh-TW"  # traditional script: CAT tools pick fonts and rules by it
TGT_LANG = "en"
REVIEWER = "reviewer"
# Notes zhen writes itself; any other note of a unit is the reviewer's.
OWN_NOTES = ("zhen", "speaker", "zhen-release", "zhen-warning")


def source_language(doc: Document) -> str:
    """The source's language tag, by the script it is written in (not by where it came from)."""
    return SRC_LANG_TRADITIONAL if is_traditional("".join(s.text for s in doc.segments)) else SRC_LANG


def to_xml(root: ET.Element, doctype: str = "") -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + ET.tostring(root, encoding="unicode") + "\n"


def props(seg: Segment, doc: Document) -> list[tuple[str, str]]:
    props = [("x-document", doc.source.name), ("x-segment", seg.id), ("x-block", str(seg.block)),
             ("x-kind", seg.kind)]
    if seg.speaker:
        props.append(("x-speaker", seg.speaker))
    return props


def render(doc: Document) -> str:
    """XLIFF 1.2: one <trans-unit> per segment; notes carry glossary hits and figure checks."""
    ET.register_namespace("", XLIFF_NS)
    q = f"{{{XLIFF_NS}}}"
    src_lang = source_language(doc)
    root = ET.Element(q + "xliff", {"version": "1.2"})
    f = ET.SubElement(root, q + "file", {
        "original": doc.source.path if doc.source.path != "-" else doc.source.name, "source-language": src_lang,
        "target-language": TGT_LANG, "datatype": "plaintext", "tool-id": "zhen",
    })
    header = ET.SubElement(f, q + "header")
    ET.SubElement(header, q + "tool", {"tool-id": "zhen", "tool-name": "zhen", "tool-version": __version__})
    ET.SubElement(header, q + "note", {"from": "zhen-release"}).text = json.dumps(
        {"document": doc.source.name, "input_sha256": doc.source.sha256}, ensure_ascii=False)
    for warning in doc.warnings:
        ET.SubElement(header, q + "note", {"from": "zhen-warning"}).text = warning
    body = ET.SubElement(f, q + "body")
    for seg in doc.segments:
        attrs = {"id": seg.id, "resname": f"{doc.source.name}:{seg.id}", "extype": seg.kind}
        if seg.target is None:
            attrs["translate"] = "no"
        unit = ET.SubElement(body, q + "trans-unit", attrs)
        ET.SubElement(unit, q + "source", {XML_LANG: src_lang}).text = seg.text
        review = seg.review
        if seg.target is not None:
            state = (review.state if review is not None and review.state else
                     "needs-review-translation" if needs_review(seg) else "translated")
            ET.SubElement(unit, q + "target", {XML_LANG: TGT_LANG, "state": state}).text = seg.target
        if seg.speaker:
            ET.SubElement(unit, q + "note", {"from": "speaker"}).text = f"{seg.speaker} ({seg.speaker_en})"
        for note in review.notes if review is not None else ():
            ET.SubElement(unit, q + "note", {"from": REVIEWER}).text = note  # the editor's own, kept
        for note in unit_notes(seg):
            ET.SubElement(unit, q + "note", {"from": "zhen"}).text = note
        for m in seg.matches:  # human translations of similar sentences, as CAT tools offer them
            alt = ET.SubElement(unit, q + "alt-trans", {"match-quality": f"{round(m.similarity * 100)}%",
                                                       "origin": m.origin or "zhen memory"})
            ET.SubElement(alt, q + "source", {XML_LANG: src_lang}).text = m.source
            ET.SubElement(alt, q + "target", {XML_LANG: TGT_LANG}).text = m.target
    return to_xml(root)


# ---------------------------------------------------------------------------- reading back


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_reviewed(path: Path) -> ReviewedFile:
    """Every unit of a reviewed XLIFF or TMX, in file order (duplicated ids kept for merge to
    refuse), with its Chinese, its document and what the reviewer left: state, notes, who, when."""
    try:
        root = defused_parse(path).getroot()
    except (ET.ParseError, OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable XLIFF or TMX file ({exc})") from None
    kind = _local(root.tag)
    if kind == "xliff":
        return _read_xliff(root, path)
    if kind == "tmx":
        return _read_tmx(root)
    raise UsageError(f"{path}: neither XLIFF nor TMX (root element <{kind}>)")


def _release_note(text: str | None, path: Path) -> dict[str, str]:
    try:
        rec = json.loads(text or "")
    except ValueError:
        raise UsageError(f"{path}: its zhen-release note is not the JSON zhen wrote; nothing merged") from None
    if not isinstance(rec, dict):
        raise UsageError(f"{path}: its zhen-release note is not the JSON zhen wrote; nothing merged")
    return {k: str(v) for k, v in rec.items() if isinstance(v, str)}


def _read_xliff(root: ET.Element, path: Path) -> ReviewedFile:
    checksum: str | None = None
    document: str | None = None
    phases: dict[str, tuple[str | None, str | None]] = {}
    last_phase: tuple[str | None, str | None] = (None, None)
    units: list[ReviewedUnit] = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "note" and el.get("from") == "zhen-release":
            note = _release_note(el.text, path)
            checksum, document = note.get("input_sha256"), note.get("document")
        elif tag == "phase":
            last_phase = (el.get("contact-name") or el.get("contact-email"), el.get("date"))
            phases[el.get("phase-name", "")] = last_phase
        elif tag == "trans-unit" and el.get("translate") != "no":
            tgt = next((c for c in el if _local(c.tag) == "target"), None)
            if tgt is None:
                continue
            src = next((c for c in el if _local(c.tag) == "source"), None)
            resname = el.get("resname") or ""
            doc_name = resname.rsplit(":", 1)[0] if ":" in resname else None
            notes = tuple("".join(n.itertext()) for n in el if _local(n.tag) == "note"
                          and n.get("from") not in OWN_NOTES)
            by, at = phases.get(tgt.get("phase-name") or el.get("phase-name") or "", last_phase)
            units.append(ReviewedUnit(
                id=el.get("id", ""), target="".join(tgt.itertext()),
                source="".join(src.itertext()) if src is not None else None, document=doc_name,
                review=Review(state=tgt.get("state"), notes=notes, by=by, at=at)))
    return ReviewedFile("xliff", tuple(units), checksum, document)


def _read_tmx(root: ET.Element) -> ReviewedFile:
    checksum: str | None = None
    units: list[ReviewedUnit] = []
    for el in root.iter():
        if el.tag == "prop" and el.get("type") == "x-input-sha256":
            checksum = el.text
        if el.tag != "tu":
            continue
        props_ = {p.get("type"): p.text for p in el if p.tag == "prop"}
        sid = props_.get("x-segment")
        if not sid:
            continue
        source: str | None = None
        for tuv in el.iter("tuv"):
            seg = tuv.find("seg")
            if seg is None:
                continue
            lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()
            if lang.startswith("zh"):
                source = "".join(seg.itertext())
            elif lang.startswith("en"):
                by = tuv.get("changeid") or el.get("changeid") or tuv.get("creationid") or el.get("creationid")
                at = tuv.get("changedate") or el.get("changedate") or tuv.get("creationdate") or el.get("creationdate")
                tuid = el.get("tuid") or ""
                units.append(ReviewedUnit(sid, "".join(seg.itertext()), None,
                                          props_.get("x-document") or (tuid.rsplit(":", 1)[0] if ":" in tuid else None),
                                          Review(None, tuple(n.text or "" for n in el if n.tag == "note"), by, at)))
        if source is not None and units and units[-1].id == sid and units[-1].source is None:
            last = units[-1]
            units[-1] = ReviewedUnit(last.id, last.target, source, last.document, last.review)
    return ReviewedFile("tmx", tuple(units), checksum, None)
