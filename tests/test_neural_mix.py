"""The general training mix: deterministic, never reads a test split, held-out parts disjoint from training."""
from __future__ import annotations

import json

import pytest

from simcalc.neural import mix

#: file -> (rows, label for row i)
FILES = {
    "bq_corpus/train.tsv": (300, lambda i: str(i % 2)),
    "bq_corpus/dev.tsv": (60, lambda i: str(i % 2)),
    "bq_corpus/test.tsv": (60, lambda i: str(i % 2)),
    "afqmc/train.tsv": (200, lambda i: str(int(i % 3 == 0))),
    "afqmc/dev.tsv": (40, lambda i: str(i % 2)),
    "cnsd_sts_b/train.tsv": (90, lambda i: str(i % 6)),
    "cnsd_sts_b/dev.tsv": (40, lambda i: str(i % 6)),
    "chinesests/train.tsv": (100, lambda i: f"{(i % 2) * 5:.1f}"),
    "qbqtc/dev.tsv": (120, lambda i: str(i % 3)),
    "qbqtc/test.tsv": (30, lambda i: str(i % 3)),
    "pawsx_zh/dev.tsv": (50, lambda i: str(i % 2)),
    "lcqmc/dev.tsv": (80, lambda i: str(i % 2)),
    "lcqmc/test.tsv": (50, lambda i: str(i % 2)),
}


def _sentence(file: str, i: int, side: str) -> str:
    return f"{file.replace('/', '_')}第{i}句{side}"


@pytest.fixture
def data(tmp_path, monkeypatch):
    root = tmp_path / "data"
    for file, (n, label) in FILES.items():
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("sentence1\tsentence2\tlabel\n" + "".join(
            f"{_sentence(file, i, '甲')}\t{_sentence(file, i, '乙')}\t{label(i)}\n" for i in range(n)), encoding="utf-8")
    monkeypatch.setenv("SIMCALC_DATA_DIR", str(root))
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(tmp_path / "cache"))  # its own ChineseSTS split cache
    monkeypatch.setattr(mix, "CAP", 100)
    monkeypatch.setattr(mix, "FLOOR", 60)
    monkeypatch.setattr(mix, "DEV_CAP", 15)
    return root


