"""`simcalc score --jobs N`: same bytes as --jobs 1, order and error rows kept, nothing left on failure."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from simcalc import cli
import simcalc
from simcalc.batch import score_file
from simcalc.errors import InputFormatError
from simcalc.lexical import LevenshteinScorer

ROOT = Path(__file__).resolve().parent.parent
CHARS = "怎么开通花呗借呗如何还款为什么不能用我的账户被冻结了请问可以提前还吗银行卡绑定失败额度降低"


def make_pairs(path: Path, n: int, seed: int = 1, bad: bool = True) -> Path:
    rng = random.Random(seed)
    lines = ["sentence1\tsentence2\tlabel"]
    for i in range(n):
        a = "".join(rng.choice(CHARS) for _ in range(rng.randint(3, 14)))
        b = "".join(rng.choice(CHARS) for _ in range(rng.randint(3, 14)))
        lines.append(f"{a}\t{b}\t{i % 2}")
    if bad:
        lines[7] = "only one field"        # wrong column count
        lines[90] = "？？\t你好\t0"          # punctuation only
        lines[150] = "\t你好\t1"            # empty sentence
        lines[200] = ""                     # blank line
        lines[260] = "你好\t" + "长" * 1200 + "\t1"  # cut to 1,000 characters: a warning
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["levenshtein", "tfidf"])
def test_jobs_2_output_is_byte_identical_to_jobs_1(tmp_path, name):
    data = make_pairs(tmp_path / "pairs.tsv", 400)
    runner = CliRunner()
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.tsv"
        result = runner.invoke(cli.main, ["score", str(data), "-s", name, "--jobs", str(jobs), "--batch-size", "16",
                                          "-q", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    lines = outputs[1].decode().splitlines()
    assert len(lines) == 401  # header + every row, the bad ones included
    error = lines[0].split("\t").index("error")
    assert lines[7].split("\t")[error] == "line 8: expected 3 columns, found 1"
    assert "line 91:" in lines[90] and "line 151:" in lines[150] and "line 201: blank line" in lines[200]
    warning = lines[0].split("\t").index("warning")
    assert lines[260].split("\t")[warning].startswith("line 261: ") and "truncated" in lines[260]


def test_tfidf_is_fitted_once_on_the_whole_file_not_per_worker(tmp_path):
    data = make_pairs(tmp_path / "pairs.tsv", 300, bad=False)
    scorer = simcalc.get_scorer("tfidf")
    assert not scorer.is_fitted
    one = score_file(data, tmp_path / "1.tsv", scorer, progress=False, batch_size=8)
    two = score_file(data, tmp_path / "2.tsv", scorer, progress=False, batch_size=8, jobs=2)
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()
    assert one["rows"] == two["rows"] == 300 and two["jobs"] == 2
    assert not scorer.is_fitted  # the shared instance is not changed by a file's statistics


class ExplodingScorer(LevenshteinScorer):
    """Fails on one sentence, inside the worker."""

    name = "exploding"

    def _score_pair(self, a, b):
        if a == "爆炸":
            raise RuntimeError("boom")
        return super()._score_pair(a, b)


def test_a_failing_worker_leaves_no_output_and_no_temp_file(tmp_path):
    data = make_pairs(tmp_path / "pairs.tsv", 300, bad=False)
    text = data.read_text(encoding="utf-8").splitlines()
    text[250] = "爆炸\t你好\t1"
    data.write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "scored.tsv"
    out.parent.mkdir()
    with pytest.raises(RuntimeError, match="boom"):
        score_file(data, out, ExplodingScorer(), progress=False, batch_size=8, jobs=2)
    assert list(out.parent.iterdir()) == []


class UnpicklableScorer(LevenshteinScorer):
    """Holds a module, like the rule engine: workers must build it by name."""

    name = "unpicklable_test"

    def __init__(self, threshold=None):
        super().__init__(threshold=threshold)
        self.lib = os


def test_a_registry_scorer_that_cannot_be_pickled_is_built_by_name_in_each_worker(tmp_path, monkeypatch):
    from simcalc import registry

    spec = registry.ScorerSpec("unpicklable_test", f"{__name__}:UnpicklableScorer", "lexical", "test")
    monkeypatch.setitem(registry._REGISTRY, spec.name, spec)  # a plug-in registered at run time
    monkeypatch.setattr(registry, "_cache", {})
    data = make_pairs(tmp_path / "pairs.tsv", 300)
    scorer = registry.get("unpicklable_test", threshold=0.4)
    score_file(data, tmp_path / "1.tsv", scorer, progress=False, batch_size=16)
    score_file(data, tmp_path / "2.tsv", scorer, progress=False, batch_size=16, jobs=2)
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()
    with pytest.raises(InputFormatError, match="cannot be sent to worker processes"):
        score_file(data, None, UnpicklableScorer(), progress=False, jobs=2)  # not from the registry


def test_a_fresh_registry_scorer_carries_its_recipe_too(tmp_path, monkeypatch):
    from simcalc import registry
    from simcalc.scorer import Recipe

    spec = registry.ScorerSpec("unpicklable_test", f"{__name__}:UnpicklableScorer", "lexical", "test")
    monkeypatch.setitem(registry._REGISTRY, spec.name, spec)
    monkeypatch.setattr(registry, "_cache", {})
    scorer = registry.create("unpicklable_test", threshold=0.4)  # what `score --corpus` and the benches use
    assert scorer.recipe() == Recipe("unpicklable_test", (("threshold", 0.4),), spec.target)
    data = make_pairs(tmp_path / "pairs.tsv", 300)
    score_file(data, tmp_path / "1.tsv", scorer, progress=False, batch_size=16)
    score_file(data, tmp_path / "2.tsv", scorer, progress=False, batch_size=16, jobs=2)
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()
    assert registry.create("tfidf").fit(["你好"]).recipe() is None  # fitted here: it travels pickled


def test_bad_jobs_value_is_a_clear_error(tmp_path):
    data = make_pairs(tmp_path / "pairs.tsv", 20, bad=False)
    with pytest.raises(InputFormatError, match="--jobs"):
        score_file(data, None, simcalc.get_scorer("levenshtein"), progress=False, jobs=-1)
    result = CliRunner().invoke(cli.main, ["score", str(data), "--jobs", "-3"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_sigterm_during_parallel_scoring_leaves_no_file_and_no_workers(tmp_path):
    psutil = pytest.importorskip("psutil")
    data = make_pairs(tmp_path / "pairs.tsv", 300, bad=False)
    body = data.read_text(encoding="utf-8").splitlines()[1:]
    with open(data, "a", encoding="utf-8") as f:
        for _ in range(400):  # 120k rows: long enough to be interrupted
            f.write("\n".join(body) + "\n")
    out = tmp_path / "scored.tsv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "simcalc.cli", "score", str(data), "-s", "jaro_winkler", "--jobs", "2",
                             "-q", "-o", str(out)], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    parts: list[Path] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(tmp_path.glob(".scored.tsv.*.part"))
        if parts and parts[0].stat().st_size > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "scoring finished before it could be interrupted"
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    stderr = proc.communicate(timeout=30)[1].decode()
    assert proc.returncode != 0
    assert not out.exists() and not list(tmp_path.glob("*.part")), stderr
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    assert "Traceback" not in stderr


@pytest.mark.shared_data
def test_bq_test_jobs_2_is_byte_identical_to_jobs_1(shared_data, tmp_path):
    data = shared_data / "bq_corpus" / "test.tsv"
    scorer = simcalc.get_scorer("levenshtein")  # tfidf: the fixture test above
    one = score_file(data, tmp_path / "1.tsv", scorer, progress=False)
    two = score_file(data, tmp_path / "2.tsv", scorer, progress=False, jobs=2)
    assert one["rows"] == two["rows"] == 10000
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()


@pytest.mark.shared_data
def test_bq_test_neural_jobs_2_is_byte_identical_to_jobs_1(shared_data, tmp_path):
    """The first 400 BQ test pairs (the whole file takes minutes on a busy 2-core CI box)."""
    lines = (shared_data / "bq_corpus" / "test.tsv").read_text(encoding="utf-8").splitlines()[:401]
    data = tmp_path / "bq400.tsv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scorer = simcalc.get_scorer("cvlstm", threads=1)  # parent: 1 thread; workers: cores // jobs
    score_file(data, tmp_path / "1.tsv", scorer, progress=False, batch_size=64)
    score_file(data, tmp_path / "2.tsv", scorer, progress=False, batch_size=64, jobs=2)
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()
