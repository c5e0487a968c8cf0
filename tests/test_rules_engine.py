"""The rule engine's paper mode (Li & Li 2015) on hand-built parses and a word table: every coefficient
fires and stays quiet. (The signed default mode: tests/test_rules_polarity.py and test_rules_features.py.)

No shared data needed: parses come from :class:`FakeParser` (LTP-style trees written here) and word
similarities from :class:`simcalc.rules.words.TableWords`, so each test isolates one rule.
"""
from __future__ import annotations

import json

import pytest

from simcalc.rules.config import RuleConfig, load_config
from simcalc.rules.parse.types import Parse
from simcalc.rules.scorer import RulesScorer
from simcalc.rules.words import TableWords
from simcalc.errors import InputFormatError

#: text → "token/pos/head/rel ..." (LTP labels, 1-based heads)
TREES = {
    "我喜欢苹果": "我/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB",
    "我不喜欢苹果": "我/r/3/SBV 不/d/3/ADV 喜欢/v/0/HED 苹果/n/3/VOB",
    "我讨厌苹果": "我/r/2/SBV 讨厌/v/0/HED 苹果/n/2/VOB",
    "我不讨厌苹果": "我/r/3/SBV 不/d/3/ADV 讨厌/v/0/HED 苹果/n/3/VOB",
    "他不是不喜欢苹果": "他/r/2/SBV 不是/v/0/HED 不/d/4/ADV 喜欢/v/2/VOB 苹果/n/4/VOB",
    "他喜欢苹果": "他/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB",
    "你喜欢苹果吗": "你/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB 吗/u/2/RAD",
    "你喜欢苹果": "你/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB",
    "喜欢苹果": "喜欢/v/0/HED 苹果/n/1/VOB",
    "小明把门打开了": "小明/nh/4/SBV 把/p/4/ADV 门/n/2/POB 打开/v/0/HED 了/u/4/RAD",
    "门被小明打开了": "门/n/4/SBV 被/p/4/ADV 小明/nh/2/POB 打开/v/0/HED 了/u/4/RAD",
    "狐狸被兔子骗了": "狐狸/n/4/SBV 被/p/4/ADV 兔子/n/2/POB 骗/v/0/HED 了/u/4/RAD",
    "狐狸把兔子骗了": "狐狸/n/4/SBV 把/p/4/ADV 兔子/n/2/POB 骗/v/0/HED 了/u/4/RAD",
    "张三借给李四一本书": "张三/nh/2/SBV 借给/v/0/HED 李四/nh/2/IOB 一/m/5/ATT 本/q/6/ATT 书/n/2/VOB",
    "李四借给张三一本书": "李四/nh/2/SBV 借给/v/0/HED 张三/nh/2/IOB 一/m/5/ATT 本/q/6/ATT 书/n/2/VOB",
    "张三卖给李四一本书": "张三/nh/2/SBV 卖/v/0/HED 给/p/2/CMP 李四/nh/3/POB 一/m/6/ATT 本/q/7/ATT 书/n/2/VOB",
    "李四从张三那里买了一本书": ("李四/nh/5/SBV 从/p/5/ADV 张三/nh/4/ATT 那里/r/2/POB 买/v/0/HED 了/u/5/RAD "
                          "一/m/8/ATT 本/q/9/ATT 书/n/5/VOB"),
    "上海是城市": "上海/ns/2/SBV 是/v/0/HED 城市/n/2/VOB",
    "城市是上海": "城市/n/2/SBV 是/v/0/HED 上海/ns/2/VOB",
    "怎么开通花呗": "怎么/r/2/ADV 开通/v/0/HED 花呗/nz/2/VOB",
    "花呗如何开通": "花呗/nz/3/SBV 如何/r/3/ADV 开通/v/0/HED",
    "花呗分期手续费": "花呗/nz/3/ATT 分期/n/3/ATT 手续费/n/0/HED",
    "花呗分期的手续费": "花呗/nz/2/ATT 分期/n/4/ATT 的/u/2/RAD 手续费/n/0/HED",
    "他很高": "他/r/3/SBV 很/d/3/ADV 高/a/0/HED",
    "他很矮": "他/r/3/SBV 很/d/3/ADV 矮/a/0/HED",
    "我去北京": "我/r/2/SBV 去/v/0/HED 北京/ns/2/VOB",
    "我去上海": "我/r/2/SBV 去/v/0/HED 上海/ns/2/VOB",
}
TABLE = {("喜欢", "讨厌"): -0.8, ("高", "矮"): -0.86, ("卖", "买"): -0.5, ("北京", "上海"): 1.0,
         ("狐狸", "兔子"): 0.8, ("张三", "李四"): 1.0, ("他", "你"): 0.9, ("我", "你"): 0.9, ("他", "我"): 0.9, ("怎么", "如何"): 1.0}


