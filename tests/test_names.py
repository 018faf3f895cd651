"""Person names (pipeline.names): a golden table of release-style names, romanization by rule,
names kept through the placeholder path across a release, the inconsistent flag, zhen names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.checks.consistency import check_release
from pipeline.cli import main
from pipeline.names import find_names, romanize
from pipeline.normalize import to_norm
from pipeline.records import Name, Segment, TranslateOptions
from pipeline.run import run_translate
from pipeline.write.jsonl import load_document

# (sentence, [(zh as found, English or None, kind)]): composed in the style of police releases.
GOLDEN = [
    ("市公安局副局长王建军在发布会上介绍了案件情况。", [("王建军", "Wang Jianjun", "person")]),
    ("刑侦支队支队长欧阳明辉表示，专案组已抓获全部嫌疑人。", [("欧阳明辉", "Ouyang Minghui", "person")]),
    ("民警司马俊峰说，群众要提高警惕。", [("司马俊峰", "Sima Junfeng", "person")]),
    ("据派出所所长诸葛文静介绍，该案仍在侦办中。", [("诸葛文静", "Zhuge Wenjing", "person")]),
    ("记者上官雨婷报道。", [("上官雨婷", "Shangguan Yuting", "person")]),
    ("經偵總隊總隊長張偉明表示，涉案金額超過一億元。", [("张伟明", "Zhang Weiming", "person")]),
    ("局长刘忠义强调，要严厉打击电信诈骗。", [("刘忠义", "Liu Zhongyi", "person")]),
    ("公安部副部长许甘露出席会议。", [("许甘露", "Xu Ganlu", "person")]),
    ("犯罪嫌疑人李某被依法刑事拘留。", [("犯罪嫌疑人李某", "a suspect surnamed Li", "person")]),
    ("男子王某某酒后驾车被查获。", [("男子王某某", "a man surnamed Wang", "person")]),
    ("被害人张某甲报警称其被骗。", [("被害人张某甲", "a victim surnamed Zhang", "person")]),
    ("美国总统特朗普在白宫发表讲话。", [("特朗普", None, "foreign")]),
    ("英国王室成员梅根出席活动。", [("梅根", None, "foreign")]),
    ("台湾地区领导人蔡英文发表讲话。", [("蔡英文", None, "regional")]),  # Tsai Ing-wen: the glossary's
    ("澳门特区立法会议员陈明金说。", [("陈明金", None, "regional")]),
    ("丁俊晖在香港公开赛中获胜。", [("丁俊晖", "Ding Junhui", "person")]),  # Hong Kong named, not his title
    # The evidence of issue 27's recall round: an appointment before the name, a director's title,
    # an official's act after an adverb (汪洋 is also "vast ocean"), a surname jieba tagged alone
    # in a list, and a ? that stands for the · of a foreign name.
    ("经党委研究，任命赵克志为市公安局局长。", [("赵克志", "Zhao Kezhi", "person")]),
    ("纪录片导演邹燚透露，影片明年上映。", [("邹燚", "Zou Yi", "person")]),
    ("省公安厅汪洋将出席会议并讲话。", [("汪洋", "Wang Yang", "person")]),
    ("刑侦支队民警介绍，李作成、苗华等人参加了抓捕。", [("李作成", "Li Zuocheng", "person")]),
    ("发言人戴维？高乐说，双方将继续会谈。", [("戴维", None, "foreign"), ("高乐", None, "foreign")]),
    ("在此，谨祝你们新春快乐。", []),  # no given name has a pronoun in it
]


@pytest.mark.parametrize(("zh", "want"), GOLDEN, ids=[g[0][:8] for g in GOLDEN])
def test_golden_names(zh: str, want: list[tuple[str, str | None, str]]) -> None:
    assert [(n.zh, n.en, n.kind) for n in find_names(to_norm(zh))] == want


def test_romanization_by_rule() -> None:
    assert romanize("孙劲峰") == "Sun Jinfeng"
    assert romanize("孫勁峰") == "Sun Jinfeng"  # traditional script: the same
    assert romanize("吕建平") == "Lyu Jianping"
    assert romanize("单伟") == "Shan Wei"  # 单 as a surname
    assert romanize("欧阳文") == "Ouyang Wen"
    assert romanize("贾某") == "Jia"


def test_offsets_point_at_the_name() -> None:
    norm = to_norm("市公安局副局长王建军在发布会上介绍了案件情况。")
    (n,) = find_names(norm)
    assert norm[n.start : n.end] == n.zh


RELEASE = ("市公安局副局长王建军出席发布会。\n"
           "王建军介绍，专案组破获案件12起。\n"
           "王建军表示，将持续开展打击行动。\n")


def _empty_glossary(tmp_path: Path) -> str:
    g = tmp_path / "empty.tsv"
    g.write_text("zh\ten\tkind\tnote\n", encoding="utf-8")
    return str(g)


def test_a_name_in_three_sentences_has_one_rendering_in_every_output(tmp_path: Path) -> None:
    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    tr = FakeTranslator()
    out = tmp_path / "out"
    report = run_translate([str(src)], out, TranslateOptions(glossary=(_empty_glossary(tmp_path),), cache=False),
                           translator=tr)
    assert not report.failed
    sent = [t for call in tr.calls for t in call]
    assert all("王建军" not in t for t in sent)  # the model never saw the name, only its placeholder
    doc = load_document(out / "release.jsonl")
    assert len(doc.segments) == 3
    for seg in doc.segments:
        assert "Wang Jianjun" in (seg.target or "")
        assert [(n.zh, n.en, n.status) for n in seg.names] == [("王建军", "Wang Jianjun", "enforced")]
    from pipeline.write import output_paths

    for fmt, path in output_paths("release", out, ("md", "txt")).items():
        assert path.read_text(encoding="utf-8").count("Wang Jianjun") >= 3, fmt


# The protected inputs of RELEASE (an empty glossary: the name is the only term) and the English a
# model that copies placeholders, as opus-mt does, writes for them.
COPIED = [("市公安局副局长ZX1Q出席发布会。", "Deputy director ZX1Q attended the press conference."),
          ("ZX1Q介绍，专案组破获案件12起。", "ZX1Q said the task force solved 12 cases."),
          ("ZX1Q表示，将持续开展打击行动。", "ZX1Q said the crackdown will go on.")]


@pytest.fixture(scope="module")
def copying_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny Marian model that has learnt COPIED, and its CTranslate2 conversion (float32: int8
    would blur what so small a model has learnt)."""
    import os

    from tiny import build_trained_marian

    from pipeline.engines.store import convert

    folder = build_trained_marian(tmp_path_factory.mktemp("models") / "copying", COPIED)
    old = os.environ.get("ZHEN_HOME")
    os.environ["ZHEN_HOME"] = str(tmp_path_factory.mktemp("ct2-home"))
    try:
        ct2 = Path(convert(str(folder), quantization="float32").path)
    finally:
        if old is None:
            os.environ.pop("ZHEN_HOME", None)
        else:
            os.environ["ZHEN_HOME"] = old
    return {"torch": folder, "ctranslate2": ct2}


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_one_rendering_through_both_engines(engine: str, copying_models: dict[str, Path], tmp_path: Path) -> None:
    from pipeline.records import EngineOptions
    from pipeline.write import output_paths

    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    out = tmp_path / "out"
    opts = TranslateOptions(engine=EngineOptions(model=str(copying_models[engine]), engine=engine, offline=True),
                            glossary=(_empty_glossary(tmp_path),), cache=False)
    report = run_translate([str(src)], out, opts)
    assert not report.failed, report.failed
    doc = load_document(out / "release.jsonl")
    assert doc.provenance is not None and doc.provenance.engine == engine
    assert [s.target for s in doc.segments] == [en.replace("ZX1Q", "Wang Jianjun") for _, en in COPIED]
    assert all(n.status == "enforced" for s in doc.segments for n in s.names)
    for fmt, path in output_paths("release", out, ("md", "txt")).items():
        text = path.read_text(encoding="utf-8")
        assert text.count("Wang Jianjun") == 3 and "Wang Jian " not in text, fmt


