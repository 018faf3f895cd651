"""Synthetic speaker labels, look-alikes and transcripts, composed from parts.

A label is built the way pipeline.labels reads one: decoration or timestamp, organisation,
office and title words, a name or a role, a separator. Look-alikes are lines of the same
shape that are not labels: headlines quoting someone, advisory heads, form fields, notice
items ending in a colon, a name heading a profile, salutations, host metadata lines.

Pages put them in context (a transcript, a news story, a notice, a profile box) with every
line's state, so that the line model learns label forms the real pages lack and so that the
label detector is measured on pages it never trained on. All text here is composed for
the purpose (no page of shared/ is copied).

    pages = synth_pages(400, seed=1)   # [SynthPage], each .lines = [(text, state, speaker, lookalike)]

States: title, heading, paragraph, boilerplate, label (a label alone on its line: no block),
lturn (a turn opened by a label in the line), turn (a turn continuing the last label's run).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN = "伟军建国平志明华文强杰涛勇斌超辉峰磊刚健宏洪海波宁静丽敏燕霞红英芳兰秀凤玲雪梅琳晶新跃振东西南北春秋冬永庆德"
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "慕容"]
PLACES = ["河北省", "山西省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
          "湖南省", "广东省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "北京市", "天津市",
          "上海市", "重庆市", "石门市", "临江市", "东阳市", "西河县", "南平区", "青山区", "长宁县"]
UNITS = ["公安厅", "公安局", "公安分局", "交通管理局", "刑事侦查局", "治安管理局", "网络安全保卫总队",
         "经济犯罪侦查支队", "禁毒总队", "反诈中心", "新闻办公室", "人民政府", "应急管理厅", "市场监管局",
         "出入境管理局", "派出所", "交警大队", "刑侦支队", "政治部", "宣传处", "指挥中心"]
MINISTRIES = ["公安部", "国家移民管理局", "应急管理部", "司法部", "国务院新闻办公室", "最高人民检察院",
              "国家禁毒委员会办公室", "市场监管总局", "外交部"]
OFFICES = ["刑事侦查局", "新闻宣传局", "办公厅", "综合司", "边防检查管理司", "政策法规司", "新闻局", "治安管理局",
           "法制局"]
TITLES = ["局长", "副局长", "部长", "副部长", "主任", "副主任", "总队长", "副总队长", "支队长", "大队长", "所长",
          "副所长", "处长", "司长", "副司长", "厅长", "副厅长", "政委", "新闻发言人", "发言人", "负责人",
          "一级巡视员", "二级警监", "一级警督", "党委委员", "秘书长", "教导员", "警务专员", "民警", "检察长",
          "主任科员"]
MEDIA = ["人民日报", "新华社", "中央广播电视总台", "中国日报", "人民网", "中新社", "法制日报", "北京青年报",
         "南方都市报", "澎湃新闻", "凤凰卫视", "香港商报", "路透社", "法新社", "彭博社", "东方卫视", "江南晚报",
         "西部时报", "新京报", "环球时报", "央视新闻客户端", "交通广播电台"]
ROLES = ["主持人", "主持", "解说", "记者", "问", "答", "提问", "嘉宾", "网友", "旁白"]
QA_NUMBERED = ["问1", "问2", "答1", "第一问", "第二问", "记者问", "问一", "答二"]
DECOR = ["", "", "", "", "◆", "▲", "■", "● ", "- ", "★"]
SEPS = [":", ":", ":", "：", " :", ":  ", "——", " —— ", "—"]
SPEECH = ["今年以来,{org}共破获{crime}案件{n}起,抓获犯罪嫌疑人{m}名。", "谢谢你的提问。",
          "关于这个问题,我简单介绍一下有关情况。", "下面,请{title}介绍有关情况。",
          "我们将继续保持高压态势,坚决遏制{crime}犯罪多发高发势头。", "请问{org}在打击{crime}方面采取了哪些措施?",
          "这一数字比去年同期下降了{p}%,成效明显。", "群众如发现相关线索,可以拨打110报警。",
          "目前,案件正在进一步侦办中。", "我想问一个问题,{crime}案件的特点有哪些?",
          "下一步,我们将深化部门协作,形成打击合力。", "一是加强源头治理;二是强化宣传防范;三是完善工作机制。",
          "感谢各位记者朋友长期以来对{org}工作的关心和支持!", "好,今天的发布会到此结束,谢谢大家。",
          "这起案件涉案金额达{n}万元,受害人遍布{m}个省份。",
          "经过{m}个多月的缜密侦查,专案组摸清了犯罪团伙的组织架构。"]
CRIMES = ["电信网络诈骗", "跨境赌博", "非法集资", "涉枪涉爆", "毒品", "侵犯公民个人信息", "盗窃", "黑恶势力", "走私"]
HEADINGS = ["一、工作成效", "二、主要做法", "三、下一步工作", "当前形势", "典型案例", "答记者问", "文字实录",
            "发布会现场", "相关链接", "（二）强化协作"]
CAPTIONS = ["图为新闻发布会现场。", "图为{org}民警在现场勘查。", "发布会现场(记者 {name} 摄)",
            "民警向群众发放宣传资料。(图片由{org}提供)"]
FURNITURE = ["首页 > 新闻中心 > 要闻", "2023-05-12 10:00 来源: {org}", "字号: 大 中 小", "分享到:", "责任编辑:{name}",
             "【打印】 【关闭】", "阅读次数: 1532", "上一篇: {org}召开会议", "扫一扫在手机打开当前页", "编辑:{name}"]
ADVISORY = ["警方提示:", "温馨提示:", "特别提醒:", "防骗小贴士:", "{org}提醒:", "警方提醒广大群众:", "反诈提示:"]
FORM_FIELDS = ["检举类型:", "举报电话:0{n}-{m}{m}", "联系人:{name}", "联系电话:{n}{m}{m}", "举报邮箱:",
               "受理单位:{org}", "姓名:", "性别:男", "身份证号码:", "户籍地址:{place}", "案件类别:诈骗", "办理时限:",
               "所属单位:{org}"]
NOTICE_ITEMS = ["一、管制时间:", "二、管制路段:", "三、管制措施:", "1、奖励标准:", "2、举报方式:", "四、注意事项:",
                "(一)适用范围:", "五、其他事项:", "第一条 适用对象:"]
SALUTATIONS = ["各位记者朋友:", "女士们、先生们,记者朋友们:", "各位媒体朋友,大家上午好:", "同志们:"]
HEADLINE_GIST = ["严打电诈决不手软", "守护群众钱袋子", "让群众安全感更足", "全链条打击跨境赌博", "数据说话见成效",
                 "案件侦办取得突破", "平安建设永远在路上", "警民同心护平安", "这支队伍值得信赖"]
SUBHEADINGS = ["侦破各类{crime}案件{n}余起", "{org}回应社会热点问题", "严控重点区域安全", "多措并举守护群众安全",
               "抓获犯罪嫌疑人{m}名", "全链条打击{crime}犯罪", "线上线下同步宣传", "部门联动形成合力", "案件背后的故事",
               "{crime}呈现新特点", "“群众的满意就是我们的标准”", "专案攻坚 一网打尽"]
LATIN_NAMES = ["Li Wei", "Zhang Min", "Wang Jianguo", "Liu Yang", "Chen Jing", "Host", "Reporter", "Zhao Lei"]
ENGLISH = ["Thank you for your question.", "We will keep up the pressure on telecom fraud.",
           "The case is still under investigation.", "Ladies and gentlemen, good morning."]
PROFILE = ["男,汉族,{y}年{mo}月生,{place}人,大学学历。", "{y}年参加公安工作,历任{org}{title}等职。",
           "现任{org}{title}。", "女,{y}年生,研究生学历,{org}{title}。"]


@dataclass
class SynthPage:
    name: str
    lines: list[tuple[str, str, str | None, bool]] = field(default_factory=list)  # text, state, speaker, look-alike
    # Lines whose text from this offset on is composed speech or narrative (a trainer may put
    # other sentences there, so that what a turn says does not tell it from a paragraph).
    bodies: dict[int, int] = field(default_factory=dict)

    def say(self, text: str, state: str, speaker: str | None = None, body: int = 0) -> None:
        self.bodies[len(self.lines)] = body
        self.lines.append((text, state, speaker, False))

    @property
    def text(self) -> str:
        return "\n".join(t for t, *_ in self.lines)


class Composer:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def name(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.08:
            return self.pick(COMPOUND) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))
        sur = self.pick(list(SURNAMES))
        if x < 0.2:
            return sur + ("某" if r.random() < 0.5 else "某某")
        return sur + "".join(r.choice(GIVEN) for _ in range(1 if r.random() < 0.35 else 2))

    def org(self) -> str:
        r = self.r.random()
        if r < 0.3:
            return self.pick(MINISTRIES) + (self.pick(OFFICES) if self.r.random() < 0.6 else "")
        return self.pick(PLACES) + self.pick(UNITS)

    def fill(self, template: str) -> str:
        r = self.r
        return template.format(org=self.org(), crime=self.pick(CRIMES), n=r.randint(10, 9000), m=r.randint(2, 90),
                               p=r.randint(5, 60), title=self.pick(TITLES), name=self.name(), place=self.pick(PLACES),
                               y=r.randint(1960, 1990), mo=r.randint(1, 12))

    def speech(self, k: int | None = None) -> str:
        k = k or self.r.randint(1, 3)
        return "".join(self.fill(self.pick(SPEECH)) for _ in range(k))

    def speaker(self) -> str:
        """Who speaks, as the source writes it (the label without decoration and separator)."""
        r = self.r.random()
        if r < 0.15:
            return self.pick(ROLES)
        if r < 0.2:
            return self.pick(QA_NUMBERED)
        if r < 0.3:
            return self.pick(MEDIA) + self.pick(["记者", "记者", "主持人"])
        if r < 0.38:
            return self.pick(["主持人", "记者", "新闻发言人"]) + (" " if self.r.random() < 0.5 else "") + self.name()
        if r < 0.5:
            return self.name()
        parts = [self.org() + self.pick(TITLES)]
        if self.r.random() < 0.25:
            parts.append(self.pick(OFFICES) + self.pick(TITLES))
        sep = self.pick(["", " ", "  ", "   "])
        joint = self.pick(["、", " ", "，"]) if len(parts) > 1 else ""
        label = joint.join(parts)
        if self.r.random() < 0.15:
            return self.name() + "(" + label + ")"
        if self.r.random() < 0.1:
            return label  # an office without a name: 保安局局长
        return label + sep + self.name()

    def label(self, speaker: str, alone: bool) -> str:
        """A label line's text for this speaker (alone: nothing after it on the line)."""
        r = self.r
        deco = self.pick(DECOR)
        stamp = ""
        if r.random() < 0.08:
            stamp = (f"20{r.randint(10, 24)}-0{r.randint(1, 9)}-1{r.randint(0, 9)} "
                     f"{r.randint(10, 17)}:{r.randint(10, 59)}")
            stamp += f":{r.randint(10, 59)} - " if r.random() < 0.5 else " "
        bracket = r.random() < 0.15
        core = speaker
        if bracket:
            o, e = r.choice([("[", "]"), ("【", "】"), ("[ ", " ]")])
            core = o + speaker + e
            sep = self.pick(["", ":", ":"])
        elif alone:
            sep = self.pick([":", ":", "", "", "：", " ——", "    "])
        else:
            sep = self.pick(SEPS)
        return (deco + stamp + core + sep).rstrip() if alone else deco + stamp + core + sep


