"""Tiny training runs: the loss goes down, a toy set is fitted, seeds reproduce, checkpoints round-trip."""
from __future__ import annotations

import json
import random

import pytest

torch = pytest.importorskip("torch")

from simcalc.neural.checkpoint import load_checkpoint  # noqa: E402
from simcalc.neural.device import select_device  # noqa: E402
from simcalc.neural.scorers import CVLSTMScorer, MGFScorer  # noqa: E402
from simcalc.neural.training import train_model  # noqa: E402
from simcalc.errors import InputFormatError, ScorerUnavailableError  # noqa: E402

GROUPS = [("怎么开通花呗", "花呗如何开通"), ("如何还款", "怎么还钱"), ("借款利息多少", "利率是多少"),
          ("额度怎么提高", "怎样提升额度")]
TINY = {"emb_dim": 16, "hidden": 16, "min_count": 1, "w2v_epochs": 1, "progress": False, "threads": 1,
        "device": "cpu"}


def _write_pairs(path, n=160, seed=0):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        g = rng.randrange(len(GROUPS))
        if rng.random() < 0.5:
            a, b = GROUPS[g]
            rows.append((a, b, 1) if rng.random() < 0.5 else (b, a, 1))
        else:
            h = rng.choice([i for i in range(len(GROUPS)) if i != g])
            rows.append((rng.choice(GROUPS[g]), rng.choice(GROUPS[h]), 0))
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return _write_pairs(tmp_path_factory.mktemp("toy") / "toy.tsv")


@pytest.fixture(scope="module")
def mgf_run(toy, tmp_path_factory):
    out = tmp_path_factory.mktemp("mgf")
    return out, train_model("mgf", str(toy), str(toy), str(out), epochs=15, batch_size=32, lr=0.01, dropout=0.1, **TINY)


def test_mgf_training_lowers_loss_and_fits_toy_set(mgf_run):
    _, metrics = mgf_run
    history = metrics["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert metrics["best_dev_accuracy"] >= 0.95


def test_cvlstm_training_lowers_loss_and_fits_toy_set(toy, tmp_path):
    metrics = train_model("cvlstm", str(toy), str(toy), str(tmp_path), epochs=30, batch_size=16,
                          optimizer="adam", lr=0.02, **TINY)
    assert metrics["history"][-1]["train_loss"] < metrics["history"][0]["train_loss"]
    assert metrics["best_dev_accuracy"] >= 0.95


def test_save_load_gives_identical_scores(mgf_run):
    out, _ = mgf_run
    pairs = [("怎么开通花呗", "花呗如何开通"), ("如何还款", "额度怎么提高")]
    first = [r.score for r in MGFScorer(model=str(out)).score_batch(pairs)]
    second = [r.score for r in MGFScorer(model=str(out)).score_batch(pairs)]
    assert first == second
    config, vocabs, model = load_checkpoint(out)
    assert config["kind"] == "mgf" and set(vocabs) == {"char", "word"}
    assert 0.0 < config["threshold"] < 1.0


def test_scores_separate_toy_pairs_and_use_dev_threshold(mgf_run):
    out, metrics = mgf_run
    scorer = MGFScorer(model=str(out))
    same, different = scorer.score_batch([("如何还款", "怎么还钱"), ("如何还款", "利率是多少")])
    assert same.score > different.score
    assert scorer.threshold == pytest.approx(metrics["threshold"])
    assert set(same.details) >= {"probability", "logit_parts", "stream_cosine"}
    parts = same.details["logit_parts"]
    assert parts["dense_path"] + parts["dot_product_C3"] == pytest.approx(same.details["logit"], abs=1e-5)


def test_fixed_seed_gives_identical_weights_on_cpu(toy, tmp_path):
    from safetensors.torch import load_file

    opts = dict(epochs=2, batch_size=32, seed=7, **TINY)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "a"), **opts)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "b"), **opts)
    wa, wb = load_file(str(tmp_path / "a" / "model.safetensors")), load_file(str(tmp_path / "b" / "model.safetensors"))
    assert wa.keys() == wb.keys()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "c"), **{**opts, "seed": 8})
    wc = load_file(str(tmp_path / "c" / "model.safetensors"))
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)


