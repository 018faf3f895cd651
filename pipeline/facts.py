"""Stage: facts. Numbers, dates, percentages and amounts, extracted from the Chinese and the
English of a segment and checked against each other.

Chinese magnitudes have no English word (9.4万 is 94,000; 1.6亿 is 160 million), which is
where machine translation goes wrong; the checker compares values, so `94,000`,
`94 thousand` and `ninety-four thousand` all match 9.4万, and `9.4 million` is reported as
changed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from .errors import UsageError
from .normalize import CJK
from .records import Fact, FactCheck, PairCheck

# ---------------------------------------------------------------------------- records


# ---------------------------------------------------------------------------- Chinese numerals

_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def cn_to_number(s: str) -> float:
    """三十五点三 -> 35.3, 一千六百六十四 -> 1664, 两万一千 -> 21000, 1.6亿 -> 1.6e8, 9.4万 -> 94000."""
    s = s.replace(",", "").replace("，", "").replace("多", "").replace("余", "")
    if "点" in s:
        whole, rest = s.split("点", 1)
        digits = "".join(str(_CN_DIGIT[c]) for c in re.match(r"[零〇○一二三四五六七八九]*", rest).group())  # type: ignore[union-attr]
        value = cn_to_number(whole) + float("0." + (digits or "0"))
        for ch in rest[len(digits):]:
            value *= _CN_UNIT.get(ch) or _CN_BIG.get(ch) or 1
        return round(value, 6)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(.*)", s)
    if m:  # Arabic digits with Chinese magnitudes: 1.6亿, 3千, 2万亿
        value = float(m.group(1))
        for ch in m.group(2):
            value *= _CN_UNIT.get(ch) or _CN_BIG.get(ch) or 1
        return round(value, 6)  # 9.2亿 is 920000000, not 919999999.9999999
    if s and all(c in _CN_DIGIT for c in s) and len(s) > 1:
        if len(s) == 2 and not set(s) & set("零〇○"):
            return float(_CN_DIGIT[s[0]])  # 一两, 三四: "one or two", a range read at its low end
        return float("".join(str(_CN_DIGIT[c]) for c in s))  # 二〇一九 -> 2019
    total = 0.0
    section = 0.0
    digit = 0.0
    prev = ""
    for ch in s:
        if ch in _CN_DIGIT:
            # 六七十: "sixty or seventy", read at its low end; after 零 (一千零五) the digit is the figure's.
            if not (prev in _CN_DIGIT and prev not in "零〇○" and digit):
                digit = _CN_DIGIT[ch]
            prev = ch
            continue
        prev = ch
        if ch in _CN_UNIT:
            section += (digit or 1) * _CN_UNIT[ch]
            digit = 0
        elif ch in _CN_BIG:
            big = _CN_BIG[ch]
            if total == 0 and section + digit == 0:
                digit = 1  # 万亿元: one trillion
            if big == 10**8 or total == 0 or section + digit != 0:
                total = (total + section + digit) * big if big == 10**8 else total + (section + digit) * big
            else:  # 万亿: a trillion
                total *= big
            section = digit = 0
    return total + section + digit


# ---------------------------------------------------------------------------- Chinese extraction

_ARABIC = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"
_CNUM = r"[零〇○一二两兩三四五六七八九十拾百千万萬亿億]+(?:点[零〇一二三四五六七八九]+)?"
_MAG = r"(?:万亿|万|萬|亿|億|千|百)?"
_PRE = r"(?P<pre>近|超过|超|约合|约|逾|大约|将近|接近|不到|不足|达到|达)?"
_POST = r"(?P<post>余|多|来|以上|左右)?"
_CURRENCIES = {"亿元": ("yuan", 10**8), "万元": ("yuan", 10**4), "千元": ("yuan", 1000), "百元": ("yuan", 100),
               "元人民币": ("yuan", 1), "人民币": ("yuan", 1), "元钱": ("yuan", 1), "元": ("yuan", 1),
               "美元": ("USD", 1), "欧元": ("EUR", 1), "港元": ("HKD", 1), "港币": ("HKD", 1), "日元": ("JPY", 1),
               "英镑": ("GBP", 1), "韩元": ("KRW", 1), "澳元": ("AUD", 1), "加元": ("CAD", 1), "卢布": ("RUB", 1)}
_MEASURE = (
    "|".join(sorted(_CURRENCIES, key=len, reverse=True)) + "|"
    "万人次|人次|千米|千克|千瓦|平方米|平方公里|公里|公斤|起|名|人|个|次|条|家|处|件|户|辆|部|台|张|只|批|所|项|份|宗|笔|组|支|"
    "架|艘|吨|克|米|岁|倍|成|级|省|市|县|国|种|类|场|篇|期|轮|头|枚|座|套|道|位|页|届|亩|公顷|栋|间|颗|棵|匹|发|秒|"
    "周年|世纪|号"
)
_DURATION = (r"(?P<dur>周年|个多月|个月|多个月|多年|年来|年间|年多|年|天|日来|日元|日|个多小时|个小时|小时|分钟|"
             r"个多星期|个星期|周|星期)")

_DATE_FULL = re.compile(
    r"(?P<y>\d{4}|[二〇○零一三四五六七八九]{4})年(?:(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?:(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?)?(?!来|间|多|代)"
)
_DATE_MD = re.compile(
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?(?:(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?"
)
_DATE_D = re.compile(r"(?<![\d月近约超多余数个])(?P<d>\d{1,2})[日号](?!本|常|益|子|前|后|内|之内|以内|元)")
_DECADE = re.compile(r"(?P<n>\d{2}|\d{4})年代")
_MONTH_RANGE = re.compile(
    r"(?P<a>\d{1,2}|[一二三四五六七八九十]{1,3})(?:至|到|—|－|-|~|～|、|和|与)(?P<b>\d{1,2}|[一二三四五六七八九十]{1,3})月"
)
_PERCENT = re.compile(_PRE + r"(?P<n>" + _ARABIC + r"|" + _CNUM + r")\s*(?P<u>%|％|个百分点|百分点|成)" + _POST)
_PERCENT_WORD = re.compile(_PRE + r"百分之(?P<n>" + _CNUM + r"|" + _ARABIC + r")" + _POST)
_ORDINAL = re.compile(r"第(?P<n>\d+|[一二三四五六七八九十百千零〇]+)|(?P<p>[一二三四五六七八九十]+)中全会")
_LISTING = re.compile(r"(?:^|(?<=[。；;：:，,\s“]))(?P<n>[一二三四五六七八九十]{1,2})是")
_NUMBER = re.compile(
    _PRE + r"(?P<n>" + _ARABIC + r"|[零〇○一二两兩三四五六七八九十拾百千万萬亿億]+(?:点[零〇一二三四五六七八九]+)?)"
    r"(?P<mid>多|余)?(?P<mag>万亿|万|萬|亿|億|千(?![米克瓦])|百(?![分米]))?"
    r"(?P<post>余|多)?(?:" + _DURATION + r"|(?P<unit>" + _MEASURE + r"))?(?P<post2>余|多|以上|左右|来)?"
)
# Words that contain a numeral but state no figure.
_NOT_FIGURES = re.compile(
    r"十分|万一|千万|一些|一切|一直|一定|一样|一般|一致|一体|一起|一旦|一度|一线|一流|一同|一齐|一道|一律|一贯|一把手|"
    r"统一|唯一|之一|同一|单一|专一|万分|百分之百|三令五申|四面八方|五花八门|一大批|一大|一系列|一步|一手|一举|"
    r"一网打尽|一批|一方面|一带一路|一是|二是|三是|四是|五是|六是|七是|八是|九是|十是|数据|多措并举|一些|千方百计|"
    r"万众|亿万|千家万户|一再|一连|一向|一番|一时|一面|一点|两岸|两会|两地|一年来|下一步|进一步|一体化"
)


def _int(s: str) -> int:
    return int(s) if s.isdigit() else int(cn_to_number(s))


_SPACE_IN_FIGURE = re.compile(rf"(?<=[\d{CJK}%％])[ \u00a0\u3000]+(?=[\d{CJK}%％])")


def extract_zh(text: str) -> list[Fact]:
    """Every figure in a Chinese text (simplified or traditional), in order.

    Offsets point into `text`; spaces between digits and characters (`500 多万`, `9 月 1 日`,
    common in text from the web) are looked through. Extracted once per text: the facts stage
    and the risk check's figures view read the same segment's figures.
    """
    return list(_extract_zh_once(text))


@functools.lru_cache(maxsize=8192)
def _extract_zh_once(text: str) -> tuple[Fact, ...]:
    index = [i for i in range(len(text))]
    if _SPACE_IN_FIGURE.search(text):
        drop = {i for m in _SPACE_IN_FIGURE.finditer(text) for i in range(m.start(), m.end())}
        index = [i for i in range(len(text)) if i not in drop]
        squeezed = "".join(text[i] for i in index)
    else:
        squeezed = text
    index.append(len(text))
    out = []
    for f in _extract_zh(squeezed):
        s, e = index[f.start], index[f.end - 1] + 1
        out.append(replace(f, start=s, end=e, text=text[s:e]))
    return tuple(out)


def _claims(n: int) -> tuple[bytearray, Callable[[int, int], bool]]:
    """Characters already claimed by a fact, and take(s, e): claim a span if it is still free."""
    taken = bytearray(n)

    def take(s: int, e: int) -> bool:
        if any(taken[s:e]):
            return False
        taken[s:e] = b"\x01" * (e - s)
        return True

    return taken, take


def _extract_zh(text: str) -> list[Fact]:
    facts: list[Fact] = []
    taken, take = _claims(len(text))

    for m in _DECADE.finditer(text):
        if take(m.start(), m.end()):
            v = int(m.group("n"))
            facts.append(Fact("decade", float(v + 1900 if v < 100 else v), m.group(), m.start(), m.end()))
    for m in _MONTH_RANGE.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("date", None, m.group(), m.start(), m.end(), month=_int(m.group("a"))))
            facts.append(Fact("date", None, m.group(), m.start(), m.end(), month=_int(m.group("b"))))
    for rx in (_DATE_FULL, _DATE_MD):
        for m in rx.finditer(text):
            gd = m.groupdict()
            y = _int(gd["y"]) if gd.get("y") else None
            if y is not None and not 1900 <= y <= 2100:
                continue
            if rx is _DATE_MD and text[max(0, m.start() - 1) : m.start()] in ("个",):
                continue
            if take(m.start(), m.end()):
                facts.append(Fact("date", None, m.group(), m.start(), m.end(), year=y,
                                  month=_int(gd["m"]) if gd.get("m") else None,
                                  day=_int(gd["d"]) if gd.get("d") else None))
    for m in _DATE_D.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("date", None, m.group(), m.start(), m.end(), day=int(m.group("d"))))
    numeral = set(_CN_DIGIT) | set(_CN_UNIT) | set(_CN_BIG) | set("0123456789")
    for m in _NOT_FIGURES.finditer(text):
        if m.group() in ("一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"):
            continue
        if text[m.start() - 1 : m.start()] in numeral or text[m.end() : m.end() + 1] in numeral:
            continue  # 两万一千 holds 万一 but is a number
        take(m.start(), m.end())
    for m in _LISTING.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("ordinal", float(_int(m.group("n"))), m.group(), m.start(), m.end()))
    for m in _ORDINAL.finditer(text):
        if take(m.start(), m.end()):  # 第六: sixth; 四中全会: the Fourth Plenary Session
            facts.append(Fact("ordinal", float(_int(m.group("n") or m.group("p"))), m.group(), m.start(), m.end()))
    for rx in (_PERCENT_WORD, _PERCENT):
        for m in rx.finditer(text):
            gd = m.groupdict()
            if _glued_to_latin(text, m.start("n"), m.end("n")) or not take(m.start(), m.end()):
                continue
            value = cn_to_number(gd["n"])
            unit = gd.get("u") or "%"
            kind = "points" if "百分点" in unit else "percent"
            if unit == "成":
                value *= 10
            approx = _approx(gd.get("pre"), gd.get("post"))
            facts.append(Fact(kind, value, m.group(), m.start(), m.end(), unit="", approx=approx))
    for m in _NUMBER.finditer(text):
        f = _number_fact(text, m, taken)
        if f is not None and take(f.start, f.end):
            facts.append(f)
    facts.sort(key=lambda f: (f.start, f.month or 0))
    return facts


def _approx(*parts: str | None) -> str:
    """The approximation words around a figure; 达到 (reached) and 来 (since) make none."""
    return "".join(p for p in parts if p and p not in ("达到", "达", "来"))


def _number_fact(text: str, m: re.Match[str], taken: bytearray) -> Fact | None:
    """The fact for one _NUMBER match, or None where the numeral states no figure."""
    gd = m.groupdict()
    n = gd["n"]
    if _glued_to_latin(text, m.start("n"), m.end("n")) or any(taken[m.start("n") : m.end("n")]):
        return None
    before = text[m.start("n") - 1 : m.start("n")]
    is_cn = not n[0].isdigit()
    unit = gd.get("unit") or ""
    dur = gd.get("dur") or ""
    mag = gd.get("mag") or ""
    after = text[m.end() : m.end() + 2]
    if before in ("数", "几", "上", "双") or after[:1] == "几":
        return None  # 数十人, 上千, 十几次: "dozens", "thousands"; 双11 is a name
    if is_cn and not (unit or dur or mag):
        if after[:1] == "大" and len(n) >= 2:  # 十九大: the 19th Party Congress
            return Fact("ordinal", cn_to_number(n), text[m.start("n") : m.end() + 1], m.start("n"), m.end() + 1)
        return None  # a bare Chinese numeral is part of a word or a name (燕十三, 十堰)
    if is_cn and n in ("一", "壹") and not mag:
        return None  # 一个, 一份, 一天: English says "a", not "one"
    if is_cn and unit == "元" and not re.search(r"[十百千万亿]", n + mag):
        return None  # 三元锂电池: ternary, not three yuan
    s, e = m.start(), m.end()
    if any(taken[s:e]):  # the unit or a prefix belongs to a date already taken
        s, e = m.start("n"), m.end("mag") if mag else m.end("n")
        unit = dur = ""
        if any(taken[s:e]):
            return None
    value = cn_to_number(n + mag)
    approx = _approx(*(gd.get(k) for k in ("pre", "mid", "post", "post2")))
    if dur in ("周年", "日元"):  # 60周年: the 60th anniversary; 500万日元: yen, not days
        unit, dur = dur, ""
    if "多" in dur:
        approx = approx or "多"
    raw = text[s:e]
    if unit == "周年" or unit == "届" or (unit == "次" and re.match(r"(会议|全会|全体会议|大会)", after)):
        return Fact("ordinal", value, raw, s, e)  # 60周年: 60th anniversary; 十二届: 12th
    if unit == "世纪":
        return Fact("century", value, raw, s, e)
    if unit == "号" and value <= 31:  # 三号: the 3rd (a day); 钱潮七号: No. 7 (a name) - either reads as 3 or 7
        return Fact("date", None, raw, s, e, day=int(value))
    if dur:
        unit_d = {"天": "day", "日来": "day", "日": "day", "小时": "hour", "分钟": "minute", "周": "week",
                  "星期": "week"}.get(dur.replace("个", "").replace("多", "")) or ("month" if "月" in dur else "year")
        return Fact("duration", value, raw, s, e, unit=unit_d, approx=approx)
    if unit in _CURRENCIES:
        cur, times = _CURRENCIES[unit]
        return Fact("money", round(value * times, 6), raw, s, e, unit=cur, approx=approx)
    if unit == "倍":
        return Fact("number", value, raw, s, e, unit="times", approx=approx)
    if unit == "万人次":
        value *= 10**4
        unit = "人次"
    if not unit and not is_cn and not mag and 1900 <= value <= 2100 and n.isdigit():
        return Fact("date", None, raw, s, e, year=int(value))  # 2017 alone is a year
    return Fact("count" if unit else "number", value, raw, s, e, unit=unit, approx=approx)


def _glued_to_latin(text: str, s: int, e: int) -> bool:
    """Digits inside a Latin token (P2P, MH370, 5G, iPhone11) are names, not figures."""
    before = text[s - 1 : s]
    after = text[e : e + 1]
    return (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())


# ---------------------------------------------------------------------------- English extraction

_SMALL = {w: i for i, w in enumerate(
    (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SHORT_SCALES = {"k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_ORD_WORDS = {w: i + 1 for i, w in enumerate(
    (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split())}
_MONTHS = {m: i + 1 for i, m in enumerate(
    (
    "january february march april may june july august september october november december"
).split())}
_MONTH_ABBR = {m[:3]: i for m, i in _MONTHS.items()} | {"sept": 9}
_MONTH_RX = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
            r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_APPROX_EN = r"(?P<pre>more than|over|nearly|almost|about|around|approximately|roughly|some|up to|at least|" \
             r"less than|fewer than|under|close to|in excess of|upwards of|an estimated|just over|just under)?\s*"
_NUMBER_WORDS = "|".join(sorted([*_SMALL, *_TENS, *_SCALES], key=len, reverse=True))
_WORDNUM = r"(?:(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:and[\s-]+)?)?)+"
_EN_DATE_MDY = re.compile(
    r"\b(?P<mon>" + _MONTH_RX + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?\b")
_EN_DATE_DMY = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>" + _MONTH_RX + r")(?:,?\s+(?P<y>\d{4}))?\b"
)
_EN_DATE_MY = re.compile(r"\b(?P<mon>" + _MONTH_RX + r")(?:\s+(?:of\s+)?(?P<y>\d{4}))?\b")
_EN_ISO = re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b")
_EN_PERCENT = re.compile(_APPROX_EN + r"(?P<n>\d+(?:\.\d+)?|" + _WORDNUM + r")\s*(?:%|percent\b|per cent\b|pct\b)"
                         r"(?P<pts>\s*points?)?", re.I)
_MAY_BE_PERCENT = re.compile(r"%|percent|per cent|pct")
_EN_POINTS = re.compile(_APPROX_EN + r"(?P<n>\d+(?:\.\d+)?|" + _WORDNUM + r")\s*percentage points?\b", re.I)
_EN_ORDINAL = re.compile(r"\b(?:(?P<d>\d+)(?:st|nd|rd|th)|(?P<w>" + "|".join(_ORD_WORDS) + r"))\b", re.I)
_CURRENCY = r"(?P<cur>US\$|HK\$|A\$|C\$|\$|£|€|¥|￥|(?:RMB|CNY|USD|EUR|GBP|JPY|HKD|KRW|AUD|CAD|RUB|NZD|SGD|CHF)\s?)"
_CUR_UNIT = {"$": "USD", "US$": "USD", "USD": "USD", "£": "GBP", "GBP": "GBP", "€": "EUR", "EUR": "EUR",
             "¥": "yuan", "￥": "yuan", "RMB": "yuan", "CNY": "yuan", "JPY": "JPY", "HK$": "HKD", "HKD": "HKD",
             "KRW": "KRW", "A$": "AUD", "AUD": "AUD", "C$": "CAD", "CAD": "CAD", "RUB": "RUB"}
_EN_NUMBER = re.compile(
    _APPROX_EN + _CURRENCY + r"?(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|(?:an?\s+)?" + _WORDNUM + r")"
    r"(?:\s*(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|m|k|tn)\b)?"
    r"(?P<plus>\s*\+|\s+or more|\s+plus)?"
    r"(?:[\s-]*(?P<unit>yuan|RMB|renminbi|dollars?|US dollars|euros?|pounds?|years?|months?|days?|weeks?|hours?|"
    r"minutes?|decades?|centur(?:y|ies)|times|fold|cases?|people|persons?|suspects?|km|m2|m|kg|cm|mm|tonnes?|tons?)\b)?",
    re.I,
)
_EN_CENTURY = re.compile(r"\b(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-]+century\b", re.I)


def words_to_number(s: str) -> float | None:
    """twenty-one thousand -> 21000, one hundred and five -> 105, None if not a number."""
    total = 0.0
    current = 0.0
    seen = False
    for w in re.split(r"[\s-]+", s.lower().strip()):
        if not w or w == "and":
            continue
        if w in ("a", "an"):
            current = current or 1
            continue
        if w in _SMALL:
            current += _SMALL[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


_EN_DECADE = re.compile(r"\b(?:(?P<c>19|20)?(?P<d>\d0)'?s|(?P<w>twenties|thirties|forties|fifties|sixties|seventies|"
                        r"eighties|nineties))\b", re.I)
_DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
                 "eighties": 80, "nineties": 90}
_EN_TWO = re.compile(r"\b(both|pair|couple|twice|double|doubled|twofold)\b", re.I)


def extract_en(text: str) -> list[Fact]:
    """Every figure in an English text, in order (extracted once per text, as extract_zh)."""
    return list(_extract_en_once(text))


@functools.lru_cache(maxsize=8192)
def _extract_en_once(text: str) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    taken, take = _claims(len(text))

    for m in _EN_CENTURY.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("century", float(m.group("n")), m.group(), m.start(), m.end()))
    for m in _EN_DECADE.finditer(text):
        if take(m.start(), m.end()):
            d = _DECADE_WORDS[m.group("w").lower()] if m.group("w") else int(m.group("d"))
            century = int(m.group("c")) * 100 if m.group("c") else 1900
            facts.append(Fact("decade", float(century + d), m.group(), m.start(), m.end()))

    for m in _EN_ISO.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("date", None, m.group(), m.start(), m.end(), year=int(m.group("y")),
                              month=int(m.group("m")), day=int(m.group("d"))))
    for rx in (_EN_DATE_MDY, _EN_DATE_DMY, _EN_DATE_MY):
        for m in rx.finditer(text):
            mon = m.group("mon").rstrip(".").lower()
            month = _MONTHS.get(mon) or _MONTH_ABBR.get(mon[:4] if mon.startswith("sept") else mon[:3])
            if mon == "may" and rx is _EN_DATE_MY and not m.group("y") and not re.search(
                    r"\b(in|since|until|till|by|from|early|late|mid|of|on|last|next|this|through|to)\s+$",
                    text[max(0, m.start() - 8) : m.start()], re.I):
                continue  # the verb
            gd = m.groupdict()
            day = int(gd["d"]) if gd.get("d") else None
            if day is not None and not 1 <= day <= 31:
                continue
            if take(m.start(), m.end()):
                facts.append(Fact("date", None, m.group(), m.start(), m.end(),
                                  year=int(gd["y"]) if gd.get("y") else None, month=month, day=day))
    lower = text.lower()
    for rx, kind in ((_EN_POINTS, "points"), (_EN_PERCENT, "percent")):
        # Both patterns try every number word at every position: skip text that cannot match.
        if not ("percentage point" in lower if rx is _EN_POINTS else _MAY_BE_PERCENT.search(lower)):
            continue
        for m in rx.finditer(text):
            n = m.group("n").strip()
            v = float(n) if n[0].isdigit() else words_to_number(n)
            if v is None or not take(m.start("n"), m.end()):
                continue
            k = "points" if kind == "points" or m.groupdict().get("pts") else "percent"
            facts.append(Fact(k, v, m.group().strip(), m.start("n"), m.end(), approx=(m.group("pre") or "").lower()))
    for m in _EN_ORDINAL.finditer(text):
        if any(taken[m.start() : m.end()]):
            continue
        v = int(m.group("d")) if m.group("d") else _ORD_WORDS[m.group("w").lower()]
        take(m.start(), m.end())
        # "the 18th" of a month and "18th" as an ordinal are both possible: a date fact can match either.
        facts.append(Fact("ordinal", float(v), m.group(), m.start(), m.end(), day=v if v <= 31 else None))
    for m in _EN_NUMBER.finditer(text):
        n = m.group("n")
        if not n or not n.strip():
            continue
        s_n, e_n = (m.start("cur"), m.end("n")) if m.group("cur") else (m.start("n"), m.end("n"))
        # trailing spaces/hyphens captured by the word pattern are not part of the number
        n_clean = n.rstrip(" -")
        e_n = m.start("n") + len(n_clean)
        if any(taken[s_n:e_n]) or _en_glued(text, s_n, e_n):
            continue
        if n_clean[0].isdigit():
            value = float(n_clean.replace(",", ""))
            weak = False
        else:
            wv = words_to_number(n_clean)
            if wv is None:
                continue
            value = wv
            weak = value <= 10 and not m.group("scale")
        scale = (m.group("scale") or "").lower()
        cur = (m.group("cur") or "").strip().upper()
        unit_word = m.group("unit") or ""
        if scale in ("m", "k", "b") and not cur:
            unit_word, scale = unit_word or scale, ""  # 5,000m is metres; £5m is millions
        value *= _SCALES.get(scale) or _SHORT_SCALES.get(scale) or 1
        end = m.end() if (m.group("scale") or m.group("unit")) else e_n
        if not take(s_n, end):
            continue
        unit = unit_word.lower()
        approx = (m.group("pre") or "").lower() + ("+" if m.group("plus") else "")
        if unit.startswith("decade"):
            value, unit = value * 10, "year"
        elif unit.startswith("centur"):
            value, unit = value * 100, "year"
        if unit.rstrip("s") in ("year", "month", "day", "week", "hour", "minute"):
            facts.append(Fact("duration", value, text[s_n:end], s_n, end, unit=unit.rstrip("s"), approx=approx,
                              weak=weak))
            continue
        if unit in ("yuan", "rmb", "renminbi") or cur:
            cur_unit = "yuan" if unit in ("yuan", "rmb", "renminbi") else _CUR_UNIT.get(cur, cur)
            facts.append(Fact("money", value, text[s_n:end], s_n, end, unit=cur_unit, approx=approx))
            continue
        if unit.startswith(("dollar", "us dollar")):
            facts.append(Fact("money", value, text[s_n:end], s_n, end, unit="USD", approx=approx))
            continue
        if n_clean.isdigit() and len(n_clean) == 4 and 1900 <= value <= 2100 and not scale:
            facts.append(Fact("date", None, n_clean, s_n, e_n, year=int(value)))
            continue
        facts.append(Fact("number", value, text[s_n:end], s_n, end, unit=unit, approx=approx, weak=weak))
    for m in _EN_TWO.finditer(text):
        if take(m.start(), m.end()):  # 两国 -> "both countries", 两倍 -> "twice"
            facts.append(Fact("number", 2.0, m.group(), m.start(), m.end(), weak=True))
    facts.sort(key=lambda f: f.start)
    return tuple(facts)


def _en_glued(text: str, s: int, e: int) -> bool:
    """Digits inside a name (MH370, G20, 5G) are not figures; RMB300 and 10km are."""
    before = text[s - 1 : s]
    after = text[e : e + 1]
    unit_after = re.match(r"(st|nd|rd|th|s|k|m|bn|mn|km|kg|cm|mm|m2|tn)\b", text[e : e + 3])
    return (before.isalpha() and before.isascii()) or (after.isalpha() and after.isascii() and not unit_after)


# ---------------------------------------------------------------------------- checking

_NUMERIC = {"count", "money", "number", "duration"}


def values_close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    if a == b:
        return True
    # Rounding in translation: 47.43亿 -> 4.74 billion.
    return abs(a - b) <= 0.005 * max(abs(a), abs(b))


def _date_match(zh: Fact, en: Fact) -> bool:
    day_only = zh.year is None and zh.month is None and zh.day is not None
    if en.kind == "ordinal":  # 18日 -> "the 18th"
        return day_only and en.day == zh.day
    if en.kind == "number" and day_only:  # 七号 in an operation's name -> "No. 7"
        return en.value == zh.day
    if en.kind == "number":  # a bare year
        return zh.month is None and zh.day is None and en.value == zh.year
    if en.kind != "date":
        return False
    for field in ("year", "month", "day"):
        want = getattr(zh, field)
        have = getattr(en, field)
        if want is not None and have is not None and want != have:
            return False
        if want is not None and have is None and field != "year":
            return False
    if zh.year is not None and en.year is None and zh.month is None:
        return False
    return any(getattr(en, f) is not None for f in ("year", "month", "day"))


def facts_match(zh: Fact, en: Fact) -> bool:
    if zh.kind == "date":
        return _date_match(zh, en)
    if zh.kind == "percent":
        return en.kind in ("percent",) and values_close(zh.value, en.value)
    if zh.kind == "points":
        return en.kind in ("points", "percent") and values_close(zh.value, en.value)
    if zh.kind == "decade":
        return en.kind == "decade" and zh.value == en.value
    if zh.kind == "ordinal":
        return (en.kind == "ordinal" and zh.value == en.value) or (
            en.kind == "number" and zh.value == en.value)
    if zh.kind == "century":
        return (en.kind == "century" and zh.value == en.value) or (
            en.kind == "decade" and en.value is not None and zh.value == en.value // 100 + 1)
    if zh.kind in _NUMERIC:
        if en.kind == "date" and en.month is None and en.day is None:  # 2008名 -> "2008 people"
            return zh.value == en.year
        if en.kind == "ordinal":  # 十九大 -> the 19th Congress
            return zh.kind == "number" and zh.value == en.value
        if en.kind not in _NUMERIC:
            return False
        if zh.kind == "duration" and en.kind == "duration" and zh.unit != en.unit:
            return False
        return values_close(zh.value, en.value)
    return False


def _comparable(zh: Fact, en: Fact) -> bool:
    """Same sort of figure, so a different value is a change rather than something else."""
    if zh.kind in _NUMERIC:
        return en.kind in _NUMERIC and not en.weak
    if zh.kind in ("percent", "points"):
        return en.kind in ("percent", "points")
    return zh.kind == en.kind


def check_pair(zh: str, en: str) -> PairCheck:
    """Pair the figures of a Chinese text with those of its English."""
    return pair_facts(extract_zh(zh), extract_en(en))


def pair_facts(src: Sequence[Fact], tgt: Sequence[Fact]) -> PairCheck:
    """check_pair on figures already extracted (the risk checks extract once and reuse them)."""
    used: set[int] = set()
    checks: list[FactCheck | None] = [None] * len(src)
    # Exact kinds first, so that a year never steals a count's match.
    for i, f in enumerate(src):
        for j, g in enumerate(tgt):
            if j not in used and facts_match(f, g):
                used.add(j)
                checks[i] = FactCheck("matched", f, g)
                break
    for i, f in enumerate(src):
        if checks[i] is not None:
            continue
        cand = [j for j, g in enumerate(tgt) if j not in used and _comparable(f, g)]
        if len(cand) >= 1:
            j = cand[0]
            used.add(j)
            checks[i] = FactCheck("changed", f, tgt[j])
        else:
            checks[i] = FactCheck("missing", f)
    extra = tuple(g for j, g in enumerate(tgt) if j not in used)
    return PairCheck(tuple(c for c in checks if c is not None), extra)


def unsupported(en: str, zh_source: str) -> list[Fact]:
    """English figures with no counterpart anywhere in the Chinese source (for summaries)."""
    src = extract_zh(zh_source)
    out = []
    for g in extract_en(en):
        if g.weak:
            continue
        if not any(facts_match(f, g) for f in src):
            out.append(g)
    return out


# ---------------------------------------------------------------------------- rendering and fixing


def english_number(value: float) -> str:
    """94000 -> 94,000; 160000000 -> 160 million; 1.6e9 -> 1.6 billion; 30.3 -> 30.3."""
    for scale, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if abs(value) >= scale:
            v = value / scale
            if round(v, 2) == v:
                return f"{v:g} {word}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


_EN_FIGURE = re.compile(
    r"^(?P<num>\d[\d,]*(?:\.\d+)?|[A-Za-z][A-Za-z\s-]*?)"
    r"(?P<scale>\s*(?:thousand|million|billion|trillion|bn|mn|m|k|tn)\b)?(?P<rest>.*)$",
    re.I | re.S,
)


def fix_english(en: str, pair: PairCheck) -> tuple[str, PairCheck]:
    """Rewrite a changed number to the source's value, where the correction is unambiguous.

    Unambiguous: exactly one changed fact, a plain figure (count, amount, percentage; not a
    date or an ordinal), whose English text occurs once; the fix must then make the pair ok.
    """
    changed = [c for c in pair.checks if c.status == "changed"]
    if len(changed) != 1 or changed[0].target is None or changed[0].source.value is None:
        return en, pair
    c = changed[0]
    tgt = c.target
    assert tgt is not None
    if c.source.kind not in (_NUMERIC | {"percent", "points"}) or en.count(tgt.text) != 1:
        return en, pair
    m = _EN_FIGURE.match(en[tgt.start : tgt.end])
    if m is None:
        return en, pair
    value = c.source.value
    assert value is not None
    new_text = (f"{value:g}" if c.source.kind in ("percent", "points") else english_number(value)) + m.group("rest")
    fixed_en = en[: tgt.start] + new_text + en[tgt.end :]
    recheck = check_pair_facts(pair, fixed_en)
    if not recheck.ok:
        return en, pair
    marked = tuple(replace(x, fixed=True) if x.source == c.source else x for x in recheck.checks)
    return fixed_en, PairCheck(marked, recheck.extra)


def check_pair_facts(pair: PairCheck, en: str) -> PairCheck:
    """Re-check a pair's source facts against new English (the Chinese is unchanged)."""
    tgt = extract_en(en)
    used: set[int] = set()
    checks = []
    for c in pair.checks:
        f = c.source
        j = next((j for j, g in enumerate(tgt) if j not in used and facts_match(f, g)), None)
        if j is None:
            checks.append(FactCheck("missing", f))
        else:
            used.add(j)
            checks.append(FactCheck("matched", f, tgt[j]))
    return PairCheck(tuple(checks), tuple(g for j, g in enumerate(tgt) if j not in used))


