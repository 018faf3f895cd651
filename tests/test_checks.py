"""Golden tables for each risk check, the risk rule, and `zhen check`.

Sentences are written in the language of police and government releases (composed for these
tests); each row says what a reviewer should be told, or that the pair is fine.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.checks import assess, copied, figures, length, loops, names, risk_of, terms, untranslated
from pipeline.cli import main
from pipeline.records import Flag, GlossaryHit


def kinds(flags: list[Flag]) -> list[str]:
    return sorted(f.kind for f in flags)


# ---------------------------------------------------------------------------- figures

FIGURES = [
    # (zh, en, expected kinds)
    ("本次行动共抓获犯罪嫌疑人87名。", "A total of 87 suspects were arrested in the operation.", []),
    # One wrong figure is one flag: its English is the changed rendering, not an invented figure too.
    ("本次行动共抓获犯罪嫌疑人87名。", "A total of 870 suspects were arrested in the operation.",
     ["fact-changed"]),
    ("涉案金额达1.2亿元。", "The amount involved reached 120 million yuan.", []),
    ("涉案金额达1.2亿元。", "The amount involved reached 120 million US dollars.", ["fact-changed"]),
    ("犯罪嫌疑人张某某（男，24岁）被刑事拘留。",
     "The suspect Zhang, a 24-year-old man, was placed under criminal detention.",
     []),
    ("犯罪嫌疑人张某某（男，24岁）被刑事拘留。",
     "The suspect Zhang, a 24-month-old man, was placed under criminal detention.",
     ["fact-changed"]),
    # A year added to a bare month and day is what a translator does.
    ("12月3日，民警在该小区将其抓获。",
     "On December 3, 2019, police officers arrested him in the residential compound.", []),
    # ... and so is a month added to a bare day; a wrong day is still caught.
    ("三十一号下午，专案组在该市将其抓获。",
     "On the afternoon of October 31, the task force caught him in the city.", []),
    ("三十一号下午，专案组在该市将其抓获。", "On the afternoon of October 13, the task force caught him in the city.",
     ["fact-changed"]),
    # A year may stand in for 今年, but not beside its own "this year".
    ("今年以来，全市共破获电诈案件300余起。",
     "Since the start of 2023, the city has solved more than 300 fraud cases.", []),
    ("今年以来，全市共破获电诈案件300余起。",
     "Since the start of this year, the city has solved more than 300 fraud cases in 2019.", ["fact-extra"]),
    # 个小时 is a duration: its unit is checked.
    ("民警连续奋战11个小时，将嫌疑人抓获。", "Police worked for 11 hours straight and caught the suspect.", []),
    ("民警连续奋战11个小时，将嫌疑人抓获。", "Police worked for 11 days straight and caught the suspect.",
     ["fact-changed"]),
    # Adjacent numerals are a rough range ("one or two", "sixty or seventy"), not 12 or 67.
    ("案发后一两天内，民警即锁定嫌疑人。", "Within one or two days of the crime, police identified the suspect.", []),
    ("该团伙六七十人分工明确。", "The gang of 60 to 70 people had a clear division of labour.", []),
    # Spelled-out numbers and ordinals.
    ("两名民警受轻伤。", "Two police officers were slightly injured.", []),
    ("这是今年第三次专项行动。", "This is the third special operation this year.", []),
    # A phone number is a string, kept whole.
    ("举报电话：010-66262525。", "Tip-off hotline: 010-66262525.", []),
    # A figure with no source at all.
    ("警方提醒市民注意防范电信诈骗。",
     "Police reminded the 3,500 residents to guard against telecom fraud.", ["fact-extra"]),
    ("案发后，民警迅速赶到现场。", "After the incident, police officers arrived at the scene in 2015.", ["fact-extra"]),
    # A figure stated once in English though the Chinese repeats it.
    ("2019年全市破获案件2019起，其中2019年下半年破获1000起。",
     "In 2019 the city solved 2,019 cases, 1,000 of them in the second half of the year.", []),
    # A small Chinese-numeral figure left implicit ("both", "bilateral").
    ("两国警方将加强合作。", "The police of the two countries will strengthen cooperation.", []),
    ("一百多年来，这里一直是交通要道。", "For more than a century it has been a major thoroughfare.", []),
    ("截至目前，共收缴枪支32支。", "So far, police have seized guns.", ["fact-missing"]),
    ("嫌疑人在家中躲藏了两天。", "The suspect hid at home for two days.", []),
    ("嫌疑人在家中躲藏了两天。", "The suspect hid at home for two months.", ["fact-changed"]),
    ("该候选人以42%的得票率获胜。", "The candidate won by 42 points.", []),
    ("该候选人以42%的得票率获胜。", "The candidate won with 42 per mille of the vote.", ["fact-changed"]),
    # Ranges, Roman numerals, centuries and bare scale words as translators write them.
    ("今年1-9月，全市共破获电信诈骗案件1500余起。",
     "In the first nine months of this year, the city solved more than 1,500 telecom fraud cases.", []),
    ("该团伙五六十人长期从事诈骗活动。", "The gang of 50 to 60 people had long engaged in fraud.", []),
    ("该药品用于治疗Ⅱ型糖尿病。", "The drug is used to treat Type 2 diabetes.", []),
    ("该建筑建于18世纪。", "The building dates from the 1700s.", []),
    ("他97年参加工作。", "He started work in 1997.", []),
    ("共抓获15人。", "In 2015, 15 people were arrested.", ["fact-extra"]),
    ("涉案资金高达数千万元。", "The funds involved ran to tens of millions of yuan.", []),
]


@pytest.mark.parametrize(("zh", "en", "want"), FIGURES)
def test_figures_golden(zh: str, en: str, want: list[str]) -> None:
    assert kinds(figures.check(zh, en)) == want


def test_fact_extra_spans_point_at_the_figure() -> None:
    en = "Police reminded the 3,500 residents to guard against fraud."
    (flag,) = figures.check("警方提醒市民注意防范诈骗。", en)
    (s, e), = flag.en_spans
    assert en[s:e].startswith("3,500")
    assert "no counterpart" in flag.reason


# ---------------------------------------------------------------------------- untranslated

UNTRANSLATED = [
    ("民警立即赶赴现场处置。", "Police officers immediately rushed to the scene.", None),
    ("民警立即赶赴现场处置。", "Police officers 立即赶赴现场处置.", "bad"),
    ("市公安局发布通报。", "The Municipal Public Security Bureau 局 issued a notice.", "check"),
    # A name glossed in brackets is deliberate.
    ("王穆介绍了案情。", "Wang Mu (王穆) described the case.", None),
]


@pytest.mark.parametrize(("zh", "en", "severity"), UNTRANSLATED)
def test_untranslated_golden(zh: str, en: str, severity: str | None) -> None:
    flags = untranslated.check(zh, en)
    assert [f.severity for f in flags] == ([severity] if severity else [])


# ---------------------------------------------------------------------------- names

NAMES = [
    ("犯罪嫌疑人贾某已被刑事拘留。", "The suspect Jia has been placed under criminal detention.", []),
    ("犯罪嫌疑人贾某已被刑事拘留。", "The suspect has been placed under criminal detention.", ["贾某"]),
    ("犯罪嫌疑人王某某、李某被抓获。", "Suspects surnamed Wang and Li were arrested.", []),
    ("记者李晓明报道。", "Reported by Li Xiaoming.", []),
    ("记者李晓明报道。", "Reported by Xiaoming Li.", []),
    ("记者李晓明报道。", "Reported by our correspondent.", ["李晓明"]),
    ("习近平主席会见了代表。", "President Xi Jinping met the delegates.", []),
    ("习近平主席会见了代表。", "The President met the delegates.", ["习近平"]),
    # Hong Kong spellings of a surname.
    ("行政长官崔世安表示欢迎。", "Chief Executive Fernando Chui welcomed it.", []),
    # Words that only look like names, and a transliterated foreign name, are not checked.
    ("要让利剑永不蒙尘。", "The sword must never gather dust.", []),
    ("普鲁特表示反对。", "Pruitt said he opposed it.", []),
    ("会议在某地召开，某种程度上达成共识。", "The meeting was held somewhere and reached some consensus.", []),
    ("共和党全国委员会主席罗娜·麦克丹尼尔发表声明。", "RNC chair Ronna McDaniel issued a statement.", []),
    # A time (23时许, "around 23:00") and a town are not people.
    ("12月2日23时许，民警在尹家溪镇将其抓获。", "At around 23:00 on December 2, police caught him in a town.", []),
]


@pytest.mark.parametrize(("zh", "en", "missing"), NAMES)
def test_names_golden(zh: str, en: str, missing: list[str]) -> None:
    flagged = [zh[s:e] for f in names.check(zh, en) for s, e in f.zh_spans]
    assert flagged == missing


def test_name_reason_gives_the_pinyin() -> None:
    (flag,) = names.check("民警李晓明介绍了案情。", "A police officer described the case.")
    assert "Li Xiaoming" in flag.reason


# ---------------------------------------------------------------------------- loops

LOOPS = [
    ("警方依法处置。", "Police dealt with it in accordance with the law.", False),
    ("警方依法处置。", "Police dealt with it in accordance with the law law law.", True),
    ("警方依法处置。", "Police dealt with it in accordance with the law in accordance with the law in accordance with "
                     "the law.", True),
    # Figures repeated are data; "very, very" is English.
    ("比分为1:1:1。", "The scores were 1 1 1.", False),
    ("情况非常非常严重。", "The situation is very, very serious.", False),
]


@pytest.mark.parametrize(("zh", "en", "flagged"), LOOPS)
def test_loops_golden(zh: str, en: str, flagged: bool) -> None:
    assert bool(loops.check(zh, en)) is flagged


# ---------------------------------------------------------------------------- length

ZH_LONG = ("近日，市公安局经侦支队成功破获一起特大非法集资案，抓获犯罪嫌疑人十余名，涉案金额巨大，"
           "目前案件正在进一步侦办中。")
EN_LONG = ("Recently, the economic crime investigation detachment of the municipal public security bureau cracked a "
           "major illegal fund-raising case, arresting more than ten suspects; the amount involved is huge, and the "
           "case is under further investigation.")


def test_length_passes_a_full_translation() -> None:
    assert length.check(ZH_LONG, EN_LONG) == []


def test_length_flags_an_omission_and_an_addition() -> None:
    assert kinds(length.check(ZH_LONG, "Police cracked a case.")) == ["omission"]
    assert kinds(length.check(ZH_LONG, " ".join([EN_LONG] * 3))) == ["addition"]


# A press-conference sentence whose English leaves out the middle of the Chinese: the length is
# within what translators do, but none of the middle's content words shows in the English.
ZH_CONF = ("会上，市公安局副局长介绍，今年以来，全市公安机关坚持打防并举，深入开展打击整治养老诈骗专项行动，"
           "依法严厉打击侵害老年人合法权益的违法犯罪活动，取得了明显成效。")
EN_CONF = ("At the press conference, the deputy director of the municipal public security bureau said that since the "
           "beginning of this year, the city's public security organs have combined crackdown and prevention, carried "
           "out a special campaign against elder fraud, severely punished illegal and criminal activities that "
           "infringe on the lawful rights and interests of the elderly in accordance with the law, and achieved "
           "marked results.")
EN_CONF_CUT = ("At the press conference, the deputy director of the municipal public security bureau said that since "
               "the beginning of this year, the city's public security organs have achieved marked results.")


def test_omission_names_the_chinese_left_without_english() -> None:
    assert length.check(ZH_CONF, EN_CONF) == []
    (flag,) = length.check(ZH_CONF, EN_CONF_CUT)
    (a, b), = flag.zh_spans
    assert flag.kind == "omission" and "养老诈骗" in ZH_CONF[a:b] and "公安机关" not in ZH_CONF[a:b]
    assert "no English found for 「坚持打防并举" in flag.reason


def test_omission_score_uses_coverage_beyond_length() -> None:
    # The same English length, with the content words of the source or without them.
    z = length.MODEL.z(ZH_CONF, EN_CONF_CUT)
    unrelated = "At the press conference, the weather in the northern suburbs was described as windy and cold today."
    assert length.coverage(ZH_CONF, EN_CONF_CUT).found > length.coverage(ZH_CONF, unrelated).found
    assert length.MODEL.omission_score(ZH_CONF, unrelated, z) > length.MODEL.omission_score(ZH_CONF, EN_CONF_CUT, z)


def test_length_flags_an_empty_side() -> None:
    assert [(f.kind, f.severity) for f in length.check("民警赶到现场。", " ")] == [("omission", "bad")]
    assert [(f.kind, f.severity) for f in length.check("", "Police arrived.")] == [("addition", "bad")]


def test_length_leaves_labels_alone() -> None:
    assert length.check("通报", "Notice") == []
    assert length.check("通报", "Notice on the handling of the case by the municipal bureau") == []


def test_length_model_expectation_grows_with_the_source() -> None:
    short, _ = length.MODEL.expected("民警赶到现场。")
    long, _ = length.MODEL.expected(ZH_LONG)
    assert 10 < short < long


# ---------------------------------------------------------------------------- copied Latin text

COPIED = [
    ("涉案APP名为“XX理财”。", "The app involved is called XX Licai.", []),
    ("嫌疑人通过微信、QQ等平台联系受害人。", "The suspects contacted victims through WeChat and other platforms.",
     ["QQ"]),
    ("该公司获得IDG投资。", "The company received investment from IDG.", []),
]


@pytest.mark.parametrize(("zh", "en", "missing"), COPIED)
def test_copied_golden(zh: str, en: str, missing: list[str]) -> None:
    assert [zh[s:e] for f in copied.check(zh, en) for s, e in f.zh_spans] == missing


# ---------------------------------------------------------------------------- glossary terms

def test_terms_from_recorded_hits() -> None:
    hit = GlossaryHit("公安部", "Ministry of Public Security", 0, 3, kind="org")
    assert terms.check("公安部通报", "The Ministry of Public Security announced", [hit]) == []
    (flag,) = terms.check("公安部通报", "The ministry announced", [hit])
    assert flag.kind == "term" and "organisation" in flag.reason


# ---------------------------------------------------------------------------- risk

def test_risk_rule() -> None:
    check_flag = Flag("name", (), (), "x")
    bad_flag = Flag("loop", (), (), "x", "bad")
    assert risk_of([]) == "ok"
    assert risk_of([check_flag]) == "check"
    assert risk_of([check_flag, bad_flag]) == "bad"
    assert risk_of([check_flag] * 3) == "bad"


def test_assess_a_clean_and_a_broken_pair() -> None:
    ok = assess("本次行动共抓获犯罪嫌疑人87名。", "A total of 87 suspects were arrested in the operation.")
    assert ok.risk == "ok"
    r = assess("本次行动共抓获犯罪嫌疑人87名。",
               "A total of 870 suspects were arrested in the operation operation operation.",
               line=4)
    assert r.line == 4 and r.risk == "bad"
    assert {"fact-changed", "loop"} <= {f.kind for f in r.flags}


# ---------------------------------------------------------------------------- zhen check

def _files(tmp_path: Path, zh: list[str], en: list[str]) -> list[str]:
    (tmp_path / "zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    return ["--zh", str(tmp_path / "zh.txt"), "--en", str(tmp_path / "en.txt")]


def test_check_command_json(tmp_path: Path) -> None:
    args = _files(tmp_path, ["本次行动共抓获犯罪嫌疑人87名。", "民警迅速赶到现场。"],
                  ["A total of 870 suspects were arrested.", "Police officers quickly arrived at the scene."])
    r = CliRunner().invoke(main, ["check", *args, "--format", "json", "--no-glossary"])
    assert r.exit_code == 1, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["line"], x["risk"]) for x in rows] == [(1, "bad"), (2, "ok")]
    flag = rows[0]["flags"][0]
    assert set(flag) >= {"kind", "reason", "zh_spans", "en_spans"}
    assert flag["zh"] == ["87名"] and flag["en"] == ["870 suspects"]


def test_check_command_all_ok_exits_0(tmp_path: Path) -> None:
    args = _files(tmp_path, ["民警迅速赶到现场。"], ["Police officers quickly arrived at the scene."])
    r = CliRunner().invoke(main, ["check", *args, "--no-glossary"])
    assert r.exit_code == 0, r.output
    assert "1 ok" in r.stderr


def test_check_command_text_names_line_and_reason(tmp_path: Path) -> None:
    args = _files(tmp_path, ["民警迅速赶到现场。", "犯罪嫌疑人贾某已被刑事拘留。"],
                  ["Police officers quickly arrived at the scene.",
                   "The criminal suspect has been placed under criminal detention."])
    r = CliRunner().invoke(main, ["check", *args, "--no-glossary"])
    assert r.exit_code == 1
    assert r.stdout.splitlines() == ["2\tcheck\tname\t贾某 (Jia) is not in the English"]


@pytest.mark.parametrize("extra", [[], ["--zh", "ZH"]])
def test_check_command_usage_errors_exit_2(tmp_path: Path, extra: list[str]) -> None:
    zh = tmp_path / "zh.txt"
    zh.write_text("一\n二\n", encoding="utf-8")
    en = tmp_path / "en.txt"
    en.write_text("one\n", encoding="utf-8")
    args = [str(zh) if a == "ZH" else a for a in extra]
    r = CliRunner().invoke(main, ["check", *args])
    assert r.exit_code == 2
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(main, ["check", "--zh", str(zh), "--en", str(en)])
    assert r.exit_code == 2 and "must align" in r.output


def test_check_command_reads_a_zhen_jsonl(tmp_path: Path) -> None:
    seg = {"type": "segment", "id": "s1", "text": "公安部通报", "norm": "公安部通报",
           "target": "The ministry announced",
           "hits": [{"zh": "公安部", "en": "Ministry of Public Security", "start": 0, "end": 3, "kind": "org",
                     "status": "missing"}]}
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps({"type": "provenance"}) + "\n" + json.dumps(seg, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(out), "--format", "json"])
    assert r.exit_code == 1, r.output
    (row,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert row["line"] == 2 and [f["kind"] for f in row["flags"]] == ["term"]


def test_translated_segments_carry_their_risk_into_every_output(tmp_path: Path) -> None:
    """A figure the model made up: the JSONL records the risk and why, the run reports it, the XLIFF
    asks for review and says why; a faithful segment stays ok."""
    from click.testing import CliRunner
    from conftest import FakeTranslator

    from pipeline.cli import main
    from pipeline.records import TranslateOptions
    from pipeline.run import run_translate

    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n警方抓获犯罪嫌疑人。\n", encoding="utf-8")
    table = {"公安部召开新闻发布会。": "The Ministry of Public Security held a press conference.",
             "警方抓获犯罪嫌疑人。": "Police arrested 2015 suspects."}
    report = run_translate([str(src)], tmp_path / "o", TranslateOptions(cache=False, glossary_mode="off",
                           formats=("jsonl", "xliff")), translator=FakeTranslator(table))
    recs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    by_text = {r["text"]: r for r in recs}
    assert by_text["公安部召开新闻发布会。"]["risk"] == "ok" and by_text["公安部召开新闻发布会。"]["checks"] == []
    made_up = by_text["警方抓获犯罪嫌疑人。"]
    # one flag of "check" severity: the segment is to check, not bad
    assert made_up["risk"] == "check"
    assert [(c["kind"], c["en"]) for c in made_up["checks"]] == [("fact-extra", ["2015"])], made_up["checks"]
    assert report.risk == {"ok": 1, "check": 1, "bad": 0}
    xliff = (tmp_path / "o" / "r.xliff").read_text(encoding="utf-8")
    assert xliff.count('state="needs-review-translation"') == 1 and "“2015” has no counterpart" in xliff
    # A reviewer's correction, merged back, is checked again: the risk goes with the made-up figure.
    fixed = xliff.replace("Police arrested 2015 suspects.", "Police arrested suspects.")
    (tmp_path / "o" / "r.xliff").write_text(fixed, encoding="utf-8")
    r = CliRunner().invoke(main, ["merge", str(tmp_path / "o" / "r.xliff")])
    assert r.exit_code == 0, r.output
    recs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert [r["risk"] for r in recs] == ["ok", "ok"]


def test_review_page_and_markdown_lead_with_what_the_risk_rests_on(tmp_path: Path) -> None:
    from conftest import FakeTranslator

    from pipeline.records import TranslateOptions
    from pipeline.run import run_translate

    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n警方抓获犯罪嫌疑人。\n", encoding="utf-8")
    table = {"公安部召开新闻发布会。": "The Ministry of Public Security held a press conference.",
             "警方抓获犯罪嫌疑人。": "Police arrested 2015 suspects."}
    run_translate([str(src)], tmp_path / "o", TranslateOptions(cache=False, glossary_mode="off",
                  formats=("jsonl", "md", "html")), translator=FakeTranslator(table))
    rec = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]][1]
    reason = next(c["reason"] for c in rec["checks"] if c["kind"] == "fact-extra")
    page = (tmp_path / "o" / "r.html").read_text(encoding="utf-8")
    assert "1 flagged segment: check these first" in page
    assert f'<a href="#{rec["id"]}">{rec["id"]}</a>' in page and html.escape(reason) in page
    assert reason.split(" ")[0] in (tmp_path / "o" / "r.md").read_text(encoding="utf-8")
