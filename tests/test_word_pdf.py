"""Word and PDF releases in, a bilingual Word document out, and a reviewer's Word edits merged
back. The Word files are composed here with python-docx; the PDFs are printed by Debian's
chromium from HTML pages written here (Noto CJK fonts, so the Chinese has a real text layer,
with the Kangxi radicals such text layers use), with a running header and footer and lines
that wrap at the page's width."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.read import read_source
from pipeline.records import Document, Segment
from pipeline.run import TranslateOptions, run_translate
from pipeline.segment import segment
from pipeline.write.jsonl import load_document

HEADER = "平安市公安局新闻办公室内部参考"
FOOTER = "平安市公安局版权所有翻印必究"
TITLE = "平安市公安局召开打击电信网络诈骗新闻发布会"
HEADING = "一、工作成效"
# Long enough to wrap twice at the page's width: one sentence, so one segment.
WRAPPED = ("今年以来，全市公安机关共破获电信网络诈骗案件1.2万起，抓获犯罪嫌疑人3400余名，冻结涉案资金2.6亿余元，"
           "为群众挽回经济损失1.1亿元，发案数同比下降百分之二十三点五，破案数同比上升百分之十八点二。")
SPEECH = "各位记者朋友，大家上午好。"
PLACES = ("东城区", "西城区", "南湖区", "北山区", "江口镇", "河西街道", "新港区", "高新区", "滨江区", "临河县")
TABLE = (("项目", "数量"), ("破获案件", "1.2万起"), ("抓获嫌疑人", "3400余名"), ("冻结资金", "2.6亿余元"))
KANGXI = [chr(c) for c in range(0x2F00, 0x2FE0)] + [chr(c) for c in range(0x2E80, 0x2F00)]


def _body_paragraphs() -> list[str]:
    """Enough distinct paragraphs to fill a second page (the header and footer repeat)."""
    return [f"{place}公安分局结合辖区实际，组织开展第{i + 1}轮反诈宣传进社区活动，走访群众{120 + 37 * i}户，"
            f"发放宣传资料{900 + 55 * i}份，现场劝阻可疑转账{3 + i}笔，有效提升了群众的识骗防骗能力。"
            for i, place in enumerate(PLACES)]


def _release_html() -> str:
    paras = "".join(f"<p>{p}</p>" for p in _body_paragraphs())
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in TABLE)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; }}
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.6; margin: 0 20mm; }}
.hdr {{ position: fixed; top: 8mm; left: 20mm; right: 20mm; text-align: center; font-size: 9pt; }}
.ftr {{ position: fixed; bottom: 8mm; left: 20mm; right: 20mm; text-align: center; font-size: 9pt; }}
table.flow {{ width: 100%; border-collapse: collapse; }} td {{ padding: 0; }} .sp {{ height: 22mm; }}
h1 {{ font-size: 22pt; text-align: center; }} h2 {{ font-size: 16pt; }}
p {{ text-indent: 2em; margin: 0 0 0.3em 0; text-align: justify; }}
</style></head><body>
<div class="hdr">{HEADER}</div><div class="ftr">{FOOTER}</div>
<table class="flow"><thead><tr><td><div class="sp"></div></td></tr></thead>
<tfoot><tr><td><div class="sp"></div></td></tr></tfoot><tbody><tr><td>
<h1>{TITLE}</h1>
<p>12月1日上午，平安市公安局召开新闻发布会，通报今年以来全市公安机关打击治理电信网络诈骗违法犯罪工作取得的成效。</p>
<h2>{HEADING}</h2>
<p>{WRAPPED}</p>
<table border="1" style="border-collapse: collapse; width: 100%">{rows}</table>
{paras}
<p>主持人 李明：下面请市公安局刑侦支队负责同志介绍有关情况。</p>
<p>张伟：{SPEECH}我们始终坚持以人民为中心的发展思想，全力推进打击治理工作，持续开展专项行动，取得了明显成效。</p>
</td></tr></tbody></table></body></html>"""


