"""A grammar of speaker labels: who speaks, written at the start of a line.

A label is, in order: an optional decoration (`◆`, `▲`, `-`, `•`) or timestamp
(`2006-02-14 14:28:53 -`, `10:05`), an optional bracket (`[X]`, `【X】`), any sequence of
organisation, office and title words, then a person's name or a role (主持人, 记者, a media
name + 记者, 问/答 and their numbered forms), then a separator: a colon, a dash, the line end
(spaces before it included). Names are read with the surname table, jieba's POS tags and
their length; titles with a vocabulary grown from the term base's `title` entries;
organisations by their suffixes.

The grammar proposes; it does not decide. Whether a parsed line really opens a speech (and
not a headline quoting someone, or a name heading a profile) is decided over the page by
pipeline.structure, from the parse's features below and the lines around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .english import english_label
from .glossary import packaged_glossary_dir
from .speakers import COMPOUND_SURNAMES, SINGLE_SURNAMES, pos_tagger

# Roles: who speaks named by what they do in the conversation.
ROLE_WORDS = ("新闻发言人", "发言人", "主持人", "主持", "解说", "旁白", "画外音", "记者", "嘉宾", "网友", "网民",
              "提问", "观众", "市民", "群众", "听众", "问", "答", "Q", "A")
# Title words (longest first once merged with the term base's); a title ends the office part of a label.
_TITLE_WORDS = ("负责人", "负责同志", "新闻发言人", "发言人", "局长", "部长", "主任", "总队长", "支队长", "大队长",
                "中队长", "队长", "所长", "处长", "科长", "股长", "厅长", "署长", "司长", "院长", "检察长", "审判长",
                "庭长", "书记", "政委", "教导员", "巡视员", "督察长", "警务专员", "专员", "委员", "主席", "总理",
                "市长", "省长", "区长", "县长", "镇长", "乡长", "秘书长", "理事长", "会长", "组长", "代表", "专家",
                "教授", "研究员", "顾问", "参事", "民警", "警官", "干警", "辅警", "记者", "嘉宾", "董事长", "总经理",
                "经理", "律师", "法官", "检察官", "总监", "指挥长", "助理", "主持人", "警长", "副手", "成员", "站长",
                "行长", "馆长", "校长", "社长", "台长", "总编辑", "特派员", "大使", "参赞", "领事", "部长助理",
                "总工程师", "工程师", "首席", "调研员", "主管", "网格员", "片警", "社区民警", "警察", "所长助理",
                "发言人助理")
# Organisations end in these (公安部, 刑事侦查局, 中新网, 法新社, 某某电视台).
ORG_SUFFIXES = ("部", "局", "厅", "处", "科", "办", "院", "委", "会", "所", "队", "署", "司", "室", "中心", "政府",
                "公安", "组", "站", "馆", "集团", "公司", "大学", "学院", "协会", "联合会", "办公室", "总队", "支队",
                "大队", "中队", "派出所", "检察院", "法院", "分局", "省", "市", "县", "区", "镇", "乡", "州", "盟",
                "旗")
MEDIA_SUFFIXES = ("电视台", "广播电台", "通讯社", "日报", "晚报", "早报", "时报", "周刊", "杂志", "频道", "客户端",
                  "卫视", "传媒", "新闻", "网", "报", "社", "台", "TV")
_DECOR = re.compile(r"^[\s\-–—•·◆◇▲△■□●○★☆▶►※>＞*]+")
_STAMP = re.compile(
    r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s+)?[\[(（]?\d{1,2}:\d{2}(:\d{2})?[\])）]?\s*(?:[-–—]+\s*)?")
_BRACKET = re.compile(r"^[\[【［〔]\s*([^\]】］〕\[【]{1,48}?)\s*[\]】］〕]\s*(?:[:：]\s*)?")
_COLON = re.compile(r"[:：]")
_DASH = re.compile(r"\s*(——|—|--|－－|──)\s*")
_NUMBERED_QA = re.compile(r"^(第?[一二三四五六七八九十\d]{1,3}[问答]|[问答][一二三四五六七八九十\d]{1,3}|记者问|"
                          r"[QA]\d{0,2}|"
                          r"记者[\d一二三四五六七八九十甲乙丙丁A-Z]{1,2})$")
_MEDIA_ROLE = re.compile(r"^(.{1,16}?)(记者问|记者|主持人|主播)$")
_NOT_MEDIA = ("通报", "情报", "举报", "公报", "简报", "汇报", "预报", "警报", "申报", "上报", "通告社")
_QUOTED = re.compile(r"^[“\"][^”\"]{1,16}[”\"]")
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){0,3}$")
_LATIN_ROLE = re.compile(r"^(Host|Moderator|Reporter|Journalist|Question|Answer|Q|A|Spokesperson|Guest)$", re.I)
_PAREN = re.compile(r"[（(][^（）()]{1,30}[)）]")
_BAD = re.compile(r"[。！？!?“”\"《》;；…|/<>@#&=+~_─—–:：]")
_NOT_NAME = set("们的了是在与及等这那你我他她它对说将把被从向")
# The speakers' table less a few: surnames it lacks that officials' labels carry.
_SURNAME = set(SINGLE_SURNAMES) | set("傅寿钟柴滕萧欧阎綦扎")


@lru_cache(maxsize=1)
def title_words() -> tuple[str, ...]:
    """The title vocabulary: the built-in words plus every `title` entry of the packaged term base and
    its last two characters (一级警督 gives 警督, 副总队长 gives 队长), longest first."""
    words = set(_TITLE_WORDS)
    text = ""
    for path in sorted(packaged_glossary_dir().glob("*.tsv")):
        try:
            text += path.read_text(encoding="utf-8") + "\n"
        except (OSError, UnicodeDecodeError):
            continue  # the glossary stage reports a broken term base; labels keep the built-in words
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) >= 3 and cols[2] == "title" and not line.startswith("#"):
            zh = cols[0].strip()
            if 2 <= len(zh) <= 8 and re.fullmatch(r"[\u4e00-\u9fff]+", zh):
                words.add(zh)
                words.add(zh[-2:])
    words.discard("一把")
    return tuple(sorted(words, key=len, reverse=True))


def person_name(s: str) -> float:
    """How much s reads as a Chinese personal name: 0 not at all, 0.5 plausible by surname and
    length, 1 confirmed by jieba's POS tags (or a withheld name: 张某, 李某某)."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", s) or set(s[1:]) & _NOT_NAME:
        return 0.0
    compound = s[:2] in COMPOUND_SURNAMES
    if not (compound and 3 <= len(s) <= 4) and not (s[0] in _SURNAME and 2 <= len(s) <= 3):
        return 0.0
    if "某" in s[1:]:
        return 1.0
    tagger = pos_tagger()
    freq = tagger.tokenizer.FREQ
    words = list(tagger.cut(s))
    if compound:
        return 0.75  # 欧阳, 上官: jieba reads them as words, but no word starts so
    if len(words) == 1:
        w = words[0]
        if w.flag.startswith("nr"):
            return 1.0
        # A dictionary word that is not a name (成绩, 江苏); one jieba only guessed may be a name.
        return 0.0 if freq.get(w.word, 0) > 0 else 0.6
    if words[0].flag.startswith("nr"):
        return 0.75
    if len(words[0].word) >= 2 and freq.get(words[0].word, 0) > 50:
        return 0.1  # it starts with a common word: 华侨报, 江苏省
    return 0.5


