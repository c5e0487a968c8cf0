"""CLI behaviour a new user relies on: stdin, JSON rows and errors, exit codes, 3-class eval without thresholds."""
from __future__ import annotations

import json

from click.testing import CliRunner

from simcalc import cli

PAIRS = "sentence1\tsentence2\n怎么开通花呗\t花呗如何开通\n\t空的\n借呗怎么还款\t如何还借呗\n"


def invoke(*args, input=None):
    return CliRunner().invoke(cli.main, list(args), input=input)


def test_score_reads_stdin_and_writes_jsonl_rows_with_summary_on_stderr():
    result = invoke("score", "-", "--scorer", "levenshtein", "--json", "-q", input=PAIRS)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["sentence1"] for r in rows] == ["怎么开通花呗", "", "借呗怎么还款"]
    assert rows[1]["error"] and rows[0]["score"] > 0
    summary = json.loads(result.stderr[result.stderr.index("{"):])
    assert summary["rows"] == 3 and summary["errors"] == 1


def test_strict_exits_1_when_a_row_failed():
    assert invoke("score", "-", "--scorer", "levenshtein", "-q", input=PAIRS).exit_code == 0
    assert invoke("score", "-", "--scorer", "levenshtein", "-q", "--strict", input=PAIRS).exit_code == 1


def test_errors_are_json_under_json():
    result = invoke("compare", "", "花呗", "--scorer", "levenshtein", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["type"] == "InvalidTextError" and "sentence1" in error["message"]
    plain = invoke("compare", "", "花呗", "--scorer", "levenshtein")
    assert plain.exit_code == 2 and plain.stderr.startswith("Error: sentence1")


def test_unknown_scorer_suggests_and_case_does_not_matter():
    result = invoke("compare", "a", "b", "--scorer", "levenstein")
    assert result.exit_code == 2 and "did you mean 'levenshtein'" in result.stderr
    assert invoke("compare", "花呗", "花呗", "--scorer", "LEVENSHTEIN").exit_code == 0


def test_eval_three_class_without_thresholds_reports_spearman(tmp_path):
    data = tmp_path / "q.tsv"
    data.write_text("sentence1\tsentence2\tlabel\n花呗\t花呗\t2\n花呗开通\t开通花呗\t1\n天气\t花呗\t0\n借呗\t借呗还款\t1\n", encoding="utf-8")
    result = invoke("eval", str(data), "--scorer", "levenshtein", "--json", "-q")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "3class" and report["threshold"] is None and "spearman" in report
