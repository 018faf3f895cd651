"""Check: names. Chinese person names in the source whose pinyin is missing from the English.

Names come from jieba's words: a known surname and one or two given-name characters, and
not a word of the language (a word CC-CEDICT glosses, unless it glosses it as that person:
习近平 is checked, 利剑 and 阳光 are not) and from the 某 pattern police releases use
for a withheld given name (贾某 -> "Jia"); only names that look Chinese (a known surname and one
or two given-name characters, pipeline.speakers) are checked, since a transliterated foreign
name (特朗普) has no pinyin in the English. A name counts as present when its given name is
there in any spacing (Jinping, Jin-ping, Jin Ping) or a capitalized word begins with its surname
(Mr. Wang; Macron for 马克龙, which jieba sometimes tags as a Chinese name).
Place and organisation names are the glossary's job (pipeline.checks.terms).
"""

from __future__ import annotations

import re
from typing import Any

from ..cedict import cedict_gloss
from ..glossary import jieba_module
from ..records import Flag
from ..speakers import COMPOUND_SURNAMES, SINGLE_SURNAMES, SURNAME_READINGS, is_person_name

# 某 after a surname is a withheld given name (贾某, 王某某, 张某甲); 某次, 某种, 某地 are "some".
_MOU = re.compile(
    r"([\u4e00-\u9fff]{1,2}?)某+(?![次种些个天日地处一项件位方类段时年月样部单国省市县区人])[甲乙丙丁戊]?")
_NAME_DOTS = set("·•‧・?？")
_NUMERALS = set("0123456789〇零一二两三四五六七八九十百千万")
_PLACE_AFTER = set("镇村乡街路县市区河山湖桥寺庄屯沟湾岛港")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
# Titles and kin words jieba folds into a name (王局长, 李阿姨 are still 王 and 李).
_NOT_GIVEN = set("方局长处科队所部总书记主任经理先生女士老师阿姨叔伯哥姐弟妹爷奶警官同志市县省区乡镇村")


# Characters of transliterated foreign names (霍根 Hogan, 普鲁特 Pruitt, 缪尔 Muir) that Chinese given
# names almost never use; a candidate whose given name has one is not checked.
_TRANSLITERATION = set("尔斯特夫娃姆普鲁塞迪奥茨兹基亚维卡里洛索拉蒂妮娅莎丝茜黛根乔治克森顿逊恩纳琼杰詹萨达"
                       "法戈博伯尼默"
                       "芬菲弗巴布科库吉加托瓦沃乌耶伊扎泽佩彼皮努诺奈内哈赫亨坦汀图迈麦舍休约翰瑟埃塔普罗")


def _jieba() -> Any:
    # The glossary's tokenizer: one copy of jieba's dictionary in memory, loaded once
    # (loading it is most of the time `zhen check` takes on a short file).
    return jieba_module()


def _in_cedict(word: str) -> bool:
    return bool(cedict_gloss(word))


def _known_person(word: str) -> bool:
    """A dictionary word is a person only when CC-CEDICT glosses it as one by this very name
    (习近平: "Xi Jinping (1953-) ..."); jieba's own tags call 利剑 and 阳光 names."""
    gloss = cedict_gloss(word)
    if not gloss or not gloss[:1].isupper() or " " not in gloss[:20]:
        return False
    sur, given = romanized(word)
    # "Xi Jinping (1953-), PRC politician": the name itself, surname first, then a life or a role.
    return bool(re.match(re.escape(sur.capitalize()) + r"\s+" + re.escape(given.capitalize()) + r"\b", gloss))


