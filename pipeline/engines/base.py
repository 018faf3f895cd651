"""What every Marian engine shares: decoding settings from the model's own files, token
counting, length-sorted batching, and the guard against runaway repetition."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..records import EngineOptions, ModelRef, Translation

Progress = Callable[[int], None]
Hypothesis = tuple[str, float | None]  # the English and its mean token log-probability


class Translator(Protocol):
    """What the translation stage needs of an engine (tests pass a deterministic fake)."""

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
        for key in ("num_beams", "max_length", "bad_words_ids", "pad_token_id", "max_position_embeddings"):
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


class MarianEngine:
    """What every Marian engine shares: settings, token counting, batching, the repetition guard."""

    engine = "marian"

    default_batch_size = 16

    def __init__(self, model: ModelRef, options: EngineOptions, max_input_tokens: int = 512,
                 fixed_ratio: float | None = None) -> None:
        self.model = model
        self.options = options
        gen = generation_settings(model.path)
        self.beams = int(options.beams or gen.get("num_beams") or 1)
        self.max_length = int(gen.get("max_length") or 512)
        self.bad_words_ids = gen.get("bad_words_ids")
        self.batch_size = max(1, options.batch_size or self.default_batch_size)
        self.threads = options.threads
        # The model's own position limit bounds what it can read and write (a converted or tiny
        # model may have fewer positions than its max_length says): past it, generation fails
        # with an IndexError. The decoder's start token takes one position.
        self.positions = int(gen.get("max_position_embeddings") or self.max_length + 1)
        self.max_input_tokens = min(max_input_tokens, self.max_length, self.positions)
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

    def _run_batches(self, batches: list[list[str]]) -> Iterator[tuple[list[str], list[Hypothesis]]]:
        for batch in batches:
            self.calls += 1
            yield batch, self._generate(batch)

    def _guard(self, batch: list[str], hyps: list[Hypothesis]) -> list[Translation]:
        """Outputs that loop are retried together with repetition penalties."""
        loops = [i for i, (h, _) in enumerate(hyps) if runaway(h)] if self.fixed_ratio is None else []
        out = [Translation(h, (), score) for h, score in hyps]
        if loops:
            retried = self._generate([batch[i] for i in loops], no_repeat_ngram_size=3, repetition_penalty=1.3)
            for i, (hyp, score) in zip(loops, retried, strict=True):
                if runaway(hyp):
                    out[i] = Translation(collapse_repeats(hyp), ("repetition-collapsed",), score)
                else:
                    out[i] = Translation(hyp, ("repetition-retried",), score)
        return out

    def _lengths(self, longest: int) -> tuple[int, int]:
        """(min, max) new tokens: English needs at most about twice the Chinese pieces."""
        if self.fixed_ratio is not None:
            n = min(max(1, math.ceil(self.fixed_ratio * longest)), self.positions - 1)
            return n, n
        return 1, min(self.max_length, 2 * longest + 10, self.positions - 1)

    def _generate(self, texts: list[str], **extra: Any) -> list[Hypothesis]:
        raise NotImplementedError


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers and the hub library talk on a CLI's stderr: weight-loading bars, logging,
    and the Marian tokenizer's "Recommended: pip install sacremoses" (which it uses only for
    European source languages; for Chinese it is a warning every user would read). Loading a
    model (translating, converting) goes through here."""
    import warnings

    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    disable_progress_bars()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        yield
