"""Shared fixtures. Tests that need the benchmark/lexicon data ask for ``shared_data``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder named by SIMCALC_DATA_DIR; the test is skipped (with the reason) when absent."""
    value = os.environ.get("SIMCALC_DATA_DIR")
    if not value:
        pytest.skip("SIMCALC_DATA_DIR is not set: this test needs the shared benchmark/lexicon data")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"SIMCALC_DATA_DIR={value} is not a folder: this test needs the shared data")
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep every test's caches out of the user's home folder."""
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "simcalc-cache"))


#: Hand-written HowNet 2000 / Cilin files in the real formats (tests/fixtures/hownet/data).
HOWNET_FIXTURES = Path(__file__).parent / "fixtures" / "hownet" / "data"


@pytest.fixture(scope="module")
def lexicon():
    """The fixture lexicon, loaded strictly and without the disk cache."""
    from simcalc.hownet_sim.lexicon import GlossaryLexicon

    return GlossaryLexicon.load(HOWNET_FIXTURES, use_cache=False, strict=True)


@pytest.fixture(scope="module")
def engine(lexicon):
    """A word-similarity engine over the fixture lexicon (tests on shared data define their own)."""
    from simcalc.hownet_sim.api import build_engine

    return build_engine(lexicon, HOWNET_FIXTURES)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_process(tmp_path):
    """Start ``simcalc serve ARGS`` on a free loopback port; returns its base URL once /health answers.

    Every server started is stopped (terminate, then kill) when the test ends; a server that never
    comes up fails the test with its own output.
    """
    import subprocess
    import sys
    import time

    import httpx

    started: list[subprocess.Popen] = []

    def start(*args: str, timeout: float = 120.0) -> str:
        port = _free_port()
        log = open(tmp_path / f"serve-{port}.log", "w+")
        proc = subprocess.Popen([sys.executable, "-m", "simcalc.cli", "serve", "--port", str(port), *args],
                                stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"simcalc serve exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        log.seek(0)
        pytest.fail(f"simcalc serve did not answer /health within {timeout:g} s:\n{log.read()[-3000:]}")

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
