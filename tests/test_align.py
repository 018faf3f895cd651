"""zhen align: the aligner on WMT18-built documents (the issue's target), on a release pair made
by hand, its output formats, and the command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from align_eval import build_documents, load_pairs, run, score, split
from align_para_eval import build_archive, cross_validate, grid, prepare, unit_counts
from click.testing import CliRunner
from shared_data import WMT18

from pipeline.cli import main
from pipeline.corpus.align import (
    DEFAULT_PARAGRAPH_PARAMS,
    align_sentences,
    en_features,
    length_cost,
    similarity,
    split_english_paragraphs,
    split_english_sentences,
    zh_features,
)
from pipeline.records import AlignedPair
from pipeline.write.aligned import parse_pairs, render

ROOT = Path(__file__).resolve().parents[1]
WMT = WMT18
needs_wmt = pytest.mark.needs_shared(WMT)

ZH = """“云剑”行动取得显著成效

2019年12月25日，公安部召开新闻发布会，通报全国公安机关开展“云剑”行动工作情况。公安部新闻发言人郭林主持发布会。
6个多月以来，全国公安机关共破获各类刑事案件9.4万起，抓获犯罪嫌疑人12.6万名。
其中，抓获在逃人员3.1万名。
记者：请介绍一下国际执法合作的情况。
孙劲峰：公安部加强国际执法合作，从多个国家押解回国犯罪嫌疑人。
"""

# The English leaves out the sentence about fugitives, joins the second paragraph's sentences
# into one paragraph with the third, and writes the speaker labels.
EN = """"Cloud Sword" operation achieves notable results

