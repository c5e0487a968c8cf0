"""The rule engine's fast path gives exactly what its explained path gives.

The speed-ups (issue on FAQ speed) must not move a score: the paper's comparison without words and
reasons (``Comparer(explain=False)``), the explanation built on first read (``LazyDetails``), sense
disambiguation per token on demand (``LazyChoices``), caches shared across pairs (opposite predicates,
word relations, character pairs of the unknown-word chain). Each is checked here against the eager
computation, on sentences written for these tests.
"""
from __future__ import annotations

import copy
import json
import pickle
import random

import pytest

from simcalc.rules.lazy import LazyDetails

#: Pairs of our own: negation, antonyms, roles, 把/被, questions of several types, unknown words (花呗,
#: 借呗, 微粒贷), numbers, noun phrases, several clauses.
PAIRS = [
    ("我喜欢吃苹果", "我不喜欢吃苹果"), ("这家餐厅很好吃", "这家餐厅很难吃"), ("猫追老鼠", "老鼠追猫"),
    ("他把杯子打碎了", "杯子被他打碎了"), ("怎么开通花呗", "花呗如何开通"), ("花呗怎么还款", "花呗什么时候还款"),
    ("借呗能不能提前还款", "借呗可以提前还吗"), ("微粒贷的额度怎么提高", "怎样才能提升微粒贷额度"),
    ("我有三个苹果", "我有五个苹果"), ("他比我高", "我比他矮"), ("张三卖给李四一本书", "李四从张三那里买了一本书"),
    ("为什么我的借款没有通过审核", "借款审核失败是什么原因"), ("还款失败了怎么办", "为什么还不了款"),
    ("花呗分期的手续费", "花呗分期手续费"), ("我同意你的看法", "我反对你的看法"), ("这个房子很大", "这个房子很小"),
    ("明天下午三点开会", "后天上午开会"), ("我想把钱转到银行卡", "钱可以转到银行卡吗"),
    ("登录不上去了，也收不到验证码", "无法登录，验证码一直不来"), ("北京在上海的北边", "上海在北京的南边"),
    ("小明把门打开了", "门被小明关上了"), ("你好", "您好"), ("借款为什么会失败", "借款失败的原因"),
    ("我不借了，取消吧", "不想借钱了，但是不小心按到借钱按钮了"), ("今天天气怎么样", "今天天气好不好"),
]


@pytest.fixture(scope="module")
def scorer(shared_data):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer()


def _numbers(result) -> tuple:
    return result.score, result.label, result.details["features"], result.details["polarity"]


def test_lean_paper_comparison_equals_the_explained_one(scorer):
    """Comparer(explain=False) gives the score, S, component scores, coefficients' values and the pairing
    the explained comparison gives (those are what the signed score and the features read)."""
    from simcalc.rules.compare import Comparer

    sides = scorer.analyse_many([t for pair in PAIRS for t in pair])
    lean, full = Comparer(scorer.config, scorer.words, explain=False), Comparer(scorer.config, scorer.words)
    for a, b in PAIRS:
        s1, d1 = lean.sentences(sides[a], sides[b])
        s2, d2 = full.sentences(sides[a], sides[b])
        assert s1 == s2 and d1["S"] == d2["S"] and d1["mode"] == d2["mode"], (a, b)
        for c1, c2 in zip(d1["clauses"], d2["clauses"], strict=True):
            assert {r: v["score"] for r, v in c1["components"].items()} == \
                   {r: v["score"] for r, v in c2["components"].items()}, (a, b)
            assert c1.get("pairing") == c2.get("pairing") and c1.get("K") == c2.get("K"), (a, b)
            for name, coeff in c1.get("coefficients", {}).items():
                assert coeff.get("value") == c2["coefficients"][name].get("value"), (a, b, name)
                assert coeff.get("fired") == c2["coefficients"][name].get("fired"), (a, b, name)
        assert d2["formula"] and not d1["formula"]  # the words are the explained path's only


def test_signed_scores_do_not_depend_on_what_was_scored_before(shared_data):
    """Caches shared across pairs (opposite predicates, relations, senses, characters) never change a
    score: a fresh scorer and one that scored other pairs first, in another order, agree exactly."""
    from simcalc.rules.scorer import RulesScorer

    fresh = [_numbers(r) for r in RulesScorer().score_batch(PAIRS)]
    used = RulesScorer()
    used.score_batch([(b, a) for a, b in PAIRS] + [("我想借钱", "我要贷款"), ("花呗和借呗有什么区别", "借呗花呗区别")])
    again = used.score_batch(PAIRS[::-1])[::-1]
    assert [_numbers(r) for r in again] == fresh
    one_by_one = [_numbers(used.score(a, b)) for a, b in PAIRS]
    assert one_by_one == fresh


