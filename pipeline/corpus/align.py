"""Stage: sentence alignment of a Chinese release with an English version made by people.

The Chinese side is zhen's own segments (their normalized text); the English side is a list of
sentences (pysbd splits them: pipeline.english). A dynamic program picks the
cheapest sequence of links 1-1, 1-2, 2-1, 1-0, 0-1 (and 2-2) where a link costs

    Gale-Church length cost + the link type's prior + LEXICAL * (1 - lexical similarity)
        (per sentence) + WEAK if a merge has a sentence with no evidence of its own

The length model (the ratio of English to Chinese characters and its variance) is fit on the
tuning half of WMT18 zh-en by bench/align_fit.py; the other constants were tuned on the same
half with bench/align_bench.py and checked on the held-out half. The lexical similarity needs
no model: figures and dates (pipeline.facts), glossary terms, the CC-CEDICT glosses of jieba
words, pinyin of person names and Latin words written in the Chinese, each looked for among
the English sentence's word stems.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..english import split_english_sentences
from ..errors import UsageError
from ..facts import extract_en, extract_zh
from ..glossary import Glossary, match
from ..labels import unlabelled_pair
from ..lexicon import english_stems, han_concepts, latin_concepts, number_keys
from ..normalize import to_norm
from ..records import AlignedPair, AlignOptions, Document

# ---------------------------------------------------------------------------- constants

# bench/align_fit.py on the tuning half of WMT18 zh-en (1,980 pairs): English characters (spaces
# left out) per Chinese character, and the variance of the difference per character.
LENGTH_RATIO = 3.185
LENGTH_VARIANCE = 28.946


@dataclass(frozen=True)
class AlignParams:
    """The aligner's constants; defaults are the tuned ones (see the module's docstring)."""

    ratio: float = LENGTH_RATIO
    variance: float = LENGTH_VARIANCE
    lexical: float = 8.0  # weight of (1 - similarity)
    merge: float = 2.5  # 2-1 and 1-2: -log P(link type); Gale-Church had 2.4
    skip: float = 6.0  # 1-0 and 0-1: a sentence left without partner
    weak: float = 6.0  # a merge whose weakest sentence has no evidence of its own costs this much more
    weak_floor: float = 0.15  # ... fading out as that sentence's own similarity reaches this
    # 2-2 did not pay on the tuning half (strict F1 0.968 with it at 6.0, 0.973 without): off unless set
    two_two: float = math.inf
    three: float = math.inf  # 3-1 and 1-3; off in the flat aligner, fit for sentences inside paragraphs
    # a merge one of whose sentences states figures, none of them found on the other side, costs
    # this much more (off in the flat aligner)
    figure: float = 0.0
    low: float = 0.35  # pairs scoring under this are marked "low"
    band: int = 20  # the DP looks this many sentences off the diagonal at first (see align_features)


DEFAULT_PARAMS = AlignParams()

# ---------------------------------------------------------------------------- features

@dataclass(frozen=True)
class ZhFeatures:
    length: int
    concepts: tuple[frozenset[str], ...]  # each: the English stems that would show it was translated
    stems: frozenset[str]  # all of them, for the English side's coverage
    mt: str = ""  # its machine translation, for hard cases (--model)


@dataclass(frozen=True)
class EnFeatures:
    length: int
    stems: frozenset[str]
    text: str = ""  # the sentence, where machine translations are compared with it


def zh_features(norm: str, glossary: Glossary | None = None, speaker_en: str | None = None) -> ZhFeatures:
    """speaker_en: the English of a turn's speaker label (Reporter, Sun Jinfeng), which the
    segment's text leaves out and a human English version usually writes."""
    concepts: list[frozenset[str]] = [frozenset({w}) for w in english_stems(speaker_en or "")]
    taken: list[tuple[int, int]] = []
    if glossary is not None:
        for h in match(norm, glossary):
            concepts.append(english_stems(h.en))
            taken.append((h.start, h.end))
    concepts.extend(g for _, _, g in han_concepts(norm, taken))
    concepts.extend(g for _, _, g in latin_concepts(norm))
    concepts.extend(frozenset({k}) for k in number_keys(extract_zh(norm), norm))
    stems = frozenset().union(*concepts) if concepts else frozenset()
    return ZhFeatures(sum(1 for ch in norm if not ch.isspace()), tuple(c for c in concepts if c), stems)


