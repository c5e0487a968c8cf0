"""The signed engine: feature stacking, the [features]/[polarity] config, the three-way verdict in the
CLI, file scoring and the server. A small stand-in for the rule engine (``polar_test``) exposes features
and a polarity verdict the way ``rules`` does, so these tests run offline; the behaviour of the shipped
default on real data is at the end, under ``shared_data``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simcalc import cli, registry
from simcalc.ensemble import EnsembleConfig, EnsembleScorer, load_config
from simcalc.errors import InputFormatError
from simcalc.fitting import fit_from_scores
from simcalc.registry import ScorerSpec
from simcalc.result import Result, verdict_of
from simcalc.scorer import PairwiseScorer

NEGATIONS = ("不", "没")


class PolarScorer(PairwiseScorer):
    """Character overlap, plus rule-engine-like features: a negation on one side only is 'opposite'."""

    name = "polar_test"
    range = (-1.0, 1.0)

    def _score_pair(self, a: str, b: str) -> Result:
        sa, sb = set(a) - set(NEGATIONS), set(b) - set(NEGATIONS)
        overlap = len(sa & sb) / max(1, len(sa | sb))
        mismatch = float(any((n in a) != (n in b) for n in NEGATIONS))
        verdict = "opposite" if mismatch and overlap > 0.5 else "agree" if overlap > 0.5 else "unclear"
        features = {"coverage": overlap, "negation_mismatch": mismatch, "opposite": float(verdict == "opposite")}
        return Result(-overlap if verdict == "opposite" else overlap, self.name,
                      details={"features": features,
                               "polarity": {"verdict": verdict, "reason": f"negation on one side ({mismatch:g})"}})


@pytest.fixture(autouse=True, scope="module")
def _polar_registered():
    registry.register(ScorerSpec("polar_test", f"{__name__}:PolarScorer", "rules", "tests only"))
    yield


def signed_config(gate: float = 0.5) -> dict:
    """A hand-written signed config: char_jaccard + polar_test and its features."""
    return {"ensemble": {"name": "signed-test", "combination": "stacking", "threshold": 0.5, "mean_threshold": 0.5},
            "stacking": {"intercept": -2.0},
            "members": {"char_jaccard": {"weight": 1.0, "stack": 3.0, "dev_mean": 0.4},
                        "polar_test": {"weight": 0.0, "stack": 0.0}},
            "features": {"polar_test": {"coefficients": {"coverage": 1.5, "negation_mismatch": -2.5, "opposite": -1.0},
                                        "center": {"coverage": 0.5, "negation_mismatch": 0.1, "opposite": 0.05},
                                        "scale": {"coverage": 0.25, "negation_mismatch": 0.3, "opposite": 0.2}}},
            "polarity": {"member": "polar_test", "content_gate": gate, "structural": ["negation_mismatch", "opposite"],
                         "content": {"intercept": -3.0, "members": {"char_jaccard": 6.0},
                                     "features": {"polar_test": {"coverage": 0.5}}}}}


# -- fitting -------------------------------------------------------------------------------------
def synthetic(n: int = 3000, seed: int = 0):
    """Content scores for paraphrases / non-paraphrases, and negated near-copies (label 0, high content)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    content = np.clip(0.25 + 0.45 * y + rng.normal(0, 0.15, n), 0, 1)
    negated = rng.random(n) < 0.1
    content[negated] = np.clip(0.85 + rng.normal(0, 0.05, negated.sum()), 0, 1)
    y[negated] = 0
    coverage = np.clip(content + rng.normal(0, 0.1, n), 0, 1)
    raw = np.column_stack([content, np.clip(content + rng.normal(0, 0.2, n), 0, 1)])
    swapped = (rng.random(n) < 0.02) & ~negated  # roles exchanged: a veto
    features = {"polar": (["coverage", "negation_mismatch", "opposite", "constant", "role_exchange"],
                          np.column_stack([coverage, negated, negated, np.ones(n), swapped]).astype(float))}
    return raw, y, features, negated


def test_feature_stack_gives_a_feature_meaning_different_a_negative_coefficient():
    raw, y, features, negated = synthetic()
    config = fit_from_scores(raw, y, ["lex", "polar"], {}, features=features)
    (fs,) = config.features
    assert fs.member == "polar" and "constant" not in fs.coefficients  # a constant feature is dropped
    assert fs.coefficients["negation_mismatch"] < 0 < fs.coefficients["coverage"]
    assert fs.center["negation_mismatch"] == pytest.approx(negated.mean(), abs=1e-6)
    # the stack with features separates the negated near-copies that the members alone call similar
    plain = fit_from_scores(raw, y, ["lex", "polar"], {}, features={})
    assert "features" not in plain.fitted_on and not plain.features and plain.polarity is None
    assert float(config.fitted_on.split("dev accuracy ")[1]) > float(plain.fitted_on.split("dev accuracy ")[1]) + 0.05


