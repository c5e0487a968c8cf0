"""Polarity, question types and the signed verdict: every rule firing and not firing, on sentences of our own.

Part 1 needs no shared data: tokens and tags are written here, so each rule of :mod:`simcalc.rules.polarity`
and :mod:`simcalc.rules.question` is isolated. Part 2 (``shared_data``) runs the whole engine (jieba,
the embedded parser, HowNet 2000) on template suites of hundreds of pairs and asserts rates, because
segmentation and parsing are not perfect; the rates asserted are the ones measured, rounded down.
"""
from __future__ import annotations


import pytest

from simcalc.rules.config import RuleConfig
from simcalc.rules.polarity import Event, compare_events, events, load_cues, morpheme_antonyms, potential_form
from simcalc.rules.question import is_a_not_a, question_type
from simcalc.rules.tokens import merge_a_not_a

CUES = load_cues(RuleConfig().negation_words)


def ev(spec: str):
    """'我/r 不/d 喜欢/v' → (events, yes/no forms)"""
    rows = [t.rsplit("/", 1) for t in spec.split()]
    return events([r[0] for r in rows], [r[1] for r in rows], CUES)


def polarity(spec: str) -> dict[str, bool]:
    return {e.lemma: e.negated for e in ev(spec)[0]}


# -- negation cues ---------------------------------------------------------------------------------
def test_adverb_negation_fires_on_the_predicate_run_and_not_without_a_cue():
    assert polarity("他/r 不/d 来/v") == {"来": True}
    assert polarity("他/r 来/v") == {"来": False}
    assert polarity("我/r 不/d 想/v 去/v 学校/n") == {"想": True, "去": True}
    assert polarity("她/r 没有/d 去/v 北京/ns") == {"去": True}
    # the scope stops at a noun: a later predicate is not negated
    assert polarity("没有/v 借款/v 怎么/r 取消/v 订单/n")["取消"] is False


def test_double_negation_is_affirmative():
    assert polarity("他/r 不是/v 不/d 喜欢/v 你/r") == {"喜欢": False}
    assert polarity("他/r 不/d 喜欢/v 你/r") == {"喜欢": True}


def test_negated_existence_before_a_noun():
    assert polarity("我/r 没有/v 额度/n") == {"有": True}
    assert polarity("我/r 有/v 额度/n") == {"有": False}


def test_words_beginning_with_bu_that_are_not_negations():
    assert polarity("这个/r 手机/n 不错/a") == {"不错": False}
    assert polarity("人/n 不少/a") == {"不少": False}


# -- A-not-A and yes/no forms ------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["能不能", "可不可以", "有没有", "是不是", "会不会", "借没借到", "喜不喜欢", "好不好"])
def test_a_not_a_tokens_are_questions(token):
    assert is_a_not_a(token)
    evs, forms = ev(f"我/r {token}/v 借款/v")
    assert forms == [token] and not any(e.negated for e in evs)


@pytest.mark.parametrize("token", ["不能", "不会", "差不多", "对不起", "了不起", "不是"])
def test_other_tokens_are_not_a_not_a(token):
    assert not is_a_not_a(token)


def test_split_a_not_a_is_merged_or_read_as_a_question():
    assert merge_a_not_a(["提前", "还款", "能", "不能", "借款"], [])[0] == ["提前", "还款", "能不能", "借款"]
    assert merge_a_not_a(["借", "没", "借到"], [])[0] == ["借没借到"]
    assert merge_a_not_a(["我", "不能", "借款"], [])[0] == ["我", "不能", "借款"]  # not a question
    evs, forms = ev("我/r 会/v 不会/v 扣费/v")
    assert forms == ["会不会"] and polarity("我/r 会/v 不会/v 扣费/v")["扣费"] is False
    evs, forms = ev("可/v 不/d 可以/v 还款/v")
    assert forms and not any(e.negated for e in evs)


def test_final_negation_after_a_verb_is_a_yes_no_question():
    evs, forms = ev("还款/v 了/u 没有/v ？/wp")
    assert forms == ["final 没有"] and not any(e.negated for e in evs)
    assert question_type("还款了没有？", ["还款", "了", "没有", "？"])[0] == "yesno"
    # not final: a negation
    assert polarity("没有/v 还款/v 怎么办/r")["还款"] is True


