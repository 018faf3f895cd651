"""`zhen eval`: sacrebleu scores with signatures, source-side measures, the paired bootstrap."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main

ZH = ["本次行动共抓获犯罪嫌疑人87名。", "民警迅速赶到现场。", "涉案金额达1.2亿元。", "犯罪嫌疑人贾某已被刑事拘留。"]
REF = ["A total of 87 suspects were arrested in the operation.", "Police officers quickly arrived at the scene.",
       "The amount involved reached 120 million yuan.", "The suspect Jia has been placed under criminal detention."]
BROKEN = ["A total of 870 suspects were arrested in the operation.", "Police officers arrived.",
          "The amount involved reached 120 million yuan.", "The suspect has been placed under criminal detention."]


def _write(tmp_path: Path, name: str, lines: list[str]) -> str:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def test_eval_scores_and_source_measures(tmp_path: Path) -> None:
    ref = _write(tmp_path, "ref.txt", REF)
    src = _write(tmp_path, "zh.txt", ZH)
    good = CliRunner().invoke(main, ["eval", ref, "--ref", ref, "--src", src, "--format", "json", "--glossary",
                                     _write(tmp_path, "g.tsv", ["zh\ten\tkind\tnote"])])
    assert good.exit_code == 0, good.output
    (row,) = json.loads(good.stdout)["systems"]
    assert row["bleu"] == 100.0 and row["chrf"] == 100.0
    assert row["bleu_signature"].startswith("nrefs:1|") and "tok:13a" in row["bleu_signature"]
    assert row["figure_agreement"] == 1.0 and row["risk"]["ok"] == 1.0

    hyp = _write(tmp_path, "hyp.txt", BROKEN)
    bad = CliRunner().invoke(main, ["eval", hyp, "--ref", ref, "--src", src, "--format", "json"])
    (row,) = json.loads(bad.stdout)["systems"]
    assert row["bleu"] < 100 and row["figure_agreement"] < 1.0 and row["risk"]["ok"] <= 0.5


def test_eval_compare_runs_a_paired_bootstrap(tmp_path: Path) -> None:
    ref = _write(tmp_path, "ref.txt", REF * 5)
    hyp = _write(tmp_path, "hyp.txt", BROKEN * 5)
    r = CliRunner().invoke(main, ["eval", hyp, "--ref", ref, "--compare", ref])
    assert r.exit_code == 0, r.output
    assert "paired bootstrap" in r.stdout and "p = " in r.stdout
    assert "give --src" in r.stdout


def test_eval_misaligned_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["eval", _write(tmp_path, "h.txt", REF), "--ref", _write(tmp_path, "r.txt", REF[:2])])
    assert r.exit_code == 2 and "must align" in r.output and "Traceback" not in r.output
