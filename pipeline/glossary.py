"""Stages: glossary protect (before translation) and glossary restore and verify (after).

The term base is plain TSV (columns zh, en, kind, note, variants, source, earlier, accepted;
files without the last columns, from before they existed, still load, and older zhens read a
file with them: columns are read by their header's names). `earlier` holds the renderings that `en`
replaced, each with the date from which the next one applies: a release is given the rendering
in force on its date (`rendering_at`). Matching runs on the
normalized simplified text: longest match first, never inside a longer word (jieba decides
what a word is). In `enforce` mode each hit is swapped for a placeholder that the model
copies through, then replaced by the glossary's English; if the model loses or doubles a
placeholder, the segment is translated again without protection and the term is checked
like in `check` mode.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .english import stems
from .errors import UsageError, ZhenError
from .normalize import is_han, to_norm, to_simplified
from .records import GlossaryHit, Term

KINDS = ("term", "campaign", "org", "title", "person", "place")
COLUMNS = ("zh", "en", "kind", "note", "variants", "source", "earlier", "accepted")
MODES = ("enforce", "check", "off")


class GlossaryError(ZhenError):
    """A glossary file is malformed; the message names the file and line."""

    exit_code = 2


def term_forms(t: Term) -> set[str]:
    """Every simplified form that matches a term (traditional ones fold into these)."""
    return {to_norm(f) for f in (t.zh, *t.variants) if f}


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    files: tuple[str, ...] = ()
    sha256: str = ""
    _index: dict[str, Term] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, terms: Iterable[Term], files: Sequence[str] = (), sha256: str = "") -> Glossary:
        by_zh: dict[str, Term] = {}
        for t in terms:  # later files override earlier ones
            by_zh[to_norm(t.zh)] = t
        index: dict[str, Term] = {}
        for t in by_zh.values():
            for form in term_forms(t):
                index[form] = t
        return cls(tuple(by_zh.values()), tuple(files), sha256, index)

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(self._index)

    def lookup(self, zh: str) -> Term | None:
        return self._index.get(to_norm(zh))

    @property
    def index(self) -> dict[str, Term]:
        return self._index


# ---------------------------------------------------------------------------- loading


# Characters no glossary field may hold: controls (a tab or a line break would split the row),
# line and paragraph separators (str.splitlines() splits there, so a term would take over the
# next row), and lone surrogates (an undecodable command-line byte).
_BAD_FIELD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def field_problem(value: str) -> str | None:
    """Why a glossary field cannot be stored, or None."""
    m = _BAD_FIELD.search(value)
    if m is None:
        return None
    ch = m.group()
    what = ("a tab" if ch == "\t" else "a line break" if ch in "\r\n" else
            "an undecodable byte" if "\ud800" <= ch <= "\udfff" else f"U+{ord(ch):04X}")
    return f"{what} at {m.start() + 1} of {value!r}"


# Invisible format characters (a byte-order mark, zero-width spaces and joiners, word joiner):
# a term holding one never matches the text, which does not. Reading drops them at a field's
# edges (where a BOM from a concatenated file lands); writing refuses them, and lint reports them.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")


def invisible_problem(value: str) -> str | None:
    """Why a field may not be written although it could be read: an invisible character."""
    m = _INVISIBLE.search(value)
    if m is None:
        return None
    what = "a byte-order mark" if m.group() == "\ufeff" else "an invisible character"
    return f"{what} (U+{ord(m.group()):04X}) at {m.start() + 1} of {value!r}"


def visible_text(cell: str) -> str:
    """A cell as read: spaces and invisible characters at its edges dropped."""
    return cell.strip().strip("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff").strip()


# A row whose Chinese starts with # (a Weibo hashtag, #净网2023#) would read as a comment, and one
# starting with a backslash would read as an escape: the zh cell escapes both with a backslash.
def escape_zh(zh: str) -> str:
    return "\\" + zh if zh.startswith(("#", "\\")) else zh


def unescape_zh(cell: str) -> str:
    return cell[1:] if cell.startswith(("\\#", "\\\\")) else cell


_EARLIER = re.compile(r"until (\d{4}-\d{2}-\d{2}): (.+)")


def parse_earlier(cell: str) -> tuple[tuple[str, str], ...]:
    """The `earlier` column: `until 2023-04-01: Public Order Bureau|until …: …`, oldest first.
    Raises ValueError with the reason."""
    out: list[tuple[str, str]] = []
    for item in (i.strip() for i in cell.split("|")):
        if not item:
            continue
        m = _EARLIER.fullmatch(item)
        if m is None:
            raise ValueError(f"earlier rendering {item!r} is not 'until YYYY-MM-DD: English'")
        try:
            dt.date.fromisoformat(m.group(1))
        except ValueError:
            raise ValueError(f"earlier rendering {item!r}: {m.group(1)} is not a date") from None
        if out and m.group(1) <= out[-1][0]:
            raise ValueError(f"earlier renderings must be oldest first, each with a later date: {cell!r}")
        out.append((m.group(1), m.group(2).strip()))
    return tuple(out)


def format_earlier(earlier: Sequence[tuple[str, str]]) -> str:
    return "|".join(f"until {day}: {en}" for day, en in earlier)


def rendering_at(t: Term, day: dt.date) -> tuple[str, str]:
    """The English in force on `day`, and a note saying which rendering that is ("" for a term
    that has only ever had one)."""
    if not t.earlier:
        return t.en, ""
    for until, en in t.earlier:
        if day.isoformat() < until:
            return en, f"the rendering in force on {day} (until {until}); now “{t.en}”"
    since, before = t.earlier[-1]
    return t.en, f"the rendering in force on {day} (since {since}); before that “{before}”"


def split_lines(text: str) -> list[str]:
    """Rows of a glossary file: only \n, \r\n and \r end a row (never U+2028 and the like,
    which str.splitlines() would split at)."""
    lines = re.split(r"\r\n|\n|\r", text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def parse_tsv(text: str, origin: str, default_kind: str = "term") -> list[Term]:
    """Parse one glossary file. Header row required; # comments and blank lines allowed.

    default_kind is the kind of a row that gives none; an import passes "" so that merging it
    keeps the kind the term base already has."""
    terms: list[Term] = []
    header: list[str] | None = None
    for no, line in enumerate(split_lines(text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip().lower() for c in cells]
            if header[:2] != ["zh", "en"]:
                raise GlossaryError(f"{origin}:{no}: the first row must be the header zh<TAB>en<TAB>kind<TAB>note")
            continue
        if len(cells) > len(header):
            raise GlossaryError(f"{origin}:{no}: {len(cells)} columns, the header has {len(header)}")
        row = {h: visible_text(c) for h, c in zip(header, cells, strict=False)}
        row["zh"] = unescape_zh(row.get("zh", ""))
        zh, en = row.get("zh", ""), row.get("en", "")
        if not zh.strip() or not en.strip():
            raise GlossaryError(f"{origin}:{no}: empty zh or en")
        kind = (row.get("kind") or "").strip() or default_kind
        if kind and kind not in KINDS:
            raise GlossaryError(f"{origin}:{no}: unknown kind {kind!r}; choose from {', '.join(KINDS)}")
        variants = tuple(v.strip() for v in (row.get("variants") or "").split("|") if v.strip())
        accepted = tuple(v.strip() for v in (row.get("accepted") or "").split("|") if v.strip())
        for value in row.values():
            problem = field_problem(value)
            if problem:
                raise GlossaryError(f"{origin}:{no}: a field holds {problem}")
        try:
            earlier = parse_earlier(row.get("earlier") or "")
        except ValueError as exc:
            raise GlossaryError(f"{origin}:{no}: {exc}") from None
        terms.append(Term(zh.strip(), en.strip(), kind, (row.get("note") or "").strip(), variants, f"{origin}:{no}",
                          (row.get("source") or "").strip(), earlier, accepted))
    if header is None:
        raise GlossaryError(f"{origin}: no header row (zh<TAB>en<TAB>kind<TAB>note)")
    return terms


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read glossary ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GlossaryError(f"{path}: glossary is not UTF-8 text") from None


def packaged_glossary_dir() -> Path:
    """The term base shipped with zhen: pipeline/glossary_data in an installed wheel, glossary/ in
    the source tree (an editable install maps the one to the other)."""
    here = Path(__file__).resolve().parent
    installed = here / "glossary_data"
    return installed if installed.is_dir() else here.parent / "glossary"


def glossary_paths(explicit: Sequence[str] = (), cwd: Path | None = None) -> list[Path]:
    """--glossary (or ZHEN_GLOSSARY), else ./glossary/*.tsv, else the packaged base."""
    paths = list(explicit)
    if not paths and os.environ.get("ZHEN_GLOSSARY"):
        paths = [p for p in os.environ["ZHEN_GLOSSARY"].split(os.pathsep) if p]
    if paths:
        out: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                out.extend(sorted(p.glob("*.tsv")))
            elif p.exists():
                out.append(p)
            else:
                raise GlossaryError(f"{p}: no such glossary file")
        return out
    local = (cwd or Path.cwd()) / "glossary"
    if local.is_dir() and any(local.glob("*.tsv")):
        return _default_first(sorted(local.glob("*.tsv")))
    return _default_first(sorted(packaged_glossary_dir().glob("*.tsv")))


def _default_first(paths: list[Path]) -> list[Path]:
    # police.tsv is the base; other files in the folder override it.
    return sorted(paths, key=lambda p: p.name != "police.tsv")


def load_glossary(explicit: Sequence[str] = (), cwd: Path | None = None) -> Glossary:
    paths = glossary_paths(explicit, cwd)
    h = hashlib.sha256()
    terms: list[Term] = []
    for p in paths:
        text = read_text(p)
        h.update(p.name.encode() + b"\0" + text.encode())
        terms.extend(parse_tsv(text, str(p)))
    return Glossary.build(terms, [str(p) for p in paths], "sha256:" + h.hexdigest()[:16])


# ---------------------------------------------------------------------------- matching


@lru_cache(maxsize=1)
def jieba_module():  # type: ignore[no-untyped-def]
    """A private jieba tokenizer (the global one may carry other programs' words)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


@lru_cache(maxsize=8)
def _term_tokenizer(terms: frozenset[str]):  # type: ignore[no-untyped-def]
    """jieba with the glossary's terms added as words, so it cuts them out whole."""
    import copy

    tk = copy.copy(jieba_module())
    tk.FREQ = dict(tk.FREQ)
    for t in terms:
        if t not in tk.FREQ:
            tk.add_word(t)
    return tk


def word_bounds(text: str, terms: frozenset[str] = frozenset()) -> tuple[set[int], set[int]]:
    """Offsets where jieba says words start and end.

    No HMM: its new-word guesses glue unrelated characters (及刷 + 单类); only dictionary
    words, which are real words, may veto a glossary match.
    """
    starts: set[int] = set()
    ends: set[int] = set()
    for _w, s, e in _term_tokenizer(terms).tokenize(text, HMM=False):
        starts.add(s)
        ends.add(e)
    return starts, ends


def match(norm: str, glossary: Glossary) -> list[GlossaryHit]:
    """Glossary hits in a normalized text: leftmost, longest, never inside a longer word."""
    if not glossary.index or not norm:
        return []
    index = glossary.index
    longest = max(len(k) for k in index)
    starts, ends = word_bounds(norm, glossary.forms)
    hits: list[GlossaryHit] = []
    i = 0
    while i < len(norm):
        found = None
        for n in range(min(longest, len(norm) - i), 0, -1):
            term = index.get(norm[i : i + n])
            if term is not None and on_word_edges(i, i + n, starts, ends, norm):
                found = (n, term)
                break
        if found is None:
            i += 1
            continue
        n, term = found
        hits.append(GlossaryHit(zh=term.zh, en=term.en, start=i, end=i + n, kind=term.kind, accepted=term.accepted))
        i += n
    return hits


def on_word_edges(s: int, e: int, starts: set[int], ends: set[int], text: str) -> bool:
    """The match may begin where a word begins and end where a word ends.

    jieba can glue a term to a one-character neighbour (局长 + 刘): a boundary also counts
    when the neighbour is punctuation, a digit, Latin text, or the text's edge.
    """
    left_ok = s in starts or s == 0 or not is_han(text[s - 1])
    right_ok = e in ends or e == len(text) or not is_han(text[e])
    return left_ok and right_ok


# ---------------------------------------------------------------------------- protect


PLACEHOLDER = "ZX{n}Q"  # Latin letters around a number: Marian copies such codes unchanged
# ASCII look-arounds, not \b: a Chinese character next to a placeholder is a word character to re.
_PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9])Z\s?X\s?(\d{1,2})\s?Q(s|es|'s)?(?![A-Za-z0-9])", re.I)


def protect(norm: str, hits: Sequence[GlossaryHit]) -> str:
    """Replace each hit by a placeholder; placeholders are numbered in order of appearance."""
    out = ""
    pos = 0
    for n, h in enumerate(hits, 1):
        out += norm[pos : h.start]
        # Keep placeholders apart from each other and from Latin text, or they fuse into one token.
        left = " " if out[-1:].isascii() and out[-1:].isalnum() else ""
        nxt = norm[h.end : h.end + 1]
        right = " " if nxt.isascii() and nxt.isalnum() else ""
        out += f"{left}{PLACEHOLDER.format(n=n)}{right}"
        pos = h.end
    return out + norm[pos:]


def restore(target: str, hits: Sequence[GlossaryHit]) -> str | None:
    """Put the glossary English back for each placeholder; None if any was lost or doubled."""
    found = [int(m.group(1)) for m in _PLACEHOLDER.finditer(target)]
    if sorted(found) != list(range(1, len(hits) + 1)):
        return None

    def sub(m: re.Match[str]) -> str:
        hit = hits[int(m.group(1)) - 1]
        en = hit.en
        if m.group(2) and m.group(2).lower() in ("s", "es"):
            en = pluralize(en)
        elif m.group(2):
            en += "'s"
        return en

    text = _PLACEHOLDER.sub(sub, target)
    return tidy_english(text, [h.en for h in hits])


def pluralize(phrase: str) -> str:
    """Plural of an English noun phrase's last word (fraud den -> fraud dens)."""
    head, _, last = phrase.rpartition(" ")
    low = last.lower()
    if low.endswith(("s", "x", "z", "ch", "sh")):
        last += "es" if not low.endswith("s") else ""
    elif low.endswith("y") and low[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


_DOUBLE_THE = re.compile(r"\b([Tt]he)\s+the\b")


def tidy_english(text: str, inserted: Sequence[str]) -> str:
    """Mend what a substitution can break: 'the the', a/an before a term, a lower-case start."""
    text = _DOUBLE_THE.sub(r"\1", text)
    for en in inserted:
        article = r"\1n " if en[:1].lower() in "aeiou" else r"\1 "
        text = re.sub(rf"\b([Aa])n?\s+(?={re.escape(en)})", article, text)
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


# ---------------------------------------------------------------------------- verify


def _words(text: str) -> list[str]:
    return stems(re.findall(r"[A-Za-z0-9]+", text))


def contains_term(target: str, en: str) -> bool:
    """The glossary English appears in the target, ignoring case, inflection (Porter stems:
    policies/policy, arrested/arrest) and punctuation."""
    want = _words(en)
    have = _words(target)
    if not want:
        return True
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))


def term_found(target: str, hit: GlossaryHit) -> bool:
    """The term's English, or one its entry accepts, is in the target (inflected or not)."""
    return any(contains_term(target, en) for en in (hit.en, *hit.accepted))


def verify(target: str, hits: Sequence[GlossaryHit], enforced: bool) -> tuple[GlossaryHit, ...]:
    out = []
    for h in hits:
        ok = term_found(target, h)
        status = ("enforced" if enforced else "found") if ok else "missing"
        out.append(replace(h, status=status))
    return tuple(out)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise UsageError(f"unknown glossary mode {mode!r}; choose one of: {', '.join(MODES)}")
    return mode


__all__ = [
    "Glossary", "GlossaryError", "Term", "check_mode", "contains_term", "load_glossary", "match",
    "parse_tsv", "protect", "restore", "term_found", "to_simplified", "verify",
]
