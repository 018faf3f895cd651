"""Speaker labels of press-conference turns: recognizing them and putting them in English."""

from __future__ import annotations

import re
from functools import lru_cache

# Role words as they appear before a colon (simplified script; labels are matched on the
# simplified form). Longest first so that 新闻发言人 wins over 发言人.
ROLES: dict[str, str] = {
    "新闻发言人": "Spokesperson",
    "发言人": "Spokesperson",
    "主持人": "Host",
    "记者问": "Reporter",
    "记者": "Reporter",
    "嘉宾": "Guest",
    "提问": "Question",
    "主持": "Host",
    "问": "Q",
    "答": "A",
}
_MEDIA_REPORTER = re.compile(r"^([\u4e00-\u9fff]{2,10}?)(记者|记者问)$")
# An official named by office: 刑事侦查局负责人, 公安部新闻发言人, 经侦总队副总队长. The English of
# such a label needs the model (and the glossary), so it is translated with the segments.
_OFFICE = re.compile(
    r"^[\u4e00-\u9fff]{2,12}?(负责人|负责同志|新闻发言人|发言人|副?局长|副?部长|副?主任|副?总队长|副?支队长|"
    r"副?大队长|副?队长|副?所长|副?处长|副?厅长|副?署长|副?司长|副?院长|副?检察长|副?书记|代表|专家|教授|主持人)$"
)

SINGLE_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧傅萧阎"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支"
    "卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印"
    "逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "呼延", "澹台",
}
# Surnames whose reading differs from the character's common reading.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha",
    "区": "ou", "盖": "ge", "缪": "miao", "乐": "yue", "翟": "zhai", "卜": "bu",
    "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun", "覃": "qin", "过": "guo",
    "莘": "shen", "种": "chong", "折": "she", "员": "yun", "召": "shao", "繁": "po",
}
_NOT_NAME_CHARS = set("们好的了是在有和与及等")


def is_person_name(name: str) -> bool:
    """A plausible Chinese personal name: surname plus one or two given-name characters."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) or set(name) & _NOT_NAME_CHARS:
        return False
    if name[:2] in COMPOUND_SURNAMES:
        return 3 <= len(name) <= 4
    # 某 stands in for a withheld given name (贾某): still a person.
    return name[0] in SINGLE_SURNAMES and 2 <= len(name) <= 3


def split_label(label: str) -> tuple[str | None, str | None]:
    """Split a simplified label into (role, name); both None when it is not a speaker label."""
    label = label.strip()
    if not label or len(label) > 16:
        return None, None
    parts = label.split()
    if len(parts) > 2:
        return None, None
    if len(parts) == 2:
        role, name = parts
        if _role(role) and is_person_name(name):
            return role, name
        return None, None
    for role in ROLES:
        if label == role:
            return role, None
        if label.startswith(role) and is_person_name(label[len(role):]):
            return role, label[len(role):]
    if _MEDIA_REPORTER.match(label) or _OFFICE.match(label):
        return label, None
    if is_person_name(label):
        return None, label
    return None, None


def _role(word: str) -> bool:
    return word in ROLES or bool(_MEDIA_REPORTER.match(word)) or bool(_OFFICE.match(word))


def romanize_name(name: str) -> str:
    """Pinyin in Chinese name order: 孙劲峰 -> Sun Jinfeng, 欧阳文 -> Ouyang Wen."""
    from pypinyin import Style, lazy_pinyin

    n = 2 if name[:2] in COMPOUND_SURNAMES else 1
    surname, given = name[:n], name[n:]
    sur = SURNAME_READINGS.get(surname) or "".join(lazy_pinyin(surname, style=Style.NORMAL))
    # 吕 is written Lyu in passports and state media, not Lv.
    sur = sur.replace("v", "yu")
    giv = "".join(lazy_pinyin(given, style=Style.NORMAL, v_to_u=True)) if given else ""
    return " ".join(p.capitalize() for p in (sur, giv) if p)


def speaker_in_english(label_norm: str) -> str | None:
    """Render a speaker label: roles from the table, names in pinyin; None when the label
    names an office (刑事侦查局负责人), whose English the translation stage supplies."""
    role, name = split_label(label_norm)
    words: list[str] = []
    if role is not None:
        if role not in ROLES and not _MEDIA_REPORTER.match(role):
            return None
        words.append(ROLES.get(role) or "Reporter")
    if name is not None:
        # 某 stands for a withheld given name (贾某): keep the surname alone.
        words.append(romanize_name(name.replace("某", "")))
    # Anything else (a long title with a name, an outlet) is English the model supplies.
    return " ".join(words) if words else None


@lru_cache(maxsize=1)
def pos_tagger():  # type: ignore[no-untyped-def]
    """A private jieba POS tagger (the global one may carry other programs' words), quiet."""
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


# Pinyin of a name, and whether an English text writes it (the names check and the names stage).


def name_surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def name_pinyin(chars: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [p.replace("v", "u") for p in lazy_pinyin(chars, style=Style.NORMAL, v_to_u=False)]


def romanized(name: str) -> tuple[str, str]:
    """(surname, given name) in pinyin, lower case, given name joined: 孙劲峰 -> (sun, jinfeng)."""
    name = name.rstrip("某甲乙丙丁戊").replace("某", "")
    sur = name_surname(name)
    given = name[len(sur) :]
    sur_py = SURNAME_READINGS.get(sur) or "".join(name_pinyin(sur))
    return sur_py.replace("v", "u"), "".join(name_pinyin(given)) if given else ""


def present(name: str, en: str) -> bool:
    sur, given = romanized(name)
    if given:
        syll = name_pinyin(name.replace("某", "")[len(name_surname(name)) :])
        spaced = r"[\s'’-]?".join(re.escape(p) for p in syll)
        if re.search(r"(?<![a-z])" + spaced + r"(?![a-z])", en, re.I):
            return True
    # A capitalized word beginning with the surname: Wang, Wang's, Macron (马克龙); Lyu and Lu for 吕.
    variants = {sur, sur.replace("u", "yu") if sur in ("lu", "nu") else sur,
                *OTHER_SPELLINGS.get(name_surname(name.replace("某", "")), ())}
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
