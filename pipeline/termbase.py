"""Keeping the term base: edit, lint, import/export (TSV, CSV, TBX), suggest and check.

Edits are atomic (temp file and rename), hold a lock so concurrent edits cannot lose an
entry, and keep the file's header, comments and order (new rows go in sorted position).
A row is written in the file's own column order; a file without the source column (from
before it existed) gains it in its header when an edit brings a source, and not otherwise.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree as ET

from .cedict import cedict_gloss
from .files import atomic_write, locked
from .glossary import (
    COLUMNS,
    KINDS,
    Glossary,
    GlossaryError,
    contains_term,
    field_problem,
    jieba_module,
    match,
    on_word_edges,
    parse_tsv,
    read_text,
    split_lines,
    stem,
    term_forms,
    word_bounds,
)
from .normalize import CJK, HAN_WORD, to_norm, to_simplified
from .records import Term
from .speakers import is_person_name, romanize_name

HEADER = "\t".join(COLUMNS)

# ---------------------------------------------------------------------------- editing


def check_term(t: Term) -> None:
    """Every write path (add, import of TSV, CSV or TBX) checks each field: no tab, no line
    break or separator, no control character, no undecodable byte."""
    for name, value in (("zh", t.zh), ("en", t.en), ("kind", t.kind), ("note", t.note), ("source", t.source),
                        *(("variant", v) for v in t.variants)):
        problem = field_problem(value)
        if problem:
            where = f"{t.origin}: " if t.origin else ""
            raise GlossaryError(f"{where}{t.zh!r}: the {name} field holds {problem}; nothing written")


def _cells(t: Term) -> dict[str, str]:
    return {"zh": t.zh, "en": t.en, "kind": t.kind, "note": t.note, "variants": "|".join(t.variants),
            "source": t.source}


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


def edit_file(path: Path, add: Sequence[Term] = (), remove: Sequence[str] = (), overwrite: bool = True) -> Edit:
    """Add (or change) and remove entries in one glossary file, keeping everything else as it is.

    With overwrite False a different English for an existing term is a conflict, not a change.
    """
    result = Edit([], [], [], [])
    for t in add:
        check_term(t)  # before the lock and before reading: a bad field changes nothing
    with locked(path):
        raw = path.read_bytes() if path.exists() else b""
        text = read_text(path) if path.exists() else HEADER + "\n"
        parse_tsv(text, str(path))  # refuse to edit a file that is already malformed
        # the file's own conventions are kept: a UTF-8 BOM, CRLF line ends
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        eol = "\r\n" if b"\r\n" in raw else "\n"
        lines = split_lines(text)
        at_header, header = _header(lines)
        if header == list(COLUMNS[:-1]) and any(t.source for t in add):
            header = list(COLUMNS)  # a five-column file from before the source column gains it
            lines[at_header] = HEADER
        drop = {to_norm(z) for z in remove}
        rows = _data_rows(lines)
        gone = {i for i, t in rows.items() if to_norm(t.zh) in drop}
        result.removed = [rows[i] for i in sorted(gone)]
        lines = [ln for i, ln in enumerate(lines) if i not in gone]
        for new in add:
            rows = _data_rows(lines)
            at = next((i for i, t in rows.items() if to_norm(t.zh) == to_norm(new.zh)), None)
            if at is None:
                new = new if new.kind else replace(new, kind="term")
                lines.insert(_sorted_position(lines, rows, new.zh), _row(new, header))
                result.added.append(new)
                continue
            old = rows[at]
            # An import that gives no kind (a CSV, a TBX without subjectField) keeps the entry's own.
            new = new if new.kind else replace(new, kind=old.kind)
            if (old.en, old.kind, old.note, old.variants, old.source) == (
                new.en, new.kind, new.note, new.variants, new.source or old.source
            ):
                continue
            if not overwrite and old.en != new.en:
                result.conflicts.append((old, new))
                continue
            merged = replace(old, en=new.en, kind=new.kind, note=new.note or old.note,
                             variants=new.variants or old.variants, source=new.source or old.source)
            lines[at] = _row(merged, header)
            result.changed.append((old, merged))
        out = eol.join(lines) + eol
        parse_tsv(out, str(path))  # never write a file we could not read back
        atomic_write(path, bom + out)
    return result


def _header(lines: list[str]) -> tuple[int, list[str]]:
    """The header row's index and column names."""
    for i, ln in enumerate(lines):
        if ln.strip() and not ln.lstrip().startswith("#"):
            return i, [c.strip().lower() for c in ln.split("\t")]
    return -1, list(COLUMNS)


def _data_rows(lines: list[str]) -> dict[int, Term]:
    rows: dict[int, Term] = {}
    header_seen = False
    header: list[str] = []
    for i, ln in enumerate(lines):
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            header = [c.strip().lower() for c in ln.split("\t")]
            continue
        cells = dict(zip(header, ln.split("\t"), strict=False))
        rows[i] = Term(cells.get("zh", "").strip(), cells.get("en", "").strip(), (cells.get("kind") or "term").strip(),
                       (cells.get("note") or "").strip(),
                       tuple(v for v in (cells.get("variants") or "").split("|") if v), "",
                       (cells.get("source") or "").strip())
    return rows


