"""Many releases at once: bad inputs, resume after interruption, invariants, and safety."""

from __future__ import annotations

import codecs
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.normalize import HAN
from pipeline.run import TranslateOptions, expand_inputs, run_translate
from pipeline.segment import segment_text
from pipeline.write.markdown import escape

GOOD = [
    "公安部召开新闻发布会，通报“云剑”行动工作情况。\n截至2019年11月，共破获电信诈骗案件9.4万起。\n",
    "记者:当前形势如何?\n孙劲峰:打击成效良好但总体形势依然严峻。\n",
    "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。\n",
    "下一步，公安机关将始终保持严打高压态势。\n同时也提醒广大群众要切实增强识骗防骗意识。\n",
]
SIMPLE = "公安部召开新闻发布会，通报全国公安机关开展“云剑”行动工作情况。\n"


def make_batch(root: Path) -> dict[str, str]:
    """50 inputs: 36 good releases and every bad input the issues name. Returns name -> expected outcome."""
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, str] = {}
    for i in range(36):
        sub = root / ("archive" if i % 3 == 0 else "today")
        sub.mkdir(exist_ok=True)
        (sub / f"release-{i:02d}.txt").write_text(GOOD[i % len(GOOD)] + f"第{i + 1}号通报。\n", encoding="utf-8")
        expect[f"release-{i:02d}"] = "ok"
    bad: dict[str, tuple[bytes, str]] = {
        "empty.txt": (b"", "error"),
        "blank.txt": (b"  \n\t\r\n  ", "error"),
        "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "error"),
        "bom.txt": (codecs.BOM_UTF8 + SIMPLE.encode(), "ok"),
        "gb18030.txt": (SIMPLE.encode("gb18030"), "ok"),
        "big5.txt": ("公安部召開新聞發布會。\n".encode("big5"), "ok"),
        "utf16.txt": (SIMPLE.encode("utf-16"), "ok"),
        "mixed-eol.txt": ("第一段。\r\n第二段。\r第三段。\n".encode(), "ok"),
        "runon.txt": (("打" * 5000).encode(), "ok"),
        "english.txt": (b"The Ministry of Public Security held a press conference.\n", "error"),  # no Chinese
        "page.html": ((f"<html><head><title>公安部通报</title><script>var x='不要';</script><style>p{{}}</style>"
                       f"</head><body><nav>首页 &gt; 新闻</nav><article><p>{SIMPLE * 3}</p></article></body></html>"
                       ).encode(), "ok"),
        "huge.txt": (b"", "error"),  # written below: 20 MB
    }
    for name, (data, outcome) in bad.items():
        (root / name).write_bytes(data)
        expect[Path(name).stem] = outcome
    with (root / "huge.txt").open("wb") as fh:
        fh.write(("公安部召开新闻发布会。" * 1000 + "\n").encode() * 650)  # about 20 MB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", SIMPLE)
    (root / "bundle.txt").write_bytes(buf.getvalue())
    expect["bundle"] = "error"
    expect["missing"] = "error"
    return expect


def _strip_time(text: str) -> str:
    lines = text.splitlines()
    if lines and lines[0].startswith('{"type": "provenance"'):
        rec = json.loads(lines[0])
        rec.pop("created", None)
        rec.pop("outputs", None)  # checksums of the other outputs, whose Markdown footer has the time
        lines[0] = json.dumps(rec, ensure_ascii=False)
    # the Markdown footer and the review page's have the time
    return "\n".join(line for line in lines if not line.startswith(("*zhen ", "<footer>zhen ")))


