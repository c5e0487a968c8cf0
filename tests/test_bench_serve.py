"""bench/serve.py end to end: a short load test of a real ``simcalc serve`` (levenshtein only)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_load_test_has_no_errors_and_a_well_formed_table(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    out = tmp_path / "serve.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serve.py"), "--quick", "-q", "--scorers", "levenshtein",
         "--batch-scorers", "levenshtein", "--batch", "8", "--requests", "30", "--seconds", "2", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    rows = [line for line in done.stdout.splitlines() if line.startswith("|")]
    header, rule, *body = rows
    assert header.count("|") == rule.count("|") == 17  # 16 columns
    assert [r.split("|")[1].strip() for r in body] == ["/compare"] * 2 + ["/score ×8"] * 2
    for row in body:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert len(cells) == 16 and cells[1] == "levenshtein"
        assert cells[9] == "0" and cells[12] == "yes"  # no errors; served scores equal the library's
    assert "errors: 0" in done.stdout

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == 0 and len(report["cells"]) == 4
    assert [cell["clients"] for cell in report["cells"]] == [1, 8, 1, 8]
    for cell in report["cells"]:
        assert 0 < cell["requests"] <= 30 and cell["errors"] == [] and cell["max_score_diff"] == 0
        assert cell["pairs_per_s"] > 0 and cell["direct_pairs_per_s"] > 0
        assert cell["p50_ms"] <= cell["p99_ms"]
    assert report["rss_end_mb"] > 0
