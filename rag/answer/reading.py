"""Reading one letter for one ask: its candidate sentences, scored, and the direct span.

A letter's body (after its salutation) is cut into sentences; chrome lines, the signature
block and the letter's formulas never count: the acknowledgement (…收悉), the reply formula
(现将办理情况答复如下), the closing (特此函复, 感谢您…, 如有意见…回执). A sentence that opens
with a formula keeps what follows it ("…收悉。经研究，我局已…"). Each remaining sentence is
scored for one part of a question by how much of the part's topic it covers
(`rag.answer.topic`) and whether it holds a span of the asked kind (`rag.answer.spans`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.frame import Part
from rag.answer.spans import SPAN, clauses, direct_span, has_span
from rag.answer.topic import Term, TopicModel
from rag.letters.values import field_value
from rag.types import Letter

_SENTENCE = re.compile(r"(?:……|[。！？!?；;])[”’」』）)\]】]*|\n")
# Formula clauses at the start of a sentence: the acknowledgement and the reply formula.
_OPENING_FORMULA = re.compile(
    # 收到 closes the formula (您的建议已收到，), not a clause of time (收到建议后，我镇…).
    r"^[^。；;\n]{0,120}?(?:收悉|收到(?=[，,。；;：:\s]|$)|已收悉|已转交[^。；;\n]{0,20}办理)[，,。；;：:\s]*|"
    r"^[^。；;\n]{0,160}?(?:现(?:将|就)?[^。；;\n]{0,24}?(?:答复|函复|回复|复|汇报|报告)如下|现答复如下|现函复如下)[：:，,。\s]*|"
    r"^(?:经(?:认真)?研究(?:办理)?|经研究)[，,]"
)
# A sentence that is only courtesy or procedure: thanks, the closing, the feedback slip.
_COURTESY = re.compile(
    r"特此(?:函复|答复|复函)|感谢您|感谢你|衷心感谢|谢谢|欢迎[^。]{0,10}监督|如有(?:意见|疑问|不同意见)|"
    r"对以上答复|对本答复|请填写|回执|反馈给|联系人|联系电话|联系方式|联系单位|联系部门|联系地址|邮政编码|抄送|此复函已经|已经[^。]{0,20}审签|"
    r"希望您?继续|一如既往|关心和支持|关心、支持|多提(?:宝贵)?(?:意见|建议)|提出宝贵意见"
)
# A sentence that restates what the proposer asked (您提出的《…》, 关于您提出的“…”建议): the
# suggestion's words, not the letter's answer to it.
_RESTATES = re.compile(
    r"(?:您|你们?|贵(?:单位|组织|党派)?|代表|委员)[^。；;\n]{0,60}?(?:提出|提交|所提)的|提出的[^。；;\n]{0,6}[《“\"]|"
    r"^关于[^。；;\n]{0,80}的(?:建议|提案|问题)[。；;]?$"
)
# A salutation line (张示例代表:), a date line, an agency line (the signature).
_SALUTATION = re.compile(r"^(?:尊敬的)?[^，,。；;：:\n]{1,30}[：:]\s*$")
_SIGNATURE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}(?:局|委员会|委|厅|政府|办公室|办事处|中心|分局|管委会|街道|镇)$|"
    r"^[\d〇零一二三四五六七八九十○Oo]{2,4}\s*年[\d一二三四五六七八九十]{1,2}\s*月[\d一二三四五六七八九十]{1,3}\s*日?$|"
    r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{6,8}$"
)
# A row of a page's label table (索引号: | wg-2018-00015 | 发布机构: | 文广局 |): a cell that
# ends in a label's colon, beside a table bar.
_LABEL_ROW = re.compile(r"[:：][ \t\u3000]*\|")
# A line that is a title, the letter's or one like it (关于…建议办理进展情况报告): it names
# the matter, it says nothing of it.
_TITLE_LINE = re.compile(r"^关于[^。；;，,！？!?\n]{4,80}(?:报告|答复|复函|回复|答复函|函)$")
# A sentence that only leads into the reply (经研究，结合各部门意见回复如下：); one that says what
# follows is of a kind (现提出协办意见如下, 解决方法如下) says that much.
_LEADS_IN = re.compile(r"(?:答复|回复|函复|复函|函告|汇报|报告)如下\s*[：:]\s*$")
LEAD_IN_CHARS = 100
# A sentence that only says where the suggestion was sent (已于3月转交我局办理。).
_PROCEDURE = re.compile(r"^[^，,。；;]{0,16}(?:转交|转|交|交由)[^，,。；;]{0,8}(?:办理|研究办理|答复)[。；;]?$")
# A sentence that speaks of the suggestion it answers (你所提的建议, 该建议, 上述提案).
_REFERS_BACK = re.compile(
    r"(?:你|您|你们|代表|委员)(?:所提|提出|反映)的?(?:建议|提案|问题|意见|诉求)|(?:该|此|上述|这一?)(?:建议|提案|诉求)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A section heading: a short numbered line (一、…, （二）…, 3.…) — the topic of what follows.
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[、.．])[^。；;]{2,40}[。：:]?$")
# The first of a letter's enumerated measures (一是…, （一）…, 1.…), a whole one: how a letter
# says what it does (a bare heading-like item, 一是完善人才政策。, says too little).
_FIRST_MEASURE = re.compile(r"^\s*(?:一是|[（(]一[）)]|1[.、．])")
MEASURE_CHARS = 15
ITEM_BONUS = 0.15
#: How much the question's own wording (no paraphrase) adds to a sentence's score.
LITERAL_BONUS = 0.1
YEAR_BONUS = 0.2
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
# A "when" asked of what is still to come (啥时候能修好, 哪天动工) is answered by a planned time
# (计划7月开工, 力争10月底前完工), not a date gone by (建于1994年); one asked of the past
# (什么时候开工的, 哪年建的, 已经…了吗) by any.
_PAST_ASK = re.compile(r"了|过|的\s*$|已|曾|哪年|当年|建于|建成于|以前|之前")
PLAN_BONUS = 0.15
# A time the letter plans by (计划7月开工, 力争在10月底前完工, 预计2025年底建成) — not a
# plan named by a year gone (未纳入2023年…改造计划).
_PLANNED = re.compile(
    r"(?:计划|预计|力争|争取|拟|将于|将在|确保|有望|预期)[^，,。；;：:]{0,8}?(?:" + SPAN["time"].pattern + ")"
)
# What a number is of (最高能贷多少, 每亩补多少, 人均多少): a sentence giving the number so
# qualified answers before any giving another number on the topic (the score only orders).
_QUALIFIER = re.compile(
    r"最(?:高|多|长|低|少|大|小|短|快|晚|迟)|上限|下限|每(?:人|户|亩|年|月|个|所|家|次|天|公里|平方米)|"
    r"人均|户均|累计|共计|合计|总计|总共|一共"
)
QUALIFIER_BONUS = 1.0
# Qualifiers that say the same bound (最多能贷多少 is answered by 最高…20万元).
_KIN = {"最多": "最高", "最大": "最高", "上限": "最高", "最少": "最低", "最小": "最低", "下限": "最低", "最久": "最长"}


def _kin(qualifier: str) -> str:
    return _KIN.get(qualifier, qualifier)


# A time long gone: when a thing was built (建于1994年) does not say when work will be done.
_GONE = re.compile(r"(?:始建|修建|建成|竣工|建)于|(?:19|20)\d\d\s*年(?:建成|竣工|修建|建设)")
_STILL_RESTATING = re.compile(
    # …or the rest of its quoted words, closed with nothing said after them (…延长末班车运营时间”建议。).
    r"[^。；;，,]{0,30}?的(?:建议|提案|议案|意见)|[^“”。]*”的?(?:建议|提案|议案|意见)[。；;]?\s*$"
)
#: How far into a sentence a restating clause may start and still lead it (针对/对于/关于…).
_LEAD = 4
# …or anywhere in its first clause (为切实解决你们提出的问题，经…研究，决定用…拾万元给予解决).
_CLAUSE_END = re.compile(r"[，,：:；;]")
_ACKNOWLEDGES = re.compile(r"收悉|收到|研究|办理|答复如下|复函如下|如下|高度重视|感谢|宝贵")
MIN_CONTENT = 8  # CJK characters a sentence keeps once its formula is cut off


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence of a letter: its exact span (formula openings cut off)."""

    start: int
    end: int
    text: str
    in_hit: bool = False  # inside a passage retrieval returned
    # The section heading it stands under (二、区内赶场集市基本情况), or for a sentence that
    # speaks of the suggestion (你所提的建议暂不能解决), the suggestion as the letter names it.
    heading: str = ""


