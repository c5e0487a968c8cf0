"""The general (routed) config: a router of domains, one expert stack per domain, their mixture, the
signed verdict kept, the config format and ``fit-ensemble --domain``. Offline: lexical members and the
rule-engine stand-in of tests/test_signed.py; the shipped ``general`` config on real data under ``shared_data``."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simcalc import cli, registry
from simcalc.scorer import Result
from simcalc.ensemble import EnsembleScorer, load_config
from simcalc.errors import InputFormatError, ResourceNotFoundError
from simcalc.fitting import DomainScores, fit_general_from_scores, parse_domains, write_config
from simcalc.registry import ScorerSpec
from simcalc.lexical import JaroWinklerScorer
from simcalc.router import Router, fit_router
from test_signed import PolarScorer

# two kinds of text, written for these tests: banking questions and picture captions
BANK = ["怎么开通花呗", "花呗如何开通", "借呗怎么还款", "如何还借呗的钱", "银行卡丢了怎么办", "信用卡年费多少",
        "额度为什么降低了", "转账多久到账", "余额宝收益怎么算", "怎么提高借呗额度", "花呗账单怎么查", "还款日可以改吗"]
CAPTION = ["一个男人在弹吉他。", "一只猫在沙发上睡觉。", "两个孩子在公园里踢足球。", "一个女人在切洋葱。",
           "一只狗在草地上奔跑。", "一个人在骑自行车。", "一群人在海边散步。", "一个男孩在吃苹果。",
           "一个女孩在画画。", "一架飞机正在起飞。", "一个男人在做饭。", "一匹马在田野里吃草。"]


@pytest.fixture(autouse=True, scope="module")
def _polar_registered():
    registry.register(ScorerSpec("polar_test", "test_signed:PolarScorer", "rules", "tests only"))
    yield


def domain(texts: list[str], rng: np.random.Generator, n: int, flip: bool, graded: bool = False) -> DomainScores:
    """Pairs of one kind of text whose first member says "similar" the right way round in one domain and
    the wrong way round in the other (``flip``): no single stack fits both, experts can."""
    pairs = [(texts[i], texts[j]) for i, j in rng.integers(0, len(texts), size=(n, 2))]
    y = rng.integers(0, 6 if graded else 2, size=n).astype(float)
    share = y / y.max()
    good = np.clip(share + rng.normal(0, 0.15, n), 0, 1)
    first = 1 - good if flip else good
    raw = np.column_stack([first, rng.uniform(0, 1, n)])
    coverage = np.clip(share + rng.normal(0, 0.3, n), 0, 1)
    features = {"polar_test": (["coverage", "negation_mismatch", "opposite"],
                               np.column_stack([coverage, np.zeros(n), np.zeros(n)]))}
    return DomainScores(raw, y, features, pairs)


@pytest.fixture(scope="module")
def domains() -> dict[str, DomainScores]:
    rng = np.random.default_rng(7)
    return {"bank": domain(BANK, rng, 400, flip=False), "caption": domain(CAPTION, rng, 400, flip=True, graded=True)}


@pytest.fixture(scope="module")
def fitted(domains, tmp_path_factory):
    config = fit_general_from_scores(domains, ["levenshtein", "polar_test"], {}, name="g")
    out = tmp_path_factory.mktemp("general") / "g.toml"
    write_config(config, out)
    return config, out


def test_router_tells_the_kinds_of_text_apart_and_survives_its_table(tmp_path):
    router = fit_router([(a, b) for a in BANK for b in BANK] + [(a, b) for a in CAPTION for b in CAPTION],
                        ["bank"] * 144 + ["caption"] * 144)
    route = router.route("花呗怎么还款", "借呗额度")
    assert set(route) == {"bank", "caption"} and math.isclose(sum(route.values()), 1.0)
    assert route["bank"] > 0.8 and router.route("一个男人在吃饭。", "一只猫在睡觉。")["caption"] > 0.8
    router.save(tmp_path / "r.tsv.gz")
    loaded = Router.load(tmp_path / "r.tsv.gz")
    assert loaded.route("花呗怎么还款", "借呗额度") == pytest.approx(route)
    assert sum(loaded.route("", "").values()) == pytest.approx(1.0)  # no known n-gram: the intercepts decide


def test_the_router_reads_how_much_of_the_pair_is_shared():
    """Two kinds of pair over the same words — one side a reordering of the other, or two unrelated
    sentences — are told apart by the shared-character gram alone (n-grams cannot: the words are the same)."""
    from simcalc.router import pair_grams

    assert pair_grams("花呗怎么还款", "怎么还款花呗")["§o5"] == 1 and pair_grams("花呗怎么还款", "一只猫")["§o0"] == 1
    words = BANK + CAPTION
    reordered = [(a, a[len(a) // 2:] + a[:len(a) // 2]) for a in words]
    unrelated = [(a, words[(i + 7) % len(words)]) for i, a in enumerate(words)]
    router = fit_router(reordered + unrelated, ["paws"] * len(words) + ["sts"] * len(words))
    assert router.route("借呗怎么还款", "怎么还款借呗")["paws"] > 0.6
    assert router.route("借呗怎么还款", "一只猫在沙发上睡觉")["sts"] > 0.6


def test_a_sharper_router_is_the_same_router_at_a_lower_temperature():
    pairs = [(a, b) for a in BANK for b in BANK] + [(a, b) for a in CAPTION for b in CAPTION]
    labels = ["bank"] * 144 + ["caption"] * 144
    plain, sharp = fit_router(pairs, labels, sharpness=1.0), fit_router(pairs, labels, sharpness=2.0)
    for pair in (("花呗怎么还款", "一只猫在睡觉。"), ("借呗", "一个男人")):
        p, q = plain.route(*pair), sharp.route(*pair)
        squared = {d: v * v for d, v in p.items()}
        assert q == pytest.approx({d: v / sum(squared.values()) for d, v in squared.items()}, rel=1e-3)
        assert max(q.values()) >= max(p.values())
    with pytest.raises(InputFormatError, match="sharpness"):
        fit_router(pairs, labels, sharpness=0)


def test_threshold_rules_pick_their_own_best_cut():
    from simcalc.evaluate import rule_threshold

    rng = np.random.default_rng(5)
    y = (rng.uniform(size=3000) < 0.3).astype(int)  # 30 % similar, as AFQMC
    scores = np.clip(0.3 + 0.25 * y + rng.normal(0, 0.2, 3000), 0, 1)

    def measured(t: float) -> dict[str, float]:
        called = scores >= t
        tp, tn = int((called & (y == 1)).sum()), int((~called & (y == 0)).sum())
        f1 = 2 * tp / (called.sum() + y.sum())
        return {"balanced": (tp / y.sum() + tn / (y == 0).sum()) / 2, "accuracy_f1": (tp + tn) / len(y) + f1,
                "macro_f1": (f1 + 2 * tn / ((~called).sum() + (y == 0).sum())) / 2}

    grid = np.unique(scores)
    for rule in ("balanced", "accuracy_f1", "macro_f1"):
        t = rule_threshold(scores, y, rule)
        assert measured(t)[rule] == pytest.approx(max(measured(g)[rule] for g in grid))
    # leaning toward the majority ("not similar"): fewer pairs called similar than the balanced cut calls
    assert rule_threshold(scores, y, "balanced") < rule_threshold(scores, y, "macro_f1")


def test_each_domain_gets_its_own_expert_and_the_graded_one_keeps_the_order(fitted, domains):
    config, _ = fitted
    experts = {e.name: e for e in config.experts}
    assert set(experts) == {"bank", "caption"}
    # the first member says "similar" in the bank domain and "different" in the caption one; the
    # non-negative stack keeps it in the bank expert and drops it (coefficient 0) in the caption expert
    assert experts["bank"].members["levenshtein"] > 0 and experts["caption"].members["levenshtein"] == 0
    assert experts["caption"].features["polar_test"]["coverage"] > 0  # grades follow coverage there
    assert experts["caption"].info["dev_labels"].startswith("graded")
    assert all(m.stack is None for m in config.members)  # the experts hold the coefficients


def test_the_score_is_the_router_weighted_mixture_of_the_experts(fitted):
    _, out = fitted
    scorer = EnsembleScorer(str(out))
    pair = ("花呗怎么还款", "借呗如何还款")
    result = scorer.score(*pair)
    details = result.details
    assert details["expert"] == "bank" and details["router"]["bank"] > 0.5
    cal = {name: part["calibrated"] for name, part in details["members"].items()}
    features = scorer.members[1][1].score(*pair).details["features"]
    standardised = {"polar_test": scorer.config.features[0].standardised(features)}
    mixture = sum(w / (1 + math.exp(-e.logit(cal, standardised)))
                  for e in scorer.config.experts for d, w in scorer.config.router.route(*pair).items() if d == e.name)
    assert details["p_similar"] == pytest.approx(mixture)
    assert result.score == pytest.approx(mixture) and result.label == int(mixture >= scorer.threshold)
    # the shown contributions are the chosen expert's
    bank = next(e for e in scorer.config.experts if e.name == "bank")
    assert details["members"]["levenshtein"]["stack_coefficient"] == bank.members["levenshtein"]
    assert "bank expert" in details["decided_by"]


def test_a_routed_config_stays_signed(tmp_path, domains):
    rng = np.random.default_rng(3)
    bank = domains["bank"]
    n = len(bank.labels)
    said = rng.uniform(size=n) < 0.1  # the polarity member called these opposite: all labelled 0
    labels = np.where(said, 0.0, bank.labels)
    raw = bank.raw.copy()
    raw[said, 0] = 0.95
    features = bank.features["polar_test"][1].copy()
    features[said, 0], features[said, 1], features[said, 2] = 0.95, 1.0, 1.0
    signed = {"bank": DomainScores(raw, labels, {"polar_test": (["coverage", "negation_mismatch", "opposite"],
                                                                features)}, bank.pairs),
              "caption": domains["caption"]}
    config = fit_general_from_scores(signed, ["levenshtein", "polar_test"], {}, name="s")
    assert config.polarity is not None and config.polarity.member == "polar_test"
    # each expert has its own content stack, without the structural features and the polarity member
    for expert in config.experts:
        assert set(expert.content["members"]) == {"levenshtein"}
        assert "negation_mismatch" not in expert.content["features"].get("polar_test", {})
    write_config(config, tmp_path / "s.toml")
    scorer = EnsembleScorer(str(tmp_path / "s.toml"))
    assert scorer.config.experts[0].content == config.experts[0].content  # written and read back
    pair = ("怎么开通花呗呢", "怎么没开通花呗呢")
    result = scorer.score(*pair)
    assert result.details["polarity"]["verdict"] == "opposite"
    cal = {name: part["calibrated"] for name, part in result.details["members"].items()}
    standardised = {"polar_test": scorer.config.features[0].standardised(
        result.details["members"]["polar_test"]["details"]["features"])}
    route = scorer.config.router.route(*pair)
    content = sum(route[e.name] / (1 + math.exp(-e.logit(cal, standardised, content=True)))
                  for e in scorer.config.experts)
    assert result.details["content"] == pytest.approx(content)
    assert result.details["polarity"]["opposite"] == (content >= config.polarity.content_gate)
    if result.details["polarity"]["opposite"]:
        assert result.score == pytest.approx(-content) and result.verdict == "opposite"
    else:
        assert result.score >= 0


def test_the_config_format_is_checked(fitted, tmp_path):
    _, out = fitted
    text = out.read_text(encoding="utf-8")
    assert "[router]" in text and "[experts.bank]" in text
    (tmp_path / "no_router.toml").write_text(text.replace("[router]", "[routerx]"), encoding="utf-8")
    with pytest.raises(InputFormatError, match="router"):
        load_config(tmp_path / "no_router.toml")
    (tmp_path / "missing.toml").write_text(text.replace('file = "g.router.tsv.gz"', 'file = "gone.tsv.gz"'),
                                           encoding="utf-8")
    with pytest.raises(ResourceNotFoundError):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "outside.toml").write_text(text.replace('file = "g.router.tsv.gz"', 'file = "../g.tsv.gz"'),
                                           encoding="utf-8")
    with pytest.raises(InputFormatError, match="outside"):
        load_config(tmp_path / "outside.toml")
    with pytest.raises(InputFormatError, match="texts"):
        EnsembleScorer(str(out)).combine({"levenshtein": [], "polar_test": []}, 0 + 1)


def test_parse_domains(tmp_path):
    f = tmp_path / "a.tsv"
    f.write_text("x", encoding="utf-8")
    assert parse_domains([f"a={f}", f"b={f}@0:10"]) == {"a": str(f), "b": (str(f), 0, 10)}
    for bad in ("a", f"={f}", f"a={f}@5", f"a={tmp_path}/none.tsv", f"a={f}@x:y"):
        with pytest.raises(InputFormatError):
            parse_domains([bad])
    with pytest.raises(InputFormatError, match="one per name"):
        parse_domains([f"a={f}", f"a={f}"])


def test_fit_ensemble_domain_writes_a_general_config_that_scores(tmp_path):
    bank = [(BANK[i], BANK[(i + k) % 12], int(k == 0)) for i in range(12) for k in (0, 1, 5)]
    caption = [(CAPTION[i], CAPTION[(i + k) % 12], 5 if k == 0 else k % 4) for i in range(12) for k in (0, 1, 3, 5)]
    files = {}
    for name, rows in (("bank", bank), ("caption", caption)):
        files[name] = tmp_path / f"{name}.tsv"
        files[name].write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                               encoding="utf-8")
    out = tmp_path / "cfg" / "mine.toml"
    result = CliRunner().invoke(cli.main, ["fit-ensemble", "--domain", f"bank={files['bank']}", "--domain",
                                           f"caption={files['caption']}@0:40", "--members", "levenshtein,tfidf",
                                           "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out.parent / "mine.router.tsv.gz").exists() and (out.parent / "mine.tfidf-idf.tsv.gz").exists()
    config = load_config(out)
    assert [e.name for e in config.experts] == ["bank", "caption"]
    assert config.experts[1].info["dev_pairs"] == 40
    scored = EnsembleScorer(str(out)).score("怎么开通花呗", "怎么开通花呗")
    assert 0.0 <= scored.score <= 1.0 and scored.details["expert"] == "bank"
    neither = CliRunner().invoke(cli.main, ["fit-ensemble", "--out", str(out)])
    assert neither.exit_code != 0 and "--domain" in neither.output


@pytest.mark.usefixtures("shared_data")
def test_shipped_general_config_routes_real_pairs():
    scorer = EnsembleScorer("general")
    assert {e.name for e in scorer.config.experts} == {"bq", "lcqmc", "afqmc", "cnsd", "pawsx", "qbqtc"}
    bank = scorer.score("微粒贷怎么还款", "微粒贷如何还钱")
    # a short search query beside a page title (with its site name) is the query-title expert's
    query = scorer.score("红烧肉做法", "红烧肉的家常做法大全_怎么做好吃_下厨房")
    assert query.details["expert"] == "qbqtc"
    caption = scorer.score("一个男人在弹吉他。", "一个人在弹吉他。")
    assert bank.details["expert"] in ("bq", "afqmc") and caption.details["expert"] in ("cnsd", "pawsx")
    assert bank.label == 1 and caption.label == 1
    negated = scorer.score("我喜欢吃苹果", "我不喜欢吃苹果")
    assert negated.verdict == "opposite" and negated.score < 0


# -- the cascade: the expensive member skipped where the cheap pre-stacks are clearly below the floor -----
class CountingPolar(PolarScorer):
    """The rule-engine stand-in, counting the pairs it is asked to score."""

    name = "polar_count"
    seen: list[tuple[str, str]] = []

    def _score_pair(self, a: str, b: str) -> Result:
        CountingPolar.seen.append((a, b))
        return PolarScorer._score_pair(self, a, b)


@pytest.fixture(scope="module")
def cascaded(domains, tmp_path_factory):
    registry.register(ScorerSpec("polar_count", "test_general:CountingPolar", "rules", "tests only"))
    renamed = {d: DomainScores(s.raw, s.labels, {"polar_count": s.features["polar_test"]}, s.pairs)
               for d, s in domains.items()}
    config = fit_general_from_scores(renamed, ["levenshtein", "polar_count"], {}, name="c",
                                     cascade_member="polar_count", max_cascade_change=0.02)
    out = tmp_path_factory.mktemp("cascade") / "c.toml"
    write_config(config, out)
    return config, out


def mixed_pairs() -> list[tuple[str, str]]:
    return [(a, b) for a in BANK[:6] for b in BANK[3:9]] + [(a, a) for a in CAPTION[:4]]


def test_the_cascade_is_fitted_and_its_floor_keeps_labels_on_the_fitting_data(cascaded):
    config, out = cascaded
    cascade = config.cascade
    assert cascade is not None and cascade.member == "polar_count" and cascade.enabled
    assert 0.0 < cascade.floor < 0.5
    assert cascade.experts == ["bank"]  # the graded domain's expert orders dissimilar pairs too: not skipped
    assert cascade.floors == {"bank": cascade.floor} and cascade.floor_for("bank") == cascade.floor
    assert all(e.pre and "polar_count" not in e.pre["members"] for e in config.experts)
    assert all(share <= 0.02 for share in cascade.info["fit_changed"].values())
    loaded = load_config(str(out))
    assert loaded.cascade == cascade and [e.pre for e in loaded.experts] == [e.pre for e in config.experts]


def test_skipped_pairs_never_run_the_expensive_member_and_say_so(cascaded):
    _, out = cascaded
    pairs = mixed_pairs()
    on, off = EnsembleScorer(str(out)), EnsembleScorer(str(out), cascade=False)
    assert on.cascade is not None and off.cascade is None
    CountingPolar.seen.clear()
    results = on.score_batch(pairs)
    asked = list(CountingPolar.seen)
    skipped = [i for i, r in enumerate(results) if "cascade" in r.details]
    assert skipped and len(skipped) < len(pairs)  # both paths taken on this batch
    assert len(asked) == len(pairs) - len(skipped)
    floor = on.cascade.floor
    for i, r in enumerate(results):
        if i in skipped:
            assert r.details["cascade"]["pre_stack"] < floor and r.score == r.details["cascade"]["pre_stack"]
            assert r.label == 0 and r.verdict != "opposite" and "polar_count" not in r.details["members"]
            assert r.details["expert"] == "bank"
            assert r.details["decided_by"].startswith("polar_count skipped: pre-stack ")
            assert f"below the bank floor {floor:.2f}" in r.details["decided_by"]
    # the pairs not skipped: exactly the full engine's answer
    CountingPolar.seen.clear()
    full = off.score_batch(pairs)
    assert len(CountingPolar.seen) == len(pairs)
    for i, (r, f) in enumerate(zip(results, full)):
        if i not in skipped:
            assert r.score == pytest.approx(f.score) and r.details["decided_by"] == f.details["decided_by"]


def test_each_expert_skips_below_its_own_floor(cascaded, tmp_path):
    config, out = cascaded
    text = out.read_text()
    assert f"floors = {{bank = {config.cascade.floor!r}}}" in text
    (out.parent / "own.toml").write_text(text.replace(f"floors = {{bank = {config.cascade.floor!r}}}", "floors = {bank = 0.0}"))
    own = EnsembleScorer(str(out.parent / "own.toml"))
    assert own.cascade is not None and own.cascade.floor > 0 and own.cascade.floor_for("bank") == 0.0
    CountingPolar.seen.clear()
    results = own.score_batch(mixed_pairs())
    assert not any("cascade" in r.details for r in results) and len(CountingPolar.seen) == len(results)


def test_a_user_threshold_below_the_floor_never_lets_a_skipped_pair_pass(cascaded):
    _, out = cascaded
    pairs = mixed_pairs()
    floor = EnsembleScorer(str(out)).cascade.floor_for("bank")
    low = floor / 2
    on, off = EnsembleScorer(str(out), threshold=low), EnsembleScorer(str(out), threshold=low, cascade=False)
    for r, f in zip(on.score_batch(pairs), off.score_batch(pairs)):
        if "cascade" in r.details:  # skipped only under the lowered floor, and then "not similar" as the full engine says
            assert r.details["cascade"]["pre_stack"] < low and r.details["cascade"]["floor"] == low
            assert r.label == 0
        else:
            assert r.score == pytest.approx(f.score) and r.label == f.label


def test_a_config_with_one_floor_for_every_expert_still_loads_and_skips_alike(cascaded, tmp_path):
    config, out = cascaded
    text = out.read_text()
    line = f"floors = {{bank = {config.cascade.floor!r}}}\n"
    assert line in text
    (out.parent / "old.toml").write_text(text.replace(line, ""))  # the format before per-expert floors
    old, new = EnsembleScorer(str(out.parent / "old.toml")), EnsembleScorer(str(out))
    assert old.cascade.floors == {} and old.cascade.floor_for("bank") == new.cascade.floor_for("bank")
    pairs = mixed_pairs()
    for a, b in zip(old.score_batch(pairs), new.score_batch(pairs)):
        assert a.score == b.score and ("cascade" in a.details) == ("cascade" in b.details)


class CountingEarly(JaroWinklerScorer):
    """A member of the cascade's early stage, counting the pairs it is asked to score."""

    name = "early_count"
    seen: list[tuple[str, str]] = []

    def _score_pair(self, a: str, b: str) -> Result:
        CountingEarly.seen.append((a, b))
        return JaroWinklerScorer._score_pair(self, a, b)


