"""Engines (torch, ctranslate2), conversion, the model store and the translation memory."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator

from pipeline.cli import main
from pipeline.engines import load_translator, resolve_engine
from pipeline.engines.ctranslate2 import CT2Marian
from pipeline.engines.models import resolve_model
from pipeline.engines.store import convert, find_converted, import_folder, list_models
from pipeline.engines.torch import TorchMarian
from pipeline.errors import UsageError
from pipeline.memory import TranslationMemory
from pipeline.records import EngineOptions, Translation
from pipeline.run import TranslateOptions, run_translate

INPUTS = ["公安部召开新闻发布会。", "记者：成效如何？", "公安部召开新闻发布会。", "共破获电信诈骗案件9.4万起。",
          "下一步，公安机关将始终保持严打高压态势，加强国际警务执法合作。"]


@pytest.fixture(scope="module")
def ct2_model(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    home = tmp_path_factory.mktemp("ct2-home")
    old = os.environ.get("ZHEN_HOME")
    os.environ["ZHEN_HOME"] = str(home)
    try:
        return Path(convert(str(tiny_model)).path)
    finally:
        if old is None:
            os.environ.pop("ZHEN_HOME", None)
        else:
            os.environ["ZHEN_HOME"] = old


def test_conversion_keeps_tokenizers_and_settings(ct2_model: Path) -> None:
    names = {p.name for p in ct2_model.iterdir()}
    assert {"model.bin", "config.json", "source.spm", "target.spm", "generation_config.json",
            "zhen-model.json"} <= names
    meta = json.loads((ct2_model / "zhen-model.json").read_text())
    assert meta["engine"] == "ctranslate2" and meta["quantization"] == "int8" and meta["origin"] == "converted"


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_one_output_per_input_in_order(engine: str, tiny_model: Path, ct2_model: Path) -> None:
    ref = resolve_model(str(tiny_model))
    tr = TorchMarian(ref, EngineOptions(beams=2)) if engine == "torch" else CT2Marian(
        resolve_engine(str(ct2_model))[1], EngineOptions(beams=2))
    out = tr.translate(INPUTS)
    assert len(out) == len(INPUTS)
    assert out[0] == out[2]  # the same sentence gives the same English (and is translated once)
    assert all(isinstance(t.text, str) for t in out)
    assert tr.settings()["num_beams"] == 2


# Python run before a test's code: any import of torch or transformers fails, as on an install without them.
NO_TORCH = (
    "import sys, builtins\n"
    "real = builtins.__import__\n"
    "def guard(name, *a, **k):\n"
    "    if name.split('.')[0] in ('torch', 'transformers'):\n"
    "        raise ImportError('blocked: ' + name)\n"
    "    return real(name, *a, **k)\n"
    "builtins.__import__ = guard\n"
)


def test_ctranslate2_needs_no_torch_or_transformers(ct2_model: Path) -> None:
    import subprocess
    import sys

    code = (
        NO_TORCH +
        "from pipeline.engines import resolve_engine\n"
        "from pipeline.engines.ctranslate2 import CT2Marian\n"
        "from pipeline.records import EngineOptions\n"
        f"tr = CT2Marian(resolve_engine({str(ct2_model)!r})[1], EngineOptions(beams=2))\n"
        "print(len(tr.translate(['公安部召开新闻发布会。', '杀猪盘'])))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"


def test_zhen_translate_with_a_converted_model_needs_no_torch(ct2_model: Path, tmp_path: Path) -> None:
    """A user who installed without torch (bash setup.sh --no-torch) translates with a converted model."""
    import subprocess
    import sys

    code = (
        NO_TORCH +
        "from click.testing import CliRunner\n"
        "from pipeline.cli import main\n"
        f"r = CliRunner().invoke(main, ['translate', '-', '--model', {str(ct2_model)!r}, '--beams', '1', '-q'],\n"
        "                        input='公安部召开新闻发布会。\\n'.encode())\n"
        "assert r.exit_code == 0, (r.output, r.exception)\n"
        "print(r.stdout.strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.strip().splitlines()) == 1


def test_a_torch_model_without_torch_says_what_to_install(tiny_model: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name in ('torch', 'transformers') else real(name, *a)\n"
        "from click.testing import CliRunner\n"
        "from pipeline.cli import main\n"
        f"r = CliRunner().invoke(main, ['translate', '--text', '公安部。', '--model', {str(tiny_model)!r}])\n"
        "print(r.exit_code, r.output)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.startswith("2 ") and "zhen[torch]" in out.stdout and "Traceback" not in out.stdout


def test_fixed_lengths_reach_both_engines(tiny_model: Path, ct2_model: Path) -> None:
    """Benchmarks rely on both engines decoding exactly ceil(ratio x source tokens) tokens."""
    import math

    text = "公安部召开新闻发布会。"
    torch_tr = TorchMarian(resolve_model(str(tiny_model)), EngineOptions(beams=1), fixed_ratio=1.3)
    want = math.ceil(1.3 * torch_tr.count_tokens(text))
    torch_tr._load()
    seen: dict[str, Any] = {}
    real = torch_tr._net.generate

    def spy(**kw: Any) -> Any:
        seen["gc"] = kw["generation_config"]
        out = real(**kw)
        seen["length"] = out.shape[1]
        return out

    torch_tr._net.generate = spy
    torch_tr.translate([text])
    assert seen["gc"].min_new_tokens == seen["gc"].max_new_tokens == want
    assert seen["length"] == want + 1  # the decoder's start token, then exactly `want` new ones
    ct2_tr = CT2Marian(resolve_engine(str(ct2_model))[1], EngineOptions(beams=1), fixed_ratio=1.3)
    toks, kwargs = ct2_tr._request([text], {})
    assert len(toks[0]) == torch_tr.count_tokens(text)
    assert kwargs["min_decoding_length"] == kwargs["max_decoding_length"] == want


def test_bf16_runs_in_bf16(tiny_model: Path) -> None:
    import torch

    ref = resolve_model(str(tiny_model))
    fp32 = TorchMarian(ref, EngineOptions(beams=2, precision="float32"))
    bf16 = TorchMarian(ref, EngineOptions(beams=2, precision="bfloat16"))
    out32, out16 = fp32.translate(INPUTS), bf16.translate(INPUTS)
    assert next(bf16._net.parameters()).dtype == torch.bfloat16 and bf16.settings()["dtype"] == "bfloat16"
    assert next(fp32._net.parameters()).dtype == torch.float32 and fp32.settings()["dtype"] == "float32"
    assert len(out16) == len(out32) == len(INPUTS)
    assert all(isinstance(t.text, str) and t.text for t in out16)


class _Loopy(TorchMarian):
    """The torch engine with a scripted model: what it says first, and what it says when retried."""

    def __init__(self, ref: Any, first: list[str], retried: list[str]) -> None:
        super().__init__(ref, EngineOptions(beams=1))
        self.first, self.retried = first, retried
        self.requests: list[tuple[list[str], dict[str, Any]]] = []

    def _generate(self, texts: list[str], **extra: Any) -> list[tuple[str, float | None]]:
        self.requests.append((list(texts), extra))
        return [(t, -0.5) for t in (self.retried if extra else self.first)[: len(texts)]]


def test_a_looping_output_is_retried_with_penalties(tiny_model: Path) -> None:
    loop = "the police said " * 5
    tr = _Loopy(resolve_model(str(tiny_model)), first=[loop.strip(), "Cases fell."], retried=["The police said so."])
    out = tr.translate(["甲。", "乙。"])
    assert [t.text for t in out] == ["The police said so.", "Cases fell."]
    assert out[0].flags == ("repetition-retried",) and out[1].flags == ()
    assert tr.requests[1] == (["甲。"], {"no_repeat_ngram_size": 3, "repetition_penalty": 1.3})


def test_a_loop_that_survives_the_retry_is_collapsed_and_flagged(tiny_model: Path) -> None:
    loop = ("the police said " * 5).strip()
    tr = _Loopy(resolve_model(str(tiny_model)), first=[loop], retried=[loop])
    [out] = tr.translate(["甲。"])
    assert out.flags == ("repetition-collapsed",)
    assert out.text.count("the police said") == 1


def test_ctranslate2_retry_passes_the_penalties(ct2_model: Path) -> None:
    tr = CT2Marian(resolve_engine(str(ct2_model))[1], EngineOptions(beams=2))
    _, plain = tr._request(["公安部。"], {})
    _, retry = tr._request(["公安部。"], {"no_repeat_ngram_size": 3, "repetition_penalty": 1.3})
    assert "no_repeat_ngram_size" not in plain and "repetition_penalty" not in plain
    assert retry["no_repeat_ngram_size"] == 3 and retry["repetition_penalty"] == 1.3 and retry["beam_size"] == 2


@pytest.mark.parametrize("change", [{"facts": "off"}, {"max_tokens": 64}, {"formats": ("jsonl", "md")}])
def test_a_changed_option_makes_outputs_stale(tmp_path: Path, change: dict[str, Any]) -> None:
    from dataclasses import replace

    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n共破获案件9.4万起。\n", encoding="utf-8")
    opts = TranslateOptions(cache=False, formats=("jsonl", "md", "txt"))
    run_translate([str(src)], tmp_path / "o", opts, translator=FakeTranslator())
    again = run_translate([str(src)], tmp_path / "o", opts, translator=FakeTranslator())
    assert [r.skipped for r in again.results] == [True]
    changed = run_translate([str(src)], tmp_path / "o", replace(opts, **change), translator=FakeTranslator())
    assert [r.skipped for r in changed.results] == [False]


def test_engine_auto_prefers_the_converted_copy(tiny_model: Path, ct2_model: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZHEN_HOME", str(ct2_model.parents[1]))
    assert find_converted(str(tiny_model)) is not None
    assert resolve_engine(str(tiny_model), "auto")[0] == "ctranslate2"
    assert resolve_engine(str(tiny_model), "torch")[0] == "torch"
    assert load_translator(EngineOptions(model=str(tiny_model))).engine == "ctranslate2"


def test_engine_ctranslate2_without_conversion_says_how(tiny_model: Path) -> None:
    with pytest.raises(UsageError, match="zhen models convert"):
        resolve_engine(str(tiny_model), "ctranslate2")
    assert resolve_engine(str(tiny_model), "auto")[0] == "torch"


def test_models_commands(tiny_model: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    r = run(main, ["models", "convert", str(tiny_model)])
    assert r.exit_code == 0, r.output
    r = run(main, ["models", "import", str(tiny_model), "--id", "team/tiny-marian"])
    assert r.exit_code == 0, r.output
    r = run(main, ["models", "list"])
    lines = r.output.strip().splitlines()
    assert len(lines) == 2
    assert any("ctranslate2-int8" in ln and "converted" in ln for ln in lines)
    assert any("team/tiny-marian" in ln and "torch" in ln and "imported" in ln for ln in lines)
    r = run(main, ["models", "path", "team/tiny-marian"])
    assert r.exit_code == 0 and Path(r.output.strip(), "model.safetensors").exists()
    assert run(main, ["models", "path", "nope"]).exit_code == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{}")
    r = run(main, ["models", "import", str(bad)])
    assert r.exit_code == 2 and "lacks" in r.output
    assert len(list_models()) == 2  # nothing half-imported


def test_import_of_a_converted_model(ct2_model: Path) -> None:
    m = import_folder(str(ct2_model), "tiny-ct2")
    assert m.engine == "ctranslate2" and m.origin == "imported"


# ---------------------------------------------------------------------------- translation memory


SRC = "记者:当前电信网络诈骗犯罪的总体情况如何?\n孙劲峰:截至2019年11月,共破获电信诈骗案件9.4万起。\n12345\n"


def test_rerun_calls_no_model(tmp_path: Path, tiny_model: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(SRC, encoding="utf-8")
    first = load_translator(EngineOptions(model=str(tiny_model), engine="torch", beams=1))
    run_translate([str(src)], tmp_path / "a", TranslateOptions(engine=EngineOptions(beams=1)), translator=first)
    assert first.calls >= 1  # type: ignore[attr-defined]
    second = load_translator(EngineOptions(model=str(tiny_model), engine="torch", beams=1))
    report = run_translate([str(src)], tmp_path / "b", TranslateOptions(engine=EngineOptions(beams=1)),
                           translator=second)
    assert second.calls == 0 and second._net is None  # type: ignore[attr-defined]
    assert report.cache["misses"] == 0 and report.cache["hits"] > 0
    a = (tmp_path / "a" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    b = (tmp_path / "b" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    assert a == b


def test_numbers_only_segments_are_copied(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    # As turns: alone on their lines, a bare number and an English line are page furniture
    # under the structure conventions, and furniture is never translated at all.
    # (the speech around them makes the lines turns: the structure model reads a bare number
    # after 记者: as no speech)
    src.write_text("记者:请问如何?12345\n记者:请介绍一下。Press release 2019\n公安部。\n", encoding="utf-8")
    tr = FakeTranslator()
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off"), translator=tr)
    segs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert [s["target"] for s in segs] == ["EN<请问如何？>", "12345", "EN<请介绍一下。>", "Press release 2019",
                                           "EN<公安部。>"]
    assert "copied" in segs[1]["flags"]
    assert tr.calls == [["请问如何？", "请介绍一下。", "公安部。"]]  # the copied ones never reach the model


@pytest.mark.parametrize("change", ["beams", "glossary"])
def test_changed_settings_miss_the_cache(change: str, tmp_path: Path, tiny_model: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(SRC, encoding="utf-8")
    first = EngineOptions(beams=1, engine="torch", model=str(tiny_model))
    run_translate([str(src)], tmp_path / "a", TranslateOptions(engine=first))
    opts = TranslateOptions(engine=EngineOptions(beams=2 if change == "beams" else 1, engine="torch",
                                                 model=str(tiny_model)))
    if change == "glossary":
        g = tmp_path / "g.tsv"
        g.write_text("zh\ten\n公安部\tMPS\n", encoding="utf-8")
        opts = TranslateOptions(engine=first, glossary=(str(g),))
    report = run_translate([str(src)], tmp_path / "b", opts)
    assert report.cache["misses"] > 0


def test_no_cache_bypasses_memory(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部。\n", encoding="utf-8")
    for _ in range(2):
        tr = FakeTranslator()
        # --force too: the second run would otherwise find its outputs up to date and skip them
        report = run_translate([str(src)], tmp_path / "o", TranslateOptions(cache=False, force=True), translator=tr)
        assert tr.calls and report.cache == {}


def _writer(args: tuple[str, int]) -> None:
    path, k = args
    tm = TranslationMemory(Path(path))
    for i in range(30):
        tm.put_many("ctx", [(f"源{k}-{i}", Translation(f"target {k}-{i}"))])
        assert tm.get_many("ctx", [f"源{k}-{i}"])[f"源{k}-{i}"].text == f"target {k}-{i}"
    tm.close()


def test_concurrent_runs_share_the_memory(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_writer, [(str(path), k) for k in range(4)])
    tm = TranslationMemory(path)
    assert tm.stats()["entries"] == 120
    assert tm.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert tm.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _opener(path: str) -> int:
    tm = TranslationMemory(Path(path))
    tm.put_many("ctx", [(path, Translation("t"))])
    tm.close()
    return 1


def test_runs_creating_the_memory_at_once_all_get_it(tmp_path: Path) -> None:
    # Switching a new file to WAL is the racy moment (unretried, 4 of 160 openings failed).
    paths = [str(tmp_path / f"tm{i}.sqlite") for i in range(40)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert sum(pool.map(_opener, [p for p in paths for _ in range(4)], chunksize=1)) == 160
    assert all(TranslationMemory(Path(p)).stats()["entries"] == 1 for p in paths)


def test_cache_commands(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("公安部。\n", encoding="utf-8")
    run_translate([str(src)], tmp_path / "o", TranslateOptions(), translator=FakeTranslator())
    r = CliRunner().invoke(main, ["cache", "stats"])
    assert "1 entry in" in r.output
    r = CliRunner().invoke(main, ["cache", "clear", "--yes"])
    assert r.exit_code == 0 and "removed 1" in r.output
    assert "0 entries" in CliRunner().invoke(main, ["cache", "stats"]).output


def _pairs() -> list[tuple[str, str]]:
    from tiny import EN_LINES, ZH_LINES

    return list(zip(ZH_LINES, EN_LINES, strict=True))


def _copy(ct2_model: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(ct2_model, tmp_path / "ct2"))


def test_shortlist_coverage_bounds(ct2_model: Path) -> None:
    import sentencepiece as spm

    from pipeline.engines.shortlist import coverage, learn

    sp = spm.SentencePieceProcessor(model_file=str(ct2_model / "target.spm"))
    every_piece = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    assert coverage(_pairs(), ct2_model, (every_piece, {})) == (1.0, len(_pairs()))
    assert coverage(_pairs(), ct2_model, ([], {})) == (0.0, len(_pairs()))
    # learnt from the same pairs with room for every piece, the shortlist lets their English through
    assert coverage(_pairs(), ct2_model, learn(_pairs(), ct2_model, per_source=1000, common=0))[0] == 1.0


def test_shortlist_is_held_out_checked_written_and_used(ct2_model: Path, tmp_path: Path) -> None:
    from pipeline.engines.shortlist import build_checked, fingerprint, read_vmap

    model = _copy(ct2_model, tmp_path)
    entries, always, cover, held = build_checked(_pairs() * 3, model, per_source=5, common=10, holdout_every=4)
    assert held == 6 and 0.0 < cover <= 1.0
    assert entries > 0 and always == 10
    assert len(read_vmap(model)[0]) == 10
    ref = resolve_engine(str(model))[1]
    used = CT2Marian(ref, EngineOptions(beams=2))
    assert used.use_vmap and used.settings()["shortlist"] == fingerprint(model)
    assert len(used.translate(INPUTS)) == len(INPUTS)
    off = CT2Marian(ref, EngineOptions(beams=2, shortlist=False))
    assert not off.use_vmap and off.settings()["shortlist"] is None  # a different translation-memory key


def test_shortlist_limits_what_the_decoder_can_write(ct2_model: Path, tmp_path: Path) -> None:
    model = _copy(ct2_model, tmp_path)
    allowed = ["▁the", "s", "."]
    (model / "vmap.txt").write_text("\t" + " ".join(allowed) + "\n", encoding="utf-8")
    tr = CT2Marian(resolve_engine(str(model))[1], EngineOptions(beams=2))
    toks, kwargs = tr._request(INPUTS[:2], {})
    for result in tr._tr.translate_batch(toks, **kwargs):
        assert set(result.hypotheses[0]) <= {*allowed, "</s>"}, result.hypotheses[0]


def test_models_shortlist_command(tiny_model: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    assert run(main, ["models", "convert", str(tiny_model)]).exit_code == 0
    corpus = tmp_path / "pairs.tsv"
    corpus.write_text("zh\ten\n" + "".join(f"{zh}\t{en}\n" for zh, en in _pairs() * 5), encoding="utf-8")
    r = run(main, ["models", "shortlist", str(tiny_model), "--corpus", str(corpus), "--common", "5"])
    assert r.exit_code == 0, r.output
    assert "held-out check" in r.output and "of 2 pairs" in r.output
    stored = find_converted(str(tiny_model))
    assert stored is not None and (Path(stored.path) / "vmap.txt").is_file()
    # the torch original stored under the same id does not get in the way
    assert run(main, ["models", "import", str(tiny_model), "--id", str(tiny_model)]).exit_code == 0
    assert run(main, ["models", "shortlist", str(tiny_model), "--corpus", str(corpus)]).exit_code == 0
    # a CTranslate2 folder outside the store
    import shutil

    outside = Path(shutil.copytree(stored.path, tmp_path / "by-hand"))
    (outside / "vmap.txt").unlink()
    r = run(main, ["models", "shortlist", str(outside), "--corpus", str(corpus)])
    assert r.exit_code == 0 and (outside / "vmap.txt").is_file(), r.output
    assert run(main, ["models", "shortlist", str(tmp_path), "--corpus", str(corpus)]).exit_code == 2
    binary = tmp_path / "bad.tsv"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 50)
    r = run(main, ["models", "shortlist", str(tiny_model), "--corpus", str(binary)])
    assert r.exit_code == 2 and "not UTF-8" in r.output and "Traceback" not in r.output
    empty = tmp_path / "empty.tsv"
    empty.write_text("zh\ten\n", encoding="utf-8")
    r = run(main, ["models", "shortlist", str(tiny_model), "--corpus", str(empty)])
    assert r.exit_code == 2 and "no sentence pairs" in r.output


def test_shortlist_choices_that_cannot_work_say_why(tiny_model: Path, ct2_model: Path) -> None:
    with pytest.raises(UsageError, match="ctranslate2 engine"):
        load_translator(EngineOptions(model=str(tiny_model), engine="torch", shortlist=True))
    with pytest.raises(UsageError, match="zhen models shortlist"):
        CT2Marian(resolve_engine(str(ct2_model))[1], EngineOptions(shortlist=True))


def test_torch_scores_are_the_mean_token_log_probability(tiny_model: Path) -> None:
    """Checked against transformers' own transition scores of a greedy decode."""
    import torch

    tr = TorchMarian(resolve_model(str(tiny_model)), EngineOptions(beams=1, precision="float32"))
    texts = ["公安部召开新闻发布会。", "共破获电信诈骗案件9.4万起。"]
    tr._load()
    # A random model never ends by itself: at the length limit generate() forces </s> and calls
    # it certain, where our score keeps the model's own (low) belief. Compare without forcing.
    tr._net.generation_config.forced_eos_token_id = None
    out = [score for _, score in tr._generate(texts)]  # one generate() call, before any loop retry
    enc = tr._tok(texts, return_tensors="pt", padding=True)
    gc = tr._net.generation_config
    gc.num_beams, gc.max_length, gc.max_new_tokens = 1, None, tr._lengths(int(enc["attention_mask"].sum(1).max()))[1]
    with torch.inference_mode():
        g = tr._net.generate(**enc, generation_config=gc, output_scores=True, return_dict_in_generate=True)
        trans = tr._net.compute_transition_scores(g.sequences, g.scores, normalize_logits=True)
    keep = g.sequences[:, 1:] != tr._net.config.pad_token_id
    want = ((trans * keep).sum(1) / keep.sum(1)).tolist()
    assert out == pytest.approx(want, abs=1e-3)
    assert all(score is not None and score < 0 for score in out)


