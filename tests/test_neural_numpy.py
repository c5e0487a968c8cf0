"""The numpy inference path of the cvlstm/mgf scorers: same scores as torch, no torch import, backend choice."""
from __future__ import annotations

import csv
import random
import os
import subprocess
import sys

import numpy as np
import pytest

import simcalc
from simcalc.errors import ScorerUnavailableError
from simcalc.neural.scorers import BACKEND_ENV, CVLSTMScorer, MGFScorer, choose_backend
from simcalc.neural.tokens import Vocab
from simcalc.text import content_chars, normalize

SHIPPED = [(CVLSTMScorer, "cvlstm-bq"), (CVLSTMScorer, "cvlstm-general"), (MGFScorer, "mgf-bq"),
           (MGFScorer, "mgf-bq-large")]
WORDS = ["花呗", "借呗", "怎么", "如何", "开通", "还款", "提前", "额度", "为什么", "不能", "用", "了", "吗", "的",
         "银行卡", "逾期", "利息", "多少", "手机号", "验证码", "没有", "收到", "可以", "分期", "我", "你们"]
RARE = ["鼹", "𠀀", "ß", "😀", "Ж", "abc", "42", "！", " "]


def synthetic_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Question-like pairs of many lengths: shared words, paraphrase-like swaps, unknown characters, one-character
    sentences and sentences past the models' 64-character cut (so truncation and padding are covered)."""
    rng = random.Random(seed)

    def sentence() -> str:
        length = rng.choice([1, 1, 2, 3, 4, 6, 8, 12, 20, 40])
        tokens = [rng.choice(WORDS) if rng.random() > 0.1 else rng.choice(RARE) for _ in range(length)]
        text = "".join(tokens)
        return text if content_chars(normalize(text)) else "花呗" + text  # punctuation-only text is refused

    pairs = []
    for _ in range(n):
        a = sentence()
        b = a[::-1] if rng.random() < 0.2 else (a + rng.choice(WORDS) if rng.random() < 0.3 else sentence())
        pairs.append((a, b))
    pairs += [("还" * 70, "还款" * 40), ("借", "借"), ("怎么开通花呗", "花呗如何开通")]
    return pairs


def _scores(scorer, pairs) -> np.ndarray:
    return np.array([r.score for r in scorer.score_batch(pairs)])


@pytest.mark.parametrize("cls,model", SHIPPED)
def test_numpy_scores_equal_torch_on_shipped_models(cls, model):
    pytest.importorskip("torch")
    pairs = synthetic_pairs(300)
    fast, reference = cls(model=model, backend="numpy", threads=1), cls(model=model, backend="torch", threads=1)
    assert (fast.backend, reference.backend) == ("numpy", "torch")
    got, expected = _scores(fast, pairs), _scores(reference, pairs)
    assert np.abs(got - expected).max() < 1e-5
    one_numpy, one_torch = fast.score(*pairs[0]), reference.score(*pairs[0])
    for key in ("probability", "cosine", "logit"):
        if key in one_torch.details:
            assert one_numpy.details[key] == pytest.approx(one_torch.details[key], abs=1e-5)