@dataclass(frozen=True)
class LabelParse:
    """A label the grammar found at the start of a line (offsets into the line)."""

    speaker_start: int
    speaker_end: int
    body_start: int  # where the speech starts; == len(line) for a label alone on its line
    form: str  # bracket, colon, dash, alone
    head: str  # what ends the label: name, role, qa, media_role, title, media, latin, abbrev
    features: dict[str, float] = field(default_factory=dict)

    @property
    def alone(self) -> bool:
        return self.features.get("alone", 0.0) > 0


# What most titles end in, for those the vocabulary lacks (主任科员, 一级警长, 督察员).
_TITLE_HEADS = ("长", "员", "官", "主任", "书记", "助理", "专家", "教授", "代表", "警司", "警督", "警监", "政委")


def _ends_with_title(s: str) -> str | None:
    word = next((w for w in title_words() if s.endswith(w)), None)
    if word is None and len(s) >= 2 and s.endswith(_TITLE_HEADS) and not s.endswith(("人员", "成员", "学员")):
        return s[-2:]
    return word


def _org_like(s: str) -> bool:
    return s.endswith(ORG_SUFFIXES) or s.endswith(MEDIA_SUFFIXES)


def analyse(content: str, colon: bool) -> tuple[str, dict[str, float]] | None:
    """Parse a label's text (simplified, decoration and separator removed): what heads it and
    features of its parts; None when it cannot be a label."""
    c = _QUOTED.sub("", content.strip())  # a quoted nickname before a title: “某某第一所”所长
    if not c or len(c) > 64 or _BAD.search(c):
        return None
    parens = len(_PAREN.findall(c))
    bare = _PAREN.sub(" ", c).strip()
    if not bare or len(bare) > 48:
        return None
    f: dict[str, float] = {"g_parens": min(parens, 2) / 2, "g_len": min(len(c), 40) / 40}
    if _LATIN_NAME.match(c) or _LATIN_ROLE.match(c):
        f["g_latin"] = 1.0
        return ("latin", f) if len(c) <= 30 else None
    if re.search(r"[A-Za-z]", bare) and not re.search(r"[\u4e00-\u9fff]{2}", bare):
        return None
    pieces = [p for p in re.split(r"[\s、，,]+", bare) if p]
    if not pieces or len(pieces) > 6:
        return None
    last = pieces[-1]
    head = ""
    if re.search(r"\d", bare) and not _NUMBERED_QA.match(last):
        return None  # dates and figures are not in labels (1998年任某局局长)
    known = 0  # characters of the prefix explained as org, office or title words
    prefix = "".join(pieces[:-1])
    if last in ROLE_WORDS or (len(pieces) == 2 and pieces[0] in ("网友", "网民")):
        head = "role"  # 网友 宇宙观察员: a netizen and the handle
    elif _NUMBERED_QA.match(last):
        head = "qa"
    elif _MEDIA_ROLE.match(last):
        head = "media_role"
        prefix += _MEDIA_ROLE.match(last).group(1)  # type: ignore[union-attr]
    else:
        for k in (4, 3, 2):
            tail = last[-k:]
            if len(last) < k:
                continue
            score = person_name(tail)
            if score <= 0:
                continue
            before = last[:-k]
            if before and not (_ends_with_title(before) or _org_like(before) or before.endswith(ROLE_WORDS)):
                continue
            head = "name"
            f["g_name_conf"] = score
            f[f"g_name_len{k}"] = 1.0
            prefix += before
            break
        if not head:
            if len(last) == 1 and last in _SURNAME and len(pieces) == 1 and colon:
                head = "abbrev"
            elif _ends_with_title(last):
                head = "title"
                prefix += last
            elif colon and last.endswith(MEDIA_SUFFIXES) and not last.endswith(_NOT_MEDIA) and 2 <= len(last) <= 12:
                head = "media"
            else:
                return None
    # Explain the prefix by title and organisation words: every word jieba gives either is one,
    # or sits inside an organisation's or office's name that ends in one.
    rest = prefix
    if rest:
        words = [w for w in pos_tagger().cut(rest)]
        verbs = sum(1 for w in words if w.flag.startswith("v") and w.word not in title_words()
                    and not w.word.endswith(ORG_SUFFIXES))
        f["g_prefix_verbs"] = min(verbs, 2) / 2
        f["g_prefix_len"] = min(len(rest), 30) / 30
        seg_known = 0
        for piece in re.split("(" + "|".join(title_words()) + ")", rest):
            if not piece:
                continue
            if piece in title_words() or _org_like(piece):
                seg_known += len(piece)
        known = seg_known
        f["g_prefix_known"] = known / max(1, len(rest))
        f["g_prefix_title"] = 1.0 if _ends_with_title(rest) else 0.0
        f["g_prefix_org"] = 1.0 if _org_like(rest) else 0.0
    else:
        f["g_prefix_none"] = 1.0
    f["g_head_" + head] = 1.0
    f["g_pieces"] = min(len(pieces), 4) / 4
    return head, f


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \u3000":
        s += 1
    while e > s and text[e - 1] in " \u3000:：":
        e -= 1
    return s, e


