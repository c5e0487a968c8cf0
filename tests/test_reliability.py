"""Reliability defects found by trying simcalc (issue 20); each test failed before its fix."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import pathlib
from pathlib import Path

import pytest

import simcalc
from simcalc.batch import score_file
from simcalc.errors import InputFormatError

ROOT = Path(__file__).resolve().parents[1]


def test_scoring_over_a_private_file_keeps_it_private(tmp_path):
    src = tmp_path / "pairs.tsv"
    src.write_text("sentence1\tsentence2\n你好\t您好\n", encoding="utf-8")
    out = tmp_path / "scored.tsv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    score_file(src, out, simcalc.get_scorer("levenshtein"), progress=False)
    assert (out.stat().st_mode & 0o777) == 0o600
    assert "您好" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".tsv", ".csv"])
def test_a_file_with_only_a_header_keeps_its_column_names(tmp_path, suffix):
    sep = "\t" if suffix == ".tsv" else ","
    src = tmp_path / f"pairs{suffix}"
    src.write_text(sep.join(["id", "sentence1", "sentence2"]) + "\n", encoding="utf-8")
    out = tmp_path / f"scored{suffix}"
    summary = score_file(src, out, simcalc.get_scorer("levenshtein"), progress=False)
    assert summary["rows"] == 0
    assert out.read_text(encoding="utf-8").splitlines() == [
        sep.join(["id", "sentence1", "sentence2", "score", "prediction", "error", "warning", "verdict"])]


def test_ctrl_c_while_reading_stdin_leaves_no_temp_file(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    # Ctrl-C as at a terminal: a test run started in the background (nohup … &) has SIGINT ignored, and an
    # ignored SIGINT is inherited by the command, which would then never see the Ctrl-C
    proc = subprocess.Popen([sys.executable, "-m", "simcalc.cli", "score", "-", "-q"], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdin is not None
    proc.stdin.write("sentence1\tsentence2\n你好\t您好\n".encode("utf-8"))
    proc.stdin.flush()  # stdin stays open: the command is still copying it
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("simcalc-stdin-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp_path.glob("simcalc-stdin-*")), "the command never started copying stdin"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    proc.stdin.close()
    assert list(tmp_path.glob("simcalc-stdin-*")) == []


def _config(folder: Path, text: str, name: str = "cfg.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_that_names_itself_as_a_member_is_a_clear_error(tmp_path):
    path = tmp_path / "self.toml"
    _config(tmp_path, f'[members.levenshtein]\nweight = 1\n[members.Ensemble]\nweight = 1\n'
                      f'options = {{config = "{path.as_posix()}"}}\n', "self.toml")
    engine = simcalc.Engine(str(path))  # the member is left out with the reason; no RecursionError
    assert "cannot be a member" in engine.scorer.describe()["left_out"]["Ensemble"]


def test_config_file_options_are_read_beside_the_config_only(tmp_path, monkeypatch):
    from simcalc.lexical import TfidfScorer

    TfidfScorer().fit(["你好", "您好"]).save_idf(str(tmp_path / "cwd-idf.tsv.gz"))
    monkeypatch.chdir(tmp_path)  # the idf table exists in the current directory, not beside the config
    path = _config(tmp_path / "sub", '[members.tfidf]\nweight = 1\noptions = {idf = "cwd-idf.tsv.gz"}\n')
    with pytest.raises(simcalc.SimcalcError, match="does not exist"):
        simcalc.Engine(str(path))
    escaping = _config(tmp_path / "sub", '[members.tfidf]\nweight = 1\noptions = {idf = "../cwd-idf.tsv.gz"}\n',
                       "up.toml")
    with pytest.raises(simcalc.SimcalcError, match="outside the config's folder"):
        simcalc.Engine(str(escaping))
    (tmp_path / "sub" / "cwd-idf.tsv.gz").write_bytes((tmp_path / "cwd-idf.tsv.gz").read_bytes())
    assert simcalc.Engine(str(path)).compare("你好", "您好").score > 0  # beside the config: read


@pytest.mark.parametrize("calibration", ["platt = [nan, 1]", "platt = [1, inf]",
                                         'calibration = "isotonic"\nisotonic_x = [0.5, 0.1]\nisotonic_y = [0, 1]',
                                         'calibration = "isotonic"\nisotonic_x = [0.1, 0.5]\nisotonic_y = [0, 2]'])
def test_calibration_numbers_are_validated(tmp_path, calibration):
    if calibration.startswith("platt"):
        calibration = 'calibration = "platt"\n' + calibration
    path = _config(tmp_path, f"[members.levenshtein]\nweight = 1\n{calibration}\n")
    with pytest.raises(InputFormatError, match="levenshtein"):
        simcalc.Engine(str(path))
    result = subprocess.run([sys.executable, "-m", "simcalc.cli", "compare", "你好", "您好", "--config", str(path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_engine_rank_from_threads_builds_one_index_and_never_mixes_lists(monkeypatch):
    from simcalc.engine import Engine

    engine = Engine(scorer="levenshtein")
    built: list[tuple[str, ...]] = []
    real_index = Engine.index

    def slow_index(self, candidates, **kw):
        built.append(tuple(candidates))
        time.sleep(0.2)  # a real FAQ takes a while to prepare: other threads arrive meanwhile
        return real_index(self, candidates, **kw)

    monkeypatch.setattr(Engine, "index", slow_index)
    lists = [["花呗怎么开通", "怎么还款", "借呗额度"], ["今天天气", "明天下雨吗"]]
    wrong: list[str] = []

    def work(i: int) -> None:
        for match in engine.rank("花呗如何开通", lists[i % 2 if i >= 4 else 0], top_k=2):
            if match.text not in lists[i % 2 if i >= 4 else 0]:
                wrong.append(match.text)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [tuple(lists[0])]  # four threads at once: one index, shared
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_a_rank_answered_504_frees_its_thread_for_the_next_request():
    """--threads 1: a slow /rank past its deadline must stop, or the next /compare times out behind it."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from simcalc.result import Result
    from simcalc.scorer import PairwiseScorer
    from simcalc.server import ServerSettings, create_app
    from simcalc.server.scorers import ScorerPool, Served

    calls: list[str] = []

    class Slow(PairwiseScorer):  # 20 ms a pair
        name = "slow"

        def _score_pair(self, a, b):
            calls.append(b)
            time.sleep(0.02)
            return Result(0.5, self.name)

    settings = ServerSettings(scorers=("levenshtein",), view=False, timeout_s=2, threads=1)
    pool = ScorerPool(settings)
    pool.entries["slow"] = Served("slow", "lexical", "sleeps (tests)", Slow())
    candidates = [f"问题{i}" for i in range(400)]  # 8 s of scoring (no prefilter below 500 candidates)
    with TestClient(create_app(settings, pool=pool)) as c:
        started = time.monotonic()
        ranked = c.post("/rank", json={"query": "问题", "candidates": candidates, "scorer": "slow"})
        assert ranked.status_code == 504
        assert time.monotonic() - started < 4
        compared = c.post("/compare", json={"sentence1": "你好", "sentence2": "您好", "scorer": "levenshtein"})
        assert compared.status_code == 200, compared.text
        time.sleep(0.5)
        assert len(calls) < 250  # stopped at a chunk boundary, not after all 400


