"""hf-cross / hf-bi: tiny random BERTs built here (2 layers, hidden 32, a vocabulary written by the test).

No download and no real weights: the tests check loading, offline errors, scoring, batching,
truncation, FAQ encoding, the ensemble, and fine-tuning for a few steps with resumption.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from simcalc import registry  # noqa: E402
from simcalc.errors import InputFormatError, ResourceNotFoundError  # noqa: E402

CHARS = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 300)) + "花呗借开通还款怎么如何额度吗？我的了是不"


def _tokenizer(folder: Path):
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(dict.fromkeys(CHARS))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), tokenize_chinese_chars=True)
    return tokenizer, len(vocab)


def _config(vocab_size: int, num_labels: int = 2):
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=64, max_position_embeddings=64, num_labels=num_labels)


def build_cross(folder: Path, num_labels: int = 2, seed: int = 0) -> Path:
    import torch
    from transformers import BertForSequenceClassification

    tokenizer, size = _tokenizer(folder)
    torch.manual_seed(seed)
    BertForSequenceClassification(_config(size, num_labels)).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def build_bi(folder: Path, pooling: str = "mean", seed: int = 0) -> Path:
    """A sentence-transformers-style folder: modules.json + 1_Pooling/config.json, model at the root."""
    import torch
    from transformers import BertModel

    tokenizer, size = _tokenizer(folder)
    torch.manual_seed(seed)
    BertModel(_config(size)).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 32, "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": pooling == "max"}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 48}))
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {"cross": build_cross(root / "cross"), "cross3": build_cross(root / "cross3", num_labels=3),
            "bi": build_bi(root / "bi")}


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CHARS) for _ in range(n))


def test_importing_simcalc_does_not_import_transformers():
    code = "import simcalc, simcalc.registry, simcalc.cli; import sys; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registered_under_both_spellings():
    assert registry.canonical("hf-cross") == "hf-cross"
    assert registry.canonical("HF_BI") == "hf-bi"


def test_missing_folder_and_files_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("SIMCALC_HF_CROSS_MODEL", raising=False)
    with pytest.raises(ResourceNotFoundError, match="--model PATH or set SIMCALC_HF_CROSS_MODEL"):
        registry.create("hf-cross")
    with pytest.raises(ResourceNotFoundError, match="does not exist"):
        registry.create("hf-cross", model=str(tmp_path / "nowhere"))
    with pytest.raises(ResourceNotFoundError, match="does not exist"):
        registry.create("hf-cross", model="IDEA-CCNL/Erlangshen-Roberta-110M-Similarity")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ResourceNotFoundError, match=r"lacks config\.json; weights .*; tokenizer files"):
        registry.create("hf-bi", model=str(empty))


def test_folder_without_tokenizer_names_it(models, tmp_path):
    import shutil

    copy = shutil.copytree(models["cross"], tmp_path / "no-tok")
    for name in ("vocab.txt", "tokenizer.json"):
        (copy / name).unlink()
    with pytest.raises(ResourceNotFoundError, match="tokenizer files .*vocab.txt"):
        registry.create("hf-cross", model=str(copy))


def test_cross_scores_batches_like_single_pairs(models):
    scorer = registry.create("hf-cross", model=str(models["cross"]), threads=1, device="cpu", batch_size=3)
    rng = random.Random(0)
    pairs = [(_sentence(rng, rng.randint(2, 20)), _sentence(rng, rng.randint(2, 20))) for _ in range(11)]
    batch = scorer.score_batch(pairs)
    single = [scorer.score(a, b) for a, b in pairs]
    assert [r.score for r in batch] == pytest.approx([r.score for r in single], abs=1e-5)
    assert all(0.0 <= r.score <= 1.0 and r.label in (0, 1) for r in batch)
    assert batch[0].details["probability"] == pytest.approx(batch[0].score, abs=1e-6)
    assert len({round(r.score, 6) for r in batch}) > 1  # the model reads the text
    assert scorer.describe()["num_labels"] == 2


def test_three_class_head_gives_expected_grade(models):
    scorer = registry.create("hf-cross", model=str(models["cross3"]), threads=1, device="cpu")
    result = scorer.score("花呗怎么开通", "如何开通花呗")
    probs = result.details["class_probabilities"]
    assert len(probs) == 3 and sum(probs) == pytest.approx(1.0, abs=1e-5)
    assert result.score == pytest.approx((probs[1] + 2 * probs[2]) / 2, abs=1e-5)


def test_truncation_warns(models):
    scorer = registry.create("hf-cross", model=str(models["cross"]), threads=1, device="cpu", max_length=16)
    long, short = "花呗" * 20, "借呗"
    result = scorer.score(long, short)
    assert any("read only 16" in w for w in result.warnings)
    assert not scorer.score("花呗", "借呗").warnings
    # the model's position limit (64) caps a larger request
    assert registry.create("hf-cross", model=str(models["cross"]), device="cpu", max_length=1000).max_length == 64


def test_bi_encoder_cosine_encode_once_and_pooling(models):
    scorer = registry.create("hf-bi", model=str(models["bi"]), threads=1, device="cpu", batch_size=2)
    assert scorer.pooling == "mean" and scorer.max_length == 48  # from sentence_bert_config.json
    same = scorer.score("花呗怎么开通", "花呗怎么开通")
    assert same.score == pytest.approx(1.0, abs=1e-5)
    faq = ["花呗怎么开通", "借呗额度", "怎么还款", "我的花呗"]
    encoded = scorer.encode(faq)
    ranked = scorer.score_encoded(scorer.encode(["如何开通花呗"]), encoded.take([2, 0]))
    direct = scorer.score_batch([("如何开通花呗", "怎么还款"), ("如何开通花呗", "花呗怎么开通")])
    assert [r.score for r in ranked] == pytest.approx([r.score for r in direct], abs=1e-5)
    assert all(-1.0 <= r.score <= 1.0 for r in direct)
    long = scorer.score("花" * 60, "借呗")
    assert any("sentence1 has 62 tokens" in w for w in long.warnings)


def test_bi_match_through_candidate_index(models):
    from simcalc.rank import CandidateIndex

    scorer = registry.create("hf-bi", model=str(models["bi"]), threads=1, device="cpu")
    faq = ["花呗怎么开通", "借呗额度", "怎么还款"]
    index = CandidateIndex(scorer, faq)
    top = index.rank(faq[1], top_k=3)
    assert top[0].text == faq[1] and top[0].score == pytest.approx(1.0, abs=1e-5)


def _pair_file(path: Path, n: int, seed: int, classes: int = 2) -> Path:
    """Learnable pairs: label 1 when both sentences share their first character."""
    rng = random.Random(seed)
    lines = ["sentence1\tsentence2\tlabel"]
    for _ in range(n):
        a = _sentence(rng, rng.randint(3, 8))
        label = rng.randrange(classes)
        b = (a[0] if label else rng.choice(CHARS.replace(a[0], ""))) + _sentence(rng, rng.randint(2, 7))
        lines.append(f"{a}\t{b}\t{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fine_tune_resume_and_score(models, tmp_path):
    from simcalc.neural.hf_training import train_hf

    train, dev = _pair_file(tmp_path / "train.tsv", 48, 1), _pair_file(tmp_path / "dev.tsv", 24, 2)
    options = dict(init=str(models["cross"]), batch_size=8, lr=1e-3, threads=1, device="cpu", progress=False,
                   patience=5)
    straight = train_hf(str(train), str(dev), str(tmp_path / "a"), epochs=2, **options)
    first = train_hf(str(train), str(dev), str(tmp_path / "b"), epochs=1, **options)
    resumed = train_hf(str(train), str(dev), str(tmp_path / "b"), epochs=2, **options)
    assert len(first["history"]) == 1 and len(resumed["history"]) == 2
    assert [h["train_loss"] for h in resumed["history"]] == pytest.approx(
        [h["train_loss"] for h in straight["history"]], rel=1e-5)
    meta = json.loads((tmp_path / "a" / "simcalc.json").read_text())
    assert meta["kind"] == "hf-cross" and meta["epoch"] == straight["best_epoch"]
    scorer = registry.create("hf-cross", model=str(tmp_path / "a"), device="cpu", threads=1)
    assert scorer.threshold == pytest.approx(meta["threshold"])
    assert scorer.num_labels == 1  # bce: a 1-logit head replaced the 2-class one
    with pytest.raises(InputFormatError, match="cannot resume"):
        train_hf(str(train), str(dev), str(tmp_path / "b"), epochs=3, **{**options, "lr": 5e-4})
    with pytest.raises(InputFormatError, match="nothing to train"):
        train_hf(str(train), str(dev), str(tmp_path / "b"), epochs=2, **options)


def test_fine_tune_with_pcl_on_three_classes(models, tmp_path):
    from simcalc.neural.hf_training import train_hf

    train = _pair_file(tmp_path / "train.tsv", 30, 3, classes=3)
    dev = _pair_file(tmp_path / "dev.tsv", 12, 4, classes=3)
    metrics = train_hf(str(train), str(dev), str(tmp_path / "out"), init=str(models["cross3"]), loss="pcl",
                       epochs=1, batch_size=8, threads=1, device="cpu", progress=False)
    assert metrics["loss"] == "pcl" and metrics["threshold"] is None
    result = registry.create("hf-cross", model=str(tmp_path / "out"), device="cpu").score("花呗", "借呗")
    assert len(result.details["class_probabilities"]) == 3
    with pytest.raises(InputFormatError, match="PCL"):
        train_hf(str(_pair_file(tmp_path / "bin.tsv", 10, 5)), str(_pair_file(tmp_path / "bdev.tsv", 10, 6)),
                 str(tmp_path / "x"),
                 init=str(models["cross"]), loss="pcl", epochs=1, progress=False)


def test_cli_compare_train_and_ensemble(models, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from simcalc.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["compare", "花呗怎么开通", "如何开通花呗", "--scorer", "hf-cross",
                               "--model", str(models["cross"]), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["scorer"] == "hf-cross"
    out = runner.invoke(main, ["compare", "花呗", "借呗", "--scorer", "hf-cross", "--model", str(tmp_path / "none")])
    assert out.exit_code == 2 and "does not exist" in out.output
    train, dev = _pair_file(tmp_path / "train.tsv", 16, 6), _pair_file(tmp_path / "dev.tsv", 40, 7)
    out = runner.invoke(main, ["train", "hf-cross", "--init", str(models["cross"]), "--train", str(train),
                               "--dev", str(dev), "--out", str(tmp_path / "run"), "--epochs", "1",
                               "--batch-size", "8", "--device", "cpu", "--max-length", "32", "--json"])
    assert out.exit_code == 0, out.output
    assert json.JSONDecoder().raw_decode(out.output, out.output.index("{"))[0]["best_epoch"] == 1
    out = runner.invoke(main, ["train", "mgf", "--init", str(models["cross"]), "--train", str(train),
                               "--dev", str(dev), "--out", str(tmp_path / "mgf")])
    assert out.exit_code == 2 and "--init" in out.output
    # an ensemble of the fine-tuned model and a lexical scorer: the env var supplies the folder
    monkeypatch.setenv("SIMCALC_HF_CROSS_MODEL", str(tmp_path / "run"))
    out = runner.invoke(main, ["fit-ensemble", "--dev", str(dev), "--out", str(tmp_path / "ens.toml"),
                               "--members", "levenshtein,hf-cross", "--quiet", "--json"])
    assert out.exit_code == 0, out.output
    assert "hf-cross" in json.loads(out.output)["members"]
    out = runner.invoke(main, ["compare", "花呗怎么开通", "如何开通花呗", "--scorer", "ensemble",
                               "--config", str(tmp_path / "ens.toml"), "--json"])
    assert out.exit_code == 0, out.output
    by_env = json.loads(out.output)
    assert set(by_env["details"]["members"]) >= {"hf-cross", "levenshtein"}
    # or the config names the folder (relative to the config file), with no environment variable
    monkeypatch.delenv("SIMCALC_HF_CROSS_MODEL")
    toml = (tmp_path / "ens.toml").read_text(encoding="utf-8")
    head, _, tail = toml.partition("[members.hf-cross]")
    (tmp_path / "pinned.toml").write_text(head + "[members.hf-cross]" + tail.replace(
        "options = {}", 'options = { model = "run" }', 1), encoding="utf-8")
    out = runner.invoke(main, ["compare", "花呗怎么开通", "如何开通花呗", "--scorer", "ensemble",
                               "--config", str(tmp_path / "pinned.toml"), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["score"] == pytest.approx(by_env["score"])
    assert "left_out" not in json.loads(out.output)["details"] or not json.loads(out.output)["details"]["left_out"]


def test_unknown_script_warns(models):
    cross = registry.create("hf-cross", model=str(models["cross"]), device="cpu", threads=1)
    assert any("unknown to the hf-cross" in w for w in cross.score("สวัสดีครับ", "привет мир").warnings)
    assert not any("unknown" in w for w in cross.score("花呗怎么开通", "如何开通花呗").warnings)
    bi = registry.create("hf-bi", model=str(models["bi"]), device="cpu", threads=1)
    warnings = bi.score("花呗怎么开通", "привет мир").warnings
    assert [w.split(" ")[5] for w in warnings if "unknown" in w] == ["sentence2"]


def _rule_file(path: Path, n: int, seed: int) -> Path:
    """Pairs whose label is whether sentence2 ends in 是 (else 不): learnable from the tokens alone."""
    rng = random.Random(seed)
    lines = ["sentence1\tsentence2\tlabel"]
    for _ in range(n):
        label = rng.randrange(2)
        lines.append(f"{_sentence(rng, rng.randint(3, 8))}\t{_sentence(rng, rng.randint(2, 6))}{'是' if label else '不'}"
                     f"\t{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fine_tuning_learns_and_the_scorer_agrees_with_training(models, tmp_path):
    from simcalc.evaluate import binary_metrics
    from simcalc.neural.hf_training import train_hf

    train, dev = _rule_file(tmp_path / "train.tsv", 64, 1), _rule_file(tmp_path / "dev.tsv", 32, 2)
    metrics = train_hf(str(train), str(dev), str(tmp_path / "out"), init=str(models["cross"]), epochs=4,
                       batch_size=8, lr=3e-3, threads=1, device="cpu", progress=False)
    assert metrics["history"][0]["dev_accuracy"] < 0.9 <= metrics["best_dev_accuracy"]  # it learned
    scorer = registry.create("hf-cross", model=str(tmp_path / "out"), device="cpu", threads=1)
    rows = [line.split("\t") for line in dev.read_text(encoding="utf-8").splitlines()[1:]]
    results = scorer.score_batch([(a, b) for a, b, _ in rows])
    import numpy as np

    got = binary_metrics(np.array([r.score for r in results]), np.array([int(y) for *_, y in rows]), scorer.threshold)
    assert got["accuracy"] == pytest.approx(metrics["best_dev_accuracy"])


def test_serve_compare_explain_and_rank(models, tmp_path, monkeypatch):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from simcalc.server import ServerSettings, create_app

    monkeypatch.setenv("SIMCALC_HF_CROSS_MODEL", str(models["cross"]))
    monkeypatch.setenv("SIMCALC_HF_BI_MODEL", str(models["bi"]))
    faq = tmp_path / "faq.txt"
    faq.write_text("花呗怎么开通\n借呗额度\n怎么还款\n", encoding="utf-8")
    settings = ServerSettings(scorers=("hf-cross", "hf-bi"), configs=(), view=False, faq=str(faq))
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        assert {health["scorers"][k]["status"] for k in ("hf-cross", "hf-bi")} == {"ready"}
        got = client.post("/compare", json={"sentence1": "花呗怎么开通", "sentence2": "如何开通花呗",
                                            "scorer": "hf-cross"}).json()
        want = registry.create("hf-cross", model=str(models["cross"])).score("花呗怎么开通", "如何开通花呗")
        assert got["score"] == pytest.approx(want.score, abs=1e-5) and got["label"] == want.label
        explained = client.post("/explain", json={"sentence1": "花呗", "sentence2": "借呗", "scorer": "hf-cross"})
        assert explained.status_code == 200, explained.text
        ranked = client.post("/rank", json={"query": "借呗额度", "top_k": 2, "scorer": "hf-bi"}).json()
        assert ranked["matches"][0]["text"] == "借呗额度"


def test_early_stopping_on_dev_accuracy(models, tmp_path):
    from simcalc.neural.hf_training import train_hf

    train, dev = _pair_file(tmp_path / "train.tsv", 16, 8), _pair_file(tmp_path / "dev.tsv", 16, 9)
    # lr 0: the weights never change, so no epoch after the first beats it
    metrics = train_hf(str(train), str(dev), str(tmp_path / "out"), init=str(models["cross"]), lr=0.0, epochs=6,
                       patience=2, batch_size=8, threads=1, device="cpu", progress=False)
    assert len(metrics["history"]) == 3 and metrics["best_epoch"] == 1
    assert metrics["stop_reason"].startswith("early stop")
