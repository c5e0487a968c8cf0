"""One TF-IDF for the scorer and the prefilter; the word-level view the FAQ ranker adds."""
from __future__ import annotations

import numpy as np
import pytest

import simcalc
from simcalc.errors import InputFormatError
from simcalc.lexical import TfidfScorer
from simcalc.prefilter import TfidfPrefilter

FAQ = ["花呗怎么开通", "借呗如何还款", "银行卡丢失怎么办", "怎么提高借呗额度", "余额宝收益怎么计算", "转账多久到账"]


def test_word_level_compares_words_not_characters():
    char = TfidfScorer().fit(FAQ)
    word = TfidfScorer(level="word").fit(FAQ)
    # the same characters in another order: close as characters, nothing shared as words
    assert char.score("会议", "议会").score > 0.3
    assert word.score("会议", "议会").score == pytest.approx(0.0)
    assert word.score("会议在哪里开", "议会在哪里开").score < char.score("会议在哪里开", "议会在哪里开").score
    assert word.score("花呗怎么开通", "怎么开通花呗").score == pytest.approx(1.0)


def test_word_prefilter_is_the_word_scorer():
    word = TfidfScorer(level="word").fit(FAQ)
    prefilter = TfidfPrefilter(FAQ, word)
    for query in ["花呗如何开通", "银行卡丢了怎么办"]:
        assert np.allclose(prefilter.scores(query), [word.score(query, c).score for c in FAQ], atol=1e-12)


def test_char_level_is_unchanged_by_the_level_option():
    pairs = [("怎么开通花呗？", "花呗怎么开通"), ("ABC abc", "abc"), ("借呗还款", "借呗如何还款")]
    default = [r.score for r in simcalc.registry.create("tfidf").score_batch(pairs)]
    char = [r.score for r in simcalc.registry.create("tfidf", level="char").score_batch(pairs)]
    assert default == char


def test_an_unknown_level_is_a_clear_error():
    with pytest.raises(InputFormatError, match="level"):
        TfidfScorer(level="phrase")
