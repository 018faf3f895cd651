"""The benchmark's pure parts (it times nothing here): stock CTranslate2's batching, sentence choice."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    # By file, not by name: bench/ is also a directory that `import bench` could resolve to.
    spec = importlib.util.spec_from_file_location("zhen_bench", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stock_batches_follow_ctranslate2_rebatching() -> None:
    stock_batches = _bench().stock_batches
    lengths = [3, 9, 5, 7, 9]
    # max_batch_size 0: one batch, longest first
    assert stock_batches(lengths, 0, "examples") == [[1, 4, 3, 2, 0]]
    # by sentences: chunks of two after sorting, the remainder last
    assert stock_batches(lengths, 2, "examples") == [[1, 4], [3, 2], [0]]
    # by source tokens: a batch closes before it would pass the budget...
    assert stock_batches(lengths, 12, "tokens") == [[1], [4], [3, 2], [0]]
    # ...and a sentence longer than the budget still gets a batch of its own
    assert stock_batches([20, 2], 10, "tokens") == [[0], [1]]
    assert stock_batches([], 8, "examples") == []
    assert stock_batches([], 0, "examples") == []


def test_every_sentence_is_timed_once_in_every_batching() -> None:
    stock_batches = _bench().stock_batches
    lengths = [4, 1, 8, 8, 2, 6, 3, 5, 7]
    for mbs, kind in ((0, "examples"), (1, "examples"), (4, "examples"), (10, "tokens"), (100, "tokens")):
        batches = stock_batches(lengths, mbs, kind)
        assert sorted(i for b in batches for i in b) == list(range(len(lengths)))


def test_stock_names_state_their_settings() -> None:
    bench = _bench()
    name = bench.stock_name({"compute_type": "int8", "inter": 2, "intra": 1, "max_batch_size": 16,
                             "batch_type": "examples"})
    assert name == "int8, 2x1 thr, batch 16"
    assert bench.stock_name({"compute_type": "float32", "inter": 1, "intra": 0, "max_batch_size": 1024,
                             "batch_type": "tokens"}) == "float32, 1xauto thr, batch 1024 tok"
