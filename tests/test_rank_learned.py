"""The learned FAQ ranker (simcalc.ranker): retrieval tasks, fitting, loading, and ranking through an index."""
from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from simcalc import cli
import simcalc
from simcalc.errors import InputFormatError, ResourceNotFoundError
from simcalc.ranker import (PREFILTER, TEXT_FEATURES, Ranker, fit_ranker, load_ranker, retrieval_task,
                            shortlist_features, why_ahead)

FAQ = ["花呗怎么开通", "借呗如何还款", "银行卡丢失怎么办", "怎么提高借呗额度", "余额宝收益怎么计算", "转账多久到账",
       "花呗怎么还款", "借呗怎么开通", "银行卡怎么挂失", "余额宝怎么转出"]

# a small pair file: each query has one paraphrase among the sentence2 and a close distractor labelled 0
PAIRS = [("如何开通花呗", "花呗怎么开通", "1"), ("如何开通花呗", "花呗怎么还款", "0"),
         ("借呗怎样还款", "借呗如何还款", "1"), ("借呗怎样还款", "借呗怎么开通", "0"),
         ("我的银行卡丢了怎么办", "银行卡丢失怎么办", "1"), ("我的银行卡丢了怎么办", "银行卡怎么挂失", "0"),
         ("余额宝的收益如何计算", "余额宝收益怎么计算", "1"), ("余额宝的收益如何计算", "余额宝怎么转出", "0"),
         ("转账要多久才到账", "转账多久到账", "1"), ("花呗怎么开通", "借呗额度怎么提高", "0"),
         ("怎样提高借呗的额度", "怎么提高借呗额度", "1"), ("怎么提高借呗额度", "怎样提高借呗的额度", "1")]


@pytest.fixture
def pair_file(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in PAIRS),
                    encoding="utf-8")
    return path


def test_retrieval_task_uses_distinct_sentence2_and_positive_queries(pair_file):
    task = retrieval_task(pair_file, seed=3)
    assert task.candidates == list(dict.fromkeys(b for _, b, _ in PAIRS))
    positives = [(a, b) for a, b, y in PAIRS if y == "1"]
    assert sorted(task.queries) == sorted(a for a, _ in positives)
    for query, gold, own in zip(task.queries, task.gold, task.self_index):
        assert {task.candidates[i] for i in gold} == {b for a, b in positives if a == query}
        # 怎么提高借呗额度 is a query and also a candidate: it must not be ranked against itself
        assert (own is not None) == (query in task.candidates)
        if own is not None:
            assert task.candidates[own] == query
    labelled_not = dict(zip(task.queries, task.labelled_not))
    assert {task.candidates[i] for i in labelled_not["如何开通花呗"]} == {"花呗怎么还款"}
    assert labelled_not["转账要多久才到账"] == frozenset()
    assert len(retrieval_task(pair_file, limit=2).queries) == 2