# -- potential complements, negative prefixes and failure predicates ---------------------------------
def test_potential_complement_negates_the_verb_before_it():
    assert polarity("我/r 借/v 不/d 出来/v") == {"借": True}
    assert polarity("我/r 登/v 不/d 上/v") == {"登": True}
    assert polarity("网页/n 打不开/v") == {"打": True}
    assert polarity("我/r 用/v 不了/v") == {"用": True}
    assert potential_form("看不到", CUES) == "看" and potential_form("不到", CUES) is None
    # 没 + a complement-like verb is a plain negation of that verb, not a potential form
    assert polarity("他/r 没/d 去/v") == {"去": True}
    # the positive potential form is not negated
    assert polarity("我/r 借/v 得/u 出来/v")["借"] is False if "借" in polarity("我/r 借/v 得/u 出来/v") else True


def test_negative_prefixes():
    assert polarity("无法/v 登录/v") == {"登录": True}
    assert polarity("没/d 办法/n 登录/v") == {"登录": True}
    assert polarity("可以/v 登录/v") == {"可以": False, "登录": False}


def test_failure_predicates_negate_the_event_before_them():
    assert polarity("还款/v 失败/v") == {"还款": True}
    assert polarity("付款/v 不/d 成功/a") == {"付款": True}
    assert polarity("申请/v 被拒/v") == {"申请": True}
    assert polarity("付款/v 成功/a") == {"付款": False, "成功": False}


# -- alignment -----------------------------------------------------------------------------------
def _cmp(a: str, b: str, similar=lambda x, y: 0.0, opposite=lambda x, y: False):
    return compare_events(ev(a)[0], ev(b)[0], similar, opposite)


def test_negation_mismatch_only_on_aligned_predicates():
    out = _cmp("我/r 喜欢/v 苹果/n", "我/r 不/d 喜欢/v 苹果/n")
    assert out.contradicts and out.mismatched[0][0].lemma == "喜欢"
    out = _cmp("没有/v 借款/v 怎么/r 取消/v", "怎么/r 取消/v")  # negation on another event
    assert not out.contradicts and out.unaligned_negated and out.agreed
    out = _cmp("我/r 喜欢/v 苹果/n", "我/r 喜欢/v 苹果/n")
    assert not out.contradicts and not out.mismatched


def test_two_ways_of_saying_it_does_not_work_agree():
    for a, b in [("我/r 借/v 不/d 出来/v", "无法/v 借款/v"), ("登录/v 失败/v", "登/v 不/d 上/v"),
                 ("付款/v 不/d 成功/a", "付款/v 失败/v"), ("我/r 用/v 不了/v", "不能/v 用/v")]:
        out = _cmp(a, b)
        assert not out.contradicts and out.agreed, (a, b)


def test_prefix_alignment_and_synonym_alignment():
    assert _cmp("我/r 借/v 不/d 出来/v", "可以/v 借款/v").contradicts
    assert _cmp("注销/v 账户/n", "不/d 取消/v 账户/n", similar=lambda x, y: 1.0 if {x, y} == {"注销", "取消"} else 0).contradicts
    assert not _cmp("注销/v 账户/n", "不/d 取消/v 账户/n").contradicts  # not aligned without the similarity


def test_antonymous_predicates_and_their_cancellation():
    opp = lambda x, y: {x, y} == {"高", "矮"}  # noqa: E731
    assert _cmp("他/r 很/d 高/a", "他/r 很/d 矮/a", opposite=opp).antonyms
    out = _cmp("他/r 不/d 高/a", "他/r 矮/a", opposite=opp)
    assert not out.contradicts  # 不高 / 矮: antonym and negation cancel
    assert morpheme_antonyms("好吃", "难吃", CUES) and morpheme_antonyms("上班", "下班", CUES)
    assert not morpheme_antonyms("好吃", "好看", CUES) and not morpheme_antonyms("上升", "下降", CUES)


def test_mismatch_needs_every_mention_to_disagree():
    a = [Event("借", 0, True, ["不"])]
    b = [Event("借", 0, True, ["不"]), Event("借", 3, False)]
    assert not compare_events(a, b, lambda x, y: 0.0, lambda x, y: False).contradicts


# -- question types ------------------------------------------------------------------------------
@pytest.mark.parametrize("text,tokens,expected", [
    ("花呗怎么还款", ["花呗", "怎么", "还款"], "manner"),
    ("花呗如何还款", ["花呗", "如何", "还款"], "manner"),
    ("花呗什么时候还款", ["花呗", "什么时候", "还款"], "time"),
    ("为什么不能借款", ["为什么", "不能", "借款"], "reason"),
    ("怎么不能借款了", ["怎么", "不能", "借款", "了"], "reason"),
    ("额度有多少", ["额度", "有", "多少"], "quantity"),
    ("在哪里还款", ["在", "哪里", "还款"], "place"),
    ("哪个银行可以", ["哪个", "银行", "可以"], "which"),
    ("谁能借款", ["谁", "能", "借款"], "who"),
    ("这是什么", ["这是", "什么"], "what"),
    ("能借款吗", ["能", "借款", "吗"], "yesno"),
    ("能不能借款", ["能不能", "借款"], "yesno"),
    ("我想借款", ["我", "想", "借款"], None),
])
def test_question_types(text, tokens, expected):
    assert question_type(text, tokens)[0] == expected


