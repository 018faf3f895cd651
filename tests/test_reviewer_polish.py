"""What a reviewer sees and is told in a working day (issue 26): review state in the Markdown and
the review page, the summary's warnings, the progress bar, the run's messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from conftest import ROOT, FakeTranslator

from pipeline.cli import main
from pipeline.records import Review, Summary
from pipeline.run import TranslateOptions, run_translate
from pipeline.write import html as review_page
from pipeline.write import markdown
from pipeline.write.jsonl import load_document
from pipeline.write.notes import warnings_for

RELEASE = ("公安部召开新闻发布会。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n"
           "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。\n下一步，公安机关将始终保持严打高压态势。\n")


def _translated(tmp_path: Path, text: str = RELEASE, name: str = "briefing") -> Path:
    src = tmp_path / f"{name}.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = run_translate([str(src)], out, TranslateOptions(formats=["jsonl"], cache=False),
                           translator=FakeTranslator())
    assert not report.failed, report.results
    return out / f"{name}.jsonl"


def test_markdown_and_review_page_show_what_a_person_reviewed_and_approved(tmp_path: Path) -> None:
    doc = load_document(_translated(tmp_path))
    flagged = [s for s in doc.segments if warnings_for(s)]
    assert len(flagged) >= 2  # the fake model's English keeps the Chinese: every segment has a note
    approved, reviewed = flagged[0], flagged[1]
    segs = tuple(
        replace(s, flags=(*s.flags, "reviewed", "approved"),
                review=Review(state="signed-off", by="Li Na", at="2026-12-07T01:00:00+00:00")) if s is approved
        else replace(s, flags=(*s.flags, "reviewed"), review=Review(at="2026-12-07T00:50:00+00:00")) if s is reviewed
        else s for s in doc.segments)
    dropped = {"id": None, "en": "Police seized 777 phones.", "unsupported": ["777"]}
    summary = Summary("abstractive", None, "Cloud Sword", [], ["Police held a press conference."], [dropped])
    doc = replace(doc, segments=segs, summary=summary)

    md = markdown.render(doc)
    assert re.search(rf"approved by Li Na.*\({approved.id}\)", md), md
    assert re.search(rf"reviewed.*\({reviewed.id}\)", md), md
    others = [s.id for s in segs if s.id not in (approved.id, reviewed.id)]
    assert not any(re.search(rf"(approved|reviewed).*\({sid}\)", md) for sid in others)

    page = review_page.render(doc)
    row = re.search(rf'<div class="([^"]*)" id="{approved.id}"', page)
    assert row is not None and "flagged" not in row.group(1) and "approved" in row.group(1)
    assert re.search(rf'<div class="[^"]*reviewed[^"]*" id="{reviewed.id}"', page)
    assert "approved by Li Na" in page
    # an approved segment is no longer one to check first
    top = page.split('id="flagged"', 1)[1].split("</nav>", 1)[0]
    assert f'href="#{approved.id}"' not in top and f'href="#{reviewed.id}"' in top
    # the summary box carries the summary's "check before publishing" warnings, as summary.md does
    box = page.split('<section class="summary">', 1)[1].split("</section>", 1)[0]
    assert "Check before publishing" in box and "Police seized 777 phones." in box and "777" in box


# ---------------------------------------------------------------------------- messages of a run


def _zhen(*args: str, **kw: Any) -> Any:
    return CliRunner().invoke(main, list(args), **kw)


def test_stdout_mode_reports_risk_and_quiet_keeps_it_to_warnings(tiny_model: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "公安部召开新闻发布会。截至2019年11月，共破获电信诈骗案件9.4万起。"
    r = _zhen("translate", "--text", text, "--model", str(tiny_model), "--beams", "1")
    assert r.exit_code == 0, r.output
    assert re.search(r"^risk: \d+ of \d+ segments? to check", r.stderr, re.M), r.stderr
    assert "risk:" not in r.stdout  # the English alone on standard output, ready to pipe
    quiet = _zhen("translate", "--text", text, "--model", str(tiny_model), "--beams", "1", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == r.stdout
    assert "risk:" not in quiet.stderr and "glossary:" not in quiet.stderr, quiet.stderr


def test_run_messages_count_in_good_english_and_name_files_alike(tiny_model: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/one.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    Path("in/empty.txt").write_text("", encoding="utf-8")
    model = ["--model", str(tiny_model), "--beams", "1"]
    r = _zhen("translate", "in/one.txt", "-o", "out", *model)
    assert r.exit_code == 0, r.output
    assert "in/one.txt: 1 segment -> out/one.jsonl" in r.stderr, r.stderr
    assert not re.search(r"\b1 segments\b", r.stderr) and "risk: 1 of 1 segment to check" in r.stderr
    # a run with nothing to do says so, and no counts of nothing
    again = _zhen("translate", "in/one.txt", "-o", "out", *model)
    assert again.exit_code == 0 and "in/one.txt: up to date" in again.stderr
    assert not re.search(r"\b0 (terms|hits)\b", again.stderr), again.stderr
    # an error names the input as the success line does: the path as given
    bad = _zhen("translate", "in/empty.txt", "-o", "out2", *model)
    assert bad.exit_code == 1 and "error: in/empty.txt: the file is empty" in bad.stderr, bad.stderr
    assert "1 failed" in bad.stderr
    # and a run that wrote nothing leaves no empty output folder behind
    assert not Path("out2").exists()
    deep = _zhen("translate", "in/empty.txt", "-o", "new/deeper/out3", *model)
    assert deep.exit_code == 1 and not Path("new").exists()


def test_model_not_found_says_where_it_looked_plainly(tmp_path: Path) -> None:
    # A subprocess: the Hugging Face library reads HF_HOME and HF_ENDPOINT when it is imported.
    # The hub is a closed port here, so the download fails at once, as it does offline.
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": "http://127.0.0.1:9",
           "ZHEN_HOME": str(tmp_path / "home")}
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ZHEN_MODEL"):
        env.pop(key, None)
    (tmp_path / "r.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "translate", str(tmp_path / "r.txt"), "-o",
                        str(tmp_path / "out"), "--model", "Helsinki-NLP/opus-mt-zh-en"],
                       capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert r.returncode == 2, r.stderr
    assert "Got:" not in r.stderr and "ConnectError" not in r.stderr and "Traceback" not in r.stderr
    assert "cannot be reached" in r.stderr
    cache = str(tmp_path / "hf" / "hub")
    assert r.stderr.count(cache) >= 2 and "~/.cache/huggingface" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_model_and_offline_help_name_the_model_store() -> None:
    text = " ".join(_zhen("translate", "--help", terminal_width=400).output.split())
    model = text.split("--model", 1)[1].split("--offline", 1)[0]
    offline = text.split("--offline", 1)[1].split("--beams", 1)[0]
    assert "model store" in model and "model store" in offline, (model, offline)


# ---------------------------------------------------------------------------- the progress bar


class _Recorder:
    """A progress factory's bar that keeps what the run told it."""

    made: ClassVar[list[_Recorder]] = []

    def __init__(self, total: int, label: str) -> None:
        self.totals, self.label, self.count = [total], label, 0
        _Recorder.made.append(self)

    def update(self, n: int) -> None:
        self.count += n

    def resize(self, total: int) -> None:
        self.totals.append(total)