def test_resume_continues_from_saved_state(toy, tmp_path):
    train_model("cvlstm", str(toy), str(toy), str(tmp_path), epochs=1, **TINY)
    metrics = train_model("cvlstm", str(toy), str(toy), str(tmp_path), epochs=2, **TINY)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    assert metrics["threshold"] is not None and metrics["vectors"]["char"]["vocab"] > 2
    saved = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert len(saved["history"]) == 2
    with pytest.raises(InputFormatError):
        train_model("cvlstm", str(toy), str(toy), str(tmp_path), epochs=2, **TINY)


def test_cnn_and_word_variants_train(toy, tmp_path):
    metrics = train_model("cvlstm", str(toy), str(toy), str(tmp_path), epochs=1, level="word", encoder="cnn",
                          filters=8, **TINY)
    assert metrics["history"][0]["train_loss"] > 0
    result = CVLSTMScorer(model=str(tmp_path)).score("怎么开通花呗", "花呗如何开通")
    assert result.details["variant"] == "WV-CNN" and 0.0 <= result.score <= 1.0


def test_bad_options_are_clear_errors(toy, tmp_path):
    with pytest.raises(InputFormatError):
        train_model("bert", str(toy), str(toy), str(tmp_path))
    with pytest.raises(InputFormatError):
        train_model("mgf", str(toy), str(toy), str(tmp_path), loss="pcl")
    with pytest.raises(InputFormatError):
        train_model("cvlstm", str(toy), str(toy), str(tmp_path), lerning_rate=1)
    with pytest.raises(InputFormatError):  # PCL needs 3 labels
        train_model("cvlstm", str(toy), str(toy), str(tmp_path), loss="pcl", **TINY)


def test_pcl_trains_on_three_labels(tmp_path):
    rows = [("如何还款", "怎么还钱", 2), ("如何还款", "还款日期", 1), ("如何还款", "额度怎么提高", 0)] * 10
    path = tmp_path / "three.tsv"
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows), encoding="utf-8")
    metrics = train_model("cvlstm", str(path), str(path), str(tmp_path / "m"), epochs=2, loss="pcl", **TINY)
    assert metrics["threshold"] is None and metrics["history"][-1]["dev_accuracy"] >= 0.0
    scores = CVLSTMScorer(model=str(tmp_path / "m")).score("如何还款", "怎么还钱")
    assert len(scores.details["class_probabilities"]) == 3


def test_device_selection_picks_cuda_only_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_device("auto").type == "cpu"
    with pytest.raises(ScorerUnavailableError):
        select_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device("auto").type == "cuda"
    assert select_device("cpu").type == "cpu"


