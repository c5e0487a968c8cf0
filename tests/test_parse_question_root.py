"""The question root repair (rules/parse/question_root.py): which word of a parsed question is its HED.

Hand-built LTP trees check each convention of the question gold set's guidelines (the tree shapes are the
embedded parser's typical mistakes, the sentences written for this file); random trees check the repair always
returns a tree with one root; the shipped model checks the gain on the training questions (where the repair was
developed) and on the held-out gold set, and that declaratives keep their trees.
"""
from __future__ import annotations

import random

import pytest

from simcalc.rules.parse.embedded.parser import EmbeddedParser, model_available
from simcalc.rules.parse.question_root import clauses, is_question, repair_question_root


def _tree(spec: str):
    """'word/head/REL/pos ...' → tokens, pos, heads, rels."""
    rows = [item.split("/") for item in spec.split()]
    return [r[0] for r in rows], [r[3] for r in rows], [int(r[1]) for r in rows], [r[2] for r in rows]


def _repaired(spec: str):
    tokens, pos, heads, rels = _tree(spec)
    _assert_tree(heads)  # the hand-built input is a tree
    changed = repair_question_root(tokens, pos, heads, rels)
    _assert_tree(heads)
    return tokens[heads.index(0)], dict(zip(tokens, zip(heads, rels))), changed


def _assert_tree(heads: list[int]) -> None:
    assert heads.count(0) == 1
    for k in range(1, len(heads) + 1):
        seen, node = set(), k
        while node:
            assert node not in seen, "cycle"
            seen.add(node)
            node = heads[node - 1]


@pytest.mark.parametrize("tokens, expected", [
    (["花呗", "怎么", "还款"], True), (["可以", "借", "吗"], True), (["能不能", "取消"], True),
    (["借款", "多长时间", "到账"], True), (["请问", "额度", "提升"], True), (["这个", "月", "几号", "还"], True),
    (["资金", "还", "没有", "到账"], False), (["他", "几乎", "都", "看", "过", "。"], False),
    # a written statement with an indefinite 谁 / an embedded 是否 does not ask
    (["抽中", "谁", "，", "便", "呼叫", "。"], False), (["是否", "能", "有", "时间", "，", "饱受", "争议", "。"], False),
    (["他", "来", "了", "吗", "。"], True),
    (["艾米", "说", "：", "「", "几个", "月", "后", "再", "来", "。", "」"], False),  # 。 inside a closing quote

    # indefinite question words and a concessive clause do not ask; a final 么 only at the clause's end
    (["这家", "店", "不怎么样"], False), (["没什么", "事"], False), (["无论如何", "都", "要", "还"], False),
    (["来", "了", "好几个", "人"], False), (["多多少少", "有", "点"], False), (["不管", "多少", "钱", "都", "要", "还"], False),
    (["饿", "了", "么", "外卖"], False), (["他", "来", "了", "么"], True),
    # markers of question_types.tsv inside longer words, split A-not-A forms, yes/no endings
    (["啥时候", "到", "账"], True), (["咋整"], True), (["为", "啥子", "扣", "钱"], True),
    (["会", "不会", "扣", "钱"], True), (["开通", "要钱", "不"], True), (["有", "利息", "没"], True),
])
def test_is_question(tokens, expected):
    assert is_question(tokens) is expected


def test_clauses_cut_after_punctuation():
    assert clauses(["花呗", "逾期", "，", "怎么", "办", "？"]) == [(0, 3), (3, 6)]


def test_the_asking_clause_takes_the_root():
    # 我的额度有了，怎么用不了: the parser roots the statement clause
    head, arcs, changed = _repaired("我/3/ATT/r 额度/3/SBV/n 有/0/HED/v 了/3/RAD/u ，/3/WP/wp 怎么/7/ADV/r 用/3/COO/v 呢/7/RAD/u")
    assert changed and head == "用" and arcs["有"] == (7, "COO") and arcs["怎么"] == (7, "ADV")


def test_first_asking_clause_wins():
    head, _, _ = _repaired("如何/2/ADV/r 开通/6/VOB/v 花呗/2/VOB/n ，/6/WP/wp 额度/6/SBV/n 提高/0/HED/v 吗/6/RAD/u")
    assert head == "开通"


def test_negation_root_hands_over_to_the_verb():
    # 工资为什么没到账: GSD heads 没 + a post-verbal 到 (CMP); the verb is the predicate
    head, arcs, _ = _repaired("工资/4/SBV/n 为什么/4/ADV/r 还/4/ADV/d 没/0/HED/v 到/4/CMP/p 账/5/POB/n")
    assert head == "到" and arcs["没"] == (5, "ADV") and arcs["工资"] == (5, "SBV")


