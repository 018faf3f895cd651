"""Translation speed, every engine side by side, on a random-weight opus-mt-zh-en twin.

The model has the exact architecture of Helsinki-NLP/opus-mt-zh-en (bench/opus-mt-zh-en.config.json:
vocab 65,001, d_model 512, 6+6 layers, 8 heads, FFN 2,048) and random weights; output
lengths are fixed at 1.3x the source tokens, so every engine does the same work whatever
the weights say. Nothing it produces is a translation.

    python bench/bench.py                # the first 200 WMT18 sentences
    python bench/bench.py --quick        # 8 of them, evenly spread, every row (its time: below)
    python bench/bench.py --stock-sweep  # only the stock CTranslate2 rows

The ratios that count are against the fair baselines: transformers with 16 sentences per
generate() call (what its user gets for free: padding, input order, fp32) and stock
CTranslate2 at the best of its stock settings in this run: every run sweeps them
(tests/stock_ct2.py: one translator on both cores or one per core, batches of 4 to 32
sentences or 256 to 1,024 tokens, int8 and float32, CTranslate2's defaults) on the timed
sentences, and the fastest at each beam width is the "x stock" baseline; the last line names
it. (A constant chosen by an earlier sweep read a third slower than the best stock setting of
a quieter day: the best setting moves with the load.) The model card's one sentence per
generate() call stays as a row, for reference.

Every row translates the same sentences, after a warm-up on the WARMUP shortest of them
(naive loop included). Decoding lengths are fixed per model call (1.3x the longest source of
the call), since generate() and translate_batch take one length per call: a large unsorted
batch pays for its padding, as transformers really does; CTranslate2 with real weights would
drop finished sentences from a batch, which is why the stock rows batch by length as
translate_batch(max_batch_size=...) itself does.

--quick measured 43 min 9 s (2026-11-29, 2 cores shared with other work, load average 7 to
10), not the two minutes once promised: the old 50-sentence --quick took 7 min 14 s at load 4 to 8
the same day, 4 min 20 s before. Its time is the torch rows' (transformers fp32 above all), and
it grows with the load far faster than the load: torch's two threads wait for each other at
every small operation when other processes hold the cores (a 4x512 by 512x2048 matmul took
46 ms on two threads, 3.7 ms on one, at load 13). The output ends with its wall time and the
load average, to read the ratios by.

Each configuration runs in its own process (its own threads and its own peak memory),
beam 1 then beam 4.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from stock_ct2 import best_stock, stock_batches, stock_grid, stock_name  # noqa: E402

CONFIG = ROOT / "bench" / "opus-mt-zh-en.config.json"
WMT = Path(os.environ.get("ZHEN_EVAL_TSV", ROOT.parent / "shared" / "eval" / "wmt18-zh-en.tsv"))
WORK = Path(os.environ.get("ZHEN_BENCH_DIR", ROOT / "bench" / ".work"))
RATIO = 1.3
SPM_PIECES = 32000  # per side, as in opus-mt-zh-en
BEAMS = (1, 4)
QUICK = 8  # sentences in --quick: the naive loop at beam 4 dominates its time
SWEEP = 48  # sentences in --stock-sweep: enough for batches of 16 to keep two translators busy
WARMUP = 2  # the shortest sentences, translated before timing: they load and warm up every code path cheaply
TRANSFORMERS_BATCH = 16  # the batched-transformers baseline: sentences per generate() call
# CTranslate2's own defaults: compute type as converted (int8 here), one translator with its
# default threads, and translate_file's max_batch_size of 32 sentences.
STOCK_PLAIN: dict[str, Any] = {"compute_type": "default", "inter": 1, "intra": 0, "max_batch_size": 32,
                               "batch_type": "examples"}

Spec = dict[str, Any]
Runner = Callable[[Sequence[str], int], None]


def pairs() -> list[tuple[str, str]]:
    from pipeline.engines.shortlist import read_pairs

    return read_pairs(WMT)


def shortlist_pairs() -> list[tuple[str, str]]:
    """The pairs the shortlist learns from: the second half of WMT18, never the timed sentences."""
    data = pairs()
    return data[len(data) // 2:]


def timed_pairs(n: int, k: int) -> list[tuple[str, str]]:
    """k of the first n pairs, evenly spread: a quick run has the full run's mix of lengths."""
    data = pairs()[:n]
    step = len(data) / max(1, min(k, len(data)))
    return [data[int(i * step)] for i in range(min(k, len(data)))]