def test_the_content_gate_keeps_false_opposites_among_dev_paraphrases_at_most_half_a_percent():
    raw, y, features, negated = synthetic()
    # paraphrases the member wrongly calls opposite: a few close in content, most not
    flipped = np.concatenate([np.flatnonzero(~negated & (y == 1) & (raw[:, 0] < 0.6))[:40],
                              np.flatnonzero(~negated & (y == 1) & (raw[:, 0] > 0.9))[:3]])
    features["polar"][1][flipped, 2] = 1.0
    config = fit_from_scores(raw, y, ["lex", "polar"], {}, features=features)
    pol = config.polarity
    assert pol is not None and pol.member == "polar"
    assert set(pol.structural) == {"negation_mismatch", "opposite", "role_exchange"}
    assert not set(pol.structural) & set(pol.content_features.get("polar", {}))
    assert "polar" not in pol.content_members  # the polarity member's own signed score is not "content"
    assert pol.info["dev_false_opposite_rate"] <= 0.005
    # the structural features that veto "similar", in VETO's order: exchanged roles, and a pair the member calls
    # opposite whose content the gate did not let through as opposite
    assert pol.veto == ["role_exchange", "opposite"] and pol.info["dev_vetoed"] >= 1
    assert config.name == "ensemble"  # the veto's feature loop once overwrote it
    assert pol.info["dev_opposite"] >= 0.8 * negated.sum()  # ... and most true opposites still pass
    assert pol.info["dev_opposite_labelled_0"] >= pol.info["dev_opposite"] - int(0.005 * y.sum())


def test_a_config_with_features_round_trips_through_toml(tmp_path):
    raw, y, features, _ = synthetic(800)
    config = fit_from_scores(raw, y, ["levenshtein", "char_jaccard"], {},
                             features={"char_jaccard": features["polar"]})
    path = tmp_path / "c.toml"
    path.write_text(config.to_toml(), encoding="utf-8")
    back = load_config(str(path))
    assert back.features == config.features and back.polarity == config.polarity
    assert back.to_toml() == config.to_toml()
    assert back.signed


def test_old_configs_load_and_score_as_before(tmp_path):
    old = """[ensemble]
name = "old"
combination = "stacking"
threshold = 0.5

[stacking]
intercept = -1.0

[members.levenshtein]
weight = 1.0
calibration = "none"
stack = 2.0
options = {}
"""
    path = tmp_path / "old.toml"
    path.write_text(old, encoding="utf-8")
    config = load_config(str(path))
    assert config.features == [] and config.polarity is None and not config.signed
    scorer = EnsembleScorer(str(path))
    result = scorer.score("怎么开通花呗", "花呗如何开通")
    lev = registry.get("levenshtein").score("怎么开通花呗", "花呗如何开通").score
    assert result.score == pytest.approx(1 / (1 + np.exp(-(-1.0 + 2.0 * lev))))
    assert "decided_by" not in result.details and "p_similar" not in result.details
    assert scorer.range == (0.0, 1.0) and result.verdict in ("similar", "not similar")
    assert not load_config("lexical").signed  # a shipped config in the old format


@pytest.mark.parametrize("change, match", [
    (lambda c: c["features"].update(nobody={"coefficients": {"x": 1.0}}), "not a member"),
    (lambda c: c["features"]["polar_test"].pop("coefficients"), "coefficients"),
    (lambda c: c["features"]["polar_test"]["scale"].update(coverage=0.0), "scale must be > 0"),
    (lambda c: c["polarity"].update(content_gate=1.5), "content_gate"),
    (lambda c: c["polarity"].update(member="nobody"), "not members"),
    (lambda c: c["ensemble"].update(combination="mean"), "stacking"),
])
def test_bad_signed_configs_are_refused_clearly(change, match):
    config = signed_config()
    change(config)
    with pytest.raises(InputFormatError, match=match):
        EnsembleConfig.from_dict(config)


# -- the verdict ---------------------------------------------------------------------------------
def test_verdict_of_unsigned_and_signed_scores():
    assert Result(0.9, "x").verdict is None  # no threshold, not negative: no decision
    assert Result(0.9, "x").with_threshold(0.5).verdict == "similar"
    assert Result(0.1, "x").with_threshold(0.5).verdict == "not similar"
    assert Result(-0.7, "x").with_threshold(0.5).verdict == "opposite"
    assert verdict_of(None, None) is None and verdict_of(-0.1, None) == "opposite"
    assert Result(0.1, "x").with_threshold(0.5).to_dict()["verdict"] == "not similar"


