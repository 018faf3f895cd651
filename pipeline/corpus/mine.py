"""Stage: glossary candidates from aligned sentence pairs (zhen glossary mine).

Chinese candidates are jieba words and runs of two or three words (n-grams that cross word
boundaries, so 公安 + 机关 can surface as 公安机关); English candidates are word n-grams of one
to four words that neither start nor end with a function word. Each Chinese candidate gets
the English candidate it co-occurs with most consistently (the Dice coefficient over aligned
pairs), with the CC-CEDICT gloss breaking near ties; candidates are ranked by Dunning's
log-likelihood ratio of that co-occurrence, which weighs consistency and frequency together.
What the glossary already holds is skipped, and so is a phrase that is only ever seen inside
a longer candidate with the same English, and an everyday word whose rendering is its
dictionary gloss (发展 development: the model needs no glossary for it).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from ..cedict import cedict_gloss
from ..glossary import Glossary, jieba_module, match
from ..lexicon import english_stems
from ..normalize import HAN_WORD, to_norm
from ..records import AlignedPair
from ..speakers import is_person_name

# Words that never begin or end a term, on either side.
_ZH_EDGE_STOP = frozenset("的 了 在 是 和 与 及 也 都 而 就 对 把 被 将 于 以 之 其 这 那 个 等 中 上 下 着 过 为 从 "
                          "向 并 但 或 又 还 已 所 则 让 给 有 要 会 能 可 很 不 没 地 得 吗 呢 吧 啊 此 该 每 各 即 "
                          "我 你 他 她 它 我们 你们 他们 她们 它们 这个 那个 这些 那些 一个 已经 可以 没有 "
                          "就是 表示 认为 进行 通过 以及 但是 因为 所以 如果 虽然 这样 还是 自己 他说 她说 "
                          "指出 说 称".split())
_EN_EDGE_STOP = frozenset("""a an the of to in on at for by with from into and or but is are was were be been
being has have had will would can could may might must should it its that these those he she they we you i
his her their our your my as not no so than then there here also which who what when where how all any some
says say told more most very just about after before over under up out said one two""".split())
_EN_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*(?:[.,]\d+)*")
_POSSESSIVE = re.compile(r"['’]s?$")  # the Prime Minister's office: still "Prime Minister"
_EN_BREAK = re.compile(r"[.,;:!?()\"“”‘\[\]—–]+|\s-\s")


@dataclass(frozen=True)
class Candidate:
    """A proposed glossary entry."""

    zh: str
    en: str
    kind: str  # term or person
    count: int  # aligned pairs with the Chinese
    together: int  # of them, pairs whose English has the rendering
    dice: float
    llr: float
    hint: str  # CC-CEDICT's gloss
    example_zh: str
    example_en: str

    def note(self) -> str:
        hint = f"; CC-CEDICT: {self.hint}" if self.hint else ""
        return f"mined: {self.together} of {self.count} aligned pairs, Dice {self.dice:.2f}{hint}"


def zh_candidates(norm: str, covered: Sequence[tuple[int, int]] = ()) -> set[str]:
    """Words of two or more Han characters and runs of two or three words (at most 8 characters),
    leaving out those inside a `covered` span (a glossary term: 网络诈骗 inside 电信网络诈骗)."""
    words = list(jieba_module().cut(norm, HMM=True))
    starts = [0]
    for w in words:
        starts.append(starts[-1] + len(w))
    out: set[str] = set()

    def add(text: str, s: int) -> None:
        if not any(a <= s and s + len(text) <= b for a, b in covered):
            out.add(text)

    for i, w in enumerate(words):
        if not HAN_WORD.fullmatch(w):
            continue
        if len(w) >= 2 and w not in _ZH_EDGE_STOP:
            add(w, starts[i])
        if w in _ZH_EDGE_STOP:
            continue
        run = w
        for k in range(i + 1, min(i + 3, len(words))):
            nxt = words[k]
            if not HAN_WORD.fullmatch(nxt):
                break
            run += nxt
            if len(run) > 8:
                break
            if nxt not in _ZH_EDGE_STOP and len(run) >= 3:
                add(run, starts[i])
    return out


def en_candidates(text: str) -> dict[str, str]:
    """Lower-cased n-grams of one to four words -> the form as written (within a clause)."""
    out: dict[str, str] = {}
    for clause in _EN_BREAK.split(text):
        toks = [_POSSESSIVE.sub("", t) for t in _EN_TOKEN.findall(clause)]
        low = [t.lower().replace("’", "'") for t in toks]
        for i in range(len(toks)):
            if _not_edge(low[i]):
                continue
            for j in range(i + 1, min(i + 5, len(toks) + 1)):
                if _not_edge(low[j - 1]):
                    continue  # "Ministry of" is no rendering, "Ministry of Public Security" is
                out.setdefault(" ".join(low[i:j]), " ".join(toks[i:j]))
    return out


def _not_edge(token: str) -> bool:
    """A function word or a bare number (19th and G20 may be the edge of a rendering; 2018 may not)."""
    return token in _EN_EDGE_STOP or not any(ch.isalpha() for ch in token)


def _llr(k11: int, k1: int, k2: int, n: int) -> float:
    """Dunning's G2 for a 2x2 table: together k11, Chinese k1, English k2, pairs n."""
    def h(*ks: int) -> float:
        total = sum(ks)
        return sum(k * math.log(k / total) for k in ks if k)

    k12, k21 = k1 - k11, k2 - k11
    k22 = n - k1 - k2 + k11
    return 2 * (h(k11, k12, k21, k22) - h(k11 + k12, k21 + k22) - h(k11 + k21, k12 + k22))