def _two_column_html() -> str:
    """Two pages set by hand, each with a page number at its foot, the body in two columns."""
    pages = []
    for n in (1, 2):
        left = "".join(f"<p>左栏第{n}页第{i}段：{PLACES[i]}派出所民警深入辖区开展治安巡逻，及时化解矛盾纠纷，"
                       f"维护了社会稳定。</p>" for i in range(3))
        right = "".join(f"<p>右栏第{n}页第{i}段：{PLACES[i + 5]}交警大队加强路面管控，查处交通违法行为，"
                        f"保障了道路安全。</p>" for i in range(3))
        pages.append(f'<div class="page"><div class="cols">{left}{right}</div><div class="num">- {n} -</div></div>')
    # a page that is one ruled table: read row by row, not as two columns
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in TABLE * 2)
    pages.append(f'<div class="page"><table border="1" style="margin: 25mm 20mm; width: 120mm">{rows}</table>'
                 '<div class="num">- 3 -</div></div>')
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; }}
body {{ margin: 0; font-family: "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.6; }}
.page {{ position: relative; width: 210mm; height: 296mm; page-break-after: always; overflow: hidden; }}
.cols {{ position: absolute; top: 25mm; left: 20mm; right: 20mm; column-count: 2; column-gap: 12mm; }}
.num {{ position: absolute; bottom: 10mm; width: 100%; text-align: center; font-size: 9pt; }}
p {{ text-indent: 2em; margin: 0 0 0.5em 0; text-align: justify; }}
</style></head><body>{"".join(pages)}</body></html>"""


def _png(width: int = 240, height: int = 120) -> bytes:
    """A grey picture with a dark band: what a scanner makes of a page, text-free."""
    rows = b"".join(b"\x00" + bytes([40 if height // 3 < y < height // 2 else 200] * width) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _print_pdf(html: str, out: Path) -> Path:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium prints the test PDFs: apt-get install chromium fonts-noto-cjk (.ci/run does)"
    page = out.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={out.parent / 'chromium-profile'}", f"--print-to-pdf={out}", str(page)],
                   capture_output=True, timeout=120, check=True)
    assert out.exists() and out.read_bytes().startswith(b"%PDF")
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    scan = f'<!doctype html><body style="margin:0"><img src="data:image/png;base64,' \
           f'{base64.b64encode(_png()).decode()}" style="width:180mm"></body>'
    return {"release": _print_pdf(_release_html(), folder / "release.pdf"),
            "columns": _print_pdf(_two_column_html(), folder / "columns.pdf"),
            "scan": _print_pdf(scan, folder / "scan.pdf")}


def _kinds(doc: Document) -> dict[str, str]:
    return {s.text: s.kind for s in doc.segments}


# ---------------------------------------------------------------------------- PDF in


def test_pdf_text_layer_really_has_wrapped_lines_and_kangxi_radicals(pdfs: dict[str, Path]) -> None:
    """The fixture is what the reader tests need: the sentence wraps, the layer uses radicals."""
    import pdfplumber

    with pdfplumber.open(pdfs["release"]) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
        assert len(pdf.pages) >= 2
    assert any(ch in text for ch in KANGXI)
    assert text.count(HEADER) >= 2 and text.count(FOOTER) >= 2
    lines = text.splitlines()
    assert not any("今年以来，全市" in ln and "十八点二" in ln for ln in lines)  # the sentence wraps


def test_pdf_structure_kept_and_wrapped_sentence_is_one_segment(pdfs: dict[str, Path]) -> None:
    doc = segment(read_source(str(pdfs["release"])))
    kinds = _kinds(doc)
    assert kinds[TITLE] == "title"
    assert kinds[HEADING] == "heading"
    assert kinds[WRAPPED] == "paragraph"  # the sentence that wraps over three lines, whole
    turn = next(s for s in doc.segments if s.text == SPEECH)
    assert (turn.kind, turn.speaker) == ("turn", "张伟")
    for para in _body_paragraphs():  # each a paragraph of one sentence, its wrapped lines joined
        assert para in kinds, para
    texts = [s.text for s in doc.segments]
    rows = [texts.index(f"{a} {b}") for a, b in TABLE]  # a table row by row, not column by column
    assert rows == sorted(rows) and texts.index(WRAPPED) < rows[0]
    assert doc.source.media_type == "application/pdf"


def test_pdf_running_header_and_footer_are_left_out(pdfs: dict[str, Path]) -> None:
    doc = segment(read_source(str(pdfs["release"])))
    for seg in doc.segments:
        assert HEADER not in seg.text and FOOTER not in seg.text
        assert "版权所有" not in seg.text and "内部参考" not in seg.text
    assert any("left out" in w for w in doc.source.warnings)


def test_pdf_two_columns_read_column_by_column_without_page_numbers(pdfs: dict[str, Path]) -> None:
    doc = segment(read_source(str(pdfs["columns"])))
    texts = [s.text for s in doc.segments]
    order = [t[:8] for t in texts[:12]]
    assert order == [f"{side}第{n}页第{i}段" for n in (1, 2) for side in ("左栏", "右栏") for i in range(3)]
    assert all("派出所" in t or "交警大队" in t for t in texts[:12])  # no "- 1 -" segment, no column mixed in
    assert all(t.endswith("。") for t in texts[:12])  # each paragraph whole across its wrapped lines
    assert texts[12:] == [f"{a} {b}" for a, b in TABLE * 2]  # the table page row by row, no "- 3 -"


def test_no_kangxi_radical_reaches_the_model(pdfs: dict[str, Path], tmp_path: Path) -> None:
    tr = FakeTranslator()
    report = run_translate([str(pdfs["release"])], tmp_path, TranslateOptions(formats=("jsonl",), cache=False),
                           translator=tr)
    assert not report.failed
    sent = "".join(t for call in tr.calls for t in call)
    assert "工作" in sent and "人民" in sent  # ⼯ and ⼈ in the text layer
    assert not [ch for ch in sent if ch in KANGXI]
    doc = load_document(tmp_path / "release.jsonl")
    assert not [ch for s in doc.segments for ch in s.text + s.norm if ch in KANGXI]


def test_every_kangxi_radical_and_compatibility_ideograph_is_unified() -> None:
    import unicodedata

    from pipeline.normalize import clean
    from pipeline.radicals import UNIFIED

    kangxi = "".join(chr(c) for c in range(0x2F00, 0x2FD6))  # the 214 radicals (U+2FD6-2FDF unassigned)
    out = clean(kangxi).text
    assert len(out) == len(kangxi) and all("\u4e00" <= ch <= "\u9fff" for ch in out)
    assert clean("⼊境⾏动").text == "入境行动"
    supplement = [chr(c) for c in range(0x2E80, 0x2EF4) if unicodedata.name(chr(c), "")]
    mapped = [ch for ch in supplement if ch in UNIFIED]
    assert len(mapped) >= len(supplement) - 1  # U+2E80 alone has no equivalent ideograph
    assert clean("\u2ec5\u2ed4").text == "见门"  # CJK Radicals Supplement: ⻅ ⻔
    assert clean("\uf92c").text == "郎"  # a compatibility ideograph


def test_image_only_pdf_fails_alone_with_one_line(pdfs: dict[str, Path], tmp_path: Path, tiny_model: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(pdfs["scan"]), str(good), "-o", str(tmp_path / "out"),
                                  "--model", str(tiny_model), "--beams", "1", "--engine", "torch", "-q"])
    assert isinstance(r.exception, SystemExit) and r.exit_code == 1, (r.exception, r.output)
    errors = [ln for ln in r.output.splitlines() if "scan.pdf" in ln]
    assert len(errors) == 1 and "no text layer" in errors[0] and "Traceback" not in r.output, r.output
    assert (tmp_path / "out" / "good.jsonl").exists()  # the other input was translated
    assert not (tmp_path / "out" / "scan.jsonl").exists()


# ---------------------------------------------------------------------------- Word in


def _release_docx(path: Path) -> Path:
    """A Word transcript: Title and Heading styles, a speaker's turns, a table, a header and a
    footer, and a footnote (python-docx writes no footnotes: the part is added as Word does)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.ns import qn

    word = docx.Document()
    section = word.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    word.add_heading(TITLE, level=0)
    word.add_paragraph("12月1日上午，平安市公安局召开新闻发布会。")
    word.add_heading(HEADING, level=1)
    para = word.add_paragraph(WRAPPED)
    ref = para.add_run()._r
    ref.append(ref.makeelement(qn("w:footnoteReference"), {qn("w:id"): "1"}))
    word.add_paragraph("主持人 李明：下面请刑侦支队负责同志介绍情况。")
    word.add_paragraph(f"张伟：{SPEECH}")
    word.add_paragraph("我们始终坚持以人民为中心，持续开展专项行动。")
    table = word.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("项目", "数量"), ("破获案件", "1.2万起")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    word.add_paragraph("下一步，我们将继续深化打击治理。")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (f'<w:footnotes xmlns:w="{w}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
             f'</w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>数据来源：市公安局刑侦支队。</w:t></w:r>'
             f'</w:p></w:footnote></w:footnotes>').encode()
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml", notes,
                word.part.package)
    word.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    word.save(str(path))
    return path


def test_docx_structure_table_notes_and_furniture(tmp_path: Path) -> None:
    doc = segment(read_source(str(_release_docx(tmp_path / "briefing.docx"))))
    kinds = _kinds(doc)
    assert kinds[TITLE] == "title" and kinds[HEADING] == "heading"
    assert kinds[WRAPPED] == "paragraph"
    turns = [s for s in doc.segments if s.kind == "turn"]
    assert [s.speaker for s in turns if s.text == SPEECH] == ["张伟"]
    assert any(s.speaker == "张伟" and s.text.startswith("我们始终坚持") for s in turns)  # the turn goes on
    texts = [s.text for s in doc.segments]
    assert "项目 数量" in texts and "破获案件 1.2万起" in texts  # the table row by row
    body = [s for s in doc.segments if s.kind != "boilerplate"]
    assert body[-1].text == "数据来源：市公安局刑侦支队。"  # the footnote after the body
    assert texts.index("项目 数量") < texts.index("下一步，我们将继续深化打击治理。")
    furniture = [s for s in doc.segments if HEADER in s.text or FOOTER in s.text]
    assert furniture and all(s.kind == "boilerplate" for s in furniture)
    assert doc.source.name == "briefing"


def test_docx_header_is_never_translated(tmp_path: Path) -> None:
    tr = FakeTranslator()
    src = _release_docx(tmp_path / "briefing.docx")
    report = run_translate([str(src)], tmp_path / "out", TranslateOptions(formats=("jsonl",), cache=False),
                           translator=tr)
    assert not report.failed
    sent = "".join(t for call in tr.calls for t in call)
    assert "工作成效" in sent and "版权所有" not in sent and "内部参考" not in sent


def test_old_word_doc_is_refused_with_how_to_convert(tmp_path: Path) -> None:
    doc = tmp_path / "notice.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    r = CliRunner().invoke(main, ["segment", str(doc)])
    assert r.exit_code == 1
    lines = [ln for ln in r.stderr.splitlines() if "notice.doc" in ln]
    assert len(lines) == 1 and "old Word .doc" in lines[0] and "save it as .docx" in lines[0]
    assert "Traceback" not in r.output


def test_old_word_doc_is_converted_where_libreoffice_is_installed(tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office, "LibreOffice converts .doc files: apt-get install libreoffice-writer-nogui (.ci/run does)"
    _release_docx(tmp_path / "briefing.docx")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
                    "doc", "--outdir", str(tmp_path / "old"), str(tmp_path / "briefing.docx")],
                   capture_output=True, timeout=180, check=True)
    old = tmp_path / "old" / "briefing.doc"
    assert old.read_bytes().startswith(b"\xd0\xcf\x11\xe0")  # the binary format of Word 97-2003
    doc = segment(read_source(str(old)))
    kinds = _kinds(doc)
    assert kinds[TITLE] == "title" and kinds[WRAPPED] == "paragraph"
    assert [s.speaker for s in doc.segments if s.text == SPEECH] == ["张伟"]


