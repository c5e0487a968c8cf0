"""The re2 cross-attention member: a tiny model trained for seconds on generated pairs; numpy inference
equals torch's; scores do not depend on batch padding or on the order of the two sentences; the training
mix keeps out the general config's AFQMC fitting sample; resuming refuses other settings."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simcalc.errors import InputFormatError  # noqa: E402
from simcalc.neural.re2_mix import afqmc_unfitted, swap_roles, write_tsv  # noqa: E402

WORDS = ["花呗", "借呗", "怎么", "开通", "还款", "提前", "额度", "为什么", "不能", "银行卡", "逾期", "利息", "我", "你"]
TINY = {"emb_dim": 16, "hidden": 12, "blocks": 2, "enc_layers": 2, "epochs": 2, "w2v_epochs": 1, "batch_size": 32,
        "min_count": 1}


def _pairs(n: int, seed: int) -> list[tuple[str, str, str]]:
    """Similar = the same words (maybe one added); not similar = other words."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a = "".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.5:
            rows.append((a, a + (rng.choice(WORDS) if rng.random() < 0.5 else ""), "1"))
        else:
            rows.append((a, "".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))), "0"))
    return rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    from simcalc.neural.re2_training import train_re2

    root = tmp_path_factory.mktemp("re2")
    write_tsv(_pairs(400, 0), root / "train.tsv")
    write_tsv(_pairs(100, 1), root / "dev.tsv")
    torch.manual_seed(0)
    with torch.random.fork_rng():
        torch.set_num_threads(1)
        metrics = train_re2(root / "train.tsv", root / "dev.tsv", root / "model", **TINY)
    assert len(metrics["history"]) == 2
    return root


def test_tiny_model_learns_the_fixture(trained):
    from simcalc.neural.re2_training import train_re2

    metrics = train_re2(trained / "train.tsv", trained / "dev.tsv", trained / "more", **{**TINY, "epochs": 6})
    assert metrics["best_dev_accuracy"] > 0.75  # chance is about 0.5


def test_numpy_equals_torch_and_ignores_padding_and_order(trained):
    from simcalc.neural.re2_scorer import RE2Scorer

    pairs = [(a, b) for a, b, _ in _pairs(120, 2)] + [("还" * 80, "还款"), ("借", "借")]
    fast = RE2Scorer(model=trained / "model", backend="numpy", threads=1)
    reference = RE2Scorer(model=trained / "model", backend="torch", threads=1)
    got = np.array([r.score for r in fast.score_batch(pairs)])
    expected = np.array([r.score for r in reference.score_batch(pairs)])
    assert np.abs(got - expected).max() < 1e-5
    one_by_one = np.array([fast.score(a, b).score for a, b in pairs[:20]])
    assert np.abs(one_by_one - got[:20]).max() < 1e-5  # no dependence on the other pairs' lengths
    swapped = np.array([r.score for r in fast.score_batch([(b, a) for a, b in pairs])])
    assert np.abs(swapped - got).max() < 1e-5
    assert any("read only the first" in w for w in fast.score(*pairs[-2]).warnings)
    assert 0.0 <= got.min() and got.max() <= 1.0 and got.std() > 0


def test_registered_scorer_takes_a_model_folder(trained):
    from simcalc import registry

    scorer = registry.create("re2", model=str(trained / "model"), threads=1)
    result = scorer.score("怎么开通花呗", "花呗怎么开通")
    assert result.scorer == "re2" and "probability" in result.details


def test_resume_refuses_other_settings(trained):
    from simcalc.neural.re2_training import train_re2

    with pytest.raises(InputFormatError, match="cannot resume"):
        train_re2(trained / "train.tsv", trained / "dev.tsv", trained / "model", **{**TINY, "hidden": 8})


def test_resume_continues_where_it_stopped(trained, tmp_path):
    from simcalc.neural.re2_training import train_re2

    straight = train_re2(trained / "train.tsv", trained / "dev.tsv", tmp_path / "a", **{**TINY, "epochs": 3, "parts": 2})
    train_re2(trained / "train.tsv", trained / "dev.tsv", tmp_path / "b", **{**TINY, "epochs": 3, "parts": 2, "max_minutes": 1e-9})
    resumed = train_re2(trained / "train.tsv", trained / "dev.tsv", tmp_path / "b", **{**TINY, "epochs": 3, "parts": 2})
    assert [h["train_loss"] for h in resumed["history"]] == pytest.approx([h["train_loss"] for h in straight["history"]])


def test_mix_leaves_out_the_fitting_sample_and_swaps_roles():
    rows = [(str(i), str(i), "0") for i in range(34334)]
    kept = afqmc_unfitted(rows)
    taken = set(np.random.default_rng(0).choice(34334, size=10000, replace=False).tolist())
    assert len(kept) == 34334 - 10000 and not any(int(a) in taken for a, _, _ in kept)
    assert swap_roles("我借给他", np.random.default_rng(0)) == "他借给我"
    assert swap_roles("他给我打电话", np.random.default_rng(0)) == "我给他打电话"
    assert swap_roles("怎么还款", np.random.default_rng(0)) is None


def test_shipped_model_scores_as_torch_and_tells_paraphrase_from_role_swap():
    from simcalc.neural.re2_scorer import RE2Scorer
    from simcalc.resources import project_data_path

    try:
        project_data_path("models/re2-bq-afqmc")
    except Exception:
        pytest.skip("the shipped re2 model is not in this checkout")
    pairs = [(a, b) for a, b, _ in _pairs(200, 3)] + [("我借给他", "他借给我"), ("花呗怎么开通", "怎么开通花呗")]
    fast, reference = RE2Scorer(backend="numpy", threads=1), RE2Scorer(backend="torch", threads=1)
    got = np.array([r.score for r in fast.score_batch(pairs)])
    expected = np.array([r.score for r in reference.score_batch(pairs)])
    assert np.abs(got - expected).max() < 1e-5
    assert fast.score("花呗怎么开通", "怎么开通花呗").score > fast.score("花呗怎么开通", "借呗额度怎么提高").score


def test_cli_trains_re2_and_refuses_what_it_does_not_take(tmp_path):
    import json

    from click.testing import CliRunner

    from simcalc import cli

    write_tsv(_pairs(200, 2), tmp_path / "train.tsv")
    write_tsv(_pairs(60, 3), tmp_path / "dev.tsv")
    args = ["train", "re2", "--train", str(tmp_path / "train.tsv"), "--dev", str(tmp_path / "dev.tsv"),
            "--out", str(tmp_path / "run")]
    tiny = ["--emb-dim", "16", "--hidden", "12", "--epochs", "1", "--batch-size", "32"]
    wrong = CliRunner().invoke(cli.main, args + tiny + ["--loss", "bce"])
    assert wrong.exit_code != 0 and "re2 does not take --loss" in wrong.output
    run = CliRunner().invoke(cli.main, args + tiny + ["--json"])
    assert run.exit_code == 0, run.output
    metrics = json.loads(run.output)
    assert len(metrics["history"]) == 1 and (tmp_path / "run" / "model.safetensors").exists()
    afresh = CliRunner().invoke(cli.main, args + tiny + ["--no-resume"])
    assert afresh.exit_code != 0 and "new --out folder" in afresh.output
