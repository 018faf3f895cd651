"""Stage: glossary protect → translate → restore and verify.

Glossary terms (and the romanized names of pipeline.names) are replaced by placeholders the model
copies through, then put back in the
glossary's English; where the model loses a placeholder, the sentence is translated again
without protection and the term is checked instead. Every document of a batch goes to the
engine in one call, so sentences from many releases share batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from .dated import dated_hits, release_day
from .engines.base import Translator
from .errors import ZhenError
from .glossary import Glossary, match, protect, restore, verify
from .memory import CachedTranslator, term_key
from .names import terms_with_names, with_status
from .normalize import HAN, to_norm
from .provenance import now
from .records import Block, Document, GlossaryHit, Provenance, Segment, Source, Translation

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
    as_of: str | None = None,
) -> list[Document]:
    """Translate documents; each comes back with its provenance when `sign` (the run's one
    builder of provenance, given the source and the time) is given.

    `only` limits the work to these (document name, segment id) pairs. Speaker labels that
    name an office (刑事侦查局负责人) go through the model with the segments. `memo` remembers
    glossary matches (the translation memory, or a cluster actor's snapshot of it). A term whose
    rendering changed gets the one in force on the release's date (its date line, else `as_of`,
    else today: pipeline.dated).
    """
    segs = [seg for doc in docs for seg in doc.segments
            if seg.translatable and (only is None or (doc.source.name, seg.id) in only)]
    labels = {to_norm(b.speaker): b.speaker for doc in docs for b in doc.blocks if b.speaker and not b.speaker_en}
    label_segs = [Segment(id=f"label{i}", block=-1, kind="turn", start=0, end=0, text=text, norm=norm)
                  for i, (norm, text) in enumerate(labels.items())]
    bar = progress(len(segs) + len(label_segs), "Translating") if progress else None
    days = {id(seg): day for doc in docs for day in [release_day(doc, as_of)] for seg in doc.segments}
    done = translate_segments([*segs, *label_segs], translator, glossary, mode, bar, memo, days)
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


def each_alone(docs: Sequence[Document], run: Callable[[Sequence[Document]], list[Document]],
               ) -> tuple[list[Document], list[tuple[Document, str]]]:
    """`run` over the documents together (their sentences share batches); should that fail,
    over each document on its own, so that the one the engine cannot take (a sentence it
    chokes on) fails alone, with one line, and the others are translated. A ZhenError (no
    model, a bad option) is the run's, not a document's: it goes up as it is."""
    try:
        return run(docs), []
    except ZhenError:
        raise
    except Exception as exc:
        if len(docs) == 1:
            return [], [(docs[0], f"{docs[0].source.path}: cannot translate ({type(exc).__name__}: {exc})")]
    done: list[Document] = []
    failed: list[tuple[Document, str]] = []
    for doc in docs:
        ok, bad = each_alone([doc], run)
        done += ok
        failed += bad
    return done, failed


def translate_segments(segs: Sequence[Segment], translator: Translator, glossary: Glossary | None, mode: str,
                       bar: Any = None, memo: Any = None,
                       days: dict[int, tuple[dt.date, str]] | None = None) -> dict[int, Segment]:
    """Each segment translated, keyed by id(): protected where enforcing, retried plain where that failed.
    `days` gives a segment's date (and where it comes from) for terms whose rendering changed."""
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
    if glossary is not None and days:
        hits = {k: dated_hits(v, glossary, *days[k]) if k in days else v for k, v in hits.items()}
    enforce = mode == "enforce"
    # The placeholders protect the glossary's terms and the segment's romanized names alike.
    terms = {id(seg): terms_with_names(hits[id(seg)], seg) if enforce else hits[id(seg)] for seg in segs}
    inputs = [protect(seg.norm, terms[id(seg)]) if enforce and terms[id(seg)] else seg.norm for seg in segs]
    keys = {id(seg): term_key([(h.zh, h.en) for h in hits[id(seg)]]) for seg in segs}
    first = _translate(translator, inputs, [keys[id(s)] for s in segs], bar.update if bar is not None else None)
    retry: list[Segment] = []
    for seg, tr in zip(segs, first, strict=True):
        seg_hits = hits[id(seg)]
        if not (enforce and terms[id(seg)]):
            results[id(seg)] = _checked(seg, tr.text, seg_hits, False, seg.flags + tr.flags, tr.score)
            continue
        restored = restore(tr.text, terms[id(seg)])
        if restored is None:
            retry.append(seg)  # a placeholder was lost or doubled: translate without protection
            continue
        results[id(seg)] = _checked(seg, restored, seg_hits, True, seg.flags + tr.flags, tr.score)
    if retry:
        for seg, tr in zip(retry, _translate(translator, [s.norm for s in retry], [keys[id(s)] for s in retry]),
                           strict=True):
            results[id(seg)] = _checked(seg, tr.text, hits[id(seg)], False,
                                        (*seg.flags, *tr.flags, "glossary-fallback"), tr.score)
    return results


def _translate(translator: Translator, texts: list[str], terms: list[str], progress: Any = None) -> list[Translation]:
    """The engine's English for texts; behind the memory, each remembered with the glossary
    entries that apply to it (its key: an edit to other entries leaves it a hit)."""
    if not texts:
        return []
    if isinstance(translator, CachedTranslator):
        return translator.translate(texts, progress=progress, terms=terms)
    return translator.translate(texts, progress=progress)


def _checked(seg: Segment, target: str, hits: Sequence[GlossaryHit], enforced: bool, flags: tuple[str, ...],
             score: float | None) -> Segment:
    """The translated segment with its glossary terms and names verified in the English."""
    return replace(seg, target=target, flags=flags, score=score, hits=verify(target, hits, enforced=enforced),
                   names=with_status(seg, target, enforced, hits))


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