@dataclass
class Reading:
    """One letter read for a frame: its sentences and how well it covers the topic."""

    letter: Letter
    pool: list[Sentence]
    relevance: float
    rank: int


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    coverage: float  # of the part's topic
    typed: bool  # holds a span of the asked kind
    score: float


# The rest of a salutation after the addressee's name (等代表:, 委员：).
_SALUTATION_END = re.compile(r"[^:：\n。]{0,8}[:：]")


def _judges(line: str, ref: re.Match[str]) -> bool:
    """Whether a mention of the suggestion says what becomes of it (你所提的建议暂不能解决),
    not only that it came in (接到此提案后, 针对该建议)."""
    before = line[max(0, ref.start() - 3) : ref.start()]
    return not re.search(r"接到|收到|针对|对于|关于|对$", before) and line[ref.end() : ref.end() + 1] != "后"


def body_start(letter: Letter) -> int:
    """Where the letter's body begins: after its salutation (张示例代表:), which may share
    its line with the whole body (a page that runs the letter into one table cell); else 0."""
    span = letter.fields.spans.get("addressee")
    if span:
        text = letter.text
        colon = _SALUTATION_END.match(text, span[1])
        if colon:
            return colon.end()
        nl = text.find("\n", span[1])
        return span[1] if nl < 0 else nl
    return 0


