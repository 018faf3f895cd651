"""Facts: golden tables, properties, the WMT18 reference rate, and the wiring into translate."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator
from facts_cases import EN, PAIRS, ZH
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import WMT18

from pipeline.cli import main
from pipeline.facts import check_pair, cn_to_number, english_number, extract_en, extract_zh, fix_english
from pipeline.run import TranslateOptions, run_segment, run_translate

ROOT = Path(__file__).resolve().parents[1]
WMT = Path(os.environ.get("ZHEN_EVAL_TSV", WMT18))


@pytest.mark.parametrize(("text", "labels"), ZH, ids=[c[0] for c in ZH])
def test_zh_golden(text: str, labels: list[str]) -> None:
    from pipeline.normalize import to_norm

    assert [f.label() for f in extract_zh(to_norm(text))] == labels


@pytest.mark.parametrize(("text", "labels"), EN, ids=[c[0] for c in EN])
def test_en_golden(text: str, labels: list[str]) -> None:
    assert [f.label() for f in extract_en(text)] == labels


@pytest.mark.parametrize(("zh", "en", "statuses"), PAIRS, ids=[f"{z}|{e}" for z, e, _ in PAIRS])
def test_pair_golden(zh: str, en: str, statuses: list[str]) -> None:
    assert [c.status for c in check_pair(zh, en).checks] == statuses


@pytest.mark.parametrize(("zh", "value"), [("三十五点三", 35.3), ("一千六百六十四", 1664), ("两万一千", 21000),
                                           ("1.6亿", 1.6e8), ("9.4万", 94000), ("万亿", 1e12), ("二〇一九", 2019),
                                           ("十五点二亿", 1.52e9), ("十", 10), ("一百零四", 104),
                                           # a rough range reads at its low end; 零 still holds a place
                                           ("一两", 1), ("三四万", 30000), ("六七十", 60), ("一千零五", 1005),
                                           ("一一〇", 110)])
def test_cn_to_number(zh: str, value: float) -> None:
    assert cn_to_number(zh) == value


def test_sample_facts_by_kind(sample_path: Path) -> None:
    doc = run_segment([str(sample_path)])[0]
    kinds = Counter(f.kind for s in doc.segments for f in extract_zh(s.norm))
    # 钱潮七号 and 钱潮八号 read as days (or "No. 7"); 十九届四中全会 holds two ordinals.
    assert kinds == {"count": 15, "date": 14, "duration": 7, "ordinal": 7, "percent": 5, "money": 2}


# ---------------------------------------------------------------------------- properties

_MAGS = {1: "", 10**4: "万", 10**8: "亿"}


def _en_forms(value: int) -> list[str]:
    forms = [f"{value:,}", str(value)]
    for scale, word in ((10**9, "billion"), (10**6, "million"), (10**3, "thousand")):
        if value >= scale and value % (scale // 100) == 0:
            forms.append(f"{value / scale:.2f}".rstrip("0").rstrip(".") + f" {word}")
    return forms


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.sampled_from([1, 10**4, 10**8]),
       st.sampled_from(["名", "起", "元"]), st.data())
def test_any_english_form_of_a_number_matches_its_chinese(n: int, mag: int, unit: str, data: st.DataObject) -> None:
    value = n * mag
    zh = f"共{n}{_MAGS[mag]}{unit}"
    en_number = data.draw(st.sampled_from(_en_forms(value)))
    en = f"a total of {en_number} {'yuan' if unit == '元' else 'cases'}"
    pc = check_pair(zh, en)
    assert pc.ok, (zh, en, [c.to_dict() for c in pc.checks])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=99))
def test_decimal_magnitudes_match(whole: int, tenths: int) -> None:
    zh = f"{whole}.{tenths:02d}亿元"
    value = round((whole + tenths / 100) * 1e8)
    assert check_pair(zh, f"{english_number(value)} yuan").ok
    assert check_pair(zh, f"RMB{value:,}").ok


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=9))
def test_percentages_match(whole: int, tenth: int) -> None:
    zh = f"同比上升{whole}.{tenth}%"
    for en in (f"up {whole}.{tenth}%", f"up {whole}.{tenth} percent", f"up {whole}.{tenth} per cent"):
        assert check_pair(zh, en).ok


# ---------------------------------------------------------------------------- fix


def test_fix_rewrites_an_unambiguous_change() -> None:
    pc = check_pair("共破获电信诈骗案件9.4万起", "A total of 9.4 million cases were solved.")
    fixed, pc2 = fix_english("A total of 9.4 million cases were solved.", pc)
    assert fixed == "A total of 94,000 cases were solved."
    assert pc2.ok and pc2.checks[0].fixed


def test_fix_leaves_ambiguous_changes_alone() -> None:
    en = "9.4 million cases and 9.4 million suspects"
    pc = check_pair("9.4万起案件和3万名嫌疑人", en)
    assert fix_english(en, pc)[0] == en


# ---------------------------------------------------------------------------- WMT18 references


@pytest.mark.needs_shared(WMT)
def test_checker_accepts_human_references() -> None:
    from facts_rate import evaluate, load_pairs

    r = evaluate(load_pairs(WMT))
    assert r["with_numbers"] >= 1300
    # Measured 87.3% (1222 of 1400); the rest are mostly references that drop or rephrase a figure.
    assert r["rate"] >= 0.85


# ---------------------------------------------------------------------------- wiring


def _segments(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_translate_marks_and_fixes_figures(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。\n逮捕犯罪嫌疑人269名。\n",
                   encoding="utf-8")
    table = {
        "截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。":
            "As of November 2019, 9.4 million telecom fraud cases were solved, up 30.3 percent.",
        "逮捕犯罪嫌疑人269名。": "Suspects were arrested.",
    }
    for mode in ("check", "fix"):
        out = tmp_path / mode
        report = run_translate([str(src)], out, TranslateOptions(glossary_mode="off", facts=mode),
                               translator=FakeTranslator(table))
        segs = _segments(out / "r.jsonl")
        assert [f["status"] for f in segs[0]["facts"]] == ["matched", "matched" if mode == "fix" else "changed",
                                                           "matched"]
        assert [f["status"] for f in segs[1]["facts"]] == ["missing"]
        assert "fact-missing" in [c["kind"] for c in segs[1]["checks"]]  # one verdict, in the checks
        md = (out / "r.md").read_text(encoding="utf-8")
        txt = (out / "r.en.txt").read_text(encoding="utf-8")
        assert "⚠ 269名 (269) is missing from the English" in md
        assert "[check" not in txt and "269名" not in txt  # the plain English carries no review notes
        if mode == "check":
            assert "fact-changed" in [c["kind"] for c in segs[0]["checks"]]
            assert not any(f.startswith("fact-") for s in segs for f in s["flags"])
            assert "9.4万起 is 94,000; the English says “9.4 million”" in md
            assert report.facts == {"facts": 4, "matched": 2, "changed": 1, "missing": 1, "fixed": 0}
        else:
            assert "94,000 telecom fraud cases" in segs[0]["target"]
            assert "fact-fixed" in segs[0]["flags"] and segs[0]["facts"][1]["fixed"] is True
            assert report.facts == {"facts": 4, "matched": 3, "changed": 0, "missing": 1, "fixed": 1}


def test_translate_prints_fact_count(tmp_path: Path, tiny_model: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("逮捕犯罪嫌疑人269名。\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "o"), "--model", str(tiny_model),
                                  "--beams", "1"])
    assert r.exit_code == 0, r.output
    assert "facts: 1 checked" in r.output


def test_facts_check_command_line_aligned(tmp_path: Path) -> None:
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text("共破获电信诈骗案件9.4万起。\n同比上升30.3%。\n", encoding="utf-8")
    en.write_text("94,000 cases were solved.\nUp 33.3 percent.\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["facts", "check", "--zh", str(zh), "--en", str(en), "--format", "json"])
    assert r.exit_code == 1
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["line"], x["status"]) for x in rows] == [(1, "ok"), (2, "mismatch")]
    assert rows[1]["facts"][0]["status"] == "changed" and rows[1]["facts"][0]["en"]["value"] == 33.3
    en.write_text("94,000 cases were solved.\nUp 30.3 percent.\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["facts", "check", "--zh", str(zh), "--en", str(en)])
    assert r.exit_code == 0 and "2 pairs, 2 ok, 0 mismatch" in r.output


def test_facts_check_on_jsonl_and_bad_usage(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text(json.dumps({"type": "provenance"}) + "\n" + json.dumps(
        {"type": "segment", "id": "s1", "norm": "逮捕犯罪嫌疑人269名。", "target": "269 suspects were arrested."},
        ensure_ascii=False) + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["facts", "check", str(out)]).exit_code == 0
    r = CliRunner().invoke(main, ["facts", "check"])
    assert r.exit_code == 2 and "--zh" in r.output
    zh = tmp_path / "zh.txt"
    zh.write_text("一\n二\n三\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["facts", "check", "--zh", str(zh), "--en", str(out)])
    assert r.exit_code == 2 and "must align" in r.output
