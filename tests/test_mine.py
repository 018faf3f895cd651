"""zhen glossary mine: term pairs from aligned sentence pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.corpus.mine import en_candidates, mine, zh_candidates
from pipeline.glossary import load_glossary, parse_tsv
from pipeline.records import AlignedPair
from pipeline.write.aligned import parse_pairs, render

WMT = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "wmt18-zh-en.tsv"

# 反诈中心 is always "anti-fraud center"; 公安部 and 电信网络诈骗 are in the glossary; 天气 is
# translated many ways.
PAIRS = [
    ("北京市反诈中心发布提示。", "The Beijing anti-fraud center issued a warning."),
    ("反诈中心提醒市民注意。", "The anti-fraud center reminded residents to be careful."),
    ("公安部表示，反诈中心已拦截电话。",
     "The Ministry of Public Security said the anti-fraud center had blocked calls."),
    ("今天天气很好，反诈中心工作人员上街宣传。", "On a fine day, staff of the anti-fraud center went out to campaign."),
    ("公安部通报了电信网络诈骗案件。", "The Ministry of Public Security reported cases of telecom network fraud."),
    ("天气转冷，公安部提醒群众。", "As it grew cold, the Ministry of Public Security reminded the public."),
    ("警方破获电信网络诈骗团伙。", "Police broke up a telecom network fraud gang."),
    ("电信网络诈骗高发。", "Telecom network fraud is rampant."),
    ("天气预报说明天有雨。", "The forecast says it will rain tomorrow."),
]


def _pairs(status: str = "ok") -> list[AlignedPair]:
    return [AlignedPair((z,), (e,), status=status) for z, e in PAIRS]


def test_candidates_cross_word_boundaries() -> None:
    assert {"电信网络诈骗", "电信网络", "诈骗"} <= zh_candidates("警方破获电信网络诈骗团伙。")
    assert "的" not in "".join(zh_candidates("我的天气"))  # function words begin and end nothing
    en = en_candidates("The Prime Minister's office said 2018 was the year of the 19th Congress.")
    assert {"prime minister", "prime minister office", "19th congress"} <= set(en)
    assert not {"the prime", "2018", "said", "of the"} & set(en)


def test_mine_finds_consistent_renderings_and_skips_the_glossary() -> None:
    found = {c.zh: c for c in mine(_pairs(), load_glossary(), min_count=3)}
    assert found["反诈中心"].en == "anti-fraud center"
    assert (found["反诈中心"].count, found["反诈中心"].together, found["反诈中心"].dice) == (4, 4, 1.0)
    assert "公安部" not in found and "电信网络诈骗" not in found  # the glossary holds them
    assert "网络诈骗" not in found  # nor a piece of a glossary term
    assert "天气" not in found  # no consistent rendering
    assert "中心" not in found and "反诈" not in found  # only ever seen inside 反诈中心
    # with no glossary they come back, a run of words crossing jieba's boundaries among them
    found = {c.zh: c.en for c in mine(_pairs(), None)}
    assert found["公安部"] == "Ministry of Public Security"
    assert found["电信网络诈骗"] == "telecom network fraud"
    assert "网络诈骗" not in found and "电信网络" not in found


def test_mine_command_output_imports_into_the_glossary(tmp_path: Path) -> None:
    aligned = tmp_path / "aligned.tsv"
    pairs = [*_pairs(), AlignedPair(("反诈中心。",), ("Unrelated.",), status="low")]
    aligned.write_text(render(pairs, "tsv"), encoding="utf-8")
    out = tmp_path / "candidates.tsv"
    r = CliRunner().invoke(main, ["glossary", "mine", str(aligned), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "9 of 10 aligned pairs mined" in r.stderr  # the low link is left out
    terms = {t.zh: t for t in parse_tsv(out.read_text(encoding="utf-8"), "candidates.tsv")}
    assert terms["反诈中心"].en == "anti-fraud center"
    assert terms["反诈中心"].note.startswith("mined: 4 of 4 aligned pairs, Dice 1.00")
    target = tmp_path / "glossary.tsv"
    r = CliRunner().invoke(main, ["glossary", "import", str(out), "--glossary", str(target)])
    assert r.exit_code == 0, r.output
    assert "反诈中心\tanti-fraud center" in target.read_text(encoding="utf-8")


@pytest.mark.skipif(not WMT.exists(), reason="../shared/eval/wmt18-zh-en.tsv is not here")
def test_mine_on_wmt18_golden() -> None:
    pairs = parse_pairs(WMT.read_text(encoding="utf-8"), "wmt18")
    top = {c.zh: c.en for c in mine(pairs, load_glossary(), limit=30)}
    assert len(top) == 30
    for zh, en in {"李克强": "Li Keqiang", "特朗普": "Trump", "新时代": "new era", "总书记": "General Secretary",
                   "白宫": "White House", "电商": "e-commerce", "警方": "police"}.items():
        assert top.get(zh) == en, (zh, top.get(zh))
    kinds = {c.zh: c.kind for c in mine(pairs, load_glossary(), limit=30)}
    assert (kinds["李克强"], kinds["特朗普"], kinds["白宫"], kinds["浙江"]) == ("person", "person", "term", "place")
    assert "习近平" not in top  # in the glossary
    assert "发展" not in top and "中国" not in top  # everyday words the dictionary renders alike
    everyday = {c.zh: c.en for c in mine(pairs, load_glossary(), limit=30, keep_everyday=True)}
    assert everyday["发展"] == "development" and everyday["合作"] == "cooperation"
