"""NAME.tmx: TMX 1.4b for translation-memory tools, one <tu> per translated segment; and
reading a reviewed TMX back for zhen merge."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from .. import __version__
from ..records import Document
from .xliff import TGT_LANG, XML_LANG, props, source_language, to_xml


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
    return to_xml(root, '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
