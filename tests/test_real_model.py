"""Checks that need the real Helsinki-NLP/opus-mt-zh-en weights: `pytest -m slow` (off by default).

They fail, with the model's own how-to-get-it message, where the model cannot be had.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.engines import load_translator
from pipeline.facts import check_pair
from pipeline.records import EngineOptions
from pipeline.run import TranslateOptions, run_translate

pytestmark = pytest.mark.real_model

MODEL = "Helsinki-NLP/opus-mt-zh-en"


def test_real_model_translates_and_keeps_figures(tmp_path: Path) -> None:
    tr = load_translator(EngineOptions(model=MODEL, engine="torch"))
    assert tr.settings()["num_beams"] == 6 and tr.settings()["max_length"] == 512
    [out] = tr.translate(["截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。"])
    assert out.text and out.text.isascii()
    check = check_pair("截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。", out.text)
    assert len(check.checks) == 3 and check.ok, check  # the date, the count and the percentage all kept


def test_real_model_keeps_glossary_placeholders(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会，通报全国公安机关开展“云剑”行动工作情况。\n", encoding="utf-8")
    opts = TranslateOptions(engine=EngineOptions(model=MODEL, engine="torch"))
    report = run_translate([str(src)], tmp_path / "o", opts)
    assert report.terms["enforced"] >= 3 and report.terms["missing"] == 0, report.terms