def _parse(spec: str) -> Parse:
    rows = [t.split("/") for t in spec.split()]
    return Parse([r[0] for r in rows], [r[1] for r in rows], [int(r[2]) for r in rows], [r[3] for r in rows], "fake")


class FakeParser:
    """Parses looked up in a table of LTP-style trees (this file's TREES unless another table is given)."""

    name = "fake"

    def __init__(self, trees: dict[str, str] | None = None) -> None:
        self.trees = TREES if trees is None else trees

    def parse_tokens_batch(self, batch):
        return [_parse(self.trees["".join(tokens)]) for tokens in batch]


@pytest.fixture(scope="module")
def scorer() -> RulesScorer:
    return RulesScorer(parser=FakeParser(), words=TableWords(TABLE, converse={("卖", "买")}), mode="paper")


def explained(scorer, a, b, **config):
    if config:
        scorer = RulesScorer(parser=FakeParser(), words=scorer.words,
                             config=RuleConfig().replace(mode="paper", **config))
    result = scorer.score(a, b)
    return result.score, result.details["explanation"]


def coefficient(exp, name):
    return exp["clauses"][0]["coefficients"][name]


def test_identical_sentences_score_one(scorer):
    score, exp = explained(scorer, "我喜欢苹果", "我喜欢苹果")
    assert score == pytest.approx(1.0)
    assert not any(c["fired"] for c in exp["clauses"][0]["coefficients"].values())


def test_negation_on_one_side_makes_the_score_negative(scorer):
    score, exp = explained(scorer, "我喜欢苹果", "我不喜欢苹果")
    assert score < 0
    assert coefficient(exp, "K3")["fired"] and "negation" in coefficient(exp, "K3")["reason"]


def test_negation_on_both_sides_does_not_fire(scorer):
    score, exp = explained(scorer, "我不喜欢苹果", "我不喜欢苹果")
    assert score > 0.9 and not coefficient(exp, "K3")["fired"]


def test_double_negation_is_affirmative(scorer):
    score, exp = explained(scorer, "他不是不喜欢苹果", "他喜欢苹果")
    assert score > 0.5
    assert exp["sentences"][0]["clauses"][0]["negations"] == ["不是", "不"]


def test_antonymous_predicates_are_negative_and_negated_antonym_cancels(scorer):
    assert explained(scorer, "他很高", "他很矮")[0] < 0
    assert explained(scorer, "我喜欢苹果", "我讨厌苹果")[0] < 0
    score, exp = explained(scorer, "我不喜欢苹果", "我讨厌苹果")  # 不喜欢 ≈ 讨厌
    assert score > 0 and "cancel" in coefficient(exp, "K3")["reason"]


def test_negation_switched_off(scorer):
    assert explained(scorer, "我喜欢苹果", "我不喜欢苹果", use_negation=False)[0] > 0.9


def test_pattern_coefficient_interrogative_vs_declarative(scorer):
    score, exp = explained(scorer, "你喜欢苹果吗", "你喜欢苹果")
    assert exp["K1"]["fired"] and exp["K1"]["value"] == pytest.approx(0.1)
    assert score == pytest.approx(0.1)
    score_same, exp_same = explained(scorer, "你喜欢苹果吗", "你喜欢苹果吗")
    assert not exp_same["K1"]["fired"] and score_same == pytest.approx(1.0)
    assert explained(scorer, "你喜欢苹果吗", "你喜欢苹果", use_pattern=False)[0] == pytest.approx(1.0)


def test_component_coefficient_for_a_missing_subject(scorer):
    score, exp = explained(scorer, "我喜欢苹果", "喜欢苹果")
    k2 = coefficient(exp, "K2")
    assert k2["fired"] and k2["value"] == pytest.approx(2 * 2 / (3 + 2))
    assert score == pytest.approx(0.8)
    assert explained(scorer, "我喜欢苹果", "喜欢苹果", use_component_coefficient=False)[0] == pytest.approx(1.0)