def test_graded_or_missing_labels_stop_training_with_a_clear_error(tmp_path):
    graded = tmp_path / "graded.tsv"
    graded.write_text("sentence1\tsentence2\tlabel\n如何还款\t怎么还钱\t4.5\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="binarise"):
        train_model("cvlstm", str(graded), str(graded), str(tmp_path / "m"), **TINY)
    unlabelled = tmp_path / "unlabelled.tsv"
    unlabelled.write_text("sentence1\tsentence2\n如何还款\t怎么还钱\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="label"):
        train_model("cvlstm", str(unlabelled), str(unlabelled), str(tmp_path / "m"), **TINY)


def test_export_for_shipping_is_fp16_portable_and_scores_alike(mgf_run, tmp_path):
    from safetensors.torch import load_file

    from simcalc.neural.checkpoint import export_checkpoint

    out, _ = mgf_run
    target = export_checkpoint(out, tmp_path / "shipped")
    assert not (target / "train_state.pt").exists()
    weights = load_file(str(target / "model.safetensors"))
    assert all(v.dtype == torch.float16 for v in weights.values() if v.is_floating_point())
    metrics_text = (target / "metrics.json").read_text(encoding="utf-8")
    assert str(out) not in metrics_text and str(tmp_path) not in metrics_text
    pairs = [("怎么开通花呗", "花呗如何开通"), ("如何还款", "额度怎么提高")]
    full = [r.score for r in MGFScorer(model=str(out)).score_batch(pairs)]
    half = [r.score for r in MGFScorer(model=str(target)).score_batch(pairs)]
    assert half == pytest.approx(full, abs=5e-3)


def _state(directory):
    return torch.load(directory / "train_state.pt", map_location="cpu", weights_only=False)


def _same_run(a, b):
    """Same weights (bitwise), optimizer state, best epoch, threshold and per-epoch metrics."""
    sa, sb = _state(a), _state(b)
    assert sa["model"].keys() == sb["model"].keys()
    assert all(torch.equal(sa["model"][k], sb["model"][k]) for k in sa["model"])
    assert all(torch.equal(sa["best_model"][k], sb["best_model"][k]) for k in sa["best_model"])
    strip = [[{k: v for k, v in h.items() if k != "minutes"} for h in s["history"]] for s in (sa, sb)]
    assert strip[0] == strip[1]
    assert (sa["best_epoch"], sa["best_threshold"]) == (sb["best_epoch"], sb["best_threshold"])
    ca, cb = (json.loads((d / "config.json").read_text(encoding="utf-8")) for d in (a, b))
    assert ca == cb


def test_stopped_and_resumed_run_equals_uninterrupted_run(toy, tmp_path):
    opts = dict(batch_size=32, seed=3, **TINY)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "full"), epochs=3, **opts)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "parts"), epochs=1, **opts)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "parts"), epochs=3, **opts)
    _same_run(tmp_path / "full", tmp_path / "parts")


def test_run_killed_mid_epoch_resumes_to_the_same_result(toy, tmp_path, monkeypatch):
    opts = dict(batch_size=32, seed=5, epochs=3, **TINY)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "full"), **opts)
    real_clip, calls = torch.nn.utils.clip_grad_norm_, {"n": 0}

    def dies_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:  # 5 batches per epoch: the 3rd batch of epoch 2
            raise KeyboardInterrupt("simulated kill")
        return real_clip(*args, **kwargs)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", dies_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        train_model("mgf", str(toy), str(toy), str(tmp_path / "killed"), **opts)
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", real_clip)
    assert _state(tmp_path / "killed")["epoch"] == 1
    train_model("mgf", str(toy), str(toy), str(tmp_path / "killed"), **opts)
    _same_run(tmp_path / "full", tmp_path / "killed")
    assert not list((tmp_path / "killed").glob(".partial-*"))


def test_resume_with_other_settings_or_data_is_refused(toy, tmp_path):
    opts = dict(batch_size=32, **TINY)
    train_model("cvlstm", str(toy), str(toy), str(tmp_path / "m"), epochs=1, **opts)
    with pytest.raises(InputFormatError, match="lr"):
        train_model("cvlstm", str(toy), str(toy), str(tmp_path / "m"), epochs=2, lr=0.5, **opts)
    other = _write_pairs(tmp_path / "other.tsv", seed=9)
    with pytest.raises(InputFormatError, match="train or dev file changed"):
        train_model("cvlstm", str(other), str(toy), str(tmp_path / "m"), epochs=2, **opts)
    metrics = train_model("cvlstm", str(toy), str(toy), str(tmp_path / "m"), epochs=2,
                          **{**opts, "threads": 2})  # how to run may change
    assert len(metrics["history"]) == 2


def test_checkpoint_with_weights_of_another_epoch_is_refused_and_resume_repairs_it(toy, tmp_path):
    from simcalc.neural.checkpoint import ResourceNotFoundError

    opts = dict(batch_size=32, **TINY)
    out = tmp_path / "m"
    train_model("cvlstm", str(toy), str(toy), str(out), epochs=1, **opts)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["epoch"] == 1 and set(config["manifest"]) == {"model.safetensors", "vocab_char.json"}
    weights = (out / "model.safetensors").read_bytes()
    (out / "model.safetensors").write_bytes(weights[:-8] + bytes(8))  # as if a later save was cut short
    with pytest.raises(ResourceNotFoundError, match="does not match config.json"):
        load_checkpoint(out)
    train_model("cvlstm", str(toy), str(toy), str(out), epochs=2, patience=5, **opts)
    load_checkpoint(out)  # rewritten from train_state.pt, then trained on