def build(work: Path) -> tuple[Path, Path, Path]:
    """The random twin (transformers folder), its CTranslate2 int8 conversion with a shortlist,
    and a view of that conversion whose vmap allows every piece of the English sentencepiece
    model (what the shortlist buys beyond dropping pieces the English side can never produce)."""
    hf, ct2, whole = work / "opus-random", work / "opus-random-ct2", work / "opus-random-ct2-english"
    twin = f"spm {SPM_PIECES} per side\n"
    if not (ct2 / "model.bin").exists() or not (hf / "twin.txt").exists() or (hf / "twin.txt").read_text() != twin:
        for folder in (ct2, whole):
            for f in folder.glob("vmap*"):
                f.unlink()
        _build_model(hf, ct2)
        (hf / "twin.txt").write_text(twin)
    from pipeline.engines.shortlist import build_vmap

    marker = ct2 / "vmap.source"
    learnt_from = f"{WMT.name}: second half, {len(shortlist_pairs())} pairs, per source 20, common 1000\n"
    if not (ct2 / "vmap.txt").exists() or not marker.exists() or marker.read_text() != learnt_from:
        build_vmap(shortlist_pairs(), ct2)
        marker.write_text(learnt_from)
    if not (whole / "vmap.txt").exists():
        from pipeline.engines.shortlist import english_pieces

        whole.mkdir(parents=True, exist_ok=True)
        for f in ct2.iterdir():
            if f.name not in ("vmap.txt", "vmap.source") and not (whole / f.name).exists():
                (whole / f.name).symlink_to(f.resolve())
        (whole / "vmap.txt").write_text("\t" + " ".join(english_pieces(ct2)) + "\n", encoding="utf-8")
    return hf, ct2, whole


def _build_model(hf: Path, ct2: Path) -> None:
    import io

    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    hf.mkdir(parents=True, exist_ok=True)
    data = pairs()
    for side, col in (("source", 0), ("target", 1)):
        # 8,000 pieces learnt from WMT18 (all that 3,960 sentences support), then unused symbols up
        # to the real model's 32,000 per side (OPUS-MT's spm32k): restricting the output to the
        # English side then spares as much as it would on the real model, no more.
        unused = [f"<unused-{side}-{i}>" for i in range(SPM_PIECES - 8000)]
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(sentence_iterator=iter([p[col] for p in data]), model_writer=buf,
                                       vocab_size=SPM_PIECES, user_defined_symbols=unused,
                                       character_coverage=0.9995, model_type="unigram",
                                       unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1, hard_vocab_limit=False,
                                       minloglevel=2)
        (hf / f"{side}.spm").write_bytes(buf.getvalue())
    cfg_data = {k: v for k, v in json.loads(CONFIG.read_text()).items() if not k.startswith("_")}
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for side in ("source", "target"):
        sp = spm.SentencePieceProcessor(model_file=str(hf / f"{side}.spm"))
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    filler = 0
    while len(vocab) < cfg_data["vocab_size"] - 1:  # the real vocabulary's size, padded with unused pieces
        vocab.setdefault(f"▁unused{filler}", len(vocab))
        filler += 1
    vocab["<pad>"] = len(vocab)
    (hf / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (hf / "tokenizer_config.json").write_text(json.dumps({"source_lang": "zh", "target_lang": "en",
                                                          "model_max_length": 512}), encoding="utf-8")
    gen = {k: cfg_data.pop(k) for k in ("num_beams", "max_length", "bad_words_ids")}
    torch.manual_seed(0)
    model = MarianMTModel(MarianConfig(**cfg_data))
    for k, v in gen.items():
        setattr(model.generation_config, k, v)
    model.save_pretrained(hf)
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(hf)).convert(str(ct2), quantization="int8", force=True)
    for f in ("source.spm", "target.spm", "generation_config.json"):
        (ct2 / f).write_bytes((hf / f).read_bytes())


def ops_per_sentence(src: int, tgt: int, beams: int) -> float:
    """Multiply-adds x2 for one sentence on the opus-mt-zh-en architecture (GEMMs only)."""
    d, f, layers, vocab = 512, 2048, 6, 65001
    enc = src * layers * (4 * d * d + 2 * d * f)
    dec_token = layers * (4 * d * d + 2 * d * f) + d * vocab  # self-attn, q/o of cross-attn, FFN, output
    dec = tgt * beams * dec_token + layers * 2 * d * d * src  # cross-attention keys and values once
    return 2.0 * (enc + dec)


