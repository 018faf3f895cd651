"""Check: glossary terms (place, organisation and other names included) whose English is
missing from the translation: the check `zhen glossary check` does today, per pair."""

from __future__ import annotations

from collections.abc import Sequence

from ..glossary import Glossary, match, term_found
from ..records import Flag, GlossaryHit


def check(zh: str, en: str, hits: Sequence[GlossaryHit] | None = None, glossary: Glossary | None = None) -> list[Flag]:
    """Hits as recorded (a zhen JSONL), or found afresh with the glossary; neither: nothing to check."""
    if hits is None:
        hits = match(zh, glossary) if glossary is not None else ()
    flags = []
    for h in hits:
        if term_found(en, h):  # its English or one its entry accepts, in any inflection
            continue
        what = {"place": "place", "org": "organisation", "person": "name", "title": "title"}.get(h.kind, "term")
        flags.append(Flag("term", ((h.start, h.end),), (), f"glossary {what} {h.zh} should read “{h.en}”", "check"))
    return flags