def test_ctranslate2_returns_scores(ct2_model: Path) -> None:
    tr = CT2Marian(resolve_engine(str(ct2_model))[1], EngineOptions(beams=2))
    out = tr.translate(INPUTS)
    assert all(t.score is not None and t.score < 0 for t in out)
    assert out[0].score == out[2].score  # the same sentence, the same hypothesis


def test_scores_reach_the_output_and_a_threshold_flags_them(tmp_path: Path, tiny_model: Path) -> None:
    from dataclasses import replace

    src = tmp_path / "r.txt"
    src.write_text("公安部召开新闻发布会。\n", encoding="utf-8")
    tr = TorchMarian(resolve_model(str(tiny_model)), EngineOptions(beams=1))
    opts = TranslateOptions(cache=False, glossary_mode="off", formats=("jsonl", "xliff"))
    run_translate([str(src)], tmp_path / "a", opts, translator=tr)
    run_translate([str(src)], tmp_path / "b", replace(opts, min_confidence=0.0), translator=tr)
    a = [json.loads(x) for x in (tmp_path / "a" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    b = [json.loads(x) for x in (tmp_path / "b" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert all(isinstance(r["score"], float) and r["score"] < 0 for r in a)
    assert not any("low-confidence" in r["flags"] for r in a)
    assert all("low-confidence" in r["flags"] for r in b)  # every log-probability is below 0
    assert "needs-review-translation" in (tmp_path / "b" / "r.xliff").read_text(encoding="utf-8")