FACT_MODES = ("off", "check", "fix")


def summarize_checks(checks: Sequence[PairCheck]) -> dict[str, int]:
    out = {"facts": 0, "matched": 0, "changed": 0, "missing": 0, "fixed": 0}
    for p in checks:
        for c in p.checks:
            out["facts"] += 1
            out[c.status] += 1
            out["fixed"] += int(c.fixed)
    return out


def check_mode(mode: str) -> str:
    if mode not in FACT_MODES:
        raise UsageError(f"unknown facts mode {mode!r}; choose one of: {', '.join(FACT_MODES)}")
    return mode


def describe(check: FactCheck) -> str:
    """One reader-facing line: what to look at in the English."""
    zh = check.source.text
    want = _expected(check.source)
    if check.status == "changed" and check.target is not None:
        return f"{zh} is {want}; the English says “{check.target.text}”"
    if check.status == "missing":
        return f"{zh} ({want}) is missing from the English"
    return f"{zh} matched “{check.target.text if check.target else ''}”"


def _expected(f: Fact) -> str:
    if f.kind == "date":
        months = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
        parts = [months[f.month] if f.month else "", str(f.day) if f.day else "", str(f.year) if f.year else ""]
        return " ".join(p for p in parts if p) or f.text
    if f.value is None:
        return f.text
    if f.kind == "percent":
        return f"{f.value:g}%"
    if f.kind == "points":
        return f"{f.value:g} percentage points"
    if f.kind == "ordinal":
        n = int(f.value)
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    text = english_number(f.value)
    if f.kind == "money":
        text += " yuan" if f.unit == "yuan" else f" {f.unit}"
    elif f.kind == "duration":
        text += f" {f.unit}s" if f.value != 1 else f" {f.unit}"
    approx = {"余": "more than ", "多": "more than ", "超": "more than ", "超过": "more than ", "逾": "more than ",
              "近": "nearly ", "约": "about ", "大约": "about "}.get(f.approx, "")
    return approx + text
