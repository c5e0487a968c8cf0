"""Tokens for the rule engine: jieba segmentation plus the repairs the rule engine depends on, and
the notional POS classes of Li & Li (2015).

Why repairs: the predicate/subject/object split is only as good as the words it sees, and some jieba
habits break it on exactly the sentences the rules are about:

* ``把门``, ``被单``: a dictionary word swallows the 把/被 of a Ba/Bei sentence (小明|把门|打开了), so the
  Ba/Bei rule never sees 把. Split when a verb follows and the word is not one of the real 把-/被- nouns
  and verbs (:data:`BA_BEI_WORDS`).
* ``张三卖``, ``张三一``: the HMM glues an unknown name to the next one-character verb or numeral. Split a
  word jieba's dictionary does not know when its last character is a frequent one-character verb,
  numeral or preposition.
* ``追猫``: the HMM glues a one-character verb to its one-character object (a word jieba's dictionary does
  not have): split it, or 猫追老鼠 / 老鼠追猫 lose their object. Likewise a one-character noun and the
  adjective predicated of it (床贵, 菜辣): split, or 床贵吗 has no predicate.
* ``床贵|不|贵``, ``好|用|不|好|用``: an A-not-A question cut apart; merged into one A-not-A token.
* ``很多``, ``很少``: a degree adverb glued to a one-character adjective; ``没收|到``: a negation glued to the
  verb of a verb-complement (没|收到). Split, so the adjective / the negated verb are seen.
* ``一|本书``: after a numeral, a classifier glued to the noun (本书 "this book") is split (本|书).
* ``我爱你``, ``很矮``, ``没去``, ``价格下降``: dictionary entries that glue a pronoun, a degree adverb or a
  negation to a word, or two words into a phrase. When the word knowledge does not know the whole token
  but knows every part, and one part is such an anchor or every part has two or more characters, the
  token is split (so 没 is seen as a negation, 矮 and 下降 as predicates).

Words of a user dictionary are never split.
"""
from __future__ import annotations

import logging
import os
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from .config import listed_words, read_words
from .question import is_a_not_a
from .words import GRAMMAR_CHARS, is_han

log = logging.getLogger(__name__)

#: Real words beginning with 把/被 that must stay whole.
BA_BEI_WORDS = frozenset("""把握 把手 把关 把戏 把柄 把持 把玩 把式 把头 把子 把酒 把脉 把守 把风 把门儿
被子 被告 被告人 被窝 被单 被褥 被面 被套 被迫 被动 被害 被害人 被捕 被选举权 被执行人 被保险人 被动式""".split())
#: Degree adverbs jieba glues to a one-character adjective (很多, 很少, 太大): split so the adjective is seen.
DEGREE = frozenset("很挺蛮")
#: Result complements: 没收|到 is 没|收到 (did not receive), not 没收 (confiscate) + 到.
RESULT_COMPLEMENTS = frozenset("到完好掉住见懂过")
#: a degree adverb's adjective and the next character that make a dictionary word this frequent are that
#: word (很大|方 → 很 大方, 很小|气 → 很 小气)
_COMPOUND_MIN_FREQ = 50
#: Negations a dictionary word may start with before a verb or adjective of two or more characters
NEGATION_PREFIXES = ("不可以", "不能", "不会", "不可", "不要", "不用", "没有", "没")
#: Directional complements: a one-character verb and one of these that jieba's dictionary has as one verb
#: (转出, 取出, 借出) is merged when jieba cut it apart in one sentence only (不能|转|出 / 能|转出)
DIRECTIONS = frozenset("出进入来回起开")
#: modal verbs are no verbs of motion: 想|去 stays apart (想去北京 / 不想去北京 must align)
_MODALS = frozenset("想要会能可得敢肯愿该")
_COMPLEMENT_MIN_FREQ = 1
#: Classifiers that jieba glues to a following noun after a numeral.
CLASSIFIERS = frozenset("个本座件只张条辆台位名家部篇首支杯碗块双份封间所棵朵匹头架艘种次门项副束顶幅套根枚颗盒瓶袋箱笔对段片包串批群")
_GLUE_TAGS = ("v", "m", "p")
#: One-character pronouns, degree adverbs and negations that jieba glues into phrase-like entries.
ANCHORS = frozenset("我你他她它您咱很太最更挺好真超不没别未")
_GLUE_MIN_FREQ = 1000