def test_retrieval_task_without_positives_is_a_clear_error(tmp_path):
    path = tmp_path / "neg.tsv"
    path.write_text("sentence1\tsentence2\tlabel\n你好\t再见\t0\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="no positive pairs"):
        retrieval_task(path)


def test_shortlist_features_leave_the_query_out(pair_file):
    task = retrieval_task(pair_file)
    ranker = Ranker("t", {f: 0.0 for f in (PREFILTER, *TEXT_FEATURES)})
    x, y, q = shortlist_features(ranker, task, k=4)
    assert x.shape == (len(y), 1 + len(TEXT_FEATURES)) and len(q) == len(y)
    assert ((x >= 0) & (x <= 1 + 1e-9)).all()  # cosines, shares and ratios
    for qi, own in enumerate(task.self_index):
        assert (q == qi).sum() == 4 - 0  # four candidates per query, never its own text
        if own is not None:  # its own text would be an exact match: cosine 1 on every feature
            assert not (x[q == qi][:, 1] == 1.0).all()


def test_fit_ranker_learns_from_overlap_and_beats_nothing(pair_file):
    task = retrieval_task(pair_file)
    ranker = fit_ranker([task], [PREFILTER, *TEXT_FEATURES], name="tiny", k=5)
    assert set(ranker.coefficients) == {PREFILTER, *TEXT_FEATURES}
    assert all(math.isfinite(v) for v in ranker.coefficients.values())
    assert 0 < ranker.threshold < 1 and "top-1" in ranker.fitted_on
    again = Ranker.from_toml(ranker.to_toml(), "roundtrip")
    assert again.coefficients == pytest.approx(ranker.coefficients, abs=1e-5)
    assert again.center == pytest.approx(ranker.center, abs=1e-5) and again.shortlist == 5


def test_ranker_toml_errors(tmp_path):
    with pytest.raises(InputFormatError, match="unknown ranker features"):
        Ranker.from_toml("[ranker]\nname='x'\n[features]\ncoefficients = {bogus = 1.0}\n", "x")
    with pytest.raises(InputFormatError, match="needs"):
        Ranker.from_toml("[ranker]\nname='x'\n", "x")
    with pytest.raises(InputFormatError, match="not valid TOML"):
        Ranker.from_toml("[ranker", "x")
    with pytest.raises(ResourceNotFoundError, match="shipped rankers are faq;"):
        load_ranker(tmp_path / "missing.rank.toml")


def test_the_shipped_ranker_loads():
    ranker = load_ranker("faq")
    assert ranker.name == "faq" and ranker.coefficients[PREFILTER] > 0  # the prefilter's cosine counts for
    assert ranker.coefficients["density"] < 0  # a crowded neighbourhood counts against (hubness)
    assert not ranker.neural and "dev" in ranker.fitted_on  # no model load, no forward pass per query


def test_an_ensemble_ranks_with_the_shipped_ranker():
    engine = simcalc.Engine("lexical")
    index = engine.index(FAQ)
    assert index.ranker is not None and index.ranker.ranker.name == "faq"
    assert index.members == []  # the ensemble's members are not run when a ranker ranks
    top = index.rank("如何开通花呗", top_k=3)
    assert top[0].text == "花呗怎么开通" and [m.rank for m in top] == [1, 2, 3]
    assert top[0].score >= top[1].score >= top[2].score and all(0 <= m.score <= 1 for m in top)
    for m in top:
        assert m.label == int(m.score >= index.ranker.ranker.threshold)
        assert set(m.result.details["features"]) == set(index.ranker.ranker.coefficients)
        assert m.result.details["decided_by"]
    assert index.rank("我的银行卡丢了", top_k=1)[0].text == "银行卡丢失怎么办"
    assert engine.rank("余额宝的收益如何计算", FAQ, top_k=1)[0].text == "余额宝收益怎么计算"


def test_without_a_ranker_the_pair_ensemble_ranks():
    engine = simcalc.Engine("lexical")
    index = engine.index(FAQ, ranker=None)
    assert index.ranker is None
    for m in index.rank("如何开通花呗", top_k=3):
        assert m.score == pytest.approx(engine.compare("如何开通花呗", m.text).score)


def test_the_routed_default_ranks_by_pair_scores_too():
    # a routed config's router reads the pair texts: ranking without the ranker must hand them over
    top = simcalc.Engine().index(FAQ, ranker=None).rank("如何开通花呗", top_k=2)
    assert top[0].text == "花呗怎么开通" and top[0].result.details["expert"] in top[0].result.details["router"]
    assert top[0].score >= top[1].score


def test_a_single_scorer_never_uses_the_ranker():
    index = simcalc.Engine(scorer="tfidf").index(FAQ)
    assert index.ranker is None and index.rank("如何开通花呗", top_k=1)[0].text == "花呗怎么开通"


def test_a_ranker_that_cannot_load_falls_back_to_the_ensemble(tmp_path, caplog):
    index = simcalc.Engine("lexical").index(FAQ, ranker=str(tmp_path / "none.rank.toml"))
    assert index.ranker is None and "cannot load" in caplog.text
    assert index.rank("如何开通花呗", top_k=1)[0].text == "花呗怎么开通"


def test_why_ahead_names_the_feature_with_the_largest_gap():
    a = simcalc.Result(0.9, "r", details={"features": {"prefilter": {"contribution": 1.0},
                                                         "char_jaccard": {"contribution": 2.0}}})
    b = simcalc.Result(0.5, "r", details={"features": {"prefilter": {"contribution": 0.9},
                                                         "char_jaccard": {"contribution": 0.5}}})
    assert why_ahead(a, b).startswith("char_jaccard (+1.50")
    assert why_ahead(a, None) == "the only candidate"


def test_default_engine_ranks_with_the_shipped_ranker():
    engine = simcalc.Engine()
    index = engine.index(FAQ)
    assert index.ranker is not None and index.ranker.ranker.name == "faq" and index.members == []
    assert index.rank("如何开通花呗", top_k=2)[0].text == "花呗怎么开通"


def test_a_ranker_with_a_neural_feature(tmp_path, pair_file):
    pytest.importorskip("torch")
    ranker = fit_ranker([retrieval_task(pair_file)], [PREFILTER, "char_jaccard", "cvlstm"], name="neural", k=5,
                        scorers={"cvlstm": {"model": "cvlstm-general"}})
    assert ranker.neural == ["cvlstm"] and ranker.scorers == {"cvlstm": {"model": "cvlstm-general"}}
    path = tmp_path / "neural.toml"
    path.write_text(ranker.to_toml(), encoding="utf-8")
    index = simcalc.Engine("lexical").index(FAQ, ranker=str(path))
    top = index.rank("如何开通花呗", top_k=2)
    assert index.ranker is not None and index.ranker.ranker.name == "neural"
    assert "cvlstm" in top[0].result.details["members"] and "cvlstm" in top[0].result.details["features"]
    cvlstm = simcalc.Engine(scorer="cvlstm", model="cvlstm-general")
    assert top[0].result.details["features"]["cvlstm"]["value"] == pytest.approx(
        cvlstm.compare("如何开通花呗", top[0].text).score, abs=1e-5)  # the same score as pair by pair


def test_ranking_beats_its_prefilter_on_lcqmc_dev(shared_data):
    """On 300 LCQMC dev queries (the rankers were fitted on dev: a regression check, not a result)."""
    from simcalc.prefilter import TfidfPrefilter

    task = retrieval_task(shared_data / "lcqmc" / "dev.tsv", limit=300)
    index = simcalc.Engine("lexical").index(task.candidates)
    prefilter = TfidfPrefilter(task.candidates)
    ranked = prefiltered = 0
    for query, gold, own in zip(task.queries, task.gold, task.self_index):
        top = [m.index for m in index.rank(query, top_k=2) if m.index != own]
        ranked += top[0] in gold
        sims = prefilter.scores(query)
        if own is not None:
            sims[own] = -1
        prefiltered += int(prefilter.top_of(sims, 1)[0]) in gold
    assert ranked > prefiltered + 0.02 * len(task.queries)


def test_prefilter_scores_are_the_tfidf_scorers_with_the_faqs_idf():
    """One TF-IDF: the prefilter's cosine is the ``tfidf`` scorer's, fitted on the FAQ."""
    import numpy as np

    from simcalc.prefilter import TfidfPrefilter

    prefilter = TfidfPrefilter(FAQ)
    scorer = simcalc.registry.create("tfidf", corpus=FAQ)
    for query in ["如何开通花呗", "银行卡丢了，怎么办？", "花呗花呗借呗", "ABC abc", "完全无关的句子"]:
        want = [scorer.score(query, candidate).score for candidate in FAQ]
        assert np.allclose(prefilter.scores(query), want, atol=1e-12)
    assert not prefilter.scores("！？").any()  # no n-gram of the FAQ: no similarity, no error
    assert prefilter.top_of(np.array([0.2, 0.9, 0.2, 0.5]), 3).tolist() == [1, 3, 0]  # best first, ties by index


def test_prefilter_agrees_with_the_tfidf_scorer_on_lcqmc_dev(shared_data):
    """A few thousand real pairs: the sparse product gives the scorer's numbers."""
    import numpy as np

    from simcalc.prefilter import TfidfPrefilter
    from simcalc.text import normalize

    task = retrieval_task(shared_data / "lcqmc" / "dev.tsv", limit=200)
    faq = [normalize(c) for c in task.candidates]
    prefilter = TfidfPrefilter(faq)
    scorer = simcalc.registry.create("tfidf", corpus=faq)
    rng = np.random.default_rng(0)
    pairs = 0
    for query in task.queries:
        query = normalize(query)
        sims = prefilter.scores(query)
        ids = np.r_[prefilter.top_of(sims, 5), rng.integers(0, len(faq), 10)]
        want = [r.score for r in scorer.score_batch([(query, faq[i]) for i in ids])]
        assert np.allclose(np.minimum(1.0, sims[ids]), want, atol=1e-12, rtol=0)
        pairs += len(ids)
    assert pairs == 3000


def test_density_is_high_for_a_question_with_near_duplicates():
    from simcalc.prefilter import TfidfPrefilter

    faq = ["花呗怎么开通", "花呗如何开通", "怎么开通花呗", "花呗开通方法", "余额宝收益怎么计算", "转账多久到账"]
    density = TfidfPrefilter(faq).density(k=2)
    assert density.shape == (len(faq),) and ((density >= 0) & (density <= 1)).all()
    assert min(density[:4]) > max(density[4:])  # the 花呗 cluster is crowded, the others are alone
    assert TfidfPrefilter(["只有一个问题"]).density().tolist() == [0.0]


def test_asking_for_more_than_the_rankers_shortlist_gets_them_all():
    faq = [f"问题{i}怎么办" for i in range(40)]
    index = simcalc.Engine("lexical").index(faq)
    top = index.rank("问题7怎么办", top_k=30)
    assert len(top) == 30 and top[0].text == "问题7怎么办" and len({m.index for m in top}) == 30


def test_match_jsonl_says_what_decided(tmp_path):
    import json

    faq = tmp_path / "faq.txt"
    faq.write_text("\n".join(FAQ) + "\n", encoding="utf-8")
    queries = tmp_path / "q.txt"
    queries.write_text("如何开通花呗\n", encoding="utf-8")
    run = CliRunner().invoke(cli.main, ["match", str(queries), "--faq", str(faq), "--top-k", "2", "--json",
                                        "--config", "lexical"])
    assert run.exit_code == 0, run.output
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"query_line"')]
    assert rows[0]["faq_question"] == "花呗怎么开通" and "over the next candidate" in rows[0]["decided_by"]
    plain = CliRunner().invoke(cli.main, ["match", str(queries), "--faq", str(faq), "--json", "--config", "lexical",
                                          "--ranker", "none"])
    assert plain.exit_code == 0 and '"decided_by"' not in plain.stdout.split("\n")[0]


def test_retrieval_task_leaves_out_excluded_pairs(pair_file):
    task = retrieval_task(pair_file, exclude={("如何开通花呗", "花呗怎么开通")})
    assert "如何开通花呗" not in task.queries and "借呗怎样还款" in task.queries
    assert len(task.candidates) == len(retrieval_task(pair_file).candidates)  # the FAQ stays whole


def test_trained_pairs_are_the_general_models_training_cut(shared_data):
    from simcalc.ranker import trained_pairs

    lcqmc = trained_pairs(shared_data / "lcqmc" / "dev.tsv")
    assert 0.55 < len(lcqmc) / 8802 < 0.65  # 60 % of LCQMC dev trains cvlstm-general (its model card)
    assert trained_pairs(shared_data / "bq_corpus" / "dev.tsv") == set()  # BQ dev: early stopping only
    task = retrieval_task(shared_data / "lcqmc" / "dev.tsv", exclude=lcqmc)
    assert 1500 < len(task.queries) < 2000


def test_listwise_fit_prefers_the_feature_that_picks_the_answer():
    import numpy as np

    from simcalc.ranker import _listwise

    rng = np.random.default_rng(0)
    n_queries, k = 200, 5
    z = rng.normal(size=(n_queries * k, 2))
    query = np.repeat(np.arange(n_queries), k)
    y = np.zeros(n_queries * k)
    for q in range(n_queries):  # the answer is the row with the largest first feature; the second is noise
        rows = np.arange(q * k, (q + 1) * k)
        y[rows[np.argmax(z[rows, 0])]] = 1
    y[:k] = 0  # a query without an answer in its shortlist teaches nothing (and must not break the fit)
    w = _listwise(z, y, query, np.ones(n_queries), l2=1e-3)
    assert w[0] > 1.0 and abs(w[1]) < 0.5 * w[0]


COPY_PAIRS = [("花呗怎么开通?", "花呗怎么开通", "1"), ("如何开通花呗", "花呗怎么开通", "1"),
              ("借呗怎样还款", "借呗怎样还款。", "1"), ("借呗怎样还款", "借呗如何还款", "1"),
              ("借呗 怎样还款!", "借呗怎么开通", "0"), ("借呗 怎样还款!", "借呗如何还款", "1"),
              ("余额宝怎么转出", "余额宝怎么转出?", "0"), ("余额宝怎么转出", "余额宝如何转出", "1")]


@pytest.fixture
def copy_file(tmp_path):
    path = tmp_path / "copies.tsv"
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in COPY_PAIRS),
                    encoding="utf-8")
    return path


