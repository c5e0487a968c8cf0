"""A non-editable install works from any directory: wheel → fresh venv → every scorer, the rule engine and `parse`.

Slow (≈ 1 min): builds the wheel from a copy of the checkout (so no build/ lands in it) and installs it with
--no-deps into a fresh venv that sees the dependencies of *the environment running this suite* — plain system
Python, a venv, a venv inside a venv — through a ``.pth`` file listing that environment's site-packages folders
(``--system-site-packages`` would give the *base* interpreter's, which inside a venv lacks them). simcalc itself
comes from the wheel only: a ``.pth`` path line does not run the editable install's hook. The console script runs
from an empty folder with neither PYTHONPATH nor SIMCALC_DATA_DIR set.

The second check, that ``pip install`` resolves simcalc's *declared* dependencies from its metadata into an
empty venv, downloads a few hundred MB from the package index: it runs where ``SIMCALC_TEST_PIP_INSTALL=1``
(``.ci/run`` sets it; the index is reachable in CI) and is skipped elsewhere, so the suite passes offline.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCORERS = ["levenshtein", "jaro_winkler", "char_jaccard", "tfidf", "cvlstm", "mgf", "ensemble"]


def _site_dirs() -> list[str]:
    """The site-packages folders of the environment running the suite (where its dependencies are)."""
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if os.path.isdir(d)]


class Venv:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / ("Scripts" if os.name == "nt" else "bin")
        self.python = str(self.bin / "python")

    @classmethod
    def create(cls, path: Path, *, see_suite_packages: bool) -> "Venv":
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
        venv = cls(path)
        if see_suite_packages:
            purelib = subprocess.run([venv.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     check=True, capture_output=True, text=True).stdout.strip()
            Path(purelib, "_simcalc_test_suite_env.pth").write_text("\n".join(_site_dirs()) + "\n", encoding="utf-8")
        return venv

    def pip(self, *args: str, timeout: float = 1800) -> None:
        done = subprocess.run([self.python, "-m", "pip", *args], capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "tests",
                                                             ".pytest_cache", "runs", "artifacts", ".ci-venv"))
    wheels = base / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(wheels)], capture_output=True, text=True)
    assert done.returncode == 0, f"building the wheel failed (pip install -e '.[dev]' brings setuptools and wheel):\n" \
                                 f"{done.stderr[-3000:]}"
    return next(wheels.glob("simcalc-*.whl"))


def _runner(venv: Venv, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIMCALC_DATA_DIR", "VIRTUAL_ENV")}
    env["OMP_NUM_THREADS"] = "1"

    def simcalc(*args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv.bin / "simcalc"), *args], cwd=cwd, env={**env, **(extra_env or {})},
                              capture_output=True, text=True, timeout=300)

    def python(code: str) -> subprocess.CompletedProcess:
        return subprocess.run([venv.python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    return simcalc, python


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """(simcalc, python) runners of a venv holding the wheel, outside the checkout, no data folder."""
    base = tmp_path_factory.mktemp("installed")
    venv = Venv.create(base / "venv", see_suite_packages=True)
    venv.pip("install", "--no-deps", "--no-index", "--force-reinstall", "-q", str(wheel))
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    simcalc, python = _runner(venv, elsewhere)
    where = python("import simcalc; print(simcalc.__file__)")
    assert where.returncode == 0, where.stderr[-2000:]
    assert where.stdout.strip().startswith(str(venv.path)), where.stdout  # the wheel, not the checkout
    for module in ("jellyfish", "torch", "jieba"):  # the suite's dependencies are visible
        found = python(f"import {module}")
        assert found.returncode == 0, f"{module} is not importable in the test venv: {found.stderr[-1000:]}"
    return simcalc, python, venv, elsewhere


@pytest.mark.slow
def test_wheel_install_runs_every_scorer_and_parse_outside_the_checkout(installed):
    simcalc, python, venv, elsewhere = installed
    for name in SCORERS:
        out = simcalc("compare", "怎么开通花呗", "花呗如何开通", "--scorer", name, "--json")
        assert out.returncode == 0, (name, out.stderr)
        payload = json.loads(out.stdout)
        assert payload["scorer"] == name and 0 <= payload["score"] <= 1
    default = json.loads(simcalc("compare", "怎么开通花呗", "花呗如何开通", "--json").stdout)
    assert default["scorer"] == "ensemble" and default["label"] == 1 and "left_out" not in default["details"]
    assert default["details"]["config"] == "general" and default["details"]["router"], default["details"]
    (elsewhere / "faq.txt").write_text("微粒贷额度怎么提高\n花呗如何开通\n借呗的还款方式\n", encoding="utf-8")
    (elsewhere / "queries.txt").write_text("怎么开通花呗\n", encoding="utf-8")
    matched = simcalc("match", str(elsewhere / "queries.txt"), "--faq", str(elsewhere / "faq.txt"), "--top-k", "1",
                      "--json")  # the learned FAQ ranker is package data
    assert matched.returncode == 0, matched.stderr
    assert json.loads(matched.stdout.splitlines()[0])["faq_question"] == "花呗如何开通", matched.stdout
    page = elsewhere / "why.html"  # the drawing's stylesheet is package data
    drawn = simcalc("explain", "小明把门打开了", "门被小明打开了", "-s", "levenshtein", "--html", str(page))
    assert drawn.returncode == 0, drawn.stderr
    assert ".sc-tree-scroll" in page.read_text(encoding="utf-8") and page.read_text(encoding="utf-8").count("<svg") == 2
    parsed = simcalc("parse", "我把苹果吃了", "--json")
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["tokens"]
    site_dir = python("import simcalc, os; print(os.path.dirname(os.path.dirname(simcalc.__file__)))").stdout.strip()
    for generic in ("cli.py", "rules", "neural", "hownet_sim", "data"):  # one namespace only: simcalc
        assert not (Path(site_dir) / generic).exists(), generic
    assert (Path(site_dir) / "simcalc" / "rules" / "parse").is_dir() and (Path(site_dir) / "simcalc" / "cli.py").is_file()
    page = python("from fastapi.testclient import TestClient; from simcalc.server import create_app, ServerSettings\n"
                  "with TestClient(create_app(ServerSettings(scorers=('levenshtein',)))) as c:\n"
                  "    print([c.get(p).status_code for p in ('/', '/static/app.js', '/static/page.css',"
                  " '/static/simcalc.css', '/docs')], 'sc-tree' in c.post('/explain', json={'sentence1': "
                  "'小明把门打开了', 'sentence2': '门被小明打开了'}).json()['html'])")
    assert page.stdout.strip() == "[200, 200, 200, 200, 200] True", page.stderr[-2000:]  # the page ships in the wheel
    info = json.loads(simcalc("info", "--json").stdout)
    assert all(s["available"] for s in info["scorers"] if s["name"] in SCORERS), info["scorers"]


@pytest.mark.slow
def test_rule_engine_runs_from_the_wheel_without_a_data_folder(installed):
    """HowNet, Cilin and the word lists ship as package data: no SIMCALC_DATA_DIR needed."""
    simcalc, python, venv, elsewhere = installed
    ruled = simcalc("compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--scorer", "rules", "--json")
    assert ruled.returncode == 0, ruled.stderr
    assert json.loads(ruled.stdout)["score"] < 0  # negation flips the sign: the lexicon and rules ran
    signed = json.loads(simcalc("compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--json").stdout)
    assert signed["scorer"] == "ensemble" and "left_out" not in signed["details"], signed  # the default is signed
    assert signed["verdict"] == "opposite" and signed["score"] < 0, signed
    word = simcalc("word-sim", "大", "小", "--json")
    assert word.returncode == 0, word.stderr
    report = json.loads(word.stdout)
    assert report["score"] < 0 and report["method"] == "hownet", report
    oov = json.loads(simcalc("word-sim", "花呗", "开通", "--json").stdout)  # OOV chain: packaged Cilin / flat list
    assert oov["method"] in ("cilin", "flat_sememes", "characters"), oov
    text = simcalc("info")
    assert text.returncode == 0, text.stderr
    assert "glossary.dat" not in text.stdout and "not found" not in text.stdout, text.stdout
    lexicons = json.loads(simcalc("info", "--json").stdout)["data"]["lexicons"]
    assert lexicons == {name: "packaged index" for name in ("hownet2000", "cilin", "flat", "antonym_pairs",
                                                            "sentiment")}, lexicons
    rules = next(s for s in json.loads(simcalc("info", "--json").stdout)["scorers"] if s["name"] == "rules")
    assert rules["available"], rules


@pytest.mark.slow
def test_parse_runs_from_the_wheel_without_opencc(installed):
    """``opencc`` is an extra (training only): ``simcalc parse`` must not need it."""
    simcalc, python, venv, elsewhere = installed
    done = python("import sys; sys.modules['opencc'] = None  # as if not installed\n"
                  "from simcalc.cli import main\n"
                  "sys.argv = ['simcalc', 'parse', '小明把门打开了', '--json']\n"
                  "main()")
    if done.returncode != 0 and "opencc" in done.stderr:
        pytest.xfail("simcalc parse still imports opencc (issue 18 item 7; fixed on the segmenter branch)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["tokens"]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("SIMCALC_TEST_PIP_INSTALL") != "1",
                    reason="downloads simcalc's dependencies from the package index (a few hundred MB, minutes); "
                           ".ci/run sets SIMCALC_TEST_PIP_INSTALL=1 where the index is reachable")
def test_pip_install_resolves_the_declared_dependencies(wheel, tmp_path):
    """An empty venv (no access to the suite's packages) + ``pip install simcalc.whl``: every dependency must
    come from the wheel's metadata. Only torch is installed first, pinned, as the README says (an unpinned torch
    is a multi-GB CUDA build)."""
    venv = Venv.create(tmp_path / "venv", see_suite_packages=False)
    isolated = venv.path / "isolated"
    isolated.mkdir()
    simcalc, python = _runner(venv, isolated)
    assert python("import jellyfish").returncode != 0  # really empty
    venv.pip("install", "-q", "torch==2.13.0")
    venv.pip("install", "-q", str(wheel))
    for name in SCORERS:
        out = simcalc("compare", "怎么开通花呗", "花呗如何开通", "--scorer", name, "--json")
        assert out.returncode == 0, (name, out.stderr[-2000:])
    info = json.loads(simcalc("info", "--json").stdout)
    assert all(s["available"] for s in info["scorers"] if s["name"] in SCORERS), info["scorers"]
    ruled = simcalc("compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--scorer", "rules", "--json")
    if ruled.returncode != 0 and "opencc" in ruled.stderr:  # an extra (training only), not a declared dependency
        pytest.xfail("the rule engine's parser still imports opencc (issue 18 item 7; fixed on the segmenter branch)")
    assert ruled.returncode == 0, ruled.stderr[-2000:]
    assert json.loads(ruled.stdout)["score"] < 0
    parsed = simcalc("parse", "小明把门打开了", "--json")
    assert parsed.returncode == 0 and json.loads(parsed.stdout)["tokens"], parsed.stderr[-2000:]
