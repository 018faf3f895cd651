"""English text: sentences and word stems.

Sentences: pysbd's rules (abbreviations, decimals, initials, lists), line by line,
after one rule of ours that pysbd lacks: a sentence that ends inside quotes and a quoted
sentence after it are two sentences (`…tolerate." "An invite…`, `…tolerate.” “An invite…`),
as are sentences on either side of an ellipsis character before a capital (pysbd knows "..."
but not "…"). Used by the aligner (English versions of releases) and the abstractive summary.

Stems: the Porter stemmer as Snowball implements it (PyStemmer's C library): glossary checks,
the aligner's and the omission check's lexical evidence and the term miner compare words by it.
Porter, not Snowball's newer "english" (Porter2): Porter2 keeps the s of "bureaus" and "NGOs"
(its -us and vowel-final rules), plurals police releases are full of. Of the 1,223 plural and
singular pairs among the words of WMT18's references and the glossary, Porter2 leaves 6 apart
(bureaus, NGOs, FTAs, ...), Porter 4 (tries, skies, flies, lies).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_MD_MARK = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*)")
# Where pysbd would fuse two sentences: after an end mark and a closing quote, or after "…",
# before a capital (an opening quote may stand before it). pysbd would split `." "An` but hand
# the closing quote to the next sentence.
_CLOSING = re.compile(r"[\"”’')\]]+")
_QUOTED_END = re.compile(r"(?:(?<=[.!?…][\"”’'])|(?<=…))\s+(?=[\"“‘']?[A-Z])")


def split_english_sentences(text: str, markdown: bool = False) -> list[str]:
    """English sentences, line by line: a line (title, heading, paragraph) never shares a
    sentence with the next one. Markdown loses its heading, list and quote marks."""
    seg = _pysbd()
    out: list[str] = []
    for line in text.splitlines():
        line = _MD_MARK.sub("", line).strip() if markdown else line.strip()
        in_line: list[str] = []
        for piece in _QUOTED_END.split(line):
            sentences: list[str] = []
            for s in seg.segment(piece):
                s = s.strip()
                if _CLOSING.fullmatch(s) and sentences:  # pysbd cuts a closing ASCII quote off its sentence
                    sentences[-1] += s
                elif s:
                    sentences.append(s)
            in_line.extend(sentences)
        out.extend(_join_bare_marks(in_line))
    return out


def _join_bare_marks(sentences: list[str]) -> list[str]:
    """A piece with no letter or digit (a quote mark or dash pysbd cut off alone) is no
    sentence: it joins the next one, or the last one at the end of a line."""
    out: list[str] = []
    carry = ""
    for s in sentences:
        if not any(ch.isalnum() for ch in s):
            carry += s
            continue
        out.append(f"{carry}{s}")
        carry = ""
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out


@lru_cache(maxsize=1)
def _pysbd():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


_local = threading.local()


def _stemmer() -> Any:
    # One per thread: a PyStemmer Stemmer keeps state between calls (its buffers and cache) and
    # is not safe to share; the server translates on several threads.
    st = getattr(_local, "stemmer", None)
    if st is None:
        import Stemmer

        st = _local.stemmer = Stemmer.Stemmer("porter")
    return st


@lru_cache(maxsize=65536)  # words are few and repeat: a hit costs a tenth of a call into the stemmer
def stem(word: str) -> str:
    """A word's Porter stem, lower case: policies, policy -> polici; arrested -> arrest; bureaus -> bureau."""
    return str(_stemmer().stemWord(word.lower()))


def stems(words: list[str]) -> list[str]:
    return [stem(w) for w in words]


# ---------------------------------------------------------------------------- speaker labels

# A speaker label opening an English line: a role (Reporter, Host, Q) or a name of up to four
# capitalised words (Sun Jinfeng, Xiao-ming Li), a colon, then the speech.
_LABEL = re.compile(r"^\s*([A-Z][A-Za-z'’.\-]{0,24}(?:\s[A-Z][A-Za-z'’.\-]{0,24}){0,3})\s?[:：]\s*(?=\S)")


def english_label(text: str) -> tuple[str, str] | None:
    """(label, speech) when text opens like a speaker's turn (`Reporter: What is ...`); None
    otherwise. Whether such an opening is a speaker's is the caller's to decide (a heading's
    `Background: ...` reads the same)."""
    m = _LABEL.match(text)
    return (m.group(1), text[m.end():]) if m else None


def without_label(text: str, label: str) -> str:
    """text without `label:` at its start (any case, either colon): English that already carries
    the speaker a writer is about to print before it."""
    found = english_label(text)
    if found is None or found[0].casefold() != label.strip().casefold():
        return text
    return found[1]


__all__ = ["english_label", "split_english_sentences", "stem", "stems", "without_label"]