def sentences(letter: Letter, hit_spans: Sequence[tuple[int, int]] = ()) -> list[Sentence]:
    """The letter's content sentences, in reading order (see the module docstring)."""
    text = letter.text
    chrome = letter.boilerplate
    subject = field_value(letter, "subject").value or ""
    out: list[Sentence] = []
    heading = ""
    pos = body_start(letter)
    bounds = [m.end() for m in _SENTENCE.finditer(text, pos)] + [len(text)]
    for b in bounds:
        s, e = pos, b
        pos = b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s or any(a <= s < z for a, z in chrome):
            continue
        line = text[s:e]
        if (
            _SALUTATION.match(line)
            or _SIGNATURE.match(line.strip("。"))
            or _LABEL_ROW.search(line)
            or _TITLE_LINE.match(line)
        ):
            continue
        if _HEADING.match(line):
            heading = line  # what follows is about it; the heading alone answers nothing
            continue
        m = _OPENING_FORMULA.match(line)
        while m and m.end() > 0:
            s += m.end()
            line = text[s:e]
            m = _OPENING_FORMULA.match(line)
        restates = _RESTATES.search(line)
        if restates and _CLAUSE_END.search(line, 0, restates.start()) and restates.start() > _LEAD:
            # The suggestion named later in a sentence that says what is done about it (…待资金
            # 到位后将分阶段实施，你所提出的问题将得到逐步解决): the sentence is an answer,
            # unless it only acknowledges the suggestion (对您提出的问题认真研究，现答复如下).
            if not _ACKNOWLEDGES.search(line):
                restates = None
        elif restates:
            # A sentence led by the suggestion's words that goes on to answer it (针对委员提出的
            # …诉求，我局已于6月20日…): the answer is what follows the restating clause.
            end = re.search(r"[，,：:]", line[restates.end() :])
            if end is not None:
                s += restates.end() + end.end()
                line = text[s:e]
                # The suggestion's own words may hold a comma: what follows is still them.
                restates = _RESTATES.search(line) or _STILL_RESTATING.match(line)
        if (
            len(_CJK.findall(line)) < MIN_CONTENT
            or _COURTESY.search(line)
            or _PROCEDURE.match(line)
            or restates
            or (_LEADS_IN.search(line) and len(line) <= LEAD_IN_CHARS)
        ):
            continue
        in_hit = any(a <= s < z for a, z in hit_spans)
        context = heading
        if not context and any(_judges(line, m) for m in _REFERS_BACK.finditer(line)):
            # 你所提的建议暂不能解决: a sentence that speaks of the suggestion is about what it
            # asked, as a sentence under a heading is about the heading.
            context = subject
        out.append(Sentence(s, e, line, in_hit, context))
    return out


