"""Check: figures. The facts check (pipeline.facts) plus `fact-extra`, an English figure with no
counterpart anywhere in the source.

A human translation restates figures freely (`24-year-old` for 24岁, `a decade` for 十年, a
year added to a bare 12月, 第二天 as "the next day"), so this view is more tolerant than
`zhen facts check` in two places, and only where a planted change is still caught by the
other side: a small Chinese-numeral figure (两国, 第二) that is merely missing is not flagged,
because a wrong English figure in its place is caught as extra; and an English figure is
"supported" when its value occurs anywhere in the source, in any form.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace

from ..facts import (
    cn_to_number,
    describe,
    extract_en,
    extract_zh,
    facts_match,
    fix_english,
    pair_facts,
    values_close,
    words_to_number,
)
from ..records import Fact, FactCheck, Flag, PairCheck, Segment

# Runs of numerals in the Chinese, whatever the extractor made of them (八一大楼, Note7, 六七十年代).
_ZH_NUM_RUN = re.compile(r"\d+(?:[.,]\d+)*|[零〇○一二两三四五六七八九十百千万亿]+")
_ZH_DIGITS = re.compile(r"\d+")
# Relative years: an English year may be added for them (今年 -> "this year, 2017").
_ZH_YEAR_WORDS = re.compile(
    r"今年|去年|明年|前年|后年|上年|本年|当年|同年|年初|年底|年末|年内|年度|本届|今后|近年|此前")
# ... and the English that renders one ("this year"): a year is added in place of 今年, not beside it.
_EN_YEAR_WORDS = re.compile(
    r"\b(?:this|last|next|that|the same|the previous|the following|the current)\s+year\b|\byear-end\b"
    r"|\bend of the year\b|\b(?:in )?(?:the )?future\b|\brecent years\b|\bpreviously\b|\bfrom now on\b", re.I)
_EN_FIRST_MONTHS = re.compile(r"\bfirst\s+(\w+)\s+months\b", re.I)
_ZH_RANGE = re.compile(r"([一二三四五六七八九])([一二三四五六七八九])([十百千万])")
_ZH_UNIT_VALUE = {"十": 10.0, "百": 100.0, "千": 1000.0, "万": 10000.0}
_ZH_CENTURY = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*世纪")
_ZH_SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*年(?!代)")
_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
# A scale word alone ("millions of", "tens of millions") states no figure.
_BARE_SCALE = re.compile(r"^(?:tens of |hundreds of )?(?:hundreds?|thousands?|millions?|billions?)$", re.I)
_SPELLED_ORDINALS = re.compile(
    r"^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$", re.I)
_HAS_ARABIC = re.compile(r"\d")
_EN_DIGITS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?")


def source_values(zh: str, facts: list[Fact]) -> set[float]:
    """Every number the Chinese states or implies, in any form, for supporting English figures."""
    values: set[float] = set()
    for f in facts:
        for v in (f.value, f.year, f.month, f.day):
            if v is not None:
                values.add(float(v))
        if f.kind == "duration" and f.unit == "year" and f.value is not None:  # 两年 -> "24 months"
            values.add(f.value * 12)
    for m in _ZH_NUM_RUN.finditer(zh):
        run = m.group()
        with contextlib.suppress(KeyError, ValueError, AttributeError):
            values.add(float(cn_to_number(run)))
        if not run[0].isdigit():  # 六七十年代: each digit on its own too
            values.update(float(cn_to_number(c)) for c in run if c in "一二两三四五六七八九")
    for m in _ZH_RANGE.finditer(zh):  # 五六十年 -> "50 to 60 years", 三四百人 -> "300 or 400 people"
        unit = _ZH_UNIT_VALUE[m.group(3)]
        values.update({cn_to_number(m.group(1)) * unit, cn_to_number(m.group(2)) * unit})
    for m in _ZH_CENTURY.finditer(zh):  # 18世纪 -> "the 1700s"
        with contextlib.suppress(KeyError, ValueError, AttributeError):
            values.add((cn_to_number(m.group(1)) - 1) * 100)
    values.update(float(_ROMAN.index(c) + 1) for c in zh if c in _ROMAN)  # Ⅱ型 -> "Type 2"
    for m in _ZH_SHORT_YEAR.finditer(zh):  # 97年 -> 1997, 08年 -> 2008
        v = int(m.group(1))
        values.add(float(1900 + v if v >= 30 else 2000 + v))
    return values


def _year_word_left(zh: str, en: str) -> bool:
    """A relative year of the Chinese (今年, 去年) that the English does not say in words, so a
    year it names may stand for it."""
    return len(_ZH_YEAR_WORDS.findall(zh)) > len(_EN_YEAR_WORDS.findall(en))


def _supported(g: Fact, zh: str, en: str, values: set[float], digits: str) -> bool:
    if g.weak or _SPELLED_ORDINALS.match(g.text.strip()) or _BARE_SCALE.match(g.text.strip()):
        return True  # "one of the", "first": not a claim about a figure
    if g.kind == "date":
        if g.year is not None and g.month is None and g.day is None:
            return float(g.year) in values or _year_word_left(zh, en)
        parts = [(g.year, "y"), (g.month, "m"), (g.day, "d")]
        for v, which in parts:
            if v is None:
                continue
            if which == "y" and (_ZH_YEAR_WORDS.search(zh) or any(f_ in zh for f_ in ("月", "日"))):
                continue  # a year added to a bare 12月
            if which == "m" and g.day is not None and float(g.day) in values and re.search(r"[日号號]", zh):
                continue  # a month added to a bare 31号 ("October 31")
            if float(v) not in values:
                return False
        return True
    if g.kind == "decade":
        return "年代" in zh or "世纪" in zh or (g.value is not None and g.value in values)
    if g.kind == "century":
        return "世纪" in zh or (g.value is not None and g.value in values)
    if g.value is None:
        return True
    text_digits = re.sub(r"\D", "", g.text)
    if len(text_digits) >= 5 and text_digits in digits:
        return True  # a phone number, a case number, a code: kept as a string
    if any(values_close(g.value, v) for v in values):
        return True
    # 十年 -> "a decade", 百年 -> "a century"
    round_years = g.kind == "duration" and g.unit == "year" and g.value in (10.0, 100.0)
    return round_years and any(w in zh for w in ("十年", "百年", "世纪"))


def extra_figures(zh: str, en: str, facts_zh: list[Fact] | None = None,
                  facts_en: list[Fact] | None = None) -> list[Fact]:
    """English figures with no counterpart in the Chinese, allowing for how people translate."""
    src = facts_zh if facts_zh is not None else extract_zh(zh)
    values = source_values(zh, src)
    digits = "|".join(_ZH_DIGITS.findall(zh.replace(" ", "").replace("-", "")))
    found = facts_en if facts_en is not None else extract_en(en)
    return [g for g in found if not _supported(g, zh, en, values, digits)]


_EN_ROUND = {10.0: re.compile(r"\bdecades?\b", re.I), 100.0: re.compile(r"\bcentur(y|ies)\b", re.I),
             1000.0: re.compile(r"\bmillenni(um|a)\b|\bthousands?\b", re.I),
             10000.0: re.compile(r"\bten thousand\b|\btens of thousands\b", re.I)}


def _tolerated_missing(c: FactCheck, en: str, en_facts: list[Fact], en_numbers: set[float]) -> bool:
    """A source figure the English states another way, or may leave implicit.

    - stated once in the English though the Chinese repeats it (2008年 ... 自2008年以来);
    - written in a form the extractor does not pair (15% in "15-30%");
    - 一 (a, an, single) and round durations (十年 -> "a decade", 百年 -> "a century");
    - a small figure in Chinese numerals (两国 -> "bilateral", 第二天 -> "the next day").
    A wrong English figure put in the place of any of these is still caught as fact-extra.
    """

    s = c.source
    if any(facts_match(s, g) for g in en_facts):
        return True
    if s.kind != "date" and s.value is not None and (s.value in en_numbers or s.value == 1):
        return True
    if s.value in _EN_ROUND and _EN_ROUND[s.value].search(en):
        return True
    if s.kind == "date" and s.month is not None and s.day is None and s.year is None:
        # 1-9月 -> "the first nine months"; 农历九月 -> "the ninth month"

        first = _EN_FIRST_MONTHS.search(en)
        if first and re.search(r"\d\s*(?:-|至|到|—|－|~|～)", s.text):
            n = first.group(1)
            if (float(n) if n.isdigit() else words_to_number(n)) is not None:
                return True
        if any(g.kind == "ordinal" and g.value == s.month and re.match(r"\s+(?:lunar\s+)?month", en[g.end :])
               for g in en_facts):
            return True
    if _ZH_SHORT_YEAR.fullmatch(s.text.strip()) and s.value is not None:
        year = 1900.0 + s.value if s.value >= 30 else 2000.0 + s.value
        if year in en_numbers:
            return True  # 97年 is the year 1997 (the extractor reads it as 97 years)
    if "世纪" in s.text and s.value is not None and (s.value - 1) * 100 in en_numbers:
        return True  # 18世纪 -> "the 1700s"
    if _HAS_ARABIC.search(s.text):
        return False
    if s.kind == "date":
        return False
    if s.kind == "duration":
        return s.value is not None and (s.value <= 10 or s.value in (100.0,))
    return s.value is not None and s.value <= 10


# The unit a Chinese figure's English must keep: 71岁 is "71-year-old", never "71-month-old".
_ZH_UNIT_EN = {"岁": "year", "year": "year", "month": "month", "day": "day", "week": "week", "hour": "hour",
               "minute": "minute"}
_EN_TIME_UNITS = set(_ZH_UNIT_EN.values())


def _unit_changed(c: FactCheck) -> bool:
    """A matched value whose unit differs (days -> months, 元 -> dollars): the facts check pairs
    values; a reviewer needs the unit too."""
    s, t = c.source, c.target
    if t is None:
        return False
    want = _ZH_UNIT_EN.get(s.unit) if s.kind in ("duration", "count") else None
    if want and t.kind == "duration" and t.unit in _EN_TIME_UNITS and t.unit != want:
        return True
    return s.kind == "money" and t.kind == "money" and bool(s.unit) and bool(t.unit) and s.unit != t.unit


def _same_value_other_unit(c: FactCheck, extra: tuple[Fact, ...]) -> Fact | None:
    """An unmatched English figure with the source's value: the source's unit was changed."""
    s = c.source
    if s.value is None or s.kind == "date":
        return None
    # A spelled-out small figure is weak evidence, except a duration in place of a duration:
    # 两年 -> "two months" is a changed unit, not a paraphrase.
    return next((g for g in extra if g.value is not None and values_close(g.value, s.value)
                 and g.kind in ("duration", "money", "count", "number")
                 and (not g.weak or (g.kind == "duration" == s.kind and g.unit != s.unit))), None)


_EN_PERCENT_WORDS = re.compile(r"\s*(?:percentage\s+)?points?\b|\s*per\s*cent\b|\s*percent\b", re.I)


def _tolerated_change(c: FactCheck, en: str) -> bool:
    """Pairings the facts check calls changes that a reviewer would not:
    - a percentage as points (42% -> "won by 42 points"): the same value, said another way;
    - a small ordinal paired with another spelled-out one (第二 with "first" when the English
      counts differently, "the former"): a wrong digit ordinal is still caught as fact-extra.
    """
    s, t = c.source, c.target
    if t is None or s.value is None:
        return False
    if s.kind in ("percent", "points") and values_close(s.value, t.value) and _EN_PERCENT_WORDS.match(en[t.end :]):
        return True
    return s.kind == "ordinal" and s.value <= 10 and bool(_SPELLED_ORDINALS.match(t.text.strip()))


def verdict(zh: str, en: str) -> PairCheck:
    """The one figures verdict of a pair, which every output reads: each source figure matched,
    changed or missing, after the tolerances above (a tolerated pairing counts as matched: a
    reviewer has nothing to do there), and as `extra` the English figures with no counterpart in
    the Chinese, less those already paired with a source figure as its changed rendering (269 ->
    296 is one error, not a changed figure plus an invented one)."""
    src, en_facts = extract_zh(zh), extract_en(en)  # extracting the English is the slow part: once
    pc = pair_facts(src, en_facts)
    for i, c in enumerate(pc.checks):
        if c.status == "matched" and _unit_changed(c):
            pc = replace(pc, checks=(*pc.checks[:i], replace(c, status="changed"), *pc.checks[i + 1 :]))
        elif c.status == "missing":
            g = _same_value_other_unit(c, pc.extra)
            if g is not None:
                pc = replace(pc, checks=(*pc.checks[:i], FactCheck("changed", c.source, g), *pc.checks[i + 1 :]))
    en_numbers = {float(n.replace(",", "")) for n in _EN_DIGITS.findall(en)}
    checks: list[FactCheck] = []
    for c in pc.checks:
        tolerated = (c.status == "missing" and _tolerated_missing(c, en, en_facts, en_numbers)) or (
            c.status == "changed" and _tolerated_change(c, en))
        checks.append(replace(c, status="matched") if tolerated else c)
    paired = {(c.target.start, c.target.end) for c in checks if c.status == "changed" and c.target is not None}
    extra = tuple(g for g in extra_figures(zh, en, src, en_facts) if (g.start, g.end) not in paired)
    return PairCheck(tuple(checks), extra)


def flags_of(pair: PairCheck) -> list[Flag]:
    """The risk flags of a verdict: a changed figure is bad, a missing or invented one a doubt."""
    flags: list[Flag] = []
    for c in pair.checks:
        if c.status == "matched":
            continue
        zs = ((c.source.start, c.source.end),)
        es = ((c.target.start, c.target.end),) if c.target is not None else ()
        kind = "fact-changed" if c.status == "changed" else "fact-missing"
        flags.append(Flag(kind, zs, es, describe(c), "bad" if kind == "fact-changed" else "check"))
    for g in pair.extra:
        flags.append(Flag("fact-extra", (), ((g.start, g.end),),
                          f"“{g.text}” has no counterpart in the Chinese", "check"))
    return flags


def check(zh: str, en: str) -> list[Flag]:
    return flags_of(verdict(zh, en))


def is_figure_flag(kind: str) -> bool:
    return kind.startswith("fact-")


def check_segment(seg: Segment, mode: str = "check") -> Segment:
    """The facts stage: a translated segment's figures verdict, kept once on the segment (its
    `facts`, and its figure flags among its `checks`, which the risk stage takes as they are);
    in fix mode a changed figure is mended first, where the correction is unambiguous. With
    mode "off" the segment carries no figure verdict at all."""
    kept = tuple(c for c in seg.checks if not is_figure_flag(c.kind))
    flags = tuple(f for f in seg.flags if f != "fact-fixed")
    if mode == "off" or not seg.target:
        return replace(seg, facts=(), checks=kept, flags=flags)
    pair = verdict(seg.norm, seg.target)
    target = seg.target
    if mode == "fix" and not pair.ok:
        mended, fixed = fix_english(target, pair)
        if mended != target:
            target = mended
            was_fixed = {c.source for c in fixed.checks if c.fixed}
            pair = verdict(seg.norm, target)
            pair = replace(pair, checks=tuple(replace(c, fixed=c.source in was_fixed) for c in pair.checks))
    if any(c.fixed for c in pair.checks):
        flags = (*flags, "fact-fixed")
    return replace(seg, target=target, facts=pair.checks, flags=flags, checks=(*kept, *flags_of(pair)))
