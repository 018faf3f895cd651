"""NAME.xliff: XLIFF 1.2 for review in CAT tools (OmegaT, Okapi, Trados), one <trans-unit> per
segment with its notes; and reading a reviewed XLIFF or TMX back for zhen merge."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from .. import __version__
from ..errors import UsageError
from ..normalize import is_traditional
from ..records import Document, Segment
from .notes import needs_review, unit_notes

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
SRC_LANG = "zh-CN"  # simplified script
SRC_LANG_TRADITIONAL = "zh-TW"  # traditional script: CAT tools pick fonts and rules by it
TGT_LANG = "en"


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
    body = ET.SubElement(f, q + "body")
    for seg in doc.segments:
        attrs = {"id": seg.id, "resname": f"{doc.source.name}:{seg.id}", "extype": seg.kind}
        if seg.target is None:
            attrs["translate"] = "no"
        unit = ET.SubElement(body, q + "trans-unit", attrs)
        ET.SubElement(unit, q + "source", {XML_LANG: src_lang}).text = seg.text
        if seg.target is not None:
            state = "needs-review-translation" if needs_review(seg) else "translated"
            ET.SubElement(unit, q + "target", {XML_LANG: TGT_LANG, "state": state}).text = seg.target
        if seg.speaker:
            ET.SubElement(unit, q + "note", {"from": "speaker"}).text = f"{seg.speaker} ({seg.speaker_en})"
        for note in unit_notes(seg):
            ET.SubElement(unit, q + "note", {"from": "zhen"}).text = note
    return to_xml(root)


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
