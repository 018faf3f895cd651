"""Check: glossary terms (place, organisation and other names included) whose English is
missing from the translation: the check `zhen glossary check` does today, per pair."""

from __future__ import annotations

from collections.abc import Sequence

from ..glossary import Glossary, contains_term, match
from ..records import Flag, GlossaryHit


def check(zh: str, en: str, hits: Sequence[GlossaryHit] | None = None, glossary: Glossary | None = None) -> list[Flag]:
    """Hits as recorded (a zhen JSONL), or found afresh with the glossary; neither: nothing to check."""
    if hits is None:
        hits = match(zh, glossary) if glossary is not None else ()
    flags = []
    for h in hits:
        if contains_term(en, h.en):
            continue
        what = {"place": "place", "org": "organisation", "person": "name", "title": "title"}.get(h.kind, "term")
        flags.append(Flag("term", ((h.start, h.end),), (), f"glossary {what} {h.zh} should read “{h.en}”", "check"))
    return flags
