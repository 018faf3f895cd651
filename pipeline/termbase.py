"""Keeping the term base: edit, lint, import/export (TSV, CSV, TBX), suggest and check.

Edits are atomic (temp file and rename), hold a lock so concurrent edits cannot lose an
entry, and keep the file's header, comments and order (new rows go in sorted position).
A row is written in the file's own column order; a file without the source column (from
before it existed) gains it in its header when an edit brings a source, and not otherwise.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring as defused_fromstring  # TBX from anywhere: no entity expansion

from .cedict import cedict_gloss
from .english import stems
from .files import atomic_write, locked
from .glossary import (
    COLUMNS,
    KINDS,
    Glossary,
    GlossaryError,
    contains_term,
    escape_zh,
    field_problem,
    format_earlier,
    invisible_problem,
    jieba_module,
    match,
    on_word_edges,
    packaged_glossary_dir,
    parse_earlier,
    parse_tsv,
    read_text,
    split_lines,
    term_forms,
    visible_text,
    word_bounds,
)
from .normalize import CJK, HAN_WORD, to_norm, to_simplified
from .records import Term
from .speakers import is_person_name, romanize_name

HEADER = "\t".join(COLUMNS)

# ---------------------------------------------------------------------------- editing


def check_term(t: Term) -> None:
    """Every write path (add, import of TSV, CSV or TBX, export) checks each field: no tab, no
    line break or separator, no control character, no undecodable byte, no invisible character
    (a byte-order mark before a term would keep it from ever matching); dated renderings in order."""
    for name, value in (("zh", t.zh), ("en", t.en), ("kind", t.kind), ("note", t.note), ("source", t.source),
                        *(("variant", v) for v in t.variants),
                        *(("earlier rendering", f"{d} {e}") for d, e in t.earlier),
                        *(("accepted English", a) for a in t.accepted)):
        problem = field_problem(value) or invisible_problem(value) or (
            "a |" if name in ("variant", "earlier rendering", "accepted English") and "|" in value else None)
        if problem:
            where = f"{t.origin}: " if t.origin else ""
            raise GlossaryError(f"{where}{t.zh!r}: the {name} field holds {problem}; nothing written")
    try:
        parse_earlier(format_earlier(t.earlier))
    except ValueError as exc:
        raise GlossaryError(f"{t.zh!r}: {exc}; nothing written") from None


def _cells(t: Term) -> dict[str, str]:
    return {"zh": escape_zh(t.zh), "en": t.en, "kind": t.kind, "note": t.note, "variants": "|".join(t.variants),
            "source": t.source, "earlier": format_earlier(t.earlier), "accepted": "|".join(t.accepted)}


def _needed(t: Term) -> list[str]:
    """The columns this term has something to store in (kind 'term' is the default, so not)."""
    return [c for c, v in _cells(t).items() if v and not (c == "kind" and v == "term")]


def _row(t: Term, header: Sequence[str] = COLUMNS) -> str:
    """One TSV row in the order of `header`; refuses a value that has no column there."""
    check_term(t)
    cells = _cells(t)
    extra = [cells[c] for c in _needed(t) if c not in header]
    if extra:
        raise GlossaryError(f"{t.zh}: this glossary file has only the columns {', '.join(header)}; "
                            f"cannot store {extra}")
    return "\t".join(cells.get(h, "") for h in header)


@dataclass
class Edit:
    added: list[Term]
    changed: list[tuple[Term, Term]]  # (old, new)
    conflicts: list[tuple[Term, Term]]  # kept old, refused new
    removed: list[Term]


def _widened(header: list[str], add: Sequence[Term]) -> list[str]:
    """A file from before the source or earlier column (its header is our first five or more
    columns) gains the columns an edit needs; other files keep their own header."""
    if len(header) < 5 or header != list(COLUMNS[: len(header)]):
        return header
    need = [COLUMNS.index(c) for t in add for c in _needed(t) if c not in header]
    return list(COLUMNS[: max(need) + 1]) if need else header


def edit_file(path: Path, add: Sequence[Term] = (), remove: Sequence[str] = (), overwrite: bool = True,
              by_hand: bool = False) -> Edit:
    """Add (or change) and remove entries in one glossary file, keeping everything else as it is.

    With overwrite False a different English for an existing term is a conflict, not a change.
    `by_hand` (`zhen glossary add`, the server's form) refuses what lint calls an error, or what
    `lint --strict` refuses in a file that keeps sources: a term in traditional script, a new
    entry with no source.
    Linear in the file and the edit (an import of 10^5 rows holds the lock for seconds, not
    hours): the file is read once, rows are found by key, and new rows are merged in at the end,
    each before the first row that sorts after it.
    """
    result = Edit([], [], [], [])
    for t in add:
        check_term(t)  # before the lock and before reading: a bad field changes nothing
        if by_hand and to_simplified(t.zh) != t.zh:
            raise GlossaryError(f"{t.zh} is in traditional script: add {to_simplified(t.zh)} (traditional forms "
                                "match automatically); nothing written")
    with locked(path):
        raw = path.read_bytes() if path.exists() else b""
        text = read_text(path) if path.exists() else HEADER + "\n"
        parsed = parse_tsv(text, str(path))  # refuse to edit a file that is already malformed
        # the file's own conventions are kept: a UTF-8 BOM, CRLF line ends
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        eol = "\r\n" if b"\r\n" in raw else "\n"
        lines = split_lines(text)
        at_header, header = _header(lines)
        wider = _widened(header, add)
        if wider != header and at_header >= 0:
            header, lines[at_header] = wider, "\t".join(wider)
        # parse_tsv names each row by its line: rows[i] is lines[i]
        rows = {int(t.origin.rpartition(":")[2]) - 1: t for t in parsed}
        drop = {to_norm(z) for z in remove}
        gone = {i for i, t in rows.items() if to_norm(t.zh) in drop}
        result.removed = [rows[i] for i in sorted(gone)]
        for i in gone:
            del rows[i]
        at_key: dict[str, int] = {}
        for i in sorted(rows):
            at_key.setdefault(to_norm(rows[i].zh), i)
        new_rows: dict[str, Term] = {}
        rewritten: dict[int, str] = {}
        for new in add:
            key = to_norm(new.zh)
            at = at_key.get(key)
            old = new_rows.get(key) or (rows[at] if at is not None else None)
            if old is None:
                if by_hand and not new.source and "source" in header:
                    raise GlossaryError(f"{new.zh}: say where {new.en!r} comes from: source 'Publisher year, URL: "
                                        "\"quoted English\"' or 'convention: <rule>' (lint --strict refuses an entry "
                                        "without one); nothing written", option="source")
                new = new if new.kind else replace(new, kind="term")
                new_rows[key] = new
                result.added.append(new)
                continue
            # An import that gives no kind (a CSV, a TBX without subjectField) keeps the entry's own.
            new = new if new.kind else replace(new, kind=old.kind)
            merged = replace(old, en=new.en, kind=new.kind, note=new.note or old.note,
                             variants=new.variants or old.variants, source=new.source or old.source,
                             earlier=new.earlier or old.earlier, accepted=new.accepted or old.accepted)
            # Empty fields keep the entry's own: an edit that leaves every field as it was is no change.
            if merged == old:
                continue
            if not overwrite and old.en != new.en:
                result.conflicts.append((old, new))
                continue
            if key in new_rows:
                new_rows[key] = merged
            else:
                assert at is not None
                rows[at] = merged
                rewritten[at] = _row(merged, header)
            result.changed.append((old, merged))
        inserts = _insertions(lines, rows, sorted(new_rows.values(), key=lambda t: t.zh), header)
        out_lines: list[str] = []
        for i, ln in enumerate(lines):
            out_lines.extend(inserts.get(i, ()))
            if i not in gone:
                out_lines.append(rewritten.get(i, ln))
        out_lines.extend(inserts.get(len(lines), ()))
        out = eol.join(out_lines) + eol
        parse_tsv(out, str(path))  # never write a file we could not read back
        atomic_write(path, bom + out)
    return result


def _insertions(lines: list[str], rows: dict[int, Term], new: Sequence[Term],
                header: Sequence[str]) -> dict[int, list[str]]:
    """Where each new row goes: before the first row (in file order) whose zh sorts after it, and
    above the comments directly over that row, which belong to it. The first such row is the
    first whose running maximum passes the new zh, so a binary search over the running maximum
    finds it in a file of any order."""
    order = sorted(rows)
    running: list[str] = []
    for i in order:
        running.append(max(running[-1], rows[i].zh) if running else rows[i].zh)
    out: dict[int, list[str]] = {}
    for t in new:  # sorted by zh: rows that land in one place keep that order
        j = bisect.bisect_right(running, t.zh)
        at = len(lines)
        if j < len(order):
            at = order[j]
            while at > 0 and at - 1 not in rows and lines[at - 1].lstrip().startswith("#"):
                at -= 1
        out.setdefault(at, []).append(_row(t, header))
    return out


def _header(lines: list[str]) -> tuple[int, list[str]]:
    """The header row's index and column names."""
    for i, ln in enumerate(lines):
        if ln.strip() and not ln.lstrip().startswith("#"):
            return i, [c.strip().lower() for c in ln.split("\t")]
    return -1, list(COLUMNS)


def edit_target(explicit: Sequence[str], cwd: Path | None = None) -> Path:
    """The file an edit goes to: the last --glossary FILE, else ./glossary/police.tsv."""
    if explicit:
        p = Path(explicit[-1])
        if p.is_dir():
            p = p / "police.tsv"
        return p
    local = (cwd or Path.cwd()) / "glossary" / "police.tsv"
    if local.exists():
        return local
    raise GlossaryError(
        "which glossary file to edit? name one (the term base shipped with zhen is not edited in place)",
        option="glossary",
    )


# ---------------------------------------------------------------------------- lint


@dataclass(frozen=True)
class Finding:
    where: str  # file:line
    level: str  # error or warning
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"


ALLOWED_SOURCES = "allowed-sources.txt"


def allowed_sources(path: Path | None = None) -> dict[str, str]:
    """The allow-list of source hosts: host -> publisher, from `allowed-sources.txt` (lines
    `host<TAB>publisher<TAB>what it is`, # comments). A host allows its subdomains too."""
    path = path or packaged_glossary_dir() / ALLOWED_SOURCES
    out: dict[str, str] = {}
    for no, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2 or not cells[0].strip() or "/" in cells[0]:
            raise GlossaryError(f"{path}:{no}: expected host<TAB>publisher")
        out[cells[0].strip().lower()] = cells[1].strip()
    return out


def allow_list_for(paths: Sequence[Path]) -> Path:
    """A team's own allow-list beside its glossary file, else the one shipped with zhen."""
    for p in paths:
        own = p.parent / ALLOWED_SOURCES
        if own.is_file():
            return own
    return packaged_glossary_dir() / ALLOWED_SOURCES


def host_allowed(host: str, allowed: dict[str, str]) -> bool:
    host = host.lower().rstrip(".")
    parts = host.split(".")
    return any(".".join(parts[i:]) in allowed for i in range(len(parts) - 1))


def lint_files(paths: Sequence[Path], allowed: dict[str, str] | None = None) -> list[Finding]:
    """Errors: unreadable rows, duplicates, two renderings of one term, untrimmed fields,
    invisible characters, traditional script. Warnings: rows out of order, a comment that holds
    a row, a term whose English lacks the English of a term it contains, and the evidence checks
    of `_lint_sources` and `_lint_variants`. Linear in the number of entries."""
    if allowed is None:
        allowed = allowed_sources(allow_list_for(paths))
    findings: list[Finding] = []
    terms: list[Term] = []
    for p in paths:
        text = read_text(p)
        try:
            file_terms = parse_tsv(text, str(p))
        except GlossaryError as exc:
            where, _, msg = str(exc).partition(": ")
            findings.append(Finding(where, "error", msg))
            continue
        findings.extend(_lint_raw(p, text))
        findings.extend(_lint_terms(file_terms))
        findings.extend(_lint_sources(p, text, file_terms, allowed))
        terms.extend(file_terms)
    findings.extend(_lint_containment(terms))
    findings.extend(_lint_variants(terms))
    return findings


def _lint_raw(path: Path, text: str) -> list[Finding]:
    out = []
    lines = split_lines(text)
    at_header, header = _header(lines)
    for no, line in enumerate(lines, 1):
        if no - 1 > at_header >= 0 and line.lstrip().startswith("#") and "\t" in line:
            out.append(Finding(f"{path}:{no}", "warning",
                               f"a comment holding a row ({line.split(chr(9))[0]!r}): a term starting with # "
                               "is written \\# (zhen glossary add does this)"))
        if not line.strip() or line.lstrip().startswith("#") or no - 1 == at_header:
            continue
        for col, cell in zip(header, line.split("\t"), strict=False):
            if cell != cell.strip():
                out.append(Finding(f"{path}:{no}", "error", f"{col} has leading or trailing spaces: {cell!r}"))
            hidden = invisible_problem(cell)
            if hidden:
                out.append(Finding(f"{path}:{no}", "error", f"{col} holds {hidden}: remove it (a term holding "
                                                            "one matches only because reading drops it)"))
    return out


CONVENTION = "convention:"
_QUOTED_EN = re.compile(r'"([^"]+)"|“([^”]+)”')
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def quoted_english(source: str) -> list[str]:
    """The English phrases a source quotes ("..." or “...”): the wording it attests."""
    return [a or b for a, b in _QUOTED_EN.findall(source)]


_ARTICLES = re.compile(r"\b(?:a|an|the)\b", re.I)
_CPC = re.compile(r"\bCommunist Party of China\b", re.I)


def _plain(text: str) -> str:
    """Articles carry no terminology, and the Party's name has a long and a short form."""
    return _ARTICLES.sub(" ", _CPC.sub("CPC", text))


def _attested_words(text: str) -> list[str]:
    """Words for comparing a rendering with a quotation, by their stems (no plural or tense endings)."""
    return stems(re.findall(r"[A-Za-z0-9]+", _plain(text)))


def _within(inner: list[str], outer: list[str]) -> bool:
    n = len(inner)
    return not inner or any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


_URL = re.compile(r"https?://[^\s\"”<>]+")


def source_hosts(source: str) -> list[str]:
    """The hosts of the URLs a source cites."""
    hosts = []
    for url in _URL.findall(source):
        try:
            host = urlsplit(url.rstrip(".,;:)")).hostname
        except ValueError:
            host = None
        hosts.append(host or url)
    return hosts


def whole_phrase(en: str, quote: str) -> bool:
    """The rendering occurs in the quotation as a whole phrase: all its words, in order, side by
    side, ignoring case, plurals, punctuation and articles ("bureau" is no evidence for
    "Criminal Investigation Bureau", nor "Cloud Sword" for "Operation Cloud Sword")."""
    return _within(_attested_words(en), _attested_words(quote))


def _lint_sources(path: Path, text: str, terms: list[Term], allowed: dict[str, str]) -> list[Finding]:
    """Every entry names its source, from an allowed publisher, and its English is what that
    source says.

    - no source: a warning for each entry (one for the whole file when it has no source column);
    - `convention: <rule>` must state the rule (a rendering made by rule, or a descriptive one
      where no official English exists; it may cite pages, which must be allowed ones);
    - any other source must name a year and a URL on the allow-list (`allowed-sources.txt`), and
      quote the English ("..." or “...”): `en`, and each earlier rendering, must occur in a
      quotation as a whole phrase (see `whole_phrase`). Quote only wording that supports `en`
      in the source column; record other attested renderings in the note.
    """
    _at, header = _header(text.splitlines())
    if "source" not in header:
        return [Finding(f"{path}:1", "warning", f"no source column: none of its {len(terms)} entries has a source")]
    out: list[Finding] = []
    for t in terms:
        src = t.source
        convention = src.lower().startswith(CONVENTION)
        for host in source_hosts(src):
            if not host_allowed(host, allowed):
                out.append(Finding(t.origin, "warning",
                                   f"{t.zh}: the source cites {host}, which is not on the allow-list of publishers "
                                   f"({ALLOWED_SOURCES}): cite an official or state-media English page, or make it a "
                                   "convention"))
        if not src:
            out.append(Finding(t.origin, "warning", f"{t.zh} has no source: name where {t.en!r} comes from "
                                                    "(publisher, year, URL) or 'convention: <rule>'"))
            continue
        if convention:
            if not src[len(CONVENTION):].strip():
                out.append(Finding(t.origin, "warning", f"{t.zh}: the convention does not state its rule"))
            continue
        if not _YEAR.search(src):
            out.append(Finding(t.origin, "warning", f"{t.zh}: the source names no year: {src!r}"))
        if not _URL.search(src):
            out.append(Finding(t.origin, "warning", f"{t.zh}: the source gives no URL: cite the page "
                                                    "('Publisher date, URL: \"quoted English\"')"))
        quotes = quoted_english(src)
        if not quotes:
            out.append(Finding(t.origin, "warning", f"{t.zh}: the source quotes no English: quote the words "
                                                    f"that attest {t.en!r}"))
            continue
        for en in (t.en, *(e for _d, e in t.earlier)):
            if not any(whole_phrase(en, q) for q in quotes):
                shown = ", ".join(repr(q) for q in quotes)
                out.append(Finding(t.origin, "warning", f"{t.zh}: no quotation in its source holds {en!r} as a whole "
                                                        f"phrase (it quotes {shown})"))
    return out


def _lint_variants(terms: list[Term]) -> list[Finding]:
    """A Chinese variant is matched as its entry's English; if the same form is another entry,
    or another entry's variant, with different English, the later one silently wins: warn,
    naming both sources."""
    out: list[Finding] = []
    owner: dict[str, Term] = {}
    for t in terms:
        for form in sorted(term_forms(t)):
            other = owner.get(form)
            if other is not None and other is not t and to_norm(other.zh) != to_norm(t.zh) and other.en != t.en:
                out.append(Finding(t.origin, "warning",
                                   f"{form} is matched by {t.zh} as {t.en!r} (source: {t.source or 'none'}) and by "
                                   f"{other.zh} ({other.origin}) as {other.en!r} (source: {other.source or 'none'})"))
            owner[form] = t
    return out


def _lint_terms(terms: list[Term]) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, Term] = {}
    prev = ""
    for t in terms:
        key = to_norm(t.zh)
        if key in seen:
            other = seen[key]
            if other.en == t.en:
                out.append(Finding(t.origin, "error", f"duplicate of {other.origin}: {t.zh}"))
            else:
                out.append(Finding(t.origin, "error",
                                   f"{t.zh} has two English renderings: {other.en!r} ({other.origin}) and {t.en!r}"))
        seen[key] = t
        if to_simplified(t.zh) != t.zh:
            out.append(Finding(t.origin, "error",
                               f"{t.zh} is in traditional script; write {to_simplified(t.zh)} "
                               "(traditional forms match automatically)"))
        if t.zh < prev:
            out.append(Finding(t.origin, "warning", f"{t.zh} is out of order (rows are sorted by zh)"))
        prev = t.zh
    return out