# jieba's count of a word in its general corpus (60 million words) above which a word is
# everyday Chinese: 发展 68,664, 公司 45,604, 宣布 7,604 against 总书记 1,104, 白宫 678, 警方 696.
EVERYDAY = 5000


def everyday(zh: str, en: str) -> bool:
    """An everyday word rendered as the dictionary renders it (发展 development): the model
    knows it already, so it is no glossary material."""
    return (jieba_module().FREQ.get(zh, 0) >= EVERYDAY
            and not english_stems(en).isdisjoint(english_stems(cedict_gloss(zh) or "")))


def mine(pairs: Iterable[AlignedPair], glossary: Glossary | None = None, min_count: int = 3,
         limit: int | None = 100, keep_everyday: bool = False) -> list[Candidate]:
    """Term candidates from aligned pairs (use only links: callers leave out unaligned ones).

    Everyday words that come out as their dictionary gloss are left out unless keep_everyday."""
    zh_sets: list[set[str]] = []
    en_sets: list[dict[str, str]] = []
    texts: list[tuple[str, str]] = []
    for p in pairs:
        if not (p.zh and p.en):
            continue
        norm = "".join(p.zh_norm) if p.zh_norm else to_norm(p.zh_text)
        covered = [(h.start, h.end) for h in match(norm, glossary)] if glossary is not None else []
        zh_sets.append(zh_candidates(norm, covered))
        en_sets.append(en_candidates(p.en_text))
        texts.append((p.zh_text, p.en_text))
    n = len(zh_sets)
    cz: Counter[str] = Counter(z for s in zh_sets for z in s)
    ce: Counter[str] = Counter(e for s in en_sets for e in s)
    known = set(glossary.index) if glossary is not None else set()
    wanted = {z for z, c in cz.items() if c >= min_count and z not in known}
    if glossary is not None:
        wanted = {z for z in wanted if not any(h.start == 0 and h.end == len(z) for h in match(z, glossary))}
    frequent_en = {e for e, c in ce.items() if c >= min_count}
    co: dict[str, Counter[str]] = defaultdict(Counter)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[tuple[str, str], int] = {}
    for idx, (zs, es) in enumerate(zip(zh_sets, en_sets, strict=True)):
        keys = [e for e in es if e in frequent_en]
        for e in keys:
            surface[e][es[e]] += 1
        for z in zs & wanted:
            row = co[z]
            for e in keys:
                row[e] += 1
                first.setdefault((z, e), idx)
    found: list[Candidate] = []
    for z, row in co.items():
        best = _best_english(z, row, cz[z], ce)
        if best is None:
            continue
        e, k11, dice = best
        if not keep_everyday and everyday(z, e):
            continue
        llr = _llr(k11, cz[z], ce[e], n)
        gloss = cedict_gloss(z) or ""
        kind = "term"  # decided for the ones kept (jieba's part-of-speech tagger is slow)
        ex_zh, ex_en = texts[first[(z, e)]]
        found.append(Candidate(z, surface[e].most_common(1)[0][0], kind, cz[z], k11, dice, llr, gloss, ex_zh, ex_en))
    found = _drop_nested(found)
    found.sort(key=lambda c: (-c.llr, c.zh))
    found = found[:limit] if limit else found
    return [replace(c, kind=_kind(c.zh, c.hint)) for c in found]


