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
    head, _, changed = _repaired("绑定/3/ATT/v 的/1/RAD/u 银行卡/0/HED/n 是/3/ATT/v 哪个/4/VOB/r")
    assert head == "是"  # the copula, not the relative clause's verb
    head, _, changed = _repaired("什么/2/ATT/r 时候/3/ADV/n 开通/5/ATT/v 的/3/RAD/u 账户/0/HED/n")
    assert head == "账户" and not changed


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
        repair_question_root(tokens, [pos[t] for t in tokens], heads, labels)
        _assert_tree(heads)
        assert labels[heads.index(0)] == "HED"


# -- the shipped model --------------------------------------------------------------------------------
shipped = pytest.mark.skipif(not model_available(), reason="data/parser weights not present in this checkout")


@shipped
def test_repair_gains_on_training_and_gold_questions():
    """Measured (MODEL_CARD.md, "Question root repair"): training questions HED 70.4 → 80.0 (where the rules
    were developed), gold set 73.2 → 76.8 with the set's words, object 70.0 → 73.2; floors a sentence or
    two below."""
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
def test_declaratives_keep_their_trees():
    on, off = EmbeddedParser(), EmbeddedParser(question_roots=False)
    texts = ["我把苹果吃了。", "北京是中国的首都。", "他几乎每天都去图书馆。", "谁先到谁先吃。", "这个问题是否重要，大家都在讨论。"]
    for a, b in zip(on.parse_batch(texts), off.parse_batch(texts)):
        assert (a.heads, a.rels) == (b.heads, b.rels)


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
