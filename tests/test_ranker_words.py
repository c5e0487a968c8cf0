"""The FAQ ranker's content-word overlap features (simcalc.ranker.WordOverlap): hand-made FAQ, not benchmark text."""
from __future__ import annotations

import pytest

from simcalc.ranker import WORD_FEATURES, Ranker, WordOverlap, content_words, load_ranker

FAQ = ["花呗怎么开通", "花呗怎么还款", "借呗怎么开通", "余额宝怎么转出", "信用卡怎么还款", "怎么修改登录密码"]


def test_content_words_leave_punctuation_out():
    assert "？" not in content_words("花呗怎么开通？") and "," not in content_words("花呗,怎么开通")
    assert content_words("花呗怎么开通？") == content_words("花呗怎么开通")


def test_the_same_words_overlap_fully_whatever_the_punctuation():
    words = WordOverlap(FAQ)
    f = words.features("花呗怎么开通？！", [0, 1])
    assert set(f) == set(WORD_FEATURES)
    assert f["word_jaccard"][0] == 1.0 and f["word_idf_jaccard"][0] == pytest.approx(1.0)
    assert f["query_words_unshared"][0] == 0 and f["candidate_words_unshared"][0] == 0
    assert f["word_jaccard"][1] < 1.0 and f["query_words_unshared"][1] >= 1 and f["candidate_words_unshared"][1] >= 1


def test_sharing_a_rare_word_counts_more_than_sharing_a_common_one():
    words = WordOverlap(FAQ)
    # 怎么 is in every FAQ question (low IDF), 余额宝 in one: each candidate shares one of the query's words
    f = words.features("余额宝怎么样", [3, 5])
    assert f["query_word_idf_coverage"][0] > f["query_word_idf_coverage"][1]
    assert f["word_idf_jaccard"][0] > f["word_idf_jaccard"][1]
    assert all(((0 <= f[n]) & (f[n] <= 1 + 1e-9)).all() for n in WORD_FEATURES if "unshared" not in n)


def test_a_query_of_unknown_words_shares_nothing():
    f = WordOverlap(FAQ).features("今天天气不错", [0, 2])
    assert not f["word_jaccard"].any() and not f["query_word_idf_coverage"].any()


def test_word_features_roundtrip_and_the_shipped_ranker_uses_them():
    ranker = Ranker("w", {"prefilter": 1.0, **{n: 0.5 for n in WORD_FEATURES}})
    assert Ranker.from_toml(ranker.to_toml(), "w").coefficients == ranker.coefficients
    shipped = load_ranker("faq")
    assert set(WORD_FEATURES) <= set(shipped.coefficients)
    # a query word the candidate lacks counts against it; covering the query's IDF mass counts for it
    assert shipped.coefficients["query_words_unshared"] < 0 < shipped.coefficients["query_word_idf_coverage"]
