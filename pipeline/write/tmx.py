"""NAME.tmx: TMX 1.4b for translation-memory tools, one <tu> per translated segment; and
reading a reviewed TMX back for zhen merge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import parse as defused_parse  # TMX from any tool: no entity expansion

from .. import __version__
from ..errors import UsageError
from ..records import Document
from .xliff import SRC_LANG, TGT_LANG, XML_LANG, props, source_language, to_xml

DOCTYPE = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'


def render(doc: Document) -> str:
    """TMX 1.4b: one <tu> per translated segment, zh-CN or zh-TW (by script) and en, with document, kind,
    speaker and id."""
    created = (doc.provenance.created if doc.provenance and doc.provenance.created else
               datetime.now(timezone.utc).isoformat(timespec="seconds"))
    stamp = created.replace("-", "").replace(":", "").replace("+0000", "Z").split("+")[0]
    stamp = stamp if stamp.endswith("Z") else stamp + "Z"
    src_lang = source_language(doc)
    root = ET.Element("tmx", {"version": "1.4"})
    header = ET.SubElement(root, "header", {
        "creationtool": "zhen", "creationtoolversion": __version__, "datatype": "plaintext", "segtype": "sentence",
        "adminlang": "en", "srclang": src_lang, "o-tmf": "zhen-jsonl", "creationdate": stamp,
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
        for key, value in props(seg, doc):
            ET.SubElement(tu, "prop", {"type": key}).text = value
        for lang, text in ((src_lang, seg.text), (TGT_LANG, seg.target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = text
    return to_xml(root, DOCTYPE)


def new_tmx(o_tmf: str) -> tuple[ET.Element, ET.Element]:
    """An empty TMX 1.4b document (root, body) that zhen made now, in its o-tmf's name."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    root = ET.Element("tmx", {"version": "1.4"})
    ET.SubElement(root, "header", {
        "creationtool": "zhen", "creationtoolversion": __version__, "datatype": "plaintext", "segtype": "sentence",
        "adminlang": "en", "srclang": SRC_LANG, "o-tmf": o_tmf, "creationdate": stamp,
    })
    return root, ET.SubElement(root, "body")


def add_unit(body: ET.Element, zh: str, en: str, props_: Sequence[tuple[str, str]] = (),
             tuid: str | None = None) -> None:
    tu = ET.SubElement(body, "tu", {"tuid": tuid} if tuid else {})
    for key, value in props_:
        ET.SubElement(tu, "prop", {"type": key}).text = value
    for lang, text in ((SRC_LANG, zh), (TGT_LANG, en)):
        tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
        ET.SubElement(tuv, "seg").text = text


def render_tmx_pairs(pairs: Sequence[tuple[str, str]]) -> str:
    """Plain translation pairs (zhen tm export) as TMX 1.4b."""
    root, body = new_tmx("zhen-memory")
    for zh, en in pairs:
        add_unit(body, zh, en)
    return to_xml(root, DOCTYPE)


def read_tmx_pairs(path: Path) -> list[tuple[str, str]]:
    """(Chinese, English) of every <tu> of a TMX from any tool that has both languages."""
    try:
        root = defused_parse(path).getroot()
    except (ET.ParseError, OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable TMX file ({exc})") from None
    if root.tag != "tmx":
        raise UsageError(f"{path}: not a TMX file (root element <{root.tag}>)")
    out: list[tuple[str, str]] = []
    for tu in root.iter("tu"):
        texts: dict[str, str] = {}
        for tuv in tu.iter("tuv"):
            seg = tuv.find("seg")
            lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()[:2]
            if seg is not None and lang in ("zh", "en") and lang not in texts:
                texts[lang] = "".join(seg.itertext())
        if "zh" in texts and "en" in texts:
            out.append((texts["zh"], texts["en"]))
    return out
