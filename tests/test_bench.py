"""The benchmark's pure parts (it times nothing here): stock CTranslate2's batching, the stock
settings every run sweeps, and the choice of the stock baseline."""

from __future__ import annotations

import math

from stock_ct2 import best_stock, stock_batches, stock_grid, stock_name


def test_stock_batches_follow_ctranslate2_rebatching() -> None:
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
    lengths = [4, 1, 8, 8, 2, 6, 3, 5, 7]
    for mbs, kind in ((0, "examples"), (1, "examples"), (4, "examples"), (10, "tokens"), (100, "tokens")):
        batches = stock_batches(lengths, mbs, kind)
        assert sorted(i for b in batches for i in b) == list(range(len(lengths)))


def test_stock_names_state_their_settings() -> None:
    name = stock_name({"compute_type": "int8", "inter": 2, "intra": 1, "max_batch_size": 16,
                             "batch_type": "examples"})
    assert name == "int8, 2x1 thr, batch 16"
    assert stock_name({"compute_type": "float32", "inter": 1, "intra": 0, "max_batch_size": 1024,
                             "batch_type": "tokens"}) == "float32, 1xauto thr, batch 1024 tok"


def test_every_run_sweeps_one_and_two_translators_at_small_and_large_batches() -> None:
    names = {stock_name(s) for s in stock_grid()}
    # the settings a quiet machine put first (2 translators x 1 thread, batches of 4 to 8) and the
    # full run's best (2 x 1, batches of 32) are timed in every run, beside one translator on both cores
    assert {"int8, 2x1 thr, batch 4", "int8, 2x1 thr, batch 8", "int8, 2x1 thr, batch 32",
            "int8, 1x2 thr, batch 8", "int8, 1x2 thr, batch 256 tok"} <= names
    assert len(names) == len(stock_grid())  # no setting timed twice under two names


def test_the_stock_baseline_is_the_fastest_stock_row_of_the_run() -> None:
    rows = [("ct2 stock: int8, 1x2 thr, batch 256 tok", 2.3), ("ct2 stock: int8, 2x1 thr, batch 8", 9.9),
            ("ctranslate2 stock defaults (batches of 32)", 6.3)]
    assert best_stock(rows) == ("ct2 stock: int8, 2x1 thr, batch 8", 9.9)
    name, speed = best_stock([])
    assert name == "" and math.isnan(speed)
