"""Stage 2: normalize.

Two forms of the text come out of here:
- the *display* form: the release in its own script, with converter artifacts removed
  (pinyin annotations, zero-width characters, stray whitespace), mapped character by
  character back to the raw input so that segments keep exact raw offsets;
- the *norm* form: simplified script (OpenCC t2s) with punctuation unified, which is what
  the model and the glossary see.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .radicals import UNIFIED

# Han characters (extension A, the unified block, compatibility ideographs): the one definition.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{CJK}]")
HAN_WORD = re.compile(f"[{CJK}]+")


def is_han(ch: str) -> bool:
    return bool(HAN.match(ch))


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin annotation is a single syllable in parentheses right after a Chinese character,
# written with a tone mark (as converters leave them: 發(fā)). Requiring the tone mark keeps
# (Leyte), (2019) and (原载人民公安报) intact.
PINYIN_ANNOTATION = re.compile(
    # converters also leave 會(huì ); in a PDF's text layer the character may be a radical (⻑ for 長)
    rf"(?<=[{CJK}\u2e80-\u2fdf])[(（] ?([a-zü]{{0,5}}[{_TONED}][a-zü]{{0,5}}) ?[)）]"
)
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[ \t\u00a0\u3000\u2002-\u200a\u202f\u205f]+")


@dataclass(frozen=True)
class Cleaned:
    """Display text plus, for each of its characters, the index of that character in raw."""

    text: str
    raw_index: tuple[int, ...]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the display text to the raw input."""
        return self.raw_index[start], self.raw_index[end - 1] + 1


def clean(raw: str) -> Cleaned:
    """Remove pinyin annotations and zero-width characters, unify line ends, fold spaces, and
    put unified ideographs for the radicals and compatibility ideographs of PDF text layers.

    Lines keep their breaks (they separate blocks); spaces at the ends of lines go, and
    runs of spaces inside a line become one.
    """
    drop = bytearray(len(raw))
    for m in PINYIN_ANNOTATION.finditer(raw):
        drop[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in ZERO_WIDTH.finditer(raw):
        drop[m.start()] = 1
    chars: list[str] = []
    index: list[int] = []
    unified: list[int] = []  # where a radical or compatibility ideograph was replaced
    i = 0
    n = len(raw)
    while i < n:
        if drop[i]:
            i += 1
            continue
        ch = raw[i]
        if ch == "\r":
            chars.append("\n")
            index.append(i)
            i += 2 if i + 1 < n and raw[i + 1] == "\n" else 1
            continue
        if _SPACES.match(ch):
            j = i
            while j < n and (drop[j] or _SPACES.match(raw[j])):
                j += 1
            at_line_edge = not chars or chars[-1] == "\n" or j >= n or raw[j] in "\r\n"
            if not at_line_edge:
                chars.append(" ")
                index.append(i)
            i = j
            continue
        if ch in UNIFIED:
            unified.append(len(chars))
            ch = UNIFIED[ch]
        chars.append(ch)
        index.append(i)
        i += 1
    if unified and not is_traditional("".join(chars)):
        _simplify_at(chars, unified)
    return Cleaned("".join(chars), tuple(index))


def _simplify_at(chars: list[str], at: list[int]) -> None:
    """A radical's equivalent ideograph is the traditional form where the two differ (⼾ is 戶):
    in simplified text the font drew 户 with it, so the simplified form it is."""
    for i in at:
        simple = to_simplified(chars[i])
        if len(simple) == 1:
            chars[i] = simple


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


_PUNCT = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "「": "“", "」": "”", "『": "‘", "』": "’"}
_ASCII_PUNCT = re.compile(r"[,:;!?]")
_PARENS = re.compile(rf"\(([^()]*[{CJK}][^()]*)\)")


def unify_punctuation(text: str) -> str:
    """Full-width punctuation in Chinese text, as the model saw in training.

    ASCII ,:;!? become full-width except between digits (1,500 and 10:30 stay);
    parentheses become full-width when they hold Chinese; corner quotes become curly
    quotes; full-width letters and digits become ASCII.
    """
    text = _PARENS.sub(r"（\1）", text)

    def sub(m: re.Match[str]) -> str:
        i = m.start()
        ch = m.group()
        if ch in ",:" and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            return ch
        return _PUNCT[ch]

    text = _ASCII_PUNCT.sub(sub, text)
    text = text.translate(_CORNERS)
    return "".join(_fold_width(c) for c in text)


_CORNERS = str.maketrans({k: v for k, v in _PUNCT.items() if k in "「」『』"})


def _fold_width(ch: str) -> str:
    if "\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a" or ch == "\uff05":
        return unicodedata.normalize("NFKC", ch)
    return ch


def to_norm(text: str) -> str:
    """The model's and glossary's form of a piece of display text."""
    return unify_punctuation(to_simplified(text))


def is_traditional(text: str) -> bool:
    """Whether Chinese text is written in traditional script: enough of its characters change
    under t2s. A few shared or stray forms in simplified text must not tip it, hence a share."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    simplified = to_simplified("".join(han))
    changed = sum(a != b for a, b in zip(han, simplified, strict=False))
    return changed >= 2 and changed / len(han) >= 0.05