def test_the_explanation_is_built_on_first_read_and_is_the_eager_one(scorer):
    from simcalc.rules.compare import Comparer

    result = scorer.score("这家餐厅很好吃", "这家餐厅很难吃")
    details = result.details
    assert isinstance(details, LazyDetails) and details._build is not None
    assert "explanation" in details and details["features"]["opposite"] == 1.0 and len(details) == 3
    assert details._build is not None  # reading the features or the keys built nothing
    explanation = details["explanation"]
    assert details._build is None and list(details) == ["explanation", "features", "polarity"]
    sides = scorer.analyse_many(["这家餐厅很好吃", "这家餐厅很难吃"])
    _, eager = Comparer(scorer.config, scorer.words).sentences(sides["这家餐厅很好吃"], sides["这家餐厅很难吃"])
    assert explanation["formula"].startswith("signed: opposite") and eager["formula"] in explanation["formula"]
    assert explanation["clauses"] == json.loads(json.dumps(eager["clauses"]))
    assert scorer.render(result).startswith("rules: -")


@pytest.mark.parametrize("use", [
    lambda d: json.loads(json.dumps(d)), dict, lambda d: {**d}, copy.copy, copy.deepcopy,
    lambda d: pickle.loads(pickle.dumps(d)), lambda d: dict(d.items()), lambda d: d.copy(), lambda d: d | {},
])
def test_lazy_details_give_the_value_to_every_reader(use):
    built = []

    def build():
        built.append(1)
        return {"formula": "K·|S|"}

    details = LazyDetails("explanation", build, {"features": {"coverage": 1.0}})
    out = use(details)
    assert out == {"explanation": {"formula": "K·|S|"}, "features": {"coverage": 1.0}}
    assert type(out) is dict and built == [1]
    assert details == out and repr(details).startswith("{'explanation': {")
    use(details)
    assert built == [1]  # built once


def test_lazy_details_writes():
    details = LazyDetails("explanation", lambda: "built", {"a": 1})
    details["explanation"] = "given"
    assert details["explanation"] == "given"
    details = LazyDetails("explanation", lambda: "built", {"a": 1})
    assert details.pop("explanation") == "built" and dict(details) == {"a": 1}
    assert details.get("missing", 3) == 3


def test_lazy_senses_choose_what_the_disambiguator_chooses(scorer):
    """Per token on demand, asked in any order: the sense and the reason of the eager left-to-right pass."""
    wsd = scorer.words._wsd
    sides = scorer.analyse_many([t for pair in PAIRS for t in pair])
    rng = random.Random(3)
    for side in sides.values():
        tokens, tags = side.sentence.parse.tokens, side.sentence.parse.pos
        eager = wsd(list(tokens), list(tags))
        lazy = wsd.lazy(tokens, tags)
        order = list(range(len(tokens)))
        rng.shuffle(order)
        for k in order:
            sense, reason = lazy.choice(k)
            assert (sense, reason) == (eager[k].sense, eager[k].reason), (side.text, tokens[k])


def test_character_memo_keeps_scores_reports_and_budgets(shared_data):
    """Unknown words go through characters; with the character pairs memoised (from other words first)
    the report — score, chain, work counted, a budget that runs out — is the one a fresh engine gives."""
    from simcalc.hownet_sim import api

    words = [("花呗", "借呗"), ("微粒贷", "微众银行"), ("呗呗", "花花"), ("蚂蚁借呗", "支付宝花呗"), ("余额宝", "零钱通")]
    for budget in (20_000, 60):
        fresh = api.build_engine(api.GlossaryLexicon.load(), step_budget=budget)
        expected = [json.dumps(fresh.report(a, b), sort_keys=True, default=str) for a, b in words]
        warmed = api.build_engine(api.GlossaryLexicon.load(), step_budget=budget)
        for a, b in words[::-1]:
            warmed.report(b, a)
            warmed.relation(a + b[:1], b)
        assert [json.dumps(warmed.report(a, b), sort_keys=True, default=str) for a, b in words] == expected
        if budget == 60:
            assert any("budget exhausted" in line for line in expected)


def test_to_dict_gives_serialisers_the_built_explanation():
    """pydantic (the server's JSON) reads a dict's storage directly: Result.to_dict hands it plain dicts
    with the explanation built, also one nested in an ensemble's member details."""
    from simcalc.result import Result

    lazy = LazyDetails("explanation", lambda: {"formula": "K·|S|"}, {"features": {"coverage": 1.0}})
    nested = Result(0.5, "ensemble", details={"members": {"rules": {"details": lazy}}})
    out = nested.to_dict()
    inner = out["details"]["members"]["rules"]["details"]
    assert type(inner) is dict and inner["explanation"] == {"formula": "K·|S|"}
    pydantic_core = pytest.importorskip("pydantic_core")
    fresh = LazyDetails("explanation", lambda: {"formula": "K·|S|"}, {"features": {}})
    assert pydantic_core.to_jsonable_python(Result(0.5, "rules", details=fresh).to_dict())["details"] == \
        {"explanation": {"formula": "K·|S|"}, "features": {}}
