import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simcalc import cli
import simcalc
from simcalc.errors import InputFormatError
from simcalc.evaluate import best_threshold, binary_metrics, detect_task, evaluate


def accuracy_at(scores, labels, t):
    return np.mean((scores >= t) == labels.astype(bool))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 1)), min_size=1, max_size=40))
def test_best_threshold_reaches_the_brute_force_optimum(data):
    scores = np.array([s / 20 for s, _ in data], dtype=float)
    labels = np.array([y for _, y in data], dtype=float)
    candidates = np.concatenate((scores, [scores.max() + 1]))
    brute = max(accuracy_at(scores, labels, t) for t in candidates)
    assert accuracy_at(scores, labels, best_threshold(scores, labels)) == pytest.approx(brute)


def test_binary_metrics_match_hand_computation():
    scores = np.array([0.9, 0.8, 0.4, 0.3, 0.7, 0.2])
    labels = np.array([1, 1, 1, 0, 0, 0])
    m = binary_metrics(scores, labels, 0.5)  # predictions 1,1,0,0,1,0 → TP 2, FP 1, FN 1, TN 2
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    # AUC = share of (positive, negative) pairs ranked correctly: 8 of 9
    assert m["roc_auc"] == pytest.approx(8 / 9)


def test_task_detection():
    assert detect_task(np.array([0, 1, 1.0])) == "binary"
    assert detect_task(np.array([0, 1, 2])) == "3class"
    assert detect_task(np.array([0, 3.5, 5])) == "graded"


def _file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                    encoding="utf-8")
    return path


def test_threshold_never_comes_from_the_evaluated_file(tmp_path):
    data = _file(tmp_path, "t.tsv", [("你好", "你好", 1), ("你好", "再见", 0)])
    scorer = simcalc.get_scorer("levenshtein")
    with pytest.raises(InputFormatError, match="must not be tuned on the file being evaluated"):
        evaluate(data, scorer, threshold_from=data)
    report = evaluate(data, scorer)
    assert report["threshold_source"] == "default of scorer levenshtein" and report["accuracy"] == 1.0


def test_graded_and_three_class(tmp_path):
    graded = _file(tmp_path, "g.tsv", [("你好", "你好", 5), ("你好啊", "你好", 3.5), ("你好", "再见", 0)])
    report = evaluate(graded, simcalc.get_scorer("levenshtein"))
    assert report["task"] == "graded" and report["spearman"] == pytest.approx(1.0)
    dev = _file(tmp_path, "d3.tsv", [("苹果手机", "苹果手机", 2), ("苹果手机", "苹果电脑", 1), ("苹果", "香蕉", 0)])
    test = _file(tmp_path, "t3.tsv", [("华为手机", "华为手机", 2), ("香蕉", "葡萄", 0), ("华为手机", "华为电脑", 1)])
    report = evaluate(test, simcalc.get_scorer("char_jaccard"), threshold_from=dev)
    assert report["task"] == "3class" and report["accuracy"] == 1.0 and report["macro_f1"] == 1.0


def test_eval_counts_bad_rows_instead_of_hiding_them(tmp_path):
    data = _file(tmp_path, "t.tsv", [("你好", "你好", 1), ("你好", "再见", "x"), ("？", "你好", 0)])
    report = evaluate(data, simcalc.get_scorer("levenshtein"))
    assert report["n"] == 1 and report["errors"] == 2


def _ratio(a: str, b: str) -> float:
    """Levenshtein ratio written out independently (substitution costs 2)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (0 if ca == cb else 2))
    return (len(a) + len(b) - row[-1]) / (len(a) + len(b))


def _independent(path):
    import unicodedata
    from pathlib import Path

    # the input rules: NFKC, traditional -> simplified by the shipped table (read here on its own), lower case
    table = json.loads((Path(__file__).parents[1] / "data" / "parser" / "t2s_chars.json").read_text(encoding="utf-8"))
    produced = set(table["to"])
    t2s = {ord(a): ord(b) for a, b in zip(table["from"], table["to"]) if a not in produced}

    def view(s):
        s = unicodedata.normalize("NFKC", s).translate(t2s).lower()
        return "".join(c for c in s if unicodedata.category(c)[0] in "LNS")

    scores, labels = [], []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            a, b, y = line.rstrip("\n").split("\t")
            scores.append(_ratio(view(a), view(b)))
            labels.append(int(y))
    return np.array(scores), np.array(labels)


@pytest.mark.shared_data
def test_cli_eval_on_lcqmc_agrees_with_an_independent_computation(shared_data):
    dev, test = shared_data / "lcqmc" / "dev.tsv", shared_data / "lcqmc" / "test.tsv"
    result = CliRunner().invoke(cli.main, ["eval", str(test), "--scorer", "levenshtein",
                                           "--threshold-from", str(dev), "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    dev_scores, dev_labels = _independent(dev)
    # brute force over every distinct dev score: the best accuracy the CLI's threshold must reach
    best_dev = max(accuracy_at(dev_scores, dev_labels, t) for t in np.unique(dev_scores))
    assert accuracy_at(dev_scores, dev_labels, report["threshold"]) == pytest.approx(best_dev)
    test_scores, test_labels = _independent(test)
    assert report["n"] == len(test_scores) == 12500
    assert report["accuracy"] == pytest.approx(accuracy_at(test_scores, test_labels, report["threshold"]))
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(test_scores[test_labels == 1], test_scores[test_labels == 0]).statistic
    assert report["roc_auc"] == pytest.approx(u / (6250 * 6250))


def test_best_threshold_on_one_class_predicts_it_for_every_score():
    assert best_threshold(np.array([0.9, 0.8]), np.array([0, 0])) > 0.9
    assert best_threshold(np.array([0.1, 0.2, 0.6, 0.7]), np.array([0, 0, 1, 1])) == pytest.approx(0.4)
