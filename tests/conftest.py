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