def test_same_content_treats_copies_of_the_query_as_the_query(copy_file):
    text = retrieval_task(copy_file)
    assert "花呗怎么开通?" in text.queries and not any(text.copies)
    task = retrieval_task(copy_file, same="content")
    assert "花呗怎么开通?" not in task.queries  # its one answer is a copy of it: no query
    assert task.candidates == text.candidates  # the FAQ stays whole
    by_query = {q: i for i, q in enumerate(task.queries)}
    name = {c: i for i, c in enumerate(task.candidates)}
    i = by_query["借呗怎样还款"]
    assert task.gold[i] == {name["借呗如何还款"]}  # the copy 借呗怎样还款。 is not an answer to find
    assert task.copies[i] == {name["借呗怎样还款。"]} and task.left_out(i) == {name["借呗怎样还款。"]}
    # spaces and another punctuation mark: still a copy; a copy labelled 0 is left out all the same
    assert task.copies[by_query["借呗 怎样还款!"]] == {name["借呗怎样还款。"]}
    assert task.copies[by_query["余额宝怎么转出"]] == {name["余额宝怎么转出?"]}
    assert task.gold[by_query["余额宝怎么转出"]] == {name["余额宝如何转出"]}
    # the shortlist never holds a copy (it would have cosine 1)
    x, y, q = shortlist_features(Ranker("t", {PREFILTER: 1.0}), task, k=5)
    for copy_query in (i, by_query["余额宝怎么转出"]):
        assert x[q == copy_query, 0].max() < 0.999
    with pytest.raises(InputFormatError, match="same must be"):
        retrieval_task(copy_file, same="words")