def parse_label(text: str, norm: str | None = None) -> LabelParse | None:
    """The label opening a line, if the grammar finds one. norm is the simplified form of text
    (same length): the grammar reads it, and the offsets apply to text."""
    if norm is None or len(norm) != len(text):
        norm = text
    pos = 0
    f: dict[str, float] = {}
    m = _DECOR.match(norm)
    if m and m.end() < len(norm):
        pos = m.end()
        f["g_decor"] = 1.0
    m = _STAMP.match(norm[pos:])
    if m and m.end() and pos + m.end() < len(norm) and (m.group(1) or _COLON.search(norm, pos + m.end())):
        pos += m.end()
        f["g_stamp"] = 1.0
        m = _DECOR.match(norm[pos:])
        if m and pos + m.end() < len(norm):
            pos += m.end()
    candidates: list[tuple[int, int, int, str]] = []  # content start, end, body start, form
    m = _BRACKET.match(norm[pos:])
    if m:
        candidates.append((pos + m.start(1), pos + m.end(1), pos + m.end(), "bracket"))
    else:
        colon = _COLON.search(norm, pos, min(len(norm), pos + 66))
        if colon:
            body = colon.end()
            while body < len(norm) and norm[body] in " \u3000":
                body += 1
            candidates.append((pos, colon.start(), body, "colon"))
        dash = _DASH.search(norm, pos, min(len(norm), pos + 50))
        if dash and (not colon or dash.start() < colon.start()):
            candidates.append((pos, dash.start(), dash.end(), "dash"))
        if len(norm) - pos <= 64:
            candidates.append((pos, len(norm), len(norm), "alone"))
    for s, e, body, form in candidates:
        content = norm[s:e]
        parsed = analyse(content, colon=form in ("colon", "bracket"))
        if parsed is None:
            continue
        head, g = parsed
        if form == "alone" and head in ("media", "abbrev"):
            continue
        ss, se = _strip(text, s, e)
        feats = {**f, **g, "g_form_" + form: 1.0}
        rest = norm[body:].strip()
        if not rest:
            feats["alone"] = 1.0
            body = len(text)
        else:
            feats["g_body_len"] = min(len(rest), 60) / 60
            feats["g_body_ender"] = 1.0 if re.search(r"[。！？!?]", rest) else 0.0
            feats["g_body_clause"] = 1.0 if re.search(r"[，,、；;]", rest) else 0.0
        return LabelParse(ss, se, body, form, head, feats)
    return None


