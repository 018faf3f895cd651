"""The review page: one self-contained HTML file a person reads in the browser.

No external assets and no script: title and summary on top, then the release block by
block with Chinese and English side by side, headings and speaker turns shown as such,
glossary terms highlighted on both sides, segments with a lost term or a changed figure
marked, provenance in the footer. Every piece of text is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ..normalize import is_traditional
from ..read import display_stem
from ..records import Block, Document, Segment, Summary
from .notes import by_block, review_state, warnings_for

CSS = """
:root { --ink: #1c1c1c; --muted: #5f6368; --line: #e0e0e0; --term: #fff3c4; --flag: #fde7e9; --flagline: #d93025;
        --done: #188038; }
* { box-sizing: border-box; }
body { font: 16px/1.6 "Noto Sans", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
       "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
:lang(zh-Hant) { font-family: "Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "PingFang TC",
       "Microsoft JhengHei", "Noto Sans CJK SC", sans-serif; }
.flagged-list { border: 1px solid var(--flagline); border-radius: 6px; padding: .5rem 1rem; margin-bottom: 1.5rem; }
.flagged-list h2 { font-size: 1rem; margin: 0 0 .25rem; display: inline; }
.flagged-list summary { cursor: pointer; }
.flagged-list ul { margin: 0; padding-left: 1.2rem; }
header h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
header .zh-title { color: var(--muted); margin: 0 0 1rem; }
.summary { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1.5rem; }
.summary h2 { font-size: 1rem; margin: 0 0 .5rem; text-transform: uppercase; letter-spacing: .05em; }
.summary li { margin: .25rem 0; }
.ref { color: var(--muted); font-size: .8em; }
.block { margin: 1rem 0; }
.block h2, .block h3 { margin: 1.25rem 0 .5rem; }
.speaker { font-weight: 600; margin: .75rem 0 .25rem; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 1.25rem; padding: .35rem .5rem;
       border-top: 1px solid var(--line); }
.row .zh { font-size: 1.02em; }
.row .id { color: var(--muted); font-size: .75em; display: block; }
.row.flagged { background: var(--flag); border-left: 4px solid var(--flagline); }
.notes { grid-column: 1 / -1; color: var(--flagline); font-size: .9em; margin: 0; padding-left: 1.2rem; }
.row.approved { border-left: 4px solid var(--done); }
.row.approved .notes { color: var(--muted); }
.state { color: var(--done); font-size: .8em; display: block; }
.summary .dropped h3 { font-size: .95rem; color: var(--flagline); margin: .75rem 0 .25rem; }
.match { margin: .25rem 0 0; font-size: .9em; border-left: 3px solid var(--line); padding-left: .5rem; }
.boilerplate { color: var(--muted); font-size: .85em; }
mark.term { background: var(--term); padding: 0 .1em; border-radius: 2px; }
mark.missing { background: none; border-bottom: 2px dashed var(--flagline); }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .75rem; color: var(--muted);
         font-size: .8em; }
@media (max-width: 700px) {
  body { padding: .75rem; }
  .row { grid-template-columns: 1fr; gap: .25rem; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .row { break-inside: avoid; }
  .row.flagged { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _mark_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """Escape text, wrapping the given (start, end, css class) spans in <mark>."""
    out: list[str] = []
    pos = 0
    for s, e, cls in sorted(spans):
        if s < pos or e > len(text):
            continue
        out.append(_e(text[pos:s]))
        out.append(f'<mark class="{cls}">{_e(text[s:e])}</mark>')
        pos = e
    out.append(_e(text[pos:]))
    return "".join(out)


def _zh(seg: Segment) -> str:
    # Hits point into the simplified text; t2s keeps lengths almost always, so they fit the display text.
    spans = [(h.start, h.end, "term" if h.status != "missing" else "term missing") for h in seg.hits]
    return _mark_spans(seg.text, spans if len(seg.text) == len(seg.norm) else [])


def _en(seg: Segment) -> str:
    text = seg.target or ""
    spans = []
    for h in seg.hits:
        if h.status == "missing":
            continue
        m = re.search(re.escape(h.en), text, re.I)
        if m:
            spans.append((m.start(), m.end(), "term"))
    taken: list[tuple[int, int, str]] = []
    for s in sorted(spans):
        if not taken or s[0] >= taken[-1][1]:
            taken.append(s)
    return _mark_spans(text, taken)


def _page_title(doc: Document) -> Block | None:
    """The release's own title: a title block before any body text. A title further down
    belongs to a second article (the sample carries one) and stays in its place."""
    for block in doc.blocks:
        if block.kind == "title":
            return block
        if block.kind in ("paragraph", "turn", "heading"):
            return None
    return None


def _name(doc: Document) -> str:
    """The release's own name for a page without a title: its file's name as the user gave it
    (a server job's outputs are all release.*; its Source.path is the name the user gave)."""
    return display_stem(doc.source.path) if doc.source.path not in ("", "-") else doc.source.name


def _flagged_list(doc: Document) -> list[str]:
    """How many segments need a reviewer, with a link to each (the page may be long). A long
    list starts folded (<details>, no script) so that the release stays near the top."""
    # An approved segment's warnings were read and accepted by a person: it is not one to check first.
    flagged = [(seg, notes) for seg in doc.segments if (notes := warnings_for(seg)) and "approved" not in seg.flags]
    if not flagged:
        return ['<nav class="flagged-list" id="flagged"><h2>No segment flagged</h2></nav>']
    # Check these first: the segments whose risk is bad, then the others, each in document order.
    flagged.sort(key=lambda item: item[0].risk != "bad")
    n = len(flagged)
    out = [f'<nav class="flagged-list" id="flagged"><details{" open" if n <= 12 else ""}>'
           f'<summary><h2>{n} flagged segment{"s" if n != 1 else ""}: check these first</h2></summary><ul>']
    out += [f'<li><a href="#{_e(seg.id)}">{_e(seg.id)}</a>{" (bad)" if seg.risk == "bad" else ""}: '
            f'{_e(notes[0])}{f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""}</li>' for seg, notes in flagged]
    out.append("</ul></details></nav>")
    return out


def _row_class(seg: Segment, notes: list[str]) -> str:
    """flagged (red) while a segment has warnings nobody approved; approved or reviewed once a person has."""
    if "approved" in seg.flags:
        return "row approved"
    return " ".join(["row", *(["reviewed"] if seg.reviewed else []), *(["flagged"] if notes else [])])


def _dropped(summary: Summary) -> list[str]:
    """The summary's sentences the faithfulness check dropped, as NAME.summary.md lists them."""
    if not summary.dropped:
        return []
    out = ['<div class="dropped"><h3>Check before publishing</h3><ul>']
    for d in summary.dropped:
        ref = f' <a class="ref" href="#{_e(d["id"])}">[{_e(d["id"])}]</a>' if d.get("id") else ""
        out.append(f"<li>“{_e(d.get('en'))}”: the source has no {_e(', '.join(d.get('unsupported') or []))}{ref}</li>")
    out.append("</ul></div>")
    return out


def _matches(seg: Segment) -> str:
    """Human translations of similar sentences, beside the machine English."""
    return "".join(f'<p class="match"><span class="ref">{round(m.similarity * 100)}% match · {_e(m.origin)}</span> '
                   f'{_e(m.target)}</p>' for m in seg.matches)


def render(doc: Document) -> str:
    title_block = _page_title(doc)
    segs_by_block = dict(by_block(doc))
    by_index = {b.index: segs for b, segs in segs_by_block.items()}
    zh_lang = "zh-Hant" if is_traditional("".join(s.text for s in doc.segments)) else "zh-Hans"
    if title_block is not None:
        en_title = " ".join(s.target or "" for s in by_index.get(title_block.index, [])) or _name(doc)
        zh_title = "".join(s.text for s in by_index.get(title_block.index, []))
    else:
        en_title, zh_title = _name(doc), ""
    parts = ['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(en_title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             f'<header><h1>{_e(en_title)}</h1><p class="zh-title" lang="{zh_lang}">{_e(zh_title)}</p></header>']
    parts += _flagged_list(doc)
    if doc.summary:
        summary = doc.summary.to_record()
        parts.append('<section class="summary"><h2>Summary</h2>')
        parts.append(f"<p><strong>{_e(summary.get('headline'))}</strong></p><ul>")
        for s in summary.get("sentences", []):
            sid = s.get("id")
            ref = f' <a class="ref" href="#{_e(sid)}">[{_e(sid)}]</a>' if sid else ""
            parts.append(f"<li>{_e(s.get('en'))}{ref}</li>")
        parts.append("</ul>")
        parts += _dropped(doc.summary)
        parts.append("</section>")
    parts.append("<main>")
    for block, segs in segs_by_block.items():
        parts.append(f'<section class="block {block.kind}" data-block="{block.index}">')
        if block.kind in ("title", "heading") and block is not title_block:  # the first title is the page's
            tag = "h2" if block.kind == "title" else "h3"
            parts.append(f"<{tag}>{_e(' '.join(s.target or '' for s in segs))}</{tag}>")
        if block.labelled and block.speaker:
            parts.append(f'<p class="speaker">{_e(block.speaker_en or block.speaker)} '
                         f'<span lang="{zh_lang}">({_e(block.speaker)})</span></p>')
        for seg in segs:
            notes, state = warnings_for(seg), review_state(seg)
            parts.append(f'<div class="{_row_class(seg, notes)}" id="{_e(seg.id)}" data-seg="{_e(seg.id)}">')
            shown = f'<span class="id">{_e(seg.id)}</span>'
            shown += f'<span class="state">✔ {_e(state)}</span>' if state else ""
            parts.append(f'<div class="zh" lang="{zh_lang}">{shown}{_zh(seg)}</div>')
            untranslated = '<span class="boilerplate">(not translated: page furniture)</span>'
            en = _en(seg) if seg.target is not None else untranslated
            parts.append(f'<div class="en" lang="en">{en}{_matches(seg)}</div>')
            if notes:
                parts.append('<ul class="notes">' + "".join(f"<li>⚠ {_e(n)}</li>" for n in notes) + "</ul>")
            parts.append("</div>")
        parts.append("</section>")
    parts.append("</main>")
    p = doc.provenance
    if p is not None:
        parts.append(f"<footer>{_e(p.tool)} {_e(p.version)} · model {_e(p.model)} ({_e(p.model_revision)}) · "
                     f"engine {_e(p.engine)} · glossary {_e(p.glossary_sha256)} ({_e(p.glossary_mode)}) · "
                     f"input {_e(p.input)} (sha256 {_e((p.input_sha256 or '')[:12])}) · {_e(p.created)}</footer>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