def test_batch_of_50_mixed_files(tmp_path: Path, tiny_model: Path) -> None:
    expect = make_batch(tmp_path / "in")
    inputs = [str(tmp_path / "in"), str(tmp_path / "in" / "bundle.txt"), str(tmp_path / "in" / "missing.txt")]
    assert len(expand_inputs(inputs)) + 1 == 51  # the folder's 49 files and bundle.txt once, plus the missing one
    r = CliRunner().invoke(main, ["translate", *inputs, "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                                  "--beams", "1", "--engine", "torch", "-q"])
    # exit 1 from sys.exit (some inputs failed), not from an exception escaping the run
    assert isinstance(r.exception, SystemExit) and r.exit_code == 1, (r.exception, r.output)
    assert "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error: ")]
    failed = {n for n, o in expect.items() if o == "error"}
    assert len(errors) == len(failed) == 7
    for name in failed:
        assert any(name in ln for ln in errors), name
    assert "too large for a release" in r.output and "no such file" in r.output and "ZIP archive" in r.output
    assert "english.txt: no Chinese text" in r.output
    made = {p.name for p in (tmp_path / "out").iterdir()}
    for name, outcome in expect.items():
        assert (f"{name}.jsonl" in made) == (outcome == "ok"), name
    assert "documents: 43 translated, 0 up to date, 7 failed" in r.output
    # Run again: everything good is up to date and skipped, nothing is translated twice.
    r = CliRunner().invoke(main, ["translate", *inputs, "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                                  "--beams", "1", "--engine", "torch"])
    assert "documents: 0 translated, 43 up to date, 7 failed" in r.output


class Interrupting(FakeTranslator):
    """Stops the run (as Ctrl-C would) on its second model call."""

    def translate(self, texts: Any, progress: Any = None) -> Any:
        if len(self.calls) == 1:
            raise KeyboardInterrupt
        return super().translate(texts, progress)


def test_interrupted_run_resumes_to_identical_outputs(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(40):
        (src / f"r{i:02d}.txt").write_text(GOOD[i % 4] + f"第{i + 1}号。\n", encoding="utf-8")
    opts = TranslateOptions(cache=False, glossary_mode="off")
    run_translate([str(src)], tmp_path / "whole", opts, translator=FakeTranslator())
    with pytest.raises(KeyboardInterrupt):
        run_translate([str(src)], tmp_path / "cut", opts, translator=Interrupting())
    first = sorted(p.name for p in (tmp_path / "cut").iterdir())
    assert 0 < len(first) < 120  # the first chunk is whole, the rest not started
    assert not [n for n in first if n.startswith(".")]  # no temporary files left behind
    report = run_translate([str(src)], tmp_path / "cut", opts, translator=FakeTranslator())
    assert sum(r.skipped for r in report.results) == len(first) // len(opts.formats)
    whole = {p.name: _strip_time(p.read_text(encoding="utf-8")) for p in (tmp_path / "whole").iterdir()}
    cut = {p.name: _strip_time(p.read_text(encoding="utf-8")) for p in (tmp_path / "cut").iterdir()}
    assert whole == cut


def test_sigterm_leaves_only_whole_files(tmp_path: Path, tiny_model: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    # Far more than the tiny model translates before the signal lands (one chunk is 32 documents).
    for i in range(400):
        (src / f"r{i:03d}.txt").write_text(GOOD[i % 4] * 3, encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "translate", str(src), "-o", str(tmp_path / "o"),
                             "--model", str(tiny_model), "--engine", "torch", "--beams", "1", "--no-cache", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Wait for the first chunk to be written (a bound, not a timing claim: a loaded machine is slow).
    deadline = time.time() + 600
    while time.time() < deadline and not list((tmp_path / "o").glob("*.jsonl")):
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()  # 128 + SIGTERM
    assert b"interrupted" in err
    files = list((tmp_path / "o").iterdir())
    assert not [p for p in files if p.name.startswith(".")]
    for p in files:
        if p.suffix == ".jsonl":
            for line in p.read_text(encoding="utf-8").splitlines():
                json.loads(line)  # every line whole
    assert 0 < len([p for p in files if p.suffix == ".jsonl"]) < 400


def test_unwritable_output_folder_is_a_setup_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    src = tmp_path / "r.txt"
    src.write_text(SIMPLE, encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(blocker / "out")])
    assert r.exit_code == 2 and "cannot write outputs" in r.output and "Traceback" not in r.output


def test_globs_and_folders(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.html", "d.htm", "e.pdf", ".hidden.txt"):
        (tmp_path / name).write_text("x")
    got = [Path(p).name for p in expand_inputs([str(tmp_path)])]
    assert got == ["a.txt", "b.md", "c.html", "d.htm", "e.pdf"]  # Word and PDF files are releases too
    assert [Path(p).name for p in expand_inputs([str(tmp_path / "*.md")])] == ["b.md"]
    assert expand_inputs([str(tmp_path / "*.docx")]) == [str(tmp_path / "*.docx")]


def test_jobs_segment_in_processes(tmp_path: Path, tiny_model: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        (src / f"r{i}.txt").write_text(GOOD[i % 4], encoding="utf-8")
    for jobs in ("1", "2"):
        r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / f"o{jobs}"), "--model",
                                      str(tiny_model), "--engine", "torch", "--beams", "1", "-j", jobs, "-q"])
        assert r.exit_code == 0, r.output
    for p in (tmp_path / "o1").iterdir():
        assert _strip_time(p.read_text(encoding="utf-8")) == _strip_time((tmp_path / "o2" / p.name).read_text(
            encoding="utf-8"))


def test_nothing_written_outside_out_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ZHEN_HOME", str(tmp_path / "zhen"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "r.txt").write_text(SIMPLE, encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    run_translate(["r.txt"], Path("out"), TranslateOptions(), translator=FakeTranslator())
    new = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")} - {
        p.relative_to(tmp_path).as_posix() for p in before}
    assert new <= {"work/out", "work/out/r.jsonl", "work/out/r.md", "work/out/r.en.txt", "work/out/r.xliff",
                   "work/out/r.html", "zhen", "zhen/tm.sqlite", "zhen/tm.sqlite-wal", "zhen/tm.sqlite-shm"}, new


# ---------------------------------------------------------------------------- invariants

ALPHABET = list("公安部云剑行动記者孙劲峰:：。！？!?“”《》()（）,，；\n \r\u3000\u200b發(fā)ab1%")
TEXT = st.text(alphabet=st.sampled_from(ALPHABET), max_size=150)
EXAMPLES = 150


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_segments_reproduce_the_raw_text(text: str) -> None:
    from pipeline.normalize import clean

    if not text.strip():
        return
    doc = segment_text(text, budget=16)
    for seg in doc.segments:
        piece = text[seg.start : seg.end]
        # A segment's raw span starts and ends on text, and cleaning it gives back the segment's text
        # (after the speaker label, for the first sentence of a turn).
        assert piece and not piece[0].isspace() and not piece[-1].isspace()
        shown = clean(piece).text
        assert shown.endswith(seg.text) or seg.text.replace(" ", "") in shown.replace(" ", "").replace("\n", "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_every_output_has_one_english_per_chinese_segment(tmp_path_factory: pytest.TempPathFactory,
                                                          text: str) -> None:
    if not text.strip():
        return
    out = tmp_path_factory.mktemp("o")
    src = out / "in.txt"
    src.write_text(text, encoding="utf-8", newline="")
    report = run_translate([str(src)], out / "o", TranslateOptions(cache=False), translator=FakeTranslator())
    doc = segment_text(text)
    if report.failed:  # only a text with no Chinese in it may fail: there is nothing to translate
        assert [r.error for r in report.failed] in ([f"{src}: the file is empty (nothing to translate)"],
                                                    [f"{src}: no Chinese text in it; nothing to translate"])
        assert not any(HAN.search(s.norm) for s in doc.segments if s.translatable)
        return
    recs = [json.loads(x) for x in (out / "o" / "in.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert len(recs) == len(doc.segments)
    md = (out / "o" / "in.md").read_text(encoding="utf-8")
    txt = (out / "o" / "in.en.txt").read_text(encoding="utf-8")
    for rec in recs:
        if rec["target"]:
            assert escape(rec["target"]) in md  # markup is escaped: the input's raw HTML must not render
            assert rec["target"] in txt


def test_a_reader_crash_fails_that_input_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only InputError: whatever goes wrong reading one release fails that release, with one line."""
    import pipeline.run as run_mod

    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(SIMPLE, encoding="utf-8")
    bad.write_text(SIMPLE, encoding="utf-8")
    real = run_mod.read_source

    def flaky(path: str, data: bytes | None = None) -> Any:
        if path.endswith("bad.txt"):
            raise RuntimeError("decoder exploded")
        return real(path, data=data)

    monkeypatch.setattr(run_mod, "read_source", flaky)
    report = run_translate([str(good), str(bad)], tmp_path / "o", TranslateOptions(cache=False),
                           translator=FakeTranslator())
    assert [r.error for r in report.failed] == [f"{bad}: cannot read (RuntimeError: decoder exploded)"]
    assert (tmp_path / "o" / "good.jsonl").exists() and not (tmp_path / "o" / "bad.jsonl").exists()


@pytest.mark.parametrize(("docs", "sizes"), [
    (32, [32]),
    (33, [17, 16]),  # not 32 and a lone remainder
    (300, [30] * 10),
    (301, [31] + [30] * 9),
])
def test_chunks_are_even(docs: int, sizes: list[int]) -> None:
    from pipeline.batch import chunks

    assert [len(c) for c in chunks(list(range(docs)), chars=lambda _: 100)] == sizes


def test_chunks_keep_the_character_limit() -> None:
    from pipeline.batch import chunks

    sizes = [900 if i % 7 == 0 else 100 for i in range(40)]
    got = chunks(list(range(40)), max_chars=1000, chars=lambda i: sizes[i])
    assert [i for c in got for i in c] == list(range(40))  # every document once, in order
    assert all(sum(sizes[i] for i in c) <= 1000 or len(c) == 1 for c in got)
