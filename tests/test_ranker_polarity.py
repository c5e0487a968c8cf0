"""The FAQ ranker's polarity guard: a negated or antonymous FAQ question must not win over a matching one.

Hand-made cases (not from any benchmark): each query has one paraphrase in the FAQ and one question that says
the opposite while sharing more of its characters, so that the character features alone prefer the opposite.
"""
from __future__ import annotations

import pytest

import simcalc

# query, a paraphrase of it, a question asking the opposite
CASES = [
    ("为什么我的花呗不能用了", "花呗为啥用不了了", "为什么我的花呗能用了"),
    ("借呗额度为什么降低了", "借呗的额度怎么变低了", "借呗额度为什么提高了"),
    ("手机为什么充不进电", "手机充不上电是什么原因", "手机为什么充得进电"),
    ("银行卡不能转账怎么办", "银行卡无法转账怎么处理", "银行卡能转账怎么办"),
    ("余额宝的收益为什么减少了", "余额宝收益怎么变少了", "余额宝的收益为什么增加了"),
    ("为什么我的电脑开不了机", "电脑无法开机是怎么回事", "为什么我的电脑开得了机"),
    ("信用卡额度怎么降低", "如何调低信用卡额度", "信用卡额度怎么提高"),
    ("为什么我没有收到验证码", "验证码一直收不到怎么办", "为什么我收到了验证码"),
    ("微信为什么不能发语音", "微信发不了语音怎么回事", "微信为什么能发语音"),
    ("今天的快递为什么没有到", "快递今天还没到是什么原因", "今天的快递为什么到了"),
]
OTHERS = ["花呗怎么开通", "怎么修改登录密码", "借呗如何还款", "信用卡怎么注销", "怎么申请退款", "支付宝怎么实名认证",
          "电脑蓝屏怎么办", "快递怎么寄"]


@pytest.fixture(scope="module")
def index():
    faq = [c for _, match, opposite in CASES for c in (match, opposite)] + OTHERS
    return simcalc.Engine().index(faq)


def test_the_guard_puts_the_matching_question_first(index):
    assert index.polarity is not None  # the default config is signed: its rule engine guards the ranker
    guard = index.polarity
    try:
        index.polarity = None
        unguarded = sum(index.rank(q, top_k=1)[0].text == match for q, match, _ in CASES)
    finally:
        index.polarity = guard
    guarded = sum(index.rank(q, top_k=1)[0].text == match for q, match, _ in CASES)
    assert unguarded <= 3  # the cases are hard for character features: the opposite shares more characters
    assert guarded >= 7 and guarded >= unguarded + 4  # 充不进/充得进, 开不了/开得了, 不能发/能发: rules say unclear


def test_an_opposite_question_scores_negative_and_says_why(index):
    top = index.rank("为什么我的花呗不能用了", top_k=len(index))
    opposite = next(m for m in top if m.text == "为什么我的花呗能用了")
    assert opposite.score < 0 and opposite.label == 0 and opposite.result.verdict == "opposite"
    assert opposite.result.details["polarity"]["verdict"] == "opposite"
    assert opposite.result.details["decided_by"].startswith("the rule engine calls it opposite")
    assert all(m.score >= 0 for m in top if m.text != opposite.text)  # only the opposite one is flagged
    assert top.index(opposite) == len(top) - 1  # below every candidate not called opposite


def test_the_cue_is_cheap_and_selective(index):
    guard = index.polarity
    assert guard.cue("花呗为什么不能用", "花呗为什么能用")  # negation on one side
    assert guard.cue("额度为什么降低了", "额度为什么提高了")  # 低/高: an antonym morpheme pair
    assert not guard.cue("花呗怎么开通", "如何开通花呗")  # same characters: the rule engine is not asked
    assert not guard.cue("为什么不能用", "为啥不能用")  # the same negation on both sides


def test_an_unsigned_config_has_no_guard():
    index = simcalc.Engine("lexical").index(["花呗怎么开通", "花呗不能开通"])
    assert index.polarity is None
    assert index.rank("花呗为什么不能开通", top_k=1)[0].score >= 0
