"""`simcalc eval --plot` and the accuracy chart: valid PNGs, and plotting never changes a metric."""
import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simcalc import cli

pytest.importorskip("matplotlib")
ROOT = Path(__file__).resolve().parent.parent
CHARS = "怎么开通花呗借呗如何还款为什么不能用我的账户被冻结了请问可以提前还吗银行卡绑定失败额度降低"


def labelled_pairs(path: Path, n: int, labels=(0, 1), seed: int = 3) -> Path:
    """Pairs whose overlap grows with the label, so the metrics are informative."""
    rng = random.Random(seed)
    lines = ["sentence1\tsentence2\tlabel"]
    top = max(labels)
    for i in range(n):
        label = labels[i % len(labels)]
        a = "".join(rng.choice(CHARS) for _ in range(rng.randint(6, 14)))
        keep = (label / top) * 0.8 + rng.uniform(0, 0.3)
        b = "".join(c if rng.random() < keep else rng.choice(CHARS) for c in a)
        lines.append(f"{a}\t{b}\t{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def eval_json(*args: str) -> dict:
    result = CliRunner().invoke(cli.main, ["eval", *args, "-q", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    report.pop("pairs_per_second")  # timing, not a metric
    return report


def test_binary_plot_is_a_sensible_png_and_leaves_the_metrics_alone(tmp_path):
    dev = labelled_pairs(tmp_path / "dev.tsv", 300, seed=1)
    test = labelled_pairs(tmp_path / "test.tsv", 300, seed=2)
    plain = eval_json(str(test), "--threshold-from", str(dev))
    out = tmp_path / "eval.png"
    plotted = eval_json(str(test), "--threshold-from", str(dev), "--plot", str(out))
    assert plotted == plain
    assert plain["task"] == "binary" and 0.5 < plain["roc_auc"] <= 1
    width, height = png_size(out)
    assert 1000 <= width <= 2500 and 300 <= height <= 1200
    assert 20_000 < out.stat().st_size < 1_000_000


@pytest.mark.parametrize("labels,task,extra", [((0, 1, 2, 3, 4, 5), "graded", []),
                                               ((0, 1, 2), "3class", ["--threshold", "0.3,0.6"])])
def test_graded_and_three_class_plots(tmp_path, labels, task, extra):
    data = labelled_pairs(tmp_path / "sts.tsv", 240, labels=labels)
    plain = eval_json(str(data), *extra)
    out = tmp_path / "eval.png"
    assert eval_json(str(data), *extra, "--plot", str(out)) == plain
    assert plain["task"] == task
    width, height = png_size(out)
    assert 600 <= width <= 2500 and 300 <= height <= 1200
    assert out.stat().st_size > 10_000


def test_bad_plot_path_is_a_clear_error(tmp_path):
    data = labelled_pairs(tmp_path / "d.tsv", 50)
    for target in (tmp_path / "plot.txt", tmp_path / "missing" / "plot.png"):
        result = CliRunner().invoke(cli.main, ["eval", str(data), "--threshold", "0.5", "-q", "--plot", str(target)])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert not target.exists()


def test_accuracy_table_chart(tmp_path):
    from simcalc.plot import plot_accuracy_table

    results = {s: {"LCQMC": {"accuracy": 0.7, "roc_auc": 0.8 - i / 20},
                   "STS-B": {"spearman": 0.6 + i / 20, "pearson": 0.6}} for i, s in enumerate(["a", "b", "c"])}
    out = plot_accuracy_table(results, tmp_path / "table.png")
    width, height = png_size(out)
    assert width >= 600 and 300 <= height <= 1200


def test_matplotlib_dask_and_torch_stay_unimported_by_the_cli_and_lexical_scoring(tmp_path):
    data = labelled_pairs(tmp_path / "d.tsv", 30)
    code = ("import sys, simcalc.plot, simcalc.parallel\nfrom simcalc import cli\n"
            "from click.testing import CliRunner\n"
            f"r = CliRunner().invoke(cli.main, ['eval', {str(data)!r}, '--scorer', 'levenshtein', '--threshold', '0.5', '-q'])\n"
            "assert r.exit_code == 0, r.output\n"
            "heavy = [m for m in ('matplotlib', 'dask', 'distributed', 'torch') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
