"""Shared fixtures. Tests that need the benchmark/lexicon data ask for ``shared_data``."""
from __future__ import annotations

import os
import sys
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


@pytest.fixture
def serve_process(tmp_path):
    """Start ``simcalc serve ARGS`` on a free loopback port; returns its base URL once /health answers.

    The benchmarks' starter (bench/common.py) runs it, here from a folder outside the checkout. Every server
    started is stopped (terminate, then kill) when the test ends; a server that never comes up fails the
    test with its own output.
    """
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from bench.common import ServerProcess

    started: list[ServerProcess] = []

    def start(*args: str, timeout: float = 120.0) -> str:
        server = ServerProcess(None, args, timeout, cwd=tmp_path)
        started.append(server)
        try:
            server.__enter__()
        except SystemExit as exc:
            pytest.fail(str(exc))
        return server.url

    yield start
    for server in started:
        server.stop()
