"""One ChineseSTS splitter (graded or binarised, same rows) and the neural table read from metrics.json."""
from __future__ import annotations

import json

import pytest

from simcalc.datasets import chinesests_split


@pytest.fixture
def tiny_chinesests(tmp_path, monkeypatch):
    rows = [(f"句子{i}甲", f"句子{i}乙", f"{(i % 6):.1f}") for i in range(50)]
    folder = tmp_path / "data" / "chinesests"
    folder.mkdir(parents=True)
    (folder / "train.tsv").write_text("sentence1\tsentence2\tlabel\n" + "".join(
        f"{a}\t{b}\t{y}\n" for a, b, y in rows), encoding="utf-8")
    monkeypatch.setenv("SIMCALC_DATA_DIR", str(tmp_path / "data"))
    return rows


def _rows(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_binarised_split_has_the_graded_splits_rows_with_0_1_labels(tiny_chinesests):
    graded, binary = chinesests_split(), chinesests_split(binarise=2.5)
    assert graded["test"] != binary["test"]
    for part in ("train", "dev", "test"):
        g, b = _rows(graded[part]), _rows(binary[part])
        assert [r[:2] for r in g] == [r[:2] for r in b]
        assert [str(int(float(r[2]) >= 2.5)) for r in g] == [r[2] for r in b]
    assert [len(_rows(graded[p])) for p in ("train", "dev", "test")] == [35, 5, 10]


def test_evaluate_has_no_second_splitter():
    import simcalc.neural.evaluate as evaluate

    assert not hasattr(evaluate, "chinesests_split") or evaluate.chinesests_split is chinesests_split


def test_table_is_generated_from_stored_benchmarks(tmp_path):
    from simcalc.neural.evaluate import format_table, stored_benchmarks, write_benchmarks

    (tmp_path / "metrics.json").write_text(json.dumps({"best_epoch": 3}), encoding="utf-8")
    report = {"accuracy": 80.0, "f1": 79.0, "auc": 88.0}
    write_benchmarks(tmp_path, {"bq_dev": report, "bq_test": report, "lcqmc_test_zero_shot": report,
                                "afqmc_dev_zero_shot": report, "cnsd_sts_b_dev_zero_shot": {"spearman": 30.0}})
    stored = stored_benchmarks("mgf", str(tmp_path))
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["best_epoch"] == 3
    row = format_table({"mgf": stored}).splitlines()[-1]
    assert row.startswith("| mgf (simcalc) | 80.0 | 80.0 | 79.0 | 88.0 |") and row.endswith("| 30.0 | – |")


def test_sweep_ranks_configurations_by_dev_accuracy(tmp_path):
    from simcalc.neural.sweep import CONFIGS, format_results
    from simcalc.neural.training import DEFAULTS, COMMON

    for kind, configs in CONFIGS.items():  # every sweep option is a real training option
        assert all(set(c) <= set(DEFAULTS[kind]) | set(COMMON) for c in configs.values())
    for name, acc in (("a", 0.80), ("b", 0.82)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(
            {"best_dev_accuracy": acc, "best_epoch": 2, "history": [{}, {}], "train_minutes_total": 1.0}))
    table = format_results(tmp_path, ["a", "b", "missing"]).splitlines()
    assert table[2].startswith("| b | 82.00") and table[3].startswith("| a | 80.00") and "missing" in table[4]


def test_shipped_models_are_rows_by_name_and_cards_come_from_their_metrics(capsys):
    from simcalc.neural.evaluate import main, model_dir
    from simcalc.resources import project_data_path

    pytest.importorskip("torch")
    assert model_dir("mgf", "mgf-bq-large") == project_data_path("models/mgf-bq-large")
    assert model_dir("mgf", None) == project_data_path("models/mgf-bq")
    main(["--kinds", "mgf,mgf:mgf-bq-large", "--table"])
    rows = [line for line in capsys.readouterr().out.splitlines() if "(simcalc)" in line]
    assert [r.split(" | ")[0] for r in rows] == ["| mgf (simcalc)", "| mgf-bq-large (simcalc)"]
    main(["--kinds", "mgf:mgf-bq-large", "--card"])
    card = capsys.readouterr().out
    stored = json.loads((project_data_path("models/mgf-bq-large") / "metrics.json").read_text(encoding="utf-8"))
    test = stored["benchmarks"]["bq_test"]
    assert f"| **BQ test** | {test['accuracy']} | {test['precision']} |" in card
    card_file = (project_data_path("models/mgf-bq-large") / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.split("\n\n", 1)[1].strip() in card_file  # the card carries the generated table, unedited
    with pytest.raises(SystemExit, match="unknown kind"):
        main(["--kinds", "bert", "--table"])