@pytest.fixture(scope="module")
def staged(domains, tmp_path_factory):
    registry.register(ScorerSpec("polar_count", "test_general:CountingPolar", "rules", "tests only"))
    registry.register(ScorerSpec("early_count", "test_general:CountingEarly", "lexical", "tests only"))
    rng = np.random.default_rng(3)
    renamed = {d: DomainScores(np.column_stack([s.raw[:, 0], np.clip(s.raw[:, 0] + rng.normal(0, 0.1, len(s.raw)), 0, 1),
                                                s.raw[:, 1]]), s.labels, {"polar_count": s.features["polar_test"]},
                               s.pairs) for d, s in domains.items()}
    config = fit_general_from_scores(renamed, ["levenshtein", "early_count", "polar_count"], {}, name="s",
                                     cascade_member="polar_count", max_cascade_change=0.02,
                                     cascade_early=["early_count"])
    out = tmp_path_factory.mktemp("staged") / "s.toml"
    write_config(config, out)
    return config, out


def test_the_early_stage_skips_the_early_members_too_and_keeps_the_full_answer_elsewhere(staged):
    config, out = staged
    cascade = config.cascade
    assert cascade.early == ["early_count"] and set(cascade.early_floors) == {"bank"}
    assert all(set(e.early["members"]) == {"levenshtein"} and "polar_count" not in e.pre["members"]
               for e in config.experts)
    assert all(share <= 0.04 for share in cascade.info["fit_changed"].values())  # two stages of 0.02
    loaded = load_config(str(out))
    assert loaded.cascade == cascade and [e.early for e in loaded.experts] == [e.early for e in config.experts]
    pairs = mixed_pairs()
    on, off = EnsembleScorer(str(out)), EnsembleScorer(str(out), cascade=False)
    CountingEarly.seen.clear()
    CountingPolar.seen.clear()
    results = on.score_batch(pairs)
    early = [i for i, r in enumerate(results) if r.details.get("cascade", {}).get("stage") == "early"]
    later = [i for i, r in enumerate(results) if "cascade" in r.details and i not in early]
    assert early, "the early stage answers some pairs of this batch"
    assert len(CountingEarly.seen) == len(pairs) - len(early)
    assert len(CountingPolar.seen) == len(pairs) - len(early) - len(later)
    full = off.score_batch(pairs)
    for i, (r, f) in enumerate(zip(results, full)):
        if i in early:
            assert r.label == 0 and set(r.details["members"]) == {"levenshtein"}
            assert r.details["decided_by"].startswith("early_count and polar_count skipped: pre-stack ")
        elif i not in later:
            assert r.score == pytest.approx(f.score)
    with pytest.raises(InputFormatError, match="early"):
        text = out.read_text().replace('early = ["early_count"]', 'early = ["tfidf"]')
        (out.parent / "bad.toml").write_text(text)
        load_config(str(out.parent / "bad.toml"))


