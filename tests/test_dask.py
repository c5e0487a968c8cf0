"""simcalc.dask on a real 2-process LocalCluster: same scores as `simcalc score`, one engine per worker."""
import math
import random

import pytest

import simcalc
import simcalc.lexical
from simcalc.batch import score_file
from simcalc.errors import InputFormatError

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")

import simcalc.dask as sd  # noqa: E402

CHARS = "怎么开通花呗借呗如何还款为什么不能用我的账户被冻结了请问可以提前还吗银行卡绑定失败额度降低"
N = 3000
BAD = {11: ("", "你好"), 500: ("？？", "你好"), 1234: (None, "你好"), 2999: ("你好", float("nan"))}


@pytest.fixture(scope="module")
def pairs():
    rng = random.Random(5)
    rows = []
    for i in range(N):
        a = "".join(rng.choice(CHARS) for _ in range(rng.randint(3, 14)))
        b = "".join(rng.choice(CHARS) for _ in range(rng.randint(3, 14)))
        rows.append(BAD.get(i, (a, b)))
    return pd.DataFrame({"id": range(N), "sentence1": [r[0] for r in rows], "sentence2": [r[1] for r in rows]})


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as c:
        yield c


def file_scores(tmp_path, frame, scorer):
    """What `simcalc score` writes for the same pairs (missing sentences as empty fields)."""
    path = tmp_path / "pairs.tsv"
    lines = ["sentence1\tsentence2"] + [
        "\t".join("" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in (a, b))
        for a, b in zip(frame.sentence1, frame.sentence2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    score_file(path, tmp_path / "out.tsv", scorer, progress=False)
    out = pd.read_csv(tmp_path / "out.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    return out


def test_dataframe_on_two_worker_processes_equals_single_process_scoring(client, pairs, tmp_path):
    ddf = dd.from_pandas(pairs, npartitions=6)
    result = sd.score_dataframe(ddf, "levenshtein").compute()
    assert list(result.columns) == ["id", "sentence1", "sentence2", "score", "prediction", "error", "warning"]
    assert result["id"].tolist() == list(range(N))  # order and every row kept

    expected = file_scores(tmp_path, pairs, simcalc.get_scorer("levenshtein"))
    got = ["" if math.isnan(s) else f"{round(s, 6):.6f}" for s in result["score"]]
    assert got == expected["score"].tolist()
    assert ["" if pd.isna(p) else str(p) for p in result["prediction"]] == expected["prediction"].tolist()
    for i in BAD:  # the same reasons as `simcalc score`, without its "line N: " prefix
        assert math.isnan(result["score"].iloc[i])
        assert expected["error"].iloc[i].endswith(result["error"].iloc[i])
    assert result["error"].notna().sum() == len(BAD)

    # one engine per worker process, not one per partition
    builds = client.run(lambda: dict(sd._BUILDS))
    assert len(builds) == 2
    assert all(counts == {"levenshtein:()": 1} for counts in builds.values()), builds


def test_a_fitted_scorer_object_is_shipped_once_to_each_worker(client, pairs, tmp_path):
    from simcalc.lexical import TfidfScorer

    corpus = [s for s in pairs.sentence1.tolist() if isinstance(s, str) and s.strip("？")]
    tfidf = TfidfScorer().fit(corpus)
    result = sd.score_dataframe(dd.from_pandas(pairs, npartitions=5), tfidf).compute()
    assert "prediction" not in result.columns  # no threshold, as in `simcalc score`
    expected = file_scores(tmp_path, pairs, tfidf)
    assert ["" if math.isnan(s) else f"{round(s, 6):.6f}" for s in result["score"]] == expected["score"].tolist()
    builds = client.run(lambda: {k: v for k, v in sd._BUILDS.items() if k.startswith("tfidf-")})
    assert all(list(counts.values()) == [1] for counts in builds.values()), builds


def test_bag_of_tuples_and_dicts_keeps_bad_items(client):
    items = [("怎么开通花呗", "花呗如何开通"), {"q1": "你好", "q2": None}, 42, ("你好", "您好")]
    out = sd.score_bag(db.from_sequence(items, npartitions=2), "levenshtein").compute()
    assert [o.get("error") is None for o in out] == [True, False, False, True]
    assert out[0]["score"] == pytest.approx(simcalc.compare("怎么开通花呗", "花呗如何开通", scorer="levenshtein").score)
    assert out[1]["q1"] == "你好" and "sentence2" in out[1]["error"]
    assert "got int" in out[2]["error"]


def test_unfitted_tfidf_and_bad_columns_are_refused_in_the_client(pairs):
    ddf = dd.from_pandas(pairs.head(10), npartitions=1)
    with pytest.raises(InputFormatError, match="fit it once on a corpus"):
        sd.score_dataframe(ddf, "tfidf")
    with pytest.raises(InputFormatError, match="columns"):
        sd.score_dataframe(ddf, "levenshtein", columns=("a", "b"))
    unpicklable = simcalc.lexical.LevenshteinScorer()
    unpicklable.lib = math  # holds a module, like the rule engine
    with pytest.raises(InputFormatError, match="pass it by name"):
        sd.score_dataframe(ddf, unpicklable)
