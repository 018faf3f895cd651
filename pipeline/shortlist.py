"""A target-vocabulary shortlist for CTranslate2 (its "vocabulary map", vmap.txt).

The output projection over opus-mt-zh-en's 65,001 words is about half of the decoder's
work. A shortlist lets each batch score only the target pieces its source can plausibly
produce: pieces that co-occur with the batch's source pieces in a parallel corpus (a word
translation table, scored with the Dice coefficient), plus the most frequent pieces, which
are always allowed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import UsageError


def build_vmap(
    pairs: Iterable[tuple[str, str]],
    model_dir: Path,
    per_source: int = 20,
    common: int = 1000,
) -> tuple[int, int]:
    """Write model_dir/vmap.txt from (zh, en) pairs; return (source entries, always-allowed pieces)."""
    import sentencepiece as spm

    sp_src = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    sp_tgt = spm.SentencePieceProcessor(model_file=str(model_dir / "target.spm"))
    vocab = set(_target_vocabulary(model_dir))
    src_count: Counter[str] = Counter()
    tgt_count: Counter[str] = Counter()
    joint: dict[str, Counter[str]] = {}
    n = 0
    for zh, en in pairs:
        s = set(sp_src.encode(zh, out_type=str))
        t = {p for p in sp_tgt.encode(en, out_type=str) if p in vocab}
        n += 1
        src_count.update(s)
        tgt_count.update(t)
        for a in s:
            joint.setdefault(a, Counter()).update(t)
    if n == 0:
        raise UsageError("the corpus has no sentence pairs")
    always = [p for p, _ in tgt_count.most_common(common)]
    lines = ["\t" + " ".join(always)]
    for a, counts in joint.items():
        scored = sorted(counts, key=lambda b: 2 * counts[b] / (src_count[a] + tgt_count[b]), reverse=True)
        keep = [b for b in scored[:per_source] if b not in always[:common]]
        if keep:
            lines.append(f"{a}\t{' '.join(keep)}")
    (model_dir / "vmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1, len(always)


def _target_vocabulary(model_dir: Path) -> Sequence[str]:
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (model_dir / name).is_file():
            return list(json.loads((model_dir / name).read_text(encoding="utf-8")))
    raise UsageError(f"{model_dir}: not a CTranslate2 model (no vocabulary file); run zhen models convert first")


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """A tab-separated corpus: zh<TAB>en per line (a header line `zh<TAB>en` is skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[:2] != ["zh", "en"] and parts[0].strip() and parts[1].strip():
            out.append((parts[0], parts[1]))
    return out
