"""Line structure of a release page: which line is a title, heading, paragraph, turn or
site furniture, and who speaks.

Rules decide what they decide reliably (markdown headings, the clearest furniture
patterns, speaker labels); a small multinomial logistic model decides the rest from
features that transfer between sites: length, end marks, character make-up, dates, URLs,
furniture vocabulary, position relative to the article body, and the neighbouring lines.
Its weights are plain JSON (`structure_model.json`, retrained by `bench/train_structure.py`
from annotated pages) and are read with plain Python: no numerical library at run time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .normalize import HAN
from .speakers import is_person_name, is_speaker_label

KINDS = ("title", "heading", "paragraph", "boilerplate")
TITLE_RESCUE = 0.2  # the title probability at which a line above the body is taken as the missing title
MODEL_FILE = "structure_model.json"

# Furniture a rule can name with confidence (also given to the model as a feature).
BOILERPLATE = [
    re.compile(p)
    for p in (
        r"^[◆•·■□●▶\-\s]*(本文来源|来源|责任编辑|编辑|作者|校对|审核|审校|通讯员|供稿|出处|原标题|稿源|字号|字体|责编)\s*[:：]",
        r"^(【?(打印本?页|打印|关闭窗口|关闭|收藏|返回顶部|分享到?|扫一扫.*|上一篇.*|下一篇.*)】?\s*)+$",
        r"^(分享|分享到)\s*[:：]?.*$",
        r"^【?\s*字号?\s*[:：]?\s*[大中小]\s*[大中小]?\s*[大中小]?\s*】?$",
        r"^(【[大中小]】\s*){2,3}$",
        r"^\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$",
        r"^\d{1,2}:\d{2}(:\d{2})?$",
        r"^(END|End|end|（完）|\(完\)|-+\s*完\s*-+|—+\s*完\s*—+)$",
        r"^(首页|当前位置|您的位置|您当前的位置|您现在的位置|您所在的位置)\s*[:：>＞»].*$",
        r"^[^。！？!?]{1,20}(\s*[>＞»]{1,2}\s*[^。！？!?>＞»]{1,20}){2,}\s*[>＞»]*$",
        r"^(浏览次数|点击数|阅读量|阅读次数|发布时间|发布日期|更新时间|日期|版面|版次|图片来源|摄影|供图)\s*[:：].*$",
        r"^(星期[一二三四五六日天]|(香港|北京|台北|澳门)?时间\d{1,2}时\d{1,2}分)$",
        # A page or paper header: 2024年11月22日 星期五, 某某日报 2010年03月05日 星期一
        r"^[^。！？!?，,]{0,12}\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}日?\s*(星期|周)[一二三四五六日天]$",
        r"^(关键词|关键字|标签|tags|Tags|TAG)\s*[:：]",
        # Credit lines: (总台记者 汤某) (记者 张某 通讯员 李某) 【编辑:王某】 (文图:赵某)
        r"^[（(【\[]\s*(总台|本报|本台|新华社|央视)?(记者|通讯员|编辑|责编|责任编辑|文|图|文图|文/图|摄影|摄|来源|校对)"
        r"[^（）()【】\[\]]{0,40}[）)】\]]$",
        r"^(本报|本台|总台)?记者\s*[\u4e00-\u9fff]{2,4}([、\s][\u4e00-\u9fff]{2,4})*\s*[／/]\s*[\u4e00-\u9fff]{2,6}(报道|报导)$",
        r"^(广告\s*)+$",
        # Credits with a slash: 文/某某, 主持/某某, 摄影/某某
        r"^(文|图|文图|撰文|摄影|摄|编辑|责编|校对|主办|主持|策划|制作|监制|出品|访谈者|采访)\s*[/／]\s*\S",
        # Counters under an article: 顶: 97596 踩: 8126, 阅读 1203 点赞 45
        r"^((顶|踩|赞|点赞|评论|收藏|分享|转发|阅读|浏览|在看)\s*[:：]?\s*\d+\s*)+$",
        # Privacy and cookie banners
        r"^.{0,60}(隐私声明|隐私政策|隐私权|Cookie|cookie).{0,60}(同意|接受|了解|规范)",
        # A site's copyright and reprint notice
        r"^.{0,80}(版权所有|未经(书面)?(许可|授权)不得转载|转载请注明|禁止转载|All Rights Reserved)",
        r"^[□■●◆]?\s*(本报|本台|总台|特约|实习)?(记者|通讯员)\s*[\u4e00-\u9fff]{2,4}([、\s]+[\u4e00-\u9fff]{2,4})*"
        r"(\s*(报道|摄|摄影))?$",
        # A row of links: 央视网|中国网络电视台|网站地图
        r"^\s*[^|｜。！？]{1,14}(\s*[|｜]\s*[^|｜。！？]{1,14}){2,}\s*[|｜]?\s*$",
    )
]
_MD_HEADING = re.compile(r"^(#{1,6})\s+")

_ENDERS = "。！？!?"
_CLOSE = "”’」』》)）]】\"'"
_END_SENT = re.compile(r"[。！？!?][。！？!?”’」』》)）\]】\"']*$")
_ENDER_ANY = re.compile(r"[。！？!?]+")
_LATIN = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_ISO_DATE = re.compile(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|\d{1,2}-\d{1,2}-\d{4}")
_CN_DATE = re.compile(r"(\d{2,4}年)?\d{1,2}月\d{1,2}日")
_CN_DATE_ONLY = re.compile(r"^\d{0,4}年?\d{1,2}月\d{1,2}日?$")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")
_URL = re.compile(r"https?://|www\.|\.(com|cn|net|org|html?|shtml|aspx?|php)\b", re.I)
_FILENAME = re.compile(r"\.(jpg|jpeg|png|gif|pdf|docx?|xlsx?|zip|rar)\b", re.I)
_NUMBERED = re.compile(
    r"^([一二三四五六七八九十]+[、．.]|\d{1,2}[、．]|（[一二三四五六七八九十\d]+）|第[一二三四五六七八九十\d]+[章节条部])"
)
_BULLET = re.compile(r"^[•·◆■●▪▶►※\-—*]")
_LEAD = re.compile(
    r"^.{0,24}?(\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日|(本报|新华社|中新网|人民网|央视网|记者).{0,12}(讯|电|获悉))"
)
_CAPTION = re.compile(
    r"^图为|^图片[:：]|[（(][^（）()]{1,12}[摄攝][)）]$|[（(](摄影|摄|图)[/／:：][^（）()]{1,10}[)）]$|供图[)）]?$"
    r"|^[^。！？!?]{4,40}现场$"
)
_NOTICE_TITLE = re.compile(r"^.{0,20}关于.{2,60}$|^.{2,40}(通告|通知|公告|通报|悬赏|声明|公示)$")
# A two-part subheading, topic and gist: 当前形势:打击成效良好但总体形势依然严峻.
_COLON_HEADING = re.compile(r"^[^，。！？：:“”、\d]{2,8}[:：](?=.*[\u4e00-\u9fff])[^，。！？!?:：；;]{4,40}$")
# An official document's number (郴公通字〔2017〕01号): part of the notice.
_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,8}[字发][\[〔（(【]\d{4}[\]〕）)】]\d{1,4}号$")
# Database or CMS fields in lenticular brackets: 【时效性】尚未施行, 【法宝引证码】…
_BRACKET_META = re.compile(r"^【[^】]{1,8}】[^【】。！？]{0,30}$")
_ORG_END = re.compile(r"(局|厅|部|院|委|办|中心|政府|公安|大队|支队|所|队|法院|检察院|办公室)$")
_DOC_TYPE_END = re.compile(r"(通告|通知|公告|通报|声明|公示)$")
_EVENT_META = re.compile(r"^(时间|地点|嘉宾|主持人|出席|发布人|主办|承办|发布会时间|会议时间)\s*[:：]")

_VOCAB: dict[str, tuple[str, ...]] = {
    "v_source": ("来源", "作者", "编辑", "责编", "校对", "审核", "出处", "稿源", "供稿", "转载", "原文"),
    "v_widget": ("分享", "打印", "关闭", "收藏", "字号", "字体", "返回", "顶部", "扫一扫", "二维码", "下载",
                 "上一篇", "下一篇", "登录", "注册", "设为首页", "网站地图", "举报", "评论", "点赞", "客户端",
                 "阅读", "浏览", "点击", "查看", "微站", "意见反馈", "评分", "寄给朋友", "主网页", "简体版",
                 "繁体版"),
    "v_nav": ("首页", "位置", "频道", "栏目", "目录", "导航", "要闻", "新闻中心", "版面"),
    "v_related": ("相关", "推荐", "热点", "排行", "更多", "延伸阅读", "猜你喜欢", "热门", "专题", "精彩"),
    "v_ad": ("广告", "推广", "扫码", "关注", "公众号", "微信", "微博", "铁粉", "咨询", "app", "APP"),
    "v_spam": ("无码", "在线观看", "精品", "一区二区", "成人", "熟女", "高清", "不卡", "免费观看", "彩票", "博彩",
               "娱乐城", "棋牌", "AV"),
    "v_site": ("版权", "copyright", "Copyright", "©", "备案", "ICP", "网站简介", "联系我们", "隐私", "无障碍",
               "欢迎访问", "门户网站", "投稿", "电子报", "报纸"),
}


@dataclass(frozen=True)
class LabelMatch:
    """A speaker label at the start of a line (offsets into the line's text)."""

    speaker_start: int
    speaker_end: int
    body_start: int  # where the spoken text starts; == len(line) for a label alone on its line


@dataclass(frozen=True)
class LineDecision:
    """What one line becomes: a block of some kind, or nothing (a speaker-label line)."""

    kind: str | None  # None: a speaker-label line, which makes no block
    speaker: str | None = None
    body_start: int = 0  # offset into the line where the block's text starts
    label_line: int | None = None  # a turn's: index of the line its speaker's label is written on
    label_span: tuple[int, int] = (0, 0)  # the label's offsets in that line
    labelled: bool = False  # the label was written for this block (not carried over)


# ---------------------------------------------------------------- speaker labels

_BRACKET_LABEL = re.compile(r"^[▲△■□●◆◇★☆•·]?\s*[\[【［〔]\s*([^\]】］〕\[【]{1,40}?)\s*[\]】］〕]\s*(?:[:：]\s*)?")
# A marker may lead the label (▲某某电视台记者:), outside the speaker's name.
_COLON_LABEL = re.compile(r"^[▲△■□●◆◇★☆•·]?\s*([^:：▲△■□●◆◇★☆•·][^:：]{0,39}?)\s*[:：]\s*")
_META_ROLES = ("主持人", "嘉宾", "发布人", "出席")


def find_label(text: str, norm: str) -> LabelMatch | None:
    """A speaker label opening the line: `记者:`, `[主持人]:`, `【张业遂】`, or a line that is a
    label alone (`公安部刑事侦查局副局长 孙劲峰`, `主持人:`). norm is the simplified form of text
    (same length: the label's offsets are found on it and used on text)."""
    if len(norm) != len(text):
        norm = text
    for pattern in (_BRACKET_LABEL, _COLON_LABEL):
        m = pattern.match(norm)
        if m is None:
            continue
        body = norm[m.end():].strip()
        if not is_speaker_label(m.group(1), alone=not body):
            continue
        if m.group(1).strip().endswith(_META_ROLES) and body and not _ENDER_ANY.search(body):
            # `主持人:郭林 公安部新闻发言人` says who hosts: a metadata line, not speech.
            return None
        s, e = _strip_span(text, m.start(1), m.end(1))
        return LabelMatch(s, e, m.end() if body else len(text))
    flat = norm.strip()
    if flat and is_speaker_label(flat, alone=True) and not _is_credit(flat):
        s, e = _strip_span(text, 0, len(text))
        return LabelMatch(s, e, len(text))
    return None


def _is_credit(flat: str) -> bool:
    # `记者 张三` or `本报记者 张三` alone on a line is a byline, not the reporter about to speak.
    parts = flat.split()
    return 2 <= len(parts) <= 4 and parts[0].endswith(("记者", "通讯员", "编辑", "摄影", "摄"))


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \u3000":
        s += 1
    while e > s and text[e - 1] in " \u3000":
        e -= 1
    return s, e


# ---------------------------------------------------------------- features


def _short_unpunct(n: str) -> bool:
    return len(n) <= 24 and not _END_SENT.search(n) and bool(HAN.search(n))


def _is_body(n: str) -> bool:
    """A line that reads as article text: sentence-like (an end mark, or clauses) and not tiny."""
    if len(n) < 15 or not HAN.search(n):
        return False
    return bool(_ENDER_ANY.search(n)) or n.endswith(("；", ";")) or len(re.findall(r"[，,]", n)) >= 2


def _boilerish(n: str) -> bool:
    """Furniture by rule, or a short line made of furniture words."""
    return any(p.match(n) for p in BOILERPLATE) or bool(_WEEKDAY.fullmatch(n)) or (len(n) <= 16 and any(
        w in n for k in ("v_source", "v_widget", "v_nav", "v_ad", "v_site", "v_related") for w in _VOCAB[k]))


@dataclass(frozen=True)
class _Doc:
    norms: Sequence[str]
    body: Sequence[bool]
    first_body: int
    last_body: int
    phrase_share: float  # share of lines that are short phrases without end marks
    hard: Sequence[bool]  # lines the furniture rules already name
    labels: Sequence[bool]
    boilerish: Sequence[bool]
    first_soft: int  # the first line that is neither rule furniture nor made of furniture words
    first_seen: Mapping[str, int]  # where each line's text first occurs
    last_seen: Mapping[str, int]
    furniture_run_to_body: Sequence[bool]  # only furniture from here (exclusive) to the first body line


def _doc(norms: Sequence[str], labels: Sequence[bool]) -> _Doc:
    hard = [any(p.match(n) for p in BOILERPLATE) for n in norms]
    body = [_is_body(n) and not h for n, h in zip(norms, hard, strict=True)]
    idx = [i for i, b in enumerate(body) if b]
    first = idx[0] if idx else len(norms)
    last = idx[-1] if idx else -1
    share = sum(_short_unpunct(n) for n in norms) / max(1, len(norms))
    boilerish = [_boilerish(n) for n in norms]
    first_soft = next((i for i in range(len(norms)) if not hard[i] and not boilerish[i]), len(norms))
    first_seen: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    for i, n in enumerate(norms):
        first_seen.setdefault(n, i)
        last_seen[n] = i
    run = [False] * len(norms)
    ok = True  # lines i+1 .. first-1 are all furniture
    for i in range(min(first, len(norms)) - 1, -1, -1):
        run[i] = ok
        ok = ok and (hard[i] or boilerish[i])
    return _Doc(norms, body, first, last, share, hard, labels, boilerish, first_soft, first_seen, last_seen, run)


def _end_class(n: str) -> str:
    stripped = n.rstrip(_CLOSE)
    last = n[-1]
    if _END_SENT.search(n):
        return "ender"
    if n.endswith(("……", "...", "…")):
        return "ellipsis"
    if stripped and stripped[-1] in "，,、":
        return "comma"
    if stripped and stripped[-1] in "；;":
        return "semicolon"
    if last in "：:":
        return "colon"
    if last in _CLOSE:
        return "closer"
    if HAN.match(last):
        return "cjk"
    if last.isdigit():
        return "digit"
    if last.isascii() and last.isalpha():
        return "latin"
    return "symbol"


def line_features(doc: _Doc, i: int) -> dict[str, float]:
    """Features of line i (simplified text) in its page."""
    n = doc.norms[i]
    flat = n.replace(" ", "")
    length = len(flat)
    f: dict[str, float] = {}
    for cut in (2, 4, 8, 14, 24, 40, 80):
        if length <= cut:
            f[f"len<={cut}"] = 1.0
            break
    else:
        f["len>80"] = 1.0
    f["loglen"] = math.log1p(length) / 5
    end = _end_class(n)
    f["end_" + end] = 1.0
    f["end_full_stop"] = 1.0 if n.rstrip(_CLOSE).endswith("。") else 0.0
    ends = len(_ENDER_ANY.findall(n))
    f["enders"] = min(ends, 4) / 4
    f["enders_inside"] = 1.0 if ends >= 1 and end != "ender" else 0.0
    commas = len(re.findall(r"[，,、]", n))
    f["commas"] = min(commas, 6) / 6
    f["comma_rate"] = min(1.0, 10 * commas / max(1, length))
    total = max(1, length)
    cjk = len(HAN.findall(flat))
    f["frac_cjk"] = cjk / total
    f["frac_latin"] = len(_LATIN.findall(flat)) / total
    f["frac_digit"] = len(_DIGIT.findall(flat)) / total
    f["frac_symbol"] = sum(1 for c in flat if not c.isalnum() and not HAN.match(c)) / total
    f["no_cjk"] = 1.0 if cjk == 0 else 0.0
    f["spaces"] = min(n.count(" "), 6) / 6
    tokens = n.split()
    f["many_short_tokens"] = 1.0 if len(tokens) >= 4 and sum(map(len, tokens)) / len(tokens) <= 4 else 0.0
    f["iso_date"] = 1.0 if _ISO_DATE.search(n) else 0.0
    f["cn_date"] = 1.0 if _CN_DATE.search(n) else 0.0
    f["cn_date_only"] = 1.0 if _CN_DATE_ONLY.match(flat) else 0.0
    f["clock"] = 1.0 if _CLOCK.search(n) else 0.0
    f["weekday"] = 1.0 if _WEEKDAY.search(n) else 0.0
    f["url"] = 1.0 if _URL.search(n) else 0.0
    f["filename"] = 1.0 if _FILENAME.search(n) else 0.0
    f["pipe"] = 1.0 if "|" in n else 0.0
    f["nav_arrows"] = 1.0 if re.search(r"[>＞»]", n) else 0.0
    f["stars"] = 1.0 if re.search(r"\*{3,}|~{3,}|-{3,}|={3,}", n) else 0.0
    f["numbered"] = 1.0 if _NUMBERED.match(n) else 0.0
    f["bullet"] = 1.0 if _BULLET.match(n) else 0.0
    f["in_brackets"] = 1.0 if re.fullmatch(r"[（(【\[].*[)）】\]]", n) else 0.0
    f["starts_bracket"] = 1.0 if n[:1] in "（(【[［" else 0.0
    f["quote"] = 1.0 if re.search(r"[“”「」]", n) else 0.0
    f["opens_quote"] = 1.0 if n[:1] in "“「‘\"" else 0.0
    f["colon"] = 1.0 if re.search(r"[:：]", n[:14]) else 0.0
    f["event_meta"] = 1.0 if _EVENT_META.match(n) else 0.0
    f["caption"] = 1.0 if _CAPTION.search(n) else 0.0
    f["release_words"] = 1.0 if _RELEASE_WORDS.search(n) else 0.0
    f["release_words_unpunct"] = 1.0 if f["release_words"] and not _END_SENT.search(n) and length <= 60 else 0.0
    f["colon_heading"] = 1.0 if _COLON_HEADING.match(n) and not _EVENT_META.match(n) else 0.0
    f["notice_title"] = 1.0 if (_NOTICE_TITLE.match(flat) and not _END_SENT.search(n) and len(flat) <= 60
                                and "，" not in n and "关于" in n) else 0.0
    f["hard_rule"] = 1.0 if doc.hard[i] else 0.0
    # Furniture words decide short lines; in a long line they are mostly news words (举报, 相关).
    hits = 0
    for key, words in _VOCAB.items():
        found = sum(w in n for w in words)
        hits += found
        if found and length <= 12:
            f[key + "_tiny"] = 1.0
        elif found and length <= 30:
            f[key + "_short"] = 1.0
    f["vocab_density"] = min(1.0, 4 * hits / max(1, length))
    f["org_end"] = 1.0 if _ORG_END.search(flat) else 0.0
    f["question"] = 1.0 if re.search(r"[？?]$", n) else 0.0
    # Position: furniture sits before and after the article body.
    N = len(doc.norms)
    f["first"] = 1.0 if i == 0 else 0.0
    f["last"] = 1.0 if i == N - 1 else 0.0
    f["rel_pos"] = i / max(1, N - 1)
    f["before_body"] = 1.0 if i < doc.first_body else 0.0
    f["after_body"] = 1.0 if i > doc.last_body else 0.0
    f["is_body"] = 1.0 if doc.body[i] else 0.0
    f["no_body_page"] = 1.0 if doc.last_body < 0 else 0.0
    f["first_content"] = 1.0 if i <= doc.first_soft and not doc.hard[i] else 0.0
    f["dup_earlier"] = 1.0 if doc.first_seen[n] < i else 0.0
    f["dup_prev"] = 1.0 if i > 0 and doc.norms[i - 1] == n else 0.0
    f["dup_later"] = 1.0 if doc.last_seen[n] > i else 0.0
    su = _short_unpunct(n)
    f["short_unpunct"] = 1.0 if su else 0.0
    f["phrase_share"] = doc.phrase_share
    f["short_unpunct_x_share"] = doc.phrase_share if su else 0.0
    f["underscores"] = min(n.count("_"), 4) / 4
    f["next_meta"] = 1.0 if i + 1 < N and _is_meta(doc.norms[i + 1]) else 0.0
    f["prev_meta"] = 1.0 if i > 0 and _is_meta(doc.norms[i - 1]) else 0.0
    f["is_meta"] = 1.0 if _is_meta(n) else 0.0
    # A headline sits right above the date/source line or right above the body.
    f["next_hard"] = 1.0 if i + 1 < N and (doc.hard[i + 1] or bool(_ISO_DATE.search(doc.norms[i + 1]))) else 0.0
    f["prev_hard"] = 1.0 if i > 0 and doc.hard[i - 1] else 0.0
    f["just_above_body"] = 1.0 if i < doc.first_body and doc.furniture_run_to_body[i] else 0.0
    nxt = _next_content(doc, i)
    f["next_is_lead"] = 1.0 if nxt is not None and _LEAD.match(doc.norms[nxt]) else 0.0
    f["next_is_body"] = 1.0 if nxt is not None and doc.body[nxt] else 0.0
    f["next_label"] = 1.0 if i + 1 < N and doc.labels[i + 1] else 0.0
    f["prev_label"] = 1.0 if i > 0 and doc.labels[i - 1] else 0.0
    for name, j in (("prev", i - 1), ("next", i + 1)):
        if not 0 <= j < N:
            f[name + "_none"] = 1.0
            continue
        m = doc.norms[j]
        if _short_unpunct(m):
            f[name + "_short_unpunct"] = 1.0
            if su:
                f[name + "_both_short_unpunct"] = 1.0
        if doc.body[j]:
            f[name + "_body"] = 1.0
        if doc.hard[j] or doc.boilerish[j]:
            f[name + "_boilerish"] = 1.0
        if _END_SENT.search(m):
            f[name + "_ender"] = 1.0
        if len(m) <= 8:
            f[name + "_tiny"] = 1.0
    return f


# What a release's headline reports: an event, an operation, a notice, a press conference.
_RELEASE_WORDS = re.compile(
    r"通报|召开|发布会|答记者问|答问|实录|访谈|破获|抓获|被拘|被捕|被抓|提醒|警方|公安|民警|侦破|打击|查处|通告|逮捕|拘留|"
    r"行动|专项|谈话|记者会|落网|告破|立案|嫌疑人|诈骗|犯罪|治安|通缉|悬赏"
)
_META_WORDS = re.compile(r"来源|发布|时间|日期|作者|编辑|浏览|阅读|点击")
_RULE_LINE = re.compile(r"^[*＊~\-—=_·.]{3,}$")


def _is_meta(n: str) -> bool:
    """A date/source line or a typographic rule: what sits right under a headline."""
    if any(p.match(n) for p in BOILERPLATE) or _RULE_LINE.match(n.replace(" ", "")):
        return True
    dated = bool(_ISO_DATE.search(n) or _CN_DATE.search(n) or _CLOCK.search(n))
    return dated and len(n) <= 80 and bool(_META_WORDS.search(n))


def _next_content(doc: _Doc, i: int) -> int | None:
    for j in range(i + 1, min(len(doc.norms), i + 4)):
        if not doc.hard[j] and not doc.boilerish[j]:
            return j
    return None


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class StructureModel:
    """Multinomial logistic regression: one weight vector per kind, over named features."""

    classes: tuple[str, ...]
    weights: Mapping[str, Mapping[str, float]]  # class -> feature -> weight
    bias: Mapping[str, float]

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        scores = {}
        for c in self.classes:
            w = self.weights[c]
            scores[c] = self.bias[c] + sum(v * w.get(k, 0.0) for k, v in features.items())
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        z = sum(exp.values())
        return {c: e / z for c, e in exp.items()}

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": dict(self.bias),
                "weights": {c: dict(sorted(w.items())) for c, w in self.weights.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StructureModel:
        classes = tuple(data["classes"])
        weights = {c: dict(data["weights"][c]) for c in classes}
        return cls(classes, weights, {c: float(data["bias"][c]) for c in classes})


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> StructureModel:
    """The shipped weights (or a file's, for retraining and cross-validation)."""
    if path is None:
        text = resources.files("pipeline").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return StructureModel.from_json(json.loads(text))


# ---------------------------------------------------------------- decoding


def page_features(texts: Sequence[str], norms: Sequence[str]) -> tuple[list[LabelMatch | None], list[dict[str, float]]]:
    """Speaker labels and model features of every line of a page."""
    labels = [find_label(t, n) for t, n in zip(texts, norms, strict=True)]
    doc = _doc(norms, [lab is not None for lab in labels])
    return labels, [line_features(doc, i) for i in range(len(norms))]


def decide(
    texts: Sequence[str], norms: Sequence[str], model: StructureModel | None = None, markdown: bool = False,
    given: Sequence[str | None] | None = None,
) -> list[LineDecision]:
    """Decide every line of a page (texts as displayed, norms simplified, one per non-empty line).

    given: the kind the document itself fixes for a line (a Word style, a page header), or
    "display" for a line set apart in larger or bold type (a PDF's headlines: a title or a
    heading, the recognizer says which), or None where the recognizer decides."""
    model = model or load_model()
    labels, feats = page_features(texts, norms)
    probs = [model.probabilities(f) for f in feats]
    kinds = [max(p, key=p.__getitem__) for p in probs]
    md = [bool(_MD_HEADING.match(t)) if markdown else False for t in texts]
    fixed = list(given) if given is not None else [None] * len(texts)
    for i in range(len(norms)):
        given_kind = fixed[i]
        if given_kind == "display":
            kinds[i] = kinds[i] if kinds[i] in ("title", "heading") else "heading"
        elif given_kind is not None:
            kinds[i] = given_kind
        elif feats[i].get("hard_rule"):
            kinds[i] = "boilerplate"
        elif md[i]:
            kinds[i] = "title" if _MD_HEADING.match(texts[i]).group(1) == "#" else "heading"  # type: ignore[union-attr]
    _line_rules(kinds, norms, feats, labels)
    _signature(kinds, norms, feats)
    _one_title(kinds, probs, [m or fixed[i] == "title" for i, m in enumerate(md)], feats)
    _duplicates(kinds, norms, feats)
    _after_related(kinds, norms)
    _notice_head(kinds, norms, feats)
    titled = False
    for i, kind in enumerate(fixed):
        if kind == "display":
            kinds[i] = kinds[i] if kinds[i] in ("title", "heading") else "heading"
        elif kind is not None:  # the document's word over the rules' (one title: a second is a heading)
            kinds[i] = "heading" if kind == "title" and titled else kind
            titled = titled or kind == "title"
        if kind is not None:
            labels[i] = None  # a headline or a page header is no speaker's turn
    out: list[LineDecision] = []
    speaker: str | None = None
    origin: tuple[int, tuple[int, int]] = (0, (0, 0))  # where the current speaker's label is written
    pending: int | None = None  # a label-only line waiting for its speech
    for i, text in enumerate(texts):
        kind = kinds[i]
        lab = labels[i]
        if kind == "boilerplate" and (lab is None or feats[i].get("hard_rule")):
            out.append(LineDecision("boilerplate"))
            speaker = pending = None
            continue
        if md[i]:
            body = _MD_HEADING.match(text).end()  # type: ignore[union-attr]
            out.append(LineDecision(kind, body_start=body))
            speaker = pending = None
            continue
        if lab is not None and lab.body_start >= len(text):
            out.append(LineDecision(None))
            pending, speaker = i, None
            continue
        if lab is not None and _quote_subhead(norms[i], lab, i == len(texts) - 1):
            out.append(LineDecision("heading"))
            speaker = pending = None
            continue
        if lab is not None:
            name = text[lab.speaker_start:lab.speaker_end]
            origin = (i, (lab.speaker_start, lab.speaker_end))
            out.append(LineDecision("turn", name, lab.body_start, origin[0], origin[1], True))
            speaker, pending = name, None
            continue
        if pending is not None:
            plab = labels[pending]
            assert plab is not None
            if kind in ("heading", "title") or _headline_like(norms[i]):
                # A label line over a headline (a newspaper's layout): the headline ends the run.
                out.append(LineDecision(kind if kind in ("heading", "title") else "heading"))
                speaker = pending = None
                continue
            name = texts[pending][plab.speaker_start:plab.speaker_end]
            origin = (pending, (plab.speaker_start, plab.speaker_end))
            out.append(LineDecision("turn", name, 0, origin[0], origin[1], True))
            speaker, pending = name, None
            continue
        if kind in ("heading", "title"):
            out.append(LineDecision(kind))
            speaker = None
        elif speaker is not None and not _ends_speech(norms[i], feats[i]):
            out.append(LineDecision("turn", speaker, 0, origin[0], origin[1], False))
        else:
            out.append(LineDecision("paragraph"))
            speaker = None
    if pending is not None:
        # A label with nothing after it: keep its text (nothing is lost) as a paragraph.
        out[pending] = LineDecision("paragraph")
    return out


def _line_rules(kinds: list[str], norms: Sequence[str], feats: Sequence[Mapping[str, float]],
                labels: Sequence[LabelMatch | None]) -> None:
    """What the conventions name outright, over the model's guess."""
    for i, n in enumerate(norms):
        if _DOC_NUMBER.match(n.replace(" ", "")):
            kinds[i] = "paragraph"
        elif _BRACKET_META.match(n) and labels[i] is None:
            kinds[i] = "boilerplate"
        elif (feats[i].get("caption") and not feats[i].get("dup_earlier") and not feats[i].get("hard_rule")):
            kinds[i] = "paragraph"  # photo captions are content (and end a speaker's run)
        elif (kinds[i] == "paragraph" and feats[i].get("colon_heading") and labels[i] is None
              and not feats[i].get("vocab_density")):
            kinds[i] = "heading"
        elif kinds[i] in ("title", "heading") and feats[i].get("end_full_stop"):
            kinds[i] = "paragraph"  # a line closed by 。 is a sentence, not a headline
        elif feats[i].get("event_meta") and not feats[i].get("iso_date") and not feats[i].get("hard_rule"):
            kinds[i] = "paragraph"  # 时间:/地点:/嘉宾: of a press conference are content
        elif (feats[i].get("numbered") and _short_unpunct(n) and not re.search(r"[，,；;：:]", n)
              and len(n) <= 20 and labels[i] is None):
            kinds[i] = "heading"  # 二、案件情况


def _quote_subhead(norm: str, lab: LabelMatch, last: bool) -> bool:
    """A news subheading in the form `Name: gist` (马某:打诈、扫黑和肃枪已是一体三面): a person's
    bare name, then a short gist without any end mark. Speech ends its sentences; a cut-off
    last line and a bracketed topic ((检阅感受)) are still turns."""
    body = norm[lab.body_start:].strip()
    if last or not body or len(body) > 30 or _ENDER_ANY.search(body) or body[:1] in "（(【[":
        return False
    name = norm[lab.speaker_start:lab.speaker_end].strip()
    return is_person_name(name) and not body.endswith(("，", ",", "：", ":", "……", "…"))


def _ends_speech(norm: str, feats: Mapping[str, float]) -> bool:
    """A content line that is not the speaker's: a photo caption or an editor's note in brackets."""
    return bool(feats.get("caption") or (feats.get("in_brackets") and len(norm) > 12 and feats.get("enders")))


_RELATED_HEADER = re.compile(
    r"^[【\[]?(相关新闻|相关阅读|相关报道|相关链接|相关文章|相关推荐|新闻推荐|推荐阅读|延伸阅读|热点推荐|热门推荐|精彩推荐|特别推荐|"
    r"猜你喜欢|更多新闻|更多阅读|往期回顾|往期推荐|往期精彩|热点新闻|相关稿件)[】\]]?[:：]?$"
)


def _after_related(kinds: list[str], norms: Sequence[str]) -> None:
    """Everything under a related-links header (相关新闻, 新闻推荐) is other pages' teasers."""
    for i, n in enumerate(norms):
        if _RELATED_HEADER.match(n.replace(" ", "")):
            for j in range(i, len(kinds)):
                kinds[j] = "boilerplate"
            return


def _signature(kinds: list[str], norms: Sequence[str], feats: Sequence[Mapping[str, float]]) -> None:
    """A notice signs off with its issuer and a date (泰顺县公安局 / 2021年10月9日): content."""
    for i in range(len(norms)):
        if not feats[i].get("cn_date_only") or feats[i].get("dup_earlier") or feats[i].get("before_body"):
            continue
        kinds[i] = "paragraph"
        j = i - 1
        if j >= 0 and re.fullmatch(r"[\u4e00-\u9fff ]{2,24}", norms[j]) and _ORG_END.search(norms[j]):
            kinds[j] = "paragraph"


def _duplicates(kinds: list[str], norms: Sequence[str], feats: Sequence[Mapping[str, float]]) -> None:
    """A line printed again: a headline's copy is a heading, a copy of content is furniture."""
    first: dict[str, int] = {}
    for i, n in enumerate(norms):
        j = first.setdefault(n, i)
        if j != i and not feats[i].get("hard_rule") and len(n) > 1:
            if kinds[j] == "title":
                kinds[i] = "heading"
            elif kinds[j] != "heading":  # an issuer over the title may sign the notice again
                kinds[i] = "boilerplate"


def _notice_head(kinds: list[str], norms: Sequence[str], feats: Sequence[Mapping[str, float]]) -> None:
    """A notice's head: issuer lines above a 关于…通告 title and the title's second line are headings."""
    t = next((i for i, k in enumerate(kinds) if k == "title"), None)
    if t is None or not _NOTICE_TITLE.match(norms[t]) or _END_SENT.search(norms[t]):
        return
    i = t - 1
    while i >= 0 and re.fullmatch(r"[\u4e00-\u9fff ]{2,20}", norms[i]) and not feats[i].get("hard_rule"):
        kinds[i] = "heading"
        i -= 1
    nxt = t + 1
    if (nxt < len(norms) and not _DOC_TYPE_END.search(norms[t]) and _DOC_TYPE_END.search(norms[nxt])
            and len(norms[nxt]) <= 16):
        kinds[nxt] = "heading"


def _headline_like(n: str) -> bool:
    """A short line without end marks or clauses: under a label-only line it is a headline."""
    return _short_unpunct(n) and not re.search(r"[，,、；;：:]", n)


def _one_title(kinds: list[str], probs: list[dict[str, float]], md: list[bool],
               feats: Sequence[Mapping[str, float]]) -> None:
    """At most one title, chosen over the page: the line above the article body (or already
    taken for a title) with the highest title probability, if that is plausible at all; other
    lines the model took for titles get their next likeliest kind."""
    cands = [i for i, k in enumerate(kinds) if k == "title"]
    if any(md):
        keep = next((i for i in cands if md[i]), None)
        for i in cands:
            if i != keep:
                kinds[i] = "heading"
        return
    notice = [i for i, n in enumerate(feats) if n.get("notice_title") and n.get("before_body")]
    if notice:
        # A notice's 关于…的通告 line is its title, whatever else looks like one.
        for i in cands:
            kinds[i] = "heading"
        kinds[notice[0]] = "title"
        return
    # A headline does not end with a full stop, and the rules' furniture is never one.
    pool = [i for i in range(len(kinds)) if (feats[i].get("before_body") or kinds[i] == "title")
            and not feats[i].get("hard_rule") and not feats[i].get("end_full_stop")]
    best = max(pool, key=lambda i: probs[i]["title"], default=None)
    if best is not None and probs[best]["title"] < TITLE_RESCUE:
        best = None
    for i in cands:
        if i != best:
            kinds[i] = max((k for k in probs[i] if k != "title"), key=probs[i].__getitem__)
    if best is not None:
        kinds[best] = "title"
        return
    # An excerpt that starts inside one article: the next article's headline, over its lead.
    lead = next((i for i, k in enumerate(kinds) if k == "heading" and feats[i].get("next_is_lead")
                 and not feats[i].get("colon_heading")), None)
    if lead is not None:
        kinds[lead] = "title"


__all__ = ["BOILERPLATE", "KINDS", "LabelMatch", "LineDecision", "StructureModel", "decide", "find_label",
           "line_features", "load_model", "page_features"]