def _sorted_position(lines: list[str], rows: dict[int, Term], zh: str) -> int:
    for i in sorted(rows):
        if rows[i].zh > zh:
            # Comments directly above a row belong to it: insert above them.
            while i > 0 and lines[i - 1].lstrip().startswith("#") and i - 1 not in rows:
                i -= 1
            return i
    return len(lines)


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


def lint_files(paths: Sequence[Path]) -> list[Finding]:
    """Errors: unreadable rows, duplicates, two renderings of one term, untrimmed fields,
    traditional script. Warnings: rows out of order, a term whose English lacks the English of
    a term it contains, and the evidence checks of `_lint_sources` and `_lint_variants`."""
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
        findings.extend(_lint_sources(p, text, file_terms))
        terms.extend(file_terms)
    findings.extend(_lint_containment(terms))
    findings.extend(_lint_variants(terms))
    return findings


def _lint_raw(path: Path, text: str) -> list[Finding]:
    out = []
    lines = split_lines(text)
    at_header, header = _header(lines)
    for no, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#") or no - 1 == at_header:
            continue
        for col, cell in zip(header, line.split("\t"), strict=False):
            if cell != cell.strip():
                out.append(Finding(f"{path}:{no}", "error", f"{col} has leading or trailing spaces: {cell!r}"))
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
    """Words for comparing a rendering with a quotation, without plural endings."""
    return [stem(w) for w in re.findall(r"[A-Za-z0-9]+", _plain(text))]


def _within(inner: list[str], outer: list[str]) -> bool:
    n = len(inner)
    return not inner or any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def agrees(en: str, phrase: str) -> bool:
    """The rendering and an attested phrase agree when one contains the other, ignoring case,
    plurals, punctuation and articles ("Communist Party of China" counts as "CPC"):
    'Operation Cloud Sword' agrees with "Cloud Sword", 'pursuit of fugitives' with "the
    pursuit of the fugitives", 'trap loan fraud' with "trap loan"."""
    a, b = _attested_words(en), _attested_words(phrase)
    return _within(a, b) or _within(b, a)


def _lint_sources(path: Path, text: str, terms: list[Term]) -> list[Finding]:
    """Every entry names its source, and its English is what that source says.

    - no source: a warning for each entry (one for the whole file when it has no source column);
    - `convention: <rule>` must state the rule;
    - any other source must name a year (publisher, year, URL where there is one);
    - when the source quotes English, the entry's English must agree with one of the quoted
      phrases (see `agrees`); if it agrees with none, the rendering contradicts its source.
      Quote only the wording that supports `en` in the source column; record other attested
      renderings in the note, where they are not checked against `en`.
    """
    _at, header = _header(text.splitlines())
    if "source" not in header:
        return [Finding(f"{path}:1", "warning", f"no source column: none of its {len(terms)} entries has a source")]
    out: list[Finding] = []
    for t in terms:
        src = t.source
        if not src:
            out.append(Finding(t.origin, "warning", f"{t.zh} has no source: name where {t.en!r} comes from "
                                                    "(publisher, year, URL) or 'convention: <rule>'"))
        elif src.lower().startswith(CONVENTION):
            if not src[len(CONVENTION):].strip():
                out.append(Finding(t.origin, "warning", f"{t.zh}: the convention does not state its rule"))
        elif not _YEAR.search(src):
            out.append(Finding(t.origin, "warning", f"{t.zh}: the source names no year: {src!r}"))
        quotes = quoted_english(src) if not src.lower().startswith(CONVENTION) else []
        if quotes and not any(agrees(t.en, q) for q in quotes):
            shown = ", ".join(repr(q) for q in quotes)
            out.append(Finding(t.origin, "warning", f"{t.zh}: {t.en!r} contradicts its source, which has {shown}"))
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
    for t in terms:
        outer = to_norm(t.zh)
        bounds: tuple[set[int], set[int]] | None = None
        for inner_zh, inner in by_zh.items():
            if inner is t or len(inner_zh) < 2 or inner_zh not in outer or inner.kind == "title":
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
        cells = {n: c.strip() for n, c in zip(names, row, strict=False)} if names else {}
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


def _from_tbx(text: str, origin: str) -> list[Term]:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise GlossaryError(f"{origin}: not valid TBX/XML ({exc})") from None
    out = []
    for entry in root.iter():
        if _local(entry.tag) not in ("conceptEntry", "termEntry"):
            continue
        kind, note, source = "", "", ""  # no subjectField: merging keeps the base's kind
        zh_forms: list[str] = []
        en_forms: list[str] = []
        for el in entry.iter():
            tag = _local(el.tag)
            if tag == "descrip" and el.get("type") == "subjectField" and (el.text or "").strip() in KINDS:
                kind = (el.text or "").strip()
            elif tag == "note" and el.text:
                note = el.text.strip()
            elif tag == "admin" and el.get("type") == "source" and el.text and not source:
                source = el.text.strip()
            elif tag in ("langSec", "langSet"):
                forms = [(t.text or "").strip() for t in el.iter() if _local(t.tag) == "term"]
                lang = _lang(el)
                bucket = zh_forms if lang.startswith("zh") else en_forms if lang.startswith("en") else []
                bucket.extend(f for f in forms if f)
        if zh_forms and en_forms:
            where = f"{origin}:{entry.get('id', '')}"
            out.append(Term(zh_forms[0], en_forms[0], kind, note, tuple(zh_forms[1:]), where, source))
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