def synth_pages(n: int, seed: int = 0) -> list[SynthPage]:
    """n pages: transcripts (most), news with look-alike heads, notices, profiles; each in the
    furniture of some kind of site (portal menus, tag clouds, counters, repost tails), some
    with a photo table, some bilingual, some in traditional script."""
    c = Composer(seed)
    pages: list[SynthPage] = []
    for i in range(n):
        kind = c.r.random()
        page = SynthPage(f"synth-{seed}-{i:04d}")
        site = Composer(seed * 100_003 + i)  # the site's furniture draws apart: the pages' labels stay as they are
        if not 0.70 <= kind < 0.73:  # a phone-first repost starts with its story
            _furniture_top(c, page)
            _site_top(site, page)
        if kind < 0.58:
            _transcript(c, page)
        elif kind < 0.70:
            _news(c, page)
            _photo_table(site, page)
            if site.r.random() < 0.35:
                _phrase_story(site, page)
        elif kind < 0.73:
            _phrase_story(site, page)
        elif kind < 0.77:
            _flattened(site, page)
        elif kind < 0.9:
            _notice(c, page)
            if site.r.random() < 0.5:
                _reward_items(site, page)
        else:
            _profile(c, page)
        if c.r.random() < 0.6:
            page.lines.append((c.fill(c.pick(FURNITURE[4:])), "boilerplate", None, False))
        _site_tail(site, page)
        if site.r.random() < 0.2:
            _traditional(page)
        pages.append(page)
    return pages