def en_features(text: str) -> EnFeatures:
    stems = english_stems(text) | number_keys(extract_en(text), text)
    return EnFeatures(sum(1 for ch in text if not ch.isspace()), frozenset(stems))


def similarity(zh: Sequence[ZhFeatures], en: Sequence[EnFeatures]) -> float:
    """How much of each side the other explains: Chinese concepts found in the English plus
    English stems some Chinese concept predicts, over both counts (a Dice-like 0..1)."""
    e_stems: frozenset[str] = frozenset().union(*(e.stems for e in en)) if en else frozenset()
    z_stems: frozenset[str] = frozenset().union(*(z.stems for z in zh)) if zh else frozenset()
    n_z = sum(len(z.concepts) for z in zh)
    n_e = len(e_stems)
    if not n_z + n_e:
        return 0.0
    m_z = sum(1 for z in zh for c in z.concepts if not c.isdisjoint(e_stems))
    m_e = len(e_stems & z_stems)
    lexical = (m_z + m_e) / (n_z + n_e)
    if zh and en and all(z.mt for z in zh) and all(e.text for e in en):
        return max(lexical, mt_similarity(" ".join(z.mt for z in zh), " ".join(e.text for e in en)))
    return lexical


# chrF of unrelated English sentences (neighbours in WMT18): median 0.18, 95th percentile 0.24,
# 99th 0.27; a fair machine translation of the sentence scores 0.4 to 0.6.
MT_FLOOR = 0.25
MT_SCALE = 1.5


def mt_similarity(mt: str, english: str) -> float:
    """Bleualign's idea with chrF: the machine English against the human English, on the
    lexical similarity's scale (chrF 0.25 -> 0, 0.55 -> 0.45)."""
    return min(1.0, max(0.0, chrf(mt, english) - MT_FLOOR) * MT_SCALE)


def chrf(hypothesis: str, reference: str) -> float:
    """sacrebleu's sentence chrF, 0..1."""
    return float(_chrf_metric().sentence_score(hypothesis, [reference]).score) / 100


@lru_cache(maxsize=1)
def _chrf_metric():  # type: ignore[no-untyped-def]
    from sacrebleu.metrics import CHRF

    return CHRF()


# ---------------------------------------------------------------------------- costs


def _norm_sf(x: float) -> float:
    """Two-tailed tail probability of a standard normal: P(|Z| >= x)."""
    return math.erfc(abs(x) / math.sqrt(2))


def length_cost(zh_len: int, en_len: int, params: AlignParams = DEFAULT_PARAMS) -> float:
    """Gale-Church: -log P(|delta| >= observed) for delta = (en - c*zh) / sqrt(mean length * s2)."""
    mean = (zh_len + en_len / params.ratio) / 2
    if mean <= 0:
        return 0.0
    delta = (en_len - params.ratio * zh_len) / math.sqrt(mean * params.variance)
    return -math.log(max(_norm_sf(delta), 1e-12))


def length_probability(zh_len: int, en_len: int, params: AlignParams = DEFAULT_PARAMS) -> float:
    return math.exp(-length_cost(zh_len, en_len, params))


# ---------------------------------------------------------------------------- the dynamic program


@dataclass(frozen=True)
class Link:
    """One link of an alignment: indices into the Chinese and the English sentence lists."""

    zh: tuple[int, ...]
    en: tuple[int, ...]
    score: float = 0.0  # 0..1, see link_score
    similarity: float = 0.0
    length: float = 0.0  # the length model's probability


_MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (2, 2), (1, 3), (3, 1))


