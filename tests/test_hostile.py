"""Hostile input on the command line (issue 31): each test names the item it closes and fails
on the code before the fix. Everything runs on the deterministic FakeTranslator but item 11,
which needs a real (tiny) Marian model with few positions."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.corpus.commands import run_tm_export, run_tm_import
from pipeline.memory import TranslationMemory
from pipeline.merge import run_merge
from pipeline.read import one_line
from pipeline.records import Translation
from pipeline.run import TranslateOptions, run_translate
from pipeline.write.jsonl import load_document

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ("公安部召开新闻发布会，通报“云剑”行动工作情况。\n"
           "截至2019年11月，共破获电信诈骗案件9.4万起。\n"
           "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。\n"
           "下一步，公安机关将始终保持严打高压态势。\n")
XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"
FORMATS = ("jsonl", "xliff", "tmx", "txt", "md")


def _translated(root: Path, name: str = "r", text: str = RELEASE) -> Path:
    src = root / f"{name}.txt"
    src.write_text(text, encoding="utf-8")
    out = root / "out"
    report = run_translate([str(src)], out, TranslateOptions(formats=FORMATS, glossary_mode="off"),
                           translator=FakeTranslator())
    assert not report.failed
    return out


def _targets(out: Path, name: str = "r") -> dict[str, str | None]:
    return {s.id: s.target for s in load_document(out / f"{name}.jsonl").segments}


def _xliff_with(xliff: Path, dest: Path, raw_targets: dict[str, str]) -> Path:
    """A reviewed XLIFF written by hand: each listed unit's <target ...>...</target> replaced by
    raw markup (a self-closing target, a pretty-printed one), as other tools write them."""
    text = xliff.read_text(encoding="utf-8")
    for sid, markup in raw_targets.items():
        text, n = re.subn(rf'(<trans-unit id="{sid}"[^>]*>.*?)<target([^>]*)>.*?</target>',
                          lambda m, mk=markup: m.group(1) + mk.replace("ATTRS", m.group(2)), text, count=1, flags=re.S)
        assert n == 1, sid
    dest.write_text(text, encoding="utf-8")
    return dest


# ---------------------------------------------------------------------------- item 1


def test_item01_an_empty_or_blank_reviewed_target_is_never_merged_as_the_english(tmp_path: Path) -> None:
    out = _translated(tmp_path)
    before = _targets(out)
    reviewed = _xliff_with(out / "r.xliff", tmp_path / "r.reviewed.xliff", {
        "s1": "<targetATTRS></target>",  # empty
        "s2": "<targetATTRS />",  # self-closing
        "s3": '<targetATTRS>\n      \n    </target>',  # whitespace only, state and all
    })
    r = CliRunner().invoke(main, ["merge", str(reviewed), "-o", str(out), "--release", "r"])
    assert r.exit_code == 0, r.output
    assert "0 segments changed" in r.output and r.output.count("the reviewed English is empty") == 3
    doc = load_document(out / "r.jsonl")
    assert {s.id: s.target for s in doc.segments} == before
    assert not any(s.reviewed for s in doc.segments)
    assert TranslationMemory().reviewed_all() == []  # nothing blank remembered for other releases
    english = (out / "r.en.txt").read_text(encoding="utf-8")
    assert all(t in english for t in before.values() if t)
    # --force translates again: the model's English, never a blank one carried over
    run_translate([str(tmp_path / "r.txt")], out, TranslateOptions(formats=FORMATS, glossary_mode="off", force=True),
                  translator=FakeTranslator())
    assert _targets(out) == before


def test_item01_an_empty_tmx_seg_is_not_merged(tmp_path: Path) -> None:
    out = _translated(tmp_path)
    before = _targets(out)
    tmx = out / "r.tmx"
    text = tmx.read_text(encoding="utf-8")
    first = before["s1"]
    assert first is not None
    edited = tmp_path / "r.tmx"
    edited.write_text(text.replace(f"<seg>{first.replace('<', '&lt;').replace('>', '&gt;')}</seg>", "<seg> </seg>"),
                      encoding="utf-8")
    assert edited.read_text(encoding="utf-8") != text
    res = run_merge(edited, out, "r")
    assert res.changed == [] and any("empty" in w for w in res.warnings)
    assert _targets(out) == before


# ---------------------------------------------------------------------------- item 4


def test_item04_reviewed_english_is_one_line_as_the_models_is(tmp_path: Path) -> None:
    out = _translated(tmp_path)
    pretty = ("<targetATTRS>\n        The Ministry of Public Security held a press conference\n"
              "        on the\tCloud Sword operation.\n      </target>")
    reviewed = _xliff_with(out / "r.xliff", tmp_path / "r.xliff", {"s1": pretty})
    res = run_merge(reviewed, out, "r")
    want = "The Ministry of Public Security held a press conference on the Cloud Sword operation."
    assert res.changed == ["s1"] and _targets(out)["s1"] == want
    english = (out / "r.en.txt").read_text(encoding="utf-8")
    assert want in english.splitlines()  # one line of the .en.txt, as the model's English is
    assert TranslationMemory().reviewed_get([load_document(out / "r.jsonl").segments[0].norm]) == {
        load_document(out / "r.jsonl").segments[0].norm: (want, None, None)}


# ---------------------------------------------------------------------------- item 2


def _bytes(*paths: Path) -> list[bytes]:
    return [p.read_bytes() for p in paths]


def test_item02_align_never_writes_over_its_inputs(tmp_path: Path) -> None:
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text(RELEASE, encoding="utf-8")
    en.write_text("The Ministry of Public Security held a press conference. 94,000 cases were solved.\n",
                  encoding="utf-8")
    before = _bytes(zh, en)
    for target in (en, zh, tmp_path / "." / "en.txt"):  # another spelling of the same file too
        r = CliRunner().invoke(main, ["align", str(zh), str(en), "-o", str(target)])
        assert r.exit_code == 2 and "is also an input" in r.output and "Traceback" not in r.output, r.output
    lst = tmp_path / "pairs.tsv"
    lst.write_text("zh.txt\ten.txt\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["align", "--pairs", str(lst), "-o", str(lst)])
    assert r.exit_code == 2 and "is also an input" in r.output
    assert _bytes(zh, en) == before and lst.read_text(encoding="utf-8") == "zh.txt\ten.txt\n"
    ok = CliRunner().invoke(main, ["align", str(zh), str(en), "-o", str(tmp_path / "pairs.out.tsv")])
    assert ok.exit_code == 0, ok.output


def test_item02_glossary_mine_and_export_never_write_over_their_inputs(tmp_path: Path) -> None:
    pairs = tmp_path / "A.tsv"
    pairs.write_text("zh\ten\tscore\tstatus\n" + "公安部召开发布会。\tThe Ministry held a briefing.\t0.9\tok\n" * 4,
                     encoding="utf-8")
    glossary = tmp_path / "g.tsv"
    glossary.write_text("zh\ten\tkind\tnote\n公安部\tMinistry of Public Security\torg\t\n", encoding="utf-8")
    before = _bytes(pairs, glossary)
    for args in (["glossary", "mine", str(pairs), "-o", str(pairs), "--glossary", str(glossary)],
                 ["glossary", "mine", str(pairs), "-o", str(glossary), "--glossary", str(glossary)],
                 ["glossary", "export", "-o", str(glossary), "--glossary", str(glossary)],
                 ["glossary", "export", "--format", "csv", "-o", str(tmp_path / "sub" / ".." / "g.tsv"),
                  "--glossary", str(glossary)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 2 and "is also an input" in r.output and "Traceback" not in r.output, (args, r.output)
    assert _bytes(pairs, glossary) == before
    r = CliRunner().invoke(main, ["glossary", "export", "-o", str(tmp_path / "copy.tsv"), "--glossary", str(glossary)])
    assert r.exit_code == 0 and (tmp_path / "copy.tsv").exists()


def test_item02_tm_export_never_writes_over_the_memory() -> None:
    tm = TranslationMemory()
    tm.reviewed_put([("公安部。", "The Ministry.", None, None)], "test")
    tm.close()
    before = tm.path.read_bytes()
    r = CliRunner().invoke(main, ["tm", "export", "-o", str(tm.path)])
    assert r.exit_code == 2 and "is also an input" in r.output
    assert tm.path.read_bytes() == before


# ---------------------------------------------------------------------------- item 5 (and 1, 4 generated)

# What a hostile or careless file holds: separators, \r, tabs, a BOM, #, lone surrogates, newlines
_SPECIAL = ["\u2028", "\u2029", "\u0085", "\r", "\r\n", "\t", "\n", "\ufeff", "#", "\ud800", "\udfff", "\x00", "\x1c",
            "\x0b", " ", "  ", "\u3000", '"', "\\", "&", "<", "zh\ten"]
_ZH = st.lists(st.sampled_from(["公安部", "通报", "破获", "案件", "9.4万起", "。", "，", "云剑", "行动", *_SPECIAL]),
               min_size=1, max_size=12).map("".join)
_EN = st.lists(st.sampled_from(["The", "Ministry", "cases", "94,000", ".", ",", "Cloud Sword", *_SPECIAL]),
               min_size=1, max_size=12).map("".join)


def _stored() -> set[tuple[str, str]]:
    return {(zh, en) for zh, en, *_ in TranslationMemory().reviewed_all()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_ZH, _EN), min_size=1, max_size=6), fmt=st.sampled_from(["tsv", "tmx"]))
def test_item05_every_tm_export_reads_back_through_its_import(rows: list[tuple[str, str]], fmt: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.normalize import to_norm

    with tempfile.TemporaryDirectory() as tmp:
        monkeypatch.setenv("ZHEN_HOME", str(Path(tmp) / "a"))
        # the Chinese as a release's segments hold it (read, sanitized, normalized); the English as given
        TranslationMemory().reviewed_put([(to_norm(one_line(zh)), en, "editor\tone", "2026\n12") for zh, en in rows],
                                         "file\rname\ud800.xliff")
        stored = _stored()
        # what is kept is one line each, never blank (an empty English is no translation)
        assert all(zh and en and zh == one_line(zh) and en == one_line(en) for zh, en in stored)
        exported = Path(tmp) / f"all.{fmt}"
        exported.write_text(run_tm_export(fmt), encoding="utf-8", newline="")
        if fmt == "tsv":
            lines = exported.read_text(encoding="utf-8").split("\n")
            assert all(line.count("\t") == 4 for line in lines[:-1]) and len(lines) == len(stored) + 2
        monkeypatch.setenv("ZHEN_HOME", str(Path(tmp) / "b"))
        n, left = run_tm_import(exported)
        assert (n, left) == (len(stored), 0)
        assert _stored() == stored


# XML 1.0 cannot hold these at all
_XML_SPECIAL = [c for c in _SPECIAL if c not in ("\ud800", "\udfff", "\x00", "\x1c", "\x0b")]
_XML_EN = st.lists(st.sampled_from(["The", "Ministry", "cases", "94,000", ".", "Cloud Sword", *_XML_SPECIAL]),
                   min_size=0, max_size=12).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(english=_XML_EN, fmt=st.sampled_from(["xliff", "tmx"]))
def test_item05_reviewed_english_round_trips_through_an_xliff_or_tmx_merge(
        english: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        monkeypatch.setenv("ZHEN_HOME", str(root / "home"))
        out = _translated(root)
        before = _targets(out)
        source = out / f"r.{fmt}"
        tree = ET.parse(source)
        if fmt == "xliff":
            unit = next(u for u in tree.getroot().iter(f"{XLIFF}trans-unit") if u.get("id") == "s2")
            target = unit.find(f"{XLIFF}target")
        else:
            tu = next(t for t in tree.getroot().iter("tu") if t.get("tuid") == "r:s2")
            target = next(tuv for tuv in tu.iter("tuv") if "en" in str(tuv.attrib.values())).find("seg")
        assert target is not None
        target.text = english
        reviewed = root / f"reviewed.{fmt}"
        tree.write(reviewed, encoding="UTF-8", xml_declaration=True)
        res = run_merge(reviewed, out, "r")
        want = one_line(english)
        after = _targets(out)
        if not want:  # empty means "not translated": nothing changes, nothing is remembered
            assert after == before and res.changed == [] and _stored() == set()
            return
        assert after["s2"] == want and after["s1"] == before["s1"]
        assert want in (out / "r.en.txt").read_text(encoding="utf-8").splitlines()
        # zhen's own rewritten file merges back to the same English: the round trip is closed
        again = run_merge(out / f"r.{fmt}", out, "r") if fmt == "tmx" else None
        assert again is None or again.changed == []
        assert {en for _zh, en in _stored()} == {want}


# ---------------------------------------------------------------------------- item 9


def _zhen(args: Sequence[str], stdin: Any = None, mb: str = "1") -> subprocess.CompletedProcess[str]:
    """zhen in a child process whose memory is capped, so that reading a device whole fails fast
    there and never takes this machine's memory."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    env = {**os.environ, "ZHEN_MAX_MB": mb, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], stdin=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, preexec_fn=cap)


