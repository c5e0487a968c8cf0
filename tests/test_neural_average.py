"""Averaged neural models: the score is the members' mean probability, a folder names its members (hashed)
and carries the threshold chosen on held-out pairs, ``A+B`` averages ad hoc, one checkpoint is unchanged."""
from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simcalc.errors import InputFormatError, ResourceNotFoundError  # noqa: E402
from simcalc.neural.checkpoint import save_checkpoint, write_average  # noqa: E402
from simcalc.neural.models import build_model  # noqa: E402
from simcalc.neural.re2_scorer import RE2Scorer  # noqa: E402
from simcalc.neural.scorers import CVLSTMScorer, MGFScorer  # noqa: E402
from simcalc.neural.tokens import Vocab, tokenize  # noqa: E402
from simcalc.explain import render_result  # noqa: E402

WORDS = ["花呗", "借呗", "怎么", "如何", "开通", "还款", "提前", "额度", "为什么", "不能", "银行卡", "逾期", "利息", "我", "你"]
SCORERS = {"cvlstm": CVLSTMScorer, "mgf": MGFScorer, "re2": RE2Scorer}


def _sentences(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))) for _ in range(n)]


def _checkpoint(directory, kind: str, seed: int, vocab_words: list[str], threshold: float = 0.5):
    """Random weights (seeded) over a vocabulary of ``vocab_words``: members differ in weights and vocabulary."""
    config = {"format": 1, "kind": kind, "emb_dim": 8, "hidden": 8, "dropout": 0.0, "max_chars": 16,
              "max_words": 8, "min_count": 1, "num_classes": 2, "threshold": threshold, "level": "char",
              "encoder": "lstm", "filters": 8, "kernel": 3, "blocks": 2, "enc_layers": 2}
    levels = ["char", "word"] if kind == "mgf" else ["char"]
    vocabs = {lv: Vocab.build([tokenize(w, lv) for w in vocab_words]) for lv in levels}
    torch.manual_seed(seed)
    model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
    return save_checkpoint(directory, config, vocabs, model)


@pytest.fixture(scope="module", params=["cvlstm", "mgf", "re2"])
def members(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"avg-{request.param}")
    a = _checkpoint(root / "a", request.param, seed=1, vocab_words=WORDS, threshold=0.4)
    b = _checkpoint(root / "b", request.param, seed=2, vocab_words=WORDS[::2], threshold=0.6)  # fewer words known
    return request.param, a, b


def _pairs() -> list[tuple[str, str]]:
    left, right = _sentences(60, 1), _sentences(60, 2)
    return list(zip(left, right)) + [("怎么开通花呗", "花呗如何开通"), ("借呗" * 12, "借呗")]


def _probabilities(scorer, pairs) -> np.ndarray:
    return np.array([r.details["probability"] for r in scorer.score_batch(pairs)])


def test_the_average_is_the_mean_of_its_members(members):
    kind, a, b = members
    cls = SCORERS[kind]
    pairs = _pairs()
    one, two = _probabilities(cls(model=str(a), threads=1), pairs), _probabilities(cls(model=str(b), threads=1), pairs)
    averaged = cls(model=f"{a}+{b}", threads=1)
    results = averaged.score_batch(pairs)
    assert np.abs(np.array([r.details["probability"] for r in results]) - (one + two) / 2).max() < 1e-5
    assert np.abs(one - two).max() > 0.01  # the members differ, so the mean is not either of them
    assert all(r.details["average_of"] == 2 and [m["model"] for m in r.details["members"]] == ["a", "b"]
               for r in results)
    assert averaged.threshold == pytest.approx(0.5)  # ad hoc: the members' mean threshold
    described = averaged.describe()
    assert len(described["average_of"]) == 2 and "mean of the members" in described["threshold_from"]
    # member b knows fewer characters: the reported coverage is the smaller of the two
    cov_a = cls(model=str(a), threads=1).score("花呗逾期", "借呗").details["coverage"]["pair"]
    cov = averaged.score("花呗逾期", "借呗").details["coverage"]["pair"]
    assert cov < cov_a


def test_one_checkpoint_twice_scores_as_the_checkpoint_alone(members):
    kind, a, _ = members
    cls = SCORERS[kind]
    pairs = _pairs()
    alone, doubled = cls(model=str(a), threads=1), cls(model=f"{a}+{a}", threads=1)
    assert np.abs(_probabilities(alone, pairs) - _probabilities(doubled, pairs)).max() < 1e-6
    single = alone.score("怎么开通花呗", "花呗如何开通")
    assert "members" not in single.details and "average_of" not in alone.describe()  # a plain model reads as before