def weakest(zh: Sequence[ZhFeatures], en: Sequence[EnFeatures]) -> float:
    """In a merge, the similarity of the sentence that the other side explains least, on its own.

    A wrong merge (a sentence without partner glued to its neighbour's link) shows here: on
    WMT18 most wrong merges have a member with no evidence at all, right ones rarely."""
    if len(zh) > 1:
        return min(similarity([z], en) for z in zh)
    if len(en) > 1:
        return min(similarity(zh, [e]) for e in en)
    return similarity(zh, en)


def link_score(sim: float, length_p: float) -> float:
    """A link's 0..1 score for people: the lexical similarity lifted by agreeing lengths.

    A right 1-1 link of WMT18 has similarity about 0.3 and length probability about 0.6; the
    score puts such a link near 0.6 and a wrong one (similarity under 0.1) under 0.3."""
    return min(1.0, 0.5 * min(1.0, sim / 0.4) + 0.5 * length_p)


class _Scorer:
    """Link costs over precomputed sides: each Chinese sentence and pair of neighbours with its
    stems, concept count and an index stem -> concepts, so that a link's similarity only looks
    at the stems both sides share (usually none). Same numbers as `similarity`, much faster."""

    def __init__(self, zh: Sequence[ZhFeatures], en: Sequence[EnFeatures], params: AlignParams) -> None:
        self.zh, self.en, self.params = zh, en, params
        self.slow = any(z.mt for z in zh)  # machine translations: chrF needs the texts, use `similarity`
        self.z1 = [self._zh_unit([z]) for z in zh]
        self.z2 = [self._zh_unit(zh[i - 1:i + 1]) if i else self.z1[0] for i in range(len(zh))]
        self.e1 = [e.stems for e in en]
        self.e2 = [en[j - 1].stems | en[j].stems if j else en[0].stems for j in range(len(en))]
        self.sim11: dict[tuple[int, int], float] = {}
        # spans of three sentences (3-1 and 1-3 links), made when first asked for
        self.z3: dict[int, tuple[frozenset[str], int, dict[str, list[int]]]] = {}
        self.e3: dict[int, frozenset[str]] = {}
        self.zfig = [[c for c in z.concepts if any(st.startswith("#") for st in c)] for z in zh]
        self.efig = [frozenset(st for st in e.stems if st.startswith("#")) for e in en]

    @staticmethod
    def _zh_unit(zs: Sequence[ZhFeatures]) -> tuple[frozenset[str], int, dict[str, list[int]]]:
        index: dict[str, list[int]] = {}
        k = 0
        for z in zs:
            for c in z.concepts:
                for st in c:
                    index.setdefault(st, []).append(k)
                k += 1
        return frozenset(index), k, index

    def sim(self, pi: int, i: int, pj: int, j: int) -> float:
        """Similarity of zh[pi:i] with en[pj:j] (one or two sentences a side)."""
        if self.slow:
            return similarity(self.zh[pi:i], self.en[pj:j])
        z_stems, n_z, index = self._zh_span(pi, i)
        e_stems = self._en_span(pj, j)
        denom = n_z + len(e_stems)
        if not denom:
            return 0.0
        common = e_stems & z_stems
        if not common:
            return 0.0
        hit = {k for st in common for k in index[st]}
        return (len(hit) + len(common)) / denom

    def _zh_span(self, pi: int, i: int) -> tuple[frozenset[str], int, dict[str, list[int]]]:
        if i - pi == 1:
            return self.z1[i - 1]
        if i - pi == 2:
            return self.z2[i - 1]
        if i not in self.z3:
            self.z3[i] = self._zh_unit(self.zh[pi:i])
        return self.z3[i]

    def _en_span(self, pj: int, j: int) -> frozenset[str]:
        if j - pj == 1:
            return self.e1[j - 1]
        if j - pj == 2:
            return self.e2[j - 1]
        if j not in self.e3:
            self.e3[j] = frozenset().union(*self.e1[pj:j])
        return self.e3[j]

    def one(self, i: int, j: int) -> float:
        """Similarity of sentence i with sentence j, remembered (merges ask for it again)."""
        key = (i, j)
        if key not in self.sim11:
            self.sim11[key] = self.sim(i, i + 1, j, j + 1)
        return self.sim11[key]

    def weakest(self, pi: int, i: int, pj: int, j: int) -> float:
        if self.slow:
            return weakest(self.zh[pi:i], self.en[pj:j])
        if i - pi > 1:
            return min(self.sim(k, k + 1, pj, j) for k in range(pi, i))
        return min(self.sim(pi, i, k, k + 1) for k in range(pj, j))

    def orphan_figures(self, pi: int, i: int, pj: int, j: int) -> bool:
        """Whether a sentence of the merged side states figures of which the other side, which
        states figures of its own, has none (a translation that drops or rounds figures states
        none, so its silence is no evidence)."""
        if i - pi > 1:
            e_stems = self._en_span(pj, j)
            if not any(self.efig[pj:j]):
                return False
            return any(figs and all(c.isdisjoint(e_stems) for c in figs) for figs in self.zfig[pi:i])
        if not any(self.zfig[pi:i]):
            return False
        z_stems = self._zh_span(pi, i)[0]
        return any(figs and figs.isdisjoint(z_stems) for figs in self.efig[pj:j])

    def lengths(self, pi: int, i: int, pj: int, j: int) -> tuple[int, int]:
        return sum(z.length for z in self.zh[pi:i]), sum(e.length for e in self.en[pj:j])


