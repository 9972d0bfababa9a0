"""Site chrome in a letter page: navigation, share and print widgets, menus, footers.

A letter scraped from a government site keeps the page's chrome lines ("您当前的位置…",
"扫一扫在手机打开当前页", a row of menu words). They stay in the letter text, so offsets
stay exact, but `find_boilerplate` names their spans once at parse time (`Letter.boilerplate`)
and no later stage chunks, embeds or quotes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_BOILERPLATE = re.compile(
    r"^\s*(?:您?当前(?:所在)?(?:的)?位置|首页\s*[>＞»›]|扫一扫|用手机扫|字体[:：]?\s*[【\[]|【?\s*打印本?页|"
    r"【?\s*关闭(?:本页|窗口)|分享到|网站地图|联系我们|浏览次数|访问(?:次数|量)|关怀版|无障碍|"
    r"【\s*默认|\[\s*(?:打印|关闭)|上一(?:篇|条)[:：]|下一(?:篇|条)[:：]|相关(?:文章|链接|阅读)|返回顶部|"
    r"主办[:：].*(?:地址|电话|备案|ICP|邮编))"
    r"|版权所有|ICP备|网站标识码|公网安备"
    # Page widgets anywhere in a short line (【责任编辑:…】 【收藏】 【关闭窗口】); an editor's
    # line alone (责任编辑:某某), not a page header that also gives the date and source.
    r"|关闭窗口|打印本页|【\s*(?:收藏|打印|关闭)\s*】|^\s*【?\s*责任编辑[:：]"
)
# A site menu: several short words separated by spaces, one of them a typical menu item.
_MENU_WORDS = re.compile(
    r"首页|政务公开|互动交流|专题专栏|信息公开|办事服务|走进|政民互动|新闻中心"
)


def find_boilerplate(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of site-chrome lines (navigation, share/print widgets, footers)."""
    spans = []
    for start, end in line_spans(text):
        line = text[start:end]
        if len(line.strip()) <= 80 and (_BOILERPLATE.search(line) or _is_menu(line)):
            spans.append((start, end))
    return tuple(spans)


def _is_menu(line: str) -> bool:
    words = line.split()
    return (
        len(words) >= 3
        and all(len(w) <= 6 for w in words)
        and bool(_MENU_WORDS.search(line))
        and not re.search(r"[，。；：:,;]", line)
    )


def line_spans(text: str) -> Iterable[tuple[int, int]]:
    """The `[start, end)` span of every line of `text` (newlines excluded)."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1
