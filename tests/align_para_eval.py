"""The paragraph-anchored aligner's benchmark: WMT18 zh-en pairs built into published-looking
document pairs, scored per unit, parameters chosen by cross-validation over whole documents.

How a document pair is built (issue 30), reproducibly from a seed:
- a unit is 1 to 3 consecutive WMT18 pairs (45%, 35%, 20%): one translated stretch of text
  whose Chinese and English may split into different numbers of sentences, as in real news;
- a document is 20 to 40 units; a paragraph 1 to 4 units, kept on both sides as a translator
  keeps them, except that 5% of paragraph breaks are dropped on one side;
- 10% of units are merged with the next unit of their paragraph on one side (the sentence
  that ends the first runs on into the second: 。 becomes ，, ". " becomes "; "), so that the
  two units can only be linked together; 5% of units are deleted on one side.
The Chinese goes through zhen's segmenter, the English through split_english_paragraphs,
exactly as `zhen align` reads files. The gold link of each unit is its Chinese sentences with
its English sentences; a sentence that spans units joins them into one gold unit.

Counted per unit: the aligner's links are joined wherever they share a unit, and a joined link
is right when it holds exactly one gold unit's two sides and none of that unit's sentences was
left without partner. Precision over the joined links, recall over the gold units with both
sides, link F1 of the two.

Cross-validation: documents go to K folds; for each fold the grid point with the best pooled F1
on the other folds is measured on it. The flat aligner (the one before paragraphs: whole
document, 1-1/1-2/2-1 beads, its old constants) is measured on the same documents. Usage:

    nice -n 10 python bench/align_para_bench.py [TSV] [--pairs N] [--folds K] [--seed N]

The builder and the scorer live here, in tests/, because tests/test_align.py's quality gate
uses them; bench/align_para_bench.py is the command that prints the figures.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from pipeline.corpus.align import (
    DEFAULT_PARAGRAPH_PARAMS,
    DEFAULT_PARAMS,
    EnFeatures,
    Link,
    ParagraphParams,
    ZhFeatures,
    align_features,
    align_paragraphs,
    en_features,
    split_english_paragraphs,
    zh_features,
)
from pipeline.segment import segment_text

Span = tuple[int, int]

_ZH_END = "。！？；…”」』\"'）)"
_EN_END = ".!?\"'”’)"


@dataclass(frozen=True)
class ArchiveDoc:
    zh: str  # paragraphs one a line
    en: str
    zh_units: tuple[Span | None, ...]  # each unit's characters on that side (None: deleted there)
    en_units: tuple[Span | None, ...]


@dataclass
class _Unit:
    zh: str
    en: str
    para: int
    fuse: str = ""  # "zh" or "en": runs on into the next unit on that side
    gone: str = ""  # "zh" or "en": deleted on that side


# WMT18's Chinese lost the middle dot of foreign names (米特?罗姆尼) and cuts quotations that run
# over several sentences at line ends; a published release has the dot and closes its quotes
# within the paragraph, and zhen's segmenter reads a quotation left open as running on.
_LOST_DOT = re.compile(r"(?<=[\u4e00-\u9fff])[?？](?=[\u4e00-\u9fff])")


def _zh_sentence(z: str) -> str:
    z = _LOST_DOT.sub("·", z)
    z = "“" * max(0, z.count("”") - z.count("“")) + z + "”" * max(0, z.count("“") - z.count("”"))
    return z if z.endswith(tuple(_ZH_END)) else z + "。"


def _en_sentence(e: str) -> str:
    return e if e.endswith(tuple(_EN_END)) else e + "."


def _fuse_zh(z: str) -> str:
    body = z.rstrip("。！？!?")
    return body + "，" if len(body) < len(z) else z


def _fuse_en(e: str) -> str:
    body = e.rstrip(".!?")
    return body + ";" if len(body) < len(e) else e


def build_archive(pairs: Sequence[tuple[str, str]], seed: int = 30, doc_units: tuple[int, int] = (20, 40),
                  merge_rate: float = 0.10, delete_rate: float = 0.05, join_rate: float = 0.05) -> list[ArchiveDoc]:
    rng = random.Random(seed)
    docs: list[ArchiveDoc] = []
    k = 0
    while k < len(pairs):
        units: list[_Unit] = []
        para, left_in_para = 0, rng.randint(1, 4)
        for _ in range(rng.randint(*doc_units)):
            size = rng.choices((1, 2, 3), (0.45, 0.35, 0.20))[0]
            chunk = pairs[k:k + size]
            k += size
            if not chunk:
                break
            if not left_in_para:
                para, left_in_para = para + 1, rng.randint(1, 4)
            left_in_para -= 1
            units.append(_Unit("".join(_zh_sentence(z) for z, _ in chunk), " ".join(_en_sentence(e) for _, e in chunk),
                               para))
        if len(units) < 2:
            break
        for a, b in itertools.pairwise(units):
            r = rng.random()
            if r < delete_rate:
                a.gone = rng.choice(("zh", "en"))
            elif r < delete_rate + merge_rate and a.para == b.para:
                a.fuse = rng.choice(("zh", "en"))
        joins = {side: {p for p in range(units[-1].para) if rng.random() < join_rate / 2} for side in ("zh", "en")}
        zh, zspans = _render(units, "zh", joins["zh"])
        en, espans = _render(units, "en", joins["en"])
        docs.append(ArchiveDoc(zh, en, zspans, espans))
    return docs


def _render(units: Sequence[_Unit], side: str, joins: set[int]) -> tuple[str, tuple[Span | None, ...]]:
    """One side's text, paragraphs one a line, and each unit's span in it."""
    out = ""
    spans: list[Span | None] = []
    last_para = None
    for u in units:
        if u.gone == side:
            spans.append(None)
            continue
        text = u.zh if side == "zh" else u.en
        if u.fuse == side:
            text = _fuse_zh(text) if side == "zh" else _fuse_en(text)
        if last_para is not None:
            if u.para != last_para and last_para not in joins:
                out += "\n"
            elif side == "en":
                out += " "
        spans.append((len(out), len(out) + len(text)))
        out += text
        last_para = u.para
    return out + "\n", tuple(spans)


# ---------------------------------------------------------------------------- what the aligner sees


@dataclass(frozen=True)
class Prepared:
    zh: list[ZhFeatures]
    zh_para: list[int]
    en: list[EnFeatures]
    en_para: list[int]
    zh_group: list[int]  # each sentence's gold unit (units that share a sentence are one)
    en_group: list[int]


def _overlapping(spans: Sequence[Span | None], start: int, end: int) -> list[int]:
    return [u for u, sp in enumerate(spans) if sp is not None and sp[0] < end and start < sp[1]]


def _english_offsets(text: str, paras: Sequence[Sequence[str]]) -> list[Span]:
    lines = [(m_start, line) for m_start, line in _line_starts(text) if line.strip()]
    out: list[Span] = []
    for (start, line), sents in zip(lines, paras, strict=True):
        # found by their characters other than spaces: the splitter may join a bare quote mark
        # to the next sentence without the space between them
        where = [k for k, ch in enumerate(line) if not ch.isspace()]
        bare = "".join(line[k] for k in where)
        pos = 0
        for s in sents:
            key = "".join(s.split())
            at = bare.index(key, pos)
            out.append((start + where[at], start + where[at + len(key) - 1] + 1))
            pos = at + len(key)
    return out


def _line_starts(text: str) -> Iterable[tuple[int, str]]:
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def prepare(doc: ArchiveDoc) -> Prepared:
    segs = [s for s in segment_text(doc.zh, budget=10**9).segments if s.translatable]
    paras = split_english_paragraphs(doc.en)
    espans = _english_offsets(doc.en, paras)
    zu = [_overlapping(doc.zh_units, s.start, s.end) for s in segs]
    eu = [_overlapping(doc.en_units, a, b) for a, b in espans]
    parent = list(range(len(doc.zh_units)))

    def find(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for us in zu + eu:
        for u in us[1:]:
            parent[find(u)] = find(us[0])
    return Prepared([zh_features(s.norm) for s in segs], [s.block for s in segs],
                    [en_features(s) for p in paras for s in p], [k for k, p in enumerate(paras) for _ in p],
                    [find(us[0]) if us else -1 for us in zu], [find(us[0]) if us else -1 for us in eu])


def unit_counts(links: Sequence[Link], prep: Prepared) -> tuple[int, int, int]:
    """(right joined links, joined links, gold units with both sides): see the module's docstring."""
    gold = set(prep.zh_group) & set(prep.en_group) - {-1}
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    partnerless: set[int] = set()
    for ln in links:
        nodes = [("z", prep.zh_group[i]) for i in ln.zh] + [("e", prep.en_group[j]) for j in ln.en]
        if not (ln.zh and ln.en):
            partnerless.update(g for _, g in nodes)
            continue
        for x in nodes[1:]:
            parent[find(x)] = find(nodes[0])
    joined: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for x in list(parent):
        joined.setdefault(find(x), set()).add(x)
    right = sum(1 for nodes in joined.values()
                if len({g for _, g in nodes}) == 1 and len(nodes) == 2
                and (g := next(iter(nodes))[1]) in gold and g not in partnerless)
    return right, len(joined), len(gold)


