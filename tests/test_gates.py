"""Slot conflicts (rules/slots.py) and the default engine's slot vetoes (simcalc/ensemble.py).

Hand-made pairs, worded apart from data/check's templates: pairs whose amounts, days, people, places or
question differ must be told apart, and pairs that say the same value another way (一千 / 1000, 星期三 / 周三)
must not be."""
from __future__ import annotations

import pytest

from simcalc import registry
from simcalc.ensemble import EnsembleScorer
from simcalc.registry import ScorerSpec
from simcalc.result import Result
from simcalc.rules.features import DECIDING
from simcalc.rules.slots import chinese_number, conflicts, values
from simcalc.scorer import PairwiseScorer


def kinds(a: str, b: str) -> set[str]:
    """Conflicting kinds of two sentences segmented by jieba (no parser, no HowNet: numbers and times)."""
    import jieba

    return {c.kind for c in conflicts(values(a, jieba.lcut(a)), values(b, jieba.lcut(b)))}


@pytest.mark.parametrize("text, value", [("一千", 1000), ("两万", 20000), ("十二", 12), ("二千五百", 2500),
                                         ("一万五千", 15000), ("三", 3), ("一五", 15)])
def test_chinese_numbers(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("a, b", [
    ("我要还1000块", "我要还2000块"),
    ("额度可以提到3万吗", "额度可以提到5万吗"),
    ("手续费是0.5%吗", "手续费是1%吗"),
    ("分12期的利息", "分24期的利息"),
])
def test_different_amounts_conflict(a, b):
    assert kinds(a, b) == {"number"}


@pytest.mark.parametrize("a, b", [
    ("我要还1000块", "我要还1,000块"),
    ("额度提到2万", "额度提到20000"),
    ("借了1.5万", "借了15000元"),
    ("手续费多少", "手续费是多少钱"),          # no number at all
    ("利率0,05是多少", "利率0.05是多少"),       # a decimal comma
    ("借一万一天利息多少", "借一万三天利息多少"),  # a day is the unit asked about, 三天 a count: one side only
    ("下个月10号还款", "10号还款"),           # extra detail on one side only
])
def test_same_amounts_or_one_sided_do_not_conflict(a, b):
    assert "number" not in kinds(a, b)


@pytest.mark.parametrize("a, b", [
    ("明天能到账吗", "后天能到账吗"),
    ("星期一放款吗", "星期五放款吗"),
    ("5号扣款", "15号扣款"),
    ("3月8日的账单", "4月8日的账单"),
    ("下午三点开门", "上午九点开门"),
    ("春节期间能提现吗", "国庆期间能提现吗"),
])
def test_different_days_conflict(a, b):
    assert "time" in kinds(a, b)


@pytest.mark.parametrize("a, b", [
    ("周三能还吗", "星期三能还吗"),
    ("礼拜天上班吗", "星期日上班吗"),
    ("每月5号扣款", "每个月5日扣款"),
    ("下周日开会", "周日开会"),               # the same day, said more precisely
    ("9月30日截止", "30号截止"),
    ("这个月的账单", "本月的账单"),
    ("今晚能到吗", "今天晚上能到吗"),
])
def test_same_days_do_not_conflict(a, b):
    assert "time" not in kinds(a, b)


def test_a_duration_is_not_a_month_and_an_index_level_is_not_an_hour():
    assert [v.value for v in values("借三个月", list("借三个月")) if v.kind == "time"] == ["3个月"]
    assert not [v for v in values("指数涨了164点", list("指数涨了164点")) if v.kind == "time"]
    assert kinds("借款期限三个月", "借款期限六个月") == {"time"}


def test_names_are_tokens_with_a_surname_or_old_young_prefix():
    known = {"王者", "张开"}.__contains__
    found = values("老王和王者", ["老王", "和", "王者"], knows=known)
    assert [(v.kind, v.value) for v in found] == [("name", "老王")]
    a = values("给刘建军转账", ["给", "刘建军", "转账"], knows=known)
    b = values("给陈晓红转账", ["给", "陈晓红", "转账"], knows=known)
    assert [c.kind for c in conflicts(a, b)] == ["name"]
    assert "刘建军" in conflicts(a, b)[0].reason()
    split = values("小李去北京", ["小", "李去", "北京"], knows=known)  # 小|李去 as the segmenter cut it
    assert [v.value for v in split if v.kind == "name"] == ["小李"]
    glued = values("徐丽学画画", ["徐丽学", "画画"], knows=known)  # the segmenter glued 学 to the name
    assert not conflicts(values("徐丽教画画", ["徐丽", "教", "画画"], knows=known), glued)


# -- the veto in the default engine's verdict ------------------------------------------------------
class SlotScorer(PairwiseScorer):
    """A stand-in for the rule engine: character overlap, and the slot conflicts rules/slots.py finds."""

    name = "slot_test"
    range = (-1.0, 1.0)

    def _score_pair(self, a: str, b: str) -> Result:
        import jieba

        overlap = len(set(a) & set(b)) / max(1, len(set(a) | set(b)))
        found = conflicts(values(a, jieba.lcut(a)), values(b, jieba.lcut(b)))
        features = {"coverage": overlap, "number_conflict": float(any(c.kind == "number" for c in found)),
                    "time_conflict": float(any(c.kind == "time" for c in found)), "opposite": 0.0}
        return Result(overlap, self.name, details={"features": features, "polarity": {
            "verdict": "agree" if overlap > 0.5 else "unclear", "reason": "content matches",
            "conflicts": [c.to_dict() for c in found]}})


@pytest.fixture(autouse=True, scope="module")
def _slot_registered():
    registry.register(ScorerSpec("slot_test", f"{__name__}:SlotScorer", "rules", "tests only"))
    yield


def slot_config(veto: list[str]) -> dict:
    return {"ensemble": {"name": "slot-test", "combination": "stacking", "threshold": 0.5, "mean_threshold": 0.5},
            "stacking": {"intercept": -3.0},
            "members": {"char_jaccard": {"weight": 1.0, "stack": 8.0, "dev_mean": 0.4},
                        "slot_test": {"weight": 0.0, "stack": 0.0}},
            "features": {"slot_test": {"coefficients": {"coverage": 0.5}}},
            "polarity": {"member": "slot_test", "content_gate": 0.9, "structural": ["opposite"], "veto": veto,
                         "content": {"intercept": -3.0, "members": {"char_jaccard": 6.0}}}}


def test_a_slot_veto_holds_the_score_below_the_threshold_and_says_which_finding():
    plain = EnsembleScorer(slot_config([]))
    gated = EnsembleScorer(slot_config(["number_conflict", "time_conflict"]))
    a, b = "借款1000元的利息是多少", "借款2000元的利息是多少"
    assert plain.score(a, b).label == 1  # the strings are nearly the same: the stack says similar
    r = gated.score(a, b)
    assert r.label == 0 and 0 < r.score < gated.threshold
    assert r.details["polarity"]["veto"] == "number_conflict"
    assert "1000元 vs 2000元" in r.details["decided_by"] and r.details["decided_by"].startswith("number_conflict")
    same = gated.score("借款1000元的利息是多少", "借款一千元的利息是多少")
    assert same.label == plain.score("借款1000元的利息是多少", "借款一千元的利息是多少").label
    assert "veto" not in same.details["polarity"]
    days = gated.score("明天下午能到账吗", "后天下午能到账吗")
    assert days.label == 0 and "明天 vs 后天" in days.details["decided_by"]


# -- the real rule engine and the shipped default (shared data) ------------------------------------
DIFFERENT = [  # (sentence 1, sentence 2, the finding's feature)
    ("我想借款5000元", "我想借款8000元", "number_conflict"),
    ("花呗还了200为什么还显示欠款", "花呗还了500为什么还显示欠款", "number_conflict"),
    ("借两万一年利息多少", "借三万一年利息多少", "number_conflict"),
    ("转账100元收手续费吗", "转账一万元收手续费吗", "number_conflict"),
    ("额度只有3000怎么办", "额度只有300怎么办", "number_conflict"),
    ("我买了两张电影票", "我买了五张电影票", "number_conflict"),
    ("明天还款可以吗", "大后天还款可以吗", "time_conflict"),
    ("每个月15号自动扣款吗", "每个月20号自动扣款吗", "time_conflict"),
    ("周六客服上班吗", "周二客服上班吗", "time_conflict"),
    ("今年的年费什么时候扣", "去年的年费什么时候扣", "time_conflict"),
    ("上午十点能到账吗", "上午八点能到账吗", "time_conflict"),
    ("广州今天下雨吗", "成都今天下雨吗", "place_conflict"),
    ("去杭州的高铁票多少钱", "去西安的高铁票多少钱", "place_conflict"),
    ("在美国能用微信支付吗", "在日本能用微信支付吗", "place_conflict"),
    ("深圳的房租贵不贵", "武汉的房租贵不贵", "place_conflict"),
    ("刘建军的手机号是多少", "陈晓红的手机号是多少", "name_conflict"),
    ("帮我转账给杨丽娟", "帮我转账给郑国华", "name_conflict"),
    ("为什么不能提前还款", "什么时候可以提前还款", "qtype_slot_conflict"),
    ("在哪里办信用卡", "为什么要办信用卡", "qtype_slot_conflict"),
    ("开通会员要多少钱", "开通会员在哪里", "qtype_slot_conflict"),
    ("这张卡可以透支", "这张卡不可以透支", "negation_aligned"),
    ("我的账户已经冻结了", "我的账户没有冻结", None),  # the polarity engine's own finding (not aligned)
    ("他会开车", "他不会开车", "negation_aligned"),
    ("利息增加了", "利息减少了", "antonym_aligned"),
    ("这个手机很贵", "这个手机很便宜", "antonym_aligned"),
]
SAME = [  # the same values said another way, or the same question reworded: no finding may decide
    ("我想借款5000元", "我要贷款5000块"),
    ("借一千块钱利息多少", "借1000元利息是多少"),
    ("借两万一年多少利息", "借20000元一年利息多少"),
    ("星期三可以还款吗", "周三能还款吗"),
    ("15号会自动扣款吗", "每个月15日自动扣款吗"),
    ("今天晚上能到账吗", "今晚可以到账吗"),
    ("下午5点前还款算逾期吗", "17点前还款算逾期吗"),
    ("北京今天下雨吗", "今天北京会不会下雨"),
    ("杭州市有什么好玩的", "杭州有哪些好玩的地方"),
    ("能不能提前还款", "可以提前还款吗"),                      # A-not-A against a 吗 question
    ("提前还款可以吗", "可不可以提前还款"),
    ("怎么开通花呗", "花呗如何开通"),                          # manner said two ways
    ("为什么借不了钱", "为啥借不了钱"),
    ("我把钱转给他了", "钱被我转给他了"),                      # 把 / 被
    ("他比我高", "我比他矮"),                                  # converse
    ("我每天都按时还款", "我按时还款每天都"),                  # adverbial position
    ("不能提前还款吗", "能提前还款吗"),                        # a rhetorical 吗 question
    ("借款期限几天", "借款期限多长"),                          # how many days / how long
]


@pytest.fixture(scope="module")
def rules(shared_data):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer()




def test_the_rule_engine_finds_the_differing_slot(rules):
    pairs = [(a, b, f) for a, b, f in DIFFERENT if f]
    results = rules.score_batch([(a, b) for a, b, _ in pairs])
    missed = [(a, b, r.details["polarity"]) for (a, b, feature), r in zip(pairs, results)
              if r.details["features"][feature] != 1.0
              or not any(c["feature"] == feature for c in r.details["polarity"]["conflicts"])]
    assert not missed


def test_the_rule_engine_finds_nothing_when_the_values_agree(rules):
    fired = [(a, b, [n for n in DECIDING if r.details["features"][n]]) for (a, b), r in zip(SAME, rules.score_batch(SAME))]
    assert not [f for f in fired if f[2]]


def test_the_rule_engine_alone_calls_aligned_negation_opposite(rules):
    r = rules.score("这张卡可以透支", "这张卡不可以透支")
    assert r.score < 0 and r.details["polarity"]["verdict"] == "opposite"
    assert "不" in r.details["polarity"]["reason"]


def test_the_default_engine_says_not_similar_and_why(shared_data):
    scorer = EnsembleScorer("default", cascade=False)
    assert set(DECIDING) <= set(scorer.config.polarity.veto)
    pairs = [(a, b) for a, b, _ in DIFFERENT]
    wrong = []
    for (a, b), r in zip(pairs, scorer.score_batch(pairs)):
        if r.label != 0:
            wrong.append((a, b, r.details.get("decided_by")))
        elif r.details["polarity"].get("veto"):  # the finding that decided is named
            assert r.details["polarity"]["veto_reason"] in r.details["decided_by"]
    assert not wrong


# -- aligned polarity (rules/aligned.py) -----------------------------------------------------------
NEGATION = frozenset("不 没 没有 不会 不能 不是 不可以 非".split())


def _antonyms(x: str, y: str) -> bool:
    return {x, y} in ({"新", "旧"}, {"增加", "减少"})


@pytest.mark.parametrize("a, b, kind", [
    (["他", "会", "游泳"], ["他", "不会", "游泳"], "negation"),
    (["这", "张", "卡", "能", "转账"], ["这", "张", "卡", "不能", "转账"], "negation"),
    (["额度", "增加", "了"], ["额度", "减少", "了"], "antonym"),
    (["房子", "很", "新"], ["房子", "很", "旧", "。"], "antonym"),
])
def test_aligned_polarity_finds_the_one_difference(a, b, kind):
    from simcalc.rules.aligned import aligned_polarity

    found = aligned_polarity(a, b, NEGATION, _antonyms)
    assert found is not None and found["kind"] == kind


@pytest.mark.parametrize("a, b", [
    (["他", "会", "游泳"], ["他", "会", "游泳", "吗"]),               # no polarity difference at all
    (["他", "不", "去"], ["他", "没", "去"]),                          # negated on both sides
    (["额度", "增加", "了"], ["额度", "提高", "了"]),                  # different words, not antonyms
    (["他", "会", "游泳"], ["她", "不会", "游泳"]),                    # negation and another difference
    (["能不能", "转账"], ["能", "转账", "吗"]),                         # A-not-A is no negation
])
def test_aligned_polarity_needs_exactly_one_polarity_difference(a, b):
    from simcalc.rules.aligned import aligned_polarity

    assert aligned_polarity(a, b, NEGATION, _antonyms) is None


def test_the_default_engine_keeps_paraphrases_with_the_same_values(shared_data):
    scorer = EnsembleScorer("default", cascade=False)
    for (a, b), r in zip(SAME, scorer.score_batch(SAME)):
        assert not r.details.get("polarity", {}).get("veto"), (a, b, r.details.get("decided_by"))