def test_the_progress_bar_counts_sentences_of_the_whole_run(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(RELEASE, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(RELEASE.replace("2019", "2020") * 2, encoding="utf-8")
    _Recorder.made = []
    report = run_translate([str(tmp_path / "in")], tmp_path / "out", TranslateOptions(formats=["jsonl"], cache=False),
                           translator=FakeTranslator(), progress=_Recorder)
    assert not report.failed, report.results
    sentences = sum(1 for p in (tmp_path / "out").glob("*.jsonl") for s in load_document(p).segments
                    if s.translatable)
    assert sentences > 2 * len(list((tmp_path / "out").glob("*.jsonl")))
    (bar,) = _Recorder.made  # one bar for the run, not one per chunk
    assert bar.count == sentences and bar.totals[-1] == sentences  # ends at 100%, counted in sentences


def test_the_terminal_bar_shows_sentences_done_of_all(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from pipeline.cli.app import Bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    bar = Bar(10, "Translating", quiet=False)
    bar.update(4)
    bar.resize(12)  # the run learnt the next chunk's sentences
    bar.update(8)
    bar.finish()
    shown = err.getvalue()
    assert "sentences" in shown and "12/12" in shown, shown
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    Bar(10, "Translating", quiet=True).update(3)
    assert quiet.getvalue() == ""