def _derived(a: str, b: str) -> bool:
    """Two words are one word's forms: the same stem, or a shared start of six letters or more
    that leaves at most three of the shorter (Province/Provincial, Ministry/Minister)."""
    if a == b:
        return True
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 6 and min(len(a), len(b)) - n <= 3


def _contains_derived(outer: str, inner: str) -> bool:
    want = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", inner)]
    have = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", outer)]
    n = len(want)
    return not want or any(all(_derived(h, w) for h, w in zip(have[i : i + n], want, strict=True))
                           for i in range(len(have) - n + 1))


def _as_word(inner: str, outer: str, bounds: tuple[set[int], set[int]]) -> bool:
    """`inner` occurs in `outer` on word edges, as the matcher would find it."""
    at = outer.find(inner)
    while at >= 0:
        if on_word_edges(at, at + len(inner), bounds[0], bounds[1], outer):
            return True
        at = outer.find(inner, at + 1)
    return False


def _lint_containment(terms: list[Term]) -> list[Finding]:
    """A term containing another should contain its English too (公安部刑侦局 ⊃ 公安部), or a
    derived form of it: 河南省公安厅 'Henan Provincial Department…' ⊃ 河南省 'Henan Province',
    公安部部长 'Minister of Public Security' ⊃ 公安部 'Ministry of Public Security'."""
    out: list[Finding] = []
    by_zh = {to_norm(t.zh): t for t in terms}
    longest = max((len(k) for k in by_zh), default=0)
    for t in terms:
        outer = to_norm(t.zh)
        bounds: tuple[set[int], set[int]] | None = None
        # The terms inside this one, found by looking up its pieces (not by testing every other
        # term against it, which made lint quadratic in the size of the base).
        inside = dict.fromkeys(outer[i:j] for i in range(len(outer))
                               for j in range(i + 2, min(len(outer), i + longest) + 1))
        for inner_zh in inside:
            inner = by_zh.get(inner_zh)
            if inner is None or inner is t or inner.kind == "title":
                continue
            if bounds is None:
                bounds = word_bounds(outer)  # jieba's own words: the outer term is not one of them
            if not _as_word(inner_zh, outer, bounds):  # 民警 inside 人民警察 is no use of 民警
                continue
            if not contains_term(t.en, inner.en) and not _contains_derived(t.en, inner.en):
                out.append(Finding(t.origin, "warning",
                                   f"{t.zh} ({t.en!r}) contains {inner.zh} but not its English {inner.en!r}"))
    return out