MENU_ITEMS = ["媒体", "分类", "新闻", "要闻", "时政", "社会", "法治", "图片", "视频", "评论", "专题", "国际", "财经",
              "体育", "娱乐", "科技", "教育", "健康", "旅游", "政务", "服务", "互动", "English", "繁体", "无障碍"]
MENU_HEADLINES = ["{org}开展夏季治安打击整治行动", "{place}举办反诈宣传进社区活动", "{org}召开年度工作会议",
                  "{place}发布暴雨预警 市民注意出行安全", "{org}局长{name}会见来访代表团", "多部门联合推广便民服务",
                  "{place}文化节周末开幕", "{org}网上服务平台正式上线", "春运首日{place}客流平稳有序"]
TAGS = ["反诈", "民警", "110", "扫黑除恶", "交通安全", "防骗", "警情通报", "平安", "禁毒", "网络安全", "未成年人",
        "校园"]
REPOST_TAIL = ["阅读原文", "在看", "点个“在看”,你最好看", "长按识别二维码关注我们",
               "本文转载自微信公众号“{org}”,如有侵权请联系删除。", "喜欢就点个“赞”和“在看”吧!", "留言(0) 人气({n})",
               "发表在 某某博客 留言(0) 人气()", "往期回顾", "关注我们,获取更多警务资讯", "编辑:{name} 审核:{name}",
               "投稿邮箱:news{n}@example.com", "0", "{n}", "分享至", "链接已复制", "相关文章:"]
