"""Stock CTranslate2 in the speed benchmark (bench/bench.py): the batches its translate_batch
forms, the stock settings the benchmark sweeps in every run, their names, and the best of
them, which is the baseline zhen's engines are compared with. Pure code, tested by
tests/test_bench.py without timing anything."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

Spec = dict[str, Any]

# The batchings a user of stock CTranslate2 would try on a CPU: by sentences or by source tokens.
BATCHINGS = ((4, "examples"), (8, "examples"), (16, "examples"), (32, "examples"),
             (256, "tokens"), (512, "tokens"), (1024, "tokens"))


def stock_batches(lengths: Sequence[int], max_batch_size: int, batch_type: str) -> list[list[int]]:
    """The batches (as indices) that CTranslate2's translate_batch forms from its input
    (rebatch_input in its batch_reader.cc): longest source first, then chunks of at most
    max_batch_size sentences, or source tokens with batch_type "tokens"; 0 is one batch."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    if max_batch_size <= 0:
        return [order] if order else []
    out: list[list[int]] = []
    size = 0
    for i in order:
        step = lengths[i] if batch_type == "tokens" else 1
        if out and size + step <= max_batch_size:
            out[-1].append(i)
            size += step
        else:  # a sentence longer than the token budget still gets a batch of its own, as in CTranslate2
            out.append([i])
            size = step
    return out


def stock_name(s: Mapping[str, Any]) -> str:
    threads = f"{s['inter']}x{s['intra'] or 'auto'} thr"
    unit = " tok" if s["batch_type"] == "tokens" else ""
    batch = f"batch {s['max_batch_size']}{unit}" if s["max_batch_size"] else "one batch"
    return f"{s['compute_type']}, {threads}, {batch}"


def stock_grid() -> list[Spec]:
    """Stock settings worth trying on a CPU: the converted int8 (its "default" compute type) with
    both cores in one translator or one translator per core, each batching; CTranslate2's own
    thread default and float32 (the default of a model converted without quantization) on the
    likeliest batch sizes. One batch of everything (max_batch_size 0) is left out: 7x slower
    than batches of 8 when tried."""
    grid = [("int8", inter, intra, mbs, kind) for inter, intra in ((1, 2), (2, 1)) for mbs, kind in BATCHINGS]
    grid += [("int8", 1, 0, mbs, "examples") for mbs in (8, 16)]
    grid += [("float32", inter, intra, 8, "examples") for inter, intra in ((1, 2), (2, 1))]
    return [{"compute_type": c, "inter": inter, "intra": intra, "max_batch_size": mbs, "batch_type": kind}
            for c, inter, intra, mbs, kind in grid]


def best_stock(speeds: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The fastest stock row of one run (name, sentences per second): the baseline to beat, chosen
    among settings timed on the same sentences at the same moment, never a constant from
    another day's load. ("", nan) when the run has no stock row."""
    return max(speeds, key=lambda row: row[1], default=("", math.nan))
