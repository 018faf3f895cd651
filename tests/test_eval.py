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


def _jsonl(tmp_path: Path, targets: list[str], scores: list[float]) -> str:
    """A zhen JSONL output as translate writes it (segments only: what eval and check read)."""
    recs = [{"type": "segment", "id": f"s{i}", "text": z, "norm": z, "target": t, "score": s}
            for i, (z, t, s) in enumerate(zip(ZH * 5, targets, scores, strict=True), 1)]
    p = tmp_path / "out.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return str(p)


def test_eval_calibrates_the_confidence_threshold(tmp_path: Path) -> None:
    # The broken English is the one the model was unsure of: its low scores should single it out.
    targets = [b if i % 2 else r for i, (r, b) in enumerate(zip(REF * 5, BROKEN * 5, strict=True))]
    # the worst English ("Police officers arrived.", every fourth segment from the second) scored lowest
    scores = [(-3.0 if i % 4 == 1 else -2.0 if i % 2 else -0.3) - i / 100 for i in range(20)]
    ref = _write(tmp_path, "ref.txt", REF * 5)
    r = CliRunner().invoke(main, ["eval", _jsonl(tmp_path, targets, scores), "--ref", ref, "--format", "json"])
    assert r.exit_code == 0, r.output
    conf = json.loads(r.stdout)["systems"][0]["confidence"]
    assert conf["segments"] == 20 and conf["spearman"] > 0.5
    # every threshold below the gap flags only broken segments, whose chrF is lower than the rest's
    for t in conf["thresholds"]:
        assert t["min_confidence"] <= -2.0 and t["chrf_flagged"] < t["chrf_rest"]
    assert [t["flagged"] for t in conf["thresholds"]] == [0.05, 0.1, 0.2, 0.3]
    text = CliRunner().invoke(main, ["eval", _jsonl(tmp_path, targets, scores), "--ref", ref])
    assert "Spearman" in text.stdout and "--min-confidence -2" in text.stdout


def test_check_tries_a_confidence_threshold_on_an_output(tmp_path: Path) -> None:
    out = _jsonl(tmp_path, REF * 5, [-0.2] * 19 + [-3.5])
    r = CliRunner().invoke(main, ["check", out, "--no-glossary", "--min-confidence", "-1", "--format", "json"])
    assert r.exit_code == 1, r.output
    flagged = [json.loads(x) for x in r.stdout.splitlines() if "low-confidence" in x]
    assert len(flagged) == 1 and flagged[0]["risk"] == "check"
    assert "confidence (-3.50) is below -1" in flagged[0]["flags"][0]["reason"]
    assert CliRunner().invoke(main, ["check", out, "--no-glossary"]).exit_code == 0
    # line files have no scores: asking for a threshold there is a usage error, not a silent no-op
    bad = CliRunner().invoke(main, ["check", "--zh", _write(tmp_path, "z.txt", ZH), "--en",
                                    _write(tmp_path, "e.txt", REF), "--min-confidence", "-1"])
    assert bad.exit_code == 2 and "--min-confidence" in bad.output and "Traceback" not in bad.output


def test_eval_says_a_score_that_ranks_backwards_does_not_help(tmp_path: Path) -> None:
    # The same English as above, but the model is surest where it is worst: rho is negative, and a
    # threshold on the score would flag the good segments. No threshold is offered then.
    targets = [b if i % 2 else r for i, (r, b) in enumerate(zip(REF * 5, BROKEN * 5, strict=True))]
    scores = [-((-3.0 if i % 4 == 1 else -2.0 if i % 2 else -0.3) - i / 100) - 4 for i in range(20)]
    ref = _write(tmp_path, "ref.txt", REF * 5)
    out = _jsonl(tmp_path, targets, scores)
    r = CliRunner().invoke(main, ["eval", out, "--ref", ref, "--format", "json"])
    assert r.exit_code == 0, r.output
    conf = json.loads(r.stdout)["systems"][0]["confidence"]
    assert conf["spearman"] < 0 and conf["thresholds"] == []
    text = CliRunner().invoke(main, ["eval", out, "--ref", ref]).stdout
    assert "Spearman" in text and "--min-confidence -" not in text
    assert "does not help" in text