def test_a_general_fit_refuses_an_unknown_threshold_rule(domains):
    with pytest.raises(InputFormatError, match="threshold_rule"):
        fit_general_from_scores(domains, ["levenshtein", "polar_test"], {}, threshold_rule="accuracy")


def test_a_threshold_rule_per_domain_moves_only_that_domains_intercept(domains):
    members = ["levenshtein", "polar_test"]
    plain = {e.name: e for e in fit_general_from_scores(domains, members, {}).experts}
    leaning = {e.name: e for e in fit_general_from_scores(domains, members, {}, threshold_rule={"bank": "macro_f1"}).experts}
    assert leaning["caption"].intercept == plain["caption"].intercept  # graded: no threshold to place
    assert leaning["bank"].members == plain["bank"].members  # the same stack, another cut
    both = fit_general_from_scores(domains, members, {}, threshold_rule="macro_f1")
    assert {e.name: e.intercept for e in both.experts}["bank"] == leaning["bank"].intercept
    with pytest.raises(InputFormatError, match="threshold_rule"):
        fit_general_from_scores(domains, members, {}, threshold_rule={"nowhere": "macro_f1"})
    with pytest.raises(InputFormatError, match="threshold_rule"):
        fit_general_from_scores(domains, members, {}, threshold_rule={"bank": "accuracy"})


