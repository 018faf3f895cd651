"""Stage 4: translate segments with a MarianMT model.

Engines sit in a name table (ENGINES). Every engine takes simplified Chinese strings and
returns one Translation per input, in order.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from .errors import UsageError
from .models import ModelRef, resolve_model
from .records import Translation

Progress = Callable[[int], None]


class Translator(Protocol):
    engine: str
    model: ModelRef

    def settings(self) -> dict[str, Any]: ...

    def count_tokens(self, text: str) -> int: ...

    def translate(self, texts: Sequence[str], progress: Progress | None = None) -> list[Translation]: ...


_RUNAWAY = re.compile(r"(.{2,40}?)(?:[\s,;]*\1){3,}")


def _loop(m: re.Match[str]) -> bool:
    # 100000000 is a number, not a loop.
    return not m.group(1).strip(" ,.").isdigit()


def runaway(text: str) -> bool:
    """A phrase repeated four times or more in a row: opus-mt loops like this on some inputs."""
    return any(_loop(m) for m in _RUNAWAY.finditer(text))


def collapse_repeats(text: str) -> str:
    return _RUNAWAY.sub(lambda m: m.group(1) if _loop(m) else m.group(0), text)


def generation_settings(folder: Path) -> dict[str, Any]:
    """The model's own decoding settings (opus-mt-zh-en: beam 6, max length 512, pad banned),
    read from its files, so that nothing needs loading to know them."""
    out: dict[str, Any] = {}
    for name in ("config.json", "generation_config.json"):  # the latter wins
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key in ("num_beams", "max_length", "bad_words_ids", "pad_token_id"):
            if data.get(key) is not None:
                out[key] = data[key]
    return out


class SpmTokenCounter:
    """Counts a text's source tokens (and </s>); pickles as a path, so worker processes can use it."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._sp: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "_sp": None}

    def processor(self) -> Any:
        if self._sp is None:
            import sentencepiece as spm

            self._sp = spm.SentencePieceProcessor(model_file=self.path)
        return self._sp

    def __call__(self, text: str) -> int:
        return len(self.processor().encode(text)) + 1


class _Marian:
    """What every Marian engine shares: settings, token counting, batching, the repetition guard."""

    engine = "marian"

    def __init__(self, model: ModelRef, beams: int | None = None, batch_size: int = 16, threads: int | None = None,
                 max_input_tokens: int = 512, fixed_ratio: float | None = None) -> None:
        self.model = model
        gen = generation_settings(model.path)
        self.beams = int(beams or gen.get("num_beams") or 1)
        self.max_length = int(gen.get("max_length") or 512)
        self.bad_words_ids = gen.get("bad_words_ids")
        self.batch_size = max(1, batch_size)
        self.threads = threads
        self.max_input_tokens = min(max_input_tokens, self.max_length)
        # Benchmarks only: decode exactly ceil(ratio x source tokens), so every engine does the same work.
        self.fixed_ratio = fixed_ratio
        self.token_counter = SpmTokenCounter(model.path / "source.spm")  # picklable, for --jobs
        self.sp_source = self.token_counter.processor()
        self.calls = 0  # model calls, for the translation memory's "no model at all" promise

    def settings(self) -> dict[str, Any]:
        return {"num_beams": self.beams, "max_length": self.max_length, "batch_size": self.batch_size,
                "bad_words_ids": self.bad_words_ids}

    def count_tokens(self, text: str) -> int:
        return self.token_counter(text)

    def translate(self, texts: Sequence[str], progress: Progress | None = None) -> list[Translation]:
        counts = Counter(texts)
        unique = list(counts)  # the same sentence twice is translated once
        lengths = {t: self.count_tokens(t) for t in unique}
        done: dict[str, Translation] = {}
        for batch, hyps in self._run_batches(self.batches(unique, lengths)):
            for src, tr in zip(batch, self._guard(batch, hyps), strict=True):
                done[src] = tr
            if progress:
                progress(sum(counts[s] for s in batch))
        return [done[t] for t in texts]

    def batches(self, unique: Sequence[str], lengths: dict[str, int]) -> list[list[str]]:
        """Longest first, capped by sentences and by tokens: little padding, bounded memory."""
        order = sorted(unique, key=lambda t: lengths[t], reverse=True)
        token_cap = self.batch_size * 48
        out: list[list[str]] = []
        for text in order:
            if out and len(out[-1]) < self.batch_size and lengths[out[-1][0]] * (len(out[-1]) + 1) <= token_cap:
                out[-1].append(text)
            else:
                out.append([text])
        return out

    def _run_batches(self, batches: list[list[str]]) -> Iterator[tuple[list[str], list[str]]]:
        for batch in batches:
            self.calls += 1
            yield batch, self._generate(batch)

    def _guard(self, batch: list[str], hyps: list[str]) -> list[Translation]:
        """Outputs that loop are retried together with repetition penalties."""
        loops = [i for i, h in enumerate(hyps) if runaway(h)] if self.fixed_ratio is None else []
        out = [Translation(h) for h in hyps]
        if loops:
            retried = self._generate([batch[i] for i in loops], no_repeat_ngram_size=3, repetition_penalty=1.3)
            for i, hyp in zip(loops, retried, strict=True):
                if runaway(hyp):
                    out[i] = Translation(collapse_repeats(hyp), ("repetition-collapsed",))
                else:
                    out[i] = Translation(hyp, ("repetition-retried",))
        return out

    def _lengths(self, longest: int) -> tuple[int, int]:
        """(min, max) new tokens: English needs at most about twice the Chinese pieces."""
        if self.fixed_ratio is not None:
            n = max(1, math.ceil(self.fixed_ratio * longest))
            return n, n
        return 1, min(self.max_length, 2 * longest + 10)

    def _generate(self, texts: list[str], **extra: Any) -> list[str]:
        raise NotImplementedError


