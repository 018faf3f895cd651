from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import __version__
from pipeline.cli import main


def test_help_imports_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from pipeline.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "for sub in ('translate', 'segment'):\n"
        "    assert CliRunner().invoke(main, [sub, '--help']).exit_code == 0\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2', 'jieba') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version() -> None:
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output


def test_segment_json_on_sample(sample_path: Path) -> None:
    r = CliRunner().invoke(main, ["segment", str(sample_path), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 67  # the mojibake `袆?dòng)` splits at its ASCII `?` (structure conventions)
    keys = {"id", "block", "kind", "speaker", "start", "end", "text", "norm"}
    assert all(keys <= row.keys() for row in rows)
    raw = sample_path.read_text(encoding="utf-8")
    assert rows[0]["text"] == "2019年12月25日,公安部召開新聞發布會,通報全國公安機關開展“云劍”行動工作情況。"
    assert rows[0]["norm"].startswith("2019年12月25日，公安部召开新闻发布会")
    assert raw[rows[0]["start"] : rows[0]["end"]].startswith("2019年12月25日,公安部召開新聞發(fā)布會(huì)")
    assert {r["kind"] for r in rows} == {"paragraph", "heading", "turn", "title"}


def test_segment_text_and_stdin() -> None:
    r = CliRunner().invoke(main, ["segment", "-", "--format", "text"], input="记者:成效如何?\n答:显著。".encode())
    assert r.exit_code == 0, r.output
    assert "记者: 成效如何?" in r.stdout


def test_segment_bad_input_one_line_error(tmp_path: Path) -> None:
    p = tmp_path / "img.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    r = CliRunner().invoke(main, ["segment", str(p)])
    assert r.exit_code == 1
    assert "img.txt" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_unknown_engine_lists_choices(tmp_path: Path, sample_path: Path) -> None:
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(tmp_path), "--engine", "onnx"])
    assert r.exit_code == 2
    assert "onnx" in r.output and "torch" in r.output


def test_errors_name_the_flag_and_debug_shows_the_exception(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.errors import UsageError

    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--formats", "pdf"])
    assert r.exit_code == 2 and "unknown format pdf" in r.output and "(--formats)" in r.output
    assert "Traceback" not in r.output
    monkeypatch.setenv("ZHEN_DEBUG", "1")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--formats", "pdf"])
    assert isinstance(r.exception, UsageError) and r.exception.option == "formats"