def test_an_expert_uses_only_the_members_it_is_given(domains):
    members = ["levenshtein", "polar_test"]
    config = fit_general_from_scores(domains, members, {}, expert_members={"bank": ["polar_test"]})
    experts = {e.name: e for e in config.experts}
    assert experts["bank"].members["levenshtein"] == 0.0 and experts["bank"].members["polar_test"] != 0.0
    assert experts["bank"].content["members"].get("levenshtein", 0.0) == 0.0
    free = {e.name: e for e in fit_general_from_scores(domains, members, {}).experts}
    assert free["bank"].members["levenshtein"] > 0  # it would have used it
    assert experts["caption"].members == free["caption"].members  # the other expert is fitted as before
    with pytest.raises(InputFormatError, match="no such members"):
        fit_general_from_scores(domains, members, {}, expert_members={"bank": ["tfidf"]})
    with pytest.raises(InputFormatError, match="domains without data"):
        fit_general_from_scores(domains, members, {}, expert_members={"news": ["levenshtein"]})


def test_an_expert_without_the_cascade_members_pre_stack_leaves_it_out(cascaded, domains):
    renamed = {d: DomainScores(s.raw, s.labels, {"polar_count": s.features["polar_test"]}, s.pairs)
               for d, s in domains.items()}
    config = fit_general_from_scores(renamed, ["levenshtein", "polar_count"], {}, name="c",
                                     cascade_member="polar_count", max_cascade_change=0.02,
                                     expert_members={"bank": ["polar_count"]})
    bank = next(e for e in config.experts if e.name == "bank")
    assert bank.pre["members"] == {"levenshtein": 0.0}


