"""Translation speed, every engine side by side, on a random-weight opus-mt-zh-en twin.

The model has the exact architecture of Helsinki-NLP/opus-mt-zh-en (bench/opus-mt-zh-en.config.json:
vocab 65,001, d_model 512, 6+6 layers, 8 heads, FFN 2,048) and random weights; output
lengths are fixed at 1.3x the source tokens, so every engine does the same work whatever
the weights say. Nothing it produces is a translation.

    python bench/bench.py            # first 200 WMT18 sentences
    python bench/bench.py --quick    # 50 sentences, under two minutes

Each configuration runs in its own process (its own threads and its own peak memory).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIG = ROOT / "bench" / "opus-mt-zh-en.config.json"
WMT = Path(os.environ.get("ZHEN_EVAL_TSV", ROOT.parent / "shared" / "eval" / "wmt18-zh-en.tsv"))
WORK = Path(os.environ.get("ZHEN_BENCH_DIR", ROOT / "bench" / ".work"))
RATIO = 1.3
SPM_PIECES = 32000  # per side, as in opus-mt-zh-en


def pairs() -> list[tuple[str, str]]:
    from pipeline.shortlist import read_pairs

    return read_pairs(WMT)


def shortlist_pairs() -> list[tuple[str, str]]:
    """The pairs the shortlist learns from: the second half of WMT18, never the timed sentences."""
    data = pairs()
    return data[len(data) // 2:]


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
    from pipeline.shortlist import build_vmap

    marker = ct2 / "vmap.source"
    learnt_from = f"{WMT.name}: second half, {len(shortlist_pairs())} pairs, per source 20, common 1000\n"
    if not (ct2 / "vmap.txt").exists() or not marker.exists() or marker.read_text() != learnt_from:
        build_vmap(shortlist_pairs(), ct2)
        marker.write_text(learnt_from)
    if not (whole / "vmap.txt").exists():
        from pipeline.shortlist import english_pieces

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

    a = torch.randint(-128, 127, (256, 512), dtype=torch.int8)
    b = torch.randint(-128, 127, (512, 2048), dtype=torch.int8)
    for _ in range(5):
        torch._int_mm(a, b)
    n, t = 200, time.perf_counter()
    for _ in range(n):
        torch._int_mm(a, b)
    return 2 * 256 * 512 * 2048 * n / (time.perf_counter() - t)


def sample(n: int, k: int) -> list[str]:
    """k of the first n sentences, evenly spread (so a subset has the same lengths)."""
    texts = [p[0] for p in pairs()][:n]
    step = max(1, len(texts) // max(1, k))
    return texts[::step][:k]


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(spec: dict) -> dict:
    """Time one configuration (called in a child process)."""
    from pipeline.models import ModelRef

    texts = sample(spec["n"], spec.get("k", spec["n"]))
    beams = spec["beams"]
    folder = Path(spec["folder"])
    ref = ModelRef(id="random-opus", path=folder, revision="random", origin="folder")
    if spec["engine"] == "naive":
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        torch.set_num_threads(2)
        tok = MarianTokenizer.from_pretrained(str(folder))
        model = MarianMTModel.from_pretrained(str(folder)).eval()
        out_tokens = 0
        start = time.perf_counter()
        for t in texts:  # the model card's way: one sentence, one generate() call
            enc = tok([t], return_tensors="pt")
            n = math.ceil(RATIO * enc["input_ids"].shape[1])
            with torch.inference_mode():
                model.generate(**enc, num_beams=beams, min_new_tokens=n, max_new_tokens=n, early_stopping=False)
            out_tokens += n
        secs = time.perf_counter() - start
    else:
        if spec["engine"] == "torch":
            from pipeline.translate import TorchMarian

            tr = TorchMarian(ref, beams=beams, threads=2, fixed_ratio=RATIO, dtype=spec["dtype"])
        else:
            from pipeline.translate import CT2Marian

            tr = CT2Marian(ref, beams=beams, batch_size=spec.get("batch"), threads=spec["threads"],
                           fixed_ratio=RATIO, workers=spec["workers"], shortlist=spec["vmap"])
        tr.translate(texts[:4])  # load and warm up
        start = time.perf_counter()
        tr.translate(texts)
        secs = time.perf_counter() - start
        out_tokens = sum(math.ceil(RATIO * tr.count_tokens(t)) for t in texts)
    return {"secs": secs, "sent_s": len(texts) / secs, "tok_s": out_tokens / secs, "peak_mb": peak_mb(),
            "n": len(texts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="first N sentences of WMT18 (default 200)")
    ap.add_argument("--quick", action="store_true",
                    help="50 sentences (naive loop on 8), fewer configurations: under two minutes")
    ap.add_argument("--naive-n", type=int, default=None, help="sentences for the naive loop (default: all)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return
    n = 50 if args.quick else args.n
    naive_n = args.naive_n or (8 if args.quick else n)
    if n > len(pairs()) // 2:
        ap.error(f"-n at most {len(pairs()) // 2}: the second half of WMT18 teaches the shortlist")
    hf_path, ct2_path, whole_path = build(WORK)
    hf, ct2, whole = str(hf_path), str(ct2_path), str(whole_path)
    variants = [
        ("transformers, one sentence at a time (naive)", {"engine": "naive", "folder": str(hf), "k": naive_n}),
        ("zhen torch: length-sorted batches of 16, fp32", {"engine": "torch", "folder": str(hf), "dtype": "float32"}),
        ("zhen torch: same, int8 linear layers", {"engine": "torch", "folder": str(hf), "dtype": "int8"}),
        ("ctranslate2 int8, batches of 32, 1 worker x 2 thr", {"engine": "ct2", "folder": ct2, "workers": 1,
                                                                "threads": 2, "vmap": False, "batch": 32}),
        ("ctranslate2 int8, batches of 32, 2 workers x 1", {"engine": "ct2", "folder": ct2, "workers": 2,
                                                             "threads": 1, "vmap": False, "batch": 32}),
        ("zhen ctranslate2: batches of 8, 2 workers x 1", {"engine": "ct2", "folder": ct2, "workers": 2,
                                                            "threads": 1, "vmap": False, "batch": 8}),
        ("zhen ctranslate2: same, only English-side pieces", {"engine": "ct2", "folder": whole, "workers": 2,
                                                                "threads": 1, "vmap": True, "batch": 8}),
        ("zhen ctranslate2: same + vocabulary shortlist", {"engine": "ct2", "folder": ct2, "workers": 2,
                                                            "threads": 1, "vmap": True, "batch": 8}),
    ]
    if args.quick:  # the stock CTranslate2 settings and torch fp32 only in the full run, to stay under 2 minutes
        variants = [v for v in variants if not any(k in v[0] for k in ("batches of 32", "fp32", "English-side"))]
    configs = [(name, {"beams": beams, "n": n, **spec}) for beams in (1, 4) for name, spec in variants]
    rows = []
    env = {**os.environ, "OMP_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false"}
    for name, spec in configs:
        out = subprocess.run([sys.executable, __file__, "--one", json.dumps(spec)], capture_output=True, text=True,
                             env=env)
        if out.returncode != 0:
            print(f"{name}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append((name, spec, json.loads(out.stdout.strip().splitlines()[-1])))
        print(f"  measured: beam {spec['beams']} {name}: {rows[-1][2]['sent_s']:.2f} sent/s", file=sys.stderr)
    rate = gemm_rate()
    texts = [p[0] for p in pairs()][:n]
    from pipeline.models import ModelRef

    from pipeline.translate import TorchMarian

    counter = TorchMarian(ModelRef("random", hf_path, "random", "folder"))
    lengths = [counter.count_tokens(t) for t in texts]
    print(f"\nrandom opus-mt-zh-en twin, {n} WMT18 sentences (naive loop: {naive_n} of them, evenly spread), "
          f"output fixed at {RATIO}x source tokens, {os.cpu_count()} cores\n")
    print(f"{'beam':>4}  {'configuration':<48} {'sent/s':>8} {'tok/s':>8} {'peak MB':>8} {'x naive':>8}")
    best = {}
    for beams in (1, 4):
        naive = next((r for nm, sp, r in rows if sp["beams"] == beams and sp["engine"] == "naive"), None)
        for name, spec, r in rows:
            if spec["beams"] != beams:
                continue
            ratio = r["sent_s"] / naive["sent_s"] if naive else float("nan")
            print(f"{beams:>4}  {name:<48} {r['sent_s']:>8.2f} {r['tok_s']:>8.0f} {r['peak_mb']:>8.0f} {ratio:>7.1f}x")
            if spec["engine"] != "naive" and r["sent_s"] > best.get(beams, (0, None, 0))[0]:
                best[beams] = (r["sent_s"], name, ratio)
    from pipeline.shortlist import coverage

    cover, _ = coverage(pairs()[:n], ct2_path)
    english = len((whole_path / "vmap.txt").read_text(encoding="utf-8").split())
    print(f"\nshortlist: learnt from {len(shortlist_pairs())} other WMT18 pairs; it allows {cover:.1%} of the "
          f"reference English pieces of the timed sentences. English side: {english:,} of the 65,001 pieces, as "
          "in opus-mt-zh-en (8,000 learnt from WMT18, the rest unused symbols).")
    print(f"int8 GEMM measured now: {rate / 1e9:.0f} GOP/s")
    for beams in (1, 4):
        ops = sum(ops_per_sentence(s, math.ceil(RATIO * s), beams) for s in lengths) / len(lengths)
        print(f"ceiling at beam {beams}: {rate / ops:.1f} sent/s ({ops / 1e9:.2f} GOP per sentence)")
    ops4 = sum(ops_per_sentence(s, math.ceil(RATIO * s), 4) for s in lengths) / len(lengths)
    if 4 in best:
        sent, name, ratio = best[4]
        print(f"beam4 best: {sent:.1f} sent/s, {ratio:.1f}x naive, {100 * sent / (rate / ops4):.0f}% of ceiling"
              f" ({name})")


if __name__ == "__main__":
    main()
