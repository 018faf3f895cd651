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


# ---------------------------------------------------------------------------- the server


def _server_job(tmp_path: Path, name: str, text: str = RELEASE) -> tuple[Any, str]:
    """A TestClient (entered: its workers run) and one finished job submitted under `name`."""
    from fastapi.testclient import TestClient
    from test_server import wait_done

    from pipeline.server import ServerConfig, create_app

    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path / "data", token="t0ken"))
    client = TestClient(app, base_url="http://127.0.0.1").__enter__()
    r = client.post("/api/jobs", json={"text": text, "name": name}, headers={"Authorization": "Bearer t0ken"})
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done", job
    return client, job["id"]


def test_server_downloads_are_named_after_the_release(tmp_path: Path) -> None:
    from urllib.parse import unquote

    client, job = _server_job(tmp_path, "cloud sword briefing")
    try:
        for fmt, suffix in (("xliff", ".xliff"), ("html", ".html"), ("docx", ".docx")):
            r = client.get(f"/api/jobs/{job}/output/{fmt}")
            assert r.status_code == 200
            assert unquote(r.headers["content-disposition"]).endswith(f"cloud sword briefing{suffix}"), r.headers
            assert job not in r.headers["content-disposition"]
        # the release has no title of its own: the page is titled by the name the user gave it
        page = client.get(f"/api/jobs/{job}/output/html").text
        assert "<title>cloud sword briefing</title>" in page
        # an upload's own file name, less its suffix; characters no file name may hold become -
        store = client.app.state.store  # type: ignore[attr-defined]
        r = client.post("/api/jobs", files={"file": ("通报 12:25?.docx", b"", "text/plain")},
                        headers={"Authorization": "Bearer t0ken"})
        assert store.download_name(r.json()["id"], "xliff") == "通报 12-25.xliff"
        r = client.post("/api/jobs", json={"text": RELEASE, "name": "Report 3/2024"},
                        headers={"Authorization": "Bearer t0ken"})
        assert store.download_name(r.json()["id"], "tmx") == "Report 3-2024.tmx"
    finally:
        client.__exit__(None, None, None)


# ---------------------------------------------------------------------------- the glossary


def test_glossary_add_refuses_what_lint_calls_an_error(tmp_path: Path) -> None:
    from pipeline.termbase import HEADER

    p = tmp_path / "team.tsv"
    p.write_text(HEADER + "\n云剑\tCloud Sword\tcampaign\t\t\tconvention: the operation's name\t\n", encoding="utf-8")
    before = p.read_bytes()
    r = _zhen("glossary", "add", "公安廳", "Public Security Department", "--source", "convention: x",
              "--glossary", str(p))
    assert r.exit_code == 2 and "traditional script" in r.output and "公安厅" in r.output, r.output
    r = _zhen("glossary", "add", "夏安行动", "Operation Summer Peace", "--kind", "campaign", "--glossary", str(p))
    assert r.exit_code == 2 and "--source" in r.output and "Traceback" not in r.output, r.output
    assert p.read_bytes() == before  # nothing written
    r = _zhen("glossary", "add", "夏安行动", "Operation Summer Peace", "--kind", "campaign",
              "--source", "convention: the operation's name, translated", "--glossary", str(p))
    assert r.exit_code == 0, r.output
    # a new English for an entry that has its source keeps that source: no --source needed
    assert _zhen("glossary", "add", "云剑", "Operation Cloud Sword", "--kind", "campaign",
                 "--glossary", str(p)).exit_code == 0
    lint = _zhen("glossary", "lint", "--strict", "--glossary", str(p))
    assert lint.exit_code == 0 and "0 errors, 0 warnings" in lint.output, lint.output
    # the server's form holds to the same
    client, _job = _server_job(tmp_path, "x")
    try:
        auth = {"Authorization": "Bearer t0ken"}
        r = client.post("/api/glossary", json={"zh": "劝阻中心", "en": "Dissuasion Centre"}, headers=auth)
        assert r.status_code == 422 and "source" in r.json()["error"]
        r = client.post("/api/glossary", json={"zh": "劝阻中心", "en": "Dissuasion Centre",
                                               "source": "convention: descriptive"}, headers=auth)
        assert r.status_code == 200 and r.json()["result"] == "added"
    finally:
        client.__exit__(None, None, None)


def test_the_glossary_lock_file_is_not_left_for_git_to_list() -> None:
    r = subprocess.run(["git", "check-ignore", "--no-index", "-q", "glossary/.police.tsv.lock"], cwd=ROOT)
    assert r.returncode == 0  # ignored (1 would mean it shows as untracked after every edit)


# ---------------------------------------------------------------------------- noise from libraries


def _zhen_process(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """zhen as a user runs it: its own process, whose stderr (file descriptor 2, where C++ and
    tqdm write too) is all there is to read."""
    env = {**os.environ, "ZHEN_HOME": str(tmp_path / "home")}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=tmp_path)


def test_models_convert_says_only_where_the_model_went(tiny_model: Path, tmp_path: Path) -> None:
    r = _zhen_process(["models", "convert", str(tiny_model)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr  # no loading bar, no "Recommended: pip install sacremoses"
    assert r.stdout.strip().endswith("ctranslate2-int8")


def test_a_local_cluster_run_prints_no_ray_log_line(tiny_model: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = _zhen_process(["translate", "a.txt", "-o", "out", "--cluster", "local", "--model", str(tiny_model),
                       "--beams", "1"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "logging.cc" not in r.stderr and "log level" not in r.stderr, r.stderr
    assert "a.txt: 1 segment -> out/a.jsonl" in r.stderr and "cluster: Ray" in r.stderr


def test_the_first_setup_reports_the_torch_build_without_a_numpy_warning(tmp_path: Path) -> None:
    # setup.sh asks torch which build it is right after installing it, before numpy is there:
    # its torch_build function, run here with numpy missing as on a first set-up.
    script = (ROOT / "setup.sh").read_text(encoding="utf-8")
    found = re.search(r"^torch_build\(\) \{\n.*?^\}\n", script, re.S | re.M)
    assert found is not None, "setup.sh reports the torch build in its function torch_build"
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    no_numpy = tmp_path / "shadow" / "numpy"
    no_numpy.mkdir(parents=True)
    (no_numpy / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'numpy'\")\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    # as on a first set-up: torch, imported bare, warns
    bare = subprocess.run([str(python), "-c", "import torch"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert "Failed to initialize NumPy" in bare.stderr
    r = subprocess.run(["bash", "-c", found.group() + "torch_build\n"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("torch 2.") and "the CPU build" in r.stdout, (r.stdout, r.stderr)
    assert "NumPy" not in r.stderr and r.stderr == "", r.stderr