def _rows(path):
    return [tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_same_data_gives_byte_identical_files(data, tmp_path):
    first = mix.write_mix(data, tmp_path / "a")
    second = mix.write_mix(data, tmp_path / "b")
    assert first["sha256"] == second["sha256"]
    for name in ("cnsd", "qbqtc", "pawsx", "lcqmc"):
        assert (tmp_path / "a/holdout" / f"{name}.tsv").read_bytes() == (tmp_path / "b/holdout" / f"{name}.tsv").read_bytes()


def test_no_test_split_row_reaches_any_output(data, tmp_path):
    mix.write_mix(data, tmp_path / "m")
    written = {s for path in (tmp_path / "m").rglob("*.tsv") for row in _rows(path) for s in row[:2]}
    assert written
    for file in ("bq_corpus/test.tsv", "lcqmc/test.tsv", "qbqtc/test.tsv", "afqmc/dev.tsv"):
        assert not any(s.startswith(file.replace("/", "_")) for s in written), file
    # the ChineseSTS test part (the project's one split) is not used either
    from simcalc.datasets import chinesests_split

    test_part = {s for row in _rows(chinesests_split()["test"]) for s in row[:2]}
    assert test_part and not test_part & written


def test_the_mix_refuses_to_read_a_test_split(data):
    for file in mix.FORBIDDEN:
        with pytest.raises(ValueError, match="test split"):
            mix._resolve(data, file)


def test_held_out_parts_are_disjoint_from_train_and_dev_and_keep_original_labels(data, tmp_path):
    summary = mix.write_mix(data, tmp_path / "m")
    used = {row[:2] for name in ("train.tsv", "dev.tsv") for row in _rows(tmp_path / "m" / name)}
    for name in ("cnsd", "qbqtc", "pawsx", "lcqmc"):
        held = _rows(tmp_path / "m/holdout" / f"{name}.tsv")
        assert held and not {row[:2] for row in held} & used, name
        assert summary["counts"][name]["holdout"] == len(held)
    qbqtc_labels = {row[2] for row in _rows(tmp_path / "m/holdout/qbqtc.tsv")}
    assert qbqtc_labels == {"0", "1", "2"}  # 3-class kept for reporting
    assert len(_rows(tmp_path / "m/holdout/pawsx.tsv")) == 25  # half of PAWS-X dev


def test_labels_are_binary_and_domains_balanced(data, tmp_path):
    summary = mix.write_mix(data, tmp_path / "m")
    for name in ("train.tsv", "dev.tsv"):
        assert {row[2] for row in _rows(tmp_path / "m" / name)} == {"0", "1"}
    counts = summary["counts"]
    assert counts["bq"]["train"] == 100  # capped
    assert counts["pawsx"]["train"] == 60  # 20 rows upsampled to the floor
    assert all(c["dev"] <= 15 for c in counts.values())
    # QBQTC grade 1 is dropped from train/dev, grade 2 is the positive class
    qbqtc_train = [r for r in _rows(tmp_path / "m/train.tsv") if r[0].startswith("qbqtc")]
    source = {_sentence("qbqtc/dev.tsv", i, "甲"): FILES["qbqtc/dev.tsv"][1](i) for i in range(120)}
    assert qbqtc_train and all({"0": "0", "2": "1"}[source[a]] == y for a, _, y in qbqtc_train)
    assert json.loads((tmp_path / "m/mix.json").read_text(encoding="utf-8"))["train_pairs"] == summary["train_pairs"]


def test_resize_repeats_whole_copies_before_sampling():
    rows = [(str(i), str(i), "1") for i in range(4)]
    out = mix.resize(rows, 10, "k")
    assert out[:8] == rows * 2 and len(set(out[8:])) == 2
    assert mix.resize(rows, 10, "k") == out
    assert mix.train_target(10) == min(mix.CAP, max(10, min(mix.FLOOR, mix.UPSAMPLE * 10)))


def test_general_table_scores_every_reported_set_once(data, tmp_path):
    """`evaluate --general` reads the test splits and the mix's held-out parts, nothing it trained on."""
    torch = pytest.importorskip("torch")
    from simcalc.neural.checkpoint import save_checkpoint
    from simcalc.neural.evaluate import GENERAL_SETS, format_general_table, general_benchmark
    from simcalc.neural.models import build_model
    from simcalc.neural.tokens import Vocab, tokenize

    mix.write_mix(data, tmp_path / "m")
    config = {"format": 1, "kind": "cvlstm", "emb_dim": 8, "hidden": 8, "dropout": 0.0, "max_chars": 32,
              "max_words": 6, "min_count": 1, "num_classes": 2, "threshold": 0.5, "level": "char",
              "encoder": "lstm", "filters": 8, "kernel": 3}
    vocab = Vocab.build([tokenize(a, "char") for a, _, _ in _rows(tmp_path / "m/train.tsv")])
    torch.manual_seed(0)
    model = build_model(config, {"char": len(vocab)})
    directory = save_checkpoint(tmp_path / "ckpt", config, {"char": vocab}, model)
    result = general_benchmark("cvlstm", str(directory), tmp_path / "m")
    expected = {"BQ test": 60, "LCQMC test": 50, "AFQMC dev": 40, "CNSD dev held-out": 20,
                "PAWS-X dev held-out": 25, "QBQTC dev held-out": 36, "ChineseSTS test": 20}
    assert {name: result[name]["pairs"] for name, _, _ in GENERAL_SETS} == expected
    assert all(-100 <= result[name]["spearman"] <= 100 for name, _, task in GENERAL_SETS if task == "graded")
    table = format_general_table({"a": result, "b": result}).splitlines()
    assert len(table) == 4 and table[2].startswith("| a |")