def gemm_rate() -> float:
    """int8 GEMM operations per second on this machine, measured now (torch._int_mm, 2 threads)."""
    import torch

    torch.set_num_threads(2)
    a = torch.randint(-128, 127, (256, 512), dtype=torch.int8)
    b = torch.randint(-128, 127, (512, 2048), dtype=torch.int8)
    for _ in range(5):
        torch._int_mm(a, b)
    n, t = 200, time.perf_counter()
    for _ in range(n):
        torch._int_mm(a, b)
    return 2 * 256 * 512 * 2048 * n / (time.perf_counter() - t)


def source_tokens(texts: Sequence[str], folder: Path) -> list[int]:
    """Source pieces of each text plus </s>, as both engines count them (no transformers import)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
    return [len(sp.encode(t)) + 1 for t in texts]


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _naive(folder: Path, batch: int) -> Runner:
    """transformers as its model card shows it, `batch` sentences per generate() call, in input order."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # generation-config notices on every call would flood stderr
    torch.set_num_threads(2)
    tok = MarianTokenizer.from_pretrained(str(folder))
    model = MarianMTModel.from_pretrained(str(folder)).eval()

    def run(texts: Sequence[str], beams: int) -> None:
        for i in range(0, len(texts), batch):
            enc = tok(list(texts[i:i + batch]), return_tensors="pt", padding=True)
            n = math.ceil(RATIO * enc["input_ids"].shape[1])  # the longest of the call: padding costs
            with torch.inference_mode():
                model.generate(**enc, num_beams=beams, min_new_tokens=n, max_new_tokens=n, early_stopping=False)

    return run


def _stock(folder: Path, spec: Spec) -> Runner:
    """CTranslate2 used as its documentation shows, with stock settings only.

    translate_batch(all, max_batch_size=B) would sort and split the input itself, but decode
    every batch to one length; stock_batches forms the same batches here so that each gets
    its own fixed length, and they are all submitted at once (asynchronous), as CTranslate2
    queues its own batches for the inter_threads translators."""
    import ctranslate2
    import sentencepiece as spm

    tr = ctranslate2.Translator(str(folder), device="cpu", compute_type=spec["compute_type"],
                                inter_threads=spec["inter"], intra_threads=spec["intra"])
    sp = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))

    def run(texts: Sequence[str], beams: int) -> None:
        toks = [[*sp.encode(t, out_type=str), "</s>"] for t in texts]
        pending = []
        for batch in stock_batches([len(t) for t in toks], spec["max_batch_size"], spec["batch_type"]):
            n = math.ceil(RATIO * max(len(toks[i]) for i in batch))
            pending += tr.translate_batch([toks[i] for i in batch], asynchronous=True, beam_size=beams,
                                          min_decoding_length=n, max_decoding_length=n)
        for r in pending:
            r.result()

    return run


def _zhen(folder: Path, spec: Spec) -> Runner:
    """zhen's own engines, through their public constructors (one per beam width)."""
    from pipeline.records import EngineOptions, ModelRef

    ref = ModelRef(id="random-opus", path=folder, revision="random", origin="folder")
    engines: dict[int, Any] = {}

    def run(texts: Sequence[str], beams: int) -> None:
        if beams not in engines:
            engines.clear()  # one model in memory at a time, so that the peak is this beam width's own
            gc.collect()
            if spec["engine"] == "torch":
                from pipeline.engines.torch import TorchMarian

                opts = EngineOptions(beams=beams, threads=2, precision=spec["dtype"])
                engines[beams] = TorchMarian(ref, opts, fixed_ratio=RATIO)
            else:
                from pipeline.engines.ctranslate2 import CT2Marian

                opts = EngineOptions(beams=beams, batch_size=spec["batch"], threads=spec["threads"],
                                     shortlist=spec["vmap"])
                engines[beams] = CT2Marian(ref, opts, fixed_ratio=RATIO, workers=spec["workers"])
        engines[beams].translate(texts)

    return run