def test_cascade_off_scores_as_a_config_without_one(cascaded, tmp_path):
    config, _ = cascaded
    config.cascade.enabled = False  # type: ignore[union-attr]
    write_config(config, tmp_path / "off.toml")
    config.cascade.enabled = True  # type: ignore[union-attr]
    text = (tmp_path / "off.toml").read_text()
    assert "[cascade]" in text and "enabled = false" in text
    plain = text.split("[cascade]")[0] + "[router]" + text.split("[router]", 1)[1]
    plain = "\n".join(line for line in plain.split("\n\n") if ".pre]" not in line)
    (tmp_path / "plain.toml").write_text(plain)
    off = EnsembleScorer(str(tmp_path / "off.toml"))
    assert off.cascade is None and load_config(str(tmp_path / "plain.toml")).cascade is None
    pairs = mixed_pairs()
    for a, b in zip(off.score_batch(pairs), EnsembleScorer(str(tmp_path / "plain.toml")).score_batch(pairs)):
        assert a.score == b.score and a.details == b.details


def test_the_cascade_table_is_checked(cascaded):
    _, out = cascaded
    text = out.read_text()
    for bad, message in ((text.replace('member = "polar_count"\nfloor', 'member = "nope"\nfloor'), "not a member"),
                         (text.replace("enabled = true", "enabled = 1"), "true or false"),
                         (text.replace("\n[experts.bank.pre]", "\n[experts.bank.unused]"), "pre] tables"),
                         (text.replace("floors = {bank", "floors = {nope"), "unknown experts"),
                         (text.replace("floors = {bank = ", "floors = {bank = 1"), r"in \[0, 1\)")):
        (out.parent / "bad.toml").write_text(bad)  # beside its router table
        with pytest.raises(InputFormatError, match=message):
            load_config(str(out.parent / "bad.toml"))