def align_features(zh: Sequence[ZhFeatures], en: Sequence[EnFeatures],
                   params: AlignParams = DEFAULT_PARAMS) -> list[Link]:
    """The cheapest alignment of two feature lists, in order, every sentence in exactly one link.

    The program looks `params.band` sentences either side of the diagonal; where the best path
    comes near that edge (a long passage left out on one side), it runs again with the band
    doubled, so that long documents cost little and odd ones are still aligned right."""
    if not zh or not en:  # nothing to pair: every sentence is without partner
        return [Link((i,), ()) for i in range(len(zh))] + [Link((), (j,)) for j in range(len(en))]
    scorer = _Scorer(zh, en, params)
    band = params.band
    while True:
        links, edge = _program(scorer, band)
        if edge < band - 3 or band >= max(len(zh), len(en)):
            return links
        band *= 2


def _program(sc: _Scorer, band: int) -> tuple[list[Link], float]:
    """One run of the dynamic program; returns the links and how far the path strayed from the diagonal."""
    params = sc.params
    n, m = len(sc.zh), len(sc.en)
    inf = math.inf
    # cost[i][j]: best cost of aligning zh[:i] with en[:j]; back[i][j]: the move that got there
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    prior = {(1, 1): 0.0, (1, 2): params.merge, (2, 1): params.merge, (1, 0): params.skip, (0, 1): params.skip,
             (2, 2): params.two_two, (1, 3): params.three, (3, 1): params.three}
    moves = [(di, dj, prior[(di, dj)]) for di, dj in _MOVES if prior[(di, dj)] != inf]
    for i in range(n + 1):
        centre = i * m / n if n else 0
        lo, hi = max(0, int(centre - band)), min(m, int(centre + band) + 1)
        row, brow = cost[i], back[i]
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            best, arg = inf, (0, 0)
            for di, dj, p in moves:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0:
                    continue
                prev = cost[pi][pj]
                if prev + p >= best:  # costs only add up: this move cannot win
                    continue
                c = prev + p
                if di and dj:
                    c += length_cost(*sc.lengths(pi, i, pj, j), params)
                    s = sc.one(pi, pj) if di == dj == 1 else sc.sim(pi, i, pj, j)
                    # per sentence, not per link: else two merges would undercut three 1-1 links
                    c += params.lexical * (1.0 - s) * (di + dj) / 2
                    if params.weak and di + dj > 2 and c < best:
                        c += params.weak * (1.0 - min(1.0, sc.weakest(pi, i, pj, j) / params.weak_floor))
                    if params.figure and di + dj > 2 and c < best and sc.orphan_figures(pi, i, pj, j):
                        c += params.figure
                if c < best:
                    best, arg = c, (di, dj)
            row[j] = best
            brow[j] = arg
    if cost[n][m] == inf:  # cannot happen with 1-0 and 0-1 moves inside the band; guard anyway
        raise UsageError("the alignment found no path (documents too different in length)")
    links: list[Link] = []
    i, j = n, m
    edge = 0.0
    while i or j:
        edge = max(edge, abs(j - (i * m / n if n else 0)))
        di, dj = back[i][j]
        zi, ej = tuple(range(i - di, i)), tuple(range(j - dj, j))
        if di and dj:
            sim = sc.sim(i - di, i, j - dj, j)
            lp = length_probability(*sc.lengths(i - di, i, j - dj, j), params)
            score = link_score(sim, lp)
            if di + dj > 2:  # a merge is as good as its weakest sentence
                score *= 0.5 + 0.5 * min(1.0, sc.weakest(i - di, i, j - dj, j) / params.weak_floor)
            links.append(Link(zi, ej, score, sim, lp))
        else:
            links.append(Link(zi, ej))
        i, j = i - di, j - dj
    links.reverse()
    return links, edge