class TorchMarian(_Marian):
    """MarianMTModel + MarianTokenizer from transformers, called with generate() directly.

    Weights load on the first translation, so a run served from the translation memory
    never loads them. `dtype` auto uses bfloat16 where the CPU computes it natively.
    """

    engine = "torch"

    def __init__(self, model: ModelRef, beams: int | None = None, batch_size: int | None = None,
                 threads: int | None = None, max_input_tokens: int = 512, fixed_ratio: float | None = None,
                 dtype: str = "auto", shortlist: bool | None = None) -> None:
        if shortlist:
            raise UsageError("a vocabulary shortlist needs the ctranslate2 engine (zhen models convert, then "
                             "zhen models shortlist)")
        super().__init__(model, beams, batch_size or 16, threads, max_input_tokens, fixed_ratio)
        self.dtype = dtype
        self._net: Any = None
        self._tok: Any = None

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "dtype": self._dtype_name()}

    def _dtype_name(self) -> str:
        if self.dtype != "auto":
            return self.dtype
        return "bfloat16" if native_bf16() else "float32"

    def _load(self) -> None:
        import torch
        from transformers import MarianMTModel, MarianTokenizer
        from transformers.utils import logging as hf_logging

        # Weight-loading bars and generation notices are noise in a CLI's stderr.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if self.threads:
            torch.set_num_threads(self.threads)
        self._tok = MarianTokenizer.from_pretrained(str(self.model.path))
        # Never code from the hub: the model is data, not a program (safetensors are preferred).
        net = MarianMTModel.from_pretrained(str(self.model.path), trust_remote_code=False)
        if self._dtype_name() == "bfloat16":
            net = net.to(dtype=torch.bfloat16)  # type: ignore[call-arg]
        elif self._dtype_name() == "int8":
            net = _quantize_linear(net)
        self._net = net.eval()

    def _generate(self, texts: list[str], **extra: Any) -> list[str]:
        import torch

        if self._net is None:
            self._load()
        enc = self._tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_input_tokens)
        longest = int(enc["attention_mask"].sum(dim=1).max())
        low, high = self._lengths(longest)
        gc = copy.deepcopy(self._net.generation_config)
        gc.num_beams = self.beams
        gc.max_length = None
        gc.max_new_tokens = high
        gc.min_new_tokens = low if low > 1 else None
        if self.fixed_ratio is not None:
            gc.early_stopping = False
        for k, v in extra.items():
            setattr(gc, k, v)
        with torch.inference_mode():
            out = self._net.generate(**enc, generation_config=gc)
        return [t.strip() for t in self._tok.batch_decode(out, skip_special_tokens=True)]


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX). Read from /proc/cpuinfo,
    not from torch, so that knowing it costs no import: provenance and the translation memory
    need the setting before any weights load."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def _quantize_linear(net: Any) -> Any:
    """Dynamic int8 quantization of every Linear layer (weights int8, activations quantized on
    the fly): about 1.7x faster on CPUs with VNNI, at a small cost in quality."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)


class CT2Marian(_Marian):
    """A Marian model converted with CTranslate2 (int8): no torch and no transformers at run time."""

    engine = "ctranslate2"

    def __init__(self, model: ModelRef, beams: int | None = None, batch_size: int | None = None,
                 threads: int | None = None, max_input_tokens: int = 512, fixed_ratio: float | None = None,
                 workers: int | None = None, compute_type: str = "auto", shortlist: bool | None = None,
                 dtype: str = "auto") -> None:
        # Batches of 8 on one thread each, one worker per core: measured fastest on 2 cores at
        # beam 4 (4 and 8 tie; 16 and 32 pad more to the longest sentence of the batch).
        super().__init__(model, beams, batch_size or 8, threads, max_input_tokens, fixed_ratio)
        from .shortlist import fingerprint

        # The shortlist is used where the model has one (zhen models shortlist) unless turned off;
        # its hash goes into the settings, so the translation memory never mixes two shortlists.
        self.shortlist = fingerprint(model.path) if shortlist is not False else None
        if shortlist and self.shortlist is None:
            raise UsageError(f"{model.id} has no vocabulary shortlist; build one with "
                             f"`zhen models shortlist {model.id} --corpus PAIRS.tsv`")
        self.use_vmap = self.shortlist is not None
        import ctranslate2
        import sentencepiece as spm

        cores = os.cpu_count() or 1
        workers = workers or max(1, cores // (threads or 1))
        intra = threads or max(1, cores // workers)
        if dtype in ("float32", "int8", "int8_float32", "int16"):
            compute_type = dtype
        self._tr = ctranslate2.Translator(str(model.path), device="cpu", compute_type=compute_type,
                                          inter_threads=workers, intra_threads=intra)
        self.workers = workers
        self.sp_target = spm.SentencePieceProcessor(model_file=str(model.path / "target.spm"))
        self._suppress = self._banned_tokens()

    def _banned_tokens(self) -> list[list[str]]:
        """The generation config's bad_words_ids as tokens of the converted vocabulary.

        The converter leaves <pad> out of the vocabulary (it can never be produced), so the
        ban usually comes to nothing here."""
        for name in ("target_vocabulary.json", "shared_vocabulary.json"):
            path = self.model.path / name
            if path.is_file():
                vocab = json.loads(path.read_text(encoding="utf-8"))
                return [[vocab[i] for i in seq] for seq in (self.bad_words_ids or [])
                        if all(0 <= i < len(vocab) for i in seq)]
        return []

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "workers": self.workers, "shortlist": self.shortlist}

    def _run_batches(self, batches: list[list[str]]) -> Iterator[tuple[list[str], list[str]]]:
        """All batches submitted at once, so that several workers decode side by side."""
        pending = []
        for batch in batches:
            self.calls += 1
            toks, kwargs = self._request(batch, {})
            pending.append((batch, self._tr.translate_batch(toks, asynchronous=True, **kwargs)))
        for batch, results in pending:
            yield batch, [self._detok(r.result()) for r in results]

    def _detok(self, result: Any) -> str:
        return str(self.sp_target.decode([p for p in result.hypotheses[0] if p not in ("<pad>", "</s>")])).strip()

    def _request(self, texts: list[str], extra: dict[str, Any]) -> tuple[list[list[str]], dict[str, Any]]:
        # As MarianTokenizer does: sentencepiece pieces, then </s> (no punctuation normalization).
        toks = [[*self.sp_source.encode(t, out_type=str)[: self.max_input_tokens - 1], "</s>"] for t in texts]
        longest = max(len(t) for t in toks)
        low, high = self._lengths(longest)
        kwargs: dict[str, Any] = {"beam_size": self.beams, "max_decoding_length": high, "min_decoding_length": low,
                                  "use_vmap": self.use_vmap, "max_batch_size": 0}
        if self._suppress:
            kwargs["suppress_sequences"] = self._suppress
        if "no_repeat_ngram_size" in extra:
            kwargs["no_repeat_ngram_size"] = extra["no_repeat_ngram_size"]
        if "repetition_penalty" in extra:
            kwargs["repetition_penalty"] = extra["repetition_penalty"]
        return toks, kwargs

    def _generate(self, texts: list[str], **extra: Any) -> list[str]:
        toks, kwargs = self._request(texts, extra)
        return [self._detok(r) for r in self._tr.translate_batch(toks, **kwargs)]


class CachedTranslator:
    """A translator behind the translation memory: a hit calls no model at all.

    The key holds everything that decides the English: model id and revision, engine,
    decoding settings, glossary hash and mode, and the exact input (placeholders included).
    """

    def __init__(self, inner: Translator, tm: Any, context: dict[str, Any]) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.model = inner.model
        self.tm = tm
        self.context = json.dumps({"model": inner.model.id, "revision": inner.model.revision, "engine": inner.engine,
                                   "settings": inner.settings(), **context}, sort_keys=True, ensure_ascii=False)

    def settings(self) -> dict[str, Any]:
        return self.inner.settings()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def translate(self, texts: Sequence[str], progress: Progress | None = None) -> list[Translation]:
        cached = self.tm.get_many(self.context, texts)
        todo = list(dict.fromkeys(t for t in texts if t not in cached))
        self.tm.hits += len(texts) - sum(1 for t in texts if t not in cached)
        self.tm.misses += len(todo)
        if progress and len(texts) > len(todo):
            progress(sum(1 for t in texts if t in cached))
        if todo:
            fresh = self.inner.translate(todo, progress=progress)
            self.tm.put_many(self.context, [(s, tr.text, tr.flags) for s, tr in zip(todo, fresh, strict=True)])
            cached.update({s: (tr.text, tr.flags) for s, tr in zip(todo, fresh, strict=True)})
        return [Translation(*cached[t]) for t in texts]


EngineFactory = Callable[..., Translator]
ENGINES: dict[str, EngineFactory] = {"torch": TorchMarian, "ctranslate2": CT2Marian}


def engine_factory(name: str) -> EngineFactory:
    try:
        return ENGINES[name]
    except KeyError:
        raise UsageError(f"unknown engine {name!r}; choose one of: auto, {', '.join(sorted(ENGINES))}") from None


def resolve_engine(model: str, engine: str = "auto", offline: bool | None = None) -> tuple[str, ModelRef]:
    """Pick the engine and the model folder. auto: CTranslate2 when a converted copy of the
    model is in the store (or the folder is one) and the package is installed, else torch."""
    from .store import find_converted, is_ct2_folder

    if engine not in ("auto", *ENGINES):
        engine_factory(engine)
    path = Path(model).expanduser()
    if path.is_dir() and is_ct2_folder(path):
        if engine == "torch":
            raise UsageError(f"{model} is a CTranslate2 model; use --engine ctranslate2")
        return "ctranslate2", ModelRef(id=model, path=path.resolve(), revision=_ct2_revision(path), origin="folder")
    if engine in ("auto", "ctranslate2"):
        stored = find_converted(model)
        if stored is not None and (engine == "ctranslate2" or _has_ct2()):
            ref = ModelRef(id=model, path=Path(stored.path), revision=f"{stored.revision}+ct2-{stored.quantization}",
                           origin="store")
            return "ctranslate2", ref
        if engine == "ctranslate2":
            raise UsageError(f"no CTranslate2 copy of {model} in the model store; run `zhen models convert {model}`")
    return "torch", resolve_model(model, offline=offline)


def _has_ct2() -> bool:
    import importlib.util

    return importlib.util.find_spec("ctranslate2") is not None


def _ct2_revision(folder: Path) -> str:
    from .models import folder_fingerprint
    from .store import read_meta

    meta = read_meta(folder)
    return meta.revision if meta else folder_fingerprint(folder)


def load_translator(
    model: str,
    engine: str = "auto",
    beams: int | None = None,
    batch_size: int | None = None,
    threads: int | None = None,
    offline: bool | None = None,
    precision: str = "auto",
    shortlist: bool | None = None,
) -> Translator:
    name, ref = resolve_engine(model, engine, offline)
    return engine_factory(name)(ref, beams=beams, batch_size=batch_size, threads=threads, dtype=precision,
                                shortlist=shortlist)