def run_one(spec: Spec) -> dict[str, dict[str, float]]:
    """Time one configuration at each beam width (called in a child process)."""
    texts = [zh for zh, _ in timed_pairs(spec["n"], spec["k"])]
    folder = Path(spec["folder"])
    if spec["engine"] == "transformers":
        run = _naive(folder, spec["batch"])
    elif spec["engine"] == "stock":
        run = _stock(folder, spec)
    else:
        run = _zhen(folder, spec)
    out = {}
    for beams in spec["beams"]:
        run(sorted(texts, key=len)[:WARMUP], beams)  # load and warm up, in the engine's own calling pattern
        start = time.perf_counter()
        run(texts, beams)
        # VmHWM only grows: read after each beam width, the smaller one first, it is that width's peak.
        out[str(beams)] = {"secs": time.perf_counter() - start, "peak_mb": peak_mb()}
    return out


def variants(hf: str, ct2: str, whole: str) -> list[tuple[str, Spec]]:
    zhen_ct2 = {"engine": "ct2", "workers": 2, "threads": 1, "batch": 8}
    return [
        ("transformers: 1 sentence per generate() call", {"engine": "transformers", "folder": hf, "batch": 1}),
        (f"transformers: {TRANSFORMERS_BATCH} per call, input order, fp32",
         {"engine": "transformers", "folder": hf, "batch": TRANSFORMERS_BATCH}),
        ("zhen torch: length-sorted batches of 16, fp32", {"engine": "torch", "folder": hf, "dtype": "float32"}),
        ("zhen torch: same, int8 linear layers", {"engine": "torch", "folder": hf, "dtype": "int8"}),
        ("ctranslate2 stock defaults (batches of 32)", {"engine": "stock", "folder": ct2, **STOCK_PLAIN}),
        *sweep_variants(ct2),
        ("zhen ctranslate2: batches of 8, 2 workers x 1", {**zhen_ct2, "folder": ct2, "vmap": False}),
        ("zhen ctranslate2: same, only English-side pieces", {**zhen_ct2, "folder": whole, "vmap": True}),
        ("zhen ctranslate2: same + vocabulary shortlist", {**zhen_ct2, "folder": ct2, "vmap": True}),
    ]


def sweep_variants(ct2: str) -> list[tuple[str, Spec]]:
    """The stock CTranslate2 settings every run times (tests/stock_ct2.py's grid)."""
    return [(f"ct2 stock: {stock_name(s)}", {"engine": "stock", "folder": ct2, **s}) for s in stock_grid()]


