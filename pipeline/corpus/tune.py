"""zhen tune: fine-tune a Marian model on approved translations, measure it, store it.

The pairs are the memory's human translations (merged reviews, server approvals, `zhen tm
import`) or a file (`zhen align` TSV/JSONL, any zh<TAB>en TSV, a TMX). A tenth of them, chosen
by a hash of the Chinese (so a pair stays held out as the archive grows), is held out: the base
and the tuned model translate it, and chrF, BLEU (sacrebleu) and term accuracy are reported
before and after. Glossary terms join the training pairs as short examples. The tuned model
goes into the model store with its lineage (base model, data checksum, steps, figures); from
then on it is a `--model NAME` like any other and `zhen models convert NAME` makes its
CTranslate2 copy.

A plain torch loop, not transformers' Seq2SeqTrainer: the Trainer needs the accelerate package
(one more dependency for a loop of a dozen lines), and it resumes only from its own checkpoint
folders with the same TrainingArguments, while zhen resumes a tune from a checkpoint named by
what is being tuned (base, data, settings) in ZHEN_HOME, writes it atomically, and keeps the
progress bar, the memory bound and the one-line errors in its own hands.

CPU-friendly: 2 threads, batches of 8 pairs cut to 128 tokens a side (the memory bound: for
opus-mt-zh-en about 1.2 GB of weights, gradients and Adam moments plus the batch's
activations), a checkpoint every 50 steps and on Ctrl-C, and the data order a function of the
seed and the epoch, so a resumed tune takes the very steps the interrupted one would have.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..engines import load_translator
from ..engines.models import folder_fingerprint, resolve_model
from ..engines.store import install_tuned
from ..errors import InputError, UsageError, ZhenError
from ..files import ensure_dir, zhen_home
from ..glossary import Glossary, load_glossary, match
from ..memory import TranslationMemory
from ..normalize import to_norm
from ..records import EngineOptions, StoredModel, TuneOptions
from ..write.aligned import parse_pairs
from ..write.tmx import read_tmx_pairs

Pair = tuple[str, str]
Progress = Callable[[int, int], None]  # (steps done, steps in all), after every step


class TuneInterrupted(ZhenError):
    """Ctrl-C (or SIGTERM) during training: the checkpoint is written; exit 130 as for any
    interrupted command (1 would mean that some input failed)."""

    exit_code = 130


@dataclass
class Figures:
    chrf: float
    bleu: float
    term_accuracy: float | None  # share of glossary terms the reference uses that the output uses too
    terms: int  # how many such terms


@dataclass
class TuneReport:
    model: StoredModel
    train: int
    held: int
    terms: int
    steps: int
    resumed_from: int
    before: Figures
    after: Figures
    checksum: str
    lineage: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- the pairs


def read_pairs_file(path: Path) -> list[Pair]:
    """zh<TAB>en pairs from a TMX, `zhen align` TSV or JSONL (links marked ok only) or any TSV."""
    if path.suffix.lower() == ".tmx":
        return read_tmx_pairs(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read pairs ({exc})") from None
    return [("".join(a.zh), " ".join(a.en)) for a in parse_pairs(text, str(path)) if a.status == "ok" and a.zh and a.en]


def memory_pairs() -> list[Pair]:
    """The memory's human translations (reviewed, approved, imported)."""
    tm = TranslationMemory(strict=True)
    try:
        return [(zh, en) for zh, en, *_ in tm.reviewed_all()]
    finally:
        tm.close()


def prepare_pairs(pairs: Sequence[Pair]) -> list[Pair]:
    """Normalized Chinese (the model's input), one English per Chinese (the last one given)."""
    out: dict[str, str] = {}
    for zh, en in pairs:
        z, e = to_norm(zh.strip()), " ".join(en.split())
        if z and e:
            out[z] = e
    return sorted(out.items())


def split_held(pairs: Sequence[Pair], share: float = 0.1) -> tuple[list[Pair], list[Pair]]:
    """(train, held out): the tenth whose Chinese hashes lowest, at least one pair."""
    ranked = sorted(pairs, key=lambda p: hashlib.sha256(p[0].encode()).hexdigest())
    n = max(1, round(len(pairs) * share))
    held = set(ranked[:n])
    return [p for p in pairs if p not in held], [p for p in pairs if p in held]


