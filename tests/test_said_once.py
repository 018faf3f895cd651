"""Each problem said once, in words a translator can use (issue 26, item 13): one wrong figure
is one flag, a name the release decided is the term check's alone, an XLIFF note per problem
with no risk prefix and no internal flag, no false flag on words that only look like names or
on a pinyin reading the repair left behind, and notes that quote a traditional-script page as
it is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import FakeTranslator

from pipeline.checks import assess, copied, figures
from pipeline.flow import Context, pipe
from pipeline.glossary import load_glossary
from pipeline.records import Document, GlossaryHit, TranslateOptions
from pipeline.segment import segment_text
from pipeline.write import FORMATS
from pipeline.write.notes import unit_notes, warnings_for


def test_one_wrong_figure_is_one_flag_not_a_changed_and_an_invented_one() -> None:
    flags = figures.check("本案共逮捕犯罪嫌疑人269名。", "In this case, 296 criminal suspects were arrested.")
    assert [f.kind for f in flags] == ["fact-changed"]
    assert "269" in flags[0].reason and "296" in flags[0].reason
    # an English figure that stands for nothing in the Chinese is still its own flag
    made_up = figures.check("民警将其抓获。", "Police caught him in 2015.")
    assert [f.kind for f in made_up] == ["fact-extra"]


def test_a_missing_name_the_release_decided_is_one_term_flag_not_a_name_flag_too() -> None:
    zh = "刑侦局局长王建国介绍了有关情况。"
    hit = GlossaryHit("王建国", "Wang Jianguo", 5, 8, kind="person", status="missing")
    found = assess(zh, "The official introduced the situation.", hits=[hit])
    assert [f.kind for f in found.flags if f.kind in ("term", "name")] == ["term"]
    # without a decision the names check still reports the name
    alone = assess(zh, "The official introduced the situation.")
    assert [f.kind for f in alone.flags if f.kind in ("term", "name")] == ["name"]


def test_words_that_only_look_like_names_and_pinyin_remnants_raise_no_flag() -> None:
    zh = "要突出刑侦特色，创新练兵形式，加强练战结合，全面提升侦查破案能力。"
    en = ("We must highlight the features of criminal investigation, innovate training, combine training with "
          "combat and improve investigation capabilities.")
    assert [f for f in assess(zh, en).flags if f.kind == "name"] == []
    # a reading the repair could not place (the sample's garbled 行動(dòng)) is not a brand to carry over
    assert copied.check("dòng)已成为全国公安机关的一个响亮品牌。", "It has become a famous brand of the police.") == []
    assert [f.kind for f in copied.check("涉案App已被下架。", "The app was taken down.")] == []
    assert [f.kind for f in copied.check("涉案App已被下架。", "It was taken down.")] == ["omission"]


TRADITIONAL = "公安廳通報\n\n今年共破獲電信詐騙案件9.4萬起。\n"
WRONG = {"今年共破获电信诈骗案件9.4万起。": "This year, 9.4 million telecom cases were solved."}


def _translated(tmp_path: Path) -> Document:
    tsv = tmp_path / "terms.tsv"
    tsv.write_text("zh\ten\tkind\tsource\tnote\n电信诈骗\ttelecom fraud\tterm\tconvention: test\t\n",
                   encoding="utf-8")
    options = TranslateOptions(glossary_mode="check", cache=False)
    ctx = Context(FakeTranslator(WRONG), load_glossary([str(tsv)]), options)
    return pipe([segment_text(TRADITIONAL, name="release")], ctx)[0]


def test_xliff_notes_say_each_problem_once_without_risk_prefix_or_internal_flags(tmp_path: Path) -> None:
    doc = _translated(tmp_path)
    seg = next(s for s in doc.segments if "9.4" in s.text)
    seg = replace(seg, flags=(*seg.flags, "repetition-retried"))  # zhen's own retry: no news to a translator
    doc = replace(doc, segments=tuple(seg if s.id == seg.id else s for s in doc.segments))
    notes = unit_notes(seg)
    assert notes[0] == "risk: bad"
    assert not any(n.startswith(("risk bad:", "risk check:", "flag:")) for n in notes), notes
    assert not any("repetition-retried" in n for n in notes), notes
    assert sum("詐騙" in n for n in notes) == 1, notes  # the missing term: its glossary line only
    assert sum("9.4 million" in n for n in notes) == 1, notes  # the changed figure, once
    xliff = FORMATS["xliff"].render(doc)
    assert xliff.count("電信詐騙 = telecom fraud") == 1 and "repetition-retried" not in xliff


def test_notes_on_a_traditional_page_quote_it_as_written(tmp_path: Path) -> None:
    seg = next(s for s in _translated(tmp_path).segments if "9.4" in s.text)
    said = warnings_for(seg)
    assert "9.4萬起 is 94,000; the English says “9.4 million”" in said, said
    assert "term 電信詐騙 should read “telecom fraud”" in said, said
    assert not any("万" in n or "诈骗" in n for n in said), said