@pytest.mark.usefixtures("shared_data")
def test_shipped_general_cascade_skips_clearly_different_pairs_only():
    on, off = EnsembleScorer("general"), EnsembleScorer("general", cascade=False)
    assert on.config.cascade is not None and off.cascade is None
    different = on.score("微粒贷怎么还款", "今天天气怎么样")
    assert "cascade" in different.details and different.label == 0
    assert different.details["decided_by"].startswith("rule engine skipped: pre-stack ")
    negated = on.score("我喜欢吃苹果", "我不喜欢吃苹果")
    assert "cascade" not in negated.details and negated.verdict == "opposite"
    assert negated.score == pytest.approx(off.score("我喜欢吃苹果", "我不喜欢吃苹果").score)


def test_the_general_bench_reads_its_fitting_choices():
    from bench.general import FIT_SETS, MEMBERS, member_experts, threshold_rule

    assert threshold_rule("balanced") == "balanced"
    assert threshold_rule("balanced,afqmc=accuracy_f1") == {"*": "balanced", "afqmc": "accuracy_f1"}
    assert threshold_rule("afqmc=macro_f1") == {"afqmc": "macro_f1"}
    chosen = member_experts("word_order=pawsx+afqmc", MEMBERS)
    assert set(chosen) == set(FIT_SETS) and "word_order" in chosen["pawsx"] and "word_order" not in chosen["bq"]
    assert all(set(v) == set(MEMBERS) for v in member_experts("", MEMBERS).values())
    with pytest.raises(SystemExit):
        member_experts("nonsense=bq", MEMBERS)
