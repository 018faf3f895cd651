"""Issue 15, a new user's first hour: the air-gapped model path, publishable English,
stdin to stdout, folder runs, the review page and the smaller rough edges. Each test goes
through the command line, as a user would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import Translation

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, input: str | bytes | None = None) -> object:
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def no_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no model in any Hugging Face cache."""
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "hf-empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# ---------------------------------------------------------------------------- 1. the air-gapped model path


def test_an_imported_model_is_found_by_id_offline(tiny_model: Path, tmp_path: Path, no_hf_cache: None) -> None:
    r = CliRunner().invoke(main, ["models", "import", str(tiny_model), "--id", "Helsinki-NLP/opus-mt-zh-en"])
    assert r.exit_code == 0, r.output
    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "--offline", "-o", str(tmp_path / "out"), "--beams", "1"])
    assert r.exit_code == 0, r.output
    prov = json.loads((tmp_path / "out" / "r.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert prov["model"] == "Helsinki-NLP/opus-mt-zh-en"


def test_an_imported_model_is_found_by_its_store_name(tiny_model: Path, tmp_path: Path, no_hf_cache: None) -> None:
    r = CliRunner().invoke(main, ["models", "import", str(tiny_model), "--id", "team/tiny"])
    assert r.exit_code == 0, r.output
    name = Path(r.output.strip().splitlines()[-1]).name
    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "--model", name, "-o", str(tmp_path / "out"),
                                  "--beams", "1"])
    assert r.exit_code == 0, r.output
    assert f"r.txt: 1 segment -> {tmp_path / 'out' / 'r.jsonl'}" in r.output
    # the store's folder name found the model imported as team/tiny, which the output names
    prov = json.loads((tmp_path / "out" / "r.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert name == "team--tiny--torch" and prov["model"] == "team/tiny"


@pytest.mark.parametrize("model", ["Helsinki-NLP/opus-mt-zh-en", "no-such-model"])
def test_model_not_found_says_where_it_looked_and_how_to_get_it(model: str, tmp_path: Path,
                                                                no_hf_cache: None) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "--offline", "--model", model, "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    msg = r.output.strip()
    assert len(msg.splitlines()) == 1 and "Traceback" not in msg
    for where in ("no folder", "model store"):
        assert where in msg
    if "/" in model:
        assert "Hugging Face cache" in msg and "offline" in msg
    for way in ("hf download", "zhen models import DIR --id", "--model PATH"):
        assert way in msg


# ---------------------------------------------------------------------------- 3. publishable English, Markdown

NEWS = (
    "浙江警方“猎狐”专项行动成效显著\n"
    "来源:浙江省公安厅\n"
    "2023-12-20 09:30\n"
    "截至2019年11月，共破获电信诈骗案件9.4万起。\n"
    "記者:成效如何?\n"
    "孫勁峰:逮捕犯罪嫌疑人269名。\n"
    "浙江省公安厅召开会议。\n"
    "分享到:\n"
)


class _Table:
    """Gives each sentence a fixed English; what the glossary hides is kept as it is."""

    engine = "table"

    def __init__(self) -> None:
        from pipeline.records import ModelRef

        self.model = ModelRef(id="table", path=Path("."), revision="1", origin="folder")

    def settings(self) -> dict[str, object]:
        return {"num_beams": 1}

    def count_tokens(self, text: str) -> int:
        return len(text) + 1

    def translate(self, texts, progress=None):  # type: ignore[no-untyped-def]
        from pipeline.records import Translation

        table = {"截至2019年11月": "As of November 2019, 9.4 million telecom fraud cases were solved.",
                 "逮捕": "Suspects were arrested.", "来源": "Source: ZX1Q",
                 "成效": "How effective?", "召开": "The ZX1Q held a meeting."}
        out = []
        for t in texts:
            en = next((v for k, v in table.items() if t.startswith(k) or k in t), "The campaign worked")
            out.append(Translation(en))
        return out


@pytest.fixture
def news_out(tmp_path: Path) -> Path:
    from pipeline.run import TranslateOptions, run_translate

    src = tmp_path / "news.txt"
    src.write_text(NEWS, encoding="utf-8")
    out = tmp_path / "out"
    report = run_translate([str(src)], out, TranslateOptions(formats=("jsonl", "md", "txt", "html", "xliff", "tmx"),
                                                             cache=False), translator=_Table())
    assert not report.failed
    return out


def test_plain_english_is_publishable(news_out: Path) -> None:
    txt = (news_out / "news.en.txt").read_text(encoding="utf-8")
    assert "[check" not in txt and "⚠" not in txt
    assert not any("\u4e00" <= c <= "\u9fff" for c in txt), txt  # no Chinese left in the English
    assert "Source:" in txt and "2023-12-20 09:30" in txt  # source and date lines are content (a date is kept as is)
    assert "Reporter: How effective?" in txt
    assert txt.index("Source:") < txt.index("As of November 2019")


def test_review_notes_stay_in_the_review_formats(news_out: Path) -> None:
    md = (news_out / "news.md").read_text(encoding="utf-8")
    assert "9.4万起 is 94,000" in md and "269名 (269) is missing" in md
    assert "9.4万起 is 94,000" in (news_out / "news.html").read_text(encoding="utf-8")
    assert "9.4万起 is 94,000" in (news_out / "news.xliff").read_text(encoding="utf-8")


def test_markdown_reads_as_a_document(news_out: Path) -> None:
    md = (news_out / "news.md").read_text(encoding="utf-8")
    assert "| 中文 | English |" not in md and "|---|" not in md
    assert "> 截至2019年11月，共破获电信诈骗案件9.4万起。" in md
    assert "**Reporter** (記者)" in md
    assert md.index("As of November 2019") < md.index("> 截至2019年11月")  # English first, the Chinese quoted under it


def test_mojibake_is_flagged_in_review_outputs_and_absent_from_plain_english(tmp_path: Path, sample_path: Path,
                                                                             tiny_model: Path) -> None:
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(out), "--model", str(tiny_model),
                                  "--beams", "1", "--formats", "md,txt,html,xliff", "-q"])
    assert r.exit_code == 0, r.output
    stem = "cloud-sword-2019-12-25"
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    md = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert "mojibake" in md and "mojibake" in html
    assert 'class="row flagged" id="s7"' in html and 'class="row flagged" id="s8"' in html
    assert "mojibake" not in (out / f"{stem}.en.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- 4. command-line habits


def test_stdin_with_no_out_dir_prints_english(tiny_model: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["translate", "-", "--model", str(tiny_model), "--beams", "1"],
                           input="公安部召开新闻发布会。\n".encode())
    assert r.exit_code == 0, r.output
    assert len(r.stdout.strip().splitlines()) == 1 and r.stdout.strip()
    assert list(tmp_path.iterdir()) == []  # no ./stdin.* files (the tiny model's English is noise: not checked)


def test_stdin_jsonl_and_text_option(tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["translate", "--text", "公安部召开新闻发布会。", "--model", str(tiny_model),
                                  "--beams", "1", "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert recs[0]["type"] == "provenance" and recs[1]["text"] == "公安部召开新闻发布会。"
    assert isinstance(recs[1]["target"], str)
    r = CliRunner().invoke(main, ["translate", "--text", "公安部召开新闻发布会。", "--model", str(tiny_model),
                                  "--beams", "1"])
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_folder_run_skips_what_is_not_a_release(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    (folder / "README.md").write_text("# Releases\nThese are the releases of this week.\n", encoding="utf-8")
    (folder / "LICENSE.txt").write_text("Public domain.\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(folder), "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                                  "--beams", "1"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.en.txt", "r.jsonl", "r.md"]
    assert "skipped 2 files that are not releases" in r.output and "README.md" in r.output


def test_an_empty_folder_says_so_and_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(main, ["translate", str(tmp_path / "empty"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "nothing to translate" in r.output and "empty" in r.output


def test_quiet_silences_the_glossary_and_facts_lines(tiny_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会，共破获案件9.4万起。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--model", str(tiny_model),
                                  "--beams", "1", "-q"])
    assert r.exit_code == 0, r.output
    assert "glossary:" not in r.output and "facts:" not in r.output
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o2"), "--model", str(tiny_model),
                                  "--beams", "1"])
    assert "glossary:" in r.output and "facts:" in r.output


# ---------------------------------------------------------------------------- 5. the review page


def test_review_page_counts_and_links_flagged_segments(tmp_path: Path, sample_path: Path, tiny_model: Path) -> None:
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(out), "--model", str(tiny_model),
                                  "--beams", "1", "--formats", "html", "--summary", "-q"])
    assert r.exit_code == 0, r.output
    html = (out / "cloud-sword-2019-12-25.html").read_text(encoding="utf-8")
    flagged = html.count('class="row flagged"')
    assert flagged >= 2
    assert f"{flagged} flagged segments" in html
    assert '<a href="#s7">s7</a>' in html
    assert '<a class="ref" href="#s' in html  # the summary's [sN] references are links
    # The sample has no title line; its second article's title must not become the page's.
    assert "<title>cloud-sword-2019-12-25</title>" in html
    assert 'lang="zh-Hant"' in html  # the sample is in traditional script


def test_notes_quote_terms_as_the_source_writes_them() -> None:
    from pipeline.records import GlossaryHit, Segment
    from pipeline.write.notes import warnings_for

    seg = Segment(id="s1", block=0, kind="paragraph", start=0, end=9, text="浙江省公安廳召開會議。",
                  norm="浙江省公安厅召开会议。", target="A meeting was held.",
                  hits=(GlossaryHit("浙江省公安厅", "Zhejiang Provincial Public Security Department", 0, 6,
                                    status="missing"),))
    assert warnings_for(seg) == ["term 浙江省公安廳 should read “Zhejiang Provincial Public Security Department”"]


def test_page_css_names_noto_cjk_and_readme_names_the_package() -> None:
    from pipeline.write.html import CSS

    assert "Noto Sans CJK SC" in CSS and "Noto Sans CJK TC" in CSS
    assert "fonts-noto-cjk" in (ROOT / "README.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- 6. smaller


def test_traditional_text_is_labelled_zh_tw(tmp_path: Path) -> None:
    from conftest import FakeTranslator

    from pipeline.run import TranslateOptions, run_translate

    for name, text, lang in (("trad", "公安部召開新聞發布會，通報全國公安機關開展行動工作情況。\n", "zh-TW"),
                             ("simp", "公安部召开新闻发布会，通报全国公安机关开展行动工作情况。\n", "zh-CN")):
        src = tmp_path / f"{name}.txt"
        src.write_text(text, encoding="utf-8")
        run_translate([str(src)], tmp_path / "o", TranslateOptions(formats=("tmx", "xliff", "jsonl"), cache=False),
                      translator=FakeTranslator())
        tmx = (tmp_path / "o" / f"{name}.tmx").read_text(encoding="utf-8")
        xliff = (tmp_path / "o" / f"{name}.xliff").read_text(encoding="utf-8")
        assert f'srclang="{lang}"' in tmx and f'xml:lang="{lang}"' in tmx
        assert f'source-language="{lang}"' in xliff


def test_bfloat16_on_ctranslate2_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--engine", "ctranslate2",
                                  "--precision", "bfloat16"])
    assert r.exit_code == 2
    assert "bfloat16" in r.output and "--precision" in r.output and "Traceback" not in r.output


# ---------------------------------------------------------------------------- 2. CPU torch on a fresh machine

FAKE_PYTHON = r"""#!/usr/bin/env bash
# Stands in for .venv/bin/python: logs pip calls; PyTorch's CPU index is unreachable, as it is
# here; installing torch==2.13.0 from the configured index gives a CPU build.
echo "$*" >> "$SETUP_LOG"
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  case "$*" in
    *--dry-run*) printf '%s' "$FAKE_REPORT"; exit 0 ;;
    *download.pytorch.org*) exit 1 ;;
    *torch==2.13.0*) mkdir -p "$FAKE_SITE/torch"
                     printf '__version__ = "2.13.0+cpu"\nclass version:\n    cuda = None\n' \
                       > "$FAKE_SITE/torch/__init__.py" ;;
  esac
  exit 0
fi
PYTHONPATH="$FAKE_SITE" exec "$REAL_PYTHON" "$@"
"""


CUDA_REPORT = '{"install": [{"download_info": {"url": "https://example.invalid/torch-2.13.0-cp311-manylinux.whl"}}]}'
CPU_REPORT = '{"install": [{"download_info": {"url": "file:///opt/wheels/torch-2.13.0%2Bcpu-cp311-manylinux.whl"}}]}'


def _run_setup(tmp_path: Path, args: list[str], report: str = "") -> tuple[Any, str]:
    """setup.sh run in a sandbox: a stand-in .venv/bin/python that logs pip calls; no torch yet.
    `report` is what the configured index says it would install. Returns (result, pip log)."""
    import os
    import shutil
    import subprocess
    import sys

    shutil.copy(ROOT / "setup.sh", tmp_path / "setup.sh")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    (tmp_path / "site" / "torch").mkdir(parents=True)  # a fresh machine: no torch until pip installs it
    (tmp_path / "site" / "torch" / "__init__.py").write_text("raise ImportError('no torch yet')\n")
    log = tmp_path / "log"
    env = {**os.environ, "SETUP_LOG": str(log), "FAKE_SITE": str(tmp_path / "site"), "REAL_PYTHON": sys.executable,
           "FAKE_REPORT": report}
    out = subprocess.run(["bash", str(tmp_path / "setup.sh"), *args], capture_output=True, text=True, env=env)
    return out, log.read_text() if log.exists() else ""


@pytest.mark.parametrize("args, extras", [(["--dev"], "[torch,dev]"), ([], "[torch]")])
def test_setup_tries_the_cpu_index_first_and_says_which_build(tmp_path: Path, args: list[str], extras: str) -> None:
    out, log = _run_setup(tmp_path, args, CUDA_REPORT)  # the configured index would give the CUDA build
    assert out.returncode == 0, out.stderr
    torch_calls = [ln for ln in log.splitlines() if "torch==2.13.0" in ln and "--dry-run" not in ln]
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch_calls[0]
    assert len(torch_calls) == 2 and "--index-url" not in torch_calls[1]  # the quiet fallback
    assert "torch 2.13.0+cpu: the CPU build" in out.stdout
    assert out.stderr == ""  # the unreachable index is not reported
    assert any(ln.endswith(f"-e .{extras}") for ln in log.splitlines())


def test_setup_without_torch(tmp_path: Path) -> None:
    out, log = _run_setup(tmp_path, ["--no-torch"])
    assert out.returncode == 0, out.stderr
    assert "torch" not in log and log.splitlines()[-1].endswith("-e .")


def test_abstractive_summarizer_hint_names_summary_model(tmp_path: Path, no_hf_cache: None) -> None:
    from pipeline.engines.models import resolve_model
    from pipeline.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable) as exc:
        resolve_model("team/no-summarizer", offline=True, kind="summarization")
    assert exc.value.option == "summary_model"
    assert "--summary-model PATH" in str(exc.value) and "--model PATH" not in str(exc.value)


def test_glossary_import_overwrite_keeps_the_kind(tmp_path: Path) -> None:
    base = tmp_path / "g.tsv"
    base.write_text("zh\ten\tkind\tnote\n云剑\tCloud Sword\tcampaign\t\n", encoding="utf-8")
    csv = tmp_path / "new.csv"
    csv.write_text("zh,en\n云剑,Cloud Sword campaign\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "import", str(csv), "--glossary", str(base), "--overwrite"])
    assert r.exit_code == 0, r.output
    assert "云剑\tCloud Sword campaign\tcampaign" in base.read_text(encoding="utf-8")


def test_cache_clear_asks_and_filters_by_model(tmp_path: Path) -> None:
    from pipeline.memory import TranslationMemory

    tm = TranslationMemory()
    tm.put_many(json.dumps({"model": "a/one"}), [("一", Translation("one"))])
    tm.put_many(json.dumps({"model": "b/two"}), [("二", Translation("two"))])
    tm.close()
    r = CliRunner().invoke(main, ["cache", "clear"], input="n\n")
    assert r.exit_code == 1 and "remove 2 entries" in r.output
    r = CliRunner().invoke(main, ["cache", "clear", "--model", "a/one", "--yes"])
    assert r.exit_code == 0 and "removed 1 entry made with a/one" in r.output
    assert "1 entry in" in CliRunner().invoke(main, ["cache", "stats"]).output


def test_cache_stats_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "nowhere"
    monkeypatch.setenv("ZHEN_HOME", str(home))
    r = CliRunner().invoke(main, ["cache", "stats"])
    assert r.exit_code == 0 and "0 entries" in r.output
    assert not home.exists()


def test_segment_text_with_several_files_names_each(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["segment", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--format", "text"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith(f"{tmp_path / 'a.txt'}\ts1") and lines[1].startswith(f"{tmp_path / 'b.txt'}\ts1")


def test_license_is_an_spdx_string() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in meta["build-system"]["requires"][0]
    assert "torch" not in " ".join(meta["project"]["dependencies"])  # an install without torch is possible


def test_setup_takes_a_cpu_build_the_configured_index_offers(tmp_path: Path) -> None:
    """A local CPU wheel (as on this machine) or a mirror of CPU wheels: no other index is asked."""
    out, log = _run_setup(tmp_path, [], CPU_REPORT)
    assert out.returncode == 0, out.stderr
    torch_calls = [ln for ln in log.splitlines() if "torch==2.13.0" in ln and "--dry-run" not in ln]
    assert len(torch_calls) == 1 and "--index-url" not in torch_calls[0]
    assert "download.pytorch.org" not in log
    assert "torch 2.13.0+cpu: the CPU build" in out.stdout
