"""Keeping the term base honest: the source allow-list and whole-phrase quotations, dated
renderings, `glossary diff`, fields that every write path escapes or refuses (#hashtags,
byte-order marks), and import and lint that stay linear in the size of the base."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.dated import date_in, release_day
from pipeline.glossary import GlossaryError, load_glossary, parse_earlier, parse_tsv, rendering_at
from pipeline.normalize import to_norm
from pipeline.records import Term
from pipeline.run import TranslateOptions, run_translate
from pipeline.segment import segment_text
from pipeline.server.jobs import JobStore
from pipeline.termbase import (
    ALLOWED_SOURCES,
    allowed_sources,
    diff_terms,
    edit_file,
    host_allowed,
    import_terms,
    lint_files,
)

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "glossary" / "police.tsv"
HEADER = "zh\ten\tkind\tnote\tvariants\tsource\tearlier\n"
SCIO = "http://english.scio.gov.cn/m/pressroom/2023-11/05/content_1.htm"


def _lint(tmp_path: Path, body: str) -> list[str]:
    p = tmp_path / "g.tsv"
    p.write_text(HEADER + body, encoding="utf-8")
    return [f"{f.level}: {f.message}" for f in lint_files([p])]


# ---------------------------------------------------------------------------- sources


def test_the_allow_list_is_a_data_file_the_lint_reads(tmp_path: Path) -> None:
    allowed = allowed_sources()
    assert {"scio.gov.cn", "gov.cn", "news.cn", "xinhuanet.com", "chinadaily.com.cn", "people.cn",
            "npc.gov.cn", "fmprc.gov.cn", "cgtn.com"} <= set(allowed)
    assert host_allowed("english.scio.gov.cn", allowed) and host_allowed("global.chinadaily.com.cn", allowed)
    for bad in ("www.syej.cn", "www.ming7.cn", "infosurhoy.com", "globalpost.com", "www.scmp.com",
                "www.uschina.org", "www.chinajusticeobserver.com", "en.pkulaw.cn", "pakistantimestoday.com",
                "chinadaily.com.cn.evil.example", "gov.cn.example.org"):
        assert not host_allowed(bad, allowed), bad
    # A team's own list beside its glossary is the one its lint reads.
    (tmp_path / ALLOWED_SOURCES).write_text("# ours\nexample.org\tOur newsroom\tstyle guide\n", encoding="utf-8")
    body = ("公安部\tMinistry of Public Security\torg\t\t\t"
            "MPS 2024, https://example.org/x: \"Ministry of Public Security\"\n")
    assert _lint(tmp_path, body) == []


def test_lint_strict_fails_on_a_source_outside_the_allow_list(tmp_path: Path) -> None:
    body = ("传销\tpyramid selling\tterm\t\t\tChina Daily 2018-05-15 (mirror), http://www.syej.cn/a/1.html: "
            "\"illegal fundraising, pyramid selling and underground banking\"\n"
            "断卡行动\tOperation Card-Breaking\tcampaign\t\t\tconvention: \"Operation <name>\" as in "
            "https://www.scmp.com/news/1\n")
    out = _lint(tmp_path, body)
    assert out == [
        "warning: 传销: the source cites www.syej.cn, which is not on the allow-list of publishers "
        "(allowed-sources.txt): cite an official or state-media English page, or make it a convention",
        "warning: 断卡行动: the source cites www.scmp.com, which is not on the allow-list of publishers "
        "(allowed-sources.txt): cite an official or state-media English page, or make it a convention",
    ]
    p = tmp_path / "g.tsv"
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(p)])
    assert r.exit_code == 1 and "www.syej.cn" in r.output and "0 errors, 0 warnings" not in r.output
    # The same entries from allowed hosts pass.
    p.write_text(p.read_text(encoding="utf-8").replace("http://www.syej.cn", "http://www.chinadaily.com.cn")
                 .replace("https://www.scmp.com", "http://en.people.cn"), encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(p)])
    assert r.exit_code == 0, r.output


def test_lint_strict_fails_on_a_quote_holding_only_part_of_the_english(tmp_path: Path) -> None:
    body = (f"云剑行动\tOperation Cloud Sword\tcampaign\t\t\tXinhua 2019, {SCIO}: the \"Cloud Sword\" operation\n"
            f"刑事侦查局\tCriminal Investigation Bureau\torg\t\t\tSCIO 2022, {SCIO}: \"bureau\"\n")
    out = _lint(tmp_path, body)
    assert out == [
        "warning: 云剑行动: no quotation in its source holds 'Operation Cloud Sword' as a whole phrase "
        "(it quotes 'Cloud Sword')",
        "warning: 刑事侦查局: no quotation in its source holds 'Criminal Investigation Bureau' as a whole phrase "
        "(it quotes 'bureau')",
    ]
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(tmp_path / "g.tsv")])
    assert r.exit_code == 1


def test_shipped_base_is_complete_official_and_passes_strict() -> None:
    g = load_glossary([str(BASE)])
    assert len(g) >= 250
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(BASE)])
    assert r.exit_code == 0, r.output
    assert "0 errors, 0 warnings" in r.output
    text = BASE.read_text(encoding="utf-8")
    for gone in ("syej.cn", "ming7.cn", "infosurhoy", "globalpost", "scmp.com", "uschina.org",
                 "chinajusticeobserver", "outlooknewera", "pakistantimestoday", "pkulaw", "chinadigitaltimes"):
        assert gone not in text, gone
    # Every source that is not a stated convention cites a page and quotes it.
    assert all(("http" in t.source and '"' in t.source) or "“" in t.source
               for t in g.terms if not t.source.startswith("convention:"))


COMMON = {  # issue 28's list of terms every release uses, with the official English
    "出入境管理局": "exit and entry administration bureau", "禁毒局": "Narcotics Control Bureau",
    "辅警": "auxiliary police officer", "交警": "traffic police", "特警": "special police",
    "治安拘留": "administrative detention", "行政拘留": "administrative detention",
    "立案侦查": "file a case for investigation", "取保候审": "release on bail or a guarantor",
    "批准逮捕": "approve the arrest", "提起公诉": "initiate public prosecution",
    "命案积案": "longstanding homicide case", "红色通缉令": "red notice",
    "反有组织犯罪法": "Anti-Organized Crime Law", "总体国家安全观": "holistic approach to national security",
    "平安中国": "Peaceful China", "治安管理局": "Bureau of Public Security Management",
    "交通管理局": "Bureau of Traffic Management",
}


@pytest.mark.parametrize(("zh", "en"), sorted(COMMON.items()))
def test_common_terms_have_their_official_english(zh: str, en: str) -> None:
    t = load_glossary([str(BASE)]).lookup(zh)
    assert t is not None and t.en == en, (zh, t)


# ---------------------------------------------------------------------------- dated renderings

DATED = (HEADER + "治安管理局\tBureau of Public Security Management\torg\t\t\t"
         f"SCIO 2023-10-24, {SCIO}: \"Bureau of Public Security Management of the MPS\"; SCIO 2022-07-25, {SCIO}: "
         "\"Public Order Bureau of the MPS\"\tuntil 2023-10-24: Public Order Bureau\n")


def test_earlier_renderings_parse_lint_and_refuse_bad_dates(tmp_path: Path) -> None:
    t = parse_tsv(DATED, "g.tsv")[0]
    assert t.earlier == (("2023-10-24", "Public Order Bureau"),)
    import datetime as dt

    assert rendering_at(t, dt.date(2022, 7, 25))[0] == "Public Order Bureau"
    assert rendering_at(t, dt.date(2023, 10, 24))[0] == "Bureau of Public Security Management"
    with pytest.raises(ValueError, match="oldest first"):
        parse_earlier("until 2024-01-01: B|until 2023-01-01: A")
    with pytest.raises(ValueError, match="not a date"):
        parse_earlier("until 2023-02-30: A")
    p = tmp_path / "g.tsv"
    p.write_text(DATED, encoding="utf-8")
    assert lint_files([p]) == []
    # an earlier rendering is evidence-checked like `en`
    p.write_text(DATED.replace("Public Order Bureau of the MPS", "Public Security Bureau"), encoding="utf-8")
    assert [f.message for f in lint_files([p])] == [
        "治安管理局: no quotation in its source holds 'Public Order Bureau' as a whole phrase (it quotes "
        "'Bureau of Public Security Management of the MPS', 'Public Security Bureau')"]


def _release(path: Path, dateline: str) -> Path:
    path.write_text(f"公安部治安管理局召开会议\n{dateline}\n公安部治安管理局部署夏季治安打击整治工作。\n",
                    encoding="utf-8")
    return path


def test_release_date_comes_from_its_date_line(tmp_path: Path) -> None:
    doc = segment_text(_release(tmp_path / "a.txt", "发布时间：2022-07-25 10:00 来源：公安部").read_text("utf-8"))
    assert release_day(doc)[0].isoformat() == "2022-07-25"
    doc = segment_text("公安部治安管理局部署工作。\n")
    assert release_day(doc, as_of="2021-03-01") == (release_day(doc, "2021-03-01")[0], "the as-of date given")
    assert date_in("2024年8月27日 来源：公安部").isoformat() == "2024-08-27"  # type: ignore[union-attr]
    assert date_in("第2023-99-99号") is None


def test_each_release_gets_the_rendering_in_force_on_its_date(tmp_path: Path) -> None:
    g = tmp_path / "g.tsv"
    g.write_text(DATED, encoding="utf-8")
    old = _release(tmp_path / "old.txt", "发布时间：2022-07-25 10:00 来源：公安部")
    new = _release(tmp_path / "new.txt", "2024年8月27日 来源：公安部")
    out = tmp_path / "out"
    run_translate([str(old), str(new)], out, TranslateOptions(glossary=(str(g),), formats=("jsonl", "md", "xliff")),
                  translator=FakeTranslator())

    def body(stem: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (out / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()[1:]]

    old_hits = [h for s in body("old") for h in s["hits"]]
    new_hits = [h for s in body("new") for h in s["hits"]]
    assert {h["en"] for h in old_hits} == {"Public Order Bureau"}
    assert {h["en"] for h in new_hits} == {"Bureau of Public Security Management"}
    assert all("Public Order Bureau" in s["target"] for s in body("old") if s["hits"])
    assert "the rendering in force on 2022-07-25 (until 2023-10-24)" in old_hits[0]["dated"]
    assert "date line" in old_hits[0]["dated"]
    # The review notes say which rendering applied.
    md = (out / "old.md").read_text(encoding="utf-8")
    assert "is rendered “Public Order Bureau”, the rendering in force on 2022-07-25" in md
    xliff = (out / "new.xliff").read_text(encoding="utf-8")
    assert "the rendering in force on 2024-08-27 (since 2023-10-24)" in xliff
    assert "“Public Order Bureau”" in xliff


def test_as_of_dates_releases_without_a_date_line(tmp_path: Path) -> None:
    g = tmp_path / "g.tsv"
    g.write_text(DATED, encoding="utf-8")
    src = tmp_path / "r.txt"
    src.write_text("公安部治安管理局部署夏季治安打击整治工作。\n", encoding="utf-8")
    run_translate([str(src)], tmp_path / "a", TranslateOptions(glossary=(str(g),), as_of="2022-01-01"),
                  translator=FakeTranslator())
    run_translate([str(src)], tmp_path / "b", TranslateOptions(glossary=(str(g),)), translator=FakeTranslator())
    hit_a = json.loads((tmp_path / "a" / "r.jsonl").read_text("utf-8").splitlines()[1])["hits"][0]
    hit_b = json.loads((tmp_path / "b" / "r.jsonl").read_text("utf-8").splitlines()[1])["hits"][0]
    assert (hit_a["en"], hit_b["en"]) == ("Public Order Bureau", "Bureau of Public Security Management")
    assert "the as-of date given" in hit_a["dated"] and "today" in hit_b["dated"]
    bad = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "c"), "--as-of", "2022-13-01"])
    assert bad.exit_code == 2 and "--as-of" in bad.output


# ---------------------------------------------------------------------------- diff


def test_glossary_diff_shows_added_removed_and_rerendered(tmp_path: Path) -> None:
    old, new = tmp_path / "old.tsv", tmp_path / "new.tsv"
    old.write_text(HEADER + "交通管理局\tTraffic Management Bureau\torg\t\t\tconvention: x\t\n"
                   "公安部\tMinistry of Public Security\torg\t\t\tconvention: x\t\n"
                   "技侦\ttechnical investigation\tterm\t\t\tconvention: x\t\n", encoding="utf-8")
    new.write_text(HEADER + "交通管理局\tBureau of Traffic Management\torg\t\t\tconvention: x\t"
                   "until 2024-08-27: Traffic Management Bureau\n"
                   "公安部\tMinistry of Public Security\torg\tMPS\t\tconvention: x\t\n"
                   "辅警\tauxiliary police officer\tterm\t\t\tconvention: x\t\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "diff", str(old), str(new)])
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        "+ 辅警\tauxiliary police officer\tterm",
        "- 技侦\ttechnical investigation\tterm",
        "~ 交通管理局\tTraffic Management Bureau -> Bureau of Traffic Management "
        "(earlier: none -> until 2024-08-27: Traffic Management Bureau)",
        "* 公安部\tnote changed",
    ]
    assert "1 added, 1 removed, 1 re-rendered, 1 otherwise changed" in r.stderr
    j = json.loads(CliRunner().invoke(main, ["glossary", "diff", str(old), str(new), "--format", "json"]).stdout)
    assert [x["zh"] for x in j["added"]] == ["辅警"]
    assert j["rerendered"][0]["new"]["en"] == "Bureau of Traffic Management"
    same = CliRunner().invoke(main, ["glossary", "diff", str(old), str(old)])
    assert same.stdout == "" and "0 added, 0 removed, 0 re-rendered" in same.stderr
    assert not diff_terms(load_glossary([str(BASE)]).terms, load_glossary([str(BASE)]).terms)


# ---------------------------------------------------------------------------- hostile fields (issue 31: 6, 7)


def test_a_hashtag_term_is_escaped_not_written_as_a_comment(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text(HEADER, encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "add", "#净网2023#", "Clean Net 2023 (hashtag)", "--kind", "campaign",
                                  "--source", "convention: the hashtag's words", "--glossary", str(p)])
    assert r.exit_code == 0 and "added" in r.output
    assert "\\#净网2023#\tClean Net 2023 (hashtag)" in p.read_text(encoding="utf-8")
    assert load_glossary([str(p)]).lookup("#净网2023#").en == "Clean Net 2023 (hashtag)"  # type: ignore[union-attr]
    # Through import (TSV and CSV) and export too, and a term starting with a backslash survives.
    csv = tmp_path / "in.csv"
    csv.write_text("zh,en\n#扫黄打非#,anti-pornography hashtag\n\\反诈,anti-fraud backslash\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "import", str(csv), "--glossary", str(p)])
    assert r.exit_code == 0, r.output
    terms = {t.zh: t.en for t in parse_tsv(p.read_text(encoding="utf-8"), "g")}
    assert terms == {"#净网2023#": "Clean Net 2023 (hashtag)", "#扫黄打非#": "anti-pornography hashtag",
                     "\\反诈": "anti-fraud backslash"}
    exported = tmp_path / "out.tsv"
    assert CliRunner().invoke(main, ["glossary", "export", "--glossary", str(p), "-o", str(exported)]).exit_code == 0
    assert {t.zh for t in import_terms(exported)} == set(terms)
    assert [f for f in lint_files([p]) if f.level == "error"] == []
    # lint points at a row a writer from before this fix turned into a comment
    p.write_text(HEADER + "#净网2024#\tClean Net 2024\tcampaign\t\t\tconvention: x\t\n", encoding="utf-8")
    assert any("a comment holding a row" in f.message for f in lint_files([p]))


def test_a_term_with_a_byte_order_mark_is_refused_and_lint_finds_one_already_there(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text(HEADER, encoding="utf-8")
    before = p.read_bytes()
    r = CliRunner().invoke(main, ["glossary", "add", "\ufeff公安部", "Ministry of Public Security",
                                  "--glossary", str(p)])
    assert r.exit_code == 2 and "byte-order mark" in r.output
    tsv = tmp_path / "in.tsv"
    tsv.write_text(HEADER + "公安部\tMinistry of Public Security\torg\t\t\t\t\n公安\ufeff厅\tdepartment\torg\t\t\t\t\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "import", str(tsv), "--glossary", str(p)])
    assert r.exit_code == 2 and "byte-order mark" in r.output
    assert p.read_bytes() == before  # nothing written
    # At a cell's edge (where a BOM lands when files are concatenated) it is dropped on reading,
    # in every import format, and the term is stored without it.
    csv = tmp_path / "in.csv"
    csv.write_text("zh,en\n\ufeff派出所,police station\n", encoding="utf-8")
    tsv.write_text(HEADER + "\ufeff公安局\tpublic security bureau\torg\t\t\t\t\n", encoding="utf-8")
    for f in (csv, tsv):
        assert CliRunner().invoke(main, ["glossary", "import", str(f), "--glossary", str(p)]).exit_code == 0
    assert "\ufeff" not in p.read_text(encoding="utf-8")
    assert {t.zh for t in parse_tsv(p.read_text(encoding="utf-8"), "g")} == {"派出所", "公安局"}
    with pytest.raises(GlossaryError, match="invisible character"):
        edit_file(p, add=[Term("公安\u200b部", "Ministry of Public Security")])
    # A file that already holds one (an older zhen, a hand edit): lint reports it, and the term
    # is read without it, so it matches.
    p.write_text(HEADER + "\ufeff派出所\tpolice station\torg\t\t\tconvention: x\t\n", encoding="utf-8")
    errors = [f.message for f in lint_files([p]) if f.level == "error"]
    assert errors and "byte-order mark" in errors[0]
    assert load_glossary([str(p)]).lookup("派出所") is not None


# ---------------------------------------------------------------------------- linear (issue 31: 15)


def _lines_run(fn: Callable[[], object]) -> int:
    """Lines of pipeline.termbase, pipeline.glossary and the server's jobs module executed by fn:
    an operation count that grows with the work done, whatever the machine's speed."""
    wanted = {str(ROOT / "pipeline" / name) for name in ("termbase.py", "glossary.py", "server/jobs.py")}
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if frame.f_code.co_filename not in wanted:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def _rows(n: int, offset: int = 0) -> str:
    # Distinct Han terms with no term inside another (lint's containment check has nothing to say).
    han = [c for c in map(chr, range(0x4E00, 0x4E00 + 2000, 7)) if to_norm(c) == c]  # none folds into another
    out = []
    for i in range(offset, offset + n):
        a, b, c = han[i % len(han)], han[(i // len(han)) % len(han)], han[(i // len(han) ** 2) % len(han)]
        out.append(f"甲{a}{b}{c}乙\tterm {i}\tterm\t\t\tconvention: test\t\n")
    return "".join(sorted(out))


@pytest.mark.parametrize("what", ["import", "lint", "server import"])
def test_import_and_lint_work_in_proportion_to_the_rows(tmp_path: Path, what: str) -> None:
    def work(n: int) -> int:
        base = tmp_path / f"base{n}.tsv"
        base.write_text(HEADER + _rows(n), encoding="utf-8")
        if what == "lint":
            return _lines_run(lambda: lint_files([base], allowed={}))
        incoming = tmp_path / f"in{n}.tsv"
        incoming.write_text(HEADER + _rows(n, offset=n), encoding="utf-8")
        if what == "server import":  # POST /api/glossary/import: each row checked on its own
            store = JobStore(tmp_path / f"data{n}", FakeTranslator(), glossary_file=base)  # type: ignore[arg-type]
            data = incoming.read_bytes()
            return _lines_run(lambda: store.import_glossary(data, "in.tsv"))
        terms = import_terms(incoming)
        return _lines_run(lambda: edit_file(base, add=terms))

    small, large = work(300), work(1200)
    # Four times the rows: about four times the lines run when linear, sixteen when quadratic
    # (main's code: x15 for import, x15 for lint).
    assert large / small < 5.5, (small, large)
