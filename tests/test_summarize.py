"""Summaries: ranking on three releases, the abstractive path on tiny models, faithfulness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.records import Document, SummaryOptions
from pipeline.run import TranslateOptions, run_segment, run_summarize, run_translate
from pipeline.summarize import (
    Seq2SeqSummarizer,
    abstractive,
    faithful,
    is_question_turn,
    select,
    words,
)

ROOT = Path(__file__).resolve().parents[1]
# By name, not by glob: a sample that goes missing fails its tests instead of leaving them out.
SAMPLES = [ROOT / "samples" / name for name in ("cloud-sword-2019-12-25.txt", "news-report-fugitives.txt",
                                                "press-conference-fraud-prevention.txt")]


def _doc(path: Path) -> Document:
    return run_segment([str(path)])[0]


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_extractive_ranking_properties(path: Path) -> None:
    doc = _doc(path)
    picks = select(doc, n=5)
    ids = [s.id for s, _ in picks]
    assert len(picks) == 5
    # The lead sentence: the first sentence of the first paragraph.
    lead = next(s for s in doc.segments if s.kind == "paragraph")
    assert ids[0] == lead.id
    # Document order, each a real segment.
    order = [s.id for s in doc.segments]
    assert ids == sorted(ids, key=order.index)
    # No question-only turn, no boilerplate, no near-duplicates.
    assert not any(is_question_turn(s, doc) for s, _ in picks)
    assert all(s.kind != "boilerplate" for s, _ in picks)
    sets = [set(words(s.norm)) for s, _ in picks]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert len(sets[i] & sets[j]) / len(sets[i] | sets[j]) < 0.5


def test_cloud_sword_five(sample_path: Path) -> None:
    picks = [s.id for s, _ in select(_doc(sample_path))]
    # Same sentences as before the conventions' split of the mojibake `袆?dòng)` (s9), one id later.
    assert picks == ["s1", "s12", "s17", "s22", "s59"]


def test_key_figures_are_chosen() -> None:
    doc = _doc(ROOT / "samples" / "news-report-fugitives.txt")
    texts = [s.norm for s, _ in select(doc, n=3)]
    assert any("127名" in t for t in texts)


def test_reporters_questions_are_never_picked() -> None:
    doc = _doc(ROOT / "samples" / "press-conference-fraud-prevention.txt")
    questions = [s.id for s in doc.segments if is_question_turn(s, doc)]
    assert len(questions) == 3  # two reporters' questions, the second in two sentences
    picked = {s.id for s, _ in select(doc, n=20)}
    assert not picked & set(questions)


def test_office_speaker_labels_are_recognized() -> None:
    doc = _doc(ROOT / "samples" / "press-conference-fraud-prevention.txt")
    assert [b.speaker for b in doc.blocks if b.labelled] == [
        "主持人", "刑事侦查局负责人", "记者", "刑事侦查局负责人", "记者", "刑事侦查局负责人", "主持人"]


def test_words_budget(sample_path: Path) -> None:
    doc = _doc(sample_path)
    assert len(select(doc, words_budget=5)) == 1


def test_embedding_ranker_with_packaged_model(sample_path: Path, tmp_path: Path) -> None:
    doc = _doc(sample_path)
    # The embedding ranker reads English; a fake translator gives each segment its own English.
    vocab = ("police fraud court weather football music harvest river election bank school hospital train "
             "festival mountain software painting recipe tourism satellite").split()
    table = {s.norm: " ".join(vocab[(i * k) % len(vocab)] for k in (1, 3, 7, 11)) + "."
             for i, s in enumerate(doc.segments)}
    tr = FakeTranslator(table)
    opts = TranslateOptions(glossary_mode="off", summary=SummaryOptions(ranker="embedding"))
    run_summarize([str(sample_path)], tmp_path, opts, translator=tr)
    rec = json.loads((tmp_path / "cloud-sword-2019-12-25.summary.json").read_text(encoding="utf-8"))
    assert rec["ranker"] == "embedding" and len(rec["sentences"]) == 5
    ids = [s["id"] for s in rec["sentences"]]
    assert ids[0] == "s1" and ids == sorted(ids, key=lambda i: int(i[1:]))


def test_summarize_translates_only_what_it_needs(sample_path: Path, tmp_path: Path) -> None:
    tr = FakeTranslator()
    report = run_summarize([str(sample_path)], tmp_path, TranslateOptions(glossary_mode="off"), translator=tr)
    assert not report.failed
    sent = [t for call in tr.calls for t in call]
    assert len(sent) == 5  # the five picks, the headline among them (the lead: the sample has no title), nothing else
    rec = json.loads((tmp_path / "cloud-sword-2019-12-25.summary.json").read_text(encoding="utf-8"))
    assert rec["headline"].startswith("EN<2019年12月25日")  # not s55, the title of a second article
    assert [s["id"] for s in rec["sentences"]] == ["s1", "s12", "s17", "s22", "s59"]
    assert all(s["en"] == f"EN<{_norm(sample_path, s['id'])}>" for s in rec["sentences"])
    md = (tmp_path / "cloud-sword-2019-12-25.summary.md").read_text(encoding="utf-8")
    assert "*[s59]*" in md and md.startswith("# EN<")


def _norm(path: Path, sid: str) -> str:
    return next(s.norm for s in _doc(path).segments if s.id == sid)


def test_translate_with_summary_adds_record(sample_path: Path, tmp_path: Path) -> None:
    opts = TranslateOptions(glossary_mode="off", summary=SummaryOptions(sentences=3))
    run_translate([str(sample_path)], tmp_path, opts, translator=FakeTranslator())
    last = json.loads((tmp_path / "cloud-sword-2019-12-25.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["type"] == "summary" and len(last["sentences"]) == 3
    assert (tmp_path / "cloud-sword-2019-12-25.summary.md").exists()


# ---------------------------------------------------------------------------- faithfulness


SOURCE = "截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。查缴资产1.6亿余元。"


def test_extractive_summary_is_checked_too(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。\n逮捕犯罪嫌疑人269名。\n",
                   encoding="utf-8")
    good = {"截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。":
            "As of November 2019, 94,000 telecom fraud cases were solved, up 30.3 percent.",
            "逮捕犯罪嫌疑人269名。": "269 suspects were arrested."}
    opts = TranslateOptions(glossary_mode="off", summary=SummaryOptions(sentences=2), cache=False)
    run_summarize([str(src)], tmp_path / "a", opts, translator=FakeTranslator(good))
    rec = json.loads((tmp_path / "a" / "r.summary.json").read_text(encoding="utf-8"))
    assert rec["faithful"] is True and rec["dropped"] == []
    bad = {**good, "逮捕犯罪嫌疑人269名。": "2,690 suspects were arrested."}
    run_summarize([str(src)], tmp_path / "b", opts, translator=FakeTranslator(bad))
    rec = json.loads((tmp_path / "b" / "r.summary.json").read_text(encoding="utf-8"))
    assert rec["faithful"] is False and rec["dropped"][0]["unsupported"] == ["2,690 suspects"]
    assert "Check before publishing" in (tmp_path / "b" / "r.summary.md").read_text(encoding="utf-8")


def test_faithfulness_drops_planted_wrong_numbers() -> None:
    sentences = [
        "As of November 2019, police solved 94,000 telecom fraud cases, up 30.3 percent.",
        "Assets worth more than 160 million yuan were seized.",
        "Police solved 9.4 million cases.",  # planted: magnitude wrong
        "Cases rose 33.3 percent.",  # planted: percentage changed
        "The campaign began on June 13, 2019.",  # planted: a date the source does not have
        "One of the suspects fled.",  # spelled-out one: not evidence of anything
    ]
    kept, dropped = faithful(sentences, SOURCE)
    assert kept == [sentences[0], sentences[1], sentences[5]]
    assert [d["en"] for d in dropped] == sentences[2:5]
    assert dropped[0]["unsupported"] == ["9.4 million cases"]


class PlantedSummarizer:
    """Stands in for a model that invents a figure."""

    class ref:
        id = "planted"

    def summarize(self, sentences: list[str]) -> str:
        return "Police solved 94,000 cases. Seizures reached 9 billion yuan. The crackdown continues."


def test_abstractive_summary_catches_planted_number(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(SOURCE + "\n", encoding="utf-8")
    doc = run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off"),
                        translator=FakeTranslator())
    assert not doc.failed
    d = _doc(src)
    summ = abstractive(d, PlantedSummarizer())  # type: ignore[arg-type]
    assert summ.sentences == ["Police solved 94,000 cases.", "The crackdown continues."]
    assert summ.dropped == [{"en": "Seizures reached 9 billion yuan.", "unsupported": ["9 billion yuan"]}]
    assert summ.to_record()["faithful"] is False


def test_abstractive_end_to_end_on_tiny_models(tiny_model: Path, tmp_path: Path, sample_path: Path) -> None:
    from tiny import build_tiny_bart

    bart = build_tiny_bart(tmp_path / "tiny-bart")
    summarizer = Seq2SeqSummarizer(str(bart))
    assert summarizer.window == 64
    doc = _doc(sample_path)
    chunks = summarizer.chunks([s.norm for s in doc.segments][:20])
    assert len(chunks) > 1  # the release does not fit the window: map, then reduce
    r = CliRunner().invoke(main, ["summarize", str(sample_path), "-o", str(tmp_path / "o"), "--model",
                                  str(tiny_model), "--beams", "1", "--summarizer", "abstractive",
                                  "--summary-model", str(bart), "-q"])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "o" / "cloud-sword-2019-12-25.summary.json").read_text(encoding="utf-8"))
    assert rec["method"] == "abstractive" and rec["model"] == str(bart)
    # Whatever a random model wrote, nothing with an unsupported figure survived.
    from pipeline.facts import unsupported

    source = "\n".join(s.norm for s in doc.segments)
    assert all(not unsupported(s["en"], source) for s in rec["sentences"])


def test_missing_summary_model_is_a_clear_error(sample_path: Path, tmp_path: Path, tiny_model: Path) -> None:
    # The translation model is there, so the run reaches the summary model and stops there.
    r = CliRunner().invoke(main, ["summarize", str(sample_path), "-o", str(tmp_path), "--summarizer",
                                  "abstractive", "--summary-model", str(tmp_path / "nope"), "--offline",
                                  "--model", str(tiny_model), "--engine", "torch", "--beams", "1"])
    assert r.exit_code == 2, r.output
    assert f"model {tmp_path / 'nope'}" in r.output and "Traceback" not in r.output
    assert not list(tmp_path.glob("*.summary.*"))
