"""Golden tables for block classification and sentence splitting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.read import read_source
from pipeline.segment import segment, segment_text

# The sample release, block by block: (kind, speaker as written).
SAMPLE_BLOCKS = [
    ("paragraph", None), ("paragraph", None), ("paragraph", None),
    ("heading", None),
    ("turn", "記者"), ("turn", "孫勁峰"), ("turn", "孫勁峰"), ("turn", "孫勁峰"),
    ("heading", None),
    ("turn", "記者"), ("turn", "呂建平"), ("turn", "呂建平"),
    ("turn", "記者"), ("turn", "趙根元"), ("turn", "趙根元"),
    ("heading", None),
    ("turn", "記者"), ("turn", "孫勁峰"), ("turn", "孫勁峰"),
    ("heading", None),
    ("turn", "記者"), ("turn", "劉忠義"), ("turn", "劉忠義"), ("turn", "劉忠義"), ("turn", "劉忠義"),
    ("turn", "劉忠義"),
    ("title", None),
    ("paragraph", None), ("paragraph", None), ("paragraph", None), ("paragraph", None),
]
SAMPLE_HEADINGS = [
    "當前形勢:打擊成效良好但總體形勢依然嚴峻",
    "重拳出擊:破獲“套路貸”、民族資產解凍類詐騙等大案",
    "全力追逃:多措并舉 取得近8年來最好成績",
    "下步工作:保持高壓嚴打態勢切實擔負起職責使命",
]
SECOND_TITLE = "堅持標本兼治強化實戰引領不斷推進“云劍”行動向縱深發展"


@pytest.fixture(scope="module")
def doc(sample_path):  # type: ignore[no-untyped-def]
    return segment(read_source(str(sample_path)))


def test_sample_blocks_golden(doc) -> None:  # type: ignore[no-untyped-def]
    assert [(b.kind, b.speaker) for b in doc.blocks] == SAMPLE_BLOCKS


def test_sample_headings_and_second_title(doc) -> None:  # type: ignore[no-untyped-def]
    texts = {b.index: "".join(s.text for s in doc.segments if s.block == b.index) for b in doc.blocks}
    assert [texts[b.index] for b in doc.blocks if b.kind == "heading"] == SAMPLE_HEADINGS
    assert [texts[b.index] for b in doc.blocks if b.kind == "title"] == [SECOND_TITLE]


def test_sample_speakers_in_english(doc) -> None:  # type: ignore[no-untyped-def]
    names = {b.speaker: b.speaker_en for b in doc.blocks if b.speaker}
    assert names == {
        "記者": "Reporter", "孫勁峰": "Sun Jinfeng", "呂建平": "Lyu Jianping",
        "趙根元": "Zhao Genyuan", "劉忠義": "Liu Zhongyi",
    }
    # The label is written once per turn; carried-over paragraphs do not repeat it.
    assert sum(b.labelled for b in doc.blocks) == 10


def test_sample_counts_and_offsets(doc) -> None:  # type: ignore[no-untyped-def]
    raw = doc.source.raw
    assert len(doc.blocks) == 31
    # 67 since the mojibake `袆?dòng)` splits at its ASCII `?` (an ender under the conventions).
    assert len(doc.segments) == 67
    prev_end = 0
    for seg in doc.segments:
        assert prev_end <= seg.start < seg.end
        prev_end = seg.end
        # The display text is exactly the raw text with pinyin annotations removed.
        assert _unannotated(raw[seg.start : seg.end]) == seg.text
    covered = set()
    for seg in doc.segments:
        covered.update(range(seg.start, seg.end))
        if seg.speaker_start is not None and seg.speaker_end is not None:
            covered.update(range(seg.speaker_start, seg.speaker_end))
    # Every character is in a segment or a speaker label, except the colons after labels.
    assert all(i in covered for i, ch in enumerate(raw) if not ch.isspace() and ch not in ":：")


def _unannotated(piece: str) -> str:
    from pipeline.normalize import clean

    return clean(piece).text


def test_turn_offsets_cover_the_text_and_the_label_apart(doc) -> None:  # type: ignore[no-untyped-def]
    raw = doc.source.raw
    first = next(s for s in doc.segments if s.speaker == "孫勁峰")
    assert raw[first.start : first.end].startswith("2019年")
    assert first.text.startswith("2019年")
    assert raw[first.speaker_start : first.speaker_end] == "孫勁峰"
    # A carried-over paragraph points at the label its speaker was written with.
    second = next(s for s in doc.segments if s.speaker == "孫勁峰" and s.block != first.block)
    assert (second.speaker_start, second.speaker_end) == (first.speaker_start, first.speaker_end)
    # Turns carry their label's span; nothing else does.
    assert all((s.speaker_start is not None) == (s.kind == "turn") for s in doc.segments)
    labelled_starts = {s.start for s in doc.segments if s.kind == "turn"}
    assert len(labelled_starts) > 10


def test_segment_dict_has_speaker_offsets(doc) -> None:  # type: ignore[no-untyped-def]
    turn = next(s for s in doc.segments if s.kind == "turn").to_dict()
    para = doc.segments[0].to_dict()
    assert isinstance(turn["speaker_start"], int) and turn["speaker_end"] > turn["speaker_start"]
    assert para["speaker_start"] is None and para["speaker_end"] is None


def test_sample_mojibake_is_flagged_not_hidden(doc) -> None:  # type: ignore[no-untyped-def]
    flagged = [s.id for s in doc.segments if "mojibake" in s.flags]
    assert flagged == ["s7", "s8", "s9"]
    assert doc.warnings


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # A greeting that ends in a colon is not a speaker.
        ("各位记者朋友们,大家好:\n今天我们召开发布会。", [("paragraph", None), ("paragraph", None)]),
        ("主持人 郭林:请提问。\n记者:请问成效如何?", [("turn", "主持人 郭林"), ("turn", "记者")]),
        ("问:成效如何?\n答:成效显著。", [("turn", "问"), ("turn", "答")]),
        # A speaker's name alone on a line opens the turn below it.
        ("记者:请问成效如何?\n孙劲峰\n成效显著。", [("turn", "记者"), ("turn", "孙劲峰")]),
        ("来源:公安部网站\n责任编辑:张三\n2019-12-25 10:30\n分享:\n【字号 大 中 小】\nEND",
         [("boilerplate", None)] * 6),
        # (a page of one sentence under a breadcrumb reads as furniture to the sequence model: the
        # last line after furniture; two sentences make it an article)
        ("首页 > 新闻中心 > 警务要闻\n公安部通报云剑行动。\n全国破获案件一批。",
         [("boilerplate", None), ("paragraph", None), ("paragraph", None)]),
        ("# 公安部通报\n## 成效\n正文。", [("title", None), ("heading", None), ("paragraph", None)]),
    ],
)
def test_blocks_golden(text: str, kinds: list[tuple[str, str | None]]) -> None:
    name = "t.md" if text.startswith("#") else "t.txt"
    from pipeline.records import Source

    src = Source(name="t", path=name, raw=text, encoding="utf-8", sha256="-",
                 media_type="text/markdown" if name.endswith(".md") else "text/plain")
    doc = segment(src)
    assert [(b.kind, b.speaker) for b in doc.blocks] == kinds


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("第一句。第二句!第三句?", ["第一句。", "第二句!", "第三句?"]),
        ("他说:“我们要努力。”然后走了。", ["他说:“我们要努力。”", "然后走了。"]),
        ("《关于打击。的通知》已印发。", ["《关于打击。的通知》已印发。"]),
        # Brackets are not atomic (conventions, rule 8): an ender inside them ends a sentence.
        ("据报道(此事。属实)无误。", ["据报道(此事。", "属实)无误。"]),
        ("(请参阅英文部分。)完", ["(请参阅英文部分。)", "完"]),
        ("“就在身边。”刘某说。", ["“就在身边。”", "刘某说。"]),
        ("“真的吗?!”,民警说。", ["“真的吗?!”,民警说。"]),
        ("他说“第一。第二。”", ["他说“第一。第二。”"]),
        ("乱码 ~8 ?3 E$", ["乱码 ~8 ?", "3 E$"]),
        ("真的吗?!是的。", ["真的吗?!", "是的。"]),
        ("同比上升30.3%。共9.4万起。", ["同比上升30.3%。", "共9.4万起。"]),
    ],
)
def test_sentences_golden(text: str, sentences: list[str]) -> None:
    assert [s.text for s in segment_text(text).segments] == sentences


def test_long_sentence_split_at_semicolon_then_comma() -> None:
    clause = "全国公安机关迅速行动多措并举打数据战科技战取得显著成效"
    text = "；".join([clause] * 6) + "。"
    segs = segment_text(text, budget=60).segments
    assert len(segs) > 1
    assert all(len(s.norm) + 1 <= 60 for s in segs)
    assert all(s.text.endswith(("；", "。")) for s in segs)
    assert "".join(s.text for s in segs) == text


def test_run_on_without_punctuation_is_cut_to_budget() -> None:
    text = "打" * 5000
    segs = segment_text(text, budget=200).segments
    assert all(len(s.norm) + 1 <= 200 for s in segs)
    assert "".join(s.text for s in segs) == text


ALPHABET = list("公安部云剑行动記者孙劲峰:：。！？!?“”《》()（）,，；\n 發(fā)ab1")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=120))
def test_segments_cover_input_in_order(text: str) -> None:
    if not text.strip():
        return
    doc = segment_text(text, budget=20)
    prev = 0
    covered: set[int] = set()
    for seg in doc.segments:
        assert prev <= seg.start < seg.end <= len(text)
        prev = seg.end
        covered.update(range(seg.start, seg.end))
        if seg.speaker_start is not None and seg.speaker_end is not None:
            assert seg.speaker_start < seg.speaker_end <= len(text)
            covered.update(range(seg.speaker_start, seg.speaker_end))
    # Uncovered: label colons, and a label line over a headline (a label line makes no block).
    label_lines = _label_only_line_chars(text)
    assert all(i in covered for i, ch in enumerate(text)
               if not ch.isspace() and ch not in ":：" and i not in label_lines)


def _label_only_line_chars(text: str) -> set[int]:
    from pipeline.normalize import clean, to_norm
    from pipeline.structure import find_label

    cleaned = clean(text)
    out: set[int] = set()
    pos = 0
    for part in cleaned.text.split("\n"):
        stripped = part.strip(" ")
        lab = find_label(stripped, to_norm(stripped)) if stripped else None
        if lab is not None and lab.body_start >= len(stripped):
            out.update(cleaned.raw_index[pos + k] for k in range(len(part)))
        pos += len(part) + 1
    return out
