"""Meaning-keeping edits: spaces inside Chinese text, homophone typos (input rules, rule engine).

The pairs here are our own (not the behaviour suite's lexicons): everyday and banking questions with a stray
space or a pinyin-input typo, and pairs that look like typos but are different words (which must stay apart).
"""
from __future__ import annotations

import pytest

from simcalc.rules.readings import SYLLABLES, _cut, build, sound_alike, toneless
from simcalc.rules.typos import repair_pair
from simcalc.rules.words import typo_pair
from simcalc.text import drop_cjk_spaces, normalize


# -- spaces ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("信用 卡 怎么 还款", "信用卡怎么还款"),
    ("转 5000 元", "转5000元"),
    ("你好 ， 请问 花呗 怎么 开通 ？", "你好,请问花呗怎么开通?"),
    ("买 iPhone 12 要 多少 钱", "买iphone 12要多少钱"),
    ("win 10 怎么 激活", "win 10怎么激活"),
    ("第 3 4 期", "第3 4期"),  # a space between two numbers stays: 3 4 is not 34
    ("how are you", "how are you"),
    ("花呗\u3000怎么\t还", "花呗怎么还"),  # ideographic space and tab are whitespace too
    ("안녕 하세요", "안녕 하세요"),  # Korean is written with spaces
])
def test_spaces_beside_chinese_are_dropped_and_latin_spaces_kept(raw, expected):
    assert normalize(raw) == expected


def test_space_rule_is_idempotent():
    for raw in ("信用 卡", "a b 花 c", " 转 5000 元 ", "iphone 6 和 iphone 7"):
        once = normalize(raw)
        assert normalize(once) == once
        assert drop_cjk_spaces(once) == once


# -- readings ----------------------------------------------------------------------------------------
def test_toneless_and_syllable_cuts():
    assert toneless("lǜsè") == "lvse"
    assert toneless("Tóngyàng") == "tongyang"
    assert _cut("tongyang", 2) == ["tong", "yang"]
    assert _cut("xian", 1) == ["xian"]
    assert _cut("xi'an", 2) == ["xi", "an"]
    assert _cut("xian", 2) is None  # pinyin would write xi'an: an unmarked cut before a vowel is not one
    assert _cut("nu'erhachi", 4) == ["nu", "er", "ha", "chi"]
    assert "zhuang" in SYLLABLES and "shuo" in SYLLABLES


def test_build_reads_single_characters_and_cut_words(tmp_path):
    conllu = tmp_path / "t.conllu"
    rows = [("1", "期", "Translit=qī"), ("2", "其他", "Translit=qítā"), ("3", "學習", "Translit=xuéxí"),
            ("4", "，", "Translit=,")]
    conllu.write_text("# text = x\n" + "".join(f"{i}\t{w}\t{w}\tX\t_\t_\t0\troot\t_\tSpaceAfter=No|{m}\n"
                                                for i, w, m in rows) + "\n", encoding="utf-8")
    table = build([conllu])
    assert table["期"] == {"qi"} and table["其"] == {"qi"} and table["他"] == {"ta"}
    assert table["学"] == {"xue"} and table["习"] == {"xi"}  # traditional forms simplified
    assert "，" not in table


def test_shipped_readings_know_common_homophones():
    for a, b in [("期", "其"), ("费", "废"), ("提", "题"), ("改", "该"), ("度", "渡"), ("请", "清"), ("密", "秘"),
                 ("还", "换"), ("哪", "那")]:
        assert sound_alike(a, b), (a, b)
    for a, b in [("吃", "卖"), ("会", "打"), ("到", "转"), ("高", "矮"), ("期", "期期")]:
        assert not sound_alike(a, b), (a, b)


# -- typo pairs and readings against the other sentence ---------------------------------------------
KNOWN = {"分期", "还款", "额度", "手续费", "手续", "提高", "吃豆腐", "豆腐", "登录", "登陆", "很高", "送给", "北京",
         "南京", "其他", "哪里", "那里", "花", "呗", "能不能", "分", "其", "怎么", "办", "在", "办理", "手机", "去",
         "借", "张三", "张", "四"}


def known(word: str) -> bool:
    return word in KNOWN


def segment(text: str) -> list[str]:
    """Longest known word first, else one character (enough for these sentences)."""
    out, i = [], 0
    while i < len(text):
        for j in range(min(len(text), i + 4), i, -1):
            if j - i == 1 or text[i:j] in KNOWN:
                out.append(text[i:j])
                i = j
                break
    return out


def test_typo_pair_needs_one_unknown_homophone_and_no_grammar_character():
    assert typo_pair("分其", "分期", known)
    assert typo_pair("换款", "还款", known)
    assert not typo_pair("登陆", "登录", known)  # both words: each means something
    assert not typo_pair("花贝", "花呗", lambda w: False)  # neither known
    assert not typo_pair("卖豆腐", "吃豆腐", known)  # 卖/吃 do not sound alike
    assert not typo_pair("分期期", "分期", known)  # lengths differ
    assert not typo_pair("很搞", "很高", known)  # 很: a grammar character


