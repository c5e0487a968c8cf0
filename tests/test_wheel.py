"""A non-editable install works from any directory: wheel → fresh venv → every scorer and `parse`.

Slow (≈ 1 min): builds the wheel from a copy of the checkout (so no build/ lands in it), installs it
with --no-deps into a venv that sees the already-installed dependencies (--system-site-packages, so
torch is not downloaded again), and runs the console script from an empty folder with neither
PYTHONPATH nor SIMCALC_DATA_DIR set.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCORERS = ["levenshtein", "jaro_winkler", "char_jaccard", "tfidf", "cvlstm", "mgf", "ensemble"]


@pytest.mark.slow
def test_wheel_install_runs_every_scorer_and_parse_outside_the_checkout(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "tests",
                                                             ".pytest_cache", "runs"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True)
    wheel = next(wheels.glob("simcalc-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
                    "-q", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIMCALC_DATA_DIR")}
    env["OMP_NUM_THREADS"] = "1"

    def simcalc(*args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / "simcalc"), *args], cwd=elsewhere, env={**env, **(extra_env or {})},
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([str(bin_dir / "python"), "-c", "import simcalc; print(simcalc.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv)), where
    for name in SCORERS:
        out = simcalc("compare", "怎么开通花呗", "花呗如何开通", "--scorer", name, "--json")
        assert out.returncode == 0, (name, out.stderr)
        payload = json.loads(out.stdout)
        assert payload["scorer"] == name and 0 <= payload["score"] <= 1
    if os.environ.get("SIMCALC_DATA_DIR"):  # the rule engine needs HowNet 2000; its word lists are package data
        ruled = simcalc("compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--scorer", "rules", "--json",
                        extra_env={"SIMCALC_DATA_DIR": os.environ["SIMCALC_DATA_DIR"]})
        assert ruled.returncode == 0, ruled.stderr
        assert json.loads(ruled.stdout)["score"] < 0
    default = json.loads(simcalc("compare", "怎么开通花呗", "花呗如何开通", "--json").stdout)
    assert default["scorer"] == "ensemble" and default["label"] == 1 and "left_out" not in default["details"]
    page = elsewhere / "why.html"  # the drawing's stylesheet is package data; no HowNet: parses and components
    drawn = simcalc("explain", "小明把门打开了", "门被小明打开了", "-s", "levenshtein", "--html", str(page))
    assert drawn.returncode == 0, drawn.stderr
    assert ".sc-tree-scroll" in page.read_text(encoding="utf-8") and page.read_text(encoding="utf-8").count("<svg") == 2
    parsed = simcalc("parse", "我把苹果吃了", "--json")
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["tokens"]
    site = subprocess.run([str(bin_dir / "python"), "-c",
                           "import simcalc, os; print(os.path.dirname(os.path.dirname(simcalc.__file__)))"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.strip()
    for generic in ("cli.py", "rules", "neural", "hownet_sim", "data"):  # one namespace only: simcalc
        assert not (Path(site) / generic).exists(), generic
    assert (Path(site) / "simcalc" / "rules" / "parse").is_dir() and (Path(site) / "simcalc" / "cli.py").is_file()
    page = subprocess.run([str(bin_dir / "python"), "-c",
                           "from fastapi.testclient import TestClient; from simcalc.server import create_app, ServerSettings\n"
                           "with TestClient(create_app(ServerSettings(scorers=('levenshtein',)))) as c:\n"
                           "    print([c.get(p).status_code for p in ('/', '/static/app.js', '/static/page.css',"
                           " '/static/simcalc.css', '/docs')], 'sc-tree' in c.post('/explain', json={'sentence1': "
                           "'小明把门打开了', 'sentence2': '门被小明打开了'}).json()['html'])"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert page.stdout.strip() == "[200, 200, 200, 200, 200] True", page.stderr[-2000:]  # the page ships in the wheel
    info = json.loads(simcalc("info", "--json").stdout)
    assert all(s["available"] for s in info["scorers"] if s["name"] in SCORERS), info["scorers"]
