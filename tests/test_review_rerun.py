"""Issue 26, a reviewer's day (items 3, 4, 5, 8 and 11): the summary's headline and its files
after a merge, stale outputs of a re-run, input with no Chinese, a renamed reviewed XLIFF
merged back, and the formats a first run writes. Through the command line where a user would
be, with the tiny Marian model or the deterministic fake translator."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, FakeTranslator

from pipeline.cli import main
from pipeline.run import TranslateOptions, run_segment, run_summarize, run_translate
from pipeline.write import FORMATS

ROOT = Path(__file__).resolve().parents[1]

RELEASE = (
    "公安部部署开展夏季治安打击整治行动\n"
    "2024年6月1日，公安部召开视频会议，部署全国公安机关开展夏季治安打击整治行动。\n"
    "会议指出，今年以来各地公安机关共破获刑事案件3.2万起，抓获犯罪嫌疑人1.5万名。\n"
    "会议要求，要坚持问题导向，严厉打击突出违法犯罪活动。\n"
    "会议强调，要加强巡逻防控，切实维护社会治安稳定。\n"
)


def _release(tmp_path: Path, name: str = "summer") -> Path:
    src = tmp_path / f"{name}.txt"
    src.write_text(RELEASE, encoding="utf-8")
    return src


def _zhen(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def _records(jsonl: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    recs = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()[1:]]
    return {r["id"]: r for r in recs if r.get("type") != "summary"}


# ---------------------------------------------------------------------------- 3. the summary


def test_the_summary_headline_is_the_releases_own_not_an_embedded_articles(tmp_path: Path) -> None:
    """The sample carries a second article with its own title (s55) after the press conference;
    the sample's own first line is its lead, not a title."""
    doc = run_segment([str(SAMPLE)])[0]
    embedded = next(s for s in doc.segments if doc.blocks[s.block].kind == "title")
    lead = next(s for s in doc.segments if s.translatable)
    assert embedded.id == "s55" and doc.blocks[lead.block].kind == "paragraph"
    run_summarize([str(SAMPLE)], tmp_path, TranslateOptions(cache=False), translator=FakeTranslator())
    summary = json.loads((tmp_path / f"{doc.source.name}.summary.json").read_text(encoding="utf-8"))
    assert "标本兼治" not in summary["headline"]  # s55's words
    assert summary["headline"].startswith("EN<2019年12月25日")  # the lead, the release's own first line


def test_a_title_on_top_is_the_headline(tmp_path: Path) -> None:
    src = _release(tmp_path)
    run_summarize([str(src)], tmp_path / "out", TranslateOptions(cache=False), translator=FakeTranslator())
    summary = json.loads((tmp_path / "out" / "summer.summary.json").read_text(encoding="utf-8"))
    assert "部署开展" in summary["headline"] and "视频会议" not in summary["headline"]