def f1(counts: Iterable[tuple[int, int, int]]) -> tuple[float, float, float]:
    tp = n_pred = n_gold = 0
    for a, b, c in counts:
        tp, n_pred, n_gold = tp + a, n_pred + b, n_gold + c
    p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def anchored(prep: Prepared, params: ParagraphParams) -> list[Link]:
    return align_paragraphs(prep.zh, prep.zh_para, prep.en, prep.en_para, params)


def flat(prep: Prepared) -> list[Link]:
    return align_features(prep.zh, prep.en, DEFAULT_PARAMS)


def grid() -> list[ParagraphParams]:
    """The constants cross-validation chooses among: a small grid (2 cores are shared) around the
    defaults, whose ranges were set by looking at the first 1,200 pairs' documents."""
    base = DEFAULT_PARAGRAPH_PARAMS
    out = [replace(base, sentence=replace(base.sentence, skip=skip, lexical=lexical, two_two=two_two, figure=figure),
                   trust=0.2)
           for skip, lexical, two_two, figure in itertools.product((8.0, 10.0, 12.0), (8.0, 12.0), (6.0, 9.0),
                                                                   (0.0, 4.0))]
    return [*out, replace(base, trust=0.35)]  # the defaults but for trust


@dataclass(frozen=True)
class Fold:
    fold: int
    documents: int
    chosen: ParagraphParams
    f1: float
    precision: float
    recall: float
    flat_f1: float


