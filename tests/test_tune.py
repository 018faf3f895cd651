"""zhen tune: a tiny Marian model learns a few dozen approved pairs, the held-out report, the
stored model on both engines with its lineage, refusal of too few pairs, and resuming."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from tiny import EN_LINES, ZH_LINES, build_tiny_marian

from pipeline.cli import main
from pipeline.corpus.tune import TuneInterrupted, prepare_pairs, run_tune, split_held
from pipeline.engines import load_translator
from pipeline.engines.store import convert, lookup
from pipeline.records import EngineOptions, TuneOptions


def _pairs() -> list[tuple[str, str]]:
    """The tiny model's eight lines, their clauses paired in order and their first two clauses: a
    few dozen pairs in its vocabulary."""
    pairs = list(zip(ZH_LINES, EN_LINES, strict=True))
    for zh, en in zip(ZH_LINES, EN_LINES, strict=True):
        zc = [c for c in zh.replace("。", "，").split("，") if c]
        ec = [c for c in en.rstrip(".").replace(" and ", ", ").split(", ") if c]
        pairs += [(z + "。", e.strip().capitalize() + ".") for z, e in zip(zc, ec, strict=False)]
        if len(zc) > 2 and len(ec) > 2:
            pairs.append((f"{zc[0]}，{zc[1]}。", f"{ec[0].strip()}, {ec[1].strip()}."))
            pairs.append((f"{zc[1]}，{zc[2]}。", f"{ec[1].strip().capitalize()}, {ec[2].strip()}."))
    return pairs


PAIRS = _pairs()
TRAIN, HELD = split_held(prepare_pairs(PAIRS))
FAST = ["--no-terms", "--learning-rate", "5e-3", "--batch-size", "16", "--threads", "1"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # d_model 64 and 2 layers: the 16-wide model learns too slowly to show tuning in a test
    return build_tiny_marian(tmp_path_factory.mktemp("models") / "tune-base", beams=1, d_model=64, layers=2)


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    f = tmp_path / "approved.tsv"
    f.write_text("zh\ten\n" + "".join(f"{z}\t{e}\n" for z, e in PAIRS), encoding="utf-8")
    return f


def _chrf(model: str, engine: str, pairs: list[tuple[str, str]]) -> float:
    from sacrebleu.metrics import CHRF

    tr = load_translator(EngineOptions(model=model, engine=engine, threads=1))
    hyps = [t.text for t in tr.translate([zh for zh, _ in pairs])]
    return float(CHRF().corpus_score(hyps, [[en for _, en in pairs]]).score)


def test_tuning_makes_the_model_reproduce_its_pairs_on_both_engines(base: Path, pairs_file: Path) -> None:
    assert len(TRAIN) + len(HELD) == len(prepare_pairs(PAIRS)) >= 25 and len(HELD) >= 2
    before = _chrf(str(base), "torch", TRAIN)
    r = CliRunner().invoke(main, ["tune", "--pairs", str(pairs_file), "--base", str(base), "--name", "press-tuned",
                                  "--steps", "200", *FAST])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == f"held out ({len(HELD)} pairs, never trained on):"
    assert lines[1].startswith("  before  chrF ") and lines[2].startswith("  after   chrF ")
    assert f"200 steps on {len(TRAIN)} pairs + 0 terms" in lines[3]
    after = _chrf("press-tuned", "torch", TRAIN)
    assert before < 20 < 50 < after, (before, after)
    stored = lookup("press-tuned")
    assert stored is not None and stored.origin == "tuned" and stored.lineage is not None
    lineage = stored.lineage
    assert (lineage["base"], lineage["steps"]) == (str(base), 200)
    assert (lineage["pairs"], lineage["held_out"]) == (len(TRAIN), len(HELD))
    assert lineage["data"].startswith("sha256:") and set(lineage["after"]) >= {"chrf", "bleu", "term_accuracy"}
    converted = convert("press-tuned")
    assert converted.lineage == lineage  # the CTranslate2 copy says what it was made from
    assert _chrf("press-tuned", "ctranslate2", TRAIN) > 50


def test_too_few_pairs_are_refused_with_one_line(base: Path, tmp_path: Path) -> None:
    f = tmp_path / "few.tsv"
    f.write_text("zh\ten\n" + "".join(f"{z}\t{e}\n" for z, e in PAIRS[:8]), encoding="utf-8")
    r = CliRunner().invoke(main, ["tune", "--pairs", str(f), "--base", str(base), *FAST])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "needs at least 20 distinct pairs and has 8" in r.stderr


def test_an_interrupted_tune_resumes_from_its_checkpoint(base: Path) -> None:
    """Ctrl-C at step 5 (raised by the progress callback, as the terminal would deliver it) leaves
    a checkpoint; the same tune run again starts there and ends with the very weights of a tune
    that was never interrupted."""
    import torch
    from safetensors.torch import load_file

    options = TuneOptions(base=str(base), name="resumed", terms=False, steps=12, learning_rate=5e-3, batch_size=16,
                          threads=1, checkpoint_every=1000)

    def ctrl_c_at_5(step: int, total: int) -> None:
        if step == 5:
            raise KeyboardInterrupt

    with pytest.raises(TuneInterrupted, match="after step 5 of 12"):
        run_tune(PAIRS, options, progress=ctrl_c_at_5)
    assert lookup("resumed") is None
    resumed = run_tune(PAIRS, options)
    assert (resumed.resumed_from, resumed.steps) == (5, 12)
    straight = run_tune(PAIRS, replace(options, name="straight"))
    assert straight.resumed_from == 0
    a = load_file(str(Path(resumed.model.path) / "model.safetensors"))
    b = load_file(str(Path(straight.model.path) / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    start = load_file(str(base / "model.safetensors"))
    assert not torch.allclose(a["model.shared.weight"], start["model.shared.weight"])  # it did learn
