"""Fault injection: nothing a reviewer did is ever lost (issue 14).

One test per row of the issue's table (test_row01_... to test_row10_...), each failing on the
code before the fix; then SIGKILL at random points of a 30-document batch, full disks under
ZHEN_HOME and under -o, and hypothesis-generated text through translate -> XLIFF -> merge ->
JSONL. Everything runs on the deterministic FakeTranslator, so no test waits for a model.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline import memory
from pipeline.cli import main
from pipeline.errors import UsageError
from pipeline.merge import run_merge
from pipeline.records import SummaryOptions
from pipeline.run import TranslateOptions, run_translate
from pipeline.write.jsonl import load_document

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ("公安部召开新闻发布会\n"
           "公安部召开新闻发布会，通报“云剑”行动工作情况。\n"
           "截至2019年11月，共破获电信诈骗案件9.4万起。\n"
           "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。\n"
           "下一步，公安机关将始终保持严打高压态势。\n")
XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"
# machine English off, a memory private to the test (ZHEN_HOME is per test), no glossary to load
PLAIN = TranslateOptions(formats=("jsonl", "xliff"), glossary_mode="off")


def _release(tmp_path: Path, name: str = "X", text: str = RELEASE) -> Path:
    src = tmp_path / f"{name}.txt"
    src.write_text(text, encoding="utf-8")
    return src


def _edit_unit(xliff: Path, sid: str, english: str, dest: Path | None = None) -> Path:
    """The reviewer's edit: the target of unit `sid` replaced, written to dest (default: in place)."""
    ET.register_namespace("", XLIFF[1:-1])
    tree = ET.parse(xliff)
    for unit in tree.getroot().iter(f"{XLIFF}trans-unit"):
        if unit.get("id") == sid:
            tgt = unit.find(f"{XLIFF}target")
            assert tgt is not None
            tgt.text = english
    out = dest or xliff
    tree.write(out, encoding="UTF-8", xml_declaration=True)
    return out


def _targets(jsonl: Path) -> dict[str, str | None]:
    return {s.id: s.target for s in load_document(jsonl).segments}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------------------- the table, row by row


def test_row01_rerun_keeps_reviewed_edits(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    _edit_unit(out / "X.xliff", "s3", "As of November 2019, 94,000 fraud cases were solved.")
    assert run_merge(out / "X.xliff").changed == ["s3"]
    os.utime(src, (src.stat().st_atime + 100, src.stat().st_mtime + 100))  # touch: same bytes, newer
    report = run_translate([str(src)], out, replace_opts(PLAIN, force=True), translator=FakeTranslator())
    assert _targets(out / "X.jsonl")["s3"] == "As of November 2019, 94,000 fraud cases were solved."
    assert "94,000 fraud cases" in (out / "X.xliff").read_text(encoding="utf-8")
    assert report.kept_reviewed == 1
    # the memory's reviewed entry serves another release with the same sentence, even without the JSONL
    other = _release(tmp_path, "Y", "截至2019年11月，共破获电信诈骗案件9.4万起。\n")
    report = run_translate([str(other)], out, PLAIN, translator=FakeTranslator())
    assert report.kept_reviewed == 1
    assert _targets(out / "Y.jsonl")["s1"] == "As of November 2019, 94,000 fraud cases were solved."
    # --discard-reviewed: the model's English again, and the memory forgets the review
    report = run_translate([str(src)], out, replace_opts(PLAIN, discard_reviewed=True), translator=FakeTranslator())
    assert report.kept_reviewed == 0
    assert _targets(out / "X.jsonl")["s3"] == "EN<截至2019年11月，共破获电信诈骗案件9.4万起。>"


def replace_opts(opts: TranslateOptions, **kw: Any) -> TranslateOptions:
    from dataclasses import replace

    return replace(opts, **kw)


def test_row01_an_unmerged_review_is_never_written_over(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    _edit_unit(out / "X.xliff", "s2", "Edited in place, not merged yet.")
    edited = (out / "X.xliff").read_bytes()
    report = run_translate([str(src)], out, replace_opts(PLAIN, force=True), translator=FakeTranslator())
    assert report.failed and "zhen merge" in (report.failed[0].error or "")
    assert (out / "X.xliff").read_bytes() == edited
    run_merge(out / "X.xliff")
    report = run_translate([str(src)], out, replace_opts(PLAIN, force=True), translator=FakeTranslator())
    assert not report.failed and report.kept_reviewed == 1
    assert "Edited in place, not merged yet." in (out / "X.xliff").read_text(encoding="utf-8")


def test_row01_cli_says_how_many_it_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    _edit_unit(out / "X.xliff", "s2", "The ministry briefed the press on Cloud Sword.")
    run_merge(out / "X.xliff")
    monkeypatch.setattr("pipeline.run.load_translator", lambda _opts: FakeTranslator())
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--formats", "jsonl,xliff", "--force",
                                  "--glossary-mode", "off"])
    assert r.exit_code == 0, r.output
    assert "kept 1 reviewed segment whose" in r.output