@lru_cache(maxsize=1)
def _pos_tokenizer():  # type: ignore[no-untyped-def]
    import jieba.posseg as pseg

    return pseg.POSTokenizer(jieba_module())


_LIFESPAN = re.compile(r"\(\d{3,4}-")  # CC-CEDICT glosses people as "Li Keqiang (1955-), ..."


def _kind(zh: str, gloss: str) -> str:
    """The glossary kind, from jieba's part of speech of the word alone: nr person (when CC-CEDICT
    does not know it or gives a lifespan: jieba calls 白宫 a name too), ns place, nt org."""
    tags = [p.flag for p in _pos_tokenizer().cut(zh)]
    if len(tags) == 1:
        if tags[0].startswith("nr") and (not gloss or _LIFESPAN.search(gloss)):
            return "person"
        if tags[0] == "ns":
            return "place"
        if tags[0] == "nt":
            return "org"
    return "person" if not gloss and is_person_name(zh) else "term"


def _best_english(z: str, row: Counter[str], cz: int, ce: Counter[str]) -> tuple[str, int, float] | None:
    """The English n-gram with the highest Dice; within 10% of it, one that shares a stem with the
    CC-CEDICT gloss wins, then the longer one (Prime Minister over Prime)."""
    scored = [(2 * k / (cz + ce[e]), e, k) for e, k in row.items() if k >= 2]
    if not scored:
        return None
    top = max(s for s, _, _ in scored)
    if top < 0.2:
        return None  # no consistent rendering: a word translated many ways, or not at all
    gloss = english_stems(cedict_gloss(z) or "")
    close = [(s, e, k) for s, e, k in scored if s >= 0.9 * top]

    def rank(item: tuple[float, str, int]) -> tuple[bool, int, float]:
        s, e, _ = item
        return (bool(gloss & english_stems(e)), len(e.split()), s)

    s, e, k = max(close, key=rank)
    return e, k, s


def _drop_nested(found: Sequence[Candidate]) -> list[Candidate]:
    """Leave out a candidate seen (nearly) only inside a longer one with the same English, and a
    run of words no more consistent than a word inside it with the same English (公安部 表示)."""
    by_en: dict[str, list[Candidate]] = defaultdict(list)
    for c in found:
        by_en[c.en.lower()].append(c)
    drop: set[str] = set()
    for group in by_en.values():
        for a in group:
            for b in group:
                if a is b or a.zh not in b.zh:
                    continue
                # a inside b, same English
                if b.count >= 0.8 * a.count:
                    drop.add(a.zh)
                elif b.dice <= a.dice:
                    drop.add(b.zh)
    return [c for c in found if c.zh not in drop]


MINE_COLUMNS = ("zh", "en", "kind", "note", "variants", "count", "score", "example")


def render_tsv(found: Sequence[Candidate]) -> str:
    """TSV that `zhen glossary import` reads (it takes zh, en, kind, note and ignores the rest)."""
    def cell(t: str) -> str:
        return " ".join(t.split())

    lines = ["\t".join(MINE_COLUMNS)]
    for c in found:
        example = f"{cell(c.example_zh)} = {cell(c.example_en)}"
        lines.append("\t".join([c.zh, c.en, c.kind, cell(c.note()), "", str(c.count), f"{c.dice:.3f}",
                                example[:300]]))
    return "\n".join(lines) + "\n"