# ---------------------------------------------------------------------------- import / export

TBX_NS = "urn:iso:std:iso:30042:ed-2"
SUPERSEDED = "supersededTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"


def export_terms(terms: Sequence[Term], fmt: str, source: bool = False) -> str:
    """TSV (every column), CSV (zh,en without a header, what DeepL and Google take; with
    `source`, a header row zh,en,source and the source as third column) or TBX (sources as
    <admin type="source"> of the English term)."""
    if fmt == "tsv":
        return HEADER + "\n" + "".join(_row(t) + "\n" for t in sorted(terms, key=lambda t: t.zh))
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if source:
            w.writerow(["zh", "en", "source"])
        for t in sorted(terms, key=lambda t: t.zh):
            w.writerow([t.zh, t.en, t.source] if source else [t.zh, t.en])
        return buf.getvalue()
    if fmt == "tbx":
        return _to_tbx(terms)
    raise GlossaryError(f"unknown export format {fmt!r}; choose tsv, csv or tbx")


def _to_tbx(terms: Sequence[Term]) -> str:
    ET.register_namespace("", TBX_NS)
    root = ET.Element(f"{{{TBX_NS}}}tbx", {"type": "TBX-Basic", "style": "dca",
                                          "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    header = ET.SubElement(root, f"{{{TBX_NS}}}tbxHeader")
    fd = ET.SubElement(header, f"{{{TBX_NS}}}fileDesc")
    sd = ET.SubElement(fd, f"{{{TBX_NS}}}sourceDesc")
    ET.SubElement(sd, f"{{{TBX_NS}}}p").text = "zhen term base (zh -> en)"
    body = ET.SubElement(ET.SubElement(root, f"{{{TBX_NS}}}text"), f"{{{TBX_NS}}}body")
    for n, t in enumerate(sorted(terms, key=lambda t: t.zh), 1):
        ce = ET.SubElement(body, f"{{{TBX_NS}}}conceptEntry", {"id": f"c{n}"})
        ET.SubElement(ce, f"{{{TBX_NS}}}descrip", {"type": "subjectField"}).text = t.kind
        if t.note:
            ET.SubElement(ce, f"{{{TBX_NS}}}note").text = t.note
        zh = ET.SubElement(ce, f"{{{TBX_NS}}}langSec", {"{http://www.w3.org/XML/1998/namespace}lang": "zh"})
        for form in (t.zh, *t.variants):
            ET.SubElement(ET.SubElement(zh, f"{{{TBX_NS}}}termSec"), f"{{{TBX_NS}}}term").text = form
        en = ET.SubElement(ce, f"{{{TBX_NS}}}langSec", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
        en_sec = ET.SubElement(en, f"{{{TBX_NS}}}termSec")
        ET.SubElement(en_sec, f"{{{TBX_NS}}}term").text = t.en
        if t.source:
            ET.SubElement(en_sec, f"{{{TBX_NS}}}admin", {"type": "source"}).text = t.source
        for other in t.accepted:  # English the check accepts too: TBX's admitted terms
            sec = ET.SubElement(en, f"{{{TBX_NS}}}termSec")
            ET.SubElement(sec, f"{{{TBX_NS}}}term").text = other
            ET.SubElement(sec, f"{{{TBX_NS}}}termNote", {"type": "administrativeStatus"}).text = ADMITTED
        for until, old in t.earlier:  # a rendering en replaced: superseded, with the date it ended
            sec = ET.SubElement(en, f"{{{TBX_NS}}}termSec")
            ET.SubElement(sec, f"{{{TBX_NS}}}term").text = old
            ET.SubElement(sec, f"{{{TBX_NS}}}termNote", {"type": "administrativeStatus"}).text = SUPERSEDED
            ET.SubElement(sec, f"{{{TBX_NS}}}admin", {"type": "validUntil"}).text = until
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def import_terms(path: Path) -> list[Term]:
    """Read TSV (our columns), two-column CSV (DeepL/Google) or TBX (v3 conceptEntry or v2 termEntry)."""
    text = read_text(path)
    name = path.name.lower()
    if name.endswith((".tbx", ".xml")) or text.lstrip().startswith("<"):
        return _from_tbx(text, str(path))
    if name.endswith(".csv"):
        return _from_csv(text, str(path))
    return parse_tsv(text, str(path), default_kind="")


def _from_csv(text: str, origin: str) -> list[Term]:
    """Two columns zh,en (DeepL, Google), with or without a header; a header row naming our
    columns (zh,en,kind,note,variants,source in any order) carries those too."""
    out = []
    names: list[str] = []
    for no, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not any(c.strip() for c in row):
            continue
        head = [c.strip().lower() for c in row]
        if no == 1 and head[:2] in (["zh", "en"], ["zh-cn", "en"], ["source", "target"]):
            names = ["zh", "en", *head[2:]] if head[:2] != ["source", "target"] else []
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise GlossaryError(f"{origin}:{no}: expected two columns zh,en")
        row = [visible_text(c) for c in row]  # a BOM or zero-width space at a cell's edge is dropped
        cells = {n: c for n, c in zip(names, row, strict=False)} if names else {}
        kind = cells.get("kind") or ""  # none given: merging keeps the base's
        if kind and kind not in KINDS:
            raise GlossaryError(f"{origin}:{no}: unknown kind {kind!r}; choose from {', '.join(KINDS)}")
        variants = tuple(v.strip() for v in cells.get("variants", "").split("|") if v.strip())
        out.append(Term(row[0].strip(), row[1].strip(), kind, cells.get("note", ""), variants, f"{origin}:{no}",
                        cells.get("source", "")))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _lang(el: ET.Element) -> str:
    return (el.get("{http://www.w3.org/XML/1998/namespace}lang") or el.get("lang") or "").lower()


def _tbx_terms(lang_sec: ET.Element) -> list[tuple[str, str]]:
    """(term, until) for each term of a language section; `until` is set for a superseded
    term that carries the date it ended (admin validUntil), as our export writes them."""
    out = []
    for el in lang_sec.iter():
        if _local(el.tag) != "term":
            continue
        out.append((visible_text(el.text or ""), ""))
    secs = [sec for sec in lang_sec.iter() if _local(sec.tag) in ("termSec", "tig", "ntig")]
    for sec in secs:
        status = [(n.text or "").strip() for n in sec.iter()
                  if _local(n.tag) == "termNote" and n.get("type") == "administrativeStatus"]
        until = [(a.text or "").strip() for a in sec.iter()
                 if _local(a.tag) == "admin" and a.get("type") == "validUntil"]
        term = next((visible_text(t.text or "") for t in sec.iter() if _local(t.tag) == "term"), "")
        if SUPERSEDED in status and until and (term, "") in out:
            out[out.index((term, ""))] = (term, until[0])
    return out


def _from_tbx(text: str, origin: str) -> list[Term]:
    try:
        root = defused_fromstring(text.encode("utf-8"))
    except (ET.ParseError, ValueError) as exc:
        raise GlossaryError(f"{origin}: not valid TBX/XML ({exc})") from None
    out = []
    for entry in root.iter():
        if _local(entry.tag) not in ("conceptEntry", "termEntry"):
            continue
        kind, note, source = "", "", ""  # no subjectField: merging keeps the base's kind
        zh_forms: list[str] = []
        en_forms: list[str] = []
        earlier: list[tuple[str, str]] = []
        for el in entry.iter():
            tag = _local(el.tag)
            if tag == "descrip" and el.get("type") == "subjectField" and (el.text or "").strip() in KINDS:
                kind = (el.text or "").strip()
            elif tag == "note" and el.text:
                note = visible_text(el.text)
            elif tag == "admin" and el.get("type") == "source" and el.text and not source:
                source = visible_text(el.text)
            elif tag in ("langSec", "langSet"):
                lang = _lang(el)
                bucket = zh_forms if lang.startswith("zh") else en_forms if lang.startswith("en") else []
                for form, until in _tbx_terms(el):
                    if until and lang.startswith("en"):
                        earlier.append((until, form))
                    elif form:
                        bucket.append(form)
        if zh_forms and en_forms:
            where = f"{origin}:{entry.get('id', '')}"
            out.append(Term(zh_forms[0], en_forms[0], kind, note, tuple(zh_forms[1:]), where, source,
                            tuple(sorted(earlier)), tuple(en_forms[1:])))  # other English: accepted
    if not out:
        raise GlossaryError(f"{origin}: no zh-en term entries found")
    return out


# ---------------------------------------------------------------------------- suggest

_QUOTED = re.compile(rf"[“\"]([{CJK}A-Za-z0-9]{{2,12}})[”\"]")


@dataclass(frozen=True)
class Suggestion:
    zh: str
    hint: str
    kind: str
    count: int
    example: str
    why: str

    def to_dict(self) -> dict[str, object]:
        return {"zh": self.zh, "hint": self.hint, "kind": self.kind, "count": self.count,
                "example": self.example, "why": self.why}


def suggest(
    sentences: Sequence[str], glossary: Glossary, speakers: Sequence[str] = (), limit: int = 40
) -> list[Suggestion]:
    """Propose terms missing from the glossary: quoted names, rare recurring words, person names."""

    known = set(glossary.index)

    def covered(word: str) -> bool:
        return word in known or any(h.start == 0 and h.end == len(word) for h in match(word, glossary))

    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    why: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for sent in sentences:
        for m in _QUOTED.finditer(sent):
            w = m.group(1)
            if not covered(w):
                counts[w] += 1
                example.setdefault(w, sent)
                why[w], kinds[w] = "quoted name", "campaign" if sent[m.end():m.end() + 2] == "行动" else "term"
    tk = jieba_module()
    import jieba.posseg as pseg

    pos_tk = pseg.POSTokenizer(tk)
    word_counts: Counter[str] = Counter()
    for sent in sentences:
        taken = [(h.start, h.end) for h in match(sent, glossary)]
        pos = 0
        for pair in pos_tk.cut(sent):
            w, flag = pair.word, pair.flag
            s0, pos = pos, pos + len(w)
            if any(a < pos and s0 < b for a, b in taken):  # inside a glossary term already
                continue
            if len(w) < 2 or not HAN_WORD.fullmatch(w) or covered(w) or w in why:
                continue
            if any(w in q for q, r in why.items() if r == "quoted name"):  # 套路 inside “套路贷”
                continue
            freq = tk.FREQ.get(w, 0)
            if flag == "nr" and is_person_name(w) and freq < 5:
                counts[w] += 1
                example.setdefault(w, sent)
                why[w], kinds[w] = "person name", "person"
                continue
            word_counts[w] += 1
            example.setdefault(w, sent)
    for w, n in word_counts.items():
        freq = tk.FREQ.get(w, 0)
        # Recurring here and rare in jieba's general dictionary (under 200 of 60 million):
        # police and legal vocabulary rather than everyday words.
        if n >= 2 and freq < 200 and w not in why:
            counts[w] = n
            why[w], kinds[w] = f"recurring ({n}x), rare in general Chinese", "term"
    for s in speakers:
        s = to_norm(s)
        if is_person_name(s) and not covered(s):
            counts[s] += 1
            why[s], kinds[s] = "speaker", "person"
            example.setdefault(s, next((x for x in sentences if s in x), ""))
    out = []
    for w, n in counts.most_common():
        ex = example.get(w, "")
        at = ex.find(w)
        ex = ex[max(0, at - 20) : at + len(w) + 20] if at >= 0 else ex[:40]
        hint = romanize_name(w) if kinds[w] == "person" else cedict_gloss(w) or ""
        out.append(Suggestion(w, hint, kinds[w], n, ex, why[w]))
    order = {"quoted name": 0, "speaker": 1, "person name": 1}
    out.sort(key=lambda s: (order.get(s.why, 2), -s.count, s.zh))
    return out[:limit]


# ---------------------------------------------------------------------------- check outputs


def missing_terms(records: Sequence[tuple[int, dict[str, object]]], glossary: Glossary) -> list[dict[str, object]]:
    """Glossary terms whose English is missing from translated segment records, one dict per miss."""
    misses: list[dict[str, object]] = []
    for no, rec in records:
        target = str(rec["target"])
        for h in match(str(rec.get("norm") or to_norm(str(rec.get("text", "")))), glossary):
            if not contains_term(target, h.en):
                misses.append({"id": rec.get("id"), "line": no, "zh": h.zh, "en": h.en, "target": target})
    return misses


# ---------------------------------------------------------------------------- diff


@dataclass
class Diff:
    """What changed between two versions of a term base, keyed by the simplified Chinese."""

    added: list[Term]
    removed: list[Term]
    rerendered: list[tuple[Term, Term]]  # the English (or its dated renderings) changed
    changed: list[tuple[Term, Term, tuple[str, ...]]]  # same English; these other fields changed

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.rerendered or self.changed)

    def lines(self) -> list[str]:
        """One line per difference, for a person reading a colleague's edits."""
        out = [f"+ {t.zh}\t{t.en}\t{t.kind}" for t in self.added]
        out += [f"- {t.zh}\t{t.en}\t{t.kind}" for t in self.removed]
        for old, new in self.rerendered:
            dated = ""
            if old.earlier != new.earlier:
                was, now = format_earlier(old.earlier) or "none", format_earlier(new.earlier) or "none"
                dated = f" (earlier: {was} -> {now})"
            out.append(f"~ {old.zh}\t{old.en} -> {new.en}{dated}")
        out += [f"* {old.zh}\t{', '.join(fields)} changed" for old, _new, fields in self.changed]
        return out

    def to_json(self) -> str:
        def term(t: Term) -> dict[str, object]:
            return {"zh": t.zh, "en": t.en, "kind": t.kind, "note": t.note, "variants": list(t.variants),
                    "source": t.source, "earlier": [list(e) for e in t.earlier]}

        return json.dumps({
            "added": [term(t) for t in self.added], "removed": [term(t) for t in self.removed],
            "rerendered": [{"old": term(o), "new": term(n)} for o, n in self.rerendered],
            "changed": [{"old": term(o), "new": term(n), "fields": list(f)} for o, n, f in self.changed],
        }, ensure_ascii=False, indent=1)


def diff_terms(old: Sequence[Term], new: Sequence[Term]) -> Diff:
    """Added, removed and re-rendered entries, and entries whose other fields changed."""
    before = {to_norm(t.zh): t for t in old}
    after = {to_norm(t.zh): t for t in new}
    result = Diff([], [], [], [])
    for key, t in sorted(after.items(), key=lambda kv: kv[1].zh):
        o = before.get(key)
        if o is None:
            result.added.append(t)
        elif (o.en, o.earlier) != (t.en, t.earlier):
            result.rerendered.append((o, t))
        else:
            fields = tuple(f for f in ("kind", "note", "variants", "source") if getattr(o, f) != getattr(t, f))
            if fields:
                result.changed.append((o, t, fields))
    result.removed = sorted((t for key, t in before.items() if key not in after), key=lambda t: t.zh)
    return result