def measure(configs: list[tuple[str, Spec]]) -> list[tuple[str, Spec, dict[str, dict[str, float]]]]:
    rows = []
    env = {**os.environ, "OMP_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false"}
    for name, spec in configs:
        out = subprocess.run([sys.executable, __file__, "--one", json.dumps(spec)], capture_output=True, text=True,
                             env=env)
        if out.returncode != 0:
            print(f"{name}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append((name, spec, json.loads(out.stdout.strip().splitlines()[-1])))
        got = ", ".join(f"beam {b} {spec['k'] / r['secs']:.2f}" for b, r in rows[-1][2].items())
        print(f"  measured: {name}: {got} sent/s", file=sys.stderr)
    return rows


def ratio(speed: float, base: float) -> str:
    return "-" if math.isnan(base) else f"{speed / base:.1f}x"  # "-": that baseline is not in this table


def load_average() -> str:
    """The 1-minute load average: on a shared machine it says how far to trust the figures."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def main() -> None:
    started, load_at_start = time.perf_counter(), load_average()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="first N sentences of WMT18 (default 200)")
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK} of the first N sentences, evenly spread, every row (its time: see above)")
    ap.add_argument("--stock-sweep", action="store_true", help="time stock CTranslate2 settings instead")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return
    if args.n > len(pairs()) // 2:
        ap.error(f"-n at most {len(pairs()) // 2}: the second half of WMT18 teaches the shortlist")
    k = min(QUICK if args.quick else SWEEP if args.stock_sweep else args.n, args.n)
    hf_path, ct2_path, whole_path = build(WORK)
    hf, ct2, whole = str(hf_path), str(ct2_path), str(whole_path)
    timed = timed_pairs(args.n, k)
    # The sweep picks the settings for the headline, which is beam 4.
    beam_widths = [4] if args.stock_sweep else list(BEAMS)
    common = {"beams": beam_widths, "n": args.n, "k": k}
    table = sweep_variants(ct2) if args.stock_sweep else variants(hf, ct2, whole)
    rows = measure([(name, {**common, **spec}) for name, spec in table])
    lengths = source_tokens([zh for zh, _ in timed], hf_path)
    useful = sum(math.ceil(RATIO * s) for s in lengths)  # output tokens, counted per sentence for every row
    spread = f"{k} of the first {args.n}, evenly spread" if k < args.n else f"the first {args.n}"
    print(f"\nrandom opus-mt-zh-en twin, {len(timed)} WMT18 sentences ({spread}; every row the same, each engine "
          f"warmed up on the {WARMUP} shortest), output fixed at {RATIO}x source tokens, {os.cpu_count()} cores\n")
    print(f"{'beam':>4}  {'configuration':<52} {'sent/s':>7} {'tok/s':>6} {'peak MB':>7} "
          f"{'x 1-by-1':>8} {'x batched':>9} {'x stock':>7}")
    base4: dict[str, float] = {}
    best4: tuple[float, str] | None = None
    stock4 = ("", math.nan)
    for beams in beam_widths:
        speeds = [(name, spec, len(timed) / r[str(beams)]["secs"], r[str(beams)]["peak_mb"]) for name, spec, r in rows]
        base = {"one-at-a-time": [s for _, sp, s, _ in speeds if sp["engine"] == "transformers" and sp["batch"] == 1],
                "batched": [s for _, sp, s, _ in speeds if sp["engine"] == "transformers" and sp["batch"] > 1],
                "stock": [s for _, sp, s, _ in speeds if sp["engine"] == "stock"]}
        # Each baseline at its best in this run: the stock rows compete among themselves.
        base_s = {key: max(values, default=math.nan) for key, values in base.items()}
        for name, _, sent, peak in speeds:
            print(f"{beams:>4}  {name:<52} {sent:>7.2f} {useful / (len(timed) / sent):>6.0f} {peak:>7.0f} "
                  f"{ratio(sent, base_s['one-at-a-time']):>8} {ratio(sent, base_s['batched']):>9} "
                  f"{ratio(sent, base_s['stock']):>7}")
        if beams == 4:
            base4 = base_s
            stock4 = best_stock([(name, s) for name, sp, s, _ in speeds if sp["engine"] == "stock"])
            best4 = max(((s, name) for name, sp, s, _ in speeds if sp["engine"] in ("torch", "ct2")), default=None)

    def took() -> str:
        return (f"took {time.perf_counter() - started:.0f} s; load average {load_at_start} at the start, "
                f"{load_average()} at the end")

    if args.stock_sweep:
        if stock4[0]:
            print(f"\nbest stock setting at beam 4: {stock4[0]} ({stock4[1]:.2f} sent/s)")
        print(took())
        return
    from pipeline.engines.shortlist import coverage

    cover, _ = coverage(timed, ct2_path)
    english = len((whole_path / "vmap.txt").read_text(encoding="utf-8").split())
    print(f"\nshortlist: learnt from {len(shortlist_pairs())} other WMT18 pairs; it allows {cover:.1%} of the "
          f"reference English pieces of the timed sentences. English side: {english:,} of the 65,001 pieces, as "
          "in opus-mt-zh-en (8,000 learnt from WMT18, the rest unused symbols).")
    rate = gemm_rate()
    print(f"int8 GEMM measured now: {rate / 1e9:.0f} GOP/s")
    ceiling = {}
    for beams in BEAMS:
        ops = sum(ops_per_sentence(s, math.ceil(RATIO * s), beams) for s in lengths) / len(lengths)
        ceiling[beams] = rate / ops
        print(f"ceiling at beam {beams}: {ceiling[beams]:.1f} sent/s ({ops / 1e9:.2f} GOP per sentence)")
    print(took())
    if best4 is not None:  # the headline, last
        sent, name = best4
        print(f"beam4 best: {sent:.1f} sent/s, {sent / stock4[1]:.1f}× stock ctranslate2 at its best in this run "
              f"({stock4[0]}, {stock4[1]:.2f} sent/s), "
              f"{sent / base4['batched']:.1f}× batched transformers, {sent / base4['one-at-a-time']:.1f}× "
              f"one-at-a-time, {100 * sent / ceiling[4]:.0f}% of ceiling ({name})")


if __name__ == "__main__":
    main()