On December 25, 2019, the Ministry of Public Security held a press conference on the work of public security \
organs across the country in the "Cloud Sword" operation. Guo Lin, spokesman of the Ministry of Public Security, \
chaired the conference. Over more than six months, public security organs across the country solved 94,000 \
criminal cases of all kinds and arrested 126,000 suspects.
Reporter: Please tell us about international law enforcement cooperation.
Sun Jinfeng: The Ministry of Public Security strengthened international law enforcement cooperation and escorted \
suspects back to China from several countries.
"""


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    zh, en = tmp_path / "release.txt", tmp_path / "release.en.txt"
    zh.write_text(ZH, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    return zh, en


# ---------------------------------------------------------------------------- the benchmark


@needs_wmt
def test_benchmark_documents_are_built_as_the_issue_says() -> None:
    pairs = split(load_pairs(WMT), "tune")
    docs = build_documents(pairs)
    sizes = [len(d.gold) + sum(len(zs) + len(es) == 3 for zs, es in d.gold) for d in docs]
    assert all(20 <= n <= 40 for n in sizes[:-1]) and sizes[-1] <= 40
    kinds: dict[str, int] = {}
    for d in docs:
        # every sentence in exactly one gold link, in order
        assert [z for zs, _ in d.gold for z in zs] == list(range(len(d.zh)))
        assert [e for _, es in d.gold for e in es] == list(range(len(d.en)))
        for zs, es in d.gold:
            kinds[f"{len(zs)}-{len(es)}"] = kinds.get(f"{len(zs)}-{len(es)}", 0) + 1
    source_pairs = sum(kinds.values()) + kinds.get("1-2", 0) + kinds.get("2-1", 0)
    assert source_pairs == len(pairs)
    merged = (kinds["1-2"] + kinds["2-1"]) * 2 / len(pairs)
    deleted = (kinds["1-0"] + kinds["0-1"]) / len(pairs)
    assert 0.07 < merged < 0.25 and 0.03 < deleted < 0.08, kinds
    assert set(kinds) == {"1-1", "1-2", "2-1", "1-0", "0-1"}


def test_scores_count_links_strictly_and_sentence_pairs_laxly() -> None:
    gold = [[((0,), (0,)), ((1, 2), (1,)), ((3,), ())]]
    pred = [[((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]]
    s = score(pred, gold)
    assert (s.precision, s.recall) == (0.5, 0.5)  # 0-0 right, 1-1 is not the gold 1+2 link
    assert (s.pair_precision, round(s.pair_recall, 4)) == (1.0, 0.6667)


@needs_wmt
def test_alignment_f1_on_held_out_wmt18_documents() -> None:
    """The issue's target (0.95), measured on the half of WMT18 that tuning never saw; the aligner
    reaches 0.98 there, so a change that loses a point fails."""
    docs = build_documents(split(load_pairs(WMT), "held"))
    s, _ = run(docs)
    assert s.f1 >= 0.97, s
    assert s.pair_f1 >= 0.98, s


@needs_wmt
def test_a_long_passage_missing_on_one_side_widens_the_band() -> None:
    """80 English sentences gone from the middle of 160: the path strays 25 sentences off the
    diagonal, beyond the first band of 20, and the links around the gap are still right."""
    pairs = split(load_pairs(WMT), "held")[:160]
    zh = [z for z, _ in pairs]
    en = [e for k, (_, e) in enumerate(pairs) if not 50 <= k < 130]
    gold = [((k,), (k if k < 50 else k - 80,)) for k in range(160) if not 50 <= k < 130]
    got = [(ln.zh, ln.en) for ln in align_sentences(zh, en) if ln.zh and ln.en]
    s = score([got], [gold])
    assert s.precision > 0.95 and s.recall > 0.95, s


@needs_wmt
def test_the_fast_similarity_is_the_plain_one() -> None:
    from pipeline.corpus.align import DEFAULT_PARAMS, _Scorer

    pairs = split(load_pairs(WMT), "tune")[:40]
    zf = [zh_features(z) for z, _ in pairs]
    ef = [en_features(e) for _, e in pairs]
    sc = _Scorer(zf, ef, DEFAULT_PARAMS)
    for i in range(1, 40):
        for j in range(max(1, i - 3), min(40, i + 3)):
            for di, dj in ((1, 1), (1, 2), (2, 1)):
                if i - di >= 0 and j - dj >= 0:
                    assert sc.sim(i - di, i, j - dj, j) == pytest.approx(similarity(zf[i - di:i], ef[j - dj:j]))


# ---------------------------------------------------------------------------- paragraphs first


@needs_wmt
def test_paragraph_anchored_link_f1_by_cross_validation() -> None:
    """The quality gate at a smaller size than bench/align_para_bench.py (whole WMT18: 0.957 pooled
    over 5 folds, flat aligner 0.880; here 0.956 and 0.880): the first 1,500 pairs built into
    published-looking documents (units of 1-3 sentences, paragraphs kept, 10% merges, 5%
    deletions), constants chosen between the defaults and another trust threshold on two folds
    and measured on the third, counted per unit."""
    preps = [prepare(d) for d in build_archive(load_pairs(WMT)[:1500])]
    folds, pooled, base = cross_validate(preps, [DEFAULT_PARAGRAPH_PARAMS, grid()[-1]], folds=3)
    assert len(folds) == 3 and sum(f.documents for f in folds) == len(preps) >= 25
    assert pooled[0] >= 0.95, (folds, pooled)
    assert pooled[0] >= base[0] + 0.06, (pooled, base)  # the flat aligner on the same documents


def test_per_unit_counting() -> None:
    from align_para_eval import Prepared

    from pipeline.corpus.align import Link

    # units: 0 = zh 0,1 / en 0; 1 = zh 2 / en 1,2; 2 = zh 3 only (deleted in the English)
    prep = Prepared([], [], [], [], zh_group=[0, 0, 1, 2], en_group=[0, 1, 1])
    right = [Link((0, 1), (0,)), Link((2,), (1, 2)), Link((3,), ())]
    assert unit_counts(right, prep) == (2, 2, 2)
    inner = [Link((0,), (0,)), Link((1,), (0,)), Link((2,), (1,)), Link((2,), (2,)), Link((3,), ())]
    assert unit_counts(inner, prep) == (2, 2, 2)  # links inside a unit add up to the unit's link
    partnerless = [Link((0,), (0,)), Link((1,), ()), Link((2,), (1, 2)), Link((3,), ())]
    assert unit_counts(partnerless, prep) == (1, 2, 2)  # a sentence of unit 0 left out
    glued = [Link((0, 1), (0,)), Link((2, 3), (1, 2))]
    assert unit_counts(glued, prep) == (1, 2, 2)  # the deleted sentence glued to unit 1


def test_paragraphs_that_do_not_correspond_fall_back_to_the_whole_document() -> None:
    from pipeline.corpus.align import align_features, align_paragraphs

    zh = [zh_features(z) for z in ("公安部召开新闻发布会。", "共破获刑事案件9.4万起。", "抓获犯罪嫌疑人12.6万名。")]
    en = [en_features(e) for e in ("The ministry held a press conference.", "94,000 criminal cases were solved.",
                                   "126,000 suspects were arrested.")]
    one = align_paragraphs(zh, [0, 1, 2], en, [0, 0, 0], DEFAULT_PARAGRAPH_PARAMS)
    assert one == align_features(zh, en, DEFAULT_PARAGRAPH_PARAMS.sentence)
    assert [(ln.zh, ln.en) for ln in one] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]


# ---------------------------------------------------------------------------- the evidence


def test_figures_dictionary_and_names_are_evidence() -> None:
    zh = zh_features("公安部副局长孙劲峰说，共抓获犯罪嫌疑人12.6万名。")
    right = en_features("Sun Jinfeng, deputy director, said 126,000 suspects were arrested.")
    wrong = en_features("The weather in the capital was mild on Tuesday afternoon.")
    assert similarity([zh], [right]) > 0.4 > 0.05 > similarity([zh], [wrong])
    assert "#126000" in right.stems and any("#126000" in c for c in zh.concepts)
    assert any("jinfe" in c for c in zh.concepts)  # a person's name through its pinyin


def test_length_cost_prefers_the_fitted_ratio() -> None:
    assert length_cost(30, 95) < length_cost(30, 60) < length_cost(30, 20)
    assert length_cost(30, 95) < length_cost(30, 150)


def test_merges_and_deletions() -> None:
    zh = ["公安部召开新闻发布会。", "会上通报了“云剑”行动的情况。", "6个多月以来共破获刑事案件9.4万起。",
          "天气很好。", "抓获犯罪嫌疑人12.6万名。"]
    en = ["The Ministry of Public Security held a press conference, where it reported on the Cloud Sword operation.",
          "In over six months, 94,000 criminal cases were solved.", "Police arrested 126,000 suspects."]
    links = [(ln.zh, ln.en) for ln in align_sentences(zh, en)]
    assert links == [((0, 1), (0,)), ((2,), (1,)), ((3,), ()), ((4,), (2,))]


def test_an_empty_side_leaves_every_sentence_unaligned() -> None:
    assert [(ln.zh, ln.en) for ln in align_sentences([], ["One.", "Two."])] == [((), (0,)), ((), (1,))]
    assert [(ln.zh, ln.en) for ln in align_sentences(["一。"], [])] == [((0,), ())]


def test_help_of_the_new_commands_loads_nothing_heavy() -> None:
    import subprocess

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from pipeline.cli import main\n"
        "for args in (['align', '--help'], ['glossary', 'mine', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "print(','.join(m for m in ('torch', 'jieba', 'pysbd', 'sacrebleu') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_quotations_that_end_and_open_sentences_are_two_sentences() -> None:
    """pysbd keeps `...tolerate." "An invite...` together; one English sentence would then pull its
    neighbour's Chinese sentence into the wrong link."""
    text = ('Police said: "We will not tolerate." "An invite went out," she added. '
            "He said \u201cNo.\u201d \u201cYes.\u201d")
    assert split_english_sentences(text) == ['Police said: "We will not tolerate."', '"An invite went out," she added.',
                                             "He said \u201cNo.\u201d", "\u201cYes.\u201d"]
    # a quote mark alone is no sentence: it goes with the next one (the last one at a line's end)
    assert split_english_paragraphs('It ended." " She left.\nHe said so. "') == [
        ["It ended.", '" "She left.'], ['He said so."']]