COUNTERS = ["{n}次", "阅读 {n}", "{place}发布 {y}-0{mo}-1{mo} {n}次", "@{org} 等 {y}-0{mo}-1{mo} 10:05:57",
            "跳至主要内容", "当前位置:首页 > 新闻中心 > 正文", "图片实录 更多>>", "{y}年{mo}月5日(星期五)"]
CMS_DEBRIS = ["<!-- /{n}/web_news/article_{m} -->", "var _hmt = _hmt || [];", "document.write('<div id=\"ad{m}\">');",
              "close", "arrow", "menu", "search", "top", "{{$item.title}}", "<div class=\"share\"></div>",
              "&nbsp;&nbsp;", "// ]]>"]
ENGLISH_NEWS = ["Police in the city have cracked a major telecom fraud case, arresting dozens of suspects.",
                "The ministry said it would keep up the pressure on cross-border gambling",
                "Officials urged residents to report clues by calling 110.",
                "Полиция раскрыла крупное дело о мошенничестве"]
CAPTION_CELLS = ["{org}新闻发布会主会场", "{org}负责人在发布会现场", "民警参加新闻发布会", "社会各界代表",
                 "{name}副局长回答记者提出的问题", "{org}民警向群众发放宣传资料"]


def _site_top(c: Composer, page: SynthPage) -> None:
    """Furniture above the article of some kind of site: a portal's menu, a tag cloud, counters."""
    x = c.r.random()
    add = page.lines.append
    if x < 0.25:
        for _ in range(c.r.randint(3, 20)):
            bullet = c.pick(["• ", "·", "", "- "]) if c.r.random() < 0.3 else "• "
            item = c.pick(MENU_ITEMS) if c.r.random() < 0.4 else c.fill(c.pick(MENU_HEADLINES))
            add((bullet + item if c.r.random() < 0.9 else item, "boilerplate", None, False))
    elif x < 0.4:
        for _ in range(c.r.randint(1, 3)):
            add((" ".join(c.r.sample(TAGS, c.r.randint(4, 9))), "boilerplate", None, False))
    elif x < 0.6:
        for _ in range(c.r.randint(1, 2)):
            add((c.fill(c.pick(COUNTERS)), "boilerplate", None, False))