def cross_validate(preps: Sequence[Prepared], candidates: Sequence[ParagraphParams], folds: int = 5,
                   per: Sequence[Sequence[tuple[int, int, int]]] | None = None,
                   ) -> tuple[list[Fold], tuple[float, float, float], tuple[float, float, float]]:
    """Per fold: the candidate best on the other folds, measured on this one. Returns the folds, the pooled
    (F1, P, R) of the held-out measurements, and the flat aligner's pooled (F1, P, R). per: each
    candidate's counts per document, when already made."""
    per = per or [[unit_counts(anchored(p, c), p) for p in preps] for c in candidates]
    base = [unit_counts(flat(p), p) for p in preps]
    fold_of = [k % folds for k in range(len(preps))]
    out: list[Fold] = []
    held: list[tuple[int, int, int]] = []
    for f in range(folds):
        train = [k for k in range(len(preps)) if fold_of[k] != f]
        test = [k for k in range(len(preps)) if fold_of[k] == f]
        best = max(range(len(candidates)), key=lambda c: f1(per[c][k] for k in train)[0])
        fs, p, r = f1(per[best][k] for k in test)
        out.append(Fold(f, len(test), candidates[best], fs, p, r, f1(base[k] for k in test)[0]))
        held.extend(per[best][k] for k in test)
    return out, f1(held), f1(base)


def describe(p: ParagraphParams) -> str:
    return (f"sentence skip {p.sentence.skip:g}, lexical {p.sentence.lexical:g}, 2-2 {p.sentence.two_two:g}, "
            f"figures {p.sentence.figure:g}, trust {p.trust:g}")