def test_english_sentences_come_from_pysbd_line_by_line() -> None:
    text = "Police Notice\nMr. Li arrived at 3 p.m. on Monday. He left at 5 p.m. The U.S. side agreed.\n\n"
    assert split_english_sentences(text) == [
        "Police Notice", "Mr. Li arrived at 3 p.m. on Monday.", "He left at 5 p.m.", "The U.S. side agreed."]
    assert split_english_sentences("# Title\n- One item.", markdown=True) == ["Title", "One item."]


# ---------------------------------------------------------------------------- the command


GOLDEN = [  # zh_ids, en_ids, status
    (["s1"], ["e1"], "ok"), (["s2"], ["e2"], "ok"), (["s3"], ["e3"], "ok"), (["s4"], ["e4"], "ok"),
    (["s5"], [], "unaligned"), (["s6"], ["e5"], "ok"), (["s7"], ["e6"], "ok"),
]


def test_align_command_jsonl_golden(pair: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "aligned.jsonl"
    r = CliRunner().invoke(main, ["align", str(pair[0]), str(pair[1]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(d["zh_ids"], d["en_ids"], d["status"]) for d in rows] == GOLDEN
    # the turn's label is off both sides (the segment leaves 记者： out; issue 26, item 1)
    assert rows[5]["en"].startswith("Please tell us")
    assert all(d["score"] > 0.5 for d in rows if d["status"] == "ok")
    assert "7 pairs (1-0: 1, 1-1: 6); 6 ok, 0 low, 1 unaligned" in r.stderr


def test_low_pairs_are_marked_not_dropped(pair: tuple[Path, Path]) -> None:
    r = CliRunner().invoke(main, ["align", str(pair[0]), str(pair[1]), "--min-score", "0.99"])
    assert r.exit_code == 0, r.output
    rows = parse_pairs(r.stdout, "stdout")
    assert len(rows) == 7 and {p.status for p in rows} == {"low", "unaligned"}


def test_pairs_list_and_a_failing_pair(pair: tuple[Path, Path], tmp_path: Path) -> None:
    lst = tmp_path / "list.tsv"
    lst.write_text(f"zh\ten\n{pair[0].name}\t{pair[1].name}\n# a comment\nmissing.txt\t{pair[1].name}\n",
                   encoding="utf-8")
    out = tmp_path / "all.tsv"
    r = CliRunner().invoke(main, ["align", "--pairs", str(lst), "-o", str(out)])
    assert r.exit_code == 1
    assert "missing.txt" in r.stderr and len(r.stderr.splitlines()) == 2
    assert len(parse_pairs(out.read_text(encoding="utf-8"), "all.tsv")) == 7


def test_usage_errors(pair: tuple[Path, Path]) -> None:
    r = CliRunner().invoke(main, ["align", str(pair[0])])
    assert r.exit_code == 2 and "EN_DOC" in r.output


def test_formats_round_trip_and_tmx_is_valid(tmp_path: Path) -> None:
    from lxml import etree

    pairs = [AlignedPair(("甲\t乙。",), ("A\tB.",), ("s1",), ("e1",), 0.8, "ok", "doc"),
             AlignedPair(("丙。",), (), ("s2",), (), 0.0, "unaligned", "doc"),
             AlignedPair(("丁。",), ("D.",), ("s3",), ("e2",), 0.2, "low", "doc")]
    for fmt in ("tsv", "jsonl"):
        back = parse_pairs(render(pairs, fmt), fmt)
        assert [(p.zh_text, p.en_text, p.status) for p in back] == [
            ("甲 乙。" if fmt == "tsv" else "甲\t乙。", "A B." if fmt == "tsv" else "A\tB.", "ok"),
            ("丙。", "", "unaligned"), ("丁。", "D.", "low")]
    tree = etree.fromstring(render(pairs, "tmx").encode())
    dtd = etree.DTD(str(ROOT / "tests" / "data" / "tmx14.dtd"))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    tus = tree.findall(".//tu")
    assert len(tus) == 2  # the unaligned sentence is no translation unit
    assert [tu.find("prop[@type='x-align-status']").text for tu in tus] == ["ok", "low"]


# ---------------------------------------------------------------------------- --model: chrF for hard cases


class _TableTranslator:
    """Machine English by table (the test's stand-in for a model); records what it was asked."""

    engine = "table"

    def __init__(self, table: dict[str, str]) -> None:
        from pipeline.records import ModelRef

        self.model = ModelRef(id="table", path=Path("."), revision="1", origin="folder")
        self.table = table
        self.calls: list[str] = []

    def settings(self) -> dict[str, object]:
        return {}

    def count_tokens(self, text: str) -> int:
        return len(text)

    def translate(self, texts: list[str], progress: object = None) -> list[object]:
        from pipeline.records import Translation

        self.calls.extend(texts)
        return [Translation(self.table.get(t, "")) for t in texts]


def test_model_realigns_only_the_unsure_stretch(tmp_path: Path) -> None:
    from pipeline.corpus.commands import run_align
    from pipeline.records import AlignOptions

    # Transliterated names and a verb in the past tense: no dictionary evidence at all.
    zh_text = ZH.replace("其中，抓获在逃人员3.1万名。\n", "其中，抓获在逃人员3.1万名。\n拉斯科纳会见了阿尔卡扎。\n")
    en_text = EN.replace("Reporter:", "Lascona met Alcazar.\nReporter:")
    zh, en = tmp_path / "r.txt", tmp_path / "r.en.txt"
    zh.write_text(zh_text, encoding="utf-8")
    en.write_text(en_text, encoding="utf-8")
    plain = run_align([(str(zh), str(en))], AlignOptions()).pairs
    hard = next(p for p in plain if "拉斯科纳会见了阿尔卡扎。" in p.zh)
    assert hard.status != "ok"
    tr = _TableTranslator({"拉斯科纳会见了阿尔卡扎。": "Lascona met Alcazar."})
    with_mt = run_align([(str(zh), str(en))], AlignOptions(), translator=tr).pairs  # type: ignore[arg-type]
    fixed = next(p for p in with_mt if "拉斯科纳会见了阿尔卡扎。" in p.zh)
    assert (fixed.en, fixed.status) == (("Lascona met Alcazar.",), "ok")
    assert "拉斯科纳会见了阿尔卡扎。" in tr.calls and len(tr.calls) < 5  # only the unsure stretch was translated
    assert [p.status for p in with_mt].count("ok") == len(with_mt) - 1  # the deleted sentence stays unaligned
