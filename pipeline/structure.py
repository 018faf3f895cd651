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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .labels import LabelParse, parse_label
from .normalize import HAN, to_norm

KINDS = ("title", "heading", "paragraph", "boilerplate")
TITLE_RESCUE = 0.2  # the title probability at which a line above the body is taken as the missing title
MODEL_FILE = "structure_model.json"

# Furniture a rule can name with confidence (also given to the model as a feature).
BOILERPLATE = [
    re.compile(p)
    for p in (
        r"^[◆•·■□●▶\-\s]*[（(【\[]?\s*(本文来源|来源|责任编辑|编辑|作者|校对|审核|审校|通讯员|供稿|出处|原标题|稿源|字号|字体|责编)\s*[:：]",
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
    # A WeChat or blog repost's tail: 阅读原文, 在看, 长按识别二维码, 留言, 人气
    "v_repost": ("阅读原文", "在看", "长按", "识别二维码", "点击关注", "关注我们", "星标", "人气", "转载自",
                 "公众号", "原创", "发表在", "热搜", "置顶", "打赏", "小编"),
}
_COUNTER = re.compile(r"[（(]\s*\d*\s*[)）]|^\d{1,6}$|\d+\s*(次|人|条|赞|阅读|浏览)$")
_FUNCTION = re.compile(r"[了的在着把被将向从对就也都又还才]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


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

_META_ROLES = ("主持人", "嘉宾", "发布人", "出席")


def find_label(text: str, norm: str) -> LabelMatch | None:
    """A speaker label opening the line, as the grammar reads it (pipeline.labels), less the
    forms that say who hosts (`主持人:郭林 公安部新闻发言人`) or credit a reporter (`记者 张三`):
    `记者:`, `[主持人]:`, `【张业遂】`, or a line that is a label alone (`公安部刑事侦查局副局长 孙劲峰`,
    `主持人:`). Whether a found label opens speech on its page is the sequence model's call."""
    p = parse_label(text, norm if len(norm) == len(text) else text)
    if p is None:
        return None
    body = norm[p.body_start:].strip() if len(norm) == len(text) else text[p.body_start:].strip()
    name = text[p.speaker_start:p.speaker_end]
    if to_norm(name).endswith(_META_ROLES) and body and not _ENDER_ANY.search(body):
        return None
    if p.alone and _is_credit(to_norm(text.strip())):
        return None
    if p.features.get("g_prefix_verbs") and p.features.get("g_prefix_known", 0) < 0.5:
        return None
    return LabelMatch(p.speaker_start, p.speaker_end, p.body_start)


def _is_credit(flat: str) -> bool:
    # `记者 张三` or `本报记者 张三` alone on a line is a byline, not the reporter about to speak.
    parts = flat.split()
    return 2 <= len(parts) <= 4 and parts[0].endswith(("记者", "通讯员", "编辑", "摄影", "摄"))


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
    short_run: Sequence[int]  # length of the run of short lines without end marks this line is in (0: not one)
    unpunct_run: Sequence[int]  # the same for lines of any length up to 60 without end marks
    lead_run: Sequence[int]  # the run of lines opening with the same bullet or symbol
    han: Sequence[int]  # each line's Han characters
    phrase: Sequence[bool]  # a short line of prose: Han, no end mark, no furniture word or date
    phrase_run: Sequence[int]  # the run of such lines this line is in (a phone-first story: 0 if not one)


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
    short = _runs([len(n) <= 14 and not _ENDER_ANY.search(n) for n in norms])
    unpunct = _runs([len(n) <= 60 and not _ENDER_ANY.search(n) for n in norms])
    leads = [n[:1] if n[:1] and not HAN.match(n[:1]) and not n[:1].isalnum() and n[:1] not in "“「(（" else ""
             for n in norms]
    lead = _runs([bool(c) and ((i > 0 and leads[i - 1] == c) or (i + 1 < len(leads) and leads[i + 1] == c))
                  for i, c in enumerate(leads)])
    han = [len(HAN.findall(n)) for n in norms]
    # Menus and tag clouds are bulleted or spaced; a phrase of prose is neither.
    phrase = [4 <= h <= 30 and not _ENDER_ANY.search(n) and not b and not hd and not _DIGIT.search(n)
              and not _BULLET.match(n) and " " not in n.strip()
              for n, h, b, hd in zip(norms, han, boilerish, hard, strict=True)]
    return _Doc(norms, body, first, last, share, hard, labels, boilerish, first_soft, first_seen, last_seen, run,
                short, unpunct, lead, han, phrase, _runs(phrase))


def _runs(flags: Sequence[bool]) -> list[int]:
    """For each line, the length (up to 8) of the run of flagged lines it is in; 0 if not flagged."""
    out = [0] * len(flags)
    i = 0
    while i < len(flags):
        j = i
        while j < len(flags) and flags[j]:
            j += 1
        for k in range(i, j):
            out[k] = min(j - i, 8)
        i = max(j, i + 1)
    return out


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
    f["headline_like"] = 1.0 if (not _END_SENT.search(n) and HAN.search(n) and length <= 40
                                 and not re.search(r"[，,、；;：:]", n)) else 0.0
    f["stage_note"] = 1.0 if re.fullmatch(r"[（(][^（）()]+[)）]", n.strip()) and HAN.search(n) else 0.0
    f["phrase_share"] = doc.phrase_share
    f["short_unpunct_x_share"] = doc.phrase_share if su else 0.0
    f["underscores"] = min(n.count("_"), 4) / 4
    # Furniture of other site types: counters (留言(0), a bare 0), photo-table cells (`… |`, `|`),
    # menus and tag clouds (runs of short unpunctuated lines), a second script (bilingual pages).
    f["counter"] = 1.0 if _COUNTER.search(n) else 0.0
    f["pipe_end"] = 1.0 if n.endswith("|") and len(n) > 2 else 0.0
    # A photo table's cell: one caption closed by the cell's bar (a row of links has several bars).
    cell = n.rstrip("| ")
    f["table_cell"] = 1.0 if f["pipe_end"] and "|" not in cell and len(HAN.findall(cell)) >= 4 \
        and not doc.hard[i] and not doc.boilerish[i] and not _ISO_DATE.search(cell) else 0.0
    f["pipe_only"] = 1.0 if set(flat) <= set("|｜") else 0.0
    f["cyrillic"] = 1.0 if _CYRILLIC.search(n) else 0.0
    f["short_run"] = doc.short_run[i] / 8
    f["short_run_long"] = 1.0 if doc.short_run[i] >= 5 else 0.0
    f["unpunct_run"] = doc.unpunct_run[i] / 8
    f["unpunct_run_long"] = 1.0 if doc.unpunct_run[i] >= 5 else 0.0
    f["lead_run"] = doc.lead_run[i] / 8  # a list: lines that open with the same bullet
    f["digits_only"] = 1.0 if flat.isdigit() else 0.0
    # Narrative reads with function words; menus, tags and headlines mostly do without them.
    f["function_words"] = min(1.0, 8 * len(_FUNCTION.findall(flat)) / max(1, length))
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
    _context_features(doc, i, f, su)
    return f


_HTML_DEBRIS = re.compile(r"<!--|-->|</?[a-zA-Z]+[ >/]|\{|\}|[a-z]+=\"|&[a-z]+;|javascript|function\s*\(")


def _context_features(doc: _Doc, i: int, f: dict[str, float], su: bool) -> None:
    """What sets a line apart from the lines around it, and its weight in the page: furniture
    comes in clusters of furniture, a subheading is a short line between long ones, a phrase
    of a phone-first story sits among other phrases, and a line that holds most of the page's
    text is its article, wherever it stands."""
    n = doc.norms[i]
    N = len(doc.norms)
    sents = len(_ENDER_ANY.findall(n))
    for cut in (2, 4, 8):
        if sents >= cut:
            f[f"sents>={cut}"] = 1.0
    if len(n) > 160:
        f["len>160"] = 1.0
    # Most of the page's text, written as sentences or clauses: the article, not its furniture.
    # A flag for the decoder's guard only (a leading underscore: no CRF weight), since on a short
    # page every long line holds a large share, a turn as much as a paragraph.
    dominant = doc.han[i] >= 40 and doc.han[i] / max(1, sum(doc.han)) >= 0.25
    f["_dominant_prose"] = 1.0 if dominant and (sents >= 2 or len(re.findall(r"[，,]", n)) >= 3) \
        and not doc.hard[i] and not any(w in n for k in ("v_spam", "v_site", "v_repost") for w in _VOCAB[k]) else 0.0
    window = [j for j in range(max(0, i - 3), min(N, i + 4)) if j != i]
    f["win_body"] = sum(doc.body[j] for j in window) / 6
    f["win_furniture"] = sum(doc.hard[j] or doc.boilerish[j] for j in window) / 6
    f["win_phrase"] = sum(doc.phrase[j] for j in window) / 6
    f["inside_body"] = 1.0 if doc.first_body < i < doc.last_body else 0.0
    f["phrase"] = 1.0 if doc.phrase[i] else 0.0
    prev_body = i > 0 and doc.body[i - 1]
    next_body = i + 1 < N and doc.body[i + 1]
    if su and prev_body and next_body:
        # A subheading between paragraphs is short; a longer line there is a sentence broken in two.
        f["between_body" if len(n) <= 16 else "between_body_long"] = 1.0
    if doc.phrase[i] and ((i > 0 and doc.phrase[i - 1]) or (i + 1 < N and doc.phrase[i + 1])):
        f["phrase_among_phrases"] = 1.0
    f["phrase_run"] = doc.phrase_run[i] / 8
    f["phrase_run4"] = 1.0 if doc.phrase_run[i] >= 4 else 0.0
    if doc.phrase[i] and f["win_furniture"] == 0.0:
        f["phrase_no_furniture_near"] = 1.0
    f["html_debris"] = 1.0 if _HTML_DEBRIS.search(n) else 0.0
    f["latin_word_only"] = 1.0 if re.fullmatch(r"[A-Za-z][A-Za-z_-]{1,15}", n.strip()) else 0.0
    f["at_handle"] = 1.0 if re.search(r"@\S", n) else 0.0
    f["junk_symbols"] = 1.0 if len(n) >= 6 and doc.han[i] == 0 and len(re.findall(r"[^\w\s]", n)) >= len(n) / 5 \
        else 0.0


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
    # A date with a source word, or with a view counter (`国新办 2022-03-10 977次`).
    return dated and len(n) <= 80 and bool(_META_WORDS.search(n) or re.search(r"\d+\s*(次|阅读|浏览)\s*$", n))


def _next_content(doc: _Doc, i: int) -> int | None:
    for j in range(i + 1, min(len(doc.norms), i + 4)):
        if not doc.hard[j] and not doc.boilerish[j]:
            return j
    return None


# ---------------------------------------------------------------- the model

# A line's state: its block kind, or for speech whether a label opens it. `label` is a label
# alone on its line (no block); `lturn` a turn whose label is in the line; `turn` a turn that
# goes on with the last label's speaker.
STATES = ("title", "heading", "paragraph", "boilerplate", "label", "lturn", "turn")
SPEECH = ("label", "lturn", "turn")


@dataclass(frozen=True)
class StructureModel:
    """A linear-chain CRF over a page's lines: state weights per feature and transition
    weights between states (trained by bench/train_structure.py with CRFsuite, decoded here
    by Viterbi in plain Python, under the grammar's constraints)."""

    classes: tuple[str, ...]
    weights: Mapping[str, Mapping[str, float]]  # feature -> state -> weight
    transitions: Mapping[tuple[str, str], float]
    rules: frozenset[str] = frozenset()  # the hand rules cross-validation kept

    def scores(self, features: Mapping[str, float]) -> dict[str, float]:
        out = dict.fromkeys(self.classes, 0.0)
        for k, v in features.items():
            w = self.weights.get(k)
            if w:
                for c, x in w.items():
                    out[c] += v * x
        return out

    def contributions(self, features: Mapping[str, float], state: str) -> list[tuple[str, float]]:
        """Each feature's push towards state, over its mean push towards the other states."""
        others = [c for c in self.classes if c != state]
        out = []
        for k, v in features.items():
            w = self.weights.get(k)
            if not w or not v:
                continue
            push = v * (w.get(state, 0.0) - sum(w.get(c, 0.0) for c in others) / len(others))
            out.append((k, push))
        return sorted(out, key=lambda kv: -kv[1])

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "rules": sorted(self.rules),
                "transitions": {f"{a}>{b}": round(w, 4) for (a, b), w in sorted(self.transitions.items())},
                "weights": {k: {c: round(x, 4) for c, x in sorted(w.items())} for k, w in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StructureModel:
        trans: dict[tuple[str, str], float] = {}
        for k, v in data["transitions"].items():
            a, b = k.split(">", 1)
            trans[(a, b)] = float(v)
        return cls(tuple(data["classes"]), {k: dict(v) for k, v in data["weights"].items()},
                   trans, frozenset(data.get("rules", ())))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> StructureModel:
    """The shipped weights (or a file's, for retraining and cross-validation)."""
    if path is None:
        text = resources.files("pipeline").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return StructureModel.from_json(json.loads(text))


# ---------------------------------------------------------------- decoding


def page_features(texts: Sequence[str], norms: Sequence[str]) -> tuple[list[LabelParse | None], list[dict[str, float]]]:
    """Speaker-label parses and CRF features of every line of a page."""
    parses = [parse_label(t, n) for t, n in zip(texts, norms, strict=True)]
    doc = _doc(norms, [p is not None for p in parses])
    feats = [line_features(doc, i) for i in range(len(norms))]
    for i, p in enumerate(parses):
        f = feats[i]
        if p is not None:
            f.update(p.features)
            f["cand_alone" if p.alone else "cand_inline"] = 1.0
            f["cand_meta_role"] = 1.0 if texts[i][p.speaker_start:p.speaker_end].endswith(_META_ROLES) else 0.0
            # The next line names the person in the third person (`马某某指出,…`): a report about
            # them follows, not their speech; the line is a headline quoting them (rule 15).
            person = re.search(r"[\u4e00-\u9fff]{2,3}$", texts[i][p.speaker_start:p.speaker_end])
            if p.head == "name" and person and i + 1 < len(norms) and person.group() in texts[i + 1]:
                f["next_names_speaker"] = 1.0
        for name, j in (("prev", i - 1), ("next", i + 1)):
            if 0 <= j < len(parses) and parses[j] is not None:
                q = parses[j]
                assert q is not None
                f[f"{name}_cand_{'alone' if q.alone else 'inline'}"] = 1.0
        if i + 1 < len(norms):
            m = norms[i + 1]
            f["next_speechlike"] = 1.0 if (_ENDER_ANY.search(m) or len(re.findall(r"[，,]", m)) >= 2) \
                and len(m) > 12 else 0.0
    return parses, feats


@dataclass(frozen=True)
class LineWhy:
    """Why a line got its state: the strongest features, and the rules that changed it."""

    state: str
    features: tuple[tuple[str, float], ...]
    rules: tuple[str, ...] = ()


def _allowed(parses: Sequence[LabelParse | None], feats: Sequence[Mapping[str, float]],
             rules: frozenset[str]) -> list[tuple[str, ...]]:
    out = []
    for p, f in zip(parses, feats, strict=True):
        states = ["title", "heading", "paragraph", "boilerplate"]
        ends = (("headline_ends_run" in rules and (f.get("headline_like")  # short, no end mark, no clause
                                                    or (f.get("numbered") and f.get("short_unpunct"))  # 二、…
                                                    or f.get("colon_heading")))  # 当前形势:…, no end mark
                or ("caption_ends_run" in rules and f.get("caption"))  # 图为…, (记者 某某 摄)
                or ("note_ends_run" in rules and f.get("stage_note")))  # (现场播放视频), (以下为…。)
        if ("dominant_is_content" in rules and f.get("_dominant_prose")) or (
                "phrases_are_content" in rules and f.get("phrase_run4")) or (
                "cells_are_content" in rules and f.get("table_cell")):
            states.remove("boilerplate")
        if not ends:
            states.append("turn")
        if p is not None:
            states.append("label" if p.alone else "lturn")
        out.append(tuple(states))
    return out


def viterbi(model: StructureModel, feats: Sequence[Mapping[str, float]],
            parses: Sequence[LabelParse | None], rules: frozenset[str] | None = None) -> list[str]:
    """The best state sequence under the grammar: a label state only where the grammar
    parses a label, a turn only after a label or a turn."""
    if not feats:
        return []
    rules = model.rules if rules is None else rules
    allowed = _allowed(parses, feats, rules)
    # Rule 4: a speaker's run goes on until a label or a non-speech line (a heading, a caption,
    # furniture, a stage direction): never straight into a plain paragraph.
    runs_on = "turn_runs_on" in rules
    unary = [model.scores(f) for f in feats]
    neg = -1e18
    best: list[dict[str, float]] = [{s: unary[0][s] for s in allowed[0] if s != "turn"}]
    back: list[dict[str, str]] = [{}]
    for i in range(1, len(feats)):
        row: dict[str, float] = {}
        ptr: dict[str, str] = {}
        for s in allowed[i]:
            cands = [(best[-1][p] + model.transitions.get((p, s), 0.0), p) for p in best[-1]
                     if (s != "turn" or p in SPEECH) and not (runs_on and s == "paragraph" and p in SPEECH
                                                              and "turn" in allowed[i])]
            if not cands:
                row[s], ptr[s] = neg, next(iter(best[-1]))
                continue
            score, prev = max(cands)
            row[s], ptr[s] = score + unary[i][s], prev
        best.append(row)
        back.append(ptr)
    state = max(best[-1], key=best[-1].__getitem__)
    path = [state]
    for i in range(len(feats) - 1, 0, -1):
        state = back[i][state]
        path.append(state)
    return path[::-1]


def decide(
    texts: Sequence[str], norms: Sequence[str], model: StructureModel | None = None, markdown: bool = False,
    why: list[LineWhy] | None = None,
    given: Sequence[str | None] | None = None,
) -> list[LineDecision]:
    """Decide every line of a page (texts as displayed, norms simplified, one per non-empty line).

    why: a list to fill with each line's explanation (zhen segment --explain).
    given: the kind the document itself fixes for a line (a Word style, a page header), or
    "display" for a line set apart in larger or bold type (a PDF's headlines: a title or a
    heading, the recognizer says which), or None where the recognizer decides."""
    model = model or load_model()
    parses, feats = page_features(texts, norms)
    states = viterbi(model, feats, parses)
    md = [bool(_MD_HEADING.match(t)) if markdown else False for t in texts]
    kinds, fired = line_kinds(model, states, norms, feats, md, texts)
    if given is not None:
        states, parses = _given_kinds(given, kinds, list(states), list(parses), fired)
    out = _speakers(texts, states, kinds, parses)
    if why is not None:
        for i, st in enumerate(states):
            top = [(k, round(v, 2)) for k, v in model.contributions(feats[i], st)[:4]]
            if i:  # what the line above weighs for this state (a turn goes on after a label or a turn)
                top.append((f"after {states[i - 1]}", round(model.transitions.get((states[i - 1], st), 0.0), 2)))
            guards = tuple(g for g, feat in zip(_CONTENT_GUARDS, ("_dominant_prose", "phrase_run4", "table_cell"),
                                                    strict=True)
                           if g in model.rules and feats[i].get(feat))  # kept it out of furniture
            why.append(LineWhy(st, tuple(top), (*guards, *fired.get(i, ()))))
    return out


def line_kinds(model: StructureModel, states: Sequence[str], norms: Sequence[str],
               feats: Sequence[Mapping[str, float]], md: Sequence[bool], texts: Sequence[str] = (),
               rules: frozenset[str] | None = None) -> tuple[list[str], dict[int, list[str]]]:
    """Each line's kind from its state, after the hand rules the model keeps (rules: others,
    for choosing them); speech lines are the sequence's alone. Also which rules changed what."""
    rules = model.rules if rules is None else rules
    speech = [s in SPEECH for s in states]
    kinds = [s if s in KINDS else "paragraph" for s in states]
    fired: dict[int, list[str]] = {}
    for i in range(len(norms)):
        if speech[i]:
            continue
        if "hard_rule" in rules and feats[i].get("hard_rule") and kinds[i] != "boilerplate":
            kinds[i] = "boilerplate"
            fired.setdefault(i, []).append("hard_rule")
        elif md[i] and texts:
            kinds[i] = "title" if _MD_HEADING.match(texts[i]).group(1) == "#" else "heading"  # type: ignore[union-attr]
        elif any(md) and kinds[i] == "boilerplate" and not feats[i].get("hard_rule"):
            # A Markdown file is written, not scraped: no site furniture but what the rules name.
            kinds[i] = "paragraph"
            fired.setdefault(i, []).append("markdown")
    probs = [_softmax(model.scores(f)) for f in feats] if "one_title" in rules else []
    for name, rule in _RULES:
        if name in rules:
            snapshot = list(kinds)
            rule(kinds, norms, feats, probs, list(md))
            for i, (a, b) in enumerate(zip(snapshot, kinds, strict=True)):
                if a != b and not speech[i]:
                    fired.setdefault(i, []).append(name)
    return [("turn" if speech[i] else k) for i, k in enumerate(kinds)], fired


def _softmax(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {c: math.exp(s - top) for c, s in scores.items()}
    z = sum(exp.values())
    return {c: e / z for c, e in exp.items()}


def _given_kinds(given: Sequence[str | None], kinds: list[str], states: list[str],
                 parses: list[LabelParse | None], fired: dict[int, list[str]]
                 ) -> tuple[list[str], list[LabelParse | None]]:
    """The document's word over the recognizer's: a Word style or a page header fixes a line's
    kind (one title: a second is a heading), a PDF's display type makes it a title or heading;
    such a line is no speaker's label or turn."""
    titled = False
    for i, kind in enumerate(given):
        if kind is None:
            continue
        if kind == "display":
            kinds[i] = kinds[i] if kinds[i] in ("title", "heading") else "heading"
        else:
            kinds[i] = "heading" if kind == "title" and titled else kind
            titled = titled or kind == "title"
        states[i], parses[i] = kinds[i], None
        fired.setdefault(i, []).append("given by the document")
    return states, parses


def _speakers(texts: Sequence[str], states: Sequence[str], kinds: Sequence[str],
              parses: Sequence[LabelParse | None]) -> list[LineDecision]:
    """Blocks from states: a label opens a turn that runs until the next label or a non-speech line."""
    out: list[LineDecision] = []
    speaker: str | None = None
    origin: tuple[int, tuple[int, int]] = (0, (0, 0))
    pending = False  # the speaker's label is on a line of its own, not yet used by a turn
    for i, st in enumerate(states):
        p = parses[i]
        if st in ("label", "lturn") and p is not None:
            speaker = texts[i][p.speaker_start:p.speaker_end]
            origin = (i, (p.speaker_start, p.speaker_end))
            if st == "label":
                out.append(LineDecision(None))
                pending = True
            else:
                out.append(LineDecision("turn", speaker, p.body_start, i, origin[1], True))
                pending = False
            continue
        if st == "turn" and speaker is not None:
            out.append(LineDecision("turn", speaker, 0, origin[0], origin[1], pending))
            pending = False
            continue
        out.append(LineDecision(kinds[i] if kinds[i] != "turn" else "paragraph"))
        speaker, pending = None, False
    if states and states[-1] == "label":
        out[-1] = LineDecision("paragraph")  # a label with nothing after it: keep its text
    return out


# What the conventions name outright, over the model's guess: one rule each, so that
# cross-validation keeps each on its own merit.
_LineRule = Callable[[str, str, Mapping[str, float]], str | None]
_LINE_RULES: tuple[tuple[str, _LineRule], ...] = (
    # An official document's number (郴公通字〔2017〕01号) is part of the notice.
    ("doc_number", lambda k, n, f: "paragraph" if _DOC_NUMBER.match(n.replace(" ", "")) else None),
    # Database or CMS fields in lenticular brackets: 【时效性】尚未施行
    ("bracket_meta", lambda k, n, f: "boilerplate" if _BRACKET_META.match(n) and not f.get("cand_inline") else None),
    # Photo captions are content.
    ("caption", lambda k, n, f: "paragraph" if f.get("caption") and not f.get("dup_earlier")
     and not f.get("hard_rule") else None),
    # A two-part subheading, topic and gist: 当前形势:打击成效良好但总体形势依然严峻
    ("colon_heading", lambda k, n, f: "heading" if k == "paragraph" and f.get("colon_heading")
     and not f.get("cand_inline") and not f.get("vocab_density") else None),
    # A line closed by 。 is a sentence, not a headline.
    ("full_stop", lambda k, n, f: "paragraph" if k in ("title", "heading") and f.get("end_full_stop") else None),
    # 时间:/地点:/嘉宾: of a press conference are content.
    ("event_meta", lambda k, n, f: "paragraph" if f.get("event_meta") and not f.get("iso_date")
     and not f.get("hard_rule") else None),
    # 二、案件情况
    ("numbered_heading", lambda k, n, f: "heading" if f.get("numbered") and _short_unpunct(n)
     and not re.search(r"[，,；;：:]", n) and len(n) <= 20 and not f.get("cand_inline") else None),
)


def _line_rule(rule: _LineRule) -> Rule:
    def apply(kinds: list[str], norms: Sequence[str], feats: Sequence[Mapping[str, float]],
              probs: list[dict[str, float]], md: list[bool]) -> None:
        for i, n in enumerate(norms):
            kind = rule(kinds[i], n, feats[i])
            if kind is not None:
                kinds[i] = kind
    return apply


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


def _one_line(kinds: list[str], feats: Sequence[Mapping[str, float]]) -> None:
    """A text of one line (`zhen translate --text`, the server's quick translation) is the
    text itself: furniture needs a page around it."""
    if len(kinds) == 1 and kinds[0] == "boilerplate" and not feats[0].get("hard_rule"):
        kinds[0] = "paragraph"


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


def _one_title(kinds: list[str], probs: list[dict[str, float]], md: list[bool],
               feats: Sequence[Mapping[str, float]], norms: Sequence[str]) -> None:
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
    # SEO spam (成人, 无码, 彩票…) heads many a scraped page and is never its headline.
    pool = [i for i in range(len(kinds)) if (feats[i].get("before_body") or kinds[i] == "title")
            and not feats[i].get("hard_rule") and not feats[i].get("end_full_stop")
            and not any(w in norms[i] for w in _VOCAB["v_spam"])]
    best = max(pool, key=lambda i: probs[i]["title"], default=None)
    if best is not None and probs[best]["title"] < TITLE_RESCUE:
        best = None
    for i in cands:
        if i != best:
            kinds[i] = max((k for k in probs[i] if k != "title" and k in KINDS), key=probs[i].__getitem__)
    if best is not None:
        kinds[best] = "title"
        return
    # An excerpt that starts inside one article: the next article's headline, over its lead.
    lead = next((i for i, k in enumerate(kinds) if k == "heading" and feats[i].get("next_is_lead")
                 and not feats[i].get("colon_heading")), None)
    if lead is not None:
        kinds[lead] = "title"


Rule = Callable[[list[str], Sequence[str], Sequence[Mapping[str, float]], list[dict[str, float]], list[bool]], None]
# The hand rules, in the order they run over the non-speech lines; a model names the ones it keeps
# (bench/train_structure.py keeps a rule only where leave-one-site-out cross-validation shows it helps).
_RULES: tuple[tuple[str, Rule], ...] = (
    *((name, _line_rule(rule)) for name, rule in _LINE_RULES),
    ("signature", lambda k, n, f, p, m: _signature(k, n, f)),
    ("one_title", lambda k, n, f, p, m: _one_title(k, p, m, f, n)),
    ("duplicates", lambda k, n, f, p, m: _duplicates(k, n, f)),
    ("after_related", lambda k, n, f, p, m: _after_related(k, n)),
    ("notice_head", lambda k, n, f, p, m: _notice_head(k, n, f)),
    ("one_line", lambda k, n, f, p, m: _one_line(k, f)),
)
# Rules that end a speaker's run (conventions, rule 14): the line cannot go on with a turn.
_RUN_ENDERS = ("headline_ends_run", "caption_ends_run", "note_ends_run")
# Constraints on the decode that keep a line out of furniture: a line holding most of the page's
# text in sentences, a run of four or more phrases of prose (a phone-first story), a photo table's
# caption cell.
_CONTENT_GUARDS = ("dominant_is_content", "phrases_are_content", "cells_are_content")
RULE_NAMES = (*_RUN_ENDERS, "turn_runs_on", *_CONTENT_GUARDS, "hard_rule", *(name for name, _ in _RULES))


__all__ = ["BOILERPLATE", "KINDS", "RULE_NAMES", "STATES", "LabelMatch", "LineDecision", "LineWhy", "StructureModel",
           "decide", "find_label", "line_features", "line_kinds", "load_model", "page_features", "viterbi"]
