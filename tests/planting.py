"""Plant the errors issue 17 names into human translations, to measure what the checks catch.

Each planter takes (zh, en, rng) and returns the damaged English, or None when the pair offers
nothing to damage that way (no figure, no name in the English). Everything is seeded.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from pipeline.checks.names import person_names, present, romanized
from pipeline.facts import check_pair, extract_en, extract_zh

Planter = Callable[[str, str, random.Random], "str | None"]

_SCALE_SWAP = {"thousand": "million", "million": "billion", "billion": "million", "trillion": "billion"}
_UNIT_SWAP = {"day": "month", "days": "months", "month": "year", "months": "years", "year": "month",
              "years": "months", "week": "month", "weeks": "months", "hour": "day", "hours": "days",
              "yuan": "dollars", "percent": "per mille", "%": " per mille"}
_NUM = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def figure(zh: str, en: str, rng: random.Random) -> str | None:
    """Change a figure the English got right: ×10, or its unit (million -> billion, days -> months)."""
    pc = check_pair(zh, en)
    matched = [c.target for c in pc.checks if c.status == "matched" and c.target is not None]
    if not matched:
        return None
    t = rng.choice(matched)
    text = en[t.start : t.end]
    if rng.random() < 0.5:
        for word, other in list(_SCALE_SWAP.items()) + list(_UNIT_SWAP.items()):
            m = re.search(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", text, re.I)
            if m:
                return en[: t.start] + text[: m.start()] + other + text[m.end() :] + en[t.end :]
            tail = re.match(r"\s*" + re.escape(word) + r"(?![A-Za-z])", en[t.end :], re.I)
            if tail and word not in ("%",):
                return en[: t.end] + " " + other + en[t.end + tail.end() :]
    m = _NUM.search(text)
    if m:
        n = m.group()
        times = n.replace(",", "")
        new = f"{float(times) * 10:g}" if "." in times else f"{int(times) * 10:,}" if "," in n else str(int(times) * 10)
        return en[: t.start] + text[: m.start()] + new + text[m.end() :] + en[t.end :]
    if t.value is not None and t.kind != "date":  # a spelled-out figure: write the tenfold in digits
        return en[: t.start] + f"{t.value * 10:g}" + en[t.end :]
    return None


_ADDED = ("including {n} suspects", "in {y}", "worth {n} million yuan", "up {p}%", "{n} people were detained",
          "over {n} days", "on {month} {d}")
_MONTHS = ("January", "March", "April", "June", "July", "October", "November")


def add_figure(zh: str, en: str, rng: random.Random) -> str | None:
    """Insert a clause with a figure the source does not have."""
    have = {f.value for f in extract_zh(zh)} | {float(x) for x in re.findall(r"\d+", zh)}
    n = rng.choice([v for v in range(13, 990) if float(v) not in have])
    y = rng.choice([v for v in range(1990, 2030) if float(v) not in have])
    d = rng.choice([v for v in range(11, 29) if float(v) not in have])
    clause = rng.choice(_ADDED).format(n=n, y=y, p=rng.choice([v for v in range(11, 90) if float(v) not in have]),
                                       month=rng.choice(_MONTHS), d=d)
    words = en.split(" ")
    at = rng.randrange(1, len(words) + 1) if len(words) > 1 else 1
    if at >= len(words):
        return en.rstrip(".") + ", " + clause + "."
    return " ".join([*words[:at], clause + ",", *words[at:]])


def drop_40(zh: str, en: str, rng: random.Random) -> str | None:
    """Drop a contiguous 40% of the English words, anywhere."""
    words = en.split()
    if len(words) < 5:
        return None
    n = round(len(words) * 0.4)
    start = rng.randrange(0, len(words) - n + 1)
    return " ".join(words[:start] + words[start + n :])


_CLAUSE = re.compile(r"[^，。；！？、：,;]{4,}")


def untranslated(zh: str, en: str, rng: random.Random) -> str | None:
    """Leave one Chinese clause untranslated: it takes the place of a share of the English."""
    clauses = _CLAUSE.findall(zh)
    words = en.split()
    if not clauses or len(words) < 3:
        return None
    clause = rng.choice(clauses)
    share = max(1, round(len(words) * len(clause) / max(1, len(zh))))
    start = rng.randrange(0, max(1, len(words) - share + 1))
    return " ".join([*words[:start], clause, *words[start + share:]])


def drop_name(zh: str, en: str, rng: random.Random) -> str | None:
    """Remove every mention of a Chinese person's name (full, given name, surname) from the English."""
    found = [n for n, _, _ in person_names(zh) if present(n, en)]
    if not found:
        return None
    name = rng.choice(found)
    sur, given = romanized(name)
    out = en
    if given:
        syll = r"[\s'’-]?".join(given[i : i + 1] for i in range(len(given)))  # loose: any spacing
        out = re.sub(r"\b" + sur + r"\s+" + syll + r"\b", "", out, flags=re.I)
        out = re.sub(r"\b" + syll + r"\b", "", out, flags=re.I)
    out = re.sub(r"\b" + sur.capitalize() + r"[A-Za-z'’]*", "", out)
    out = re.sub(r"\s{2,}", " ", out).strip()
    return out if out != en else None


def loop(zh: str, en: str, rng: random.Random) -> str | None:
    """Repeat a phrase of two to four words four times in a row."""
    words = en.split()
    if len(words) < 4:
        return None
    k = rng.randint(2, min(4, len(words)))
    start = rng.randrange(0, len(words) - k + 1)
    phrase = words[start : start + k]
    return " ".join(words[: start + k] + phrase * 3 + words[start + k :])


PLANTERS: dict[str, Planter] = {
    "figure": figure, "add-figure": add_figure, "drop-40%": drop_40, "untranslated": untranslated,
    "drop-name": drop_name, "loop": loop,
}


def number_bearing(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(z, e) for z, e in pairs if extract_zh(z) and extract_en(e)]
