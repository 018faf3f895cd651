"""The translate path: a tiny Marian model through the real loading code, and the fake translator."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.engines import load_translator
from pipeline.engines.base import collapse_repeats, runaway
from pipeline.engines.models import resolve_model
from pipeline.errors import ModelUnavailable
from pipeline.records import EngineOptions
from pipeline.run import TranslateOptions, run_translate

SHORT = "记者:当前电信网络诈骗犯罪的总体情况如何?\n孙劲峰:截至2019年11月,共破获电信诈骗案件9.4万起。\n"


def _records(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_tiny_model_through_cli_writes_three_outputs(tiny_model: Path, sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(out), "--model", str(tiny_model), "-q"])
    assert r.exit_code == 0, r.output
    stem = "cloud-sword-2019-12-25"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stem}{s}" for s in (".jsonl", ".md", ".en.txt"))
    recs = _records(out / f"{stem}.jsonl")
    prov, segs = recs[0], recs[1:]
    assert prov["type"] == "provenance"
    assert prov["model"] == str(tiny_model) and prov["model_revision"].startswith("sha256:")
    assert prov["engine"] == "torch" and prov["decoding"]["num_beams"] == 2  # from generation_config.json
    assert prov["input_sha256"] and prov["version"] and prov["created"]
    # One record per segment, in order, each translated (random weights: content is noise).
    seg_rows = json.loads(CliRunner().invoke(main, ["segment", str(sample_path)]).stdout)
    assert [s["id"] for s in segs] == [s["id"] for s in seg_rows]
    assert [(s["start"], s["end"]) for s in segs] == [(s["start"], s["end"]) for s in seg_rows]
    assert all(isinstance(s["target"], str) for s in segs)
    md = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert "**Sun Jinfeng** (孫勁峰)" in md
    txt = (out / f"{stem}.en.txt").read_text(encoding="utf-8")
    assert txt.count("Reporter: ") == 5


def test_beams_option_overrides_generation_config(tiny_model: Path) -> None:
    tr = load_translator(EngineOptions(model=str(tiny_model), beams=1))
    assert tr.settings()["num_beams"] == 1
    assert load_translator(EngineOptions(model=str(tiny_model))).settings()["num_beams"] == 2
    out = tr.translate(["公安部召开新闻发布会。", "公安部召开新闻发布会。", "记者："])
    assert len(out) == 3 and out[0] == out[1]


def test_missing_model_offline_message(tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    r = CliRunner().invoke(main, ["translate", str(sample_path), "-o", str(tmp_path / "o"),
                                  "--model", "Helsinki-NLP/opus-mt-zh-en", "--offline"])
    assert r.exit_code == 2
    assert "Helsinki-NLP/opus-mt-zh-en" in r.output
    assert "hf download Helsinki-NLP/opus-mt-zh-en" in r.output and "--model PATH" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_offline_makes_no_network_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("network used in offline mode")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelUnavailable, match="offline"):
        resolve_model("Helsinki-NLP/opus-mt-zh-en", offline=True)


def test_download_failure_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))

    def no_network(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(ModelUnavailable) as exc:
        resolve_model("Helsinki-NLP/opus-mt-zh-en", offline=False)
    assert "cannot be reached" in str(exc.value) and "Got:" not in str(exc.value)


@pytest.mark.parametrize("bad", ["no/such/folder/anywhere", "not a model id"])
def test_bad_model_names(bad: str) -> None:
    with pytest.raises(ModelUnavailable):
        resolve_model(bad, offline=True)


def test_incomplete_model_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelUnavailable, match="lacks"):
        resolve_model(str(tmp_path))


def test_fake_translator_end_to_end(fake_translator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "short.txt"
    src.write_text(SHORT + "来源:公安部网站\n分享到:\n", encoding="utf-8")
    report = run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off"),
                           translator=fake_translator)
    assert not report.failed
    recs = _records(tmp_path / "o" / "short.jsonl")[1:]
    assert [r["kind"] for r in recs] == ["turn", "turn", "boilerplate", "boilerplate"]
    assert recs[0]["target"] == "EN<当前电信网络诈骗犯罪的总体情况如何？>"
    assert recs[3]["target"] is None  # page furniture is kept but not translated
    # ... except the source line, which a reader of the English still needs
    assert "dateline" in recs[2]["flags"] and recs[2]["target"] == "EN<来源：公安部网站>"
    assert fake_translator.calls == [[recs[0]["norm"], recs[1]["norm"], recs[2]["norm"]]]
    txt = (tmp_path / "o" / "short.en.txt").read_text(encoding="utf-8")
    assert txt.startswith("Reporter: EN<") and "Sun Jinfeng: EN<" in txt
    assert "EN<来源：公安部网站>" in txt and "分享" not in txt


def test_one_bad_input_does_not_sink_the_rest(fake_translator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.txt"
    good.write_text(SHORT, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    report = run_translate([str(empty), str(good)], tmp_path / "o", translator=fake_translator)
    assert [r.error is None for r in report.results] == [False, True]
    assert (tmp_path / "o" / "good.jsonl").exists()


def test_outputs_never_overwrite_input(fake_translator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "x.md"
    src.write_text(SHORT, encoding="utf-8")
    report = run_translate([str(src)], tmp_path, TranslateOptions(formats=("md",)), translator=fake_translator)
    assert src.read_text(encoding="utf-8") == SHORT
    assert report.results[0].outputs == [tmp_path / "x-2.md"]  # the next free name, decided before writing


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import files as write

    target = tmp_path / "a.txt"
    target.write_text("good", encoding="utf-8")

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write.atomic_write(target, "half")
    assert target.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize(
    ("text", "loops", "collapsed"),
    [
        ("the police the police the police the police said", True, "the police said"),
        ("Zhang, Zhang, Zhang, Zhang", True, "Zhang"),
        ("He seized 100000000 yuan.", False, "He seized 100000000 yuan."),
        ("Cases rose 30.3% and fell 3.3%.", False, "Cases rose 30.3% and fell 3.3%."),
    ],
)
def test_repetition_guard(text: str, loops: bool, collapsed: str) -> None:
    assert runaway(text) is loops
    assert collapse_repeats(text).strip() == collapsed


def test_office_speaker_labels_go_through_the_model(tmp_path: Path) -> None:
    from conftest import FakeTranslator

    src = tmp_path / "r.txt"
    src.write_text("刑事侦查局负责人：今年以来，共破获案件1万起。\n记者：成效如何？\n", encoding="utf-8")
    tr = FakeTranslator()
    run_translate([str(src)], tmp_path / "o", TranslateOptions(glossary_mode="off", cache=False), translator=tr)
    sent = [t for call in tr.calls for t in call]
    assert "刑事侦查局负责人" in sent  # an office has no rule-made English: the model names it
    assert "记者" not in sent  # a reporter does: Reporter, by rule
    recs = [json.loads(x) for x in (tmp_path / "o" / "r.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    speakers = {r["speaker"]: r["speaker_en"] for r in recs if r["speaker"]}
    assert speakers == {"刑事侦查局负责人": "EN<刑事侦查局负责人>", "记者": "Reporter"}
