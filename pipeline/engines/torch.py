"""The torch engine: MarianMTModel from transformers, in float32, bfloat16 or int8."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..records import EngineOptions, ModelRef
from .base import Hypothesis, MarianEngine, quiet_transformers


class TorchMarian(MarianEngine):
    """MarianMTModel + MarianTokenizer from transformers, called with generate() directly.

    Weights load on the first translation, so a run served from the translation memory
    never loads them. `dtype` auto uses bfloat16 where the CPU computes it natively.
    """

    engine = "torch"

    def __init__(self, model: ModelRef, options: EngineOptions, max_input_tokens: int = 512,
                 fixed_ratio: float | None = None) -> None:
        if options.shortlist:
            raise UsageError("a vocabulary shortlist needs the ctranslate2 engine (zhen models convert, then "
                             "zhen models shortlist)")
        super().__init__(model, options, max_input_tokens, fixed_ratio)
        self.dtype = options.precision
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

        if self.threads:
            torch.set_num_threads(self.threads)
        with quiet_transformers():
            self._tok = MarianTokenizer.from_pretrained(str(self.model.path))
            # Never code from the hub: the model is data, not a program (safetensors are preferred).
            net = MarianMTModel.from_pretrained(str(self.model.path), trust_remote_code=False)
        if self._dtype_name() == "bfloat16":
            net = net.to(dtype=torch.bfloat16)  # type: ignore[call-arg]
        elif self._dtype_name() == "int8":
            net = _quantize_linear(net)
        self._net = net.eval()

    def _generate(self, texts: list[str], **extra: Any) -> list[Hypothesis]:
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
            scores = self._scores(enc, out) if self.fixed_ratio is None else [None] * len(texts)
        texts_en = [t.strip() for t in self._tok.batch_decode(out, skip_special_tokens=True)]
        return list(zip(texts_en, scores, strict=True))

    def _scores(self, enc: Any, out: Any, rows: int = 4) -> list[float | None]:
        """Each output's mean token log-probability, from one teacher-forced pass over it.

        generate() gives beam scores only with output_scores, which keeps a vocabulary-sized
        row per beam and step (gigabytes for a batch of 16 at beam 6); a pass over the finished
        outputs, a few rows at a time, costs one more decoder step per token and little memory."""
        pad = self._net.config.pad_token_id
        # Tokens decoding may never produce (opus-mt bans <pad>) take no probability, as in generate().
        banned = [ids[0] for ids in (self.bad_words_ids or []) if len(ids) == 1]
        labels = out[:, 1:]
        result: list[float | None] = []
        for i in range(0, out.shape[0], rows):
            logits = self._net(input_ids=enc["input_ids"][i : i + rows],
                               attention_mask=enc["attention_mask"][i : i + rows],
                               decoder_input_ids=out[i : i + rows, :-1]).logits.float()
            logits[..., banned] = float("-inf")
            lab = labels[i : i + rows]
            lp = logits.log_softmax(-1).gather(-1, lab.unsqueeze(-1)).squeeze(-1)
            keep = lab != pad
            mean = (lp * keep).sum(1) / keep.sum(1).clamp(min=1)
            result += [round(float(v), 4) for v in mean]
        return result


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