def test_gate_fires_a_negated_copy_is_opposite_with_content_as_the_score():
    scorer = EnsembleScorer(signed_config(gate=0.5))
    assert scorer.range == (-1.0, 1.0)
    result = scorer.score("我喜欢吃苹果", "我不喜欢吃苹果")
    d = result.details
    assert d["polarity"]["verdict"] == "opposite" and d["polarity"]["opposite"]
    assert d["content"] >= 0.5 and result.score == pytest.approx(-d["content"])
    assert result.verdict == "opposite" and result.label == 0
    assert 0 <= d["p_similar"] < 0.5  # the probability of "similar" stays available
    assert d["decided_by"].startswith("negation_mismatch: negation on one side")
    contribution = d["features"]["polar_test"]["negation_mismatch"]
    assert contribution["coefficient"] == -2.5 and contribution["contribution"] == pytest.approx(-2.5 * 0.9 / 0.3)


def test_gate_not_reached_leaves_the_probability_and_says_why():
    result = EnsembleScorer(signed_config(gate=0.999)).score("我喜欢吃苹果", "我不喜欢吃苹果")
    assert not result.details["polarity"]["opposite"]
    assert result.score == pytest.approx(result.details["p_similar"]) and result.score >= 0
    assert result.verdict == "not similar"
    assert "said opposite but content" in result.details["decided_by"]


def test_paraphrase_and_unrelated_pairs_are_never_opposite():
    scorer = EnsembleScorer(signed_config())
    same = scorer.score("我喜欢吃苹果", "我喜欢吃苹果")
    assert same.verdict == "similar" and same.score == pytest.approx(same.details["p_similar"])
    assert "toward similar" in same.details["decided_by"]
    other = scorer.score("我不喜欢下雨天", "怎么开通花呗")  # a negation, but nothing in common
    assert other.verdict == "not similar" and other.score >= 0


def test_without_the_polarity_member_the_engine_falls_back_unsigned():
    config = signed_config()
    config["members"]["polar_missing"] = config["members"].pop("polar_test")
    config["members"]["polar_missing"]["stack"] = 0.5
    config["features"] = {}
    config["polarity"]["member"] = "polar_missing"
    config["polarity"]["content"]["features"] = {}
    scorer = EnsembleScorer(config)
    assert scorer.polarity is None and scorer.combination == "mean" and "polar_missing" in scorer.left_out
    result = scorer.score("我喜欢吃苹果", "我不喜欢吃苹果")
    assert result.score >= 0 and result.verdict in ("similar", "not similar")


# -- the surfaces --------------------------------------------------------------------------------
@pytest.fixture
def signed_toml(tmp_path) -> Path:
    path = tmp_path / "signed.toml"
    path.write_text(EnsembleConfig.from_dict(signed_config()).to_toml(), encoding="utf-8")
    return path


def test_cli_compare_prints_the_verdict(signed_toml):
    run = CliRunner().invoke(cli.main, ["compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--config", str(signed_toml)])
    assert run.exit_code == 0, run.output
    score, verdict = run.output.strip().split("  ")
    assert float(score) < 0 and verdict == "opposite"
    run = CliRunner().invoke(cli.main, ["compare", "我喜欢吃苹果", "我喜欢吃苹果", "--config", str(signed_toml)])
    assert run.output.strip().endswith("  similar")
    run = CliRunner().invoke(cli.main, ["explain", "我喜欢吃苹果", "我不喜欢吃苹果", "--config", str(signed_toml)])
    assert run.exit_code == 0, run.output
    assert "(opposite" in run.output.splitlines()[0] and "decided by: negation_mismatch" in run.output


@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl"])
def test_score_writes_a_verdict_column(tmp_path, signed_toml, fmt):
    rows = [("我喜欢吃苹果", "我不喜欢吃苹果"), ("我喜欢吃苹果", "我喜欢吃苹果"), ("怎么开通花呗", "今天天气很好")]
    src = tmp_path / "pairs.tsv"
    src.write_text("sentence1\tsentence2\n" + "".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    run = CliRunner().invoke(cli.main, ["score", str(src), "-o", str(out), "--config", str(signed_toml)])
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        verdicts = [json.loads(line)["verdict"] for line in text.splitlines()]
    else:
        sep = "," if fmt == "csv" else "\t"
        lines = [line.split(sep) for line in text.splitlines()]
        at = lines[0].index("verdict")
        verdicts = [cells[at] for cells in lines[1:]]
    assert verdicts == ["opposite", "similar", "not similar"]


def test_score_with_an_unsigned_scorer_has_two_verdicts(tmp_path):
    src = tmp_path / "pairs.tsv"
    src.write_text("sentence1\tsentence2\n我喜欢吃苹果\t我不喜欢吃苹果\n怎么开通花呗\t今天天气很好\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    run = CliRunner().invoke(cli.main, ["score", str(src), "-o", str(out), "--scorer", "char_jaccard",
                                        "--threshold", "0.5"])
    assert run.exit_code == 0, run.output
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    at = lines[0].index("verdict")
    assert [cells[at] for cells in lines[1:]] == ["similar", "not similar"]


