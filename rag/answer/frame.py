"""The question frame: what a question asks for, of which letters, under which constraints.

One table turns question words into the kind of answer wanted (a number, a time, a reason, a
status, measures, a body, a place, a person, a field of the record, a list of letters); one
reader turns the names in the question into constraints a letter's record must meet (its
sender and level, place, year, proposal or document number, a quoted term). A question with
several asks ("有多少床位？改建面临什么问题？", "城管局和公安交警分别采取了什么措施？") becomes
several parts, each with its own ask and topic. Chinese and English alike; a new kind of
question is a new row in `ASKS`, not a new route in the answerer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import rjieba

from rag.letters.agencies import canonical_agency, is_sector, split_place
from rag.letters.gazetteer import known_place, rural_word
from rag.search.query import (
    QueryInfo,
    agency_core,
    agency_spans,
    analyze,
    without_fields,
)

# A yes/no asked A-not-A (做不做, 修不修, 开没开) or as 修好没有 / 装了没.
_A_NOT_A = r"(?P<v>[\u4e00-\u9fff])[不没](?P=v)|[好了完]没有?\s*[？?]?\s*$"

# (ask, pattern): the first row whose pattern a part matches gives the part's ask. Rows go
# from the most specific answer type to the most general.
ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # A count or an amount: the answer is a number with its unit.
    (
        "number",
        re.compile(
            r"多少|(?<!哪)几[个所家块盏座条名人项处张台辆亩次批户间只栋万千百层倍天周岁吨米年]|几公里|几成|有?多大|多高|多长(?!时间)|多远|"
            r"how (?:many|much|large|big|long|far)|what (?:number|percentage|share|amount|area|size)|"
            r"what (?:is|was|are|were) the (?:budget|cost|amount|total|number|funding|subsidy|investment)",
            re.I,
        ),
    ),
    # A moment or a period: the answer holds a date or a time of day.
    (
        "time",
        re.compile(
            r"什么时候|何时|哪一?年|哪一?天|几月|几点|什么时间|开关时间|啥时候|多久|期限|时间表|"
            r"几分钟|多长时间|"
            r"\bwhen\b|what time|what date|(?:which|what) (?:year|month|day)|by when|how long",
            re.I,
        ),
    ),
    # A cause: the answer gives the letter's reason (由于…, 因…, 不符合…).
    (
        "reason",
        re.compile(r"为什么|为何|原因|理由|咋不|怎么不|为啥|\bwhy\b|what reason", re.I),
    ),
    # Yes or no: the answer is the letter's own status words (已…, 将…, 暂不…, 无法…).
    (
        "status",
        re.compile(
            r"能不能|能否|是否|有没有|可不可以|可否|会不会|是不是|行不行|有无|要不要|"
            rf"{_A_NOT_A}|"
            r"落实得?(?:怎么样|如何)|进展|采纳了?吗|(?:能|会|可以|有)[^，,。？?]{1,20}吗|吗\s*$|"
            r"^(?:is|are|was|were|does|do|did|will|can|could|has|have)\b",
            re.I,
        ),
    ),
    # Which body: the answer names an agency.
    (
        "body",
        re.compile(
            r"哪个(?:部门|单位|机构)|哪家|由谁|谁负责|哪些部门|哪些单位|哪一级|"
            r"which (?:agency|department|body|bureau|office|level)|who (?:is responsible|handles)",
            re.I,
        ),
    ),
    # Where: the answer names a place (a street, a town, a site).
    (
        "place",
        re.compile(
            r"在哪(?![几些])|哪个街道|哪个镇|哪个村|哪里|什么地方|什么位置|"
            r"哪[几些]?[条个处座]?(?:路口|路段|道路|路|街道|街|社区|小区)(?![\u4e00-\u9fff]{0,2}(?:部门|单位))|\bwhere\b",
            re.I,
        ),
    ),
    # What will be done: the answer quotes the body's plan (将…, 拟…, 计划…).
    (
        "plan",
        re.compile(
            r"打算|准备|下一步|今后|将来|会不会|将如何|怎么处理|如何处理|怎么办|咋办|怎么解决|如何解决|"
            r"what will|going to|\bplan|intend",
            re.I,
        ),
    ),
    # What was done or will be done: the answer quotes measures (一是…二是…, 将…).
    (
        "how",
        re.compile(
            r"怎么|如何|怎样|咋|措施|做了什么|做了哪些|做法|采取|处理|办理情况|结果|承诺|打算|计划|"
            r"\bhow\b|what (?:did|does|do|will|has|have|measures|steps|actions)|decide",
            re.I,
        ),
    ),
)
# Field questions (文号, 审签人 …) are read from the record: `QueryInfo.intents` names them.
# A list of letters or bodies is asked for (哪些答复…, which replies…): `QueryInfo.enumeration`.
# A comparison of letters or places: both are answered, then set side by side.
_COMPARE = re.compile(
    r"有何不同|有什么不同|有什么区别|区别|差别|相比|对比|异同|都有[^，,。？?]{0,12}吗|都[^，,。？?]{0,6}吗|"
    r"两地|两封|两份|两家|二者|两者|各自|分别是哪|compare|differ|difference|both|"
    # A choice between two things named (舒城的杭埠河和隆阳的下坝小河，哪条已经…).
    r"[和与][^，,。？?；;]{2,14}[，,]\s*哪(?:条|个|座|家|份|封|一|边|里)",
    re.I,
)
# A question about one letter ("这封复函", "…提案的复函"): a list-valued field of that letter
# (还会同了哪些单位) is asked for, not a list of letters.
_ONE_LETTER = re.compile(r"这[封份]|那[封份]|该[函封份]|此函|(?:提案|建议)的(?:复函|答复|回复)")
# A question that names one suggestion (关于X的建议, X的提案,) asks about that letter, even
# when it asks which bodies took part (…最后是哪些单位一起换了…).
_ONE_SUGGESTION = re.compile(r"关于[^，,。？?]{2,40}的(?:建议|提案|议案)[，,]|[^，,。？?会议]{4,}的(?:建议|提案)[，,]")
_EACH = re.compile(r"分别|各自")
# Bodies named as alternatives: 教育局或者教委, 水利局或水务局.
_EITHER = re.compile(
    r"(?:局|委|办|厅|府|室|中心)(?:或者|或是|还是|或)|"
    # 工信部门（工信委、工信厅）: the names in brackets are the forms the body goes by.
    r"[（(][^（）()]{2,20}(?:局|委|办|厅|府|室|中心)[、/][^（）()]{2,20}[)）]"
)
# …but one that asks how many letters answered it (关于X的建议，有哪几份答复) wants them all.
_SEVERAL_LETTERS = re.compile(
    r"哪(?:些|几)[封份件]?(?:答复|复函|回复)|有几[封份](?:答复|复函|回复)|"
    # 哪些部门答复过, 哪些地方答复过, 有哪些区的部门答复了: which senders, so which letters.
    r"哪(?:些|几个)[\u4e00-\u9fff/]{0,10}?(?:部门|单位|地方|区|县|市|城市|乡镇|街道)[\u4e00-\u9fff/]{0,4}?(?:答复|回复|办理|回应|回)(?:过|了)"
)
_LIST_FIELDS = frozenset({"cohandlers", "addressee"})
# The words that frame a question rather than name its topic: question words, the letters
# themselves, the corpus, connectives. Removed to leave the topic.
_FRAME_WORDS = re.compile(
    r"(?:语料(?:库)?|收录的?|答复(?:函|过|了)?|复函|回复(?:过|了)?|函复|那封函?|这封函?|该函)(?:中|里)?|建议|提案|议案|或者|或是|"
    r"哪些|哪[一二两三四五六七八九十几]+[个项类种家条所座件批份封]?|哪[条所座件批项类种份封]|哪个|哪家|哪位|哪里|哪儿|什么|多少|怎么样|怎么|怎样|如何|为什么|为何|是否|"
    r"有没有|能不能|能否|可不可以|会不会|是不是|分别|各自|关于|涉及|有关|对于|针对|情况|相关|"
    r"内容|提到|提及|[讲说谈写]到|是谁|是(?=哪)|处理结果|结果|诉求|单位|部门|机构|作出|[的了吗呢吧啊呀]|"
    # Spoken question words and hedges (啥时候能修好, 最后拿出多少钱, 到底归谁管).
    r"(?:什么|啥)时候|几时|为啥|咋样|咋办|[咋啥]|最后|最终|到底|究竟|大概|"
    # Replied, in other words (回过函, 复了函, 发过函).
    r"[回复发][过了]?函|自己|亲自|出面|"
    # Who raised it and how widely it is asked (人大代表建议, 各区的…, 直接答复过).
    r"(?:代表委员|代表|委员|群众|市民|居民)(?:们)?(?:反映|提出|提议|提到|要求)|(?:人大|政协)(?:代表|委员)?|代表委员|"
    r"各(?:区县|区|县|市|地|乡镇|街道)|直接|具体|一共|总共|有?(?:几|多少)[封份件]"
)
# Demonstratives and time words that point rather than name ("那条泥结石路", "现在有多少").
_DEMONSTRATIVE = re.compile(
    r"[那这该此][条个棵所座家封份件位项些段片块处类种样]|[这那](?:边|里|儿|一带)|之类|类似|现在|目前|如今|当前|有多大|多大|多高|多长|多久"
)
# A particle or preposition left at a word's edge once frame words are gone ("渝中区有").
_EDGE = re.compile(r"^(?:[对在把将从向给被让]|跟(?![进踪随])|是?(?:要求|请求|希望)(?=[\u4e00-\u9fff]{2}))|[有是在都还又也由]+$")
_PUNCT = re.compile(r"[\s，,。？?！!；;：:、“”\"'‘’《》〈〉（）()\[\]【】<>·…—\-]+")
# A quoted term the letter must contain (“258集市”, 《…》), at least two characters.
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,40})[”\"」』]|《([^》]{2,60})》")
# The agency is the replying body (it answered, it wrote the letter), not one it mentions.
_SENDS = re.compile(
    r"^\s*(?:对|就|关于|给|那封|这封|的那?[封份])|^[^，,。？?]{0,40}?(?:答复|回复|复函|函复|的函|的回复|的答复|办理|回应)|"
    r"^\s*(?:认为|表示|打算|计划|为什么|为何|怎么|如何|将|会|能|是否|对|提到|提及|说|讲|写)"
)
# The replying body named after its role: 答复单位是…, 由…答复.
_SENT_BY = re.compile(r"(?:答复|回复|发文|办理|承办|主办)(?:单位|部门|机关)(?:是|为)\s*$")
# 政府 with no place before it: the state in general (政府能补贴多少), not a body or a topic.
_GENERIC_GOV = re.compile(r"(?<![市区县省镇乡州旗])(?:人民)?政府(?![办部])")
# The kind of thing a question word asks for (在哪个街道, 什么时候): the answer's type, not its topic.
_ASKED_KIND = re.compile(
    r"(?:哪个|哪些|哪几个?|哪家|哪条|哪一个?|什么)(?:街道|社区|镇|乡|村|区县|区(?!域)|县(?!城|级)|"
    r"市(?!场|民|级)|省(?!际|内|外|级)|地方|地点|"
    r"位置|时间|时候|日期|文件|措施|办法)"
)
_CLAUSE = re.compile(r"[？?；;!！。]+")
_EN_AND_ASK = re.compile(
    r",?\s+and\s+(?=(?:what|when|how|why|who|whom|which|where|is|are|was|were|does|did|will|can)\b)",
    re.I,
)
# Characters that never belong to a place name (a question word, a particle, a verb).
_NOT_PLACE = re.compile(
    r"^.*(?:哪些|哪个|哪|谁|什么|怎么|列明|语料中|答复中|复函中|函中|[是的对和与及为在个首跨各每该此那这份件跟按到让问们进往请想了过给被把已还])"
)
# A clause that asks nothing (no question word): it sets the context of the asks after it
# ("永川区萱花路斑马线的建议，哪些事项被采纳了？").
_ASKS_SOMETHING = re.compile(
    r"哪|什么|多少|多大|多高|多长|多久|多远|几|谁|怎|如何|何|为啥|是否|有没有|能否|能不能|吗|呢|咋|啥|还是|"
    rf"{_A_NOT_A}|"
    r"\b(?:what|which|who|whom|when|where|why|how|is|are|does|do|did|will|can|has|have)\b",
    re.I,
)
# Several asks in one clause joined by 、/，: "哪些已解决、哪些已采纳" or "…和…分别…".
_ASK_SPLIT = re.compile(r"[、，,](?=哪些|哪个|哪位|多少|几|是否|有没有|什么|为什么|怎么|如何)")
_PAIR = re.compile(
    r"(?P<a>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:和|与|及|、)(?P<b>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)"
    r"(?P<how>分别|各自|两地|两家|两个部门|二者|两者)(?P<rest>.*)"
)
_PART_MIN = 4
# Items listed before a pair (文号、 before 领导署名和联系人分别…).
_MORE_ITEMS = re.compile(r"(?:[\u4e00-\u9fffA-Za-z0-9]{2,12}[、和与及])+$")
_ITEM_SEP = re.compile(r"[、和与及]")


# A place name in running text: a short name and an administrative suffix (厦门市, 渝中区,
# 郭扶镇, 石油路街道). Generic words with those suffixes are not places.
_PLACE = re.compile(
    r"(?<![\u4e00-\u9fff])?[\u4e00-\u9fff]{1,6}?(?:特别行政区|自治区|自治州|自治县|街道|省|市|区|县|镇|乡)"
)
_GENERIC_PLACE = re.compile(
    r"城区|市区|社区|小区|园区|景区|片区|山区|辖区|郊区|新区|开发区|城市|县城|乡镇|城镇|集镇|村镇|"
    r"本市|全市|全区|全县|全省|我市|我区|我县|该市|该区|该县|各区|各县|各市|各镇|省市|区县|县区|市县|"
    r"都市|城乡|市级|区级|县级|地市|商区|校区|示范区|保护区|试验区|功能区|经开区|高新区|城镇化|"
    r"集聚区|聚集区|工业区|产业区|服务区|核心区|集中区|"
    r"小镇|场镇|集市|超市|菜市|夜市|早市|花市|股市|楼市|闹市|上市|城市|林区|矿区|牧区|库区|灾区|产区"
)
# Generic only as the whole word: 门市 (a shop front) ends 厦门市, 江门市, 荆门市.
_GENERIC_WHOLE = frozenset({"门市", "街区"})  # 上街区 is a district, 街区 a block
_PLACE_LEAD = re.compile(
    r"^.*(?:[的了和与及或对在是把将从向给被由为即等各该此那这哪些谁年月日号有个几首全跨明份件跟按到让问们进往请想]|"
    r"关于|有关|针对|答复|回复|[局厅委])"
)
# 乡 ends a township's name, but also 返乡, 城乡, 下乡 …; 省 ends a province's name only.
_NOT_TOWNSHIP = re.compile(r"[返城下家回老入故还]乡$")
_PROVINCES = frozenset(
    "河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾".split()
)
# Provinces, municipalities and the larger cities, by the names a question writes them with no
# level word before a district (杭州西湖区, 深圳南山区): the city bounds where the letter is from.
REGIONS = _PROVINCES | frozenset(
    "北京 天津 上海 重庆 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    "石家庄 太原 呼和浩特 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 "
    "南宁 海口 成都 贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐 "
    "深圳 青岛 厦门 宁波 大连 苏州 无锡 东莞 佛山 温州 常州 徐州 烟台 泉州 珠海 唐山 洛阳".split()
)
_REGION_HEAD = re.compile("|".join(sorted(REGIONS, key=len, reverse=True)))


def read_places(question: str) -> tuple[str, ...]:
    """The place names a Chinese question writes (厦门市, 渝中区, 郭扶镇)."""
    out = []
    for m in re.finditer(r"[\u4e00-\u9fff]{2,}", question):
        run = m.group()
        pos = 0
        while pos < len(run):
            p = _PLACE.match(run, pos)
            if p is None:
                pos += 1
                continue
            name, end = p.group(), p.end()
            # 津市市: a division the table knows runs past the first level word.
            longer = next(
                (j for j in (end + 2, end + 1) if j <= len(run) and _known_ending(run, pos, j)), None
            )
            if longer is not None:
                name, end = run[pos:longer], longer
            inner = _known_across(run, pos, end)
            if inner is not None:
                pos = inner  # 另外镇赉县: 镇赉县 starts inside 另外镇 and runs past it
                continue
            if name[-1] == "市" and run[end : end + 1] == "场":
                pos = end  # 农贸市场, 集贸市场: a market, not a city
                continue
            if run[end : end + 1] == "级" and not known_place(_PLACE_LEAD.sub("", name)):
                pos = end  # 创建市级高新区: a level (市级), not a city
                continue
            if rural_word(name, run[end:]):
                pos = end  # 铜梁乡村振兴, 内蒙古乡镇: 乡村 and 乡镇 are words, not a township
                continue
            if name[-1] in "市区" and run[end : end + 1] in ("镇", "乡"):
                name, end = name + run[end], end + 1  # 寨背市镇: a town whose name holds 市
            lead = _PLACE_LEAD.match(name)
            cut = lead.end() if lead else 0
            # 在个旧市, 给和田市, 对和平区: a name the table knows starts inside what reads as
            # the words leading into it (个, 和): the name keeps them.
            known = next((i for i in range(cut) if known_place(name[i:])), None)
            name = name[known:] if known is not None else _without_leading_words(name[cut:])
            stem = name[:-2] if name.endswith("街道") else name[:-1]
            if (
                len(stem) >= 2 or (len(stem) == 1 and name[-1] == "县")  # 泗县, 环县
            ) and not (
                (_GENERIC_PLACE.search(name) and not _under_region(name))
                or name in _GENERIC_WHOLE
                or _NOT_TOWNSHIP.search(name)
                or (name.endswith("省") and stem not in _PROVINCES)
            ):
                out.append(name)
            pos = end
    return tuple(dict.fromkeys(out))


def _known_ending(run: str, start: int, end: int) -> bool:
    """Whether a division the table knows, with its level word, ends at `end` and starts at
    or after `start`, with a level word of its own inside it (津市市: 津市 is not the place)."""
    return run[end - 1] in "市区县旗" and any(known_place(run[i:end]) for i in range(start, end - 2))


def _known_across(run: str, start: int, end: int) -> int | None:
    """Where a division the table knows, with its level word, starts inside run[start:end]
    and ends past it (另外镇赉县 → 镇赉县 at 2); None when none does."""
    for i in range(start + 1, end):
        for j in range(min(len(run), i + 10), end, -1):
            if run[j - 1] in "省市区县旗州" and known_place(run[i:j]):
                return i
    return None


# Word tags (jieba's) of a word that leads into a place rather than naming it: a verb
# (改善镇里, 解决二圣镇), a conjunction (另外), a count (两封), an adverb, a preposition, a
# pronoun (怎么).
_LEAD_TAGS = frozenset({"v", "vn", "c", "m", "d", "p", "r"})


def _without_leading_words(name: str) -> str:
    """A place read with the words before it, without them (解决二圣镇 → 二圣镇); "" when
    only such words stand before its level word (改善镇, 另外镇). A name the table knows stays."""
    if known_place(name):
        return name
    suffix = 2 if name.endswith("街道") else 1
    stem, rest = name[:-suffix], name[-suffix:]
    words = rjieba.tag(stem)
    while words and words[0][1] in _LEAD_TAGS and rjieba.has_word(words[0][0]):
        stem = stem[len(words.pop(0)[0]) :]
    return stem + rest if stem else ""


def _under_region(name: str) -> bool:
    """A district written after its city (深圳南山区): a place, though 山区 ends it."""
    head = _REGION_HEAD.match(name)
    return bool(head) and len(name) - head.end() >= 3


def region_of(place: str) -> str | None:
    """The province or city a place written as one run begins with (杭州 of 杭州西湖区)."""
    head = _REGION_HEAD.match(place)
    return head.group() if head and len(place) - head.end() >= 2 else None


@dataclass(frozen=True)
class Body:
    """An agency the question names: as written, its places and level, its canonical core."""

    name: str
    core: str
    places: tuple[str, ...] = ()  # named places, outermost first (重庆市, 綦江区)
    level: str | None = None  # the level word it carries (市, 区, 县, 省, 镇) if any
    sender: bool = False  # the question makes it the replying body
    sector: bool = False  # a field of government (交通部门): `core` is the field's word


@dataclass(frozen=True)
class Part:
    """One ask of a question: its text, the kind of answer wanted, the fields and topic."""

    text: str
    ask: str  # number | time | reason | status | body | place | plan | how | what
    fields: tuple[str, ...] = ()  # record fields asked for (doc_number, signer …)
    topic: str = ""  # the content words left once frame words and names are removed


@dataclass(frozen=True)
class Frame:
    """What a question asks for and of which letters (see the module docstring)."""

    question: str
    info: QueryInfo
    parts: tuple[Part, ...]
    wants_list: bool = False  # several letters (哪些答复…, which agencies…)
    compare: bool = False  # the answers of several letters side by side
    either: bool = False  # bodies named as alternatives (教育局或者教委): a letter meets one
    whole: bool = True  # the question as asked, not one thing of it split off
    bodies: tuple[Body, ...] = ()
    places: tuple[str, ...] = ()  # place names written in the question (not inside a body)
    quoted: tuple[str, ...] = ()
    fields: tuple[str, ...] = field(default=())  # every field any part asks for
    context: str = ""  # topic words of clauses that ask nothing themselves

    @property
    def english(self) -> bool:
        return self.info.english

    @property
    def topic(self) -> str:
        return " ".join([self.context, *(p.topic for p in self.parts if p.topic)]).strip()

    @property
    def field_only(self) -> bool:
        """Every part asks for a field of the record and nothing else."""
        return all(p.fields and p.ask == "what" for p in self.parts)


def ask_of(text: str) -> str:
    """The kind of answer `text` asks for (a row of `ASKS`), or "what"."""
    for ask, pattern in ASKS:
        if pattern.search(text):
            return ask
    return "what"


def split_parts(question: str) -> list[str]:
    """The separately answerable parts of a question (the whole question when it has one).

    Clauses split at question marks and semicolons; "A和B分别X" becomes "A X" and "B X";
    "哪些已解决、哪些已采纳" becomes one part per ask.
    """
    parts: list[str] = []
    clauses = [c.strip(" ,，") for c in _CLAUSE.split(question)]
    # "Which agency replied, and what will it build?": an English "and" before a question word.
    clauses = [piece for c in clauses for piece in _EN_AND_ASK.split(c)]
    for clause in clauses:
        if len(clause) < _PART_MIN:
            if parts and clause:
                parts[-1] += clause
            continue
        pieces = re.split(r"[，,]", clause)
        for i, piece in enumerate(pieces):
            m = _PAIR.search(piece)
            if m and len(m["rest"].strip()) >= 2:
                # What leads into the pair stays with each part (…的答复:文号、领导署名和联系人
                # 分别是什么), and items listed before it are parts too (文号).
                lead = piece[: m.start()]
                more = _MORE_ITEMS.search(lead)
                items = [*(_ITEM_SEP.split(more.group())[:-1] if more else []), m["a"], m["b"]]
                context = "".join(pieces[:i]) + (lead[: more.start()] if more else lead)
                parts += [f"{context}{item}{m['rest']}" for item in items]
                break
        else:
            asks = [a for a in _ASK_SPLIT.split(clause) if a]
            several = _asking_pieces(pieces)
            if len(several) > 1:
                parts += several  # 什么时候开工的，一共预算多少钱: each piece asks
            elif len(asks) > 1 and all(len(a) >= 3 for a in asks):
                head = clause[: clause.find(asks[0]) + len(asks[0])]
                # "哪些事项已解决、哪些已采纳": later asks borrow the first one's subject.
                parts += [head, *asks[1:]]
            else:
                parts += _asking_pieces(pieces) or [clause]
    return parts or [question.strip()]


def _asking_pieces(pieces: list[str]) -> list[str]:
    """A clause whose comma-separated pieces ask two things, typed as one sentence
    (什么时候批的，主打哪两个产业): one part per asking piece, a piece that asks nothing
    leading the part after it. None when fewer than two pieces ask."""
    if sum(bool(_ASKS_SOMETHING.search(p)) for p in pieces) < 2:
        return []
    out, lead = [], ""
    for piece in pieces:
        if _ASKS_SOMETHING.search(piece) and len(lead + piece) >= _PART_MIN:
            out.append(lead + piece)
            lead = ""
        else:
            lead += piece
    if lead and out:
        out[-1] += lead
    return out


def topic_of(text: str, info: QueryInfo, bodies: tuple[Body, ...] = ()) -> str:
    """The content words of `text`: frame words, named bodies, numbers and punctuation removed."""
    out = text
    for body in bodies:
        if body.sender:  # the letter's sender identifies the letter; it is not the topic
            out = out.replace(body.name, " ")
    for place in info.places:
        out = out.replace(place, " ")
    out = _GENERIC_GOV.sub(" ", out)  # 政府 with no place: the state in general, not a topic
    out = _ASKED_KIND.sub(" ", out)
    out = re.sub(r"\d{4}年(?:(?:及|和)?(?:以前|之前|以后|之后)|以来|起|至今)?|第?[A-Za-z]{0,3}\d+号?|〔\d{4}〕", " ", out)
    # Alternatives are one thing: "老年食堂(老人食堂)", "路灯或照明" → 老年食堂|老人食堂.
    out = re.sub(r"([\u4e00-\u9fff]{2,})\s*[（(]([\u4e00-\u9fff]{2,})[)）]", r"\1|\2", out)
    out = re.sub(r"(?<=[\u4e00-\u9fff]{2})(?:或者|或是|或)(?=[\u4e00-\u9fff]{2})", "|", out)
    out = _FRAME_WORDS.sub(" ", out)
    out = _DEMONSTRATIVE.sub(" ", out)
    words = []
    for word in _PUNCT.split(out):
        # "床位和职工" is two things; "和平路" is one (a conjunction needs a word on each side);
        # spoken, 跟 joins them too (A跟B那个路口), but not in 跟进 / 跟踪.
        for piece in re.split(r"(?<=[\u4e00-\u9fff]{2})(?:[和与及]|跟(?![进踪]))(?=[\u4e00-\u9fff]{2})", word):
            piece = "|".join(f for f in _shared_head([_EDGE.sub("", a) for a in piece.split("|")]) if len(f) >= 2)
            if piece:
                words.append(piece)
    return " ".join(words)


def _shared_head(alternatives: list[str]) -> list[str]:
    """Two actions on one thing (加固|修复河堤): the first gets the thing the second names
    (加固河堤|修复河堤)."""
    if len(alternatives) == 2 and len(alternatives[0]) == 2 and len(alternatives[1]) >= 4:
        first = rjieba.tag(alternatives[0])
        words = rjieba.tag(alternatives[1])
        if len(first) == 1 and first[0][1] == "v" and len(words[0][0]) == 2 and words[0][1] == "v":
            return [alternatives[0] + alternatives[1][2:], alternatives[1]]
    return alternatives


#: Bodies that, named with no place, mean the state in general (政府能补贴吗), not a sender.
_GENERIC_BODY = frozenset({"人民政府", "政府"})


# Two bodies joined with nothing else between them (甲县林草局和交通局, A、B).
_JOINED = re.compile(r"\s*(?:和|与|及|跟|、|以及)\s*")


def read_bodies(question: str) -> tuple[Body, ...]:
    """The agencies `question` names, with their places, level and role."""
    out: list[Body] = []
    prev_end = 0
    quoted = [m.span() for m in _QUOTED.finditer(question)]
    for name, start, end in agency_spans(question):
        if any(a <= start < b for a, b in quoted):
            continue  # part of a quoted name (“黄桷湾工商局站”), not a body the question names
        # Words leading into the name are cut off within its place prefix only: 和 may join
        # the parts of one body's name (农业农村和科学技术局).
        lead = _NOT_PLACE.match(name[: len(name) - len(split_place(name)[1])])
        cut = lead.end() if lead else 0
        rest = split_place(name[cut:])[0]
        if cut and rest and len(rest[0]) == 2:
            # A place of one character and its level (旧市, 平区) is the end of a name the
            # cut word began: 个旧市, 和平区.
            cut -= 1
        name, start = name[cut:], start + cut
        places, core = split_place(name)
        if not core or not places and core != name:
            continue
        canonical = canonical_agency(name) or name
        if not places and agency_core(canonical) in _GENERIC_BODY:
            continue  # "政府能补贴多少" — the state in general, not a body that replied
        levels = [p[-1] for p in places if p and p[-1] in "省市区县镇乡"]
        named = tuple(p for p in places if len(p) >= 2)
        before = question[max(0, start - 4) : start]
        after = question[end : end + 40]
        sender = bool(_SENDS.search(after)) and not re.search(r"中|里|的函中", before) or bool(
            _SENT_BY.search(question[:start])  # 答复单位是县交通运输局的
        )
        if not named and out and out[-1].places and _JOINED.fullmatch(question[prev_end:start]):
            # 马关县林草局和交通局: the second body is of the first one's place.
            named, levels = out[-1].places, [out[-1].level] if out[-1].level else []
        prev_end = end
        out.append(
            Body(
                name=name,
                core=agency_core(canonical),
                places=named,
                level=levels[-1] if levels else None,
                sender=sender,
            )
        )
    taken = [(m.start(), m.end()) for m in _QUOTED.finditer(question)]
    taken += [(start, end) for _, start, end in agency_spans(question)]
    for m in _LEVEL_GOV.finditer(question):
        # 镇政府 with no place (修桥的建议里，哪些是镇政府自己答复的): the governments of a level.
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        level = m.group("level")
        out.append(
            Body(
                name=m.group("name"),
                core="人民政府",
                level="镇" if level == "街道" else level,
                sender=bool(_SENDS.search(question[m.end() : m.end() + 40])),
            )
        )
    for m in _SECTOR.finditer(question):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        body = _sector_body(m.group(1), question[m.end() : m.end() + 40])
        if body is not None:
            out.append(body)
    return tuple(out)


# A government named by its level alone, after a word that is not a place's (是镇政府, 由乡政府).
_LEVEL_GOV = re.compile(
    r"(?:(?<=[是由的和与及、或各让])|^)(?P<name>(?P<level>镇|乡|街道)(?:人民政府|政府|办事处))"
)
# A field of government named as a kind of body (交通部门, 綦江区文化旅游部门): the words
# before 部门, a place perhaps leading them.
_SECTOR = re.compile(r"([\u4e00-\u9fff]{2,12}?)部门")


def _sector_body(lead: str, after: str) -> Body | None:
    """The body a field's name makes (文化旅游部门 → every 文化和旅游… agency), or None when
    the words before 部门 name no field (哪些部门, 相关部门, 政府部门)."""
    for cut in range(len(lead) - 1):
        words = lead[cut:]
        places, word = split_place(words + "局")
        word = word[:-1]
        if len(word) < 2 or word in _GENERIC_BODY or not is_sector(word):
            continue
        if _NOT_PLACE.match(words) and places:
            continue  # a question word or particle inside what would be the place
        named = tuple(p for p in places if len(p) >= 2)
        levels = [p[-1] for p in places if p and p[-1] in "省市区县镇乡"]
        return Body(
            name=words + "部门",
            core=word,
            places=named,
            level=levels[-1] if levels else None,
            sender=bool(_SENDS.search(after)),
            sector=True,
        )
    return None


def read_frame(question: str, info: QueryInfo | None = None) -> Frame:
    """Read `question` into a frame (see the module docstring)."""
    info = info or analyze(question)
    bodies = read_bodies(question) if not info.english else ()
    parts, context = [], []
    for text in split_parts(question):
        fields = tuple(analyze(text).intents)
        if not fields and not _ASKS_SOMETHING.search(text):
            context.append(text)  # sets the scene for the asks after it
            continue
        # The phrases that name a field say which field is asked, not what kind of content
        # answer ("落款日期是哪天" is a field question, not a time question about the content).
        ask = ask_of(without_fields(text))
        # Nor are they its topic: "谁提的" names the addressee, not what the letter is about.
        topic = topic_of(without_fields(text) if fields else text, info, bodies)
        if not topic and parts and not fields:
            topic = parts[-1].topic  # 一共加了多少个: what the part before asked about
        parts.append(Part(text, ask, fields, topic))
    if not parts:  # a statement typed as a question ("长期护理保险政策"): one part
        parts = [Part(question, "what", (), topic_of(question, info, bodies))]
    fields = tuple(dict.fromkeys(f for p in parts for f in p.fields))
    one_letter = bool(_ONE_LETTER.search(question)) and set(fields) <= _LIST_FIELDS
    one_letter |= bool(_ONE_SUGGESTION.search(question))
    # Whether any letter answers a suggestion on X (X的建议，有部门答复过吗) asks for the letters.
    several = bool(_SEVERAL_LETTERS.search(question))
    wants_list = info.enumeration and not info.identifies_letter and (info.exists or several or not one_letter)
    quoted = tuple(a or b for a, b in _QUOTED.findall(question))
    in_bodies = " ".join(b.name for b in bodies) + " ".join(quoted)
    places = () if info.english else tuple(p for p in read_places(question) if p not in in_bodies)
    return Frame(
        question=question,
        info=info,
        parts=tuple(parts),
        context=" ".join(topic_of(c, info, bodies) for c in context),
        wants_list=wants_list,
        compare=(
            bool(_COMPARE.search(question))
            # 上街区公安和南票区公安…分别是怎么处理的: each named place or body its own letter.
            or bool(_EACH.search(question)) and len({*places, *(b.name for b in bodies)}) > 1
        )
        and not wants_list,
        either=len(bodies) > 1 and bool(_EITHER.search(question)),
        bodies=bodies,
        places=places,
        quoted=quoted,
        fields=fields,
    )
