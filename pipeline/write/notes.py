"""What a reviewer must look at, shared by every review format that shows it (Markdown,
XLIFF, the review page): segments grouped by block, and one line per problem. The plain
English (text.py) carries none of it: it is for pasting, not for reviewing."""

from __future__ import annotations

from collections.abc import Iterable

from ..facts import describe
from ..records import Block, Document, GlossaryHit, Segment

MOJIBAKE_NOTE = "the Chinese was garbled before it reached zhen (mojibake): check this sentence against the original"


def by_block(doc: Document) -> Iterable[tuple[Block, list[Segment]]]:
    groups: dict[int, list[Segment]] = {}
    for seg in doc.segments:
        groups.setdefault(seg.block, []).append(seg)
    for block in doc.blocks:
        yield block, groups.get(block.index, [])


def term_as_written(seg: Segment, hit: GlossaryHit) -> str:
    """The term as the source writes it: hits point into the simplified text, and a reviewer
    reading traditional script must see 公安廳 there, not 公安厅. t2s keeps lengths almost
    always; where it did not, the simplified form is all we have."""
    if len(seg.text) == len(seg.norm) and 0 <= hit.start < hit.end <= len(seg.text):
        return seg.text[hit.start:hit.end]
    return hit.zh


def as_written(seg: Segment, text: str, spans: Iterable[tuple[int, int]]) -> str:
    """A note about spans of the simplified text, quoting the source as it is written (a
    reviewer of a traditional-script page must read 269名 and 公安廳 as the page has them)."""
    if len(seg.text) != len(seg.norm):
        return text
    for s, e in spans:
        if 0 <= s < e <= len(seg.norm) and seg.norm[s:e] != seg.text[s:e]:
            text = text.replace(seg.norm[s:e], seg.text[s:e])
    return text


# Flags a reviewer must act on, in words; the others (repetition-retried, reviewed, approved)
# describe zhen's own work or the review state, which the formats show otherwise.
FLAG_NOTES = {
    "glossary-fallback": "the glossary terms could not be kept through the model here, so this sentence was "
                         "translated without them: check its terms",
    "repetition-collapsed": "the model repeated itself and zhen removed the repetition: check that nothing is missing",
    "fact-fixed": "zhen rewrote a figure to the value the Chinese states: check it",
}


def warnings_for(seg: Segment, terms: bool = True) -> list[str]:
    """What a reviewer must look at in this segment, each said once: garbled input, figures that
    changed or went missing, lost terms (unless `terms` is False: a format that lists every
    glossary hit says it there), what zhen did that needs a look, and whatever else made its
    risk check or bad."""
    out = [MOJIBAKE_NOTE] if "mojibake" in seg.flags else []
    out += [as_written(seg, describe(c), ((c.source.start, c.source.end),)) for c in seg.facts
            if c.status != "matched"]
    if terms:
        out += [f"term {term_as_written(seg, h)} should read “{h.en}”" for h in seg.hits if h.status == "missing"]
        # A rendering that has since changed is right for the release's date, but a reviewer decides.
        out += [f"term {term_as_written(seg, h)} is rendered “{h.en}”, {h.dated}" for h in seg.hits
                if h.dated and "now “" in h.dated]
    out += [FLAG_NOTES[f] for f in seg.flags if f in FLAG_NOTES]
    # The risk checks' own reasons, less what the lines above already say (a changed or missing
    # figure, a missing term): an invented figure, an omission, a loop, Chinese left in the English.
    out += [as_written(seg, c.reason, c.zh_spans) for c in seg.checks if c.kind not in _SAID_ABOVE]
    return out


_SAID_ABOVE = {"fact-changed", "fact-missing", "term"}


def review_state(seg: Segment) -> str | None:
    """What a person did to this segment, for the review formats: "approved by X on DATE",
    "English reviewed on DATE", or None for the machine's English."""
    if not seg.reviewed:
        return None
    review = seg.review
    who = f" by {review.by}" if review is not None and review.by else ""
    when = f" on {review.at[:10]}" if review is not None and review.at else ""
    return f"approved{who}{when}" if "approved" in seg.flags else f"English reviewed{who}{when}"


def needs_review(seg: Segment) -> bool:
    """A segment a reviewer must read against the Chinese (XLIFF marks it needs-review-translation)."""
    return seg.risk in ("check", "bad") or any(c.status != "matched" for c in seg.facts) or any(
        h.status == "missing" for h in seg.hits) or any(
        f in ("mojibake", "glossary-fallback", "repetition-collapsed", "low-confidence") for f in seg.flags)


def unit_notes(seg: Segment) -> list[str]:
    """Every note an exchange file carries for a unit: its risk once, each glossary hit, then the
    warnings (each problem once: a missing term is its glossary line, not a second note)."""
    notes = [f"risk: {seg.risk}"] if seg.risk in ("check", "bad") else []
    notes += [f"glossary: {term_as_written(seg, h)} = {h.en} ({h.status})" + (f": {h.dated}" if h.dated else "")
              for h in seg.hits]
    return notes + warnings_for(seg, terms=False)