def checksum(train: Sequence[Pair], held: Sequence[Pair], terms: Sequence[Pair]) -> str:
    h = hashlib.sha256()
    for part, rows in (("train", train), ("held", held), ("terms", terms)):
        h.update(part.encode() + b"\0")
        for zh, en in rows:
            h.update(zh.encode() + b"\t" + en.encode() + b"\n")
    return "sha256:" + h.hexdigest()[:16]


def term_pairs(glossary: Glossary) -> list[Pair]:
    return sorted({(to_norm(t.zh), t.en) for t in glossary.terms if t.zh.strip() and t.en.strip()})


# ---------------------------------------------------------------------------- figures


def figures(hyps: Sequence[str], pairs: Sequence[Pair], glossary: Glossary | None) -> Figures:
    from sacrebleu.metrics import BLEU, CHRF

    refs = [en for _, en in pairs]
    chrf = CHRF().corpus_score(list(hyps), [refs]).score
    bleu = BLEU().corpus_score(list(hyps), [refs]).score
    used = kept = 0
    for hyp, (zh, ref) in zip(hyps, pairs, strict=True):
        for hit in match(zh, glossary) if glossary is not None else []:
            if hit.en.lower() in ref.lower():
                used += 1
                kept += hit.en.lower() in hyp.lower()
    return Figures(round(chrf, 2), round(bleu, 2), round(kept / used, 4) if used else None, used)


def translate_with(model: str, texts: Sequence[str], threads: int, offline: bool | None) -> list[str]:
    """The model's own English (no glossary, no memory): what tuning changes."""
    tr = load_translator(EngineOptions(model=model, engine="torch", threads=threads, precision="float32",
                                       offline=offline))
    return [t.text for t in tr.translate(list(texts))]


# ---------------------------------------------------------------------------- training


def run_dir(key: str) -> Path:
    return zhen_home() / "tune" / key


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # an interrupt while saving leaves the previous checkpoint whole


class _Stop(Exception):
    pass