def test_older_jsonl_without_names_still_loads(tmp_path: Path) -> None:
    seg = Segment(id="s1", block=0, kind="paragraph", start=0, end=3, text="王建军", norm="王建军", target="x")
    rec = {"type": "segment", **seg.to_dict()}
    assert "names" not in rec  # records without names read as before
    named = Segment(**{**seg.__dict__, "names": (Name("王建军", "Wang Jianjun", "person", 0, 3),)})
    prov = {"type": "provenance", "tool": "zhen", "version": "0", "model": None, "model_revision": None,
            "engine": None}
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in
                              (prov, rec, {"type": "segment", **{**named.to_dict(), "id": "s2"}})) + "\n",
                    encoding="utf-8")
    doc = load_document(path)
    assert doc.segments[0].names == ()
    assert doc.segments[1].names == named.names


def test_the_minority_rendering_is_flagged_inconsistent() -> None:
    name = Name("王建军", "Wang Jianjun", "person", 0, 3)
    pairs = [("s1", "王建军说", "Wang Jianjun said", [name]), ("s2", "王建军说", "Wang Jianjun said", [name]),
             ("s3", "王建军说", "Wang Jian said", [name])]
    flags = check_release(pairs)
    assert list(flags) == ["s3"]
    (f,) = flags["s3"]
    assert f.kind == "inconsistent" and "'Wang Jianjun'" in f.reason


