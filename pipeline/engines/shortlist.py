"""A target-vocabulary shortlist for CTranslate2 (its "vocabulary map", vmap.txt).

The output projection over opus-mt-zh-en's 65,001 words is about half of the decoder's
work. A shortlist lets each batch score only the target pieces its source can plausibly
produce: pieces that co-occur with the batch's source pieces in a parallel corpus (a word
translation table, scored with the Dice coefficient), plus the most frequent pieces, which
are always allowed.

A piece the shortlist leaves out is a piece the decoder cannot produce for that batch, so
`build_checked` measures, on pairs held out of the table, how much of the reference English
the shortlist still allows, before the user relies on it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..files import atomic_write

# Below this share of held-out reference pieces allowed, `zhen models shortlist` warns.
MIN_COVERAGE = 0.95

Shortlist = tuple[list[str], dict[str, list[str]]]  # always-allowed pieces; pieces per source piece


def learn(pairs: Iterable[tuple[str, str]], model_dir: Path, per_source: int = 20, common: int = 1000) -> Shortlist:
    """The shortlist that (zh, en) pairs teach, in the model's own pieces."""
    sp_src, sp_tgt = _tokenizers(model_dir)
    vocab = set(target_vocabulary(model_dir))
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
    kept = set(always)
    table: dict[str, list[str]] = {}
    for a, counts in joint.items():
        scored = sorted(counts, key=lambda b: 2 * counts[b] / (src_count[a] + tgt_count[b]), reverse=True)
        keep = [b for b in scored[:per_source] if b not in kept]
        if keep:
            table[a] = keep
    return always, table


def build_vmap(
    pairs: Iterable[tuple[str, str]],
    model_dir: Path,
    per_source: int = 20,
    common: int = 1000,
) -> tuple[int, int]:
    """Write model_dir/vmap.txt from (zh, en) pairs; return (source entries, always-allowed pieces)."""
    always, table = learn(pairs, model_dir, per_source, common)
    lines = ["\t" + " ".join(always), *(f"{a}\t{' '.join(keep)}" for a, keep in table.items())]
    atomic_write(model_dir / "vmap.txt", "\n".join(lines) + "\n")
    return len(table), len(always)


def read_vmap(model_dir: Path) -> Shortlist:
    always: list[str] = []
    table: dict[str, list[str]] = {}
    for line in (model_dir / "vmap.txt").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("\t")
        if key:
            table[key] = value.split()
        else:
            always += value.split()
    return always, table


def coverage(
    pairs: Iterable[tuple[str, str]], model_dir: Path, shortlist: Shortlist | None = None
) -> tuple[float, int]:
    """Share of the reference English pieces that each sentence's own shortlist allows, and
    the number of pairs measured (the model's English may differ from the reference: this is
    a warning sign, not a quality score)."""
    sp_src, sp_tgt = _tokenizers(model_dir)
    always, table = shortlist or read_vmap(model_dir)
    base = set(always)
    covered = total = n = 0
    for zh, en in pairs:
        allowed = set(base)
        for piece in sp_src.encode(zh, out_type=str):
            allowed.update(table.get(piece, ()))
        ref = sp_tgt.encode(en, out_type=str)
        covered += sum(1 for r in ref if r in allowed)
        total += len(ref)
        n += 1
    return (covered / total if total else 1.0), n


def build_checked(
    pairs: Sequence[tuple[str, str]],
    model_dir: Path,
    per_source: int = 20,
    common: int = 1000,
    holdout_every: int = 20,
) -> tuple[int, int, float, int]:
    """Measure coverage on every Nth pair with a shortlist learnt from the others, then write
    the shortlist learnt from all of them. Returns (source entries, always allowed, held-out
    coverage, held-out pairs)."""
    held = [p for i, p in enumerate(pairs) if i % holdout_every == holdout_every - 1]
    rest = [p for i, p in enumerate(pairs) if i % holdout_every != holdout_every - 1]
    cov, n = 1.0, 0
    if held and rest:
        cov, n = coverage(held, model_dir, learn(rest, model_dir, per_source, common))
    entries, always = build_vmap(pairs, model_dir, per_source, common)
    return entries, always, cov, n


def fingerprint(model_dir: Path) -> str | None:
    """A short hash of the shortlist: a rebuilt one can change the English, so the
    translation memory and provenance must tell them apart."""
    path = model_dir / "vmap.txt"
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _tokenizers(model_dir: Path) -> tuple[Any, Any]:
    """The model's Chinese and English sentencepiece models."""
    import sentencepiece as spm

    return (spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm")),
            spm.SentencePieceProcessor(model_file=str(model_dir / "target.spm")))


def english_pieces(model_dir: Path) -> list[str]:
    """Every piece the English sentencepiece model can write that the model's vocabulary has."""
    vocab = set(target_vocabulary(model_dir))
    sp = _tokenizers(model_dir)[1]
    return [p for p in (sp.id_to_piece(i) for i in range(sp.get_piece_size())) if p in vocab]


def target_vocabulary(model_dir: Path) -> Sequence[str]:
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (model_dir / name).is_file():
            return list(json.loads((model_dir / name).read_text(encoding="utf-8")))
    raise UsageError(f"{model_dir}: not a CTranslate2 model (no vocabulary file); run zhen models convert first")


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """A tab-separated corpus: zh<TAB>en per line (a header line `zh<TAB>en` is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text (expected zh<TAB>en per line)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[:2] != ["zh", "en"] and parts[0].strip() and parts[1].strip():
            out.append((parts[0], parts[1]))
    return out
