"""How long `zhen tune` takes per 1,000 pairs on opus-mt-zh-en's size, on this machine.

The random-weight twin of bench/bench.py (the exact architecture: 6+6 layers, d_model 512,
vocab 65,001) is tuned with zhen's own loop (pipeline.corpus.tune.train) and its default settings
(batch 8, 128 tokens a side, 2 threads) on WMT18 pairs, for a few steps only: the time per
step after the first, times the 125 steps that 1,000 pairs make per epoch, plus the
checkpoints written meanwhile (one every 50 steps, timed once), is the estimate. Run it
under `nice`; other load on the machine slows it. Usage:

    nice -n 10 python bench/tune_speed.py [--steps N]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import WORK, build, pairs
from pipeline.corpus.tune import prepare_pairs, train
from pipeline.records import TuneOptions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=8)
    args = ap.parse_args()
    if args.steps < 4:
        ap.error("--steps at least 4 (the first step warms up, the last writes the checkpoint)")
    hf = build(WORK)[0]
    options = replace(TuneOptions(), steps=args.steps, checkpoint_every=args.steps, fresh=True)
    examples = prepare_pairs(pairs()[:1000])
    stamps: list[float] = []
    cpu: list[float] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        train(hf, examples, options, Path(work), progress=lambda step, total: (stamps.append(time.perf_counter()),
                                                                     cpu.append(time.process_time())))
        total = time.perf_counter() - started
        ckpt = Path(work) / "checkpoint.pt"
        size = ckpt.stat().st_size
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    per_step = statistics.fmean(gaps[:-1])
    # CPU seconds per step over the threads: what a step takes on an idle machine (the wall time
    # also counts the other programs' turns on the cores)
    cpu_step = statistics.fmean(b - a for a, b in itertools.pairwise(cpu[:-1])) / options.threads
    save = max(0.0, gaps[-1] - per_step)  # the last step also wrote the one checkpoint
    steps_1000 = math.ceil(1000 / options.batch_size)
    estimate = steps_1000 * per_step + steps_1000 / TuneOptions().checkpoint_every * save
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.steps} steps of {options.batch_size} pairs, {options.threads} threads: {per_step:.2f} s a step "
          f"(after the first); whole run {total:.0f} s with loading; checkpoint {size / 2**20:.0f} MiB, "
          f"about {save:.1f} s to write; peak memory {peak:.2f} GiB; CPU time {cpu_step:.2f} s a step per "
          f"thread; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    every = TuneOptions().checkpoint_every
    print(f"1,000 pairs, one epoch ({steps_1000} steps, {steps_1000 // every} checkpoints): about "
          f"{estimate / 60:.1f} min wall at this load, "
          f"{(steps_1000 * cpu_step + steps_1000 / every * save) / 60:.1f} min by CPU time on 2 idle cores; "
          f"extrapolated from {args.steps} steps")


if __name__ == "__main__":
    main()
