"""Stage 3: segment a release into blocks (lines) and sentences.

Blocks are classified as title, heading, paragraph, turn (with its speaker) or
boilerplate; sentences are split inside blocks, and any sentence too long for the model
is split again at ；then ，so that no model input exceeds a token budget. Every segment
keeps offsets into the raw input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .normalize import CJK, clean, to_norm
from .records import Block, BlockKind, Document, Segment, Source
from .speakers import speaker_in_english, split_label

DEFAULT_TOKEN_BUDGET = 200

TokenCounter = Callable[[str], int]


def char_count(text: str) -> int:
    """Conservative token estimate without a tokenizer: a piece covers at least one character."""
    return len(text) + 1


_END = set("。！？!?")
_OPEN_CLOSE = {"“": "”", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", "‘": "’", "【": "】"}
_CLOSERS = set(_OPEN_CLOSE.values()) | {'"', "'"}
_HEADING_MAX = 48  # characters: longer lines without an end mark are paragraphs that lost it
_END_OF_LINE = re.compile(r"[。！？!?…；;:：.”’」』)）\]】]\s*$")
_LABEL = re.compile(r"^\s*([^\s:：,，。；;!?！？“”\"]{1,14}(?:\s[^\s:：,，。；;!?！？“”\"]{1,6})?)\s*[:：]")

_BOILERPLATE = [
    re.compile(p)
    for p in (
        r"^(来源|來源|责任编辑|責任編輯|编辑|編輯|作者|校对|審核|审核|通讯员|供稿|出处|原标题|稿源|字号|字體|字体)\s*[:：]",
        r"^(【?(打印本?页|打印|关闭窗口|關閉窗口|关闭|收藏|返回顶部|分享到?|扫一扫.*|掃一掃.*|上一篇.*|下一篇.*)】?\s*)+$",
        r"^(分享|分享到)\s*[:：]?.*$",
        r"^【?\s*字号?\s*[:：]?\s*[大中小]\s*[大中小]?\s*[大中小]?\s*】?$",
        r"^(【[大中小]】\s*){2,3}$",
        r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$",
        r"^\d{1,2}:\d{2}(:\d{2})?$",
        r"^(END|End|end|（完）|\(完\)|-+\s*完\s*-+|—+\s*完\s*—+)$",
        r"^(首页|首頁|当前位置|當前位置|您的位置|您当前的位置)\s*[:：>＞»].*$",
        r"^[^。！？!?]{1,20}(\s*[>＞»]\s*[^。！？!?>＞»]{1,20}){2,}$",
        r"^(浏览次数|瀏覽次數|点击数|點擊數|阅读量|閱讀量|发布时间|發布時間)\s*[:：].*$",
    )
]
# A news lead: a date early in the paragraph, or a wire/newspaper dateline.
_LEAD = re.compile(
    r"^.{0,24}?(\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日|(本报|本報|新华社|新華社|中新网|中新網).{0,12}(讯|訊|电|電))"
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+")


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
) -> Document:
    """Segment a Source into a Document of blocks and sentence segments."""
    cleaned = clean(source.raw)
    lines = list(_lines(cleaned.text))
    blocks_spec = _classify(lines, markdown=source.media_type == "text/markdown")
    garbled = [m.span() for m in _MOJIBAKE.finditer(cleaned.text)]
    blocks: list[Block] = []
    segments: list[Segment] = []
    warnings: list[str] = list(source.warnings)
    for spec in blocks_spec:
        line = spec.line
        bstart, bend = cleaned.raw_span(spec.label_from, line.end)
        block = Block(
            index=len(blocks),
            kind=spec.kind,
            start=bstart,
            end=bend,
            speaker=spec.speaker,
            speaker_en=speaker_in_english(to_norm(spec.speaker)) if spec.speaker else None,
            labelled=spec.labelled,
        )
        blocks.append(block)
        spans = _split_spans(cleaned.text, spec.body_start, line.end, budget, count_tokens)
        for k, (s, e) in enumerate(spans):
            text = cleaned.text[s:e]
            raw_s, raw_e = cleaned.raw_span(spec.label_from if k == 0 else s, e)
            bad = [cleaned.text[gs:ge] for gs, ge in garbled if gs < e and s < ge]
            flags = ("mojibake",) if bad else ()
            if bad:
                warnings.append(f"s{len(segments) + 1}: the input looks garbled (mis-decoded upstream): {bad[0]}")
            segments.append(
                Segment(
                    id=f"s{len(segments) + 1}",
                    block=block.index,
                    kind=spec.kind,
                    start=raw_s,
                    end=raw_e,
                    text=text,
                    norm=to_norm(text),
                    speaker=spec.speaker,
                    speaker_en=block.speaker_en,
                    flags=flags,
                )
            )
    return Document(source=source, blocks=tuple(blocks), segments=tuple(segments), warnings=tuple(warnings))


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


@dataclass(frozen=True)
class _BlockSpec:
    line: _Line
    kind: BlockKind
    body_start: int  # where the translatable text starts (after a speaker label or # marks)
    label_from: int  # where the block's raw span starts (a label line above it, if any)
    speaker: str | None = None
    labelled: bool = False


def _classify(lines: list[_Line], markdown: bool = False) -> list[_BlockSpec]:
    heading_like = [_is_heading_like(ln.norm) for ln in lines]
    specs: list[_BlockSpec] = []
    speaker: str | None = None
    pending_label: tuple[str, int] | None = None  # a speaker's name alone on the line above
    seen_content = False
    for i, ln in enumerate(lines):
        if any(p.match(ln.norm) for p in _BOILERPLATE):
            specs.append(_BlockSpec(ln, "boilerplate", ln.start, ln.start))
            continue
        md = _MD_HEADING.match(ln.text) if markdown else None
        if md:
            kind: BlockKind = "title" if md.group(1) == "#" or not seen_content else "heading"
            specs.append(_BlockSpec(ln, kind, ln.start + md.end(), ln.start))
            speaker, seen_content = None, True
            continue
        label = _speaker_label(ln)
        if label is not None:
            name, body_start = label
            if body_start >= ln.end or not ln.text[body_start - ln.start :].strip():
                # A speaker's name alone on its line: it opens the turn below.
                pending_label = (name, ln.start)
                continue
            specs.append(_BlockSpec(ln, "turn", body_start, ln.start, name, True))
            speaker, pending_label, seen_content = name, None, True
            continue
        if pending_label is not None:
            name, label_from = pending_label
            specs.append(_BlockSpec(ln, "turn", ln.start, label_from, name, True))
            speaker, pending_label, seen_content = name, None, True
            continue
        if heading_like[i]:
            nxt = lines[i + 1].norm if i + 1 < len(lines) else ""
            is_title = not seen_content or bool(_LEAD.match(nxt))
            specs.append(_BlockSpec(ln, "title" if is_title else "heading", ln.start, ln.start))
            speaker, seen_content = None, True
            continue
        if speaker is not None:
            # The answer goes on in this paragraph until a heading or another speaker.
            specs.append(_BlockSpec(ln, "turn", ln.start, ln.start, speaker, False))
        else:
            specs.append(_BlockSpec(ln, "paragraph", ln.start, ln.start))
        seen_content = True
    if pending_label is not None:
        # A label with nothing after it: keep its text (nothing is lost) as a paragraph.
        name, start = pending_label
        ln = next(x for x in lines if x.start == start)
        specs.append(_BlockSpec(ln, "paragraph", ln.start, ln.start))
    return sorted(specs, key=lambda s: s.label_from)


def _is_heading_like(norm: str) -> bool:
    return len(norm) <= _HEADING_MAX and not _END_OF_LINE.search(norm) and bool(re.search(f"[{CJK}]", norm))


def _speaker_label(ln: _Line) -> tuple[str, int] | None:
    """(speaker as written, offset where the turn's text begins), or None."""
    m = _LABEL.match(ln.norm)
    if m is None:
        alone = ln.norm.strip()
        role, name = split_label(alone)
        # A name alone on a line opens a turn only as a bare person name or role.
        if (role or name) and len(alone) <= 8 and " " not in alone:
            return ln.text, ln.end
        return None
    role, name = split_label(m.group(1))
    if role is None and name is None:
        return None
    written = ln.text[m.start(1) : m.end(1)]
    return written, ln.start + m.end()


def _split_spans(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s, e in _sentences(text, start, end):
        spans.extend(_fit(text, s, e, budget, count))
    return spans


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split after 。！？!? and any closing marks that follow, never inside quotes or brackets."""
    out: list[tuple[int, int]] = []
    stack: list[str] = []
    s = start
    i = start
    while i < end:
        ch = text[i]
        if stack and ch == stack[-1]:
            stack.pop()
        elif ch in _OPEN_CLOSE:
            stack.append(_OPEN_CLOSE[ch])
        elif ch in _END and not (ch in "?!" and i + 1 < end and text[i + 1].isascii() and text[i + 1].isalnum()):
            j = i + 1
            while j < end and text[j] in _END:
                j += 1
            # A closing quote right after the end mark ends the quoted sentence too.
            while j < end and text[j] in _CLOSERS and stack and text[j] == stack[-1]:
                stack.pop()
                j += 1
            if not stack:
                out.append((s, j))
                s = j
                while s < end and text[s] == " ":
                    s += 1
            i = j
            continue
        i += 1
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


def segment_text(raw: str, name: str = "text", budget: int = DEFAULT_TOKEN_BUDGET) -> Document:
    """Convenience for tests and the API: segment a string as if it were a file."""
    import hashlib

    src = Source(name=name, path=name, raw=raw, encoding="utf-8", sha256=hashlib.sha256(raw.encode()).hexdigest())
    return segment(src, budget=budget)


__all__ = ["DEFAULT_TOKEN_BUDGET", "char_count", "segment", "segment_text"]