#: LTP POS tag → notional class of Li & Li (numerals count as pronouns); None = function word.
POS_CLASS = {
    "n": "noun", "nh": "noun", "ni": "noun", "nl": "noun", "ns": "noun", "nt": "noun", "nz": "noun",
    "nd": "noun", "j": "noun", "i": "noun", "v": "verb", "a": "adj", "b": "adj", "r": "pron", "m": "pron",
}


def pos_class(tag: str) -> str | None:
    return POS_CLASS.get(tag)


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """jieba's POS tags from its dictionary file, cached as a marshal file under simcalc's cache dir
    (not via ``jieba.posseg.dt``: a second tokenizer costs seconds at every cold start)."""
    import marshal

    import jieba

    from simcalc.resources import cache_dir

    source = jieba.get_dict_file().name
    stat = os.stat(source)
    names = zlib.crc32("".join(sorted(surnames("all"))).encode())  # the names kept follow the surname lists
    cached = cache_dir() / f"jieba-tags-v5-{stat.st_size}-{int(stat.st_mtime)}-{names}.marshal"
    try:
        with open(cached, "rb") as handle:
            return marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tags: dict[str, str] = {}
    with open(source, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            # the repairs ask for the tags of single characters and of verbs/numerals, polarity for
            # verbs/adjectives: keeping just those keeps the table small (it loads at every cold start)
            # and person names (nr) of two or three characters starting with a surname (the name slots)
            if len(parts) >= 3 and (len(parts[0]) == 1 or parts[2][:1] in ("v", "m", "a") or (
                    parts[2] == "nr" and 2 <= len(parts[0]) <= 3 and parts[0][0] in surnames("all"))):
                tags[parts[0]] = parts[2]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            marshal.dump(tags, handle)
        os.replace(tmp, cached)
    except OSError as exc:  # a read-only cache only costs speed
        log.debug("cannot cache jieba tags: %s", exc)
    return tags


@lru_cache(maxsize=1)
def dictionary_frequencies() -> dict[str, int]:
    """Word frequencies of the default segmenter's jieba dictionary (0 / absent: a word it does not have)."""
    from .parse.segment import default_segmenter

    return default_segmenter(None).frequencies


def dictionary_tag(token: str) -> str:
    """jieba's dictionary tag of a single character, verb, adjective, numeral or a person's name starting
    with a surname ('' otherwise). A second
    opinion where the parser's tags are noisy (追/nz, 贵/k on short sentences)."""
    return _tags().get(token, "")


def read_user_words(user_dict: str | Path | None) -> frozenset[str]:
    """First column of a jieba user dictionary (``word [freq] [tag]`` per line)."""
    if not user_dict:
        return frozenset()
    words = []
    for line in Path(user_dict).expanduser().read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            words.append(parts[0])
    return frozenset(words)


def anchor_split(token: str, known: Callable[[str], bool]) -> list[str] | None:
    """Split into known words (longest first) when one is an anchor character or all are words of 2+
    characters."""
    parts, i = [], 0
    while i < len(token):
        for j in range(len(token), i, -1):
            piece = token[i:j]
            if (j - i == 1 or known(piece)) and piece != token:
                parts.append(piece)
                i = j
                break
        else:
            return None
    if len(parts) > 1 and all(known(p) for p in parts) and (
            any(p in ANCHORS for p in parts) or all(len(p) >= 2 for p in parts)):
        return parts
    return None


def repair(tokens: Sequence[str], protected: frozenset[str] = frozenset(),
           known: Callable[[str], bool] | None = None, freq: dict[str, int] | None = None) -> tuple[list[str], list[str]]:
    """Apply the repairs; returns the new tokens and a note per repair made. ``known`` tells whether the
    word knowledge (HowNet) has a word; without it the anchor split is skipped. ``freq``: the word
    frequencies of the segmenter's jieba dictionary (default: jieba's default tokenizer's)."""
    tags = _tags()
    if freq is None:
        freq = dictionary_frequencies()
    out: list[str] = []
    notes: list[str] = []
    tokens = _split_names_and_markers(list(tokens), protected, freq, tags, notes, known)
    verbs_after = [False] * len(tokens)
    seen = False
    pending_prefix = ""
    for i in range(len(tokens) - 1, -1, -1):
        verbs_after[i] = seen
        seen = seen or tags.get(tokens[i], "").startswith("v")
    for i, tok in enumerate(tokens):
        if pending_prefix:  # the second half of a 没收|到 → 没|收到 split
            out.append(pending_prefix + tok)
            pending_prefix = ""
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (len(tok) == 1 and after in DIRECTIONS and tok not in _MODALS and tags.get(tok, "")[:1] == "v" and tok + after not in protected
                and tags.get(tok + after, "")[:1] == "v" and freq.get(tok + after, 0) >= _COMPLEMENT_MIN_FREQ):
            pending_prefix = tok  # 转|出 → 转出: as 能|转出 is cut, so that 不能转出 aligns with it
            notes.append(f"merged {tok} {after} → {tok + after} (verb + directional complement)")
            continue
        if tok in protected or len(tok) < 2 or is_a_not_a(tok):
            out.append(tok)
            continue
        if (tok[0] in "把被" and len(tok) == 2 and tok not in BA_BEI_WORDS and verbs_after[i]
                and tags.get(tok[1:], "") not in ("", "v")):
            out += [tok[0], tok[1:]]
            notes.append(f"split {tok} → {tok[0]} {tok[1:]} (Ba/Bei marker)")
            continue
        if (len(tok) >= 3 and not freq.get(tok) and tags.get(tok[-1], "") in _GLUE_TAGS
                and freq.get(tok[-1], 0) >= _GLUE_MIN_FREQ):
            out += [tok[:-1], tok[-1]]
            notes.append(f"split {tok} → {tok[:-1]} {tok[-1]} (unknown word glued to {tok[-1]})")
            continue
        k = tok.find("的", 2)
        if 0 < k < len(tok) - 1 and tags.get(tok[:k], "")[:1] == "a" and freq.get(tok[k + 1:]) \
                and (known is None or known(tok[:k])):
            out += [tok[:k], "的", tok[k + 1:]]  # 勇敢的人 → 勇敢 的 人, as 聪明|的|人 is cut
            notes.append(f"split {tok} → {tok[:k]} 的 {tok[k + 1:]} (a phrase with 的)")
            continue
        neg = next((n for n in NEGATION_PREFIXES if tok.startswith(n) and len(tok) - len(n) >= 2), "")
        if neg and tags.get(tok[len(neg):], "")[:1] in ("v", "a"):  # 不能取消 → 不能 取消 (HowNet has the
            out += [neg, tok[len(neg):]]  # whole word, and 能|取消 must align with it)
            notes.append(f"split {tok} → {neg} {tok[len(neg):]} (negation + predicate)")
            continue
        if (len(tok) == 2 and tok[1] in "了过着" and tags.get(tok[0], "")[:1] == "v" and known is not None
                and not known(tok)):
            out += [tok[0], tok[1]]
            notes.append(f"split {tok} → {tok[0]} {tok[1]} (verb + aspect particle)")
            continue
        if (len(tok) == 2 and tok[0] in DEGREE and tags.get(tok[1], "")[:1] == "a"):
            if len(after) == 1 and freq.get(tok[1] + after, 0) >= _COMPOUND_MIN_FREQ:  # 很大|方 → 很 大方
                out.append(tok[0])
                pending_prefix = tok[1]
                notes.append(f"split {tok} {after} → {tok[0]} {tok[1] + after} (degree adverb + adjective)")
                continue
            out += [tok[0], tok[1]]
            notes.append(f"split {tok} → {tok[0]} {tok[1]} (degree adverb + adjective)")
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (len(tok) == 2 and tok[0] in "没不" and nxt in RESULT_COMPLEMENTS
                and freq.get(tok[1] + nxt, 0) >= 100):
            out += [tok[0]]
            pending_prefix = tok[1]
            notes.append(f"split {tok} {nxt} → {tok[0]} {tok[1] + nxt} (negation + verb-complement)")
            continue
        if (len(tok) == 2 and not freq.get(tok) and tags.get(tok[0], "")[:1] == "v"
                and tags.get(tok[1], "")[:1] in ("n", "r") and (known is None or not known(tok))):
            out += [tok[0], tok[1]]
            notes.append(f"split {tok} → {tok[0]} {tok[1]} (a verb glued to its object by the HMM)")
            continue
        if (len(tok) == 2 and not freq.get(tok) and tags.get(tok[0], "") == "n" and tok[0] not in surnames("all")
                and tags.get(tok[1], "")[:1] == "a" and (known is None or not known(tok))):  # not 马丽, 程强
            out += [tok[0], tok[1]]
            notes.append(f"split {tok} → {tok[0]} {tok[1]} (a noun glued to its adjective by the HMM)")
            continue
        if (out and tags.get(out[-1], "") == "m" and tok[0] in CLASSIFIERS and len(tok) >= 2
                and freq.get(tok[1:])):
            out += [tok[0], tok[1:]]
            notes.append(f"split {tok} → {tok[0]} {tok[1:]} (classifier after a numeral)")
            continue
        if known is not None and len(tok) <= 4 and not known(tok) and not (
                len(tok) <= 3 and tok[0] in surnames("clear")):  # 邓超 is a name, not 邓 + 超 (very)
            parts = anchor_split(tok, known)
            if parts:
                out += parts
                notes.append(f"split {tok} → {' '.join(parts)} (unknown to the lexicon, parts known)")
                continue
        out.append(tok)
    return merge_a_not_a(_join_listed(out, protected, notes), notes)


def _join_listed(tokens: list[str], protected: frozenset[str], notes: list[str]) -> list[str]:
    """解除|绑定 → 解除绑定, 取消|关注 → 取消关注: two adjacent tokens that form a word of the antonym list
    (an undo phrasing of a listed action), so that it reads as the undo verb (解绑), not as 绑定."""
    listed = listed_words()
    out: list[str] = []
    for tok in tokens:
        if out and out[-1] + tok in listed and out[-1] not in protected and tok not in protected:
            notes.append(f"merged {out[-1]} {tok} → {out[-1] + tok} (a listed predicate)")
            out[-1] += tok
            continue
        out.append(tok)
    return out


#: Prepositions the HMM glues to an unknown name after them (比小红大, 从张三).
MARKER_PREFIXES = frozenset("比从给向跟对被把和")
_NAME_NUMERALS = frozenset("一二三四五六七八九")
#: words before a surname character that make it a measure word or a plain word (这张, 一张): no name merge
_NOT_BEFORE_NAME = frozenset("这那每一几哪两")
#: a dictionary word this rare glued to a name's last character is the HMM's cut, not the word (梁|红教 is
#: 梁红 教, not the Red sect)
_RARE = 50


@lru_cache(maxsize=None)
def surnames(kind: str = "all") -> frozenset[str]:
    """The surname lists, the one place they are read. ``clear``: surnames that start a name
    (data/wordlists/surnames.txt); ``ambiguous``: surnames that also start many ordinary words
    (surnames_ambiguous.txt: 高, 何, 黄); ``all``: both (a name such as 马丽 is no noun glued to an adjective)."""
    if kind == "clear":
        return read_words("surnames.txt")
    if kind == "ambiguous":
        return read_words("surnames_ambiguous.txt")
    if kind == "all":
        return surnames("clear") | surnames("ambiguous")
    raise ValueError(f"surname kind must be clear, ambiguous or all, not {kind!r}")


def _free_char(ch: str, tags: dict[str, str], freq: dict[str, int], classes: str = "vap") -> bool:
    """A frequent one-character verb, adjective or preposition (欠, 转, 大, 比): the HMM glues it to a name."""
    return tags.get(ch, "")[:1] in tuple(classes) and freq.get(ch, 0) >= _GLUE_MIN_FREQ


def _name_like(word: str, freq: dict[str, int], known: Callable[[str], bool] | None) -> bool:
    """A person's name the segmenter cannot know: a surname and one or two characters that are no word of
    jieba's dictionary nor of the word knowledge (张三, 刘洋, 高勇), or 小/老 + a surname (小李, 老王)."""
    if not 2 <= len(word) <= 3 or freq.get(word) or (known is not None and known(word)):
        return word[:1] in "小老" and len(word) == 2 and word[1:] in surnames("all")
    return word[0] in surnames("all") or (word[0] in "小老" and len(word) == 2)


def _split_names_and_markers(tokens: list[str], protected: frozenset[str], freq: dict[str, int],
                             tags: dict[str, str], notes: list[str],
                             known: Callable[[str], bool] | None = None) -> list[str]:
    """比小红大 → 比 小红 大; 从张三 → 从 张三; 张 三 → 张三; 小 李 → 小李; 小|李转 → 小李 转; 欠小红 → 欠 小红;
    刘洋大 → 刘洋 大; 梁|红教 → 梁红 教 (a clear surname and a content character only: 利息|高吗,
    他姓|王吗 stay as they are); 比高|勇 → 比 高勇 (names the HMM mangles; the swap and entity checks
    compare names exactly, so they must come out whole and alike on both sides)."""
    out: list[str] = []
    tokens = list(tokens)
    for k, tok in enumerate(tokens):
        parts = [tok]
        nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
        if tok in protected:
            pass
        elif len(tok) >= 3 and not freq.get(tok) and tok[0] in MARKER_PREFIXES:
            rest = tok[1:]
            parts = [tok[0], rest]
            if len(rest) >= 3 and not freq.get(rest) and tags.get(rest[-1], "")[:1] in ("a", "v"):
                parts = [tok[0], rest[:-1], rest[-1]]
            notes.append(f"split {tok} → {' '.join(parts)} (preposition glued to an unknown name)")
        elif len(tok) == 3 and not freq.get(tok) and _free_char(tok[0], tags, freq) \
                and _name_like(tok[1:], freq, known):  # 欠小红: a verb glued to the name after it
            parts = [tok[0], tok[1:]]
            notes.append(f"split {tok} → {' '.join(parts)} (verb glued to a name)")
        elif len(tok) == 3 and not freq.get(tok) and _free_char(tok[-1], tags, freq) \
                and _name_like(tok[:-1], freq, known):  # 刘洋大: a name glued to the word after it
            parts = [tok[:-1], tok[-1]]
            notes.append(f"split {tok} → {' '.join(parts)} (name glued to {tok[-1]})")
        elif (len(tok) == 2 and tok[1] in surnames("all") and nxt and is_han(nxt)
              and (nxt[0] not in GRAMMAR_CHARS or nxt[0] in _NAME_NUMERALS)
              and freq.get(tok, 0) < _RARE
              and (len(nxt) == 1 or nxt[0] in _NAME_NUMERALS or freq.get(nxt, 0) < _RARE)
              and (tok[0] in MARKER_PREFIXES or _free_char(tok[0], tags, freq, "v"))
              and _name_like(tok[1] + nxt[0], freq, known)):
            parts = [tok[0], tok[1]]  # 比高|勇, 教王|五: the preposition or verb took the surname; the merges
            notes.append(f"split {tok} → {' '.join(parts)} (preposition or verb glued to a surname)")  # rejoin it
        for part in parts:
            if (out and len(out[-1]) == 1 and len(part) <= 2 and part not in protected
                    and tags.get(out[-1] + part) == "nr"  # 邓|超: a name of jieba's dictionary, cut,
                    and not (known is not None and known(out[-1] + part))):  # not a word HowNet has (张贴)
                notes.append(f"merged {out[-1]} {part} → {out[-1] + part} (a name)")
                out[-1] += part
                continue
            if out and out[-1] in ("小", "老") and part[:1] in surnames("all") and part not in protected and (
                    len(part) == 1 or (len(part) == 2 and not freq.get(part) and _free_char(part[1], tags, freq, "vapdm"))):
                notes.append(f"merged {out[-1]} {part[0]} → {out[-1] + part[0]} (a name)")  # 小|李, 小|李转
                out[-1] += part[0]
                if len(part) == 2:
                    out.append(part[1])
                continue
            if (out and len(out[-1]) == 1 and out[-1] in surnames("all") and part[:1] in _NAME_NUMERALS
                    and (len(part) == 1 or (len(part) == 2 and (part[1] in _NAME_NUMERALS or not freq.get(part))))):
                notes.append(f"merged {out[-1]} {part[0]} → {out[-1] + part[0]} (a name)")  # 王|五一 → 王五 一
                out[-1] += part[0]
                if len(part) == 2:
                    out.append(part[1])
                continue
            if (out and len(out[-1]) == 1 and len(part) <= 2
                    and (out[-1] in surnames("clear") or (out[-1] in surnames("all") and len(out) >= 2
                                                          and out[-2] in MARKER_PREFIXES))  # 比|高|勇
                    and part not in protected and is_han(part)
                    and (part[0] not in GRAMMAR_CHARS or part[0] in _NAME_NUMERALS)  # 张|三打 → 张三 打
                    and (len(out) < 2 or (out[-2] not in _NOT_BEFORE_NAME and tags.get(out[-2], "") != "m"))
                    and (len(part) == 1 or (freq.get(part, 0) < _RARE and _free_char(part[1], tags, freq)))
                    and _name_like(out[-1] + part[0], freq, known) and out[-1] not in CLASSIFIERS):
                notes.append(f"merged {out[-1]} {part[0]} → {out[-1] + part[0]} (a name)")  # 梁|红教 → 梁红 教
                out[-1] += part[0]
                if len(part) == 2:
                    out.append(part[1])
                continue
            out.append(part)
    return out


def merge_a_not_a(tokens: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
    """能|不能, 会|不会, 借|没|借到 → one A-not-A token: a yes/no question form, which the rules must not read
    as a negation (the paper's K3 did: 能不能 counted as declarative *and* negated)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        two = "".join(tokens[i:i + 2])
        if (len(tokens[i]) == len(nxt) == 1 and after in ("不", "没") and tokens[i + 3:i + 5] == tokens[i:i + 2]
                and not is_a_not_a(two)):  # 好|用|不|好|用 (the parts split as unknown words): 好用不好用
            out.append(two + after + two)
            notes.append(f"merged {' '.join(tokens[i:i + 5])} → {two + after + two} (A-not-A question)")
            i += 5
            continue
        glued = _glued_a_not_a(tok, nxt, after)
        if glued:  # 床贵|不|贵 → 床 贵不贵: the HMM glued the noun to the first A
            stem, form, used = glued
            out += [stem, form]
            notes.append(f"split {' '.join(tokens[i:i + used])} → {stem} {form} (A-not-A question)")
            i += used
            continue
        if nxt in ("不" + tok, "没" + tok) and len(tok) <= 2 and not _still_not(tok, nxt):
            out.append(tok + nxt)
            notes.append(f"merged {tok} {nxt} → {tok + nxt} (A-not-A question)")
            i += 2
            continue
        if nxt in ("不", "没") and tok and after.startswith(tok) and len(after) <= 2 \
                and not _still_not(tok, nxt):  # 借|没|借到, not 微信|没|微粒
            out.append(tok + nxt + after)
            notes.append(f"merged {tok} {nxt} {after} → {tok + nxt + after} (A-not-A question)")
            i += 3
            continue
        out.append(tok)
        i += 1
    return out, notes


def _still_not(a: str, nxt: str) -> bool:
    """还 + 没 is "not yet" (我还没还款), a statement, not 还没还 asking whether."""
    return a == "还" and nxt.startswith("没")


def _glued_a_not_a(tok: str, nxt: str, after: str) -> tuple[str, str, int] | None:
    """(stem, A-not-A form, tokens used) when ``tok`` ends with the A that follows 不/没 (床贵|不|贵,
    菜辣|不辣, 衣服好看|不|好看), else None. A of one or two characters, the stem at least one."""
    for k in (2, 1):
        a = tok[-k:]
        if len(tok) <= k or is_a_not_a(tok) or _still_not(a, nxt):
            continue
        if nxt in ("不", "没") and after == a:
            return tok[:-k], a + nxt + after, 3
        if nxt in ("不" + a, "没" + a):
            return tok[:-k], a + nxt, 2
    return None
