"""Stage: glossary protect → translate → restore and verify.

Glossary terms are replaced by placeholders the model copies through, then put back in the
glossary's English; where the model loses a placeholder, the sentence is translated again
without protection and the term is checked instead. Every document of a batch goes to the
engine in one call, so sentences from many releases share batches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from .engines.base import Translator
from .glossary import Glossary, match, protect, restore, verify
from .normalize import HAN, to_norm
from .provenance import now
from .records import Block, Document, GlossaryHit, Provenance, Segment, Source

ProgressFactory = Callable[[int, str], Any]  # (total, label) -> object with update(n)


def translate_documents(
    docs: Sequence[Document],
    translator: Translator,
    progress: ProgressFactory | None = None,
    glossary: Glossary | None = None,
    mode: str = "enforce",
    only: set[tuple[str, str]] | None = None,
    memo: Any = None,
    sign: Callable[[Source, str], Provenance] | None = None,
) -> list[Document]:
    """Translate documents; each comes back with its provenance when `sign` (the run's one
    builder of provenance, given the source and the time) is given.

    `only` limits the work to these (document name, segment id) pairs. Speaker labels that
    name an office (刑事侦查局负责人) go through the model with the segments. `memo` remembers
    glossary matches (the translation memory, or a cluster actor's snapshot of it).
    """
    segs = [seg for doc in docs for seg in doc.segments
            if seg.translatable and (only is None or (doc.source.name, seg.id) in only)]
    labels = {to_norm(b.speaker): b.speaker for doc in docs for b in doc.blocks if b.speaker and not b.speaker_en}
    label_segs = [Segment(id=f"label{i}", block=-1, kind="turn", start=0, end=0, text=text, norm=norm)
                  for i, (norm, text) in enumerate(labels.items())]
    bar = progress(len(segs) + len(label_segs), "Translating") if progress else None
    done = translate_segments([*segs, *label_segs], translator, glossary, mode, bar, memo)
    if bar is not None and hasattr(bar, "finish"):
        bar.finish()
    label_en = {s.norm: done[id(s)].target for s in label_segs}
    created = now()
    out: list[Document] = []
    for doc in docs:
        prov = sign(doc.source, created) if sign is not None else doc.provenance
        blocks = tuple(replace(b, speaker_en=label_en.get(to_norm(b.speaker)) or b.speaker)
                       if b.speaker and not b.speaker_en else b for b in doc.blocks)
        new_segs = tuple(_with_speaker(done.get(id(seg), seg), blocks) for seg in doc.segments)
        out.append(replace(doc, blocks=blocks, segments=new_segs, provenance=prov))
    return out


def translate_segments(segs: Sequence[Segment], translator: Translator, glossary: Glossary | None, mode: str,
                       bar: Any = None, memo: Any = None) -> dict[int, Segment]:
    """Each segment translated, keyed by id(): protected where enforcing, retried plain where that failed."""
    results: dict[int, Segment] = {}
    # Numbers, dates and Latin text need no model: they are copied as they are.
    copied = [seg for seg in segs if not HAN.search(seg.norm)]
    for seg in copied:
        results[id(seg)] = replace(seg, target=seg.norm, flags=(*seg.flags, "copied"))
    if copied:
        if bar is not None:
            bar.update(len(copied))
        segs = [seg for seg in segs if id(seg) not in results]
    hits = _glossary_hits(segs, glossary, memo)
    enforce = mode == "enforce"
    inputs = [protect(seg.norm, hits[id(seg)]) if enforce and hits[id(seg)] else seg.norm for seg in segs]
    first = translator.translate(inputs, progress=bar.update if bar is not None else None) if inputs else []
    retry: list[Segment] = []
    for seg, tr in zip(segs, first, strict=True):
        seg_hits = hits[id(seg)]
        if not (enforce and seg_hits):
            results[id(seg)] = replace(seg, target=tr.text, flags=seg.flags + tr.flags, score=tr.score,
                                       hits=verify(tr.text, seg_hits, enforced=False))
            continue
        restored = restore(tr.text, seg_hits)
        if restored is None:
            retry.append(seg)  # a placeholder was lost or doubled: translate without protection
            continue
        results[id(seg)] = replace(seg, target=restored, flags=seg.flags + tr.flags, score=tr.score,
                                   hits=verify(restored, seg_hits, enforced=True))
    if retry:
        for seg, tr in zip(retry, translator.translate([s.norm for s in retry]), strict=True):
            results[id(seg)] = replace(seg, target=tr.text, flags=(*seg.flags, *tr.flags, "glossary-fallback"),
                                       score=tr.score, hits=verify(tr.text, hits[id(seg)], enforced=False))
    return results


def _glossary_hits(segs: Sequence[Segment], glossary: Glossary | None, tm: Any) -> dict[int, list[GlossaryHit]]:
    """Glossary hits per segment; with a translation memory, remembered per glossary and text
    (matching consults jieba, whose dictionary takes a second to load)."""
    if glossary is None:
        return {id(seg): [] for seg in segs}
    known: dict[str, Any] = tm.memo_get(glossary.sha256, [s.norm for s in segs]) if tm is not None else {}
    fresh: dict[str, Any] = {}
    out: dict[int, list[GlossaryHit]] = {}
    for seg in segs:
        if seg.norm in known:
            out[id(seg)] = [GlossaryHit(**h) for h in known[seg.norm]]
            continue
        found = match(seg.norm, glossary)
        fresh[seg.norm] = [asdict(h) for h in found]
        out[id(seg)] = found
    if tm is not None and fresh:
        tm.memo_put(glossary.sha256, fresh)
    return out


def _with_speaker(seg: Segment, blocks: Sequence[Block]) -> Segment:
    en = blocks[seg.block].speaker_en
    return seg if seg.speaker_en == en else replace(seg, speaker_en=en)