Translate = Callable[[Sequence[str]], list[str]]


def realign_hard(links: Sequence[Link], zh: Sequence[ZhFeatures], en: Sequence[EnFeatures], zh_norm: Sequence[str],
                 en_text: Sequence[str], translate: Translate, params: AlignParams = DEFAULT_PARAMS) -> list[Link]:
    """Align again, with machine translation, where the first pass was unsure.

    Runs of low or unaligned links, with one link of context on each side, are aligned once
    more with each Chinese sentence's machine English compared with the English by chrF.
    Only the sentences in such runs go through the model."""
    hard = [k for k, ln in enumerate(links) if not (ln.zh and ln.en) or ln.score < params.low]
    windows: list[list[int]] = []
    for k in hard:
        a, b = max(0, k - 1), min(len(links) - 1, k + 1)
        if windows and a <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    need = sorted({i for a, b in windows for ln in links[a:b + 1] for i in ln.zh})
    if not need:
        return list(links)
    mt = dict(zip(need, translate([zh_norm[i] for i in need]), strict=True))
    out: list[Link] = []
    pos = 0
    for a, b in windows:
        out.extend(links[pos:a])
        zi = [i for ln in links[a:b + 1] for i in ln.zh]
        ej = [j for ln in links[a:b + 1] for j in ln.en]
        if zi and ej:  # the window covers consecutive sentences on both sides
            sub = align_features([replace(zh[i], mt=mt[i]) for i in zi], [replace(en[j], text=en_text[j]) for j in ej],
                                 params)
            out.extend(replace(ln, zh=tuple(zi[0] + i for i in ln.zh), en=tuple(ej[0] + j for j in ln.en))
                       for ln in sub)
        else:
            out.extend(links[a:b + 1])
        pos = b + 1
    out.extend(links[pos:])
    return out


def align_sentences(zh: Sequence[str], en: Sequence[str], glossary: Glossary | None = None,
                    params: AlignParams | None = None) -> list[Link]:
    """Align Chinese sentences (any script; normalized here) with English ones."""
    zf = [zh_features(to_norm(z), glossary) for z in zh]
    ef = [en_features(e) for e in en]
    return align_features(zf, ef, params or DEFAULT_PARAMS)


# ---------------------------------------------------------------------------- paragraphs first