@pytest.mark.parametrize("cls,model", SHIPPED[::2])
def test_numpy_scores_equal_torch_on_bq_dev(cls, model, shared_data):
    pytest.importorskip("torch")
    with open(shared_data / "bq_corpus" / "dev.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:401]
    pairs = [(r[0], r[1]) for r in rows]
    got = _scores(cls(model=model, backend="numpy", batch_size=64), pairs)
    expected = _scores(cls(model=model, backend="torch", batch_size=64), pairs)
    assert np.abs(got - expected).max() < 1e-5


def _random_checkpoint(directory, kind: str, **overrides):
    """A small random checkpoint (torch builds it; numpy must read it)."""
    torch = pytest.importorskip("torch")
    from simcalc.neural.checkpoint import save_checkpoint
    from simcalc.neural.models import build_model
    from simcalc.neural.tokens import tokenize

    config = {"format": 1, "kind": kind, "emb_dim": 8, "hidden": 6, "dropout": 0.0, "max_chars": 12,
              "max_words": 6, "min_count": 1, "num_classes": 2, "threshold": 0.5, "level": "char",
              "encoder": "lstm", "filters": 5, "kernel": 3, **overrides}
    levels = ["char", "word"] if kind == "mgf" else [config["level"]]
    texts = [a + b for a, b in synthetic_pairs(40, seed=1)]
    vocabs = {lv: Vocab.build([tokenize(t, lv) for t in texts]) for lv in levels}
    torch.manual_seed(3)
    model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
    with torch.no_grad():  # larger weights than the default init, so that differences would show
        for p in model.parameters():
            p.mul_(3.0)
    return save_checkpoint(directory, config, vocabs, model)


@pytest.mark.parametrize("kind,overrides", [
    ("cvlstm", {}), ("cvlstm", {"encoder": "cnn"}), ("cvlstm", {"encoder": "cnn", "kernel": 5}),
    ("cvlstm", {"level": "word"}), ("cvlstm", {"num_classes": 3}), ("mgf", {})])
def test_numpy_equals_torch_on_every_variant(kind, overrides, tmp_path):
    """CNN encoders, word level, 3-class heads: each layer the models define has its numpy twin."""
    directory = _random_checkpoint(tmp_path, kind, **overrides)
    cls = MGFScorer if kind == "mgf" else CVLSTMScorer
    pairs = synthetic_pairs(150, seed=2)
    got = _scores(cls(model=str(directory), backend="numpy", batch_size=7), pairs)
    expected = _scores(cls(model=str(directory), backend="torch"), pairs)
    assert np.abs(got - expected).max() < 1e-5
    assert np.ptp(got) > 0.01  # the comparison is not between two constants


def test_batch_size_does_not_change_numpy_scores():
    pairs = synthetic_pairs(120, seed=4)
    small, large = MGFScorer(backend="numpy", batch_size=3), MGFScorer(backend="numpy")
    assert np.abs(_scores(small, pairs) - _scores(large, pairs)).max() < 1e-6


def test_faq_encode_once_equals_pairwise_scores():
    scorer = CVLSTMScorer(backend="numpy")
    faq = ["怎么开通花呗", "花呗如何还款", "借呗额度为什么降了", "提前还款有利息吗"]
    encoded = scorer.encode(faq)
    query = scorer.encode(["花呗怎么开通"])
    ranked = scorer.score_encoded(query, encoded.take([3, 0, 1]))
    pairwise = scorer.score_batch([("花呗怎么开通", faq[i]) for i in (3, 0, 1)])
    assert [r.score for r in ranked] == pytest.approx([r.score for r in pairwise], abs=1e-6)


def _run_default_backend(code: str) -> list[str]:
    """What ``code`` prints, run in a fresh interpreter with the backend left to its default."""
    env = {k: v for k, v in os.environ.items() if k != BACKEND_ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_neural_scorers_and_their_ensemble_do_not_import_torch():
    """The neural members of the default engine load and score without torch (the rule engine's parser is
    another matter: rules/parse)."""
    code = ("import sys, simcalc\n"
            "from simcalc.ensemble import EnsembleScorer\n"
            "members = {'levenshtein': {'weight': 1.0}, 'cvlstm': {'weight': 1.0}, 'mgf': {'weight': 1.0}}\n"
            "engine = EnsembleScorer({'ensemble': {'name': 't', 'combination': 'mean', 'threshold': 0.5},\n"
            "                         'members': members})\n"
            "r = engine.score_batch([('怎么开通花呗', '花呗如何开通'), ('怎么开通花呗', '我要提前还款')])\n"
            "print(r[0].score > r[1].score, simcalc.get_scorer('mgf').describe()['backend'], 'torch' in sys.modules)")
    assert _run_default_backend(code) == ["True", "numpy", "False"]


def test_backend_choice_option_and_environment(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert choose_backend(None) == "numpy" and choose_backend("auto", "cuda") == "torch"
    assert choose_backend("torch") == "torch"
    monkeypatch.setenv(BACKEND_ENV, "torch")
    assert choose_backend(None) == "torch" and choose_backend("numpy") == "numpy"
    with pytest.raises(ScorerUnavailableError, match="unknown neural backend 'onnx'"):
        choose_backend("onnx")
    with pytest.raises(ScorerUnavailableError, match="CPU only"):
        choose_backend("numpy", "cuda")


def test_numpy_scorer_keeps_the_blas_thread_count():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    scorer = simcalc.get_scorer("cvlstm", threads=1)
    scorer.score("如何还款", "怎么还钱")
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    assert after == before and scorer.describe()["backend"] == "numpy"


def test_shipped_scorers_work_where_torch_cannot_be_imported():
    code = ("import sys\n"
            "sys.modules['torch'] = None  # any `import torch` now fails\n"
            "import simcalc\n"
            "for name in ('cvlstm', 'mgf'):\n"
            "    r = simcalc.get_scorer(name).score('怎么开通花呗', '花呗如何开通')\n"
            "    print(name, r.label)\n")
    assert _run_default_backend(code) == ["cvlstm", "1", "mgf", "1"]
