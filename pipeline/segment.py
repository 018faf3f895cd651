"""Stage 3: segment a release into blocks (lines) and sentences.

Blocks are classified as title, heading, paragraph, turn (with its speaker) or
boilerplate (pipeline.structure decides, line by line); sentences are split inside blocks
by the structure conventions, and any sentence too long for the model is split again at ；
then ，so that no model input exceeds a token budget. Every segment keeps offsets into the
raw input: raw[start:end] is its text, and a turn's speaker label is at
raw[speaker_start:speaker_end].
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from .normalize import CJK, Cleaned, clean, to_norm
from .records import Block, BlockKind, Document, Segment, Source
from .speakers import speaker_in_english
from .structure import LineWhy, StructureModel, decide

DEFAULT_TOKEN_BUDGET = 200

TokenCounter = Callable[[str], int]


def char_count(text: str) -> int:
    """Conservative token estimate without a tokenizer: a piece covers at least one character."""
    return len(text) + 1


_END = set("。！？!?")
# Quotes are atomic (nothing inside is split); brackets are not: an ender inside (…。) ends a sentence.
_QUOTES = {"“": "”", "「": "」", "『": "』", "《": "》"}
_CLOSERS = set("”」』》’)）]】\"'")
_NO_SPLIT_BEFORE = set(",，、;；:：")
# Furniture that is still content for a reader of the English: where the release comes from
# and when it was published. Such lines stay boilerplate blocks, but their segments are
# flagged "dateline" and translated, so that the plain English keeps them.
_DATELINE = re.compile(
    r"^((来源|來源|稿源|出处|出處|原标题|原標題|发布时间|發布時間|发布日期|發布日期)\s*[:：]"
    r"|\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$)"
)


@dataclass(frozen=True)
class _Line:
    start: int  # offsets into Cleaned.text
    end: int
    text: str
    norm: str


def segment(
    source: Source,
    budget: int = DEFAULT_TOKEN_BUDGET,
    count_tokens: TokenCounter = char_count,
    model: StructureModel | None = None,
    why: list[LineWhy] | None = None,
) -> Document:
    """Segment a Source into a Document of blocks and sentence segments.

    model: the structure model's weights (the shipped ones by default).
    why: a list to fill with each non-empty line's explanation (see explain_lines).
    """
    cleaned = clean(source.raw)
    lines = list(_lines(cleaned.text))
    decisions = decide([ln.text for ln in lines], [ln.norm for ln in lines], model,
                       markdown=source.media_type == "text/markdown", why=why,
                       given=_given(source, cleaned, lines) if source.layout else None)
    garbled = [m.span() for m in _MOJIBAKE.finditer(cleaned.text)]
    blocks: list[Block] = []
    segments: list[Segment] = []
    warnings: list[str] = list(source.warnings)
    for line, dec in zip(lines, decisions, strict=True):
        if dec.kind is None:
            continue  # a speaker-label line: its text is the speaker of the turns below
        kind = cast(BlockKind, dec.kind)
        body_start = line.start + dec.body_start
        while body_start < line.end and cleaned.text[body_start] == " ":
            body_start += 1
        if body_start >= line.end:
            continue
        label_raw: tuple[int, int] | None = None
        if dec.speaker is not None and dec.label_line is not None:
            origin = lines[dec.label_line]
            ls, le = dec.label_span
            label_raw = cleaned.raw_span(origin.start + ls, origin.start + le)
        bstart, bend = cleaned.raw_span(body_start, line.end)
        block = Block(
            index=len(blocks),
            kind=kind,
            start=bstart,
            end=bend,
            speaker=dec.speaker,
            speaker_en=speaker_in_english(to_norm(dec.speaker)) if dec.speaker else None,
            labelled=dec.labelled,
        )
        blocks.append(block)
        spans = _split_spans(cleaned.text, body_start, line.end, budget, count_tokens)
        for s, e in spans:
            text = cleaned.text[s:e]
            raw_s, raw_e = cleaned.raw_span(s, e)
            bad = [cleaned.text[gs:ge] for gs, ge in garbled if gs < e and s < ge]
            flags: tuple[str, ...] = ("mojibake",) if bad else ()
            if kind == "boilerplate" and _DATELINE.match(line.norm.strip()):
                flags += ("dateline",)
            if bad:
                warnings.append(f"s{len(segments) + 1}: the input looks garbled (mis-decoded upstream): {bad[0]}")
            segments.append(
                Segment(
                    id=f"s{len(segments) + 1}",
                    block=block.index,
                    kind=kind,
                    start=raw_s,
                    end=raw_e,
                    text=text,
                    norm=to_norm(text),
                    speaker=dec.speaker,
                    speaker_en=block.speaker_en,
                    flags=flags,
                    speaker_start=label_raw[0] if label_raw else None,
                    speaker_end=label_raw[1] if label_raw else None,
                )
            )
    return Document(source=source, blocks=tuple(blocks), segments=tuple(segments), warnings=tuple(warnings))


def _given(source: Source, cleaned: Cleaned, lines: list[_Line]) -> list[str | None]:
    """The kind the document fixes for each line (Source.layout spans hold raw offsets)."""
    out: list[str | None] = []
    for ln in lines:
        at = cleaned.raw_index[ln.start]
        out.append(next((kind for s, e, kind in source.layout if s <= at < e), None))
    return out


def _lines(text: str) -> Iterable[_Line]:
    pos = 0
    for part in text.split("\n"):
        s, e = pos, pos + len(part)
        pos = e + 1
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if s < e:
            yield _Line(s, e, text[s:e], to_norm(text[s:e]))


def _split_spans(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s, e in _sentences(text, start, end):
        spans.extend(_fit(text, s, e, budget, count))
    return spans


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans by the conventions: a run of 。！？!? ends a sentence, with any closing
    quotes or brackets right after it; no end right before ，、；：; nothing inside “”「」『』《》
    is split, except that a quote closing right after an ender ends the sentence there."""
    out: list[tuple[int, int]] = []
    stack: list[str] = []
    s = start
    i = start
    while i < end:
        ch = text[i]
        if stack and ch == stack[-1]:
            stack.pop()
            i += 1
            continue
        if ch in _QUOTES:
            stack.append(_QUOTES[ch])
            i += 1
            continue
        if ch not in _END:
            i += 1
            continue
        j = i + 1
        while j < end and text[j] in _END:
            j += 1
        if stack:
            if len(stack) > 1 or j >= end or text[j] != stack[-1]:
                i = j
                continue
            stack.pop()  # “…。” closes the quote and the sentence
            j += 1
        while j < end and text[j] in _CLOSERS:
            j += 1
        if j < end and text[j] in _NO_SPLIT_BEFORE:
            i = j
            continue
        out.append((s, j))
        s = j
        while s < end and text[s] == " ":
            s += 1
        i = j
    if s < end:
        out.append((s, end))
    return out