def test_request_openings_are_not_who_questions():
    assert question_type("谁能告诉我这是什么成语", ["谁", "能", "告诉", "我", "这", "是", "什么", "成语"])[0] == "what"
    assert question_type("谁去北京", ["谁", "去", "北京"])[0] == "who"


# -- part 2: the whole engine on template suites (shared data) ---------------------------------------
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import rules_suites as S  # noqa: E402


@pytest.fixture(scope="module")
def engine(shared_data):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer(data_dir=shared_data)


def _rate(engine, pairs, ok) -> float:
    results = engine.score_batch(pairs)
    return sum(bool(ok(r)) for r in results) / len(results)


#: suite → (pairs, what each pair should get, the least share that must pass: measured, rounded down)
SUITES = {
    "negation": (S.negation_pairs, "opposite", 0.95),
    "antonyms": (S.antonym_pairs, "opposite", 0.9),
    "same polarity": (S.same_polarity_pairs, "similar", 1.0),
    "negation on another event": (S.other_event_negation_pairs, "not opposite", 1.0),
    "two ways of failing": (S.failure_pairs, "similar", 0.95),
    "A-not-A vs 吗": (S.a_not_a_pairs, "similar", 0.95),
    "roles swapped": (S.role_swap_pairs, "not similar", 0.9),
    "把/被": (S.ba_bei_pairs, "similar", 0.95),
    "another amount": (S.number_pairs, "not similar", 1.0),
    # below 1.0: jieba splits some names differently in the two sentences (小红比小|明快), not the rules
    "comparative converse": (S.comparative_converse_pairs, "similar", 0.85),
    "comparative roles swapped": (S.comparative_swap_pairs, "not similar", 0.9),
    "sell to / buy from": (S.transfer_converse_pairs, "similar", 0.9),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("suite", list(SUITES))
def test_template_suites(engine, suite):
    make, want, least = SUITES[suite]
    thr = engine.threshold
    ok = {"opposite": lambda r: r.score < 0 and r.details["polarity"]["verdict"] == "opposite",
          "not opposite": lambda r: r.score >= 0 and r.details["polarity"]["verdict"] != "opposite",
          "similar": lambda r: r.score >= thr,
          "not similar": lambda r: 0 <= r.score < thr}[want]
    assert _rate(engine, make(), ok) >= least


@pytest.mark.shared_data
def test_same_question_type_scores_above_another_type(engine):
    triples = S.question_type_triples()
    same = engine.score_batch([(a, b) for a, b, _ in triples])
    other = engine.score_batch([(a, c) for a, _, c in triples])
    assert all(x.score > y.score for x, y in zip(same, other))
    assert all(y.details["features"]["qtype_differs"] == 1.0 for y in other)


@pytest.mark.shared_data
def test_opposite_verdicts_say_why(engine):
    r = engine.score("我喜欢吃苹果", "我不喜欢吃苹果")
    assert r.details["polarity"]["verdict"] == "opposite" and "喜欢" in r.details["polarity"]["reason"]
    assert r.details["polarity"]["cue"]["kind"] == "negation" and r.details["features"]["negation_mismatch"] == 1.0
    r = engine.score("这个房间很大", "这个房间很小")
    assert r.details["polarity"]["cue"]["kind"] == "antonym" and r.details["features"]["antonym_predicate"] == 1.0
    # a negation whose content does not otherwise match is not an opposite, and the reason says so
    r = engine.score("我喜欢吃苹果", "我不喜欢看电影")
    assert r.score >= 0 and "content differs" in r.details["polarity"]["reason"]
    # a negated yes/no question asks what the plain one asks
    r = engine.score("可以用微信还款吗", "不可以用微信还款吗")
    assert r.score >= 0 and "yes/no question" in r.details["polarity"]["reason"]


@pytest.mark.shared_data
def test_converses_agree_and_say_why(engine):
    r = engine.score("他比我高", "我比他矮")
    assert r.score >= engine.threshold and r.details["polarity"]["cue"]["kind"] == "converse"
    assert r.details["features"]["role_exchange"] == 0.0
    r = engine.score("他比我高", "我比他高")
    assert 0 <= r.score < engine.threshold and r.details["features"]["role_exchange"] == 1.0
    r = engine.score("我借给他一千元", "他向我借了一千元")
    assert r.score >= engine.threshold and "converse" in r.details["polarity"]["reason"]
