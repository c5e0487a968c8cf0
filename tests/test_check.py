"""simcalc check: the suite generates deterministically, the expectations catch known blind spots, the
reports and the command behave. Lexical and tiny in-test scorers only (fast); the rule engine on shared data."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from simcalc.check import generate, handwritten, load_suite, run, to_html, to_json, to_markdown, to_text
from simcalc.check.expect import INV_TOLERANCE
from simcalc.check.perturb import PERTURBATIONS
from simcalc.errors import InputFormatError
from simcalc.result import Result

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def suite():
    return load_suite()


class NegationAware:
    """A tiny scorer that knows exactly one thing: a negation word in one sentence only means not similar."""

    name = "negation_aware"
    range = (0.0, 1.0)
    threshold = 0.5

    def score_batch(self, pairs):
        def negated(s: str) -> bool:
            return any(w in s for w in ("不", "没", "未"))

        return [0.1 if negated(a) != negated(b) else 0.9 for a, b in pairs]


class SignedNegation(NegationAware):
    """The same, on a signed scale: a negated pair scores -0.8 (opposite)."""

    name = "signed_negation"
    range = (-1.0, 1.0)

    def score_batch(self, pairs):
        return [Result(-0.8 if s < 0.5 else 0.9, self.name) for s in super().score_batch(pairs)]


def test_generation_is_deterministic_and_seeded(suite):
    first = generate(suite)
    assert first == generate(suite)  # same seed, same cases, same order
    other = generate(suite, seed=suite.seed + 1)
    assert len(other) == len(first) and other != first
    # one capability alone gets exactly the cases it gets in a full run (its own random stream)
    alone = generate(suite, ["negation"])
    assert alone == [c for c in first if c.capability == "negation"]


def test_suite_size_meets_the_goals(suite):
    cases = generate(suite)
    per_cap = Counter(c.capability for c in cases)
    assert len(suite.capabilities) >= 15
    assert len(cases) >= 3000
    assert len(handwritten(suite)) >= 150
    for name, cap in suite.capabilities.items():
        assert per_cap[name] == cap.cases >= 100, name  # hundreds per capability, all distinct
        assert cap.property, name
    assert len({(c.capability, c.sentence1, c.sentence2, c.sentence2_changed) for c in cases}) == len(cases)
    kinds = Counter(cap.kind for cap in suite.capabilities.values())
    assert kinds["mft"] and kinds["inv"] and kinds["dir"]


def test_generated_cases_fill_every_slot_and_inv_dir_cases_change_sentence2(suite):
    for case in generate(suite, cases=30):
        texts = [case.sentence1, case.sentence2] + ([case.sentence2_changed] if case.sentence2_changed else [])
        assert not any("{" in t or "}" in t for t in texts), case
        if case.kind == "mft":
            assert case.sentence2_changed is None and case.sentence1 != case.sentence2
        else:
            assert case.sentence2_changed not in (None, case.sentence2)


def test_two_draws_of_a_grouped_lexicon_differ_in_group(suite):
    groups = {row[0]: row[2] for row in suite.lexicon("object").rows}
    for case in generate(suite, ["unrelated_object"], cases=60):
        old = [o for o in groups if o in case.sentence2]
        new = [o for o in groups if o in case.sentence2_changed]
        assert old and new
        assert groups[max(old, key=len)] != groups[max(new, key=len)], case


def test_perturbations(suite):
    import random

    rng = random.Random(0)
    assert PERTURBATIONS["fullwidth"]("转账500元 APP", suite, rng) == "转账５００元\u3000ＡＰＰ"
    assert PERTURBATIONS["traditional"]("银行卡怎么还款", suite, rng) == "銀行卡怎麼還款"
    typos = ("怎么登陆账号", "怎么登录帐号", "咋么登录账号")
    assert PERTURBATIONS["typo"]("怎么登录账号", suite, random.Random(1)) in typos
    assert PERTURBATIONS["de"]("他跑得很快", suite, rng) == "他跑的很快"
    # 怎么 -> 如何 only: 天气如何 must not become 天气怎么
    assert PERTURBATIONS["synonym"]("天气如何", suite, rng) == "天气怎样"
    # a one-character synonym is never the thing replaced (能 inside 功能)
    assert PERTURBATIONS["synonym"]("功能", suite, rng) == "功能"
    assert PERTURBATIONS["whitespace"]("花呗怎么开通", suite, rng).replace(" ", "") == "花呗怎么开通"


def test_char_jaccard_is_blind_to_negation_and_passes_fullwidth():
    report = run("char_jaccard", ["negation", "fullwidth", "a_not_a"])
    caps = {c.name: c for c in report.capabilities}
    assert report.threshold_source == "range midpoint" and report.scale.threshold == 0.5
    assert caps["negation"].failure_rate() > 0.9  # known failure: 我喜欢X / 我不喜欢X share almost every character
    assert caps["negation"].failure_rate("handwritten") > 0.5
    assert caps["fullwidth"].failed() == 0  # known pass: NFKC folds full-width before any scorer sees it
    worst = caps["negation"].worst(3)
    assert len(worst) == 3 and worst[0].score >= worst[-1].score and not worst[0].passed


def test_a_scorer_object_that_understands_negation_passes_it_and_a_signed_one_says_opposite():
    report = run(NegationAware(), ["negation", "add_negation", "punctuation"])
    caps = {c.name: c for c in report.capabilities}
    assert caps["negation"].failed() == 0 and caps["add_negation"].failed() == 0
    assert caps["negation"].opposite_rate() is None  # not signed: no opposite column
    signed = run(SignedNegation(), ["negation"])
    assert signed.scale.signed and signed.capabilities[0].opposite_rate() == 1.0
    assert "said opposite" in to_text(signed) and "said opposite" in to_markdown(signed)


def test_invariance_and_directional_expectations_fail_when_they_should():
    class PunctuationSensitive:
        name, range, threshold = "punct", (0.0, 1.0), 0.5

        def score_batch(self, pairs):
            return [0.9 if b[-1] in "？?。！!…~" else 0.6 for _, b in pairs]

    report = run(PunctuationSensitive(), ["punctuation", "whitespace"], cases=50)
    caps = {c.name: c for c in report.capabilities}
    assert caps["punctuation"].failure_rate() > 0.5 and caps["whitespace"].failed() == 0
    delta = caps["punctuation"].worst(1)[0]
    assert abs(delta.score_changed - delta.score) > INV_TOLERANCE

    class LikesNegation(NegationAware):  # negating sentence 2 raises the score: add_negation must fail
        def score_batch(self, pairs):
            return [1.0 - s for s in super().score_batch(pairs)]

    assert run(LikesNegation(), ["add_negation"], cases=40).capabilities[0].failure_rate() == 1.0


def test_json_report_schema():
    report = run("levenshtein", ["negation", "synonym"], cases=20)
    data = json.loads(to_json(report))
    assert {"scorer", "range", "threshold", "threshold_source", "inv_tolerance", "dir_epsilon", "seed", "cases",
            "failure_rate", "pairs_scored", "seconds", "capabilities"} <= set(data)
    assert data["scorer"] == "levenshtein" and data["threshold"] == 0.618 and data["threshold_source"] == "scorer"
    cap = data["capabilities"][0]
    assert {"name", "kind", "expect", "property", "cases", "failed", "failure_rate", "generated", "handwritten",
            "opposite_rate", "worst_failures"} <= set(cap)
    assert cap["cases"] == cap["generated"]["cases"] + cap["handwritten"]["cases"] == 20 + 8
    assert all({"sentence1", "sentence2", "score", "label", "passed"} <= set(w) for w in cap["worst_failures"])
    inv = data["capabilities"][1]
    assert all("delta" in w and "sentence2_changed" in w for w in inv["worst_failures"])


def _copy_suite(tmp_path: Path) -> Path:
    from simcalc.check import default_suite_path

    target = tmp_path / "suite"
    shutil.copytree(default_suite_path(), target)
    return target


def test_html_report_is_self_contained_and_escapes_text(tmp_path):
    path = _copy_suite(tmp_path)
    with open(path / "handwritten.tsv", "a", encoding="utf-8") as f:
        f.write("negation\t<b>我喜欢</b><script>alert(1)</script>\t<b>我不喜欢</b><script>alert(1)</script>\t\t\n")
    report = run("char_jaccard", ["negation"], suite=path, cases=5)
    page = to_html(report, worst=50)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page and "<b>" not in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_user_suite_errors_are_clear(tmp_path):
    path = _copy_suite(tmp_path)
    spec = (path / "capabilities.toml").read_text(encoding="utf-8")
    (path / "capabilities.toml").write_text(spec.replace('kind = "dir"', 'kind = "sideways"', 1), encoding="utf-8")
    with pytest.raises(InputFormatError, match="kind must be one of"):
        load_suite(path)
    (path / "capabilities.toml").write_text(spec + '\n[capabilities.x]\nkind = "mft"\nexpect = "similar"\n'
                                            'templates = [["{nolexicon}", "b"]]\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="no lexicon 'nolexicon'"):
        generate(load_suite(path), ["x"])


def test_cli_table_json_html_and_fail_above(tmp_path):
    from simcalc.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["check", "-s", "char_jaccard", "-c", "negation,fullwidth", "--cases", "30"])
    assert out.exit_code == 0, out.output  # failures alone never change the exit code
    assert "negation" in out.output and "fail rate" in out.output
    blocked = runner.invoke(main, ["check", "-s", "char_jaccard", "-c", "negation", "--cases", "30",
                                   "--fail-above", "0.5"])
    assert blocked.exit_code == 1 and "negation" in blocked.output
    passed = runner.invoke(main, ["check", "-s", "char_jaccard", "-c", "fullwidth", "--cases", "30",
                                  "--fail-above", "0.0", "--json", "-o", str(tmp_path / "r.html")])
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.stdout)["capabilities"][0]["failed"] == 0
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    own = runner.invoke(main, ["check", "-s", "levenshtein", "-c", "typo", "--cases", "12", "--no-handwritten",
                               "--suite", str(_copy_suite(tmp_path)), "--json", "-o", str(tmp_path / "r.json")])
    assert own.exit_code == 0, own.output
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["cases"] == 12
    md = runner.invoke(main, ["check", "-s", "levenshtein", "-c", "number", "--cases", "10", "--markdown"])
    assert md.exit_code == 0 and md.output.startswith("| capability |")
    bad = runner.invoke(main, ["check", "-s", "levenshtein", "-c", "nosuch"])
    assert bad.exit_code == 2 and "unknown capability" in bad.output
    listed = runner.invoke(main, ["check", "--list"])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) >= 15


def test_import_does_not_load_torch():
    code = "import sys, simcalc.check, simcalc.check.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.shared_data
@pytest.mark.slow
def test_rule_engine_says_opposite_for_negation(shared_data):
    report = run("rules", ["negation", "ba_bei"], cases=25)
    caps = {c.name: c for c in report.capabilities}
    assert report.scale.signed
    assert caps["negation"].opposite_rate() is not None
    assert caps["negation"].failure_rate() < 0.5  # the rule engine's K3 negation coefficient
