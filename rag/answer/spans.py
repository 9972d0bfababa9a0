"""Typed answer spans: the clause of a letter's sentence that holds what a question asks for.

A question asking 多少 wants a number with its unit; 什么时候, a date or a time; 为什么, the
letter's reason (由于…, 不符合…, 无法…); 能不能 / 有没有, its status words (已…, 将…, 暂不…);
怎么 / 哪些措施, its measures (一是…, 将…); 哪个部门, a body; 在哪, a place. `SPAN` holds one
pattern per kind of ask — one table, the same for every letter.

Sentences split at 。！？；; a clause is a piece of a sentence between commas, colons and
semicolons. The direct answer to one part of a question is the run of clauses of its best
sentence from the first clause on the topic to the last clause holding the asked span — in
the letter's own words, an exact span of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Units that make a number an amount or a count.
_UNIT = (
    r"(?:%|％|‰|个百分点|万元|亿元|千元|元|万亩|亩|万吨|吨|平方米|平方公里|公里|千米|米|公顷|"
    r"万人|人次|人|户|家|个|所|座|条|名|项|处|张|台|辆|盏|块|批|间|栋|套|辆|只|头|羽|床|次|期|"
    r"场|班|趟|站|路|件|份|册|本|篇|年|月|天|日|小时|分钟|岁|倍|万|亿)"
)
# With the capital numerals of sums of money (拾万元, 壹佰万元).
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_CN_COUNT = "一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰"
SPAN: dict[str, re.Pattern[str]] = {
    # A count or an amount: digits or Chinese numerals with a unit, a percentage, 百分之…
    "number": re.compile(
        # A range first (2-5万元), then one figure.
        rf"\d+(?:\.\d+)?\s*[-~～—至到]\s*\d+(?:\.\d+)?\s*{_UNIT}|"
        rf"\d+(?:[.,，]\d+)*\s*(?:余|多|近|约)?\s*{_UNIT}|[{_CN_DIGITS}]{{1,6}}{_UNIT}|百分之[{_CN_DIGITS}]+"
    ),
    # A date, a month, a time of day, or a time word (年底, 下一步 …).
    "time": re.compile(
        rf"(?:19|20)\d\d\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?|底|初|内|前|以来|起)?|"
        rf"[{_CN_DIGITS}〇○]{{4}}年|\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?|"
        r"\d{1,2}\s*(?:点|时|[:：︰∶]\s*\d\d)(?:\s*\d{1,2}\s*分)?|(?:19|20)\d\d-\d{1,2}(?:-\d{1,2})?|"
        r"年底|年内|年初|月底|近期|下一步|今年|明年|[一二三四]季度|上半年|下半年|"
        # A length of time (多久发一趟: 每3-5分钟; 多久能办好: 15个工作日).
        rf"[\d{_CN_DIGITS}]+(?:\s*[-~～—至到]\s*[\d{_CN_DIGITS}]+)?\s*(?:分钟|小时|个?工作日|个月|周|天)|"
        # A time told by a season or a holiday (春节后, 汛期前, 开学前).
        r"(?:春节|元旦|国庆|五一|中秋|端午|清明|开学|汛期|节日|节)(?:前|后|期间|以后|之后|过后)"
    ),
    # A reason the letter gives.
    "reason": re.compile(
        r"由于|因为|因此|原因|鉴于|不符合|不具备|无法|不能|不宜|受[^，。；]{1,12}(?:限制|影响|制约)|"
        r"未(?:纳入|列入|达到|形成|落实)|不足|困难|尚未|缺乏|没有"
    ),
    # Where a request stands.
    "status": re.compile(
        r"已经?|将|拟|计划|正在|暂不|暂时不|暂无|无法|不具备|不予|同意|采纳|列入|纳入|完成|启动|开通|"
        r"落实|安排|争取|投入使用|建成"
    ),
    # A plan: what the body will do.
    "plan": re.compile(r"将|拟|计划|下一步|准备|争取|今后|力争|适时|逐步"),
    # Measures: enumeration items and verbs of action.
    "how": re.compile(
        r"一是|二是|三是|四是|[（(][一二三四五六七八九十][）)]|^\s*\d{1,2}[.、．]|将|拟|计划|已|加强|推进|"
        r"开展|实施|制定|完善|建立|协调|组织|落实|安排|更换|改造|修建|拆除|设置|增设"
    ),
    # A body (an agency acting or named).
    "body": re.compile(
        r"[\u4e00-\u9fff]{1,12}?(?:委员会|局|委|厅|办公室|人民政府|政府|办事处|中心|分局|管委会|街道|大队|支队)"
    ),
    # A place: a street, a town, a village, a road, a site.
    "place": re.compile(
        r"[\u4e00-\u9fff\dA-Za-z]{1,10}?(?:街道|社区|镇|乡|村|路|街|巷|广场|公园|园区|小区|集市|市场|大桥|路口|学校|小学|中学)"
    ),
    "what": re.compile(r"."),
}
# What a number question counts or measures, and the units that answer it: 多少个食堂 → 个,
# 多少钱 / 资金 → 元 (投入 is money unless what it puts in is counted: 投入多少辆车, 投入使用),
# 多少人 → 人, 面积 → 亩 / 平方米. A number in another unit does not answer.
_ASKED_UNITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"多少钱|资金|经费|投资|投入(?!使用|运营|运行|营运|了?(?:多少|几)\s*(?![万亿元钱块资经])[\u4e00-\u9fff])|预算|补贴|金额|费用|造价|产值|收入|how much money|funding|budget|cost|yuan", re.I), r"元|(?<=[万亿])(?![\u4e00-\u9fff])"),
    (
        re.compile(
            r"多少人|几人|人数|多少名|几名|多少位|how many (?:people|persons|students|pupils|teachers|"
            r"children|residents|villagers|workers|staff|doctors|members|households|families)",
            re.I,
        ),
        r"人|名|位|人次|户",
    ),
    (re.compile(r"面积|多少亩|几亩|多大面积|area", re.I), r"亩|平方米|平方公里|公顷|㎡"),
    (re.compile(r"多长|多远|长度|距离|几公里|多少公里|多少米|how (?:long|far)", re.I), r"米|公里|千米"),
    (re.compile(r"比例|比重|占比|百分之|增长了?多少|增幅|覆盖面|覆盖率|percentage|share|rate", re.I), r"%|％|百分之|成"),
)
_MEASURE = re.compile(r"(?:多少|几)\s*([个所家块盏座条名人项处张台辆亩次批户间只栋吨年])(?![位口员])")


def asked_unit(question: str) -> tuple[re.Pattern[str], bool] | None:
    """The units that answer a number question, and whether only they answer (an amount of
    money, people, an area, a length, a share: strict; a classifier such as 个 or 所: a
    preference, since letters count with other classifiers). None when it does not say."""
    for pattern, units in _ASKED_UNITS:
        if pattern.search(question):
            return (
                re.compile(
                    rf"(?:\d[\d.,]*|[{_CN_DIGITS}]*[{_CN_COUNT}])\s*(?:余|多)?\s*(?:万|亿|千)?\s*(?:{units})|"
                    rf"(?:{units})\s*[\d{_CN_DIGITS}]"
                ),
                True,
            )
    m = _MEASURE.search(question)
    if m and m.group(1) == "年":
        # 几年: a number of years (3年, 三年), not a year (2023年).
        return re.compile(r"(?<!\d)\d{1,2}\s*(?:多|余)?\s*个?年|(?<![\d〇○零一二三四五六七八九])[一二两三四五六七八九十]{1,3}年"), False
    if m:
        unit = re.escape(m.group(1))
        return re.compile(rf"\d\s*(?:余|多)?\s*(?:万|亿)?{unit}|[{_CN_DIGITS}]{unit}"), False
    return None


# A time asked to the day (哪天动工, 几号) or to the year (哪一年): a looser time (下一步, 年内)
# does not answer it.
_ASKED_TIMES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"哪一?天|哪一?日|几号|几月几[日号]|具体日期|什么日期|which day|what date|exact date", re.I),
        re.compile(r"\d{1,2}\s*月|\d{1,2}\s*[日号]|(?:19|20)\d\d[-/.]\d{1,2}|[上中下]旬|月[初底中]"),
    ),
    (
        # A length in the unit asked (几分钟来一趟, 多少个工作日): a length of time, not a clock
        # time or a date.
        re.compile(r"(?:几|多少)(?:分钟|个?小时|个?工作日|天)|how many (?:minutes|hours|days|working days)", re.I),
        re.compile(rf"[\d{_CN_DIGITS}]+(?:\s*[-~～—至到]\s*[\d{_CN_DIGITS}]+)?\s*(?:分钟|小时|个?工作日|天)"),
    ),
    (
        # To the hour (几点到几点, what time of day): a clock time (17︰00~18︰30, 下午5点).
        re.compile(r"几点|什么钟点|what time of day|what hours?|which hours?", re.I),
        re.compile(r"\d{1,2}\s*(?:点|时(?![间期候代])|[:：︰∶]\s*\d\d)"),
    ),
    (
        re.compile(r"哪一?年|which year|what year", re.I),
        re.compile(r"(?:19|20)\d\d\s*年|[今明去前]年|[〇○零一二三四五六七八九]{4}年"),
    ),
)


def asked_time(question: str) -> re.Pattern[str] | None:
    """The times that answer a question asking to the day or to the year; None for a plain
    "when" (什么时候), which any time the letter gives answers."""
    for pattern, times in _ASKED_TIMES:
        if pattern.search(question):
            return times
    return None


# A body of a kind the question names (哪家公司, 施工单位是谁): only a name of that kind
# answers it — not the sentence about the work without one.
_ASKED_BODY = re.compile(
    r"(?:哪家|哪个|哪一家|什么|哪些)(?:公司|企业|银行)|"
    r"(?:施工|设计|建设|运营|中标|承建|监理|维护|安装)(?:单位|方|企业|公司)|"
    r"which (?:company|firm|contractor)|what (?:company|firm|contractor)",
    re.I,
)
_COMPANY = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,30}?(?:公司|集团|企业|厂|银行)")


def asked_body(question: str) -> re.Pattern[str] | None:
    """The names that answer a question asking for a company or a contractor."""
    return _COMPANY if _ASKED_BODY.search(question) else None


# A property the question asks by name (什么型号, 哪个品牌): a letter that never writes the
# word does not state it, however near its sentences come to the topic.
_ASKED_PROPERTY = re.compile(
    r"(?:什么|哪种|哪个|哪款|啥)(型号|品牌|规格|材质|颜色|树种|品种|车型)|(型号|品牌|规格|材质|树种|车型)是(?:什么|啥|哪)"
)


def asked_property(question: str) -> str | None:
    """The property word a question asks for by name (型号), or None."""
    m = _ASKED_PROPERTY.search(question)
    return (m.group(1) or m.group(2)) if m else None


_SENTENCE_END = re.compile(r"(?:……|[。！？!?；;])[”’」』）)\]】]*|\n")
_CLAUSE_END = re.compile(r"[，,；;：:]")
# A clause that only opens a sentence (目前, 同时, 经研究): it carries no fact.
_OPENER = re.compile(r"^(?:目前|同时|此外|另外|其次|首先|再次|最后|经研究|经调查|经核实|据了解|对此|为此|因此)$")
MAX_DIRECT = 150  # characters of a direct answer drawn from one sentence


@dataclass(frozen=True)
class Clause:
    start: int
    end: int


def clauses(text: str, start: int, end: int) -> list[Clause]:
    """The clauses of `text[start:end]` (trimmed; punctuation stays with the clause before)."""
    out, pos = [], start
    for m in _CLAUSE_END.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    result = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in "。；;！!？?"):
            e -= 1
        if e > s:
            result.append(Clause(s, e))
    return result


def has_span(ask: str, text: str) -> bool:
    """Whether `text` holds an answer span of the kind `ask` wants."""
    pattern = SPAN.get(ask)
    return bool(pattern and pattern.search(text))


def direct_span(
    text: str,
    start: int,
    end: int,
    ask: str,
    on_topic: list[bool],
    want: re.Pattern[str] | None = None,
) -> tuple[int, int]:
    """The span of the sentence `text[start:end]` that answers: the whole sentence when it is
    short, else the run of clauses (at most `MAX_DIRECT` characters) that holds the most
    clauses on the topic and with the asked span. `on_topic[i]`: clause i covers the topic;
    `want`: the spans that answer in particular (a number in the unit asked for, a date to
    the day), which a clause must hold to count as holding the asked span."""
    if end - start <= MAX_DIRECT:
        return start, end
    parts = clauses(text, start, end)
    if not parts:
        return start, end
    pattern = SPAN.get(ask) or SPAN["what"]
    typed = [
        ask != "what" and bool(pattern.search(text[c.start : c.end])) and (want is None or bool(want.search(text[c.start : c.end])))
        for c in parts
    ]
    topical = list(on_topic[: len(parts)]) + [False] * (len(parts) - len(on_topic))
    worth = [
        (2.0 if t and y else 1.0 if t else 0.5 if y else 0.0) for t, y in zip(topical, typed, strict=True)
    ]
    best, span = -1.0, (0, 0)
    for i in range(len(parts)):
        if _OPENER.match(text[parts[i].start : parts[i].end]):
            continue
        total = 0.0
        for j in range(i, len(parts)):
            if parts[j].end - parts[i].start > MAX_DIRECT:
                break
            total += worth[j]
            value = total - 0.01 * (j - i)
            if want is not None and any(typed) and not any(typed[i : j + 1]):
                continue  # a run without the span in particular asked for does not answer
            if value > best:
                best, span = value, (i, j)
    i, j = span
    if parts[j].end - parts[i].start > MAX_DIRECT:
        # One very long clause: the window around its first typed span.
        c = parts[i]
        m = (want or pattern).search(text, c.start, c.end) or pattern.search(text, c.start, c.end)
        mid = m.start() if m else c.start
        s = max(c.start, mid - MAX_DIRECT // 3)
        return s, min(c.end, s + MAX_DIRECT)
    return parts[i].start, parts[j].end


def sentence_of(text: str, pos: int) -> tuple[int, int]:
    """The sentence of `text` around position `pos`."""
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    m = _SENTENCE_END.search(text, pos)
    end = m.end() if m else len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