def test_zhen_check_reports_an_inconsistent_release(tmp_path: Path) -> None:
    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    norms = [to_norm(x) for x in RELEASE.splitlines()]
    table = {norms[0]: "Deputy director Wang Jianjun attended the press conference.",
             norms[1]: "Wang Jianjun said the task force solved 12 cases.",
             norms[2]: "Wang Jian said the crackdown will go on."}
    out = tmp_path / "out"
    run_translate([str(src)], out, TranslateOptions(glossary=(_empty_glossary(tmp_path),), glossary_mode="check",
                                                     cache=False), translator=FakeTranslator(table))
    r = CliRunner().invoke(main, ["check", str(out / "release.jsonl"), "--format", "json", "--no-glossary"])
    recs = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    kinds = {rec["line"]: [f["kind"] for f in rec["flags"]] for rec in recs}
    assert sum("inconsistent" in k for k in kinds.values()) == 1
    assert r.exit_code == 1


def test_zhen_names_json_one_object_per_line(tmp_path: Path) -> None:
    f = tmp_path / "lines.txt"
    f.write_text("局长刘忠义强调，要严厉打击电信诈骗。\n\n美国总统特朗普发表讲话。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["names", "--zh", str(f), "--format", "json", "--glossary", _empty_glossary(tmp_path)])
    assert r.exit_code == 0, r.output
    recs = [json.loads(x) for x in r.output.splitlines()]
    assert [x["line"] for x in recs] == [1, 2, 3]
    assert recs[0]["names"] == [{"zh": "刘忠义", "en": "Liu Zhongyi", "kind": "person", "start": 2, "end": 5}]
    assert recs[1]["names"] == []
    assert recs[2]["names"][0]["kind"] == "foreign" and recs[2]["names"][0]["en"] is None


def test_zhen_names_text_shows_evidence_and_the_term_base_wins(tmp_path: Path) -> None:
    f = tmp_path / "release.txt"
    f.write_text(RELEASE, encoding="utf-8")
    g = tmp_path / "g.tsv"
    g.write_text("zh\ten\tkind\tnote\n王建军\tWang Jian-jun\tperson\t\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["names", str(f), "--glossary", str(g)])
    assert r.exit_code == 0, r.output
    rows = [x.split("\t") for x in r.output.splitlines()]
    assert len(rows) == 3 and all(row[2] == "Wang Jian-jun" and row[4] == "in the term base" for row in rows)