def _fit(text: str, s: int, e: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Split a sentence over the token budget at ；then ，、 then, as a last resort, by length."""
    if count(to_norm(text[s:e])) <= budget:
        return [(s, e)]
    for marks in ("；;", "，,、", " "):
        cuts = [i + 1 for i in range(s, e - 1) if text[i] in marks]
        if cuts:
            return _pack(text, s, e, cuts, budget, count)
    # No punctuation at all (a run-on line): cut by characters.
    step = max(1, budget - 1)
    out: list[tuple[int, int]] = []
    i = s
    while i < e:
        j = min(e, i + step)
        while j > i + 1 and count(to_norm(text[i:j])) > budget:
            j = i + max(1, (j - i) * 3 // 4)
        out.append((i, j))
        i = j
    return out


def _pack(text: str, s: int, e: int, cuts: list[int], budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    prev = s
    for c in [*cuts, e]:
        if c > prev:
            pieces.append((prev, c))
            prev = c
    out: list[tuple[int, int]] = []
    cur_s, cur_e = pieces[0]
    for ps, pe in pieces[1:]:
        if count(to_norm(text[cur_s:pe])) <= budget:
            cur_e = pe
        else:
            out.append((cur_s, cur_e))
            cur_s, cur_e = ps, pe
    out.append((cur_s, cur_e))
    final: list[tuple[int, int]] = []
    for a, b in out:
        # Trim spaces so that a piece never starts or ends blank.
        while a < b and text[a] == " ":
            a += 1
        while b > a and text[b - 1] == " ":
            b -= 1
        if a < b:
            final.extend(_fit(text, a, b, budget, count) if count(to_norm(text[a:b])) > budget else [(a, b)])
    return final


# Text mis-decoded upstream (GBK bytes read one byte off) leaves marks such as `等?!霸苿Α`
# and pinyin that lost its opening parenthesis (`袆?dòng)`): flag it, never guess a repair.
_MOJIBAKE = re.compile(rf"[{CJK}]\?[!！][^\n]{{0,12}}|[^\n]{{0,12}}\?[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")


def explain_lines(source: Source, model: StructureModel | None = None) -> list[dict[str, object]]:
    """Every non-empty line of a release with its kind, speaker and what decided them: the
    strongest features of the sequence model's choice and the hand rules that changed it
    (zhen segment --explain). A speaker-label line has kind "label" and makes no block."""
    why: list[LineWhy] = []
    cleaned = clean(source.raw)
    lines = list(_lines(cleaned.text))
    decisions = decide([ln.text for ln in lines], [ln.norm for ln in lines], model,
                       markdown=source.media_type == "text/markdown", why=why)
    rows: list[dict[str, object]] = []
    for n, (line, dec, w) in enumerate(zip(lines, decisions, why, strict=True), 1):
        kind = dec.kind or "label"
        speaker = dec.speaker
        if dec.kind is None:
            speaker = line.text  # the label itself; the turns below carry it without decoration
        rows.append({"line": n, "kind": kind, "state": w.state, "speaker": speaker, "text": line.text,
                     "features": [[k, v] for k, v in w.features], "rules": list(w.rules)})
    return rows


def segment_text(raw: str, name: str = "text", budget: int = DEFAULT_TOKEN_BUDGET) -> Document:
    """Convenience for tests and the API: segment a string as if it were a file."""
    import hashlib

    src = Source(name=name, path=name, raw=raw, encoding="utf-8", sha256=hashlib.sha256(raw.encode()).hexdigest())
    return segment(src, budget=budget)


__all__ = ["DEFAULT_TOKEN_BUDGET", "char_count", "explain_lines", "segment", "segment_text"]