def test_row02_duplicated_unit_id_is_refused(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    reviewed = _edit_unit(out / "X.xliff", "s3", "Edited once.", tmp_path / "X.xliff")
    text = reviewed.read_text(encoding="utf-8")
    start = text.index('<trans-unit id="s3"')
    end = text.index("</trans-unit>", start) + len("</trans-unit>")
    unit = text[start:end]
    reviewed.write_text(text[:end] + unit.replace("Edited once.", "Edited twice.") + text[end:], encoding="utf-8")
    before_out, before_file = _snapshot(out), reviewed.read_bytes()
    r = CliRunner().invoke(main, ["merge", str(reviewed), "-o", str(out)])
    assert r.exit_code == 2 and "more than once" in r.output and "Traceback" not in r.output
    assert _snapshot(out) == before_out and reviewed.read_bytes() == before_file


def test_row03_output_names_never_collide(tmp_path: Path) -> None:
    d = tmp_path / "d"
    for sub, name in (("a", "x.txt"), ("b", "x.txt"), ("c", "x-2.txt")):
        (d / sub).mkdir(parents=True)
        (d / sub / name).write_text(f"{sub}公安部召开新闻发布会。\n", encoding="utf-8")
    report = run_translate([str(d)], tmp_path / "o", TranslateOptions(glossary_mode="off"), translator=FakeTranslator())
    jsonls = sorted((tmp_path / "o").glob("*.jsonl"))
    assert len(jsonls) == 3 and not report.failed
    inputs = {json.loads(p.read_text(encoding="utf-8").split("\n")[0])["input"] for p in jsonls}
    assert inputs == {str(d / "a" / "x.txt"), str(d / "b" / "x.txt"), str(d / "c" / "x-2.txt")}
    # an input never overwritten by another input's output, with -o into the input folder
    p = tmp_path / "p"
    p.mkdir()
    (p / "report.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    (p / "report.en.txt").write_text("浙江省公安厅通报。\n", encoding="utf-8")
    before = (p / "report.en.txt").read_bytes()
    report = run_translate([str(p / "report.txt"), str(p / "report.en.txt")], p, TranslateOptions(glossary_mode="off"),
                           translator=FakeTranslator())
    assert not report.failed
    assert (p / "report.en.txt").read_bytes() == before
    # an input that cannot be read (empty) is an input all the same: never written over
    q = tmp_path / "q"
    q.mkdir()
    (q / "report.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    (q / "report.en.txt").write_bytes(b"")
    report = run_translate([str(q)], q, TranslateOptions(glossary_mode="off"), translator=FakeTranslator())
    assert (q / "report.en.txt").read_bytes() == b"" and len(report.failed) == 1
    # a user's own Markdown release beside a text release of the same name is a release
    m = tmp_path / "m"
    m.mkdir()
    (m / "note.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    (m / "note.md").write_text("# 浙江省公安厅通报\n", encoding="utf-8")
    report = run_translate([str(m)], m, TranslateOptions(glossary_mode="off", formats=("md",)),
                           translator=FakeTranslator())
    assert (m / "note.md").read_text(encoding="utf-8") == "# 浙江省公安厅通报\n" and len(report.results) == 2


def test_row04_separator_in_a_glossary_field_is_refused(tmp_path: Path) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_text("zh\ten\tkind\tnote\n公安部\tMinistry of Public Security\torg\t\n", encoding="utf-8")
    before = tsv.read_bytes()
    r = CliRunner().invoke(main, ["glossary", "add", "测试词", "test term\u2028公安部", "--glossary", str(tsv)])
    assert r.exit_code == 2 and "U+2028" in r.output and "Traceback" not in r.output
    assert tsv.read_bytes() == before
    csv = tmp_path / "in.csv"
    csv.write_bytes(b'zh,en\n"\xe6\xb5\x8b\xe8\xaf\x95","test\rterm"\n')
    r = CliRunner().invoke(main, ["glossary", "import", str(csv), "--glossary", str(tsv)])
    assert r.exit_code == 2 and "line break" in r.output
    assert tsv.read_bytes() == before
    r = CliRunner().invoke(main, ["glossary", "list", "--glossary", str(tsv)])
    assert r.output.splitlines() == ["公安部\tMinistry of Public Security\torg"]


def test_row05_separators_and_controls_in_the_input_parse_back(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes("公安部召开新闻发布会\u2028通报情况。\n浙江\x1b省公安厅\u0085通报。\n".encode())
    out = tmp_path / "out"
    opts = TranslateOptions(formats=("jsonl", "xliff", "tmx", "md", "txt", "html"), glossary_mode="off")
    report = run_translate([str(src)], out, opts, translator=FakeTranslator())
    assert not report.failed
    assert any("replaced at read time" in w for r in report.results for w in r.warnings)
    ET.parse(out / "a.xliff")
    ET.parse(out / "a.tmx")
    doc = load_document(out / "a.jsonl")
    assert all("\u2028" not in s.text and "\x1b" not in s.text for s in doc.segments)
    res = run_merge(out / "a.xliff")
    assert res.changed == []


def test_row06_cross_release_merge_is_refused_without_the_checksum(tmp_path: Path) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    run_translate([str(_release(tmp_path, "A"))], a, PLAIN, translator=FakeTranslator())
    other = RELEASE.replace("9.4万起", "8万起").replace("269名", "100名")
    run_translate([str(_release(tmp_path, "B", other))], b, PLAIN, translator=FakeTranslator())
    text = (a / "A.xliff").read_text(encoding="utf-8")
    start = text.index('<note from="zhen-release">')
    text = text[:start] + text[text.index("</note>", start) + len("</note>"):]
    foreign = tmp_path / "B.xliff"
    foreign.write_text(text, encoding="utf-8")
    before = _snapshot(b)
    with pytest.raises(UsageError, match=r"belong to A|differs from B"):
        run_merge(foreign, b)
    assert _snapshot(b) == before
    # the same file with its resnames rewritten to B still differs in its Chinese
    foreign.write_text(text.replace('resname="A:', 'resname="B:'), encoding="utf-8")
    with pytest.raises(UsageError, match="Chinese of unit"):
        run_merge(foreign, b)
    assert _snapshot(b) == before


def test_row07_merge_keeps_notes_and_states_and_the_reviewers_file(tmp_path: Path) -> None:
    src = tmp_path / "X.txt"
    src.write_bytes(RELEASE.replace("下一步", "下一\u2028步").encode())  # a read-time warning to keep
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    ET.register_namespace("", XLIFF[1:-1])
    tree = ET.parse(out / "X.xliff")
    for unit in tree.getroot().iter(f"{XLIFF}trans-unit"):
        if unit.get("id") == "s2":
            tgt = unit.find(f"{XLIFF}target")
            assert tgt is not None
            tgt.text, tgt.attrib["state"] = "The ministry briefed the press.", "signed-off"
            ET.SubElement(unit, f"{XLIFF}note", {"from": "editor"}).text = "checked against the website"
        if unit.get("id") == "s4":
            unit.find(f"{XLIFF}target").attrib["state"] = "final"  # type: ignore[union-attr]
    reviewed = tmp_path / "review" / "X.xliff"
    reviewed.parent.mkdir()
    tree.write(reviewed, encoding="UTF-8", xml_declaration=True)
    before = reviewed.read_bytes()
    run_merge(reviewed, out)
    assert reviewed.read_bytes() == before  # the reviewer's file untouched
    new = (out / "X.xliff").read_text(encoding="utf-8")
    assert "checked against the website" in new and 'state="signed-off"' in new and 'state="final"' in new
    doc = load_document(out / "X.jsonl")
    assert any("separator" in w for w in doc.warnings)  # the provenance warnings survive
    assert "zhen-warning" in new
    # and a second merge of the new XLIFF loses none of it
    run_merge(out / "X.xliff")
    again = (out / "X.xliff").read_text(encoding="utf-8")
    assert "checked against the website" in again and 'state="final"' in again


def test_row08_memory_failures_are_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _release(tmp_path)
    opts = TranslateOptions(formats=("jsonl",), glossary_mode="off")
    home = tmp_path / "home"

    def run(label: str) -> None:
        out = tmp_path / label
        report = run_translate([str(src)], out, opts, translator=FakeTranslator())
        assert not report.failed and (out / "X.jsonl").exists(), label
        assert len(report.warnings) == 1 and "translation memory unavailable" in report.warnings[0], label

    home.write_text("not a folder")  # ZHEN_HOME is a file
    monkeypatch.setenv("ZHEN_HOME", str(home))
    run("home-is-a-file")
    home.unlink()
    home.mkdir()
    (home / "tm.sqlite").write_bytes(b"garbage" * 1000)
    run("garbage")
    (home / "tm.sqlite").unlink()
    memory.TranslationMemory().close()  # a good memory, then locked by another process's writer
    monkeypatch.setattr(memory, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(str(home / "tm.sqlite"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        run("locked")
    finally:
        holder.rollback()
        holder.close()
    real_connect = sqlite3.connect  # read-only (root ignores file modes, so open it read-only)
    monkeypatch.setattr(memory.sqlite3, "connect",
                        lambda path, **kw: real_connect(f"file:{path}?mode=ro", uri=True, **kw))
    run("read-only")
    monkeypatch.undo()
    # `cache stats` on a garbage memory: one line, exit 1
    monkeypatch.setenv("ZHEN_HOME", str(home))
    (home / "tm.sqlite").write_bytes(b"garbage" * 1000)
    for f in home.glob("tm.sqlite-*"):
        f.unlink()
    r = CliRunner().invoke(main, ["cache", "stats"])
    assert r.exit_code == 1 and "translation memory unavailable" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_row09_resume_checks_every_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src = _release(tmp_path)
    out, ref = tmp_path / "out", tmp_path / "ref"
    old = TranslateOptions(formats=("jsonl", "md", "txt"), glossary_mode="off", facts="check")
    new = replace_opts(old, facts="off")
    run_translate([str(src)], out, old, translator=FakeTranslator())
    run_translate([str(src)], ref, new, translator=FakeTranslator())
    import pipeline.write as write

    real = write.atomic_write
    calls: list[Path] = []

    def killed_after_first(path: Path, text: str) -> None:
        if calls:
            raise KeyboardInterrupt  # the process dies between two format writes
        calls.append(path)
        real(path, text)

    monkeypatch.setattr(write, "atomic_write", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        run_translate([str(src)], out, new, translator=FakeTranslator())
    monkeypatch.setattr(write, "atomic_write", real)
    report = run_translate([str(src)], out, new, translator=FakeTranslator())
    assert not any(r.skipped for r in report.results)  # a mixed set is not up to date
    assert _snapshot(out) == _snapshot(ref)
    assert all(r.skipped for r in run_translate([str(src)], out, new, translator=FakeTranslator()).results)


def test_row09_a_kill_before_the_jsonl_is_not_taken_for_a_review(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The new XLIFF written, the JSONL not yet: the resume knows the XLIFF for zhen's own."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src = _release(tmp_path)
    out, ref = tmp_path / "out", tmp_path / "ref"
    old = TranslateOptions(formats=("jsonl", "xliff"), glossary_mode="off", facts="check")
    new = replace_opts(old, facts="off")
    run_translate([str(src)], out, old, translator=FakeTranslator())
    run_translate([str(src)], ref, new, translator=FakeTranslator())
    import pipeline.write as write

    real = write.atomic_write

    def killed_before_jsonl(path: Path, text: str) -> None:
        if path.suffix == ".jsonl":
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(write, "atomic_write", killed_before_jsonl)
    with pytest.raises(KeyboardInterrupt):
        run_translate([str(src)], out, new, translator=FakeTranslator())
    monkeypatch.setattr(write, "atomic_write", real)
    assert (out / "X.xliff").read_bytes() == (ref / "X.xliff").read_bytes()  # new XLIFF, old JSONL
    report = run_translate([str(src)], out, new, translator=FakeTranslator())
    assert not report.failed
    assert _snapshot(out) == _snapshot(ref)


def test_row10_merge_updates_the_summary_and_reports_figures(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    opts = TranslateOptions(formats=("jsonl", "xliff", "html"), glossary_mode="off",
                            summary=SummaryOptions(sentences=2))
    run_translate([str(src)], out, opts, translator=FakeTranslator())
    summary_before = (out / "X.summary.md").read_text(encoding="utf-8")
    assert "EN<公安部召开新闻发布会>" in summary_before
    _edit_unit(out / "X.xliff", "s1", "Ministry of Public Security holds a press conference")
    _edit_unit(out / "X.xliff", "s3", "As of November 2019, 84,000 fraud cases were solved.")  # 9.4万 is 94,000
    res = run_merge(out / "X.xliff")
    assert res.changed == ["s1", "s3"]
    assert len(res.figures) == 1 and res.figures[0].startswith("s3:")
    summary = (out / "X.summary.md").read_text(encoding="utf-8")
    assert "Ministry of Public Security holds a press conference" in summary
    rec = [json.loads(x) for x in (out / "X.jsonl").read_text(encoding="utf-8").splitlines()][-1]
    assert rec["type"] == "summary" and rec["headline"].startswith("Ministry of Public Security holds")
    assert "Ministry of Public Security holds" in (out / "X.html").read_text(encoding="utf-8")
    # everything the merge wrote is what a resume now takes as up to date
    again = run_translate([str(src)], out, opts, translator=FakeTranslator())
    assert all(r.skipped for r in again.results)


# ---------------------------------------------------------------------------- the lower list


def test_in_place_batch_resumes_and_outputs_are_not_inputs(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    for i in range(3):
        (d / f"r{i}.txt").write_text(f"第{i}号公安部通报。\n", encoding="utf-8")
    opts = TranslateOptions(glossary_mode="off", formats=("jsonl", "md", "txt", "html"))
    first = run_translate([str(d)], d, opts, translator=FakeTranslator())
    assert len(first.results) == 3 and not first.failed
    second = run_translate([str(d)], d, opts, translator=FakeTranslator())
    assert len(second.results) == 3 and all(r.skipped for r in second.results)
    # without a JSONL to say so, zhen's Markdown and review page are known by their footer
    e = tmp_path / "e"
    e.mkdir()
    (e / "r.txt").write_text("公安部通报。\n", encoding="utf-8")
    opts = TranslateOptions(glossary_mode="off", formats=("md", "html"))
    run_translate([str(e)], e, opts, translator=FakeTranslator())
    again = run_translate([str(e)], e, opts, translator=FakeTranslator())
    assert [Path(r.input).name for r in again.results] == ["r.txt"] and not again.failed
    assert sorted(p.name for p in e.iterdir()) == ["r.html", "r.md", "r.txt"]


def test_symlink_out_of_the_input_folder_is_not_followed(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容。\n", encoding="utf-8")
    (d / "ok.txt").write_text("公安部通报。\n", encoding="utf-8")
    (d / "link.txt").symlink_to(secret)
    report = run_translate([str(d)], tmp_path / "o", TranslateOptions(glossary_mode="off"),
                           translator=FakeTranslator())
    assert [Path(r.input).name for r in report.results] == ["ok.txt"]


def test_markdown_escapes_raw_html(tmp_path: Path) -> None:
    src = tmp_path / "x.txt"
    src.write_text("公安部<script>alert(1)</script>通报。\n", encoding="utf-8")
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off", formats=("md",)),
                  translator=FakeTranslator())
    md = (tmp_path / "o" / "x.md").read_text(encoding="utf-8")
    # a backslash-escaped < is literal text in CommonMark: no tag reaches the rendered page
    assert "<script>" not in md and "\\<script\\>" in md


def test_stale_temp_files_are_cleaned(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".X.jsonl.deadbeef.tmp"
    stale.write_text("half a file")
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    assert not stale.exists()


def test_glossary_edit_keeps_bom_and_crlf(tmp_path: Path) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_bytes(b"\xef\xbb\xbfzh\ten\tkind\tnote\r\n\xe5\x85\xac\xe5\xae\x89\xe9\x83\xa8\tMPS\torg\t\r\n")
    r = CliRunner().invoke(main, ["glossary", "add", "云剑", "Cloud Sword", "--kind", "campaign",
                                  "--glossary", str(tsv)])
    assert r.exit_code == 0, r.output
    data = tsv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")


def test_utf16_without_bom_is_read(tmp_path: Path) -> None:
    from pipeline.read import read_source

    for enc in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{enc}.txt"
        p.write_bytes("公安部召开新闻发布会，通报情况。\nMPS 2019\n".encode(enc))
        assert read_source(str(p)).raw.startswith("公安部召开新闻发布会")


def test_one_line_errors_instead_of_tracebacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_text("zh\ten\tkind\tnote\n", encoding="utf-8")
    # a command-line byte that is not UTF-8 reaches click as a lone surrogate
    r = CliRunner().invoke(main, ["glossary", "add", "测试\udcff", "test", "--glossary", str(tsv)])
    assert r.exit_code == 2 and "undecodable" in r.output and "Traceback" not in r.output
    for args in (["remove", "测试\udcff"], ["list", "--grep", "\udcff"]):
        r = CliRunner().invoke(main, ["glossary", *args, "--glossary", str(tsv)])
        assert r.exit_code == 2 and "not valid UTF-8" in r.output and isinstance(r.exception, SystemExit), args
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    bad = tmp_path / "X.xliff"
    bad.write_text((out / "X.xliff").read_text(encoding="utf-8").replace(
        '<note from="zhen-release">{', '<note from="zhen-release">{{'), encoding="utf-8")
    r = CliRunner().invoke(main, ["merge", str(bad), "-o", str(out)])
    assert r.exit_code == 2 and "zhen-release note" in r.output and r.exception is not None
    assert isinstance(r.exception, SystemExit)
    monkeypatch.setenv("ZHEN_MAX_MB", "abc")
    r = CliRunner().invoke(main, ["segment", str(src)])
    assert r.exit_code == 2 and "ZHEN_MAX_MB" in r.output and isinstance(r.exception, SystemExit)
    monkeypatch.delenv("ZHEN_MAX_MB")
    home = tmp_path / "home-file"
    home.write_text("x")
    monkeypatch.setenv("ZHEN_HOME", str(home))
    r = CliRunner().invoke(main, ["models", "import", str(tmp_path)])
    assert r.exit_code != 0 and isinstance(r.exception, SystemExit) and "Traceback" not in r.output


def test_merge_input_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, PLAIN, translator=FakeTranslator())
    big = tmp_path / "X.xliff"
    big.write_text((out / "X.xliff").read_text(encoding="utf-8").replace(
        "<trans-unit ", f'<trans-unit x-pad="{"a" * 2_000_000}" ', 1), encoding="utf-8")
    monkeypatch.setenv("ZHEN_MAX_MB", "1")
    with pytest.raises(UsageError, match="too large"):
        run_merge(big, out)


@pytest.mark.parametrize("sig, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_interrupt_exit_status_of_segment_and_summarize(tmp_path: Path, sig: str, code: int) -> None:
    """The signal lands while the command runs (raised from inside the stage, as the handler would)."""
    import signal

    src = _release(tmp_path)
    script = (
        "import os, signal, sys\n"
        "import pipeline.run as run\n"
        "real = run.read_inputs\n"
        f"def interrupted(*a, **k):\n    os.kill(os.getpid(), signal.{sig})\n    return real(*a, **k)\n"
        "run.read_inputs = interrupted\n"
        "from pipeline.cli import main\n"
        "sys.argv = ['zhen'] + sys.argv[1:]\n"
        "main()\n"
    )
    for args in (["segment", str(src)], ["summarize", str(src), "-o", str(tmp_path / "o"), "--model", "/nonexistent"]):
        proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=120)
        assert proc.returncode == code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert getattr(signal, sig)


# ---------------------------------------------------------------------------- full disks


def test_full_disk_under_zhen_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The memory's writes fail as SQLite fails on a full disk; the run writes its outputs anyway."""

    class FullDisk:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.lstrip().upper().startswith(("INSERT", "BEGIN")):
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.db, name)

        def __enter__(self) -> Any:
            return self.db.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            return self.db.__exit__(*exc)

    real_conn = memory.TranslationMemory._conn
    monkeypatch.setattr(memory.TranslationMemory, "_conn", lambda self: FullDisk(real_conn(self)))
    src = _release(tmp_path)
    report = run_translate([str(src)], tmp_path / "out", TranslateOptions(glossary_mode="off"),
                           translator=FakeTranslator())
    assert not report.failed and (tmp_path / "out" / "X.jsonl").exists()
    assert len(report.warnings) == 1 and "disk is full" in report.warnings[0]


def test_full_disk_under_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC on the second document's writes: it fails alone, the first stays whole, nothing half-written."""
    import pipeline.files as files

    srcs = [_release(tmp_path, f"r{i}", RELEASE + f"第{i}号。\n") for i in range(3)]
    out = tmp_path / "out"
    real_fsync = os.fsync
    count = {"n": 0}

    def fsync(fd: int) -> None:
        count["n"] += 1
        if count["n"] > 3:  # r0's three outputs fit, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    report = run_translate([str(s) for s in srcs], out, TranslateOptions(glossary_mode="off"),
                           translator=FakeTranslator())
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    assert [bool(r.error) for r in report.results] == [False, True, True]
    assert "No space left" in (report.results[1].error or "")
    assert sorted(p.name for p in out.iterdir()) == ["r0.en.txt", "r0.jsonl", "r0.md"]
    load_document(out / "r0.jsonl")
    again = run_translate([str(s) for s in srcs], out, TranslateOptions(glossary_mode="off"),
                          translator=FakeTranslator())
    assert [r.skipped for r in again.results] == [True, False, False] and not again.failed


# ---------------------------------------------------------------------------- SIGKILL mid-batch

_CHILD = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from conftest import FakeTranslator
from pipeline.run import TranslateOptions, run_translate
kill_at = int(sys.argv[1])
calls = [0]
real = os.replace
def replace(a, b):
    calls[0] += 1
    if calls[0] == kill_at:  # before the rename: a .tmp is left behind, as a real kill leaves it
        os.kill(os.getpid(), signal.SIGKILL)
    return real(a, b)
os.replace = replace
run_translate([sys.argv[2]], __import__("pathlib").Path(sys.argv[3]),
              TranslateOptions(glossary_mode="off", cache=False, formats=("jsonl", "md", "txt", "xliff")),
              translator=FakeTranslator())
"""


def _batch(root: Path, n: int = 30) -> Path:
    src = root / "in"
    src.mkdir()
    for i in range(n):
        (src / f"r{i:02d}.txt").write_text(RELEASE + f"第{i + 1}号通报。\n", encoding="utf-8")
    return src


def _kill_and_resume(tmp_path: Path, repetitions: int, seed: int) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}
    src = _batch(tmp_path)
    ref = tmp_path / "ref"
    subprocess.run([sys.executable, "-c", _CHILD.format(tests=str(ROOT / "tests")), "0", str(src), str(ref)],
                   env=env, check=True, cwd=ROOT, timeout=300)
    expected = _snapshot(ref)
    assert len(expected) == 120
    rng = random.Random(seed)
    out = tmp_path / "out"
    kills = 0
    for _ in range(repetitions):
        # a random write of those still to do (a resumed run skips what is whole, so writes fewer)
        done = len(list(out.glob("*.jsonl"))) if out.exists() else 0
        kill_at = rng.randint(1, max(1, 4 * (30 - done)))
        proc = subprocess.run([sys.executable, "-c", _CHILD.format(tests=str(ROOT / "tests")), str(kill_at),
                               str(src), str(out)], env=env, cwd=ROOT, timeout=300)
        assert proc.returncode in (-9, 0), (kill_at, proc.returncode)
        kills += proc.returncode == -9
        if rng.random() < 0.5:
            # sometimes a settings change in between: a resume must not mix the two
            run_translate([str(src)], out, TranslateOptions(glossary_mode="off", cache=False, facts="off",
                                                            formats=("jsonl", "md", "txt", "xliff")),
                          translator=FakeTranslator())
    monkey_env = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        run_translate([str(src)], out, TranslateOptions(glossary_mode="off", cache=False,
                                                        formats=("jsonl", "md", "txt", "xliff")),
                      translator=FakeTranslator())
    finally:
        if monkey_env is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = monkey_env
    assert kills >= repetitions // 2  # most runs really were killed mid-batch
    assert _snapshot(out) == expected  # byte for byte, no .tmp left over
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_sigkill_at_random_points_of_a_30_document_batch(tmp_path: Path) -> None:
    """20 kills, as the issue asks (about 30 s here; each child is a fresh interpreter)."""
    _kill_and_resume(tmp_path, repetitions=20, seed=14)


@pytest.mark.slow
def test_sigkill_100_times_benchmark(tmp_path: Path) -> None:
    _kill_and_resume(tmp_path, repetitions=100, seed=20)


# ---------------------------------------------------------------------------- generated text

# Line and paragraph separators, controls, lone surrogates, XML's special characters; NUL is left
# out (it marks a binary file, which fails: the test after the round trip).
_WEIRD = st.sampled_from(["\u2028", "\u2029", "\u0085", "\x1b", "\x0b", "\x0c", "\x1c", "\x7f", "\ud800",
                          "\udfff", "\ufffe", "\r", "\t", "\n", "&", "<", "]]>"])
_PIECES = st.lists(st.one_of(_WEIRD, st.sampled_from(["公安部", "通报", "9.4万起", "。", "，", "记者:", "A"])),
                   max_size=12).map("".join)
# Weird text around at least one Chinese sentence: always a release with something to translate.
_TEXT = st.tuples(_PIECES, st.sampled_from(["公安部召开新闻发布会。", "警方通报9.4万起案件。"]), _PIECES).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT, edit=st.sampled_from(["fine", "line\u2028break", "tab\there", "nel\u0085x"]))
def test_generated_text_round_trips(text: str, edit: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "g.txt"
        src.write_bytes(text.encode("utf-8", "surrogatepass"))
        out = root / "out"
        report = run_translate([str(src)], out, TranslateOptions(glossary_mode="off", cache=False,
                                                                 formats=("jsonl", "xliff", "tmx", "md")),
                               translator=FakeTranslator())
        assert not report.failed, report.failed[0].error
        ET.parse(out / "g.xliff")
        ET.parse(out / "g.tmx")
        doc = load_document(out / "g.jsonl")
        translated = [s for s in doc.segments if s.target is not None]
        # the structure recognizer may take a line of marks for a page's furniture (`]]>` reads
        # as a breadcrumb): such a release has nothing to review
        assume(translated)
        reviewed = _edit_unit(out / "g.xliff", translated[0].id, f"EDIT {edit}", root / "g.xliff")
        res = run_merge(reviewed, out)
        assert res.changed == [translated[0].id]
        after = load_document(out / "g.jsonl")
        assert after.segments[[s.id for s in after.segments].index(translated[0].id)].target.startswith("EDIT ")
        assert [s.text for s in after.segments] == [s.text for s in doc.segments]
        ET.parse(out / "g.xliff")
        shutil.rmtree(out)


@pytest.mark.parametrize(("text", "error"), [("abc\x00\x01\x02def", "NUL bytes"), ("\u2028\x1b\x0b \t\x7f\n", "empty")])
def test_generated_text_with_nothing_to_translate_fails_alone(tmp_path: Path, text: str, error: str) -> None:
    """A NUL byte marks a binary file; whitespace and controls alone are an empty release."""
    src = tmp_path / "g.txt"
    src.write_bytes(text.encode("utf-8"))
    report = run_translate([str(src)], tmp_path / "out", TranslateOptions(glossary_mode="off", cache=False),
                           translator=FakeTranslator())
    assert len(report.failed) == 1 and error in (report.failed[0].error or ""), report.failed
