"""Query analysis: what a question names (numbers, agencies, years, places) and asks for.

Deterministic rules, no model. The result drives field-aware scoring (a question
that names 第0310号 or 〔2020〕300号 or 经信委 boosts the letters whose fields say so),
the width of the candidate pool (enumeration questions such as 哪些部门… reach more
letters), and, later, the answer route (a field question gets a field answer).
Explicit filters from the CLI/API are kept apart from what is inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.letters.agencies import AGENCY_SUFFIX, canonical_agency, default_table, split_place
from rag.letters.gazetteer import rural_word
from rag.search.lexicon import normalize

_DOC_NUMBER = re.compile(r"[〔\[【(（]\s*((?:19|20)\d\d)\s*[〕\]】)）]\s*(\d{1,5})\s*号")
_PROPOSAL_NUMBER = re.compile(
    r"(?:第\s*([A-Za-z]{0,3}\d{1,9})\s*号)|(?:([A-Za-z]{0,3}\d{1,9})\s*号\s*(?:提案|建议|议案|代表建议|委员提案))"
    r"|(?:(?:proposal|suggestion|motion)\s*(?:no\.?|number|#)?\s*([A-Za-z]{0,3}\d{1,9}))",
    re.IGNORECASE,
)
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年|\b((?:19|20)\d\d)\b")
# A list across letters ("哪些部门…", "关于…的答复有哪些"), not a list inside one letter ("哪些事项").
_ENUMERATION = re.compile(
    r"哪(?:些|几)(?:个|家|封|份)?(?:(?:人大|政协)(?:代表|委员)?|代表|委员)?(?:部门|单位|机构|答复|复函|回复|函|建议|提案|区县|地方|城市|街道|乡镇|县|区|市|镇|乡)|"
    # Which bodies of a kind (哪几个水务局, 哪些教育局).
    r"哪(?:些|几)(?:个|家)?[\u4e00-\u9fff]{1,6}?(?:局|委|厅|办)(?![\u4e00-\u9fff]{0,2}(?:的|说|提|认为))|"
    # How many letters (有几封, 答复一共有多少份): the letters, counted.
    r"(?:几|多少)封|(?:答复|复函|回复)[^，,。？?]{0,6}(?:几|多少)[份件]|"
    r"(?:答复|复函|回复)(?:都|共|一共)?有哪(?:几件|几封|几份|几个)|"
    r"(?:答复|复函|回复|建议|提案)(?:有|都有)哪些|有哪些[^，,。？?]{0,16}(?:答复|复函|回复|建议|提案|部门|单位)|"
    r"(?:答复|复函|回复|语料)(?:中|里)[^？?。]{0,8}哪些|都有谁|列举|多少(?:个|家)(?:部门|单位)|"
    # Several asked of at once (都是哪里的哪个瀑布, 都在哪些地方).
    r"都(?:是|在|有)哪(?:里|儿|些|几)|"
    r"which\s+(?:agencies|departments|bodies|units|offices|bureaus|letters|replies|districts|counties)|"
    r"what\s+(?:agencies|departments|letters|replies)|list\s+(?:the|all)",
    re.IGNORECASE,
)
# Whether any letter is about something: the letters about it, if there are any.
_EXISTS = re.compile(
    r"(?:有没有|是否有|有无)(?:关于|涉及|针对)[^，,。？?]{1,24}的(?:建议|提案|议案)?(?:答复|复函|回复)|"
    r"的(?:建议|提案|议案)[，,\s]*(?:有没有|有)(?:部门|单位|人)(?:答复|回复|回应)过?(?:吗|没有)?|"
    # 有没有哪份答复讲到…, …的权益保障，有提案答复吗: whether any letter is about it.
    r"有没有哪[份封件个](?:答复|复函|回复|函|建议|提案)|(?:有|有没有)(?:建议|提案|议案)?(?:答复|复函|回复)(?:吗|没有)|"
    r"(?:is|are)\s+there\s+(?:any\s+)?(?:repl(?:y|ies)|letters?|answers?)\s+(?:about|on|regarding|concerning)\b|"
    # Did any letter discuss…, Has any reply mentioned…
    r"\b(?:did|does|do|has|have)\s+any\s+(?:(?:reply|response)\s+)?(?:repl(?:y|ies)|letters?|answers?|responses?)\s+"
    r"(?:discuss|mention|address|cover|talk|deal|touch|refer)",
    re.IGNORECASE,
)
# Several letters asked for without a 哪些: what each place or body replied (各地…怎么答复的,
# 各区县…), or which places did something (which cities…, across different places).
_ACROSS_LETTERS = re.compile(
    r"各(?:地|省|市|区县|区|县|乡镇|街道)(?!委|局|办|政府|人民)|各个?(?:地方|城市|部门|单位)|"
    r"which\s+(?:cities|places|provinces|towns|townships|streets|localities)|"
    r"(?:across|in)\s+(?:different|various|several)\s+(?:places|cities|districts|counties|regions)",
    re.I,
)
# A question about one letter (这封复函…, …提案的复函, 关于X的建议，…) asks for a list inside
# that letter (还会同了哪些单位), not for a list of letters, even when it says 哪些.
_ONE_LETTER = re.compile(
    r"这[封份]|那[封份]|该[函封份]|此函|(?:提案|建议)的(?:复函|答复|回复)|"
    r"关于[^，,。？?]{2,40}的(?:建议|提案|议案)[，,]|[^，,。？?会议]{4,}的(?:建议|提案)[，,]|"
    r"\b(?:this|that|the same) (?:letter|reply)\b",
    re.I,
)
# 由哪个部门管理 / 负责 asks what the letter says of a duty, not which body replied.
NOT_A_DUTY = r"(?!管|负责|牵头|主管|维护|建设|承担|实施|监管|出资)"
_NOT_REPLIER = "".join(
    f"(?<!{verb})"
    for verb in "归 找 向 与 和 跟 给 协调 协调了 联系 联系了 转给 转交 移交 交给 反映 会同 请".split()
)
# What a field question asks for (the answer route uses it; retrieval promotes header/closing chunks).
_FIELD_INTENT = (
    ("doc_number", re.compile(r"文号|发文字号|文件号|document number|reference number", re.I)),
    ("index_number", re.compile(r"索引号|index number", re.I)),
    # "signed up" (enrolled) and "signed on" (joined) are what the letter says, not who signed it.
    (
        "signer",
        re.compile(r"审签|签发|签字|签署|谁签|审定|\bsigned\b(?!\s+(?:up|on)\b)|signer|approved", re.I),
    ),
    (
        "date",
        re.compile(
            # 哪天 asks the letter's date unless the clause asks when something was done
            # (哪天完工的): the letter's own acts, or nothing after it.
            r"日期|落款|成文|(?:哪天|哪一天)(?=[^，,。？?]{0,2}(?:答复|回复|发|写|签|印|交办|公布|公开)|"
            r"的?[？?。]?$)|"
            r"(?:什么时候|什么时间|何时)(?:答复|回复|发出|发的|印发|作出|发布|公布|公开|挂网)|"
            # "…, and on what date?" asks the reply's date; "from what date does the law take
            # effect" asks what the letter says.
            r"when was (?:it|the (?:letter|reply))|what date(?=\s*[?.]?\s*$)|"
            r"what date (?:was|is|did) (?:it|the (?:letter|reply|response|answer))\b|dated|"
            r"when was [^?]{0,60}\b(?:posted|published|issued|sent|written)\b|"
            # "the date of the bureau's reply", "when did the bureau reply (to …)".
            r"\bdate of (?:the |this |that |its |their )?[^?,]{0,60}?\b(?:letter|reply|response)\b|"
            r"\bwhen did [^?,]{0,60}?\b(?:reply|respond|answer)(?:\b(?! that| whether))|"
            r"\b(?:answered|replied|responded)\b[^?]{0,80}\band when\s*[?.]?\s*$",
            re.I,
        ),
    ),
    (
        "agency",
        re.compile(
            # 归哪个部门 / 找哪个部门 asks whose duty it is or whom to go to, 协调了哪个部门 /
            # 转给哪个部门 whom the letter's body worked with: what the letter says, not who replied.
            rf"{_NOT_REPLIER}(?:哪个单位|哪个部门|哪家单位){NOT_A_DUTY}|"
            r"谁答复|谁回复|谁办理|答复单位|发文单位|发出的|"
            r"which (?:agency|department|body|bureau|office)(?!\s+(?:handles?|is responsible|are responsible|"
            r"manages?|oversees?|is in charge|looks after|maintains?|should|will|would|to\b|"
            r"(?:did|does|do) (?:it|they|the \w+) (?:work|coordinate|consult)))|"
            r"who (?:replied|answered|handled|sent)",
            re.I,
        ),
    ),
    # 是主办还是协办 asks the letter's own role, which its words say (现提出协办意见如下).
    (
        "cohandlers",
        re.compile(
            r"(?<!是)(?<!还是)(?:会同|协办|会办)(?!还是)|共同研究|一起办|co-?handl|jointly|"
            # 办理时有商务部门参与吗, 哪些部门参加了办理: bodies taking part in the handling.
            r"(?:部门|单位|[局委])[^，,。？?]{0,4}(?:参与|参加)|(?:参与|参加|配合|联合)了?办理|"
            r"(?:bod(?:y|ies)|agenc(?:y|ies)|departments?|bureaus?) (?:was |were )?(?:involved|took part|participated)",
            re.I
        ),
    ),
    (
        "addressee",
        re.compile(
            r"提案人|代表是谁|委员是谁|哪[几些]?位(?:代表|委员)|哪(?:个|些)(?:代表|委员)(?!团|会)|谁提出|谁提的|"
            r"写给谁|答复谁|回复谁|(?:答复|回复|函复|发)给谁|答复哪位|收件(?:单位|人)|主送(?:单位|机关)?|[写发回]给哪(?:个|家|位)?(?:单位|部门|机关)|"
            r"addressee|addressed to|who (?:proposed|submitted|raised|wrote)",
            re.I,
        ),
    ),
    (
        "category",
        # 属于哪一类? asks the handling category; 属于哪类道路 asks what the letter says.
        re.compile(
            r"类别|(?:几类|哪一类|哪类)(?=[？?，,。；;\s]|$)|[ABC]类|category|class\b", re.I
        ),
    ),
    (
        "number",
        re.compile(
            r"第几号|编号|几号|哪号|多少号|哪件提案|哪件建议|which number|proposal number|suggestion number",
            re.I,
        ),
    ),
    ("contact", re.compile(r"联系人|联系电话|电话|经办人|承办人|找谁|联系谁|跟谁联系|问谁|contact|phone", re.I)),
    (
        "session",
        re.compile(
            r"哪次会议?|哪一次会议?|哪届|什么会议|什么会上|届次|几届几次|在哪个会|"
            r"(?:which|what) (?:session|meeting)|at which (?:session|meeting)",
            re.I,
        ),
    ),
    ("cc", re.compile(r"抄送|抄报|copied to|\bcc\b|carbon cop", re.I)),
    # The reply's own title (答复函的标题全称), not the suggestion's (建议题目: subject).
    (
        "title",
        re.compile(
            r"(?:复函|答复函?|回复函?|函|文件)的?(?:标题|全称|名称|题目)|标题全称|"
            r"title of (?:the|this|that|its) (?:letter|reply|response)|(?:letter|reply)'s (?:full )?title",
            re.I,
        ),
    ),
    (
        "subject",
        re.compile(
            r"什么建议|什么提案|哪件提案|哪件建议|建议题目|提案题目|题目|原题|原标题|"
            r"what (?:suggestion|proposal)",
            re.I,
        ),
    ),
)


def without_fields(text: str) -> str:
    """`text` with the phrases that name a record field blanked (文号, 落款日期, 哪位代表): what
    is left says what kind of content answer a part wants, if any."""
    for _, pattern in _FIELD_INTENT:
        text = pattern.sub(" ", text)
    return text


_NOT_PLACE = re.compile(r"[哪谁什么怎是的对和与及为在中列明个首跨各每该此那这给把被]")
# A date's last character written against the name after it (23年綦江区…, 5月…).
_DATE_TAIL = re.compile(r"^[年月日号]")
_ASCII = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_AGENCY_MENTION = re.compile(
    r"[\u4e00-\u9fff]{1,12}?(?:委员会|局|委|厅|办公室|办|人民政府|政府|中心|分局|管委会|街道|镇)|"
    # People's organisations, by their own endings (残联, 县妇联, 残疾人联合会, 供销社).
    r"[\u4e00-\u9fff]{0,12}?(?:联合会|联合社|残联|妇联|侨联|文联|科协|工商联|供销社|总工会|红十字会)"
)
_KIND = (
    ("提案", re.compile(r"提案|政协|委员|proposal|cppcc", re.I)),
    ("建议", re.compile(r"建议|人大|代表|suggestion|deputy|deputies", re.I)),
)


@dataclass(frozen=True)
class Filters:
    """Explicit, hard constraints on which letters may answer."""

    agency: str | None = None
    place: str | None = None
    year: int | None = None
    kind: str | None = None
    category: str | None = None

    def active(self) -> bool:
        return any(
            v is not None for v in (self.agency, self.place, self.year, self.kind, self.category)
        )


@dataclass
class QueryInfo:
    """What a question names and asks for."""

    text: str
    english: bool = False
    enumeration: bool = False
    exists: bool = False  # whether any letter is about something (有没有关于…的答复)
    doc_numbers: list[str] = field(default_factory=list)  # "2020〔300"
    numbers: list[str] = field(default_factory=list)  # "310", "dh370" (no leading zeros)
    agencies: list[str] = field(default_factory=list)  # canonical names (core, no place)
    years: list[int] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    kind: str | None = None
    intents: list[str] = field(default_factory=list)

    lists_letters: bool = False  # asks for several letters, not one letter's list

    @property
    def identifies_letter(self) -> bool:
        return bool(self.doc_numbers or self.numbers)


def number_key(raw: str) -> str:
    """A proposal/suggestion number without leading zeros, lower case (0310 → 310, DH370 → dh370)."""
    m = re.fullmatch(r"([A-Za-z]*)0*(\d+)", raw.strip())
    return (m.group(1).lower() + m.group(2)) if m else raw.strip().lower()


def doc_number_key(text: str) -> list[str]:
    """`YYYY〔N` keys of every 〔YYYY〕N号 in `text`."""
    return [f"{m.group(1)}〔{int(m.group(2))}" for m in _DOC_NUMBER.finditer(normalize(text))]


def agency_core(name: str) -> str:
    """The canonical agency name without its place prefix (for matching across places)."""
    canonical = canonical_agency(name) or name
    return split_place(canonical)[1] or canonical


def clean_question(question: str) -> str:
    """The question with what no encoder accepts (lone surrogates) replaced, trimmed."""
    return question.encode("utf-8", "replace").decode("utf-8").strip()


def agency_mentions(question: str) -> list[str]:
    """The agency names written in `question` whose core the alias table knows (市环保局 …)."""
    known = default_table().canonical
    return [
        m.group() for m in _AGENCY_MENTION.finditer(question) if split_place(m.group())[1] in known
    ]


def agency_spans(text: str) -> list[tuple[str, int, int]]:
    """Agency names in running text whose core the alias table knows, with their spans; the
    words that lead into a name are cut off (经与市发展改革委 → 市发展改革委)."""
    known = default_table().canonical
    out = []
    for m in _AGENCY_MENTION.finditer(text):
        name = m.group()
        tail = _DATE_TAIL.match(name)  # "23年綦江区教委": the year is not the place
        for cut in range(tail.end() if tail else 0, len(name) - 1):
            if split_place(name[cut:])[1] in known:
                out.append((name[cut:], m.start() + cut, m.end()))
                break
    return out


def is_english(question: str) -> bool:
    """Whether `question` is written in English (a Chinese name or number in it may stay)."""
    return len("".join(_ASCII.findall(question))) > 2 * len(_CJK.findall(question))


def analyze(question: str) -> QueryInfo:
    """Read what `question` names and asks for."""
    norm = normalize(question)
    info = QueryInfo(text=question)
    info.english = is_english(question)
    info.exists = bool(_EXISTS.search(question))
    info.enumeration = bool(_ENUMERATION.search(question)) or info.exists
    info.doc_numbers = doc_number_key(question)
    doc_spans = [m.span() for m in _DOC_NUMBER.finditer(norm)]
    for m in _PROPOSAL_NUMBER.finditer(norm):
        if any(s <= m.start() < e for s, e in doc_spans):
            continue
        raw = m.group(1) or m.group(2) or m.group(3)
        if raw:
            info.numbers.append(number_key(raw))
    info.years = sorted({int(a or b) for a, b in _YEAR.findall(norm)})
    known = default_table().canonical
    for m in _AGENCY_MENTION.finditer(question):
        name = _DATE_TAIL.sub("", m.group())  # "23年綦江区教委": the year is not the place
        places, core = split_place(name)
        if core not in known:
            # Words leading into a bare abbreviation (老旧小区改造住建委, 和住建委) are cut off:
            # a known core at the end of the mention is that body, in whatever place.
            for cut in range(1, len(name) - 1):
                cut_places, cut_core = split_place(name[cut:])
                if cut_core in known:
                    name, places, core = name[cut:], cut_places, cut_core
                    break
        # A place counts when it prefixes something agency-like ("北京市朝阳区商务局"); an
        # agency only when the table knows its core ("哪位委" and "对李中宇委" are not bodies).
        if core in known:
            info.agencies.append(agency_core(canonical_agency(name) or core))
        if places and rural_word(places[-1], core):
            places = places[:-1]  # 内蒙古乡村振兴局, 乡镇卫生院: 乡村 and 乡镇 are words, not a township
        if core and AGENCY_SUFFIX.search(core) and not _NOT_PLACE.search("".join(places)):
            info.places += [p for p in places if len(p) >= 2]
    info.places = list(dict.fromkeys(info.places))
    info.agencies = list(dict.fromkeys(info.agencies))
    info.intents = [name for name, pattern in _FIELD_INTENT if pattern.search(question)]
    for kind, pattern in _KIND:
        if pattern.search(question):
            info.kind = kind
            break
    info.lists_letters = (
        (info.enumeration or bool(_ACROSS_LETTERS.search(question)))
        and not info.identifies_letter
        and not _ONE_LETTER.search(question)
    )
    return info