@dataclass(frozen=True)
class ParagraphParams:
    """The paragraph-anchored aligner's constants (bench/align_para_bench.py chose them by
    cross-validation over whole WMT18-built documents).

    Paragraphs are aligned first, as one unit of evidence each (their lengths, figures, names,
    glossary terms and dictionary glosses pooled); the sentences are then aligned inside each
    trusted paragraph link, where beads up to 3-1, 1-3 and 2-2 are allowed because the
    paragraph bounds them. A paragraph link scoring under `trust` (and a paragraph left without
    partner) is not trusted: it and its neighbours are aligned as one stretch of sentences, and
    where no paragraph link is trusted that stretch is the whole document."""

    paragraph: AlignParams = AlignParams(three=4.0)
    # inside a trusted paragraph link a sentence left without partner is rarer, and evidence
    # weighs more, than over a whole document; a merge that takes in a sentence whose figures
    # the other side (stating figures of its own) lacks pays for it
    sentence: AlignParams = AlignParams(lexical=12.0, skip=10.0, weak=3.0, two_two=9.0, three=4.0, figure=4.0)
    trust: float = 0.2


DEFAULT_PARAGRAPH_PARAMS = ParagraphParams()


def pool_zh(zs: Sequence[ZhFeatures]) -> ZhFeatures:
    """A paragraph's evidence: its sentences' lengths, concepts and stems together."""
    return ZhFeatures(sum(z.length for z in zs), tuple(c for z in zs for c in z.concepts),
                      frozenset().union(*(z.stems for z in zs)) if zs else frozenset())


def pool_en(es: Sequence[EnFeatures]) -> EnFeatures:
    return EnFeatures(sum(e.length for e in es), frozenset().union(*(e.stems for e in es)) if es else frozenset())


def _runs(para: Sequence[int]) -> list[tuple[int, int]]:
    """[start, end) of each run of equal paragraph numbers, in order."""
    out: list[tuple[int, int]] = []
    for k, p in enumerate(para):
        if out and para[out[-1][0]] == p:
            out[-1] = (out[-1][0], k + 1)
        else:
            out.append((k, k + 1))
    return out


def align_paragraphs(zh: Sequence[ZhFeatures], zh_para: Sequence[int], en: Sequence[EnFeatures],
                     en_para: Sequence[int], params: ParagraphParams = DEFAULT_PARAGRAPH_PARAMS) -> list[Link]:
    """Align paragraphs, then the sentences inside each trusted paragraph link.

    zh_para and en_para give each sentence's paragraph (any numbers, equal within a paragraph).
    A link never crosses the bounds of a trusted paragraph link; untrusted stretches and
    documents of one paragraph a side are aligned sentence by sentence as a whole."""
    zr, er = _runs(zh_para), _runs(en_para)
    if len(zr) < 2 or len(er) < 2:
        return align_features(zh, en, params.sentence)
    plinks = align_features([pool_zh(zh[a:b]) for a, b in zr], [pool_en(en[a:b]) for a, b in er], params.paragraph)
    trusted = [bool(ln.zh and ln.en) and ln.score >= params.trust for ln in plinks]
    # stretches of paragraph links aligned as one: each trusted link alone, each untrusted one
    # with a neighbour on each side (the paragraph program's mistakes sit next to its doubts)
    stretches: list[list[int]] = []
    for k, ok in enumerate(trusted):
        a, b = (k, k) if ok else (max(0, k - 1), min(len(plinks) - 1, k + 1))
        if stretches and a <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], b)
        else:
            stretches.append([a, b])
    out: list[Link] = []
    for a, b in stretches:
        zp = [p for ln in plinks[a:b + 1] for p in ln.zh]
        ep = [p for ln in plinks[a:b + 1] for p in ln.en]
        z0, z1 = (zr[zp[0]][0], zr[zp[-1]][1]) if zp else (0, 0)
        e0, e1 = (er[ep[0]][0], er[ep[-1]][1]) if ep else (0, 0)
        sub = align_features(zh[z0:z1], en[e0:e1], params.sentence)
        out.extend(replace(ln, zh=tuple(z0 + i for i in ln.zh), en=tuple(e0 + j for j in ln.en)) for ln in sub)
    return out


# ---------------------------------------------------------------------------- documents


def split_english_paragraphs(text: str, markdown: bool = False) -> list[list[str]]:
    """The sentences of each non-blank line (a paragraph, title or heading), in order: the
    splitter of english.py, which never lets a sentence run across a line."""
    return [sents for line in text.splitlines() if (sents := split_english_sentences(line, markdown))]