def test_merge_after_summarize_rewrites_the_summary_files(tmp_path: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    run_translate([str(src)], out, TranslateOptions(formats=("jsonl", "xliff"), cache=False),
                  translator=FakeTranslator())
    run_summarize([str(src)], out, TranslateOptions(cache=False), translator=FakeTranslator())
    summary = json.loads((out / "summer.summary.json").read_text(encoding="utf-8"))
    pick = summary["sentences"][0]
    recs = _records(out / "summer.jsonl")
    xliff = (out / "summer.xliff").read_text(encoding="utf-8")
    new = "The reviewed English of this sentence."
    headline_new = "Ministry of Public Security launches summer crackdown"
    xliff = _edit(xliff, f">{escape(recs[pick['id']]['target'])}</target>", f">{new}</target>")
    xliff = _edit(xliff, f">{escape(recs['s1']['target'])}</target>", f">{headline_new}</target>")
    (out / "summer.xliff").write_text(xliff, encoding="utf-8")
    r = _zhen("merge", str(out / "summer.xliff"))
    assert r.exit_code == 0, r.output
    after = json.loads((out / "summer.summary.json").read_text(encoding="utf-8"))
    assert next(s for s in after["sentences"] if s["id"] == pick["id"])["en"] == new
    assert after["headline"] == headline_new
    assert after["provenance"]["input_sha256"] == summary["provenance"]["input_sha256"]
    md = (out / "summer.summary.md").read_text(encoding="utf-8")
    assert new in md and headline_new in md and pick["en"] not in md
    assert "summer.summary.md" in r.output and "summer.summary.json" in r.output


# ---------------------------------------------------------------------------- 4. stale outputs of a re-run


def test_a_rerun_with_fewer_formats_leaves_no_stale_output(tmp_path: Path, tiny_model: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    every = "jsonl,md,txt,tmx,xliff,html,docx,docx-en"
    r = _zhen("translate", str(src), "-o", str(out), "--model", str(tiny_model), "--beams", "1", "--formats", every)
    assert r.exit_code == 0, r.output
    (out / "summer.md").write_text("# my own notes on the English\n", encoding="utf-8")  # edited by hand
    r = _zhen("translate", str(src), "-o", str(out), "--model", str(tiny_model), "--beams", "1",
              "--formats", "jsonl,txt")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    # zhen's own files of the earlier run, untouched since: removed, and the run says which
    for gone in ("summer.html", "summer.tmx", "summer.xliff", "summer.docx", "summer.en.docx"):
        assert gone not in names
        assert gone in r.output
    assert "removed" in r.output
    # a file someone edited is never deleted: moved aside under a name that says so
    assert "summer.md" not in names
    assert (out / "summer.md.stale").read_text(encoding="utf-8") == "# my own notes on the English\n"
    assert "summer.md.stale" in r.output
    assert {"summer.jsonl", "summer.en.txt"} <= set(names)


def test_a_reviewers_unmerged_xliff_blocks_a_rerun_without_it(tmp_path: Path, tiny_model: Path) -> None:
    src = _release(tmp_path)
    out = tmp_path / "out"
    r = _zhen("translate", str(src), "-o", str(out), "--model", str(tiny_model), "--beams", "1",
              "--formats", "jsonl,xliff")
    assert r.exit_code == 0, r.output
    xliff = out / "summer.xliff"
    edited = xliff.read_text(encoding="utf-8").replace("</target>", " (checked)</target>", 1)
    xliff.write_text(edited, encoding="utf-8")
    r = _zhen("translate", str(src), "-o", str(out), "--model", str(tiny_model), "--beams", "1",
              "--formats", "jsonl,txt")
    assert r.exit_code == 1
    assert "zhen merge" in r.output and "summer.xliff" in r.output
    assert xliff.read_text(encoding="utf-8") == edited


# ---------------------------------------------------------------------------- 5. input with no Chinese


def test_text_with_no_chinese_says_so(tiny_model: Path) -> None:
    r = _zhen("translate", "--text", "Hello world.", "--model", str(tiny_model), "--beams", "1")
    assert r.exit_code == 1
    assert r.stdout == ""  # not an empty line
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "no Chinese" in lines[0], r.stderr


def test_an_english_file_in_a_folder_fails_alone(tmp_path: Path, tiny_model: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _release(folder)
    (folder / "notes.md").write_text("# Notes\n\nCheck the figures before Friday.\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _zhen("translate", str(folder), "-o", str(out), "--model", str(tiny_model), "--beams", "1")
    assert r.exit_code == 1
    about = [x for x in r.output.splitlines() if "notes.md" in x]
    assert len(about) == 1 and "no Chinese" in about[0] and about[0].startswith("error:"), r.output
    assert (out / "summer.jsonl").exists() and not list(out.glob("notes*"))


# ---------------------------------------------------------------------------- 8. a renamed reviewed file


@pytest.fixture
def translated(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    report = run_translate([str(_release(tmp_path))], out, TranslateOptions(formats=("jsonl", "xliff", "tmx"),
                                                                            cache=False), translator=FakeTranslator())
    assert not report.failed
    return out


@pytest.mark.parametrize("fmt", ["xliff", "tmx"])
def test_a_renamed_reviewed_file_merges_by_its_content(translated: Path, fmt: str) -> None:
    old = _records(translated / "summer.jsonl")["s2"]["target"]
    new = "On June 1, 2024, the Ministry held a video conference."
    tag = "</target>" if fmt == "xliff" else "</seg>"
    reviewed = translated / f"reviewed.{fmt}"
    reviewed.write_text(_edit((translated / f"summer.{fmt}").read_text(encoding="utf-8"), escape(old) + tag, new + tag),
                        encoding="utf-8")
    r = _zhen("merge", str(reviewed))
    assert r.exit_code == 0, r.output
    assert "1 segment(s) changed (s2)" in r.output
    assert _records(translated / "summer.jsonl")["s2"]["target"] == new


def test_a_reviewed_file_away_from_its_release_names_the_option(translated: Path, tmp_path: Path) -> None:
    away = tmp_path / "downloads"
    away.mkdir()
    shutil.copy(translated / "summer.xliff", away / "checked.xliff")
    r = _zhen("merge", str(away / "checked.xliff"))
    assert r.exit_code == 2
    assert len(r.output.strip().splitlines()) == 1
    assert "summer.jsonl" in r.output and "--out-dir" in r.output and "checked.jsonl" not in r.output
    r = _zhen("merge", str(away / "checked.xliff"), "-o", str(translated))
    assert r.exit_code == 0, r.output


# ---------------------------------------------------------------------------- 11. the formats a run writes


def test_the_default_formats_include_the_review_page_and_the_xliff(tmp_path: Path, tiny_model: Path) -> None:
    src = _release(tmp_path)
    r = _zhen("translate", str(src), "-o", str(tmp_path / "out"), "--model", str(tiny_model), "--beams", "1")
    assert r.exit_code == 0, r.output
    assert {"summer.jsonl", "summer.html", "summer.xliff"} <= {p.name for p in (tmp_path / "out").iterdir()}


def test_formats_all_and_the_jsonl_always(tmp_path: Path, tiny_model: Path) -> None:
    src = _release(tmp_path)
    r = _zhen("translate", str(src), "-o", str(tmp_path / "all"), "--model", str(tiny_model), "--beams", "1",
              "--formats", "all")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == sorted(f"summer{f.suffix}" for f in FORMATS.values())
    r = _zhen("translate", str(src), "-o", str(tmp_path / "html"), "--model", str(tiny_model), "--beams", "1",
              "--formats", "html")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == ["summer.html", "summer.jsonl"]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    return [line.split("#")[0].strip() for b in blocks for line in b.splitlines() if "zhen " in line]


def test_the_readme_quick_start_writes_what_a_reviewer_needs_and_merges_back(
        tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first command, as written, from a fresh clone (the stand-in model imported
    under the real model's id), then the README's command that merges a renamed reviewed XLIFF."""
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "hf-empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert _zhen("models", "import", str(tiny_model), "--id", "Helsinki-NLP/opus-mt-zh-en").exit_code == 0
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "samples", clone / "samples")
    monkeypatch.chdir(clone)
    first = _readme_commands()[0]
    assert first.startswith("bash setup.sh && .venv/bin/zhen translate ")
    args = shlex.split(first.split("&&", 1)[1])[1:]
    r = _zhen(*args)
    assert r.exit_code == 0, r.output
    name = SAMPLE.stem
    out = clone / "out"
    assert (out / f"{name}.html").exists() and (out / f"{name}.xliff").exists()
    merge = next(c for c in _readme_commands() if re.search(r"zhen merge out/\S+\.xliff", c)
                 and f"{name}.xliff" not in c)
    reviewed = clone / re.search(r"out/\S+\.xliff", merge).group(0)  # type: ignore[union-attr]
    recs = _records(out / f"{name}.jsonl")
    seg = next(r for r in recs.values() if r["target"] and "<" not in r["target"] and "&" not in r["target"])
    xliff = (out / f"{name}.xliff").read_text(encoding="utf-8")
    reviewed.write_text(_edit(xliff, f">{seg['target']}</target>", ">A reviewed line.</target>"),
                        encoding="utf-8")
    r = _zhen(*shlex.split(merge)[1:])
    assert r.exit_code == 0, r.output
    assert _records(out / f"{name}.jsonl")[seg["id"]]["target"] == "A reviewed line."


def test_the_library_default_is_the_format_tables() -> None:
    from pipeline.write import DEFAULT_FORMATS, parse_formats

    assert TranslateOptions().formats == DEFAULT_FORMATS and {"html", "xliff", "jsonl"} <= set(DEFAULT_FORMATS)
    assert parse_formats("html") == ["jsonl", "html"] and parse_formats("all") == list(FORMATS)