def test_have_not_with_a_noun_stays():
    head, _, changed = _repaired("我/2/SBV/r 没有/0/HED/v 额度/2/VOB/n 吗/2/RAD/u")
    assert head == "没有" and not changed


def test_modal_and_timing_adverb_roots():
    head, _, _ = _repaired("是否/2/ADV/d 可以/0/HED/v 退款/2/VOB/v ？/2/WP/wp")
    assert head == "退款"
    head, _, _ = _repaired("能/2/ADV/v 提前/0/HED/v 还/2/ADV/d 一部分/5/ATT/m 本金/2/VOB/n 吗/2/RAD/u")
    assert head == "还"


def test_question_word_root_gives_way_to_its_verb():
    head, arcs, _ = _repaired("下/2/ATT/nd 月/5/SBV/n 要/5/ADV/v 交/5/ADV/v 多少/0/HED/m")
    assert head == "交" and arcs["多少"] == (4, "VOB") and arcs["要"] == (4, "ADV")
    head, arcs, _ = _repaired("电费/3/SBV/n 是/3/ATT/v 多少/0/HED/m")
    assert head == "是" and arcs["多少"] == (2, "VOB")


def test_noun_root_gives_way_to_the_verb_before_it():
    head, arcs, _ = _repaired("怎么/2/ADV/r 修改/3/ATT/v 密码/0/HED/n")
    assert head == "修改" and arcs["密码"] == (2, "VOB") and arcs["怎么"] == (2, "ADV")


def test_relative_clause_noun_stays():
    head, _, changed = _repaired("什么/2/ATT/r 时候/3/ADV/n 开通/5/ATT/v 的/3/RAD/u 账户/0/HED/n")
    assert head == "账户" and not changed


def test_copula_under_a_noun_root_wins_over_the_relative_clause_verb():
    head, _, _ = _repaired("绑定/3/ATT/v 的/1/RAD/u 银行卡/0/HED/n 是/3/ATT/v 哪个/4/VOB/r")
    assert head == "是"


# -- negative cases of the review (A–G): sentences written for this file ----------------------------------
def _unchanged(spec: str) -> None:
    tokens, pos, heads, rels = _tree(spec)
    before = (list(pos), list(heads), list(rels))
    assert not repair_question_root(tokens, pos, heads, rels)
    assert (pos, heads, rels) == before


def test_copula_does_not_take_a_verb_root():
    # A: 我是学生，怎么申请贷款 — the 是 of a statement clause; 我想知道这个字是什么意思 — 知道 embeds the question
    _unchanged("我/2/SBV/r 是/6/COO/v 学生/2/VOB/n ，/2/WP/wp 怎么/6/ADV/r 申请/0/HED/v 贷款/6/VOB/n ？/6/WP/wp")
    _unchanged("我/2/SBV/r 想知道/0/HED/v 这个/4/ATT/r 字/5/SBV/n 是/2/VOB/v 什么/7/ATT/r 意思/5/VOB/n")
    _unchanged("你/2/SBV/r 知道/0/HED/v 他/4/SBV/r 是/2/COO/v 谁/4/VOB/r 吗/2/RAD/u")


def test_shi_bu_shi_is_adverbial():
    # A: 是不是 + verb hands over like 是否 (tagged d); 是不是 + noun is the copula question and stays
    tokens, pos, heads, rels = _tree("你们/2/SBV/r 是不是/0/HED/v 不/4/ADV/d 支持/2/VOB/v 信用卡/4/VOB/n")
    repair_question_root(tokens, pos, heads, rels)
    assert tokens[heads.index(0)] == "支持" and pos[1] == "d" and rels[1] == "ADV"
    _unchanged("这/2/SBV/r 是不是/0/HED/v 你/5/ATT/r 的/3/RAD/u 手机/2/VOB/n")


def test_no_pronoun_noun_or_numeral_after_benefactives():
    # D: 给/帮/谢谢/请问 keep the root over a pronoun or a noun, even one the tagger calls a verb (理由/v after 一个)
    _unchanged("为啥/3/ADV/r 不/3/ADV/d 给/0/HED/v 我/3/IOB/r 积分/3/VOB/n")
    _unchanged("你/3/SBV/r 能/3/ADV/v 帮/0/HED/v 我/3/VOB/r 吗/3/RAD/u")
    _unchanged("谢谢/0/HED/v 你们/1/VOB/r")
    _unchanged("给/0/HED/v 我/1/DBL/r 一个/4/ADV/d 理由/1/VOB/v")
    _unchanged("请问/0/HED/v 客服/3/ATT/n 电话/1/VOB/n ？/1/WP/wp")
    _unchanged("利息/2/SBV/n 一直/0/HED/d 多少/2/VOB/m")


