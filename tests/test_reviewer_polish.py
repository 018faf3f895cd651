"""What a reviewer sees and is told in a working day (issue 26): review state in the Markdown and
the review page, the summary's warnings, the progress bar, the run's messages."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from conftest import FakeTranslator

from pipeline.records import Review, Summary
from pipeline.run import TranslateOptions, run_translate
from pipeline.write import html as review_page
from pipeline.write import markdown
from pipeline.write.jsonl import load_document
from pipeline.write.notes import warnings_for

RELEASE = ("公安部召开新闻发布会。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n"
           "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。\n下一步，公安机关将始终保持严打高压态势。\n")


def _translated(tmp_path: Path, text: str = RELEASE, name: str = "briefing") -> Path:
    src = tmp_path / f"{name}.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = run_translate([str(src)], out, TranslateOptions(formats=["jsonl"], cache=False),
                           translator=FakeTranslator())
    assert not report.failed, report.results
    return out / f"{name}.jsonl"


def test_markdown_and_review_page_show_what_a_person_reviewed_and_approved(tmp_path: Path) -> None:
    doc = load_document(_translated(tmp_path))
    flagged = [s for s in doc.segments if warnings_for(s)]
    assert len(flagged) >= 2  # the fake model's English keeps the Chinese: every segment has a note
    approved, reviewed = flagged[0], flagged[1]
    segs = tuple(
        replace(s, flags=(*s.flags, "reviewed", "approved"),
                review=Review(state="signed-off", by="Li Na", at="2026-12-07T01:00:00+00:00")) if s is approved
        else replace(s, flags=(*s.flags, "reviewed"), review=Review(at="2026-12-07T00:50:00+00:00")) if s is reviewed
        else s for s in doc.segments)
    dropped = {"id": None, "en": "Police seized 777 phones.", "unsupported": ["777"]}
    summary = Summary("abstractive", None, "Cloud Sword", [], ["Police held a press conference."], [dropped])
    doc = replace(doc, segments=segs, summary=summary)

    md = markdown.render(doc)
    assert re.search(rf"approved by Li Na.*\({approved.id}\)", md), md
    assert re.search(rf"reviewed.*\({reviewed.id}\)", md), md
    others = [s.id for s in segs if s.id not in (approved.id, reviewed.id)]
    assert not any(re.search(rf"(approved|reviewed).*\({sid}\)", md) for sid in others)

    page = review_page.render(doc)
    row = re.search(rf'<div class="([^"]*)" id="{approved.id}"', page)
    assert row is not None and "flagged" not in row.group(1) and "approved" in row.group(1)
    assert re.search(rf'<div class="[^"]*reviewed[^"]*" id="{reviewed.id}"', page)
    assert "approved by Li Na" in page
    # an approved segment is no longer one to check first
    top = page.split('id="flagged"', 1)[1].split("</nav>", 1)[0]
    assert f'href="#{approved.id}"' not in top and f'href="#{reviewed.id}"' in top
    # the summary box carries the summary's "check before publishing" warnings, as summary.md does
    box = page.split('<section class="summary">', 1)[1].split("</section>", 1)[0]
    assert "Check before publishing" in box and "Police seized 777 phones." in box and "777" in box