def test_a_folder_names_its_members_and_carries_its_threshold(members):
    kind, a, b = members
    cls = SCORERS[kind]
    folder = write_average(a.parent / "avg", [a, b], threshold=0.4321, held_out={"accuracy": 0.9})
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert list(config["average"]) == ["../a", "../b"] and config["kind"] == kind
    scorer = cls(model=str(folder), threads=1)
    adhoc = cls(model=f"{a}+{b}", threads=1)
    pairs = _pairs()
    assert np.abs(_probabilities(scorer, pairs) - _probabilities(adhoc, pairs)).max() < 1e-6
    assert scorer.threshold == pytest.approx(0.4321) and scorer.model_dir == folder
    assert "held-out" in scorer.describe()["threshold_from"]
    rendered = render_result(scorer.score("怎么开通花呗", "花呗如何开通"))  # what `simcalc explain` prints
    assert "average_of: 2" in rendered and rendered.count("model: ") == 3  # the average and its two members


def test_encode_once_equals_pairwise_scores_for_an_average(members):
    kind, a, b = members
    scorer = SCORERS[kind](model=f"{a}+{b}", threads=1)
    faq = ["怎么开通花呗", "花呗如何还款", "借呗额度为什么不能提前", "提前还款有利息吗"]
    ranked = scorer.score_encoded(scorer.encode(["花呗怎么开通"]), scorer.encode(faq).take([3, 0, 1]))
    pairwise = scorer.score_batch([("花呗怎么开通", faq[i]) for i in (3, 0, 1)])
    assert [r.score for r in ranked] == pytest.approx([r.score for r in pairwise], abs=1e-6)


def test_torch_backend_averages_the_same(members):
    kind, a, b = members
    pairs = _pairs()[:30]
    fast = SCORERS[kind](model=f"{a}+{b}", threads=1, backend="numpy")
    reference = SCORERS[kind](model=f"{a}+{b}", threads=1, backend="torch")
    assert np.abs(_probabilities(fast, pairs) - _probabilities(reference, pairs)).max() < 1e-5


def test_a_re_exported_member_or_mixed_kinds_are_refused(tmp_path):
    a = _checkpoint(tmp_path / "a", "cvlstm", seed=1, vocab_words=WORDS)
    b = _checkpoint(tmp_path / "b", "cvlstm", seed=2, vocab_words=WORDS)
    folder = write_average(tmp_path / "avg", [a, b], threshold=0.5)
    _checkpoint(tmp_path / "b", "cvlstm", seed=3, vocab_words=WORDS)  # b retrained: the threshold no longer fits
    with pytest.raises(ResourceNotFoundError, match="re-exported after the average"):
        CVLSTMScorer(model=str(folder))
    m = _checkpoint(tmp_path / "m", "mgf", seed=1, vocab_words=WORDS)
    with pytest.raises(InputFormatError, match="one kind"):
        write_average(tmp_path / "mixed", [a, m], threshold=0.5)
    with pytest.raises(ResourceNotFoundError, match="not 'cvlstm'"):
        CVLSTMScorer(model=f"{a}+{m}")


def test_the_threshold_is_the_best_on_the_held_out_pairs(tmp_path):
    from simcalc.evaluate import best_threshold
    from simcalc.neural.average import average_checkpoints

    a = _checkpoint(tmp_path / "a", "re2", seed=1, vocab_words=WORDS, threshold=0.3)
    b = _checkpoint(tmp_path / "b", "re2", seed=2, vocab_words=WORDS, threshold=0.7)
    rows = [(x, y, str(i % 2)) for i, (x, y) in enumerate(_pairs()[:50])]
    held = tmp_path / "held.tsv"
    with open(held, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE).writerows([("sentence1", "sentence2", "label"), *rows])
    report = average_checkpoints(tmp_path / "avg", [a, b], held)
    scores = np.array([r.score for r in RE2Scorer(model=f"{a}+{b}", threads=1).score_batch([(x, y) for x, y, _ in rows])])
    labels = np.array([int(y) for *_, y in rows])
    expected = best_threshold(scores, labels)
    assert RE2Scorer(model=str(tmp_path / "avg"), threads=1).threshold == pytest.approx(expected)
    assert report["accuracy"] == pytest.approx(((scores >= expected) == labels).mean(), abs=1e-4)
    assert set(report["members"]) == {"a", "b"} and report["pairs"] == 50


def test_the_shipped_re2_average_averages_its_members():
    from simcalc.resources import project_data_path

    try:
        project_data_path("models/re2-bq-afqmc-avg")
    except ResourceNotFoundError:
        pytest.skip("the shipped re2 models are not in this checkout")
    assert RE2Scorer(threads=1).model_name == "re2-bq-afqmc"  # the default: one network (speed)
    scorer = RE2Scorer(model="re2-bq-afqmc-avg", threads=1)
    assert scorer.model_name == "re2-bq-afqmc-avg" and len(scorer.checkpoints) >= 2
    assert scorer.threshold == pytest.approx(scorer.config["threshold"])
    result = scorer.score("花呗怎么开通", "怎么开通花呗")
    assert result.details["average_of"] == len(scorer.checkpoints) == len(result.details["members"])
    mean = np.mean([m["probability"] for m in result.details["members"]])
    assert result.details["probability"] == pytest.approx(mean, abs=1e-5)