def test_item09_standard_input_and_devices_are_read_no_further_than_the_limit(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        proc = _zhen(["segment", "-"], stdin=zero)
    assert proc.returncode == 1, proc.stderr
    assert "stdin: over the limit" in proc.stderr and "too large" in proc.stderr
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr
    zh = tmp_path / "zh.txt"
    zh.write_text(RELEASE, encoding="utf-8")
    lst = tmp_path / "pairs.tsv"
    lst.write_text(f"zh.txt\t/dev/zero\nzh.txt\t{zh}\n", encoding="utf-8")
    proc = _zhen(["align", "--pairs", str(lst)])
    assert "/dev/zero: over the limit" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1 and proc.stdout.startswith("zh\ten")  # the other pair is aligned
    proc = _zhen(["align", "--pairs", "/dev/zero"])
    assert proc.returncode in (1, 2) and "too large" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------- item 11


class ChokesOn(FakeTranslator):
    """A model that raises on one sentence (as a model past its positions did: IndexError)."""

    def translate(self, texts: Any, progress: Any = None) -> list[Translation]:
        if any("扫黑除恶" in t for t in texts):
            raise IndexError("index out of range in self")
        return super().translate(texts, progress)


def test_item11_a_document_the_model_fails_on_fails_alone(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"ok{i}.txt").write_text(RELEASE, encoding="utf-8")
    (tmp_path / "bad.txt").write_text("公安部开展扫黑除恶专项斗争。\n", encoding="utf-8")
    report = run_translate([str(tmp_path / f"{n}.txt") for n in ("ok0", "bad", "ok1", "ok2")], tmp_path / "out",
                           TranslateOptions(formats=("jsonl",), glossary_mode="off", cache=False),
                           translator=ChokesOn())
    assert [r.input for r in report.failed] == [str(tmp_path / "bad.txt")]
    assert "cannot translate (IndexError" in (report.failed[0].error or "")
    assert sorted(p.name for p in (tmp_path / "out").glob("*.jsonl")) == ["ok0.jsonl", "ok1.jsonl", "ok2.jsonl"]


def test_item11_decoding_stays_within_the_models_positions(tmp_path: Path) -> None:
    from tiny import build_tiny_marian

    model = build_tiny_marian(tmp_path / "short", beams=2, positions=32)
    # a long sentence with no punctuation to split it at: far over 32 tokens
    src = tmp_path / "long.txt"
    src.write_text("公安机关" + "开展打击电信网络诈骗犯罪专项行动" * 12 + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "out"), "--model", str(model),
                                  "--engine", "torch", "--beams", "1", "--no-cache", "--glossary-mode", "off"])
    assert r.exit_code == 0, r.output
    assert "IndexError" not in r.output
    segs = [s for s in load_document(tmp_path / "out" / "long.jsonl").segments if s.target is not None]
    assert segs and all(s.target for s in segs)