def train(base_path: Path, examples: Sequence[Pair], options: TuneOptions, work: Path,
          progress: Progress | None = None) -> tuple[Any, Any, int, int]:
    """Fine-tune; returns (model, tokenizer, steps, the step it resumed from).

    The checkpoint (weights, optimizer, schedule, random state, step) is written every
    `checkpoint_every` steps and when the tune is interrupted (KeyboardInterrupt, which a
    progress callback may raise too); the next call with the same work folder goes on from it."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(options.threads)
    with warnings.catch_warnings():  # sacremoses serves European sources only (see engines/torch.py)
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tok = MarianTokenizer.from_pretrained(str(base_path))
    model = MarianMTModel.from_pretrained(str(base_path))
    enc = tok([zh for zh, _ in examples], text_target=[en for _, en in examples], max_length=options.max_tokens,
              truncation=True)
    sources, targets = enc["input_ids"], enc["labels"]
    per_epoch = math.ceil(len(examples) / options.batch_size)
    total = options.steps or max(1, math.ceil(options.epochs * per_epoch))
    opt = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=min(100, total // 10), num_training_steps=total)
    ckpt = work / "checkpoint.pt"
    step = 0
    torch.manual_seed(options.seed)
    if ckpt.exists() and not options.fresh:
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        step = int(state["step"])
    resumed = step
    pad = tok.pad_token_id

    def checkpoint() -> None:
        _save_checkpoint(ckpt, {"model": model.state_dict(), "optimizer": opt.state_dict(),
                                "scheduler": sched.state_dict(), "rng": torch.get_rng_state(), "step": step})

    def batch(k: int) -> dict[str, Any]:
        epoch, pos = divmod(k, per_epoch)
        order = list(range(len(examples)))
        random.Random(options.seed * 1000 + epoch).shuffle(order)
        idx = order[pos * options.batch_size:(pos + 1) * options.batch_size]
        src = [sources[i] for i in idx]
        tgt = [targets[i] for i in idx]
        ls, lt = max(map(len, src)), max(map(len, tgt))
        return {"input_ids": torch.tensor([s + [pad] * (ls - len(s)) for s in src]),
                "attention_mask": torch.tensor([[1] * len(s) + [0] * (ls - len(s)) for s in src]),
                "labels": torch.tensor([t + [-100] * (lt - len(t)) for t in tgt])}

    model.train()
    try:
        while step < total:
            loss = model(**batch(step)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % options.checkpoint_every == 0 or step == total:
                checkpoint()
            if progress is not None:
                progress(step, total)
    except KeyboardInterrupt:
        checkpoint()
        raise TuneInterrupted(f"tune interrupted after step {step} of {total}; its checkpoint is in {work}: "
                              "run the same command again to go on from there") from None
    model.eval()
    return model, tok, total, resumed


# ---------------------------------------------------------------------------- the whole job


def run_tune(pairs: Sequence[Pair], options: TuneOptions, progress: Progress | None = None,
             say: Callable[[str], None] = lambda _: None) -> TuneReport:
    """Check, hold out, measure the base, train (resuming), measure, store."""
    if options.epochs <= 0 or options.learning_rate <= 0:
        raise UsageError("--epochs and --learning-rate must be above 0",
                         option="epochs" if options.epochs <= 0 else "learning_rate")
    data = prepare_pairs(pairs)
    if len(data) < options.min_pairs:
        raise UsageError(f"zhen tune needs at least {options.min_pairs} distinct pairs and has {len(data)}: "
                         "import more (zhen tm import) or pass --pairs FILE", option="pairs")
    glossary = load_glossary(options.glossary)
    train_pairs, held = split_held(data)
    terms = term_pairs(glossary) if options.terms else []
    data_sum = checksum(train_pairs, held, terms)
    ref = resolve_model(options.base, offline=options.offline)
    # what the weights depend on names the checkpoint (threads only change the order of float sums)
    settings = {k: v for k, v in asdict(options).items()
                if k not in ("name", "fresh", "offline", "glossary", "threads")}
    key = hashlib.sha256(json.dumps([ref.revision, data_sum, settings], sort_keys=True).encode()).hexdigest()[:16]
    work = ensure_dir(run_dir(key))
    say(f"{len(train_pairs)} training pairs + {len(terms)} glossary terms, {len(held)} held out; base {ref.id}")
    before_file = work / "before.json"
    if before_file.exists():  # measured before an interruption: the base model has not changed
        before = Figures(**json.loads(before_file.read_text(encoding="utf-8")))
    else:
        say("translating the held-out pairs with the base model")
        before = figures(translate_with(str(ref.path), [zh for zh, _ in held], options.threads, True), held, glossary)
        before_file.write_text(json.dumps(asdict(before)), encoding="utf-8")
    model, tok, steps, resumed = train(ref.path, train_pairs + terms, options, work, progress)
    out = Path(tempfile.mkdtemp(prefix=".tuned-", dir=work))
    try:
        model.save_pretrained(out)
        tok.save_pretrained(out)
        for f in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "generation_config.json"):
            if (ref.path / f).is_file() and not (out / f).is_file():
                shutil.copy2(ref.path / f, out / f)
        say("translating the held-out pairs with the tuned model")
        after = figures(translate_with(str(out), [zh for zh, _ in held], options.threads, True), held, glossary)
        name = options.name or f"{ref.id.rstrip('/').rsplit('/', 1)[-1]}-tuned-{data_sum[7:15]}"
        lineage = {"base": ref.id, "base_revision": ref.revision, "data": data_sum, "pairs": len(train_pairs),
                   "held_out": len(held), "terms": len(terms), "steps": steps, "settings": settings,
                   "before": asdict(before), "after": asdict(after)}
        stored = install_tuned(out, name, folder_fingerprint(out), lineage)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)  # done: the checkpoint is of no more use
    return TuneReport(stored, len(train_pairs), len(held), len(terms), steps, resumed, before, after, data_sum,
                      lineage)


def render_report(r: TuneReport) -> list[str]:
    def fig(f: Figures) -> str:
        terms = f"term accuracy {f.term_accuracy:.1%} of {f.terms}" if f.term_accuracy is not None else "no terms"
        return f"chrF {f.chrf:.1f}, BLEU {f.bleu:.1f}, {terms}"

    lines = [f"held out ({r.held} pairs, never trained on):", f"  before  {fig(r.before)}",
             f"  after   {fig(r.after)}",
             f"{r.steps} steps on {r.train} pairs + {r.terms} terms"
             + (f" (resumed at step {r.resumed_from})" if r.resumed_from else "") + f"; data {r.checksum}",
             f"stored as {r.model.id}: zhen translate --model {r.model.id} ...; "
             f"zhen models convert {r.model.id} for CTranslate2"]
    return lines


__all__ = ["TuneInterrupted", "TuneReport", "memory_pairs", "read_pairs_file", "render_report", "run_tune", "train"]
