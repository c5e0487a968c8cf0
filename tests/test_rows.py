"""The row pipeline (simcalc.rows), the declared scorer abilities and recipes, and the one evaluation helper."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

import simcalc
from simcalc import registry
from simcalc.errors import InputFormatError, InvalidTextError
from simcalc.evaluate import score_labelled
from simcalc.lexical import LevenshteinScorer, TfidfScorer
from simcalc.result import Result
from simcalc.rows import FailedPair, Row, RowOutcome, score_rows
from simcalc.scorer import Encodes, Fits, PairwiseScorer, Recipe, Renders, ScopesThreads


def test_failures_keep_their_place_and_good_rows_are_scored_together():
    scorer = simcalc.get_scorer("levenshtein")
    rows = [Row("怎么开通花呗", "花呗如何开通", place="line 2"), Row("", "你好", place="line 3"),
            Row(None, None, error="line 4: only one column"), Row("你好", "您好")]
    out = score_rows(scorer, rows)
    assert [o.ok for o in out] == [True, False, False, True]
    assert out[0].score == pytest.approx(scorer.score("怎么开通花呗", "花呗如何开通").score)
    assert out[0].label == scorer.score("怎么开通花呗", "花呗如何开通").label
    assert out[1].error.startswith("line 3: ") and "sentence1" in out[1].error
    assert out[2].error == "line 4: only one column"  # a known error is kept as it came
    assert out[3].error is None and out[3].place is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        out[0].error = "changed"  # type: ignore[misc]
    with pytest.raises(InvalidTextError, match="line 3: "):
        score_rows(scorer, rows, raise_errors=True)


def test_warnings_carry_the_place_and_lean_outcomes_drop_details():
    scorer = TfidfScorer().fit(["你好", "怎么开通花呗"])
    [outcome] = score_rows(scorer, [Row("你好" * 600, "你好", place="line 9")])
    assert outcome.warning is not None and outcome.warning.startswith("line 9: ")
    assert outcome.details and not outcome.lean().details
    assert outcome.lean().score == outcome.score and outcome.lean().warning == outcome.warning
    assert pickle.loads(pickle.dumps(outcome.lean())) == outcome.lean()


def test_chunks_stop_at_the_callers_word_and_fit_once_on_all_rows():
    rows = [Row(f"问题{i}花呗", f"花呗问题{i}") for i in range(10)]
    whole = score_rows(TfidfScorer(), rows)
    chunked = score_rows(TfidfScorer(), rows, chunk=3)
    assert [o.score for o in chunked] == [o.score for o in whole]
    calls = []
    with pytest.raises(TimeoutError):
        score_rows(TfidfScorer(), rows, chunk=3, stop=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3


def test_pairs_from_an_iterable_say_their_index():
    assert Row.from_pair(4, ("a", "b")).place == "pair 4"
    bad = Row.from_pair(5, "ab")
    assert bad.error.startswith("pair 5 is not a (sentence1, sentence2) pair")
    out = list(simcalc.Engine(scorer="levenshtein", errors="keep").score_pairs([("你好", "您好"), "x", ("", "a")]))
    assert isinstance(out[0], Result)
    assert isinstance(out[1], FailedPair) and out[1].index == 1 and out[1].to_dict()["score"] is None
    assert out[2].error.startswith("pair 2: ")


class _Feature(PairwiseScorer):
    """Exposes two numeric features per pair (as the rule engine does in details["features"])."""

    name = "feature_test"

    def _score_pair(self, a, b):
        return Result(len(a) / (len(a) + len(b)), self.name, details={"features": {"len_a": len(a), "len_b": len(b)}})


def test_the_evaluation_helper_gives_every_members_raw_scores_and_features(tmp_path):
    data = tmp_path / "dev.tsv"
    data.write_text("sentence1\tsentence2\tlabel\n怎么开通花呗\t花呗如何开通\t1\n你好\t\t0\n"
                    "借呗额度\t借呗能借多少\tx\n今天天气\t明天下雨吗\t0\n", encoding="utf-8")
    members = {"levenshtein": LevenshteinScorer(), "feature_test": _Feature()}
    scored = score_labelled(data, members, features=True)
    assert scored.members == ("levenshtein", "feature_test")
    assert scored.raw.shape == (2, 2) and scored.labels.tolist() == [1.0, 0.0]
    assert scored.member("levenshtein")[0] == pytest.approx(LevenshteinScorer().score("怎么开通花呗", "花呗如何开通").score)
    assert scored.feature_names == {"levenshtein": [], "feature_test": ["len_a", "len_b"]}
    assert scored.features["feature_test"].tolist() == [[6.0, 6.0], [4.0, 5.0]]
    assert len(scored.errors) == 2 and "line 3" in scored.errors[0] and "line 4: label 'x'" in scored.errors[1]
    one = score_labelled(data, LevenshteinScorer())  # one scorer: the same rows, ``scores`` is its column
    assert one.scores.tolist() == scored.member("levenshtein").tolist()


def test_abilities_are_declared_not_probed():
    tfidf = TfidfScorer()
    assert isinstance(tfidf, Encodes) and isinstance(tfidf, Fits)
    assert not isinstance(LevenshteinScorer(), Encodes) and not isinstance(LevenshteinScorer(), Fits)
    assert not isinstance(LevenshteinScorer(), Renders) and not isinstance(LevenshteinScorer(), ScopesThreads)
    vectors = tfidf.fit(["你好", "您好"]).encode(["你好", "您好", "再见"])
    assert len(vectors.take([2, 0])) == 2 and vectors.take([2, 0])[1] == vectors[0]


def test_a_registry_scorer_declares_its_recipe_and_is_rebuilt_from_it():
    scorer = registry.get("levenshtein", threshold=0.5)
    recipe = scorer.recipe()
    assert recipe == Recipe("levenshtein", (("threshold", 0.5),), "simcalc.lexical:LevenshteinScorer")
    rebuilt = registry.build(pickle.loads(pickle.dumps(recipe)))
    assert type(rebuilt) is LevenshteinScorer and rebuilt.threshold == 0.5
    assert LevenshteinScorer().recipe() is None  # built by hand: it travels pickled
    tfidf = registry.get("tfidf")
    assert tfidf.recipe() is not None and tfidf.for_sentences(["你好"]).recipe() is None  # fitted: not the recipe


def test_the_fitted_check_is_one_message():
    with pytest.raises(InputFormatError, match="fit it once on a corpus"):
        TfidfScorer().require_fitted("per partition")
    TfidfScorer().fit(["你好"]).require_fitted("per partition")
    LevenshteinScorer().require_fitted("anywhere")


def test_outcome_of_a_failed_row_has_no_score():
    failed = RowOutcome(None, "bad", "line 1")
    assert (failed.score, failed.label, failed.warning, failed.details, failed.features) == (None, None, None, {}, {})


def test_one_verb_per_idea():
    pairs = [("你好", "您好"), ("", "x")]
    kept = simcalc.score_pairs(pairs, scorer="levenshtein", errors="keep")  # the list form of Engine.score_pairs
    streamed = list(simcalc.Engine(scorer="levenshtein", errors="keep").score_pairs(pairs))
    assert [getattr(r, "score", None) for r in kept] == [getattr(r, "score", None) for r in streamed]
    assert isinstance(kept[1], FailedPair) and kept[1].error == streamed[1].error
    with pytest.raises(InvalidTextError, match="pair 1"):
        simcalc.score_pairs(pairs, scorer="levenshtein")
    result = simcalc.compare("你好", "您好", scorer="levenshtein")
    labelled = result.with_threshold(0.1)
    assert labelled.label == 1 and labelled.threshold == 0.1
    assert (result.label, result.threshold) == (0, 0.618)  # a copy: the original is unchanged
    engine = simcalc.Engine(scorer="levenshtein")
    with pytest.warns(DeprecationWarning):
        assert engine.explain("你好", "您好").score == engine.compare("你好", "您好").score
    assert "levenshtein" in engine.render(engine.compare("你好", "您好"))