def align_document(doc: Document, english: Sequence[str], options: AlignOptions | None = None,
                   glossary: Glossary | None = None, params: AlignParams | None = None,
                   translate: Translate | None = None, en_para: Sequence[int] | None = None,
                   paragraph_params: ParagraphParams | None = None) -> list[AlignedPair]:
    """Align a segmented Chinese release with the sentences of its English version.

    en_para: each English sentence's paragraph (see split_english_paragraphs); the Chinese
    paragraphs are the release's blocks. Without it the English is one paragraph and the
    sentences are aligned over the whole document. `params` replaces the sentence constants.

    Every translatable segment and every English sentence appears in exactly one pair; a pair
    with one side empty is "unaligned" and one scoring under the threshold "low", so that a
    consumer (the memory, glossary mining) can leave them out knowingly. With `translate`
    (machine English for Chinese sentences), the unsure stretches are aligned again by chrF."""
    options = options or AlignOptions()
    pp = paragraph_params or DEFAULT_PARAGRAPH_PARAMS
    if params is not None:
        pp = replace(pp, sentence=params)
    if options.min_score is not None:
        pp = replace(pp, sentence=replace(pp.sentence, low=options.min_score))
    params = pp.sentence
    segs = [s for s in doc.segments if s.translatable]
    first = {s.block: s.id for s in reversed(segs)}  # a labelled turn's first segment carries the label
    blocks = {b.index: b for b in doc.blocks}
    zf = [zh_features(s.norm, glossary, s.speaker_en if first[s.block] == s.id and blocks[s.block].labelled
                      else None) for s in segs]
    ef = [en_features(e) for e in english]
    links = align_paragraphs(zf, [s.block for s in segs], ef, en_para or [0] * len(ef), pp)
    if translate is not None:
        links = realign_hard(links, zf, ef, [s.norm for s in segs], english, translate, params)
    name = doc.source.name
    out = []
    for ln in links:
        zs = [segs[i] for i in ln.zh]
        status = "unaligned" if not (ln.zh and ln.en) else "low" if ln.score < params.low else "ok"
        en = [english[j] for j in ln.en]
        if en:  # a turn's Chinese has no label (the segment leaves it out): its English loses its own
            en[0] = unlabelled_pair("".join(s.norm for s in zs), en[0])[1]
        out.append(AlignedPair(
            zh=tuple(s.text for s in zs), en=tuple(en), zh_ids=tuple(s.id for s in zs),
            en_ids=tuple(f"e{j + 1}" for j in ln.en), score=round(ln.score, 4), status=status, doc=name,
            zh_norm=tuple(s.norm for s in zs),
        ))
    return out


@dataclass
class AlignCounts:
    pairs: int = 0
    ok: int = 0
    low: int = 0
    unaligned: int = 0
    beads: dict[str, int] = field(default_factory=dict)


def count(pairs: Sequence[AlignedPair]) -> AlignCounts:
    c = AlignCounts()
    for p in pairs:
        c.pairs += 1
        setattr(c, p.status, getattr(c, p.status) + 1)
        c.beads[p.bead] = c.beads.get(p.bead, 0) + 1
    return c


ALIGN_FORMATS = ("tsv", "jsonl", "tmx")


def format_for(output: str | None, fmt: str | None) -> str:
    """--format if given, else the output's suffix (.tsv, .jsonl, .tmx), else TSV."""
    if fmt:
        return check_format(fmt)
    suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
    return suffix if suffix in ALIGN_FORMATS else "tsv"


def check_format(fmt: str) -> str:
    if fmt not in ALIGN_FORMATS:
        raise UsageError(f"unknown alignment format {fmt!r}; choose from {', '.join(ALIGN_FORMATS)}", option="fmt")
    return fmt


__all__ = ["AlignParams", "Link", "ParagraphParams", "align_document", "align_features", "align_paragraphs",
           "align_sentences", "split_english_paragraphs", "split_english_sentences"]
