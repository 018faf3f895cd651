"""Human translations into the memory: zhen tm import, search, export; later runs keep them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.records import TranslateOptions
from pipeline.run import run_translate

HUMAN = "The Ministry of Public Security held a press conference on the Cloud Sword operation."


def test_imported_pairs_come_back_on_every_later_run(tmp_path: Path) -> None:
    pairs = tmp_path / "aligned.tsv"
    pairs.write_text("zh\ten\tscore\tstatus\n"
                     "公安部召开新闻发布会，通报“云剑”行动工作情况。\t" + HUMAN + "\t0.9\tok\n"
                     "警方抓获犯罪嫌疑人。\tPolice caught the suspects.\t0.1\tlow\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["tm", "import", str(pairs)])
    assert r.exit_code == 0, r.output
    assert "1 pair stored as human translations, 1 left out" in r.output
    # The release is written in traditional script: the memory keys on the normalized Chinese.
    src = tmp_path / "r.txt"
    src.write_text("公安部召開新聞發布會，通報“雲劍”行動工作情況。\n警方抓獲犯罪嫌疑人。\n", encoding="utf-8")
    tr = FakeTranslator()
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off"), translator=tr)
    recs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert recs[0]["target"] == HUMAN and "reviewed" in recs[0]["flags"]
    assert recs[1]["target"].startswith("EN<")  # the low link was not imported: the model's English


def test_search_finds_a_phrase_in_either_language_and_export_round_trips(tmp_path: Path) -> None:
    tmx = tmp_path / "old.tmx"
    tmx.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="zh-CN"/><body>'
                   '<tu><tuv xml:lang="zh-CN"><seg>共破获电信网络诈骗案件9.4万起。</seg></tuv>'
                   '<tuv xml:lang="en-US"><seg>94,000 cases of telecom fraud were solved.</seg></tuv></tu>'
                   '<tu><tuv xml:lang="zh"><seg>云剑行动成效显著。</seg></tuv>'
                   '<tuv xml:lang="en"><seg>The Cloud Sword operation achieved marked results.</seg></tuv></tu>'
                   '<tu><tuv xml:lang="fr"><seg>ignoré</seg></tuv></tu>'
                   '</body></tmx>\n', encoding="utf-8")
    assert CliRunner().invoke(main, ["tm", "import", str(tmx)]).exit_code == 0
    by_zh = CliRunner().invoke(main, ["tm", "search", "电信网络诈骗", "--format", "json"])
    assert [json.loads(x)["en"] for x in by_zh.output.splitlines()] == ["94,000 cases of telecom fraud were solved."]
    by_en = CliRunner().invoke(main, ["tm", "search", "Cloud Sword"])
    assert by_en.output.startswith("云剑行动成效显著。\tThe Cloud Sword operation")
    two_chars = CliRunner().invoke(main, ["tm", "search", "云剑"])  # under 3 characters: scanned, still found
    assert "Cloud Sword" in two_chars.output
    nothing = CliRunner().invoke(main, ["tm", "search", "扫黑除恶"])
    assert nothing.exit_code == 0 and "no human translation holds" in nothing.output
    out = tmp_path / "all.tmx"
    assert CliRunner().invoke(main, ["tm", "export", "--format", "tmx", "-o", str(out)]).exit_code == 0
    from pipeline.write.tmx import read_tmx_pairs

    assert sorted(read_tmx_pairs(out)) == sorted(read_tmx_pairs(tmx))


def test_import_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "x.tmx"
    bad.write_text("<tmx><body><tu>", encoding="utf-8")
    r = CliRunner().invoke(main, ["tm", "import", str(bad)])
    assert r.exit_code == 2 and "not a readable TMX file" in r.output and "Traceback" not in r.output
    tsv = tmp_path / "x.tsv"
    tsv.write_text("just some text\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["tm", "import", str(tsv)])
    assert r.exit_code == 1 and "expected aligned pairs" in r.output


def test_similar_sentences_are_offered_not_applied(tmp_path: Path) -> None:
    """A human translation of a sentence one figure away: offered in the JSONL, as an XLIFF
    <alt-trans> with its match quality and on the review page; the English stays the model's,
    and the XLIFF still merges back."""
    pairs = tmp_path / "aligned.tsv"
    pairs.write_text("zh\ten\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\t"
                     "As of November 2019, 94,000 telecom fraud cases had been solved.\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["tm", "import", str(pairs)]).exit_code == 0
    src = tmp_path / "r.txt"
    src.write_text("截至2019年12月，共破获电信网络诈骗案件9.5万起。\n警方抓获犯罪嫌疑人。\n", encoding="utf-8")
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off", formats=("jsonl", "xliff", "html")),
                  translator=FakeTranslator())
    recs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    [match] = recs[0]["matches"]
    assert 0.8 <= match["similarity"] < 1 and match["target"].startswith("As of November 2019")
    assert recs[0]["target"].startswith("EN<") and "reviewed" not in recs[0]["flags"]  # offered, not applied
    assert "matches" not in recs[1]  # nothing like it remembered
    xliff = (tmp_path / "o" / "r.xliff").read_text(encoding="utf-8")
    assert f'match-quality="{round(match["similarity"] * 100)}%"' in xliff and "94,000 telecom fraud" in xliff
    assert "94,000 telecom fraud cases had been solved." in (tmp_path / "o" / "r.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["merge", str(tmp_path / "o" / "r.xliff")])
    assert r.exit_code == 0, r.output
