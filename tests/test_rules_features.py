"""The rule engine's feature contract: every ``rules`` Result carries all of FEATURE_NAMES (finite floats,
fixed order) and a polarity verdict with its reason, in both modes; ``rules-paper`` is the 2015 formula.

Uses hand-built parses and a word table (no shared data), so the contract is checked everywhere.
"""
from __future__ import annotations

import json
import math

import pytest

from simcalc.errors import InputFormatError
from simcalc.rules.config import RuleConfig
from simcalc.rules.features import FEATURE_NAMES, FEATURES, feature_dict, feature_vector
from simcalc.rules.scorer import PaperRulesScorer, RulesScorer
from simcalc.rules.words import TableWords
from test_rules_engine import FakeParser

TREES = {
    "我喜欢苹果": "我/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB",
    "我不喜欢苹果": "我/r/3/SBV 不/d/3/ADV 喜欢/v/0/HED 苹果/n/3/VOB",
    "你喜欢苹果吗": "你/r/2/SBV 喜欢/v/0/HED 苹果/n/2/VOB 吗/u/2/RAD",
    "猫追老鼠": "猫/n/2/SBV 追/v/0/HED 老鼠/n/2/VOB",
    "老鼠追猫": "老鼠/n/2/SBV 追/v/0/HED 猫/n/2/VOB",
    "花呗分期手续费": "花呗/nz/3/ATT 分期/n/3/ATT 手续费/n/0/HED",
}
TABLE = {("我", "你"): 0.9, ("猫", "老鼠"): 0.8}


@pytest.fixture(scope="module")
def signed() -> RulesScorer:
    return RulesScorer(parser=FakeParser(TREES), words=TableWords(TABLE))


@pytest.fixture(scope="module")
def paper() -> RulesScorer:
    return PaperRulesScorer(parser=FakeParser(TREES), words=TableWords(TABLE))


PAIRS = [("我喜欢苹果", "我不喜欢苹果"), ("我喜欢苹果", "你喜欢苹果吗"), ("猫追老鼠", "老鼠追猫"),
         ("花呗分期手续费", "我喜欢苹果"), ("我喜欢苹果", "我喜欢苹果")]


def test_feature_names_are_fixed_documented_and_unique():
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) >= 20
    assert FEATURE_NAMES == tuple(FEATURES)
    for name in ("subject_sim", "predicate_sim", "object_sim", "coverage", "unmatched_content", "qtype_same",
                 "qtype_differs", "negation_mismatch", "antonym_predicate", "role_exchange", "ba_bei",
                 "pattern_differs", "entity_mismatch", "paper_score", "rules_score"):
        assert name in FEATURE_NAMES and FEATURES[name].strip()


def test_feature_dict_fills_orders_and_sanitises():
    out = feature_dict({"coverage": 0.5, "paper_score": float("nan")})
    assert tuple(out) == FEATURE_NAMES
    assert out["coverage"] == 0.5 and out["paper_score"] == 0.0 and out["role_exchange"] == 0.0
    assert feature_vector(out)[FEATURE_NAMES.index("coverage")] == 0.5
    with pytest.raises(KeyError):
        feature_dict({"no_such_feature": 1.0})


@pytest.mark.parametrize("mode", ["signed", "paper"])
@pytest.mark.parametrize("a,b", PAIRS)
def test_every_result_carries_all_features_and_a_verdict(signed, paper, mode, a, b):
    scorer = signed if mode == "signed" else paper
    result = scorer.score(a, b)
    feats = result.details["features"]
    assert tuple(feats) == FEATURE_NAMES
    assert all(isinstance(v, float) and math.isfinite(v) for v in feats.values())
    polarity = result.details["polarity"]
    assert polarity["verdict"] in ("opposite", "agree", "unclear") and polarity["reason"]
    assert -1.0 <= result.score <= 1.0
    json.dumps(result.to_dict(), ensure_ascii=False)
    # the two scores are both in the vector whatever the mode
    other = paper if mode == "signed" else signed
    assert feats["paper_score"] == pytest.approx(paper.score(a, b).score)
    assert feats["rules_score"] == pytest.approx(signed.score(a, b).score)
    assert result.score == pytest.approx(feats["rules_score" if mode == "signed" else "paper_score"])
    assert other.score(a, b).details["features"].keys() == feats.keys()


def test_signed_score_is_negative_only_for_an_opposite_verdict(signed):
    for a, b in PAIRS:
        r = signed.score(a, b)
        assert (r.score < 0) == (r.details["polarity"]["verdict"] == "opposite")
        assert (r.details["features"]["opposite"] == 1.0) == (r.score < 0)


def test_modes_by_option_and_by_config(signed, paper):
    assert signed.config.mode == "signed" and paper.config.mode == "paper"
    assert paper.name == "rules-paper" and paper.describe()["mode"] == "paper"
    same = RulesScorer(parser=FakeParser(TREES), words=TableWords(TABLE), config=RuleConfig().replace(mode="paper"))
    assert same.score("我喜欢苹果", "你喜欢苹果吗").score == pytest.approx(paper.score("我喜欢苹果", "你喜欢苹果吗").score)
    # the paper's K1 = 0.1 (interrogative vs declarative) still holds in paper mode, not in the signed one
    assert paper.score("我喜欢苹果", "你喜欢苹果吗").score < 0.2
    assert signed.score("我喜欢苹果", "你喜欢苹果吗").score > 0.5
    with pytest.raises(InputFormatError):
        RuleConfig().replace(mode="fancy")