# Characters common in Chinese given names. A word jieba's HMM glues together (时应询, 周上, 房企)
# rarely has only these after a surname; a real name of a person in a release nearly always does.
_GIVEN_CHARS = set(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉国力林成春斌志宇浩凯鹏飞龙海云亮峰波晨"
    "晶雪琳慧佳婷倩颖欣宁蕾俊鑫帅旭东昊翔婕琪瑶璐露梅莉丹莹琴燕雯薇荣清光新德永福贵才山松柏江河泉水金银"
    "宝珍珠彬彪斌坤昆鸿毅锋锐铭钧钰瑞祥庆喜乐安康健生胜利民中正义仁礼信忠孝廉良善爱美秋冬夏月星阳晓曦"
    "岩石磊森楠柳枫桐梓栋楷梁杨树桦菊芬芝芸茜莲蓉萱蔚薇虹霖露霏雨雷震宏伦彤彦洁涵淑润泽浩淼源溪滨潇"
    "振晋晖景智晟显旺昌昕晴卫兵武勋功勤俭学博儒士贤哲思恩惠慈德志忠怡悦恒育兴家凤凰鹤鹰华国宪政治"
    "长远达通进运连道顺越超辰巍峥崇岚嵩岳峻崎立亭亮宜宣宏宇安定容寒富宽实宾少尚尧展巧帆希常幸广庭康"
    "开弘强彩彬征德忆志刚光先克全兆儿冰冲凌凡升华卓南博卿友发叶吉君启和咏品哲唯嘉坚培基增士壮声复天"
    "太奇娥婉媛婧婵子孝季孟宁守宗宝实宪宫家容宽富寿尊小少尧居屹岗峰川州巧巨帅平年庄应廷建强彦征徐得"
    "心忠念思恒恩悦惠意慧懿成戈战才振敬斐新方旗旭昂昌明春昭晓晗晶智曼月朋朗木本朱杉杭杰东松林果枝柏"
    "树桂梓楚榕槐樱欢正武毅民永汉江池沁沙河治泉波泰洪洲浚浪海润涌淳清渊湘溢滔漫澄澜灵炎炜烁烨焕然煜"
    "熙燕玮环琛琦琰琼瑜瑾璇璋田甲男畅白百皓益盛真睿石硕碧磊祖祝神祥禄福秀科秦程稳穗立章竹笑策筠简粤"
    "红纯维绍继绪美群羽翔翠耀聪胜舒航良艺芊芙芳芷苑若英茂茵荣莎莉菁萌萍蒙蓓蓝薛虎蝶行衡袁西觉言许诗"
    "诚谦豪贞贤贵赛超跃路辉达迎远连迪逸道遥邦郁金鉴钊钟铁银锦镇长闯阔阳雁雅雄雪雯霄霞青靖静韬韵顺颂"
)


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _pinyin(chars: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [p.replace("v", "u") for p in lazy_pinyin(chars, style=Style.NORMAL, v_to_u=False)]


def person_names(zh: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each Chinese person name in a normalized Chinese text."""
    out: list[tuple[str, int, int]] = []
    taken: set[int] = set()
    for m in _MOU.finditer(zh):
        sur = m.group(1)
        if len(sur) == 2 and sur not in COMPOUND_SURNAMES:
            sur = sur[1:]
        if sur in SINGLE_SURNAMES or sur in COMPOUND_SURNAMES:
            s = m.end(1) - len(sur)
            out.append((zh[s : m.end()], s, m.end()))
            taken.update(range(s, m.end()))
    jieba = _jieba()
    pos = 0
    for w in jieba.cut(zh, HMM=True):
        s, pos = pos, pos + len(w)
        if s in taken or "某" in w or not _HAN_WORD.fullmatch(w):
            continue
        if zh[s - 1 : s] in _NUMERALS or zh[pos : pos + 1] in _PLACE_AFTER:
            continue  # 23时许 is "around 23:00"; 尹家溪镇 is a town
        if zh[s - 1 : s] in _NAME_DOTS or zh[pos : pos + 1] in _NAME_DOTS:
            continue  # 罗娜·麦克丹尼尔: the dot joins the parts of a foreign name
        given = w[len(_surname(w)) :]
        if not _known_person(w):  # 习近平 is checked though 习 is a rare surname
            if not is_person_name(w):
                continue
            if set(given) & (_NOT_GIVEN | _TRANSLITERATION) or not set(given) <= _GIVEN_CHARS:
                continue
            if _in_cedict(w):
                continue  # a word of the language (利剑, 白宫, 阳光), not a person jieba happens to know
            if w in jieba.FREQ and (len(w) == 2 or _in_cedict(given)):
                # jieba knows many two-character words that look like names (强军, 时年) and three
                # that end in a word (高水平, 全明星); a name it knows has a given name that is none.
                continue
        out.append((w, s, pos))
    out.sort(key=lambda t: t[1])
    return out


def romanized(name: str) -> tuple[str, str]:
    """(surname, given name) in pinyin, lower case, given name joined: 孙劲峰 -> (sun, jinfeng)."""
    name = name.rstrip("某甲乙丙丁戊").replace("某", "")
    sur = _surname(name)
    given = name[len(sur) :]
    sur_py = SURNAME_READINGS.get(sur) or "".join(_pinyin(sur))
    return sur_py.replace("v", "u"), "".join(_pinyin(given)) if given else ""


def present(name: str, en: str) -> bool:
    sur, given = romanized(name)
    if given:
        syll = _pinyin(name.replace("某", "")[len(_surname(name)) :])
        spaced = r"[\s'’-]?".join(re.escape(p) for p in syll)
        if re.search(r"(?<![a-z])" + spaced + r"(?![a-z])", en, re.I):
            return True
    # A capitalized word beginning with the surname: Wang, Wang's, Macron (马克龙); Lyu and Lu for 吕.
    variants = {sur, sur.replace("u", "yu") if sur in ("lu", "nu") else sur,
                *OTHER_SPELLINGS.get(_surname(name.replace("某", "")), ())}
    return any(re.search(r"\b" + v.capitalize(), en) for v in variants)


# How Hong Kong, Macao, Taiwan and older usage write common surnames (崔世安 is Fernando Chui).
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "陈": ("chan", "tan"), "张": ("cheung", "chang"), "黄": ("wong", "ng"), "李": ("lee",), "吴": ("ng", "woo"),
    "蔡": ("tsai", "choi"), "崔": ("chui", "tsui", "choi"), "刘": ("lau", "lao"), "林": ("lam",), "郑": ("cheng",),
    "周": ("chow", "chou"), "梁": ("leung",), "何": ("ho",), "胡": ("woo",), "郭": ("kwok", "kuo"),
    "谢": ("tse", "hsieh"), "许": ("hui", "hsu"), "曾": ("tsang",), "蒋": ("chiang",), "江": ("kong", "chiang"),
    "杨": ("yeung",), "王": ("wong",), "徐": ("tsui", "hsu"), "朱": ("chu",), "孙": ("suen",), "赵": ("chiu", "chao"),
    "叶": ("yip", "yeh"), "邓": ("tang", "teng"), "苏": ("so",), "冯": ("fung",), "罗": ("law", "lo"),
    "袁": ("yuen",), "彭": ("pang",), "钟": ("chung",), "卢": ("lo",), "萧": ("siu", "hsiao"), "麦": ("mak",),
    "文": ("man",), "余": ("yue",), "汤": ("tong",), "邱": ("yau", "chiu"), "姚": ("yiu",), "韩": ("hon",),
    "严": ("yim",), "司徒": ("szeto",), "欧阳": ("au-yeung", "auyeung"), "吕": ("lui", "lu", "lv"), "高": ("ko",),
    "金": ("kim",), "朴": ("park",), "郝": ("hao",), "于": ("yu",), "魏": ("ngai",), "龚": ("kung",),
}


def check(zh: str, en: str) -> list[Flag]:
    flags: list[Flag] = []
    seen: set[str] = set()
    for name, s, e in person_names(zh):
        if name in seen:
            continue
        seen.add(name)
        if present(name, en):
            continue
        sur, given = romanized(name)
        want = " ".join(p.capitalize() for p in (sur, given) if p)
        flags.append(Flag("name", ((s, e),), (), f"{name} ({want}) is not in the English", "check"))
    return flags