# ---------------------------------------------------------------------------- Word out, merged back


def _translate(src: Path, out: Path) -> None:
    report = run_translate([str(src)], out, TranslateOptions(formats=("jsonl", "docx", "docx-en", "txt"), cache=False),
                           translator=FakeTranslator())
    assert not report.failed


def _rows(path: Path) -> list[list[str]]:
    import docx

    word = docx.Document(str(path))
    return [[c.text for c in row.cells] for row in word.tables[0].rows]


def test_bilingual_docx_holds_every_segment(pdfs: dict[str, Path], tmp_path: Path) -> None:
    import docx

    _translate(pdfs["release"], tmp_path)
    doc = load_document(tmp_path / "release.jsonl")
    rows = _rows(tmp_path / "release.docx")
    assert rows[0][:4] == ["ID", "Speaker", "中文 Chinese", "English"]
    assert [r[0] for r in rows[1:]] == [s.id for s in doc.segments]  # one row each, in order
    for row, seg in zip(rows[1:], doc.segments, strict=True):
        assert row[2] == seg.text
        assert row[3] == (seg.target if seg.target is not None else "(not translated: page furniture)")
        if seg.speaker:
            assert seg.speaker in row[1]
    word = docx.Document(str(tmp_path / "release.docx"))
    xml = word.styles["Normal"].element.xml
    assert 'w:eastAsia="SimSun"' in xml  # Chinese renders in Word's Chinese font
    assert word.core_properties.identifier == f"zhen:release:{doc.source.sha256}"
    english = docx.Document(str(tmp_path / "release.en.docx"))
    styled = {(p.style.name, p.text) for p in english.paragraphs}
    title = next(s for s in doc.segments if s.kind == "title")
    heading = next(s for s in doc.segments if s.kind == "heading")
    assert ("Title", title.target) in styled and ("Heading 1", heading.target) in styled
    assert not any(ch for p in english.paragraphs for ch in p.text if "\u4e00" <= ch <= "\u9fff"
                   and ch not in "".join(s.target or "" for s in doc.segments))  # English only


