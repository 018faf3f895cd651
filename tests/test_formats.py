"""TMX, XLIFF and the HTML review page: round trips, a real browser, and merging reviews back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.run import TranslateOptions, run_translate
from pipeline.write.jsonl import load_document

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
ALL = ("jsonl", "md", "txt", "tmx", "xliff", "html")
RELEASE = (
    "公安部通报“云剑”行动成效\n"
    "2019年12月25日，公安部召开新闻发布会。\n"
    "记者:打击成效如何?\n"
    "孙劲峰:截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。\n"
    "特别是“杀猪盘”诈骗上升迅猛。\n"
    "有网民留言<script>alert(1)</script>和\"><img src=x onerror=alert(1)>。\n"
    "来源:公安部网站\n"
    "分享到:\n"
)
ENGLISH = {
    "ZX1Q通报“ZX2Q”行动成效": "The ZX1Q reports results of the ZX2Q campaign",
    "2019年12月25日，ZX1Q召开ZX2Q。": "On December 25, 2019, the ZX1Q held a ZX2Q.",
    "打击成效如何？": "How effective has the crackdown been?",
    "截至2019年11月，共ZX1Q ZX2Q案件9.4万起，ZX3Q 30.3%。":
        "As of November 2019, 9.4 million ZX2Q cases were ZX1Q, a ZX3Q of 30.3 percent.",
    "特别是“ZX1Q”诈骗上升迅猛。": "In particular, ZX1Qs rose rapidly.",
    "有网民留言<script>alert(1)</script>和\"><img src=x onerror=alert(1)>。":
        "A netizen wrote <script>alert(1)</script> and \"><img src=x onerror=alert(1)>.",
}


class Table(FakeTranslator):
    def translate(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.calls.append(list(texts))
        from pipeline.records import Translation

        return [Translation(self.table.get(t) or self._by_shape(t)) for t in texts]

    def _by_shape(self, text: str) -> str:
        return {"公安部": "Ministry of Public Security", "云剑": "Cloud Sword"}.get(text, f"EN<{text}>")


@pytest.fixture
def release(tmp_path: Path) -> Path:
    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    # The glossary placeholders shift with the term base: build the table from what the model is sent.
    out = tmp_path / "out"
    tr = Table(ENGLISH)
    report = run_translate([str(src)], out, TranslateOptions(formats=ALL, cache=False), translator=tr)
    assert not report.failed
    return out


def _records(out: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in (out / "release.jsonl").read_text(encoding="utf-8").splitlines()[1:]]


def test_all_six_formats_are_written(release: Path) -> None:
    assert sorted(p.name for p in release.iterdir()) == sorted(
        f"release{s}" for s in (".jsonl", ".md", ".en.txt", ".tmx", ".xliff", ".html"))


def test_tmx_round_trip_and_dtd(release: Path) -> None:
    from lxml import etree
    from translate.storage import tmx

    path = release / "release.tmx"
    store = tmx.tmxfile.parsefile(str(path))
    units = [u for u in store.units if u.source]
    recs = [r for r in _records(release) if r["target"]]
    assert [(u.source, u.target) for u in units] == [(r["text"], r["target"]) for r in recs]
    tree = etree.parse(str(path))
    dtd = etree.DTD(str(ROOT / "tests" / "data" / "tmx14.dtd"))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    header = tree.getroot().find("header")
    assert header.get("creationtool") == "zhen" and header.get("srclang") == "zh-CN"
    tu = tree.getroot().find("body/tu")
    props = {p.get("type"): p.text for p in tu.findall("prop")}
    assert props["x-document"] == "release" and props["x-segment"] == recs[0]["id"] and props["x-kind"] == "title"


def test_xliff_round_trip(release: Path) -> None:
    from translate.storage import xliff

    store = xliff.xlifffile.parsefile(str(release / "release.xliff"))
    units = store.getunits()
    recs = _records(release)
    assert [u.getid().split("\x04")[-1] for u in units] == [r["id"] for r in recs]
    for u, r in zip(units, recs, strict=True):
        assert u.source == r["text"]
        assert (u.target or None) == r["target"]
    def uid(u):  # type: ignore[no-untyped-def]
        return u.getid().split("\x04")[-1]

    states = {uid(u): u.xmlelement.find("{*}target").get("state") for u in units if u.target}
    facts_row = next(r for r in recs if r["text"].startswith("截至"))
    assert states[facts_row["id"]] == "needs-review-translation"  # 9.4 million is a changed figure
    notes = next(u for u in units if uid(u) == facts_row["id"]).getnotes()
    assert "9.4万起 is 94,000" in notes and "glossary: 电信诈骗 = telecom fraud" in notes
    boiler = next(u for u in units if uid(u) == recs[-1]["id"])
    assert boiler.xmlelement.get("translate") == "no"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _browser(args: list[str], tmp: Path) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (CI installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp / 'chrome-profile'}"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=90)


def test_review_page_in_a_real_browser(release: Path, tmp_path: Path) -> None:
    page = release / "release.html"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")  # no script of ours, none injected
    assert "http://" not in html and "https://" not in html  # self-contained
    dom = _browser(["--dump-dom", page.as_uri()], tmp_path).stdout
    recs = _records(release)
    assert dom.count('class="row') == len(recs)  # a side-by-side row per segment
    assert "<img" not in dom and "<script>" not in dom  # planted markup stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "onerror=alert(1)&gt;" in dom
    assert 'class="row flagged"' in dom and "9.4万起 is 94,000" in dom
    assert '<mark class="term">Ministry of Public Security</mark>' in dom
    assert "Sun Jinfeng" in dom and "@media print" in html and "max-width: 700px" in html
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in (("review-desktop.png", "1200,1600"), ("review-phone.png", "390,1600")):
        shot = ARTIFACTS / name
        _browser([f"--screenshot={shot}", f"--window-size={size}", "--hide-scrollbars", page.as_uri()], tmp_path)
        assert shot.exists() and shot.stat().st_size > 10_000


def test_merge_reviewed_xliff_updates_every_output(release: Path) -> None:
    xlf = release / "release.xliff"
    recs = _records(release)
    row = next(r for r in recs if r["text"].startswith("截至"))
    text = xlf.read_text(encoding="utf-8")
    fixed = "As of November 2019, 94,000 telecom fraud cases were cracked, a year-on-year increase of 30.3 percent."
    old = row["target"].replace('"', "&quot;")
    assert old in text
    edited = release / "release.reviewed.xliff"
    edited.write_text(text.replace(old, fixed), encoding="utf-8")
    r = CliRunner().invoke(main, ["merge", str(edited), "--release", "release"])
    assert r.exit_code == 0, r.output
    assert f"1 segment changed ({row['id']})" in r.output
    after = {x["id"]: x for x in _records(release)}
    assert after[row["id"]]["target"] == fixed
    assert [f["status"] for f in after[row["id"]]["facts"]] == ["matched", "matched", "matched"]
    assert "reviewed" in after[row["id"]]["flags"]
    import re

    for name in ("release.md", "release.en.txt", "release.html", "release.tmx", "release.xliff"):
        text = re.sub(r"<[^>]+>", "", (release / name).read_text(encoding="utf-8"))  # terms are highlighted
        assert fixed in text, name
    assert "9.4万起 is 94,000" not in (release / "release.html").read_text(encoding="utf-8")
    assert load_document(release / "release.jsonl").blocks  # the blocks survive the round trip


def test_merge_refuses_another_release(release: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    run_translate([str(other)], tmp_path / "o2", TranslateOptions(formats=("jsonl", "xliff")),
                  translator=FakeTranslator())
    foreign = tmp_path / "o2" / "other.xliff"
    before = {p.name: p.read_bytes() for p in release.iterdir()}
    r = CliRunner().invoke(main, ["merge", str(foreign), "--release", "release", "-o", str(release)])
    assert r.exit_code == 2 and "another release" in r.output
    assert {p.name: p.read_bytes() for p in release.iterdir()} == before  # no output of the release touched


def test_merge_tmx(release: Path) -> None:
    tmx_path = release / "release.tmx"
    recs = _records(release)
    first = next(r for r in recs if r["target"] and "<" not in r["target"] and "&" not in r["target"])
    tmx_path.write_text(tmx_path.read_text(encoding="utf-8").replace(
        f"<seg>{first['target']}</seg>", "<seg>Ministry of Public Security reports on Cloud Sword</seg>"),
        encoding="utf-8")
    r = CliRunner().invoke(main, ["merge", str(tmx_path)])
    assert r.exit_code == 0, r.output
    after = {r["id"]: r["target"] for r in _records(release)}
    assert after[first["id"]] == "Ministry of Public Security reports on Cloud Sword"


def test_an_unknown_format_lists_the_choices(tmp_path: Path) -> None:
    from pipeline.write import FORMATS

    src = tmp_path / "r.txt"
    src.write_text("公安部。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "--formats", "md,pdf", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "unknown format pdf" in r.output and all(f"{n} ({f.description})" in r.output for n, f in FORMATS.items())
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    helptext = " ".join(CliRunner().invoke(main, ["translate", "--help"]).output.split())
    assert all(f"{n} (" in helptext for n in FORMATS)  # the help names every format there is


@pytest.mark.parametrize("where", ["open", "fsync", "replace"])
def test_an_interrupted_write_leaves_the_old_file_and_no_temp(where: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import files as write

    target = tmp_path / "r.md"
    target.write_text("old\n", encoding="utf-8")
    real = getattr(os, where)

    def interrupted(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # the call itself completes, then Ctrl-C lands (the racy moment)
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, where, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write.atomic_write(target, "new\n")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]
    assert target.read_text(encoding="utf-8") == ("new\n" if where == "replace" else "old\n")


def test_outputs_are_ordinary_files(tmp_path: Path) -> None:
    from pipeline.write import atomic_write

    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "r.md", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "r.md").stat().st_mode & 0o777 == 0o644