def test_server_json_has_the_verdict(signed_toml):
    pytest.importorskip("fastapi", reason="the server extra (fastapi) is not installed")
    from fastapi.testclient import TestClient

    from simcalc.server import ServerSettings, create_app

    settings = ServerSettings(scorers=("levenshtein",), view=False)
    with TestClient(create_app(settings)) as client:
        client.app.state.pool.entries["levenshtein"].scorer = EnsembleScorer(str(signed_toml))
        body = client.post("/compare", json={"sentence1": "我喜欢吃苹果", "sentence2": "我不喜欢吃苹果",
                                             "scorer": "levenshtein"}).json()
        assert body["verdict"] == "opposite" and body["score"] < 0
        assert body["details"]["decided_by"].startswith("negation_mismatch")
        body = client.post("/score", json={"pairs": [["我喜欢吃苹果", "我喜欢吃苹果"]], "scorer": "levenshtein"}).json()
        assert body["results"][0]["verdict"] == "similar"


def test_the_page_shows_the_verdict_and_what_decided():
    from simcalc.display.report import explanation_html

    result = EnsembleScorer(signed_config()).score("我喜欢吃苹果", "我不喜欢吃苹果")
    html = explanation_html(result)
    assert "sc-opposite" in html and "decided by negation_mismatch" in html


def test_fit_ensemble_cli_stacks_features_and_writes_a_signed_config(tmp_path):
    pairs = [("我喜欢吃苹果", "我喜欢吃苹果", 1), ("我喜欢吃苹果", "我不喜欢吃苹果", 0), ("怎么开通花呗", "花呗怎么开通", 1),
             ("怎么开通花呗", "怎么不开通花呗", 0), ("今天天气很好", "今天天气不好", 0), ("借呗怎么还款", "借呗如何还款", 1),
             ("借呗怎么还款", "信用卡年费多少", 0), ("我想去北京", "我想去北京市", 1), ("他会开车", "他不会开车", 0),
             ("额度怎么提高", "怎么提高额度", 1), ("银行卡丢了", "转账多久到账", 0), ("我同意", "我同意这个", 1)] * 3
    dev = tmp_path / "dev.tsv"
    dev.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in pairs), encoding="utf-8")
    out = tmp_path / "fit.toml"
    run = CliRunner().invoke(cli.main, ["fit-ensemble", "--dev", str(dev), "--out", str(out), "--members",
                                        "char_jaccard,polar_test", "--features", "polar_test", "-q", "--json"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert "negation_mismatch" in report["features"]["polar_test"] and report["polarity"]["member"] == "polar_test"
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert "coefficients" in data["features"]["polar_test"] and "content" in data["polarity"]
    run = CliRunner().invoke(cli.main, ["fit-ensemble", "--dev", str(dev), "--out", str(out), "--members",
                                        "char_jaccard,polar_test", "--features", "none", "-q", "--json"])
    assert run.exit_code == 0 and "features" not in json.loads(run.output)
    assert "features" not in tomllib.loads(out.read_text(encoding="utf-8"))


# -- the shipped default on real data ------------------------------------------------------------
def test_the_default_engine_calls_negated_sentences_opposite(shared_data):
    """Template pairs (tests/rules_suites.py), not benchmark rows: S V O against S 不 V O."""
    from rules_suites import negation_pairs, same_polarity_pairs

    scorer = EnsembleScorer("default")
    assert scorer.polarity is not None and "rules" not in scorer.left_out
    negated = scorer.score_batch(negation_pairs()[::4])
    share = np.mean([r.verdict == "opposite" for r in negated])
    assert share >= 0.8, share
    same = scorer.score_batch(same_polarity_pairs()[::6])
    assert not any(r.verdict == "opposite" for r in same)


def test_role_exchange_reason_is_the_same_in_every_process():
    """The pivot named in a role-exchange reason is the first in sentence order, not a set's hash order."""
    code = ("import simcalc\n"
            "r = simcalc.get_scorer('rules').score('猫在院子里追老鼠', '老鼠在院子里追猫')\n"
            "print(r.details['polarity']['reason'])")
    reasons = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        reasons.add(out.stdout.strip())
    assert len(reasons) == 1 and "change sides of 在" in reasons.pop()
