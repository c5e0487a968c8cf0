"""Slots whose values must agree: numbers, dates/times, person names and places.

Why: on question data two sentences that differ only in an amount (借款1000 / 借款2000), a day (明天 /
后天), a person (张三 / 李四) or a place (北京 / 上海) ask different things, however close the rest of the
words — the statistical members cannot see it (the strings are 90 % the same). Each sentence's values are
read per kind and normalised (一千 = 1000, 星期三 = 周三, 3号 = 3日, 杭州市 = 杭州); a *conflict* of a kind is a
value on each side that the other side lacks. A value on one side only (下个月10号 / 10号) is extra detail,
not a conflict.

* numbers: Arabic digits in the text (1,000 / 1.5万 / iphone7's 7) and tokens that are Chinese numerals with
  an optional classifier (两千, 三个; not 一下, 千万 — the segmenter keeps those as words), outside dates;
* times: dates and times by pattern (3月5日, 10号, 周三/星期三/礼拜三, 明天, 下个月, 上午, 春节 …);
* places: words every HowNet sense of which is a proper name, one of them a place (北京, 美国), also with
  an administrative suffix (杭州市);
* names: words HowNet does not know, of two or three characters, starting with a common surname
  (data/wordlists/surnames.txt; one that also starts ordinary words, surnames_ambiguous.txt, only when the
  segmenter's dictionary lacks the word too), or 老/小 + surname (老王, 小李), or 小 + a character (小红);
  and words jieba's dictionary tags as person names (nr: 马超) that HowNet does not know, or knows as a
  person's name only (jieba tags 熊猫, 汤圆, 张贴 nr too); never an A-not-A form or a question (高不高, 周几).
  Times conflict within one granularity (a day: 明天 / 周五 / 3月5日 / 春节), see ``_LEVELS``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .config import read_words
from .question import is_a_not_a, question_word_set
from .tokens import dictionary_frequencies, dictionary_tag, surnames as token_surnames
from .words import is_han

KINDS = ("number", "time", "name", "place")
#: what a conflict of each kind means, for the explanation
MEANING = {"number": "a different number or amount", "time": "a different date or time",
           "name": "a different person", "place": "a different place"}

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_CN = "零〇一二三四五六七八九十百千万亿两"
_NUM = rf"(?:(?<![\d.,])\d+|[{_CN}]+)"
#: a Chinese-numeral token, with an optional classifier/unit (两千块, 三个, 十二期)
_CN_TOKEN = re.compile(rf"^第?([{_CN}]+|半)(个|元|块|块钱|岁|次|期|年|个月|天|周|本|件|只|张|条|位|名|分|秒|倍|套|台|辆|束|把|斤|公斤|米|公里|小时|分钟|万|千)?$")
#: numeral words that are not amounts (the segmenter keeps most idioms whole; these it may not)
_NOT_NUMBERS = frozenset("千万 万一 一一 一二 三三两两 十分 百分 万万".split())
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*\s*[万千百亿kKwW]?")
_WEEKDAY = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "日": "7", "天": "7", "末": "末"}
#: dates and times, longest forms first; each match is one time value
_TIME = re.compile(
    rf"(?P<md>{_NUM}月{_NUM}[日号])|(?P<y>(?:(?<![\d.])\d{{2,4}}|[〇零一二三四五六七八九]{{2,4}})年)|(?P<dur>{_NUM}个月)|(?P<m>{_NUM}月(?:份)?)"
    rf"|(?P<d>{_NUM}[日号])|(?P<h>{_NUM}[点時时](?:{_NUM}分|半)?)"
    r"|(?P<wd>(?:下下|上上|下|上|这|本)?个?(?:星期|礼拜|周)(?P<wdn>[一二三四五六日天末]))"
    r"|(?P<rel>大后天|大前天|今天|明天|后天|昨天|前天|今年|明年|去年|前年|后年|本月|这个月|下个月|上个月|下月|上月"
    r"|本周|这周|下周|上周|这个星期|下个星期|上个星期|月初|月底|月末|月中|年初|年底|年末)"
    r"|(?P<part>凌晨|早上|上午|中午|下午|傍晚|晚上|今晚|明晚|昨晚|半夜)"
    r"|(?P<fest>春节|过年|劳动节|(?:元旦|国庆|中秋|端午|清明|元宵|除夕|圣诞|五一|双十一|双11)节?)")
_TIME_ALIASES = {"下月": "下个月", "上月": "上个月", "这个月": "本月", "这周": "本周", "这个星期": "本周",
                 "下个星期": "下周", "上个星期": "上周", "月末": "月底", "年末": "年底", "今晚": "今天晚上",
                 "明晚": "明天晚上", "昨晚": "昨天晚上", "双11": "双十一", "劳动节": "五一",
                 "过年": "春节"}
_PER_UNITS = frozenset({"天", "年", "个月", "次", "周"})
_UNIT_AFTER = re.compile(r"^(块钱|元钱|元|块|个|次|期|张|天|岁|件|人)")
_ENUMERATOR = re.compile(r"^[.:：、)）]")
_PLACE_SUFFIX = ("市", "省", "县", "区", "州", "镇", "村")


@dataclass(frozen=True)
class Value:
    """One slot value: its kind, the normalised value compared, the words as written."""

    kind: str
    value: str
    text: str
    group: str = ""  # times: the class within which values are compared (day, weekday, hour …)
    #: where ``text`` starts in the sentence (-1: unknown); not part of the value's identity
    start: int = field(default=-1, compare=False)


@dataclass(frozen=True)
class Conflict:
    """A kind whose values differ on both sides (what each side has that the other lacks)."""

    kind: str
    first: tuple[str, ...]
    second: tuple[str, ...]

    @property
    def feature(self) -> str:
        return f"{self.kind}_conflict"

    def reason(self) -> str:
        return f"{MEANING[self.kind]}: {'/'.join(self.first)} vs {'/'.join(self.second)}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "feature": self.feature, "words": [list(self.first), list(self.second)],
                "reason": self.reason()}


def surnames() -> frozenset[str]:
    """Surnames that start a name (:func:`simcalc.rules.tokens.surnames` ``clear``: characters that often
    start ordinary words are left out)."""
    return token_surnames("clear")


def chinese_number(text: str) -> float | None:
    """二千五百 → 2500, 两万 → 20000, 十二 → 12, 一五 → 15 (digit by digit); None when it is not one."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):  # 一五 / 二零二零: read digit by digit
        return float("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0.0, 0.0, 0.0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            continue
        unit = _CN_UNITS[ch]
        if unit >= 10_000:
            total = (total + section + digit) * unit
            section = 0.0
        else:
            section += (digit or 1) * unit
        digit = 0.0
    return total + section + digit


def _number_value(text: str) -> str | None:
    """A normalised amount ('1000', '1.5') from digits with an optional 万/千/k multiplier, or Chinese."""
    t = text.replace(" ", "")
    t = re.sub(r",(?=\d{3}(?!\d))", "", t).replace(",", ".")  # 1,000 groups thousands; 0,05 is 0.05
    mult = 1.0
    if t and t[-1] in "万千百亿kKwW":
        mult = {"万": 1e4, "w": 1e4, "W": 1e4, "千": 1e3, "k": 1e3, "K": 1e3, "百": 100.0, "亿": 1e8}[t[-1]]
        t = t[:-1]
    try:
        value = float(t) * mult
    except ValueError:
        found = chinese_number(t)
        if found is None:
            return None
        value = found * mult
    return f"{value:g}" if value < 1e15 else t


#: classes of time values, each of one granularity (:data:`_LEVELS`): two values conflict within a class
#: (15日 / 20日, 明天 / 后天, 周一 / 周五) and across classes of the same granularity — 明天 / 周五 / 3月5日 /
#: 春节 each name a day, and a question about one day is not a question about another, even where the two
#: might fall together (明天 may be a Friday: the asker picked a different way of naming the day). Across
#: granularities one may contain the other (下周 / 下周五, 下个月 / 10月1日, 17点 / 下午): never a conflict.
_RELATIVE_DAYS = frozenset("大后天 大前天 今天 明天 后天 昨天 前天".split())
_RELATIVE_YEARS = frozenset("今年 明年 去年 前年 后年".split())
_RELATIVE_MONTHS = frozenset("本月 下个月 上个月".split())
_PERIODS = frozenset("月初 月底 月中 年初 年底 本周 下周 上周".split())
#: Only days are compared across the relative / absolute divide: a relative month or year (下个月, 明年) and
#: an absolute one (10月, 2030年) are compared within their own class only, as the asker may well mean the
#: same month (下个月还款 / 10月1日还款); a weekend (周末) is two days, coarser than a day (周末 / 周六).
_LEVELS = {"relative_day": "day", "weekday": "day", "day": "day", "festival": "day"}
#: festivals on a fixed day of the solar calendar: the same day as that date (国庆 = 10月1日)
_FIXED_FESTIVALS = {"元旦": ("1月", "1日"), "国庆": ("10月", "1日"), "五一": ("5月", "1日"),
                    "圣诞": ("12月", "25日"), "双十一": ("11月", "11日")}


def _digits_of(text: str) -> str:
    """The numbers of a date written with digits (3月5日 → 3月5日, 十号 → 10日)."""
    out, number = [], ""
    for ch in text:
        if ch.isdigit() or ch in _CN:
            number += ch
            continue
        if number:
            out.append(_number_value(number) or number)
            number = ""
        out.append({"号": "日", "時": "时", "份": "", "个": ""}.get(ch, ch))
    return "".join(out)


def _time_values(match: re.Match) -> list[tuple[str, str]]:
    """(class, normalised value) of one time expression."""
    kind = match.lastgroup
    text = match.group(0)
    if kind == "wd":
        prefix = text[:text.index(next(p for p in ("星期", "礼拜", "周") if p in text))].replace("个", "")
        prefix = {"这": "本"}.get(prefix, prefix)
        group = "weekend" if match.group("wdn") == "末" else "weekday"
        return [(group, f"{prefix}周{_WEEKDAY[match.group('wdn')]}")]
    if kind == "dur":  # a duration (3个月), not a month
        return [("duration", f"{_number_value(text[:-2]) or text[:-2]}个月")]
    if kind == "md":
        month, day = _digits_of(text).split("月", 1)
        return [("month", f"{month}月"), ("day", day)]
    if kind == "h":  # 5点 and 17点 are the same clock time said two ways
        value = _digits_of(text)
        hour, _, rest = value.partition("点") if "点" in value else value.partition("时")
        try:
            hour = f"{int(float(hour)) % 12:d}"
        except ValueError:
            pass
        return [("hour", f"{hour}点{rest}")]
    if kind in ("d", "m", "y"):
        return [({"d": "day", "m": "month", "y": "year"}[kind], _digits_of(text))]
    if kind == "fest" and text.endswith("节") and text not in ("春节", "劳动节"):
        text = text[:-1]  # 国庆节 = 国庆
    fixed = _FIXED_FESTIVALS.get(_TIME_ALIASES.get(text, text))
    if fixed:
        return [("month", fixed[0]), ("day", fixed[1])]
    out = []
    for v in _TIME_ALIASES.get(text, text).replace("今天晚上", "今天 晚上").replace("明天晚上", "明天 晚上") \
            .replace("昨天晚上", "昨天 晚上").split():
        group = ("relative_day" if v in _RELATIVE_DAYS else "relative_year" if v in _RELATIVE_YEARS
                 else "relative_month" if v in _RELATIVE_MONTHS else "period" if v in _PERIODS
                 else "part_of_day" if kind == "part" or v == "晚上" else "festival")
        out.append((group, v))
    return out


def _is_place(token: str, senses: Any) -> bool:
    """Every sense a proper name and one of them a place (北京; not 南, whose first sense is a direction)."""
    raws = [getattr(getattr(s, "concept", None), "raw", "") or "" for s in (senses or ())]
    return len(token) >= 2 and bool(raws) and all("ProperName|专" in r for r in raws) \
        and any(r.startswith("place|地方") for r in raws)


#: characters that end no name but often follow one when the segmenter glues a name to the next word (王在)
_NOT_IN_NAMES = frozenset("在于和与的了是被把给向从对也都就还又说")
_NAME_DOTS = ("·", "•", "・", ".")


def _foreign(tokens: Sequence[str], i: int) -> bool:
    """A part of a transliterated name (罗布·泰勒): spelled many ways (罗伯, 罗勃), so never compared."""
    return any(0 <= k < len(tokens) and tokens[k] in _NAME_DOTS for k in (i - 1, i + 1))


def _asks(token: str) -> bool:
    """A token that starts with a question word (何时能, 哪天) or ends with 几/啥/哪 (周几)."""
    return token[-1:] in "几啥哪" or any(token.startswith(w) for w in question_word_set() if len(w) >= 2)


def _person_senses(senses: Any) -> bool:
    """Every HowNet sense a proper name of a person: jieba tags hundreds of ordinary words nr (熊猫, 汤圆,
    雷达, 张贴), so its tag counts only for a word HowNet does not know or knows as a person only."""
    raws = [getattr(getattr(s, "concept", None), "raw", "") or "" for s in (senses or ())]
    return bool(raws) and all("ProperName|专" in r and r.startswith("human|人") for r in raws)


def _is_name(token: str, known: bool, senses: Any = None) -> bool:
    """A surname and one or two characters HowNet does not know as a word (张伟, 王晓丽); with a surname
    that also starts ordinary words (高, 何, 黄), the segmenter's dictionary must lack it too (高勇; not 高额);
    老/小 + surname (老王, 小李), or 小 + one character neither knows (小红, 小明)."""
    if not (2 <= len(token) <= 3) or not is_han(token):
        return False
    if any(ch in _NOT_IN_NAMES for ch in token[1:]) or is_a_not_a(token) or _asks(token):
        return False  # 高不高, 周几, 何时能: a question, not a name
    if dictionary_tag(token) == "nr" and (not known or _person_senses(senses)):
        return True  # a person's name in jieba's dictionary (马超, 林涛) that HowNet does not know otherwise
    if token[0] in "老小" and len(token) == 2:
        return token[1] in surnames() or (token[0] == "小" and not known and not _in_dictionary(token)
                                          and _given_name_character(token[1]))
    if known:
        return False
    return token[0] in surnames() or (token[0] in token_surnames("ambiguous")
                                      and not _in_dictionary(token))


def _given_name_character(ch: str) -> bool:
    """A character that names people after 小 (小红, 小明, 小丽: adjectives, adverbs, name characters), not
    a noun, verb or measure word that makes 小 + it a small thing (小贷, 小店, 小票, 小号)."""
    tag = dictionary_tag(ch)
    return tag[:1] in ("a", "d", "z") or tag in ("nr", "ns")


def _in_dictionary(word: str) -> bool:
    return bool(dictionary_frequencies().get(word))


def token_starts(text: str, tokens: Sequence[str]) -> dict[int, int]:
    """Per token index, where the token starts in ``text`` (a token not found there is left out): slot values
    and the tokens they overlap are matched by these offsets, not by substrings (一 inside 统一)."""
    out: dict[int, int] = {}
    position = 0
    for i, tok in enumerate(tokens):
        at = text.find(tok, position)
        if at >= 0:
            out[i] = at
            position = at + len(tok)
    return out


def _token_ends(text: str, tokens: Sequence[str]) -> dict[int, list[int]]:
    """For each character offset strictly inside a token, where that token ends."""
    out: dict[int, list[int]] = {}
    for i, at in token_starts(text, tokens).items():
        for k in range(at + 1, at + len(tokens[i])):
            out.setdefault(k, []).append(at + len(tokens[i]))
    return out


def values(text: str, tokens: Sequence[str], knows: Callable[[str], bool] | None = None,
           word_senses: Callable[[str], Any] | None = None, skip: frozenset[str] = frozenset()) -> list[Value]:
    """Every slot value of one sentence. ``knows``: whether HowNet knows a word (names are words it does
    not know); ``word_senses``: a word's HowNet senses, all of them (places; without it none are found);
    ``skip``: tokens that are never values (question words: 几号, 多少)."""
    out: list[Value] = []
    covered = [False] * len(text)
    ends = _token_ends(text, tokens)
    for m in _TIME.finditer(text):
        start = m.start()
        if any(start < end < m.end() and all(ch in _CN_DIGITS for ch in text[start:end])
               for end in ends.get(start, ())):
            continue  # 王五|一本书: the pattern starts with the numeral ending a word (a name): no time
        if m.lastgroup == "h" and float(_number_value(re.split("[点時时]", m.group(0))[0]) or 99) > 24:
            continue  # 164点 is an index level, not a time of day: a number
        for group, v in _time_values(m):
            out.append(Value("time", v, m.group(0), group, start))
        for i in range(start, m.end()):
            covered[i] = True
    for m in _DIGITS.finditer(text):
        if any(covered[m.start():m.end()]):
            continue
        if _ENUMERATOR.match(text[m.end():m.end() + 1]) and not text[:m.start()].strip(" 　(（"):
            continue  # "1. …", "2、…": a list marker, not a value
        digits = _number_value(m.group(0))
        if digits is not None:
            unit = _UNIT_AFTER.match(text[m.end():])  # the words as written keep their unit: 100元
            out.append(Value("number", digits, m.group(0).strip() + (unit.group(0) if unit else ""),
                             start=m.start()))
    position = 0
    for i, tok in enumerate(tokens):
        at = text.find(tok, position)
        if at >= 0:
            position = at + len(tok)
        if tok in skip:
            continue
        inside_time = at >= 0 and any(covered[at:at + len(tok)])
        numeral = _CN_TOKEN.match(tok)
        if numeral and not inside_time and tok not in _NOT_NUMBERS and numeral.group(1) != "半":
            classifier = numeral.group(2) or ""
            amount = _number_value(numeral.group(1) + (classifier if classifier in ("万", "千") else ""))
            if amount is not None and not (amount == "1" and classifier in _PER_UNITS):
                out.append(Value("number", amount, tok, start=at))  # 一天/一次 name the unit (利息一天多少), not a count
            continue
        if inside_time or any(ch.isdigit() for ch in tok):
            continue
        stem = tok[:-1] if len(tok) >= 3 and tok.endswith(_PLACE_SUFFIX) else None
        if stem and word_senses is not None and _is_place(stem, word_senses(stem)):
            out.append(Value("place", stem, tok, start=at))  # 杭州市, 华盛顿州: the place itself
        elif word_senses is not None and _is_place(tok, word_senses(tok)):
            out.append(Value("place", tok, tok, start=at))
        elif i > 0 and tokens[i - 1] in ("小", "老") and tok[:1] in surnames():
            out.append(Value("name", tokens[i - 1] + tok[0], tokens[i - 1] + tok[0]))  # 小|李去: 小李, then 去
        elif _is_name(tok, bool(knows(tok)) if knows else True, word_senses(tok) if word_senses else None) \
                and not _foreign(tokens, i):
            out.append(Value("name", tok, tok, start=at))
        elif (len(tok) == 1 and i + 1 < len(tokens) and not _foreign(tokens, i)
              and not (i > 0 and (tokens[i - 1][-1:] in _CN or tokens[i - 1][-1:].isdigit()))
              and len(tokens[i + 1]) <= 2 and (dictionary_tag(tok + tokens[i + 1]) == "nr" or (
                  tok in surnames() and not _in_dictionary(tok + tokens[i + 1])))
              and _is_name(tok + tokens[i + 1], bool(knows(tok + tokens[i + 1])) if knows else True,
                           word_senses(tok + tokens[i + 1]) if word_senses else None)):
            name = tok + tokens[i + 1]
            out.append(Value("name", name, name, start=at))  # 郑|国华: split by the segmenter
    return out


def _same(kind: str, x: str, y: str) -> bool:
    """The same value; for times also one that ends with the other at a unit boundary (下周7 / 周7, 9月30日 /
    30日; not 11日 / 1日); for names one inside the other."""
    if x == y:
        return True
    if kind == "name":  # 张三 / 张三藏: the segmenter glued the next character to the name, one person
        return x in y or y in x
    if kind != "time":
        return False
    longer, shorter = (x, y) if len(x) > len(y) else (y, x)
    return longer.endswith(shorter) and not longer[-len(shorter) - 1].isdigit()


def _level(value: Value) -> str:
    """The granularity a value is compared at (times: day, month, year; else its class)."""
    return _LEVELS.get(value.group, value.group)


def conflicts(first: Sequence[Value], second: Sequence[Value]) -> list[Conflict]:
    """The kinds where, at one granularity (:data:`_LEVELS`), each side has a value the other lacks (in :data:`KINDS`
    order). A value that ends with one of the other side's at a unit boundary is the same one said more
    precisely (下周日 / 周日): not a difference."""
    found = []
    for kind in KINDS:
        only_a: list[str] = []
        only_b: list[str] = []
        for level in dict.fromkeys(_level(v) for v in (*first, *second) if v.kind == kind):
            a = {v.value: v.text for v in first if v.kind == kind and _level(v) == level}
            b = {v.value: v.text for v in second if v.kind == kind and _level(v) == level}
            lost_a = [a[k] for k in a if not any(_same(kind, k, x) for x in b)]
            lost_b = [b[k] for k in b if not any(_same(kind, k, x) for x in a)]
            if lost_a and lost_b:
                only_a += lost_a
                only_b += lost_b
        if only_a and only_b:
            found.append(Conflict(kind, tuple(dict.fromkeys(only_a)), tuple(dict.fromkeys(only_b))))
    return found