def _site_tail(c: Composer, page: SynthPage) -> None:
    """A repost's tail (WeChat, blog) or a site's counters under the article."""
    if c.r.random() < 0.35:
        for _ in range(c.r.randint(1, 5)):
            page.lines.append((c.fill(c.pick(REPOST_TAIL)), "boilerplate", None, False))
    if c.r.random() < 0.15:
        # What a scraper keeps of the page's code and icons.
        for _ in range(c.r.randint(1, 3)):
            page.lines.append((c.fill(c.pick(CMS_DEBRIS)), "boilerplate", None, False))


def _photo_table(c: Composer, page: SynthPage) -> None:
    """A photo table kept as lines: captions ending in a cell bar are content, lone bars furniture;
    or, on a bilingual page, a translation under each paragraph."""
    x = c.r.random()
    if x < 0.3:
        for _ in range(c.r.randint(2, 6)):
            page.lines.append((c.fill(c.pick(CAPTION_CELLS)) + " |", "paragraph", None, False))
            if c.r.random() < 0.7:
                page.lines.append(("|", "boilerplate", None, False))
    elif x < 0.45:
        for _ in range(c.r.randint(1, 3)):
            page.lines.append((c.pick(ENGLISH_NEWS), "paragraph", None, False))


def _phrase_story(c: Composer, page: SynthPage) -> None:
    """A phone-first repost that breaks a story into phrases, one a line, most without end marks:
    each line is its own paragraph (not a menu, not a heading); the site's picture and
    read-more prompts fall between the phrases."""
    prompt = c.pick(PHRASE_FURNITURE).replace("{site}", c.pick(SITES))
    for _ in range(c.r.randint(2, 5)):
        if c.r.random() < 0.4:
            page.lines.append((prompt, "boilerplate", None, False))
        for piece in re.split(r"(?<=[,。;!?])", c.speech(c.r.randint(1, 2))):
            piece = piece.strip()
            if not piece:
                continue
            if c.r.random() < 0.7:
                piece = piece.rstrip(",。;")
            if piece:
                page.lines.append((piece, "paragraph", None, False))
    page.lines.append((c.pick(["转发提醒!", "扩散周知!", "请转给身边的人!"]), "paragraph", None, False))


PHRASE_FURNITURE = ["打开{site}APP 查看更多图片", "点击查看大图", "展开全文", "查看更多图片", "点击播放视频",
                    "打开{site}客户端 阅读全文"]
SITES = ["网易新闻", "搜狐", "今日头条", "腾讯新闻", "凤凰新闻", "澎湃"]