def _briefing(tmp_path: Path) -> tuple[Path, Path, Segment]:
    """The Word transcript translated into tmp_path/out, and its segment of SPEECH."""
    src = _release_docx(tmp_path / "briefing.docx")
    out = tmp_path / "out"
    _translate(src, out)
    return src, out, next(s for s in load_document(out / "briefing.jsonl").segments if s.text == SPEECH)


def test_word_outputs_are_byte_identical_with_source_date_epoch(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765000000")
    src = _release_docx(tmp_path / "briefing.docx")
    for out in ("a", "b"):
        _translate(src, tmp_path / out)
    for name in ("briefing.docx", "briefing.en.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _edit(path: Path, seg_id: str, english: str, saved_as: Path, chinese: str | None = None) -> None:
    import docx

    word = docx.Document(str(path))
    for row in word.tables[0].rows:
        if row.cells[0].text == seg_id:
            row.cells[3].text = english
            if chinese is not None:
                row.cells[2].text = chinese
    word.core_properties.last_modified_by = "Wang Fang"
    word.save(str(saved_as))


def test_reviewed_docx_under_another_name_merges_back_and_survives_a_rerun(tmp_path: Path) -> None:
    src, out, seg = _briefing(tmp_path)
    fixed = "Good morning, friends of the press."
    reviewed = out / "briefing-checked-by-wang.docx"
    _edit(out / "briefing.docx", seg.id, fixed, reviewed)
    r = CliRunner().invoke(main, ["merge", str(reviewed)])
    assert r.exit_code == 0, r.output
    assert f"1 segment changed ({seg.id})" in r.output
    after = {s.id: s for s in load_document(out / "briefing.jsonl").segments}
    assert after[seg.id].target == fixed and after[seg.id].reviewed
    assert after[seg.id].review is not None and after[seg.id].review.by == "Wang Fang"
    assert fixed in (out / "briefing.en.txt").read_text(encoding="utf-8")
    assert [r[3] for r in _rows(out / "briefing.docx") if r[0] == seg.id] == [fixed]
    assert reviewed.exists()  # the reviewer's own file is read, never written
    _translate(src, out)  # a later run keeps the reviewed English
    again = {s.id: s for s in load_document(out / "briefing.jsonl").segments}
    assert again[seg.id].target == fixed
    assert [r[3] for r in _rows(out / "briefing.docx") if r[0] == seg.id] == [fixed]


def test_a_folder_run_takes_word_releases_but_not_zhens_own_word_files(tmp_path: Path) -> None:
    from pipeline.batch import expand_inputs

    src = _release_docx(tmp_path / "briefing.docx")
    _translate(src, tmp_path)  # into the input folder: briefing-2.docx, briefing-2.en.docx beside it
    _edit(tmp_path / "briefing-2.docx", "s1", "Title", tmp_path / "checked by wang.docx")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "briefing-2.docx" in names and "briefing-2.en.docx" in names  # the input was not written over
    assert [Path(p).name for p in expand_inputs([str(tmp_path)])] == ["briefing.docx"]


def test_a_docx_edited_in_place_is_not_written_over_before_it_is_merged(tmp_path: Path) -> None:
    src, out, seg = _briefing(tmp_path)
    table = out / "briefing.docx"
    _edit(table, seg.id, "Good morning, everyone.", table)
    edited = table.read_bytes()
    report = run_translate([str(src)], out, TranslateOptions(formats=("jsonl", "docx"), cache=False, force=True),
                           translator=FakeTranslator())
    assert report.failed and "zhen merge" in str(report.failed[0].error)
    assert table.read_bytes() == edited  # the reviewer's work is still there
    r = CliRunner().invoke(main, ["merge", str(table)])
    assert r.exit_code == 0, r.output
    assert table.read_bytes() == edited  # merge reads the reviewer's file, never writes it
    _translate(src, out)
    assert {s.id: s.target for s in load_document(out / "briefing.jsonl").segments}[seg.id] == "Good morning, everyone."


def test_reviewed_docx_with_tracked_changes_merges_the_english_as_accepted(tmp_path: Path) -> None:
    """A reviewer who edits with Track Changes on leaves w:del and w:ins runs: the English merged
    is the cell as it reads with the changes accepted."""
    import docx
    from docx.oxml import parse_xml

    _, out, seg = _briefing(tmp_path)
    word = docx.Document(str(out / "briefing.docx"))
    row = next(r for r in word.tables[0].rows if r.cells[0].text == seg.id)
    para = row.cells[3].paragraphs[0]
    for run in list(para.runs):
        run._r.getparent().remove(run._r)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    para._p.append(parse_xml(f'<w:r {w}><w:t xml:space="preserve">Good </w:t></w:r>'))
    para._p.append(parse_xml(f'<w:del {w} w:id="1" w:author="Wang"><w:r><w:delText>day</w:delText></w:r></w:del>'))
    para._p.append(parse_xml(f'<w:ins {w} w:id="2" w:author="Wang"><w:r><w:t>morning, everyone.</w:t></w:r></w:ins>'))
    word.save(str(tmp_path / "tracked.docx"))
    r = CliRunner().invoke(main, ["merge", str(tmp_path / "tracked.docx"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    after = {s.id: s for s in load_document(out / "briefing.jsonl").segments}
    assert after[seg.id].target == "Good morning, everyone."


def test_word_comments_on_a_row_are_the_reviewers_notes(tmp_path: Path) -> None:
    import docx

    _, out, seg = _briefing(tmp_path)
    word = docx.Document(str(out / "briefing.docx"))
    row = next(r for r in word.tables[0].rows if r.cells[0].text == seg.id)
    word.add_comment(row.cells[3].paragraphs[0].runs, text="Check the greeting with the press office.",
                     author="Wang Fang")
    word.save(str(tmp_path / "commented.docx"))
    r = CliRunner().invoke(main, ["merge", str(tmp_path / "commented.docx"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    after = {s.id: s for s in load_document(out / "briefing.jsonl").segments}
    assert after[seg.id].review is not None
    assert after[seg.id].review.notes == ("Wang Fang: Check the greeting with the press office.",)
    assert after[seg.id].target == seg.target  # a note alone changes no English
    rows = {r[0]: r for r in _rows(out / "briefing.docx")}
    assert "reviewer: Wang Fang: Check the greeting" in rows[seg.id][4]


def test_reviewed_docx_with_changed_chinese_or_another_release_is_refused(tmp_path: Path) -> None:
    _, out, seg = _briefing(tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    moved = tmp_path / "moved.docx"
    _edit(out / "briefing.docx", seg.id, "Good morning.", moved, chinese="各位领导，大家好。")
    r = CliRunner().invoke(main, ["merge", str(moved), "-o", str(out)])
    assert r.exit_code == 2 and "differs" in r.output and "nothing merged" in r.output
    other = tmp_path / "other.txt"
    other.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    run_translate([str(other)], tmp_path / "o2", TranslateOptions(formats=("jsonl", "docx")),
                  translator=FakeTranslator())
    r = CliRunner().invoke(main, ["merge", str(tmp_path / "o2" / "other.docx"), "--release", "briefing",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "another release" in r.output
    plain = tmp_path / "plain.docx"
    import docx

    docx.Document().save(str(plain))
    r = CliRunner().invoke(main, ["merge", str(plain), "--release", "briefing", "-o", str(out)])
    assert r.exit_code == 2 and "not a zhen review document" in r.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing touched


def test_bilingual_docx_renders_in_libreoffice(pdfs: dict[str, Path], tmp_path: Path) -> None:
    """LibreOffice opens it and prints the table, Chinese and English, as a PDF with a text layer."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office, "LibreOffice renders the Word output: apt-get install libreoffice-writer-nogui (.ci/run does)"
    _translate(pdfs["release"], tmp_path)
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "rendered"), str(tmp_path / "release.docx")],
                   capture_output=True, timeout=180, check=True)
    import pdfplumber

    with pdfplumber.open(tmp_path / "rendered" / "release.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert "EN<" in text and "平安市公安局" in text.replace("⼯", "工")


# ---------------------------------------------------------------------------- the server


def test_server_takes_word_and_pdf_uploads_and_offers_the_word_download(pdfs: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    import io
    import time

    import docx
    from fastapi.testclient import TestClient

    from pipeline.server import ServerConfig, create_app

    auth = {"Authorization": "Bearer word-token"}
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path / "data", token="word-token",
                                                    max_body=2 * 1024 * 1024))
    uploads = {"briefing.docx": _release_docx(tmp_path / "briefing.docx").read_bytes(),
               "release.pdf": pdfs["release"].read_bytes()}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/").text
        assert 'data-fmt="docx"' in page and 'data-fmt="docx-en"' in page and ".docx,.doc,.pdf" in page
        for name, data in uploads.items():
            r = client.post("/api/jobs", files={"file": (name, data, "application/octet-stream")}, headers=auth)
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            for _ in range(2400):  # a bound (2 min), not a timing assertion
                job = client.get(f"/api/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.05)
            assert job["status"] == "done", job
            assert {s["kind"]: s["text"] for s in job["segments"]}["title"] == TITLE
            assert not any(HEADER in s["text"] or FOOTER in s["text"] for s in job["segments"]
                           if s["kind"] != "boilerplate")
            r = client.get(f"/api/jobs/{job_id}/output/docx", headers=auth)
            assert r.status_code == 200 and r.headers["content-type"].startswith(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            rows = [[c.text for c in row.cells] for row in docx.Document(io.BytesIO(r.content)).tables[0].rows]
            assert [row[0] for row in rows[1:]] == [s["id"] for s in job["segments"]]
            r = client.get(f"/api/jobs/{job_id}/output/docx-en", headers=auth)
            assert r.status_code == 200 and docx.Document(io.BytesIO(r.content)).paragraphs