def test_ba_bei_conversion_is_a_paraphrase(scorer):
    score, exp = explained(scorer, "小明把门打开了", "门被小明打开了")
    assert score >= 0.8
    assert exp["clauses"][0]["coefficients"]["ba_bei"]["fired"]
    constructions = [s["clauses"][0]["construction"] for s in exp["sentences"]]
    assert constructions == ["ba", "bei"]


def test_ba_bei_with_swapped_roles_is_not_a_paraphrase(scorer):
    score, exp = explained(scorer, "狐狸被兔子骗了", "狐狸把兔子骗了")
    assert score < 0.5
    assert not coefficient(exp, "ba_bei")["fired"] and coefficient(exp, "role_exchange")["fired"]


def test_paper_behaviour_without_role_exchange_scores_the_swap_high(scorer):
    """What simcalc adds is measurable: switched off, the swapped Ba/Bei pair looks like a paraphrase."""
    assert explained(scorer, "狐狸被兔子骗了", "狐狸把兔子骗了", use_role_exchange=False)[0] >= 0.8


def test_role_swap_with_the_same_predicate(scorer):
    score, exp = explained(scorer, "张三借给李四一本书", "李四借给张三一本书")
    assert score < 0.5 and coefficient(exp, "role_exchange")["fired"]
    same = explained(scorer, "张三借给李四一本书", "张三借给李四一本书")[1]
    assert not coefficient(same, "role_exchange")["fired"]


def test_converse_predicates_with_swapped_roles_are_a_paraphrase(scorer):
    score, exp = explained(scorer, "张三卖给李四一本书", "李四从张三那里买了一本书")
    assert score >= 0.8
    assert coefficient(exp, "K3")["fired"] and coefficient(exp, "K4")["fired"]
    assert not coefficient(exp, "role_exchange")["fired"]


def test_converse_without_supplementary_coefficient_turns_negative(scorer):
    assert explained(scorer, "张三卖给李四一本书", "李四从张三那里买了一本书", use_supplementary=False)[0] < 0


def test_copula_sentences_compare_subject_and_object_either_way(scorer):
    score, exp = explained(scorer, "上海是城市", "城市是上海")
    assert score >= 0.9 and "copula" in exp["clauses"][0]["pairing"]
    assert explained(scorer, "上海是城市", "城市是上海", copula_symmetric=False)[0] < 0.9


def test_topicalised_object_aligns_with_the_subject(scorer):
    score, exp = explained(scorer, "怎么开通花呗", "花呗如何开通")
    assert score >= 0.9 and exp["clauses"][0]["pairing"].startswith("topic")
    assert explained(scorer, "怎么开通花呗", "花呗如何开通", topic_alignment=False)[0] < 0.9


def test_noun_phrases_fall_back_to_a_phrase_comparison(scorer):
    score, exp = explained(scorer, "花呗分期手续费", "花呗分期的手续费")
    assert exp["mode"] == "noun phrase" and score >= 0.9


def test_distinct_named_entities_are_capped(scorer):
    capped = explained(scorer, "我去北京", "我去上海")[0]
    assert capped < explained(scorer, "我去北京", "我去上海", distinct_entity_cap=1.0)[0]
    assert capped < 0.9


def test_scores_stay_in_range_and_explanations_are_json(scorer):
    for a in TREES:
        for b in ("我喜欢苹果", "狐狸被兔子骗了", "花呗分期手续费"):
            result = scorer.score(a, b)
            assert -1.0 <= result.score <= 1.0
            json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)
    text = scorer.render(scorer.score("小明把门打开了", "门被小明打开了"))
    assert "K1 pattern" in text and "ba_bei" in text and "construction ba" in text


def test_config_validation_and_toml(tmp_path):
    with pytest.raises(InputFormatError):
        RuleConfig(predicate_weight=2.0)
    with pytest.raises(InputFormatError):
        RuleConfig().replace(no_such_field=1)
    path = tmp_path / "simcalc.rules.toml"
    path.write_text("[rules]\npattern_interrogative = 0.7\nuse_ba_bei = false\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.pattern_interrogative == 0.7 and cfg.use_ba_bei is False
    assert "不" in cfg.negation_words and "吗" in cfg.question_words


def test_bad_input_gets_a_clear_error(scorer):
    from simcalc.errors import InvalidTextError

    with pytest.raises(InvalidTextError):
        scorer.score("", "我喜欢苹果")
    with pytest.raises(InvalidTextError):
        scorer.score("？！。", "我喜欢苹果")