def test_a_partial_request_body_is_answered_408_and_its_connection_closed():
    pytest.importorskip("fastapi")
    import socket

    import uvicorn

    from simcalc.server import ServerSettings, create_app

    settings = ServerSettings(scorers=("levenshtein",), view=False, body_timeout_s=1.0)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        socks = []
        for _ in range(2):  # two slow clients, as found
            sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            sock.sendall(b"POST /compare HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"sentence1\": ")
            socks.append(sock)
        started = time.monotonic()
        for sock in socks:
            answer = b""
            while True:  # read until the server closes the connection
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"body_timeout" in answer
            sock.close()
        assert time.monotonic() - started < 10
    finally:
        server.should_exit = True
        thread.join(10)


class _Trap:
    """Unpickling this runs code: it writes the file named in its argument."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.write_text, (pathlib.Path(self.target), "ran"))


def test_training_resume_never_runs_code_from_a_state_file(tmp_path):
    """`simcalc train` resumes through load_train_state: a train_state.pt holding objects other than tensors
    and plain data is refused with a clear error, and nothing in it runs (it was torch.load(weights_only=False))."""
    torch = pytest.importorskip("torch")
    from simcalc.errors import InputFormatError
    from simcalc.neural.checkpoint import load_train_state

    trap = tmp_path / "ran.txt"
    state = tmp_path / "train_state.pt"
    torch.save({"epoch": 1, "payload": _Trap(str(trap))}, state)
    with pytest.raises(InputFormatError, match="refusing to load"):
        load_train_state(state)
    assert not trap.exists()
    good = tmp_path / "good.pt"
    torch.save({"epoch": 2, "model": {"w": torch.zeros(2)}, "history": [{"lr": 0.1}], "torch_rng": torch.get_rng_state()}, good)
    assert load_train_state(good)["epoch"] == 2
