"""The glossary: matching (golden table), enforcement with a fake and a tiny model, and upkeep."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.glossary import (
    Glossary,
    GlossaryError,
    contains_term,
    glossary_paths,
    load_glossary,
    match,
    parse_tsv,
    pluralize,
    protect,
    restore,
)
from pipeline.records import Term, Translation
from pipeline.run import TranslateOptions, run_translate
from pipeline.segment import segment_text
from pipeline.termbase import edit_file, export_terms, import_terms, lint_files, whole_phrase

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "glossary" / "police.tsv"


@pytest.fixture(scope="module")
def base() -> Glossary:
    return load_glossary([str(BASE)])


MATCHES = [
    ("公安部召开新闻发布会", ["公安部", "新闻发布会"]),
    ("公安部门负责人介绍", []),  # 公安部 never inside 公安部门
    ("公安部刑事侦查局局长刘忠义", ["公安部", "刑事侦查局", "局长", "刘忠义"]),
    ("特别是“杀猪盘”网络交友", ["杀猪盘"]),
    ("民族资产解冻类诈骗犯罪反弹", ["民族资产解冻类诈骗"]),  # longest match first
    ("浙江省公安厅高度重视", ["浙江省公安厅"]),
    ("贷款诈骗、冒充客服人员诈骗及刷单类诈骗", ["冒充客服诈骗", "刷单类诈骗"]),  # a listed variant
    ("发布A级通缉令", ["A级通缉令"]),
    ("电信网络诈骗犯罪", ["电信网络诈骗"]),
    ("我国与菲律宾、柬埔寨、老挝", ["菲律宾", "柬埔寨", "老挝"]),
    ("全国打击治理电信网络新型违法犯罪工作部际联席会议", ["打击治理电信网络新型违法犯罪工作部际联席会议"]),
    ("召开部际联席会议", ["部际联席会议"]),
    ("", []),
]


@pytest.mark.parametrize(("norm", "expected"), MATCHES)
def test_matching_golden(base: Glossary, norm: str, expected: list[str]) -> None:
    assert [h.zh for h in match(norm, base)] == expected


def test_hits_carry_offsets(base: Glossary) -> None:
    norm = "公安部召开新闻发布会"
    for h in match(norm, base):
        assert norm[h.start : h.end] in (h.zh, *base.lookup(h.zh).variants)  # type: ignore[union-attr]


def test_traditional_script_matches_automatically(base: Glossary) -> None:
    seg = segment_text("公安部刑事偵查局局長劉忠義、副局長孫勁峰。").segments[0]
    assert [h.zh for h in match(seg.norm, base)] == ["公安部", "刑事侦查局", "局长", "刘忠义", "副局长", "孙劲峰"]


def test_protect_and_restore_roundtrip(base: Glossary) -> None:
    norm = "公安部查处诈骗窝点"
    hits = match(norm, base)
    assert protect(norm, hits) == "ZX1Q查处ZX2Q"
    assert restore("The ZX1Q destroyed ZX2Qs.", hits) == "The Ministry of Public Security destroyed fraud dens."
    assert restore("The ZX1Q destroyed.", hits) is None  # lost placeholder
    assert restore("ZX1Q ZX1Q ZX2Q", hits) is None  # doubled placeholder


def test_restore_handles_case_articles_and_spacing(base: Glossary) -> None:
    hits = match("杀猪盘菲律宾", base)
    assert restore("ZX1Qs rose in the ZX2Q.", hits) == "Pig-butchering scams rose in the Philippines."
    assert restore("a ZX1Q in zx 2q", hits) == "A pig-butchering scam in the Philippines"
    hits = match("在逃人员", base)
    assert restore("an ZX1Q", hits) == "A fugitive"


@pytest.mark.parametrize(("word", "plural"), [("fraud den", "fraud dens"), ("fugitive", "fugitives"),
                                              ("trap loan fraud", "trap loan frauds"), ("policy", "policies"),
                                              ("criminal gang", "criminal gangs"), ("box", "boxes")])
def test_pluralize(word: str, plural: str) -> None:
    assert pluralize(word) == plural


@pytest.mark.parametrize(("target", "en", "ok"), [
    ("Police destroyed many fraud dens.", "fraud den", True),
    ("THE MINISTRY OF PUBLIC SECURITY said", "Ministry of Public Security", True),
    ("The ministry said", "Ministry of Public Security", False),
    ("Pig-butchering scams rose", "pig-butchering scam", True),
    ("Police caught 243,000 fugitives.", "fugitive", True),
    ("criminal cases rose", "criminal case", True),
    ("The boxes of bank cards", "box", True),
    ("The fugitive fled", "fugitives", True),
    ("The minister said", "ministries", False),
    ("county public security bureaus said", "public security bureau", True),
    ("Police arrested them", "arrest", True),  # stems, not only plurals
])
def test_contains_term(target: str, en: str, ok: bool) -> None:
    assert contains_term(target, en) is ok


class DroppingTranslator(FakeTranslator):
    """Loses every placeholder, as a model might: protection must fail safe."""

    def translate(self, texts: Sequence[str], progress: Any = None) -> list[Translation]:
        self.calls.append(list(texts))
        return [Translation("The police acted.") for _ in texts]


def _segments(out: Path, stem: str) -> list[dict[str, Any]]:
    lines = (out / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines[1:]]


def test_enforce_with_fake_translator_records_every_term_in_sample(sample_path: Path, tmp_path: Path,
                                                                   base: Glossary) -> None:
    tr = FakeTranslator()
    report = run_translate([str(sample_path)], tmp_path, TranslateOptions(glossary=(str(BASE),)), translator=tr)
    segs = _segments(tmp_path, "cloud-sword-2019-12-25")
    hits = [h for s in segs for h in s["hits"]]
    # Every glossary form in the sample is hit, except those inside a longer glossary term.
    expected = {t.zh for s in segs for form, t in base.index.items() if form in s["norm"]}
    # (诈骗团伙 and 网络犯罪 sit inside 电信网络诈骗团伙 and 新型网络犯罪, matched longest first.)
    assert {h["zh"] for h in hits} == expected - {"公安厅", "河南省", "部际联席会议", "诈骗团伙", "网络犯罪"}
    assert len(hits) == 228
    assert all(h["status"] == "enforced" for h in hits)
    assert report.terms == {"found": 0, "enforced": 228, "missing": 0}
    s1 = next(s for s in segs if s["id"] == "s1")
    assert "Ministry of Public Security" in s1["target"] and "Cloud Sword" in s1["target"]
    assert "ZX" not in s1["target"]
    prov = json.loads((tmp_path / "cloud-sword-2019-12-25.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert prov["glossary_sha256"] == base.sha256 and prov["glossary_mode"] == "enforce"


def test_lost_placeholder_falls_back_and_flags_missing(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部捣毁诈骗窝点。\n今天天气很好。\n", encoding="utf-8")
    tr = DroppingTranslator()
    report = run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary=(str(BASE),)), translator=tr)
    segs = _segments(tmp_path / "o", "r")
    assert [h["status"] for h in segs[0]["hits"]] == ["missing", "missing", "missing"]
    assert "glossary-fallback" in segs[0]["flags"]
    assert segs[1]["hits"] == [] and "glossary-fallback" not in segs[1]["flags"]
    assert tr.calls[1] == ["公安部捣毁诈骗窝点。"]  # retried without placeholders
    assert report.terms["missing"] == 3


def test_check_mode_reports_present_and_missing(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部捣毁诈骗窝点。\n", encoding="utf-8")
    tr = FakeTranslator({"公安部捣毁诈骗窝点。": "The ministry destroyed fraud dens."})
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary=(str(BASE),), glossary_mode="check"),
                  translator=tr)
    seg = _segments(tmp_path / "o", "r")[0]
    assert {h["zh"]: h["status"] for h in seg["hits"]} == {"公安部": "missing", "捣毁": "found", "诈骗窝点": "found"}
    assert tr.calls == [["公安部捣毁诈骗窝点。"]]  # no placeholders in check mode


def test_off_mode_records_nothing(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部捣毁诈骗窝点。\n", encoding="utf-8")
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off"), translator=FakeTranslator())
    assert _segments(tmp_path / "o", "r")[0]["hits"] == []


def test_tiny_marian_through_real_path(tiny_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("记者:公安部召开新闻发布会。\n杀猪盘上升迅猛。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--model", str(tiny_model),
                                  "--glossary", str(BASE)])
    assert r.exit_code == 0, r.output
    segs = _segments(tmp_path / "o", "r")
    assert [h["zh"] for s in segs for h in s["hits"]] == ["公安部", "新闻发布会", "杀猪盘"]
    # Random weights cannot carry placeholders: every hit must end enforced or flagged, never silently lost.
    for s in segs:
        for h in s["hits"]:
            assert h["status"] in ("enforced", "missing")
            if h["status"] == "missing":
                assert "glossary-fallback" in s["flags"]
        assert "ZX" not in s["target"].upper().replace(" ", "") or "glossary-fallback" in s["flags"]
    assert "glossary: 3 terms found" in r.output


# ---------------------------------------------------------------------------- upkeep


def test_shipped_base_is_large_and_lints_clean() -> None:
    g = load_glossary([str(BASE)])
    assert len(g) >= 80
    assert {t.kind for t in g.terms} == {"term", "campaign", "org", "title", "person", "place"}
    r = CliRunner().invoke(main, ["glossary", "lint", "--glossary", str(BASE)])
    assert r.exit_code == 0, r.output
    assert "0 errors" in r.output


def test_lint_fails_on_planted_conflict(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text(BASE.read_text(encoding="utf-8") + "公安部\tPublic Security Ministry\torg\t\t\n"
                 "公安局 \tpublic security bureau\torg\t\t\n雲劍\tCloud Sword\tcampaign\t\t\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "lint", "--glossary", str(p)])
    assert r.exit_code == 1
    n = len(BASE.read_text(encoding="utf-8").splitlines())
    assert f"g.tsv:{n + 1}: error: 公安部 has two English renderings" in r.output
    assert f"g.tsv:{n + 2}: error: zh has leading or trailing spaces" in r.output
    assert f"g.tsv:{n + 3}: error: 雲劍 is in traditional script" in r.output


def test_malformed_glossary_is_refused_with_line(tmp_path: Path, sample_path: Path) -> None:
    p = tmp_path / "bad.tsv"
    p.write_text("zh\ten\tkind\tnote\n公安部\tMPS\torg\tx\n云剑\t\tcampaign\t\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad.tsv:3: empty zh or en"):
        load_glossary([str(p)])
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(tmp_path / "o"), "--glossary", str(p)])
    assert r.exit_code == 2 and "bad.tsv:3" in r.output and "Traceback" not in r.output
    p.write_text("zh\ten\n公安部\tMPS\tbogus\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad.tsv:2: 3 columns"):
        load_glossary([str(p)])


def test_later_files_override_earlier(tmp_path: Path) -> None:
    extra = tmp_path / "team.tsv"
    extra.write_text("zh\ten\tkind\n公安部\tMPS\torg\n", encoding="utf-8")
    g = load_glossary([str(BASE), str(extra)])
    assert g.lookup("公安部").en == "MPS"  # type: ignore[union-attr]
    assert len(g) == len(load_glossary([str(BASE)]))


def test_glossary_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZHEN_GLOSSARY", raising=False)
    assert [p.name for p in glossary_paths(cwd=tmp_path)] == ["police.tsv"]  # the packaged base
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "team.tsv").write_text("zh\ten\n云剑\tCloud Sword\n", encoding="utf-8")
    assert glossary_paths(cwd=tmp_path) == [tmp_path / "glossary" / "team.tsv"]
    monkeypatch.setenv("ZHEN_GLOSSARY", str(BASE))
    assert glossary_paths(cwd=tmp_path) == [BASE]
    assert glossary_paths([str(tmp_path / "glossary")], cwd=tmp_path) == [tmp_path / "glossary" / "team.tsv"]
    with pytest.raises(GlossaryError, match="no such glossary"):
        glossary_paths([str(tmp_path / "none.tsv")])


def test_add_remove_keep_header_comments_and_order(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text("# team terms\nzh\ten\tkind\tnote\tvariants\n云剑\tCloud Sword\tcampaign\t\t\n"
                 "# orgs come with a comment\n公安部\tMPS\torg\t\t\n", encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["glossary", "add", "串并案", "serial case merging", "--glossary", str(p)]).exit_code == 0
    assert run(main, ["glossary", "add", "刑侦", "criminal investigation", "--glossary", str(p)]).exit_code == 0
    assert run(main, ["glossary", "add", "党委", "Party committee", "--glossary", str(p)]).exit_code == 0
    assert run(main, ["glossary", "add", "云剑", "Cloud Sword", "--kind", "campaign", "--note", "MPS",
                      "--glossary", str(p)]).exit_code == 0
    lines = p.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "# team terms", "zh\ten\tkind\tnote\tvariants",
        "串并案\tserial case merging\tterm\t\t", "云剑\tCloud Sword\tcampaign\tMPS\t",
        "党委\tParty committee\tterm\t\t",  # before the comment that belongs to 公安部
        "# orgs come with a comment", "公安部\tMPS\torg\t\t", "刑侦\tcriminal investigation\tterm\t\t",
    ]
    r = run(main, ["glossary", "remove", "公安部", "--glossary", str(p)])
    assert r.exit_code == 0 and "公安部" not in p.read_text(encoding="utf-8")
    r = run(main, ["glossary", "remove", "不存在", "--glossary", str(p)])
    assert r.exit_code == 1
    r = run(main, ["glossary", "list", "--glossary", str(p), "--grep", "雲劍"])
    assert r.output == "云剑\tCloud Sword\tcampaign\n"


def test_edit_refuses_without_a_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["glossary", "add", "串并案", "serial case merging"])
    assert r.exit_code == 2 and "(--glossary)" in r.output


def _add_many(args: tuple[str, int]) -> None:
    path, k = args
    for i in range(10):
        edit_file(Path(path), add=[Term(f"测试{k}号{i}", f"test {k}-{i}")])


def test_concurrent_edits_lose_nothing(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text("zh\ten\tkind\tnote\tvariants\n", encoding="utf-8")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_add_many, [(str(p), k) for k in range(4)])
    assert len(parse_tsv(p.read_text(encoding="utf-8"), str(p))) == 40


def test_tbx_roundtrip_gives_same_term_base(tmp_path: Path) -> None:
    g = load_glossary([str(BASE)])
    tbx = tmp_path / "base.tbx"
    r = CliRunner().invoke(main, ["glossary", "export", "--glossary", str(BASE), "--format", "tbx", "-o", str(tbx)])
    assert r.exit_code == 0, r.output
    assert "urn:iso:std:iso:30042:ed-2" in tbx.read_text(encoding="utf-8")
    back = import_terms(tbx)
    key = lambda t: (t.zh, t.en, t.kind, t.note, t.variants, t.source, t.accepted)  # noqa: E731
    assert sorted(map(key, back)) == sorted(map(key, g.terms))
    # Importing it into an empty file rebuilds the same TSV.
    target = tmp_path / "new.tsv"
    r = CliRunner().invoke(main, ["glossary", "import", str(tbx), "--glossary", str(target)])
    assert r.exit_code == 0, r.output
    assert export_terms(load_glossary([str(target)]).terms, "tsv") == export_terms(g.terms, "tsv")


def test_tbx_v2_termentry_is_read(tmp_path: Path) -> None:
    p = tmp_path / "old.tbx"
    p.write_text('<?xml version="1.0"?><martif type="TBX-Basic"><text><body><termEntry id="1">'
                 '<langSet xml:lang="zh-CN"><tig><term>云剑</term></tig></langSet>'
                 '<langSet xml:lang="en-US"><tig><term>Cloud Sword</term></tig></langSet>'
                 "</termEntry></body></text></martif>", encoding="utf-8")
    assert [(t.zh, t.en) for t in import_terms(p)] == [("云剑", "Cloud Sword")]


def test_csv_export_import_and_conflicts(tmp_path: Path) -> None:
    csv_text = export_terms(load_glossary([str(BASE)]).terms, "csv")
    assert csv_text.splitlines()[0].count(",") == 1
    p = tmp_path / "deepl.csv"
    p.write_text("zh,en\n公安部,Public Security Ministry\n串并案,serial case merging\n", encoding="utf-8")
    target = tmp_path / "g.tsv"
    target.write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "import", str(p), "--glossary", str(target)])
    assert r.exit_code == 0
    assert "conflict: 公安部: keeping 'Ministry of Public Security'" in r.output
    assert "1 added, 0 changed, 1 conflicting" in r.output
    r = CliRunner().invoke(main, ["glossary", "import", str(p), "--glossary", str(target), "--overwrite"])
    assert "0 added, 1 changed, 0 conflicting" in r.output
    assert load_glossary([str(target)]).lookup("公安部").en == "Public Security Ministry"  # type: ignore[union-attr]


def test_suggest_proposes_quoted_terms_missing_from_glossary(tmp_path: Path, sample_path: Path) -> None:
    lean = tmp_path / "lean.tsv"
    lean.write_text("".join(ln for ln in BASE.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not ln.startswith(("云剑", "杀猪盘", "孙劲峰"))), encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "suggest", str(sample_path), "--glossary", str(lean),
                                  "--format", "json"])
    assert r.exit_code == 0, r.output
    found = {d["zh"]: d for d in map(json.loads, r.stdout.splitlines())}
    assert (found["云剑"]["why"], found["云剑"]["kind"], found["云剑"]["count"]) == ("quoted name", "campaign", 17)
    assert found["杀猪盘"]["why"] == "quoted name"
    assert found["孙劲峰"]["hint"] == "Sun Jinfeng" and found["孙劲峰"]["kind"] == "person"
    assert "公安部" not in found  # already in the glossary
    r = CliRunner().invoke(main, ["glossary", "suggest", str(sample_path), "--glossary", str(BASE)])
    assert "云剑\t" not in r.stdout


def test_check_output_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text(json.dumps({"type": "provenance"}) + "\n" +
                   json.dumps({"type": "segment", "id": "s1", "norm": "公安部捣毁诈骗窝点。",
                               "target": "The Ministry of Public Security destroyed dens."}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "check", str(out), "--glossary", str(BASE)])
    assert r.exit_code == 1
    assert "s1\t诈骗窝点\texpected 'fraud den'" in r.output


def test_pip_installed_users_get_the_term_base(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("zhen-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert "pipeline/glossary_data/police.tsv" in z.namelist()
        z.extractall(tmp_path / "site")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pipeline.glossary import load_glossary, "
            "packaged_glossary_dir; print(packaged_glossary_dir().name, len(load_glossary()))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")], cwd=tmp_path, capture_output=True,
                         text=True, check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.stdout.split() == ["glossary_data", str(len(load_glossary([str(BASE)])))]


# ---------------------------------------------------------------------------- sources (issue 16)


def test_source_column_is_optional() -> None:
    old = parse_tsv("zh\ten\tkind\tnote\tvariants\n云剑\tCloud Sword\tcampaign\t\t\n", "old.tsv")
    assert old[0].source == ""
    new = parse_tsv("zh\ten\tsource\n云剑\tCloud Sword\tXinhua 2019: \"Cloud Sword\"\n", "new.tsv")
    assert (new[0].en, new[0].kind, new[0].source) == ("Cloud Sword", "term", 'Xinhua 2019: "Cloud Sword"')


def test_add_with_source_widens_an_older_file_and_list_shows_it(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text("zh\ten\tkind\tnote\tvariants\n云剑\tCloud Sword\tcampaign\t\t\n", encoding="utf-8")
    run = CliRunner().invoke
    r = run(main, ["glossary", "add", "猎狐行动", "Operation Fox Hunt", "--kind", "campaign",
                   "--source", 'Xinhua 2023: "Fox Hunt"', "--glossary", str(p)])
    assert r.exit_code == 0, r.output
    assert p.read_text(encoding="utf-8").splitlines() == [
        "zh\ten\tkind\tnote\tvariants\tsource",
        "云剑\tCloud Sword\tcampaign\t\t",  # older rows stay as they were
        '猎狐行动\tOperation Fox Hunt\tcampaign\t\t\tXinhua 2023: "Fox Hunt"',
    ]
    r = run(main, ["glossary", "list", "--source", "--glossary", str(p)])
    assert r.output.splitlines() == ["云剑\tCloud Sword\tcampaign\t",
                                     '猎狐行动\tOperation Fox Hunt\tcampaign\tXinhua 2023: "Fox Hunt"']
    r = run(main, ["glossary", "list", "--glossary", str(p)])
    assert r.output.splitlines()[1] == "猎狐行动\tOperation Fox Hunt\tcampaign"
    # Changing the English keeps the source unless a new one is given.
    r = run(main, ["glossary", "add", "猎狐行动", "Fox Hunt", "--kind", "campaign", "--glossary", str(p)])
    assert r.exit_code == 0
    assert load_glossary([str(p)]).lookup("猎狐行动").source == 'Xinhua 2023: "Fox Hunt"'  # type: ignore[union-attr]


def test_add_source_refused_where_the_file_has_no_place_for_it(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text("zh\ten\n云剑\tCloud Sword\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["glossary", "add", "猎狐", "Fox Hunt", "--source", "Xinhua 2023",
                                  "--glossary", str(p)])
    assert r.exit_code == 2 and "cannot store" in r.output
    assert p.read_text(encoding="utf-8") == "zh\ten\n云剑\tCloud Sword\n"


def test_csv_with_source_roundtrips(tmp_path: Path) -> None:
    terms = load_glossary([str(BASE)]).terms
    text = export_terms(terms, "csv", source=True)
    assert text.splitlines()[0] == "zh,en,source"
    p = tmp_path / "full.csv"
    p.write_text(text, encoding="utf-8")
    back = {t.zh: t.source for t in import_terms(p)}
    assert back == {t.zh: t.source for t in terms}
    r = CliRunner().invoke(main, ["glossary", "export", "--glossary", str(BASE), "--format", "csv", "--source"])
    assert r.exit_code == 0 and r.output == text


def _lint(tmp_path: Path, body: str, header: str = "zh\ten\tkind\tnote\tvariants\tsource\n") -> list[str]:
    p = tmp_path / "g.tsv"
    p.write_text(header + body, encoding="utf-8")
    return [f"{f.level}: {f.message}" for f in lint_files([p])]


def test_lint_warns_on_missing_sources_and_contradicting_english(tmp_path: Path) -> None:
    url = "http://en.people.cn/n3/c90000-1.html"
    body = (
        "云剑\tCloud Sword\tcampaign\t\t\t\n"
        "在逃人员\tfugitive\tterm\t\t\tXinhua 2019: \"fugitives captured during the campaign\"\n"
        f"套路贷\ttaolu loan\tterm\t\t\tXinhua 2020-07-10, {url}: gangs involved in \"trap loan\" frauds\n"
        "技侦\ttechnical investigation\tterm\t\t\tconvention:\n"
        f"洗钱\tmoney laundering\tterm\t\t\tsomewhere, {url}: \"money laundering\"\n"
        f"追逃\tpursuit of fugitives\tterm\t\t\tXinhua 2019, {url}: \"The pursuit of the fugitives\"\n"
        "黑恶势力\tmafia-style organizations and other criminal gangs\tterm\t\t\t"
        f"China Daily 2020, {url}: \"mafia-style organizations\" and \"other gangs\"\n"
    )
    assert _lint(tmp_path, body) == [
        "warning: 云剑 has no source: name where 'Cloud Sword' comes from (publisher, year, URL) "
        "or 'convention: <rule>'",
        "warning: 在逃人员: the source gives no URL: cite the page ('Publisher date, URL: \"quoted English\"')",
        "warning: 套路贷: no quotation in its source holds 'taolu loan' as a whole phrase (it quotes 'trap loan')",
        "warning: 技侦: the convention does not state its rule",
        "warning: 洗钱: the source names no year: 'somewhere, http://en.people.cn/n3/c90000-1.html: "
        "\"money laundering\"'",
        # two quotations that each hold part of the English are not evidence for the whole
        "warning: 黑恶势力: no quotation in its source holds 'mafia-style organizations and other criminal gangs' as "
        "a whole phrase (it quotes 'mafia-style organizations', 'other gangs')",
    ]  # the plural and the articles agree: no warning for 追逃
    r = CliRunner().invoke(main, ["glossary", "lint", "--glossary", str(tmp_path / "g.tsv")])
    assert r.exit_code == 0 and "0 errors, 6 warnings" in r.output
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(tmp_path / "g.tsv")])
    assert r.exit_code == 1


def test_lint_warns_on_a_variant_rendered_two_ways(tmp_path: Path) -> None:
    body = ("刷单类诈骗\tbrushing scam\tterm\t\t刷单诈骗\tXinhua 2024, "
            "http://en.people.cn/n3/2024/0626/c90000-20185828.html: \"Brushing scams\"\n"
            "刷单诈骗\torder-brushing fraud\tterm\t\t\tconvention: literal\n")
    out = _lint(tmp_path, body)
    assert len(out) == 1 and out[0].startswith("warning: 刷单诈骗 is matched by 刷单诈骗 as 'order-brushing fraud'")
    assert "and by 刷单类诈骗" in out[0] and "Xinhua 2024" in out[0]


def test_lint_file_without_source_column_warns_once(tmp_path: Path) -> None:
    out = _lint(tmp_path, "云剑\tCloud Sword\tcampaign\n猎狐行动\tOperation Fox Hunt\tcampaign\n",
                header="zh\ten\tkind\n")
    assert out == ["warning: no source column: none of its 2 entries has a source"]


def test_lint_containment_follows_words_and_derived_forms(tmp_path: Path) -> None:
    body = ("人民警察\tpeople's police\tterm\t\t\tconvention: x\n"
            "公安部\tMinistry of Public Security\torg\t\t\tconvention: x\n"
            "公安部新闻发布会\tMPS press conference\tterm\t\t\tconvention: x\n"
            "公安部部长\tMinister of Public Security\ttitle\t\t\tconvention: x\n"
            "民警\tpolice officer\tterm\t\t\tconvention: x\n")
    assert _lint(tmp_path, body) == [
        "warning: 公安部新闻发布会 ('MPS press conference') contains 公安部 "
        "but not its English 'Ministry of Public Security'",
    ]  # Minister/Ministry is one word's forms; 民警 inside 人民警察 is not the word 民警


@pytest.mark.parametrize(("en", "phrase", "ok"), [
    ("criminal case", "criminal cases", True),
    ("fugitive", "fugitives captured during the campaign", True),
    ("pursuit of fugitives", "The pursuit of the fugitives", True),
    ("Commission for Political and Legal Affairs of the CPC Central Committee",
     "the Commission for Political and Legal Affairs of the Communist Party of China Central Committee", True),
    ("Superintendent, First Class", "(4) Superintendent: First Class, Second Class", True),
    # a quotation holding only part of the English is no evidence for it
    ("Operation Cloud Sword", "Cloud Sword", False),
    ("Criminal Investigation Bureau", "bureau", False),
    ("taolu loan", "trap loan", False),
    ("Police Superintendent, First Class", "Supervisor: First Class", False),
])
def test_whole_phrase(en: str, phrase: str, ok: bool) -> None:
    assert whole_phrase(en, phrase) is ok


def test_shipped_base_has_a_source_for_every_entry_and_lints_strict() -> None:
    g = load_glossary([str(BASE)])
    assert len(g) >= 140
    assert [t.zh for t in g.terms if not t.source] == []
    r = CliRunner().invoke(main, ["glossary", "lint", "--strict", "--glossary", str(BASE)])
    assert r.exit_code == 0, r.output
    assert "0 errors, 0 warnings" in r.output


RANKS = {
    "总警监": "Commissioner-General", "副总警监": "Deputy Commissioner-General",
    "一级警监": "Commissioner, First Class", "二级警监": "Commissioner, Second Class",
    "三级警监": "Commissioner, Third Class", "一级警督": "Supervisor, First Class",
    "二级警督": "Supervisor, Second Class", "三级警督": "Supervisor, Third Class",
    "一级警司": "Superintendent, First Class", "二级警司": "Superintendent, Second Class",
    "三级警司": "Superintendent, Third Class",
    "一级警员": "Constable, First Class", "二级警员": "Constable, Second Class",
}


def test_police_rank_ladder_follows_the_regulations(base: Glossary) -> None:
    for zh, en in RANKS.items():
        t = base.lookup(zh)
        assert t is not None and (t.en, t.kind) == (en, "title"), zh
        assert "Regulations" in t.source or "People's Daily" in t.source


@pytest.mark.parametrize(("zh", "en"), [
    ("A级通缉令", "class-A wanted list"),
    ("套路贷", "trap loan fraud"),
    ("民族资产解冻类诈骗", '"unfreezing national assets" fraud'),
    ("涉黑涉恶", "gang-related and organized crime"),
    ("黑恶势力", "mafia-style organizations and other criminal gangs"),
    ("实战大练兵", "real combat training for all police officers"),
    ("贾某", "a suspect surnamed Jia"),
    ("局长", "director"),
    ("刷单类诈骗", "brushing scam"),
    ("网安", "cybersecurity police"),
    ("所长", "chief"),
    ("政委", "political commissar"),
])
def test_issue_16_renderings(base: Glossary, zh: str, en: str) -> None:
    t = base.lookup(zh)
    assert t is not None and t.en == en


def test_director_general_rule_is_recorded(base: Glossary) -> None:
    assert "director general" in base.lookup("局长").note  # type: ignore[union-attr]
    assert "director general" in base.lookup("副局长").note  # type: ignore[union-attr]