def _flattened(c: Composer, page: SynthPage) -> None:
    """An article reposted on an unrelated site as one long line (its speech run together), a
    headline and a date line above it, the host site's adverts under it: the one long line is the
    content, however much furniture stands around it."""
    add = page.lines.append
    add((f"{c.org()}:{c.pick(HEADLINE_GIST)}", "title", None, True))
    add((c.fill(c.pick(["发布时间: {y}-0{mo}-06", "{y}-0{mo}-12 09:30", "来源:{org} 发布时间:{y}-0{mo}-1{mo}"])),
         "boilerplate", None, False))
    add((c.fill("据{org}网站消息,") + c.speech(c.r.randint(6, 12)), "paragraph", None, False))
    for _ in range(c.r.randint(1, 4)):
        add((c.pick(["扫码加微信了解更多产品和服务!", "微信", "客服热线:400-800-{n}", "在线咨询", "立即下载APP",
                     "商务合作请联系我们", "友情链接", "关于我们 | 联系我们 | 网站地图"]).replace("{n}", "1234"),
             "boilerplate", None, False))


def _reward_items(c: Composer, page: SynthPage) -> None:
    """A reward notice's items, each condition and its amount on lines of their own: paragraphs."""
    for _ in range(c.r.randint(2, 4)):
        what = c.pick(["破获一个诈骗团伙", "抓获一名在逃人员", "捣毁一处赌博窝点", "查获一批涉案银行卡"])
        page.lines.append((f"对提供线索协助警方{what}的举报人", "paragraph", None, False))
        page.lines.append((f"给予奖励{c.r.randint(1, 20)}000元;", "paragraph", None, False))


def _traditional(page: SynthPage) -> None:
    """The same page in traditional script (Hong Kong, Macau, Taiwan sites and converters)."""
    import opencc

    conv = opencc.OpenCC("s2t")
    page.lines = [(conv.convert(t), s, conv.convert(w) if w else w, la) for t, s, w, la in page.lines]


def _furniture_top(c: Composer, page: SynthPage) -> None:
    for _ in range(c.r.randint(0, 2)):
        page.lines.append((c.fill(c.pick(FURNITURE[:4])), "boilerplate", None, False))


def _transcript(c: Composer, page: SynthPage) -> None:
    add = page.lines.append
    org = c.org()
    add((f"{org}召开新闻发布会通报{c.pick(CRIMES)}专项行动成效", "title", None, False))
    if c.r.random() < 0.5:
        page.say(c.fill("{y}年{mo}月12日,{org}召开新闻发布会,介绍有关工作情况。"), "paragraph")
    if c.r.random() < 0.3:
        # Host metadata: says who hosts, not speech.
        add((f"主持人:{c.name()} {org}新闻发言人", "paragraph", None, True))
    if c.r.random() < 0.3:
        add((c.pick(["文字实录如下:", "以下是发布会实录:", "现将实录整理如下:"]), "paragraph", None, False))
    alone_style = c.r.random() < 0.4
    bilingual = c.r.random() < 0.08
    for _ in range(c.r.randint(3, 9)):
        who = c.speaker()
        alone = alone_style if c.r.random() < 0.85 else not alone_style
        if alone:
            add((c.label(who, True), "label", who, False))
            if c.r.random() < 0.08:
                # Two label lines in a row: the second names the speaker.
                who = c.speaker()
                add((c.label(who, True), "label", who, False))
            if bilingual:
                # A bilingual page: the English twin of the label names the speaker (the last label wins).
                who = c.pick(LATIN_NAMES)
                add((who + ":", "label", who, False))
            if c.r.random() < 0.2:  # a salutation ending in a colon opens the speech: a look-alike
                add((c.pick(SALUTATIONS), "turn", who, True))
            else:
                page.say(c.speech(), "turn", who)
        else:
            label = c.label(who, False)
            page.say(label + c.speech(), "lturn", who, len(label))
        for _ in range(c.r.choice([0, 0, 1, 1, 2, 4])):
            page.say(c.speech(), "turn", who)
            if bilingual:
                add((c.pick(ENGLISH), "turn", who, False))
        x = c.r.random()
        if x < 0.1:
            add((c.fill(c.pick(CAPTIONS)), "paragraph", None, False))
        elif x < 0.18:
            add((c.pick(HEADINGS), "heading", None, False))
        elif x < 0.22:
            add((c.pick(["(现场播放视频)", "(掌声)", "(以下为现场问答)"]), "paragraph", None, False))