# ---------------------------------------------------------------------------- item 17


def test_item17_the_next_merge_removes_a_killed_merges_temp_file(tmp_path: Path) -> None:
    out = _translated(tmp_path)
    stale = [out / ".r.xliff.deadbeef.tmp", out / ".r.jsonl.0badf00d.tmp"]
    for p in stale:
        p.write_text("half a file", encoding="utf-8")
    live = out / ".r.md.cafe0001.tmp"  # another writer's, still locked: not ours to remove
    live.write_text("being written", encoding="utf-8")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        reviewed = _xliff_with(out / "r.xliff", tmp_path / "r.xliff", {"s1": "<targetATTRS>Edited.</target>"})
        assert run_merge(reviewed, out, "r").changed == ["s1"]
        assert not any(p.exists() for p in stale)
        assert live.exists()
    finally:
        os.close(fd)
    # and the export commands' own outputs, written the same way
    dead = tmp_path / ".all.tsv.12345678.tmp"
    dead.write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["tm", "export", "-o", str(tmp_path / "all.tsv")])
    assert r.exit_code == 0 and not dead.exists()


def test_item04_recorded_reviews_with_blank_english_are_not_applied(tmp_path: Path) -> None:
    """An older memory may hold a blank reviewed English: it is never applied to a release."""
    from pipeline.normalize import to_norm

    tm = TranslationMemory()
    first = RELEASE.splitlines()[0]
    tm._conn().execute("INSERT INTO reviewed (source, target, reviewer, reviewed_at, origin, created) "
                       "VALUES (?, ?, NULL, NULL, 'old', 0)", (to_norm(first), "  \n "))
    tm.close()
    out = _translated(tmp_path)
    assert _targets(out)["s1"] == f"EN<{to_norm(first)}>"
    assert not load_document(out / "r.jsonl").segments[0].reviewed