def test_cosine_head_init_gives_every_seed_the_same_positive_slope():
    from simcalc.neural.checkpoint import Featurizer
    from simcalc.neural.models import build_model
    from simcalc.neural.tokens import Vocab, tokenize
    from simcalc.neural.training import _init_cosine_head

    sentences = [s for pair in GROUPS for s in pair]
    vocab = Vocab.build([tokenize(s, "char") for s in sentences])
    config = {"kind": "cvlstm", "level": "char", "encoder": "lstm", "emb_dim": 8, "hidden": 8, "dropout": 0.3,
              "filters": 8, "kernel": 3, "num_classes": 2, "max_chars": 16, "max_words": 8}
    featurizer = Featurizer(config, {"char": vocab})
    sample = [(featurizer.encode(a), featurizer.encode(b)) for a, b in GROUPS]
    heads = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        model = build_model(config, {"char": len(vocab)})
        info = _init_cosine_head(model, featurizer, sample, scale=10.0)
        w, b = model.classifier.weight.view(-1), model.classifier.bias
        assert float(w[1] - w[0]) == pytest.approx(10.0)  # similar ⇔ higher cosine
        assert float((w[1] - w[0]) * info["centre"] + b[1] - b[0]) == pytest.approx(0.0, abs=1e-3)  # centre is rounded
        assert model.training  # left in training mode
        heads.append(w.tolist())
    assert heads[0] == heads[1] == heads[2]


def test_lr_decay_goes_back_to_the_best_weights_at_a_smaller_rate(toy, tmp_path):
    opts = dict(batch_size=32, lr=0.01, dropout=0.1, seed=2, **TINY)
    metrics = train_model("mgf", str(toy), str(toy), str(tmp_path / "m"), epochs=6, lr_decay=0.5, **opts)
    history, best, lr = metrics["history"], -1.0, 0.01
    assert history[0]["lr"] == 0.01
    for before, after in zip(history, history[1:]):
        improved = before["dev_accuracy"] > best
        best = max(best, before["dev_accuracy"])
        lr = lr if improved else lr * 0.5
        assert after["lr"] == pytest.approx(lr)
    assert any(h["lr"] < 0.01 for h in history), "the toy run never hit a plateau: the test proves nothing"
    with pytest.raises(InputFormatError, match="lr_decay"):
        train_model("mgf", str(toy), str(toy), str(tmp_path / "bad"), epochs=1, lr_decay=1.5, **opts)


def test_lr_decay_run_stopped_and_resumed_equals_uninterrupted_run(toy, tmp_path):
    opts = dict(batch_size=32, lr=0.01, dropout=0.1, seed=2, lr_decay=0.5, **TINY)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "full"), epochs=5, **opts)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "parts"), epochs=3, **opts)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "parts"), epochs=5, **opts)
    _same_run(tmp_path / "full", tmp_path / "parts")
    assert any(h["lr"] < 0.01 for h in _state(tmp_path / "full")["history"])


def test_lr_decay_may_join_a_resumed_run_only_before_its_first_plateau(toy, tmp_path):
    from simcalc.neural.training import _plateaus

    opts = dict(batch_size=32, lr=0.01, dropout=0.1, seed=2, **TINY)
    # one epoch saved: a schedule added now acts exactly as if it had been set from the start
    train_model("mgf", str(toy), str(toy), str(tmp_path / "late"), epochs=1, **opts)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "late"), epochs=5, lr_decay=0.5, **opts)
    train_model("mgf", str(toy), str(toy), str(tmp_path / "full"), epochs=5, lr_decay=0.5, **opts)
    _same_run(tmp_path / "full", tmp_path / "late")
    # after a plateau the schedule would have changed the saved epochs: refused
    train_model("mgf", str(toy), str(toy), str(tmp_path / "flat"), epochs=5, **opts)
    assert _plateaus(_state(tmp_path / "flat")["history"]) > 0
    with pytest.raises(InputFormatError, match="lr_decay"):
        train_model("mgf", str(toy), str(toy), str(tmp_path / "flat"), epochs=6, lr_decay=0.5, **opts)