def _news(c: Composer, page: SynthPage) -> None:
    add = page.lines.append
    name = c.name()
    who = c.pick([name, c.org() + c.pick(TITLES) + name, c.pick(TITLES) + name])
    add((f"{who}:{c.pick(HEADLINE_GIST)}", "title", None, True))
    page.say(c.fill("新华社北京{mo}月12日电 {org}近日通报,") + c.speech(2), "paragraph")
    if c.r.random() < 0.55:
        # A subheading quoting someone, and a report that names them in the third person.
        quoted = c.name()
        add((f"{quoted}:{c.pick(HEADLINE_GIST)}", "heading", None, True))
        if c.r.random() < 0.6:
            lead = c.pick([f"{quoted}表示,", f"对此,{quoted}指出,", f"有关情况,{quoted}介绍说,"])
            page.say(lead + c.speech(1), "paragraph", body=len(lead))
    subheads = c.r.random() < 0.4
    for _ in range(c.r.randint(1, 4)):
        if subheads:
            # A report in sections: a short subheading without end mark between paragraphs.
            add((c.fill(c.pick(SUBHEADINGS)), "heading", None, False))
        page.say(c.speech(c.r.randint(1, 3)), "paragraph")
    if c.r.random() < 0.4:
        # A newspaper's layout: a label line over a headline; the headline ends the run, so the
        # label yields no turn and the report under it is narrative.
        add((c.label(c.speaker(), True), "label", None, False))
        add((c.pick(HEADLINE_GIST), "heading", None, False))
        for _ in range(c.r.randint(1, 3)):
            page.say(c.speech(), "paragraph")
    if c.r.random() < 0.7:
        add((c.fill(c.pick(ADVISORY)), "paragraph", None, True))
        for _ in range(c.r.randint(1, 3)):
            page.say(c.speech(1), "paragraph")


def _notice(c: Composer, page: SynthPage) -> None:
    add = page.lines.append
    org = c.org()
    add((f"{org}关于{c.pick(['实施交通管制', '悬赏通缉', '公开征集违法犯罪线索'])}的通告", "title", None, False))
    page.say(c.speech(2), "paragraph")
    for _ in range(c.r.randint(2, 4)):
        add((c.pick(NOTICE_ITEMS), "paragraph", None, True))
        page.say(c.speech(1), "paragraph")
    for _ in range(c.r.randint(1, 4)):
        add((c.fill(c.pick(FORM_FIELDS)), "paragraph", None, True))
    add((org, "paragraph", None, False))
    add((c.fill("{y}年{mo}月1日"), "paragraph", None, False))


def _profile(c: Composer, page: SynthPage) -> None:
    add = page.lines.append
    add((f"{c.org()}{c.pick(CRIMES)}专项行动纪实", "title", None, False))
    page.say(c.speech(2), "paragraph")
    add((c.pick(["人物介绍:", "人物简介", "【人物档案】"]), "heading", None, True))
    add((c.name(), "heading", None, True))
    for _ in range(c.r.randint(1, 3)):
        add((c.fill(c.pick(PROFILE)), "paragraph", None, False))
    if c.r.random() < 0.5:
        page.say(c.speech(), "paragraph")


def label_lines(pages: list[SynthPage]) -> tuple[int, int]:
    """How many label lines and look-alikes the pages hold."""
    labels = sum(1 for p in pages for _, s, _, _ in p.lines if s in ("label", "lturn"))
    looks = sum(1 for p in pages for *_, la in p.lines if la)
    return labels, looks


__all__ = ["Composer", "SynthPage", "label_lines", "synth_pages"]