def test_request_qing_only_opening_the_sentence():
    # D: 我请他喝茶好吗 — 请 "invite" is the verb; a sentence-opening 请 is politeness
    _unchanged("我/2/SBV/r 请/0/HED/v 他/2/DBL/r 喝茶/2/VOB/v 好/2/COO/a 吗/2/RAD/u")
    head, _, _ = _repaired("请/0/HED/v 尽快/3/ADV/d 处理/1/VOB/v")
    assert head == "处理"


def test_de_is_not_a_modal_and_modals_need_a_verb():
    # E: 怎么得积分 — 得 "get" is the verb; 可以现金吗 — 可以 + noun stays
    _unchanged("怎么/2/ADV/r 得/0/HED/v 积分/2/VOB/n")
    _unchanged("可以/0/HED/v 现金/1/VOB/n 吗/1/RAD/u")


def test_new_question_predicate_root_is_a_verb():
    # C: 手机丢了(，)怎么办 — step 4 and step 1 retag 怎么办 (the tagger's n) as the predicate
    for spec in ("手机/2/SBV/n 丢/0/HED/v 了/2/RAD/u 怎么办/2/COO/n",
                 "手机/2/SBV/n 丢/0/HED/v 了/2/RAD/u ，/2/WP/wp 怎么办/2/COO/n"):
        tokens, pos, heads, rels = _tree(spec)
        repair_question_root(tokens, pos, heads, rels)
        assert tokens[heads.index(0)] == "怎么办" and pos[tokens.index("怎么办")] == "v"


def test_asking_clause_prefers_its_verb_and_skips_bare_topics():
    # B: 想买手机，哪个牌子好用？ — 好用, not the subject 牌子
    head, _, _ = _repaired("想/0/HED/v 买/1/VOB/v 手机/2/VOB/n ，/1/WP/wp 哪个/6/ATT/r 牌子/1/SBV/n 好用/1/COO/a ？/1/WP/wp")
    assert head == "好用"
    # B: 借呗？为什么不能用 — a bare noun with a question mark names the topic; the root stays 用
    _unchanged("借呗/6/SBV/n ？/1/WP/wp 为什么/6/ADV/r 不/6/ADV/d 能/6/ADV/v 用/0/HED/v")


def test_repairs_stay_inside_the_roots_clause():
    # F: 信用卡好用吗？怎么办理啊 — the first clause asks; its root keeps the tree
    _unchanged("信用卡/2/SBV/n 好用/0/HED/a 吗/2/RAD/u ？/2/WP/wp 怎么/6/ADV/r 办理/2/COO/v 啊/6/RAD/u")
    # F: a statement 没有额度，还在审核 — 没有 does not hand over to the next clause's verb
    _unchanged("没有/0/HED/v 额度/1/VOB/n ，/1/WP/wp 还/5/ADV/d 审核/1/COO/v")


def test_disagreeing_repairs_restore_the_input_tree():
    # G: 这是怎么办 — the copula step (怎么办/r root) and the question-predicate step (怎么办 after 是) send the
    # root back and forth: the input, its tags included, comes back
    _unchanged("这/2/SBV/r 是/3/ADV/v 怎么办/0/HED/r")


def test_statement_verb_yields_to_the_asking_verb_after_it():
    head, _, _ = _repaired("我/2/SBV/r 注册/0/HED/v 了/2/RAD/u 怎么/5/ADV/r 登录/2/VOB/v")
    assert head == "登录"
    # 想/知道 take the question as their object: the root stays (guideline 3)
    head, _, changed = _repaired("我/2/SBV/r 想/0/HED/v 怎么/4/ADV/r 登录/2/VOB/v")
    assert head == "想" and not changed


def test_written_statements_are_left_alone():
    head, _, changed = _repaired("他/2/SBV/r 没/0/HED/v 到/2/CMP/p 北京/3/POB/ns 。/2/WP/wp")
    assert head == "没" and not changed


def test_user_statement_gets_the_adverbial_repair_only():
    head, _, _ = _repaired("资金/3/SBV/n 还/3/ADV/d 没有/0/HED/v 到/3/CMP/p 账/4/POB/n")
    assert head == "到"
    head, _, changed = _repaired("查询/2/ATT/v 记录/0/HED/n")  # the noun rule needs a question
    assert head == "记录" and not changed