def score(
    topics: TopicModel, terms: Sequence[Term], part: Part, pool: Sequence[Sentence]
) -> list[Scored]:
    """The pool's sentences scored for one part, best first."""
    out = []
    typed_ask = part.ask not in ("what", "how")  # a number, a time, a reason, a plan …
    # A year the part names (2022年计划招几个): its sentences before other years' alike ones.
    years = set(_YEAR.findall(part.text))
    ahead = part.ask == "time" and not _PAST_ASK.search(part.text)
    qualifiers = {_kin(q) for q in _QUALIFIER.findall(part.text)} if part.ask in ("number", "time") else set()
    for sent in pool:
        cov = topics.coverage(terms, sent.text) if terms else 0.0
        if sent.heading and terms:
            # A sentence under a heading on the topic is on the topic, a little less surely.
            cov = max(cov, 0.9 * topics.coverage(terms, sent.heading + sent.text))
        typed = has_span(part.ask, sent.text)
        if ahead and typed and _GONE.search(sent.text) and not has_span("plan", sent.text):
            typed = False
        value = cov + (0.25 if typed and typed_ask else 0.1 if typed else 0.0)
        if part.ask == "how" and _FIRST_MEASURE.match(sent.text) and len(_CJK.findall(sent.text)) >= MEASURE_CHARS:
            value += ITEM_BONUS  # what was done is what the letter enumerates, from its first item
        value += 0.05 if sent.in_hit else 0.0
        value += YEAR_BONUS if years and years & set(_YEAR.findall(sent.text)) else 0.0
        if ahead and typed and _PLANNED.search(sent.text):
            value += PLAN_BONUS
        elif ahead and typed and has_span("plan", sent.text):
            value += PLAN_BONUS / 3
        if typed and qualifiers and qualifiers & {_kin(q) for q in _QUALIFIER.findall(sent.text)}:
            value += QUALIFIER_BONUS
        if terms:
            value += LITERAL_BONUS * topics.literal(terms, sent.heading + sent.text)
        out.append(Scored(sent, cov, typed, value))
    out.sort(key=lambda x: (-x.score, x.sentence.start))
    return out


def direct(
    letter: Letter,
    topics: TopicModel,
    terms: Sequence[Term],
    part: Part,
    best: Scored,
    want: re.Pattern[str] | None = None,
) -> tuple[int, int]:
    """The span of the best sentence that answers the part directly (a run of its clauses);
    `want`: the spans that answer in particular (a number in the unit asked for)."""
    s = best.sentence
    parts = clauses(letter.text, s.start, s.end)
    on_topic = [topics.coverage(terms, letter.text[c.start : c.end]) >= 0.25 for c in parts]
    return direct_span(letter.text, s.start, s.end, part.ask, on_topic, want)
