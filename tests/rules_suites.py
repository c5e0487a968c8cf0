"""Template suites of sentence pairs for the rule engine's behaviour (tests/test_rules_polarity.py and
bench/rules.py). Each suite is a list of (a, b) pairs built from small word lists written here; a suite
says what the engine should do with all of its pairs. Never taken from a benchmark file."""
from __future__ import annotations

import itertools

PEOPLE = ["我", "他", "她", "我妈妈", "老师", "我们", "小王"]
VERB_OBJECTS = ["喜欢吃苹果", "想去北京", "同意这个方案", "知道这件事", "喜欢这部电影", "会开车", "需要帮助", "相信他的话",
                "想买新手机", "喜欢打篮球", "愿意参加比赛", "能按时还款"]
PAST_VERB_OBJECTS = ["去过上海", "看过这本书", "吃过早饭", "还清贷款", "收到短信", "交了作业"]
ACTIONS = ["登录", "还款", "借款", "付款", "提现", "注册", "转账", "充值", "绑定银行卡", "开通花呗"]
#: ways of saying "it does not work" ({} = the action)
FAILING = ["为什么{}失败", "为什么{}不成功", "为什么无法{}", "为什么没办法{}", "为什么不能{}"]
ANIMALS = ["猫", "狗", "老鼠", "兔子", "老虎", "狐狸", "狮子"]
CHASE_VERBS = ["追", "咬", "抓", "吃", "打"]
AGENTS = ["他", "小明", "妈妈", "弟弟", "老师"]
BA_OBJECTS = [("杯子", "打碎"), ("门", "打开"), ("窗户", "关上"), ("作业", "写完"), ("手机", "弄丢"), ("衣服", "洗干净")]
ANTONYM_ADJ = [("高", "矮"), ("大", "小"), ("快", "慢"), ("贵", "便宜"), ("好吃", "难吃"), ("好看", "难看"), ("好听", "难听"),
               ("多", "少")]
ADJ_SUBJECTS = ["这家餐厅的菜", "这个东西", "他的车", "这首歌", "那个房间", "这里的水果"]
PRODUCTS = ["花呗", "借呗", "信用卡", "微粒贷", "余额宝"]
Q_VERBS = ["还款", "开通", "提额", "注销", "分期"]
AMOUNTS = ["500", "1000", "两千", "3000", "五万"]


def negation_pairs() -> list[tuple[str, str]]:
    """S V O / S 不 V O and S V过 O / S 没 V过 O: opposite."""
    out = [(f"{s}{vo}", f"{s}不{vo}") for s, vo in itertools.product(PEOPLE, VERB_OBJECTS)]
    out += [(f"{s}{vo}", f"{s}没{vo.replace('了', '')}") for s, vo in itertools.product(PEOPLE, PAST_VERB_OBJECTS)]
    return out


def same_polarity_pairs() -> list[tuple[str, str]]:
    """The same sentence on both sides, affirmative or negated: agree (never opposite)."""
    return ([(f"{s}{vo}", f"{s}{vo}") for s, vo in itertools.product(PEOPLE, VERB_OBJECTS)]
            + [(f"{s}不{vo}", f"{s}不{vo}") for s, vo in itertools.product(PEOPLE, VERB_OBJECTS)])


def other_event_negation_pairs() -> list[tuple[str, str]]:
    """A negation on another event (没有借款怎么取消…): never opposite."""
    return [(f"没有{n}怎么{v}{p}", f"怎么{v}{p}") for n, v, p in
            itertools.product(["银行卡", "借款", "额度", "手机号"], ["开通", "注销", "使用"], PRODUCTS)]


def failure_pairs() -> list[tuple[str, str]]:
    """Two ways of saying the same action does not work: never opposite."""
    return [(a.format(x), b.format(x)) for x in ACTIONS for a, b in itertools.combinations(FAILING, 2)]


def a_not_a_pairs() -> list[tuple[str, str]]:
    """An A-not-A question against the 吗 question: never opposite (a question, not a negation)."""
    out = []
    for p, v in itertools.product(PRODUCTS, Q_VERBS):
        out += [(f"{p}能不能{v}", f"{p}可以{v}吗"), (f"{p}可不可以{v}", f"{p}能{v}吗"), (f"{p}是不是可以{v}", f"{p}可以{v}吗")]
    return out


def role_swap_pairs() -> list[tuple[str, str]]:
    """A V B / B V A: not similar, not opposite."""
    return [(f"{a}{v}{b}", f"{b}{v}{a}") for a, b in itertools.permutations(ANIMALS, 2) for v in CHASE_VERBS
            if a < b]


def ba_bei_pairs() -> list[tuple[str, str]]:
    """A 把 O V 了 / O 被 A V 了: similar."""
    return [(f"{a}把{o}{v}了", f"{o}被{a}{v}了") for a, (o, v) in itertools.product(AGENTS, BA_OBJECTS)]


def antonym_pairs() -> list[tuple[str, str]]:
    """S 很 A / S 很 anti-A: opposite."""
    return [(f"{s}很{x}", f"{s}很{y}") for s, (x, y) in itertools.product(ADJ_SUBJECTS, ANTONYM_ADJ)]


def question_type_triples() -> list[tuple[str, str, str]]:
    """(怎么 V, 如何 V, 什么时候 V): the same question type must score above a different one."""
    return [(f"{p}怎么{v}", f"{p}如何{v}", f"{p}什么时候{v}") for p, v in itertools.product(PRODUCTS, Q_VERBS)]


def number_pairs() -> list[tuple[str, str]]:
    """The same sentence with another amount: not similar."""
    return [(f"我想借{x}元", f"我想借{y}元") for x, y in itertools.permutations(AMOUNTS, 2)]


COMPARED = ["他", "我", "小明", "小红", "哥哥", "妹妹"]
COMPARATIVES = [("高", "矮"), ("大", "小"), ("快", "慢"), ("胖", "瘦"), ("早", "晚")]
NAMES = ["张三", "李四", "王五", "赵六"]
GOODS = ["一本书", "一辆车", "一台电脑"]


def comparative_converse_pairs() -> list[tuple[str, str]]:
    """A 比 B X / B 比 A anti-X: one situation (similar)."""
    return [(f"{a}比{b}{x}", f"{b}比{a}{y}") for a, b in itertools.permutations(COMPARED, 2) if a < b
            for x, y in COMPARATIVES]


def comparative_swap_pairs() -> list[tuple[str, str]]:
    """A 比 B X / B 比 A X: not similar (roles exchanged), not opposite."""
    return [(f"{a}比{b}{x}", f"{b}比{a}{x}") for a, b in itertools.permutations(COMPARED, 2) if a < b
            for x, _ in COMPARATIVES]


def transfer_converse_pairs() -> list[tuple[str, str]]:
    """A 卖给 B X / B 从 A 那里买了 X: one event (similar)."""
    return [(f"{a}卖给{b}{g}", f"{b}从{a}那里买了{g}") for a, b in itertools.permutations(NAMES, 2) for g in GOODS]