def test_random_trees_stay_trees():
    rng = random.Random(7)
    words = ["怎么", "没有", "是", "多少", "可以", "花呗", "还款", "，", "吗", "提前", "额度", "什么", "的", "？"]
    pos = {"怎么": "r", "没有": "v", "是": "v", "多少": "m", "可以": "v", "花呗": "n", "还款": "v", "，": "wp",
           "吗": "u", "提前": "v", "额度": "n", "什么": "r", "的": "u", "？": "wp"}
    rels = ["SBV", "VOB", "ADV", "ATT", "COO", "CMP", "RAD", "WP"]
    for _ in range(2000):
        n = rng.randint(2, 12)
        tokens = [rng.choice(words) for _ in range(n)]
        order = list(range(1, n + 1))
        rng.shuffle(order)
        heads = [0] * n
        for i, k in enumerate(order[1:], 1):  # attach each word to one placed before it: a tree
            heads[k - 1] = rng.choice(order[:i])
        labels = ["HED" if h == 0 else rng.choice(rels) for h in heads]
        tags = [pos[t] for t in tokens]
        before = (list(tags), list(heads), list(labels))
        changed = repair_question_root(tokens, tags, heads, labels)
        _assert_tree(heads)
        assert labels[heads.index(0)] == "HED" and len(tags) == n
        assert changed == ((tags, heads, labels) != before)
        # a retag makes a predicate (v) or a demoted adverbial (d), nothing else
        assert all(a == b or a in ("v", "d") for a, b in zip(tags, before[0]))


# -- the shipped model --------------------------------------------------------------------------------
shipped = pytest.mark.skipif(not model_available(), reason="data/parser weights not present in this checkout")


@shipped
def test_repair_gains_on_training_and_gold_questions():
    """Measured (MODEL_CARD.md, "Question root repair"): training questions HED 70.4 → 80.9 (where the rules
    were developed), gold set 73.2 → 78.6 with the set's words (scored once, after the rules were fixed);
    floors a sentence or two below."""
    from simcalc.resources import project_data_path
    from simcalc.rules.parse.gold import read_question_gold, score_questions

    off, on = EmbeddedParser(question_roots=False), EmbeddedParser()
    for name, floor_gain in (("questions_train.conllu", 7.0), ("questions_gold.conllu", 2.5)):
        gold = read_question_gold(project_data_path(f"parser/{name}"))
        batch = [q.tokens for q in gold]
        before, after = score_questions(gold, off.parse_tokens_batch(batch)), score_questions(gold, on.parse_tokens_batch(batch))
        assert after["HED"] - before["HED"] >= floor_gain, name
        assert after["VOB"] >= before["VOB"] and after["SBV"] >= before["SBV"] - 0.5, name


@shipped
def test_user_statements_keep_their_verb_root():
    """Statements without 。 reach the adverbial and modal steps: the verb the parser roots stays (给/请 with a
    pronoun or noun after them are the verbs), only a negation hands over to its verb."""
    on, off = EmbeddedParser(), EmbeddedParser(question_roots=False)
    batch = [["给", "他", "一个", "机会"], ["你", "借点", "钱", "给", "我"], ["给", "我", "一个", "理由"],
             ["我", "请", "你", "吃饭"], ["我", "给", "你", "钱"], ["要", "得", "多少", "钱"]]
    for a, b in zip(on.parse_tokens_batch(batch), off.parse_tokens_batch(batch)):
        assert b.pos[b.heads.index(0)] == "v"  # the parser's own root is the verb
        assert (a.heads, a.rels, a.pos) == (b.heads, b.rels, b.pos), "".join(a.tokens)
    after = on.parse_tokens_batch([["资金", "还", "没有", "到", "账"]])[0]
    assert after.tokens[after.heads.index(0)] == "到"


@shipped
def test_gsd_dev_trees_are_unchanged(shared_data):
    """GSD's written declaratives (dev, gold tokens) keep the parser's trees: the gate (a question mark, a
    final particle, or an unfinished sentence with a question word) leaves every one of the 500 alone."""
    from simcalc.rules.parse.conllu import read_conllu

    sentences = read_conllu(shared_data / "ud_chinese/UD_Chinese-GSD_r1.4/zh-ud-dev.conllu", simplify=True)
    batch = [s.tokens for s in sentences]
    on = EmbeddedParser().parse_tokens_batch(batch)
    off = EmbeddedParser(question_roots=False).parse_tokens_batch(batch)
    assert sum(a.heads != b.heads for a, b in zip(on, off)) == 0