# A colon near a line's start: where a label could end (or a heading's own: 背景：…).
_COLON_HEAD = re.compile(r"^[^。！？!?，,；;]{1,30}?[:：]")


def unlabelled_pair(zh: str, en: str) -> tuple[str, str]:
    """A pair as the translation memory keeps it: with no speaker label on either side. zhen's
    segments never hold their turn's label (the writers print it from the block's speaker), so
    neither may a remembered pair, or the label is printed twice. The Chinese loses a label the
    grammar reads (记者：, 【主持人】); the English loses its opening `Reporter:`, `Sun Jinfeng:`
    when the Chinese had a label or has no colon of its own near its start (背景：… and
    Background: … keep theirs)."""
    label = parse_label(zh) if _COLON_HEAD.match(zh) or zh.lstrip()[:1] in "[【［〔" else None
    labelled = label is not None and label.form in ("colon", "bracket") and label.body_start < len(zh)
    if labelled:
        assert label is not None
        zh = zh[label.body_start:]
    found = english_label(en)
    if found is not None and (labelled or not _COLON_HEAD.match(zh)):
        en = found[1]
    return zh, en


__all__ = ["ORG_SUFFIXES", "ROLE_WORDS", "LabelParse", "analyse", "parse_label", "person_name", "title_words",
           "unlabelled_pair"]
