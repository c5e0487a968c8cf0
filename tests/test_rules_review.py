"""Negative suites for today's rule-engine repairs (our own colloquial sentences, BQ/LCQMC style): the name
merge must leave particles, punctuation and ordinary words alone, undo-phrasings (解除绑定 / 解绑) must agree,
把/被 role checks must not fire across clauses or verbs, manner/reason questions must stay close."""
from __future__ import annotations

import itertools

import pytest


@pytest.fixture(scope="module")
def engine(shared_data):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer(data_dir=shared_data)


def tokens_of(engine, texts: list[str]) -> dict[str, list[str]]:
    sides = engine.analyse_many(texts)
    return {t: list(sides[t].sentence.parse.tokens) for t in texts}


def share(engine, pairs, ok) -> float:
    return sum(bool(ok(r)) for r in engine.score_batch(pairs)) / len(pairs)


@pytest.mark.shared_data
def test_no_name_swallows_a_particle_punctuation_or_an_adjective(engine):
    texts = ["利息高吗", "额度高了", "他姓王吗", "额头高的人好看吗", "我姓蒋，你呢", "你的生肖？", "生肖是什么",
             "费用高不高啊", "手续费高吗", "她姓李吧", "年费贵吗", "利率高的话怎么办", "他姓张啊", "马上到账吗",
             "方便吗", "黄了吗", "价格高呢"]
    names_made = {t: [w for w in toks if len(w) >= 2 and w[-1] in "吗了的啊吧呢，？,?"]
                  for t, toks in tokens_of(engine, texts).items()}
    assert not any(names_made.values()), names_made
    toks = tokens_of(engine, ["你的生肖？", "生肖是什么"])
    assert all("生肖" in t for t in toks.values()), toks


@pytest.mark.shared_data
def test_real_three_character_names_stay_whole(engine):
    names = ["郭德纲", "邓紫棋", "冯绍峰", "周杰伦", "刘德华"]
    texts = [f"{n}是谁" for n in names] + [f"{n}结婚了吗" for n in names] + [f"喜欢{n}的歌" for n in names]
    toks = tokens_of(engine, texts)
    whole = [t for t in texts if any(n in toks[t] for n in names)]
    assert len(whole) / len(texts) >= 0.8, {t: toks[t] for t in texts if t not in whole}


UNDO = [("解除绑定", "解绑", "绑定"), ("取消绑定", "解绑", "绑定"), ("解除冻结", "解冻", "冻结"),
        ("取消关注", "取关", "关注"), ("取消开通", "关闭", "开通"), ("解除锁定", "解锁", "锁定")]
OBJECTS = ["银行卡", "账户", "花呗", "公众号"]


@pytest.mark.shared_data
def test_an_undo_phrasing_and_the_undo_verb_say_the_same(engine):
    pairs = []
    for (phrase, verb, _), obj in itertools.product(UNDO, OBJECTS):
        pairs += [(f"{obj}怎么{phrase}", f"{obj}怎么{verb}啊"), (f"我想{phrase}{obj}", f"如何{verb}{obj}"),
                  (f"{phrase}{obj}要多久", f"{verb}{obj}需要多长时间")]
    assert share(engine, pairs, lambda r: r.score >= engine.threshold) >= 0.9
    assert share(engine, pairs, lambda r: r.score < 0) == 0


@pytest.mark.shared_data
def test_an_undo_phrasing_and_the_action_undone_stay_opposite(engine):
    pairs = [(f"{obj}怎么{phrase}", f"{obj}怎么{action}") for (phrase, _, action), obj in itertools.product(UNDO, OBJECTS)]
    assert share(engine, pairs, lambda r: r.score < 0) >= 0.9


@pytest.mark.shared_data
def test_ba_bei_roles_are_read_in_their_own_clause_and_around_a_shared_verb(engine):
    from simcalc.rules.signed import ba_bei_frames

    pairs = [("我用花呗买了衣服，然后我把花呗还了，退款去哪了", "我花呗买的衣服，退款后钱退到哪里"),
             ("我把借呗还清了，额度怎么没恢复", "借呗还清以后额度为什么没恢复"),
             ("他把我拉黑了，我还能给他发消息吗", "被拉黑了还能发消息吗"),
             ("怎样把好友隐藏", "怎样看好友在不在线"),
             ("怎么把银行卡换掉", "银行卡怎么更换"),
             ("我把钱转到余额宝了，怎么提现", "余额宝的钱怎么提现"),
             ("老婆把我手机摔坏了怎么办", "手机摔坏了能修吗")]
    sides = engine.analyse_many([t for p in pairs for t in p])
    frames = {p: ba_bei_frames(sides[p[0]].profile, sides[p[1]].profile, sides[p[0]].sentence.parse.tokens,
                               sides[p[1]].sentence.parse.tokens) for p in pairs}
    assert not [p for p, f in frames.items() if f == "exchanged"], frames
    assert share(engine, pairs[:3] + pairs[4:6], lambda r: r.score > 0.3) >= 0.8


