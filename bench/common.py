"""What the benchmark scripts share: reading pairs, timing throughput and cold starts, starting a server.

Every script in bench/ reads pairs through :func:`pairs` (simcalc's own reader, rows with errors dropped),
times scoring with :func:`pairs_per_second` and a fresh process with :func:`cold_start_seconds`, and
starts ``simcalc serve`` with :class:`ServerProcess` (tests/conftest.py starts its servers with it too).
Labelled files for accuracy go through :func:`simcalc.evaluate.score_labelled` (or :func:`~simcalc.evaluate.evaluate`).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("bench")


def publish(table: str, report: dict, json_path: Path | None) -> int:
    """Print a benchmark's table and, when asked, write its report as JSON; the script's exit code."""
    print(table)
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


# -- pairs and timing --------------------------------------------------------------------------------------
def pairs(path: str | Path, limit: int | None = None, *, labelled: bool = False, where: Any = None) -> list[tuple]:
    """The file's usable pairs, in order: ``(sentence1, sentence2)``, or with ``labelled`` ``(s1, s2, label)``
    (label as float); ``where(row)`` keeps only some rows; at most ``limit``."""
    from simcalc.io import PairReader

    out: list[tuple] = []
    for row in PairReader(path):
        if row.error is None and (where is None or where(row)):
            out.append((row.sentence1, row.sentence2, float(row.label)) if labelled else (row.sentence1, row.sentence2))
        if limit and len(out) >= limit:
            break
    return out


def pairs_per_second(scorer: Any, batch: Sequence[tuple[str, str]], warm_up: int = 64) -> float:
    """Throughput of ``scorer.score_batch`` on ``batch`` after a warm-up (model load, caches)."""
    scorer.score_batch(list(batch[:warm_up]))
    started = time.perf_counter()
    scorer.score_batch(list(batch))
    return len(batch) / (time.perf_counter() - started)


def cold_start_seconds(args: Sequence[str], repeats: int = 3, env: dict[str, str] | None = None) -> float:
    """The fastest of ``repeats`` fresh ``python -m simcalc.cli ARGS`` runs (start, load, answer), in seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "simcalc.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


# -- the server process ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``simcalc serve`` in a subprocess: started, polled until ``/health`` answers, always stopped.

    Its output goes to a temporary file (a pipe nobody reads would block it once full).
    """

    def __init__(self, scorers: Sequence[str] | None, extra: Sequence[str] = (), ready_timeout: float = 180.0,
                 cwd: str | Path = ROOT) -> None:
        """``scorers``: the ``--scorers`` list (None: the server's default); ``extra``: further options;
        ``cwd``: where the server runs (tests run it outside the checkout)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "simcalc.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                        *(["--scorers", ",".join(scorers)] if scorers is not None else []), *extra]
        self.ready_timeout = ready_timeout
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None
        self.health: dict[str, Any] = {}
        self._log = tempfile.NamedTemporaryFile(prefix="simcalc-serve-", suffix=".log", delete=False)

    def __enter__(self) -> ServerProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        log.info("starting: %s", " ".join(self.command[1:]))
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        import httpx

        started = time.perf_counter()
        while time.perf_counter() - started < self.ready_timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"simcalc serve exited with code {self.proc.returncode} before answering /health:\n"
                                 f"{self.output_tail()}")
            try:
                response = httpx.get(self.url + "/health", timeout=5.0)
                if response.status_code == 200:
                    self.health = response.json()
                    log.info("server ready after %.1f s: %s", time.perf_counter() - started,
                             json.dumps(self.health, ensure_ascii=False))
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise SystemExit(f"simcalc serve did not answer GET /health with 200 within {self.ready_timeout:.0f} s:\n"
                         f"{self.output_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log.warning("simcalc serve ignored SIGTERM for 15 s: killing it")
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def output_tail(self, chars: int = 3000) -> str:
        return self.output()[-chars:] or "(no output)"

    def _processes(self) -> list:
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_mb(self) -> float:
        """Resident memory of the server and its children (uvicorn ``--workers``), in MB."""
        import psutil

        total = 0
        for proc in self._processes():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for proc in self._processes():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total