@pytest.mark.parametrize("a, b, expected_b, read", [
    ("花呗可以分期吗", "花呗能不能分其", "花呗能不能分期", True),
    ("转账要手续费吗", "转账收手续废吗", "转账收手续费吗", True),
    ("分期怎么办", "分其他怎么办", "分其他怎么办", False),  # 其他 is a word: the span would cut it
    ("张三去北京", "张四去北京", "张四去北京", False),  # not homophones (and 张三 is a name)
    ("他想吃豆腐", "他想卖豆腐", "他想卖豆腐", False),
    ("在哪里办理", "在那里办理", "在哪里办理", True),  # the demonstrative asks nothing else
    ("在哪里办理", "那里能办理吗", "那里能办理吗", False),  # a yes/no question of its own
])
def test_repair_pair_reads_typos_only_against_a_word_of_the_other_sentence(a, b, expected_b, read):
    new_a, new_b, notes = repair_pair(a, b, segment, known, question_words=frozenset({"哪里", "吗", "怎么"}))
    assert new_a == a
    assert new_b == expected_b
    assert bool(notes) == read


# -- the rule engine on real data ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def rules(shared_data):
    import simcalc

    return simcalc.get_scorer("rules")


#: (sentence 1, sentence 2, sentence 2 with a homophone typo): our own questions, not the suite's
TYPO_PAIRS = [
    ("在哪里查看利息", "利息在哪里看", "利息在那里看"),
    ("微信怎么充值话费", "微信如何充值话费", "微信如何充直话费"),
    ("收不到验证码怎么办", "验证码收不到", "验证玛收不到"),
    ("身份证过期了还能借款吗", "身份证过期能不能借款", "身份正过期能不能借款"),
    ("账户被冻结了", "我的账户冻结了怎么办", "我的账户冻节了怎么办"),
    ("退款什么时候到账", "退款多久能到账", "退宽多久能到账"),
    ("怎么注册账号", "如何注册新账号", "如何注测新账号"),
    ("快递什么时候到", "快递多久能到", "快第多久能到"),
    ("余额怎么提现", "余额如何提现", "余额如何提先"),
    ("怎么开通花呗", "花呗如何开通", "花呗如何开痛"),
    ("怎么修改手机号码", "手机号码如何修改", "手机号玛如何修改"),
    ("贷款利率是多少", "贷款的利率多少", "贷款的利律多少"),
]


def test_rules_score_does_not_move_with_a_homophone_typo(rules):
    pairs = [p for a, b, c in TYPO_PAIRS for p in ((a, b), (a, c))]
    scores = [r.score for r in rules.score_batch(pairs)]
    moved = [(c, scores[2 * k], scores[2 * k + 1]) for k, (_, _, c) in enumerate(TYPO_PAIRS)
             if abs(scores[2 * k] - scores[2 * k + 1]) > 0.2
             or (scores[2 * k] >= rules.threshold) != (scores[2 * k + 1] >= rules.threshold)]
    assert not moved


def test_rules_keeps_look_alike_different_words_apart(rules):
    for a, b in [("小王很高", "小王很矮"), ("张三去北京", "张四去北京"), ("我去南京", "我去北京"),
                 ("他想吃豆腐", "他想卖豆腐"), ("买三个", "买四个")]:
        result = rules.score(a, b)
        assert result.score < rules.threshold, (a, b, result.score)
        assert not any("typo" in w for w in result.warnings), (a, b, result.warnings)
    for a, b in [("什么时候到账", "什么时候转账"), ("我要还钱", "我要还款"), ("我的帐号", "我的账号")]:
        assert not any("typo" in w for w in rules.score(a, b).warnings), (a, b)  # words, or not homophones


def test_a_reading_is_said_in_the_warnings(rules):
    result = rules.score("花呗可以分期吗", "花呗能不能分其")
    assert any("read 分其 as 分期" in w for w in result.warnings)


def test_rules_score_does_not_move_with_spaces_inside_chinese(rules):
    pairs = [("信用卡怎么还款", "信用卡如何还款"), ("快递什么时候到", "快递多久能到"), ("怎么开通花呗", "花呗如何开通")]
    spaced = [(a, " ".join(b)) for a, b in pairs] + [(a, b[:2] + " " + b[2:]) for a, b in pairs]
    plain = [r.score for r in rules.score_batch(pairs)]
    with_spaces = [r.score for r in rules.score_batch(spaced)]
    assert with_spaces == plain + plain


@pytest.mark.parametrize("a, b, expected_b, expected_a_reversed", [
    ("他学得不好", "他学的不好", "他学得不好", "他学的不好"),
    ("我的书在哪里", "我得书放在哪里", "我的书放在哪里", "我得书在哪里"),
    ("他高兴地说", "他很高兴的说", "他很高兴地说", "他高兴的说"),
    ("他学得很好", "他学的东西很好", "他学的东西很好", "他学得很好"),  # 的 between other characters: left alone
])
def test_particles_de_are_read_as_the_other_sentences(a, b, expected_b, expected_a_reversed):
    assert repair_pair(a, b, segment, known)[:2] == (a, expected_b)
    # sentence 2 takes sentence 1's particle; the two never trade theirs
    assert repair_pair(b, a, segment, known)[:2] == (b, expected_a_reversed)


def test_word_relation_reads_an_unknown_homophone_word_as_the_known_one(rules):
    from simcalc.rules.words import TYPO_SIMILARITY

    typo = rules.words.relation("额渡", "额度")
    assert (typo.score, typo.method) == (TYPO_SIMILARITY, "typo")
    assert rules.words.relation("登陆", "登录").method != "typo"  # two words
    assert rules.words.relation("花呗", "借呗").method != "typo"  # two unknown words (and not homophones)
