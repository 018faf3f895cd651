from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalize import PINYIN_ANNOTATION, clean, to_norm

TONED = re.compile(r"\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")


def test_sample_has_513_pinyin_annotations_and_all_go(sample_raw: str) -> None:
    assert len(PINYIN_ANNOTATION.findall(sample_raw)) == 513
    text = clean(sample_raw).text
    assert TONED.findall(text) == []
    # Nothing else is removed: the display text is exactly the raw text minus the annotations.
    assert text == PINYIN_ANNOTATION.sub("", sample_raw)
    assert len(sample_raw) - len(text) == sum(len(m.group()) for m in PINYIN_ANNOTATION.finditer(sample_raw))


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("發(fā)布會(huì)", "發布會"),
        ("公安機(jī)關(guān)", "公安機關"),
        ("(原载人民公安报)", "(原载人民公安报)"),
        ("莱特岛(Leyte)", "莱特岛(Leyte)"),
        ("案件(2019)", "案件(2019)"),
        ("据(jù)报道(Leyte)", "据报道(Leyte)"),
        ("a\u200bb\ufeffc", "abc"),
        ("多措并舉  取得", "多措并舉 取得"),
        ("  前后  \r\n下一行\u3000", "前后\n下一行"),
        ("word (dòng) alone", "word (dòng) alone"),  # no Chinese character before it
    ],
)
def test_clean_golden(raw: str, display: str) -> None:
    assert clean(raw).text == display


@pytest.mark.parametrize(
    ("display", "norm"),
    [
        ("公安部召開新聞發布會,通報", "公安部召开新闻发布会，通报"),
        ("當前形勢:打擊", "当前形势：打击"),
        ("如何?", "如何？"),
        ("共1,500余名 10:30", "共1,500余名 10:30"),
        ("(原载人民公安报)", "（原载人民公安报）"),
        ("(Leyte)", "(Leyte)"),
        ("「云劍」行動", "“云剑”行动"),
        ("ＡＢＣ１２３％", "ABC123%"),
        ("同比上升30.3%;抓獲", "同比上升30.3%；抓获"),
    ],
)
def test_norm_golden(display: str, norm: str) -> None:
    assert to_norm(display) == norm


def test_offsets_map_back_to_raw(sample_raw: str) -> None:
    c = clean(sample_raw)
    assert all(sample_raw[c.raw_index[i]] in (ch, "\r") for i, ch in enumerate(c.text) if ch not in " \n")


ALPHABET = list("發(fā)布會公安部,:;!?()「」 \u3000\n\u200bLeyte12.%ABＡ１")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_normalization_is_idempotent(text: str) -> None:
    once = clean(text).text
    assert clean(once).text == once
    assert to_norm(to_norm(once)) == to_norm(once)
