"""The CTranslate2 engine: a Marian model converted to int8, run with no torch and no
transformers; optionally with a vocabulary shortlist (vmap.txt)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from ..errors import UsageError
from ..records import EngineOptions, ModelRef
from .base import Hypothesis, MarianEngine
from .shortlist import fingerprint


class CT2Marian(MarianEngine):
    """A Marian model converted with CTranslate2 (int8): no torch and no transformers at run time."""

    engine = "ctranslate2"

    # Batches of 8 on one thread each, one worker per core: measured fastest on 2 cores at
    # beam 4 (4 and 8 tie; 16 and 32 pad more to the longest sentence of the batch).
    default_batch_size = 8

    def __init__(self, model: ModelRef, options: EngineOptions, max_input_tokens: int = 512,
                 fixed_ratio: float | None = None, workers: int | None = None) -> None:
        super().__init__(model, options, max_input_tokens, fixed_ratio)
        shortlist, threads = options.shortlist, options.threads
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
        # CTranslate2 runs the weights as converted unless told otherwise; bfloat16 is not offered.
        compute_type = options.precision if options.precision in ("float32", "int8") else "auto"
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

    def _run_batches(self, batches: list[list[str]]) -> Iterator[tuple[list[str], list[Hypothesis]]]:
        """All batches submitted at once, so that several workers decode side by side."""
        pending = []
        for batch in batches:
            self.calls += 1
            toks, kwargs = self._request(batch, {})
            pending.append((batch, self._tr.translate_batch(toks, asynchronous=True, **kwargs)))
        for batch, results in pending:
            yield batch, [self._detok(r.result()) for r in results]

    def _detok(self, result: Any) -> Hypothesis:
        text = str(self.sp_target.decode([p for p in result.hypotheses[0] if p not in ("<pad>", "</s>")])).strip()
        # return_scores with length_penalty 1: the log-probability divided by the length, as torch's
        score = round(float(result.scores[0]), 4) if getattr(result, "scores", None) else None
        return text, score

    def _request(self, texts: list[str], extra: dict[str, Any]) -> tuple[list[list[str]], dict[str, Any]]:
        # As MarianTokenizer does: sentencepiece pieces, then </s> (no punctuation normalization).
        toks = [[*self.sp_source.encode(t, out_type=str)[: self.max_input_tokens - 1], "</s>"] for t in texts]
        longest = max(len(t) for t in toks)
        low, high = self._lengths(longest)
        kwargs: dict[str, Any] = {"beam_size": self.beams, "max_decoding_length": high, "min_decoding_length": low,
                                  "use_vmap": self.use_vmap, "max_batch_size": 0, "return_scores": True}
        if self._suppress:
            kwargs["suppress_sequences"] = self._suppress
        if "no_repeat_ngram_size" in extra:
            kwargs["no_repeat_ngram_size"] = extra["no_repeat_ngram_size"]
        if "repetition_penalty" in extra:
            kwargs["repetition_penalty"] = extra["repetition_penalty"]
        return toks, kwargs

    def _generate(self, texts: list[str], **extra: Any) -> list[Hypothesis]:
        toks, kwargs = self._request(texts, extra)
        return [self._detok(r) for r in self._tr.translate_batch(toks, **kwargs)]