@pytest.mark.shared_data
def test_a_listed_antonym_that_is_also_a_function_word_is_no_opposite(engine):
    ways = ["微信", "支付宝", "银行卡", "网银", "手机银行"]
    pairs = [(f"通过{w}还款可以吗", f"拒绝{w}还款可以吗") for w in ways]
    pairs += [(f"能通过{w}转账吗", f"能拒绝{w}转账吗") for w in ways]
    assert share(engine, pairs, lambda r: r.score < 0) == 0
    kept = [("花呗怎么开通", "花呗怎么关闭"), ("银行卡怎么绑定", "银行卡怎么解绑"), ("商品怎么上架", "商品怎么下架"),
            ("额度怎么提高", "额度怎么降低"), ("账户怎么冻结", "账户怎么解冻"), ("这个好吃吗", "这个难吃吗"),
            ("家离公司远吗", "家离公司近吗"), ("会员怎么升级", "会员怎么降级"), ("他很忙吗", "他很闲吗")]
    assert share(engine, kept, lambda r: r.score < 0) >= 0.9


def test_how_come_zenme_is_typed_reason_and_how_to_zenme_stays_manner():
    import jieba

    from simcalc.rules.question import question_type

    why = ["借呗怎么用不了", "花呗怎么付不了电费了", "我的额度怎么变少了呢", "怎么还是登录不了", "余额怎么这么少",
           "为什么我的花呗没法用", "信用卡怎么没法还款", "账单怎么那么多啊", "额度怎么降了？", "怎么无法提现"]
    how = ["花呗怎么还款", "怎么开通借呗", "钱怎么转出来", "怎么才能提高额度", "银行卡怎么绑定", "怎样修改密码",
           "怎么查看账单", "怎么把钱转到余额宝", "如何关闭花呗", "怎么注销账户"]
    assert all(question_type(t, jieba.lcut(t))[0] == "reason" for t in why)
    assert all(question_type(t, jieba.lcut(t))[0] == "manner" for t in how)


@pytest.mark.shared_data
def test_why_and_how_come_questions_about_one_thing_stay_close(engine):
    pairs = [("借呗为什么用不了", "借呗怎么用不了了"), ("为什么额度降了", "额度怎么降了呢"),
             ("为什么还是登录不了", "怎么还是登录不了"), ("余额为什么这么少", "余额怎么这么少啊"),
             ("为什么信用卡没法还款", "信用卡怎么没法还款"), ("为什么不能提现", "怎么无法提现")]
    assert share(engine, pairs, lambda r: r.score >= engine.threshold) >= 0.8


@pytest.mark.shared_data
def test_a_statement_ending_in_a_demonstrative_is_no_question_typo(engine):
    things = ["他", "钱", "钥匙", "我的车", "快递"]
    statements = [(f"{t}在那里", f"{t}在哪里") for t in things] + [(f"{t}放那里", f"{t}放哪里") for t in things]
    assert share(engine, statements, lambda r: r.score < 0.95) == 1.0
    asked = [(f"{t}在那里？", f"{t}在哪里") for t in things] + [(f"{t}在那里呢", f"{t}在哪里") for t in things]
    assert share(engine, asked, lambda r: r.score >= engine.threshold) >= 0.9


@pytest.mark.shared_data
def test_a_negated_rhetorical_ma_question_asserts_what_the_plain_question_asks(engine):
    pairs = [("双十一有临时额度吗", "双十一不是有临时额度嘛"), ("花呗可以分期吗", "花呗不是可以分期嘛"),
             ("借呗能提前还吗", "借呗不是能提前还嘛"), ("信用卡有积分吗", "信用卡不是有积分嘛")]
    assert share(engine, pairs, lambda r: r.score > 0) >= 0.75
