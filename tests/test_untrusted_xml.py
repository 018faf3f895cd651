"""Reviewers' XLIFF and TMX and imported TBX come from outside: an entity declaration (the
"billion laughs") or an external entity is refused with one line, never expanded or fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.glossary import GlossaryError
from pipeline.termbase import import_terms
from pipeline.write.tmx import read_tmx_pairs
from pipeline.write.xliff import read_reviewed

LAUGHS = ('<!DOCTYPE {root} [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
EXTERNAL = '<!DOCTYPE {root} [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
ENTITY = {LAUGHS: "&d;", EXTERNAL: "&secret;"}

XLIFF = ('<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="r.txt" '
         'source-language="zh-CN" target-language="en" datatype="plaintext"><body><trans-unit id="s1">'
         '<source>公安部</source><target>{entity}</target></trans-unit></body></file></xliff>')
TMX = ('<tmx version="1.4"><header srclang="zh-CN" datatype="plaintext" segtype="sentence" adminlang="en" '
       'o-tmf="x" creationtool="x" creationtoolversion="1"/><body><tu><tuv xml:lang="zh-CN"><seg>公安部</seg>'
       '</tuv><tuv xml:lang="en"><seg>{entity}</seg></tuv></tu></body></tmx>')
TBX = ('<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"><text><body>'
       '<conceptEntry id="c1"><langSec xml:lang="zh"><termSec><term>公安部</term></termSec></langSec>'
       '<langSec xml:lang="en"><termSec><term>{entity}</term></termSec></langSec></conceptEntry></body></text></tbx>')


def _write(tmp_path: Path, name: str, doctype: str, root: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.format(root=root)
                    + body.format(entity=ENTITY[doctype]), encoding="utf-8")
    return path


@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_reviewed_xliff_and_tmx_with_entities_are_refused(tmp_path: Path, doctype: str) -> None:
    for name, root, body in (("r.xliff", "xliff", XLIFF), ("r.tmx", "tmx", TMX)):
        path = _write(tmp_path, name, doctype, root, body)
        with pytest.raises(UsageError) as exc:
            read_reviewed(path)
        assert str(exc.value).startswith(f"{path}: not a readable XLIFF or TMX file") and "\n" not in str(exc.value)
    with pytest.raises(UsageError, match="not a readable TMX file"):
        read_tmx_pairs(_write(tmp_path, "m.tmx", doctype, "tmx", TMX))


@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_imported_tbx_with_entities_is_refused(tmp_path: Path, doctype: str) -> None:
    path = _write(tmp_path, "terms.tbx", doctype, "tbx", TBX)
    with pytest.raises(GlossaryError, match="not valid TBX/XML"):
        import_terms(path)


def test_the_same_files_without_entities_are_read(tmp_path: Path) -> None:
    en = "Ministry of Public Security"
    xliff = tmp_path / "ok.xliff"
    xliff.write_text(XLIFF.format(entity=en), encoding="utf-8")
    assert [u.target for u in read_reviewed(xliff).units] == [en]
    tmx = tmp_path / "ok.tmx"
    tmx.write_text(TMX.format(entity=en), encoding="utf-8")
    assert read_tmx_pairs(tmx) == [("公安部", en)]
    tbx = tmp_path / "ok.tbx"
    tbx.write_text(TBX.format(entity=en), encoding="utf-8")
    assert [(t.zh, t.en) for t in import_terms(tbx)] == [("公安部", en)]
