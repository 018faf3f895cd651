"""Stage 4: translate segments with a MarianMT model.

Engines sit in a name table (ENGINES). Every engine takes simplified Chinese strings and
returns one Translation per input, in order.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Sequence
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


class TorchMarian:
    """MarianMTModel + MarianTokenizer from transformers, called with generate() directly."""

    engine = "torch"

    def __init__(
        self,
        model: ModelRef,
        beams: int | None = None,
        batch_size: int = 16,
        threads: int | None = None,
        max_input_tokens: int = 512,
    ) -> None:
        import torch
        from transformers import MarianMTModel, MarianTokenizer
        from transformers.utils import logging as hf_logging

        # Weight-loading bars and generation notices are noise in a CLI's stderr.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        self.model = model
        self._torch = torch
        self.tokenizer = MarianTokenizer.from_pretrained(str(model.path))
        # Safetensors first, and never code from the hub: the model is data, not a program.
        self.net = MarianMTModel.from_pretrained(str(model.path), trust_remote_code=False)
        self.net.eval()
        gc = copy.deepcopy(self.net.generation_config)
        # The model's own generation settings (opus-mt-zh-en: beam 6, max length 512, pad banned).
        self.beams = int(beams or gc.num_beams or 1)
        self.max_length = int(gc.max_length or 512)
        gc.num_beams = self.beams
        self.gen = gc
        self.batch_size = max(1, batch_size)
        self.max_input_tokens = min(max_input_tokens, self.max_length)

    def settings(self) -> dict[str, Any]:
        return {
            "num_beams": self.beams,
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "bad_words_ids": self.gen.bad_words_ids,
        }

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text).input_ids)

    def _generate(self, texts: list[str], **extra: Any) -> list[str]:
        enc = self.tokenizer(
            texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_input_tokens
        )
        longest = int(enc["attention_mask"].sum(dim=1).max())
        # English needs at most about twice the Chinese pieces; a bound stops runaway loops early.
        gc = copy.deepcopy(self.gen)
        gc.max_length = min(self.max_length, 2 * longest + 10)
        for k, v in extra.items():
            setattr(gc, k, v)
        with self._torch.inference_mode():
            out = self.net.generate(**enc, generation_config=gc)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def translate(self, texts: Sequence[str], progress: Progress | None = None) -> list[Translation]:
        counts = Counter(texts)
        unique = list(counts)
        # Longest first: batches of similar length waste no work on padding.
        order = sorted(unique, key=self.count_tokens, reverse=True)
        done: dict[str, Translation] = {}
        for i in range(0, len(order), self.batch_size):
            batch = order[i : i + self.batch_size]
            for src, tr in zip(batch, self._guarded(batch), strict=True):
                done[src] = tr
            if progress:
                progress(sum(counts[s] for s in batch))
        return [done[t] for t in texts]

    def _guarded(self, batch: list[str]) -> list[Translation]:
        """Translate a batch; outputs that loop are retried together with repetition penalties."""
        hyps = self._generate(batch)
        loops = [i for i, h in enumerate(hyps) if runaway(h)]
        out = [Translation(h) for h in hyps]
        if loops:
            retried = self._generate([batch[i] for i in loops], no_repeat_ngram_size=3, repetition_penalty=1.3)
            for i, hyp in zip(loops, retried, strict=True):
                if runaway(hyp):
                    out[i] = Translation(collapse_repeats(hyp), ("repetition-collapsed",))
                else:
                    out[i] = Translation(hyp, ("repetition-retried",))
        return out


EngineFactory = Callable[..., Translator]
ENGINES: dict[str, EngineFactory] = {"torch": TorchMarian}


def engine_factory(name: str) -> EngineFactory:
    try:
        return ENGINES[name]
    except KeyError:
        raise UsageError(f"unknown engine {name!r}; choose one of: {', '.join(sorted(ENGINES))}") from None


def load_translator(
    model: str,
    engine: str = "torch",
    beams: int | None = None,
    batch_size: int = 16,
    threads: int | None = None,
    offline: bool | None = None,
) -> Translator:
    factory = engine_factory(engine)
    ref = resolve_model(model, offline=offline)
    return factory(ref, beams=beams, batch_size=batch_size, threads=threads)
