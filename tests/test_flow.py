"""One flow for every runner (pipeline.flow): a local run and the server's jobs give the same
segment records for the same input, and --facts off means no figure flag anywhere.
(The cluster's outputs are compared byte for byte with a local run's in test_cluster.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FakeTranslator

from pipeline.flow import STAGES, Context, pipe
from pipeline.glossary import load_glossary
from pipeline.records import SummaryOptions, TranslateOptions
from pipeline.run import run_translate
from pipeline.segment import segment_text
from pipeline.server.jobs import translate_source_bytes
from pipeline.write import FORMATS

ROOT = Path(__file__).resolve().parents[1]
# A release of our own in the seed's style: a figure the fake model gets wrong, a glossary term, a turn.
RELEASE = ("公安部召开新闻发布会\n\n"
           "今年以来，全国公安机关共破获电信网络诈骗案件9.4万起，抓获犯罪嫌疑人1.6万名。\n\n"
           "记者：请介绍一下“云剑”行动的情况。\n\n"
           "刑事侦查局负责人：“云剑”行动开展以来，追回赃款1.6亿余元。\n")
WRONG = {"今年以来，全国公安机关共破获电信网络诈骗案件9.4万起，抓获犯罪嫌疑人1.6万名。":
         "Since the beginning of this year, police solved 5,000 fraud cases and arrested 16,000 suspects."}


def _segment_lines(jsonl: str) -> list[str]:
    return [line for line in jsonl.splitlines() if json.loads(line).get("type") == "segment"]


def test_a_server_job_gives_the_segment_records_of_a_local_run(tmp_path: Path) -> None:
    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    options = TranslateOptions(formats=("jsonl",), cache=False, summary=SummaryOptions())
    report = run_translate([str(src)], tmp_path / "out", options, translator=FakeTranslator(WRONG))
    assert not report.failed
    local = _segment_lines((tmp_path / "out" / "release.jsonl").read_text(encoding="utf-8"))
    doc = translate_source_bytes(RELEASE.encode("utf-8"), ".txt", FakeTranslator(WRONG), load_glossary(()),
                                 options)
    served = _segment_lines(FORMATS["jsonl"].render(doc))
    assert len(local) == len(served) > 3
    assert served == local
    assert any("fact-changed" in line for line in local)  # the records carry verdicts


def _flags(doc_segments: tuple) -> list[str]:  # type: ignore[type-arg]
    found = []
    for seg in doc_segments:
        found += [f for f in seg.flags if f.startswith("fact-")]
        found += [c.kind for c in seg.checks if c.kind.startswith("fact-")]
    return found


def test_facts_off_gives_no_figure_flag_anywhere(tmp_path: Path) -> None:
    doc = segment_text(RELEASE, name="release")
    by_mode = {}
    for mode in ("off", "check"):
        ctx = Context(FakeTranslator(WRONG), None, TranslateOptions(facts=mode, cache=False))
        by_mode[mode] = pipe([doc], ctx)[0]
    assert "fact-changed" in _flags(by_mode["check"].segments)  # the release does have a wrong figure
    assert _flags(by_mode["off"].segments) == []
    assert all(seg.facts == () for seg in by_mode["off"].segments)


def test_facts_off_through_the_command_line_writes_no_figure_flag(tmp_path: Path) -> None:
    src = tmp_path / "release.txt"
    src.write_text(RELEASE, encoding="utf-8")
    options = TranslateOptions(formats=("jsonl",), cache=False, facts="off")
    run_translate([str(src)], tmp_path / "out", options, translator=FakeTranslator(WRONG))
    text = (tmp_path / "out" / "release.jsonl").read_text(encoding="utf-8")
    assert "fact-changed" not in text and "fact-missing" not in text and "fact-extra" not in text


def test_the_stages_run_in_one_order() -> None:
    assert list(STAGES) == ["names", "translate", "facts", "risk", "reviewed", "consistency", "matches", "summary"]

