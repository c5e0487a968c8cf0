#!/usr/bin/env python
"""The rule engine's benchmark: accuracy of the signed engine (default) and of the paper's formula (paper
defaults, tuned on dev, user dictionary), polarity (false opposites, opposite precision, behaviour suites),
an ablation of every rule, component extraction on raw text, and speed — side by side in one run.

    SIMCALC_DATA_DIR=../shared/data python bench/rules.py [--limit N] [--json out.json]

* Accuracy: LCQMC and BQ test with the threshold chosen on their dev split; PAWS-X zh dev and CNSD
  STS-B dev as Spearman (threshold-free). ``tuned`` is the best of a small grid of config switches chosen
  on **LCQMC dev** accuracy (never on a reported split) and used unchanged everywhere.
* Polarity: of the pairs labelled similar in LCQMC/BQ **test**, the share scored < 0 ("opposite"); of the
  pairs called opposite in LCQMC + BQ **dev**, how many are labelled not similar (precision); the template
  suites of tests/rules_suites.py (share of pairs handled as the suite asks, at the scorer's threshold).
* ``+ user dict`` on BQ: data/userdicts/banking.txt (WeBank product names and banking terms jieba splits).
* Ablation: each rule switched off from the paper-default config, on LCQMC and BQ test (dev thresholds).
* Components on raw text: GSD 1.4 test; gold = components extracted from the treebank tree (converted to
  LTP labels); predicted from raw text (jieba + repairs + parser) and from the gold tokens. A slot counts
  as right when the predicted centre word equals the gold one (both absent counts as right).
* Speed: pairs/s of a fresh ``rules`` scorer on BQ test pairs vs ``levenshtein`` in the same run, and the
  cold start of ``simcalc compare --scorer rules`` vs ``--scorer levenshtein`` (subprocess wall time).
``--limit N`` scores only the first N pairs of each file (say so when you quote the numbers).
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simcalc.rules.components import analyse  # noqa: E402
from simcalc.rules.config import ABLATIONS, SIGNED_ABLATIONS, RuleConfig  # noqa: E402
from simcalc.rules.parse.conllu import read_conllu  # noqa: E402
from simcalc.rules.parse.types import Parse  # noqa: E402
from simcalc.rules.parse.ud_convert import convert  # noqa: E402
from simcalc.rules.scorer import RulesScorer  # noqa: E402
from simcalc.rules.tokens import repair  # noqa: E402
from simcalc import registry  # noqa: E402
from simcalc.evaluate import best_threshold, binary_metrics, graded_metrics  # noqa: E402
from simcalc.io import PairReader  # noqa: E402
from simcalc.resources import find_resource, project_data_path  # noqa: E402

SETS = {  # name: (reported file, threshold file or None)
    "LCQMC": ("lcqmc/test.tsv", "lcqmc/dev.tsv"),
    "BQ": ("bq_corpus/test.tsv", "bq_corpus/dev.tsv"),
    "PAWS-X": ("pawsx_zh/dev.tsv", None),
    "STS-B": ("cnsd_sts_b/dev.tsv", None),
}
GRID = {  # the switches tuned on LCQMC dev
    "pattern_interrogative": (0.1, 0.5, 1.0),
    "word_alignment_weight": (0.0, 0.5, 0.8),
    "use_component_coefficient": (True, False),
}
GOALS = {"LCQMC": ("acc", 72.0), "BQ": ("acc", 66.0), "PAWS-X": ("ρ", 35.0), "STS-B": ("ρ", 66.0)}


def load_pairs(relative: str, limit: int | None) -> tuple[list[tuple[str, str]], np.ndarray]:
    reader = PairReader(find_resource(relative))
    pairs, labels = [], []
    for row in reader:
        if getattr(row, "error", None) or row.label is None:
            continue
        pairs.append((row.sentence1, row.sentence2))
        labels.append(float(row.label))
        if limit and len(pairs) >= limit:
            break
    return pairs, np.asarray(labels)


def scores_of(scorer: RulesScorer, pairs, batch: int = 512) -> np.ndarray:
    out = []
    for start in range(0, len(pairs), batch):
        chunk = pairs[start: start + batch]
        prepared = [scorer.prepare_pair(a, b) for a, b in chunk]
        out += [r.score for r in scorer.score_prepared(prepared)]
    return np.asarray(out)


def measure(scorer: RulesScorer, data: dict, name: str) -> dict:
    test_pairs, test_labels, dev_pairs, dev_labels = data[name]
    scores = scores_of(scorer, test_pairs)
    if dev_pairs is None:
        return {"ρ": 100 * graded_metrics(scores, test_labels)["spearman"]}
    dev_scores = scores_of(scorer, dev_pairs)
    threshold = best_threshold(dev_scores, dev_labels)
    m = binary_metrics(scores, test_labels, threshold)
    dev_acc = binary_metrics(dev_scores, dev_labels, threshold)["accuracy"]
    return {"acc": 100 * m["accuracy"], "F1": 100 * m["f1"], "AUC": 100 * m["roc_auc"], "threshold": threshold,
            "dev acc": 100 * dev_acc}


PAPER = RuleConfig().replace(mode="paper")


def polarity(scorer: RulesScorer, data: dict) -> dict:
    """False opposites on test label-1 pairs; opposite precision on dev."""
    out = {}
    for name in ("LCQMC", "BQ"):
        tp, tl, dp, dl = data[name]
        scores = scores_of(scorer, tp)
        similar = tl == 1
        out[f"{name} test: similar called opposite"] = (int((scores[similar] < 0).sum()), int(similar.sum()))
        dev = scores_of(scorer, dp)
        out[f"{name} dev: opposite labelled not similar"] = (int(((dev < 0) & (dl == 0)).sum()), int((dev < 0).sum()))
    return out


def suites(scorer: RulesScorer) -> dict:
    """Pass rates on the template suites (tests/rules_suites.py) at the scorer's threshold."""
    sys.path.insert(0, str(ROOT / "tests"))
    import rules_suites as S

    thr = scorer.threshold
    checks = {
        "negation → opposite": (S.negation_pairs(), lambda r: r.score < 0),
        "antonymous predicates → opposite": (S.antonym_pairs(), lambda r: r.score < 0),
        "same polarity → similar": (S.same_polarity_pairs(), lambda r: r.score >= thr),
        "negation on another event → not opposite": (S.other_event_negation_pairs(), lambda r: r.score >= 0),
        "two ways of failing → similar": (S.failure_pairs(), lambda r: r.score >= thr),
        "A-not-A vs 吗 → similar": (S.a_not_a_pairs(), lambda r: r.score >= thr),
        "roles swapped → not similar, not opposite": (S.role_swap_pairs(), lambda r: 0 <= r.score < thr),
        "把/被 → similar": (S.ba_bei_pairs(), lambda r: r.score >= thr),
        "other amount → not similar": (S.number_pairs(), lambda r: 0 <= r.score < thr),
        "A 比 B 高 / B 比 A 矮 → similar": (S.comparative_converse_pairs(), lambda r: r.score >= thr),
        "A 比 B 高 / B 比 A 高 → not similar": (S.comparative_swap_pairs(), lambda r: 0 <= r.score < thr),
        "卖给 / 从…买 → similar": (S.transfer_converse_pairs(), lambda r: r.score >= thr),
    }
    out = {}
    for label, (pairs, ok) in checks.items():
        results = scorer.score_batch(pairs)
        out[label] = (sum(bool(ok(r)) for r in results), len(pairs))
    triples = S.question_type_triples()
    same = scorer.score_batch([(a, b) for a, b, _ in triples])
    other = scorer.score_batch([(a, c) for a, _, c in triples])
    out["same question type > other type"] = (sum(x.score > y.score for x, y in zip(same, other)), len(triples))
    return out


def tune(scorer: RulesScorer, data: dict) -> tuple[RuleConfig, list]:
    dev_pairs, dev_labels = data["LCQMC"][2], data["LCQMC"][3]
    trials = []
    for values in itertools.product(*GRID.values()):
        config = PAPER.replace(**dict(zip(GRID, values)))
        scores = scores_of(scorer.with_config(config), dev_pairs)
        acc = binary_metrics(scores, dev_labels, best_threshold(scores, dev_labels))["accuracy"]
        trials.append((acc, dict(zip(GRID, values))))
    trials.sort(key=lambda t: -t[0])
    return PAPER.replace(**trials[0][1]), trials


def components_on_raw_text(scorer: RulesScorer, limit: int | None) -> dict:
    sentences = read_conllu(find_resource("ud_chinese/UD_Chinese-GSD_r1.4/zh-ud-test.conllu"))[:limit]
    config = scorer.config

    def slots(parse: Parse) -> tuple:
        s = analyse(parse, config)
        if not s.clauses:
            return (None, None, None)
        c = s.clauses[0]
        return (c.predicate.centre.token, c.subject.centre.token if c.subject else None,
                c.object.centre.token if c.object else None)

    gold, raw, gold_tok = [], [], []
    segment = scorer._segmenter()
    raw_tokens = [repair(segment(s.text), frozenset(), scorer.words.knows, segment.frequencies)[0]
                  for s in sentences]
    raw_parses = scorer.parser.parse_tokens_batch(raw_tokens)
    tok_parses = scorer.parser.parse_tokens_batch([list(s.tokens) for s in sentences])
    for s, rp, tp in zip(sentences, raw_parses, tok_parses):
        ltp = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
        gold.append(slots(Parse(list(s.tokens), ltp.pos, ltp.heads, ltp.rels, "gold")))
        raw.append(slots(rp))
        gold_tok.append(slots(tp))
    out = {}
    for label, pred in (("raw text", raw), ("gold tokens", gold_tok)):
        out[label] = {slot: 100 * np.mean([p[k] == g[k] for p, g in zip(pred, gold)])
                      for k, slot in enumerate(("HED", "subject", "object"))}
    out["n"] = len(sentences)
    return out


def speed(pairs, limit: int) -> dict:
    """pairs/s by wall clock and by this process's CPU time (the machine is shared: CPU time is the fairer
    ratio), for a fresh scorer (its analyses and the engine's caches as the accuracy runs left them) and
    for the same pairs again (every sentence analysed, every word pair known: an FAQ's steady state)."""
    pairs = pairs[:limit]

    def rate(run) -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        run()
        return len(pairs) / (time.perf_counter() - t), len(pairs) / max(time.process_time() - c, 1e-9)

    lev = registry.create("levenshtein")
    lev_rate, lev_cpu = rate(lambda: lev.score_batch(pairs))
    fresh = RulesScorer()
    rate_, cpu = rate(lambda: scores_of(fresh, pairs))
    again, again_cpu = rate(lambda: scores_of(fresh, pairs))

    def cold(name: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "simcalc.cli", "compare", "怎么开通花呗", "花呗如何开通", "--scorer", name],
                       cwd=ROOT, capture_output=True, check=True, env=os.environ.copy())
        return time.perf_counter() - t0

    cold_rules, cold_lev = cold("rules"), cold("levenshtein")
    return {"pairs": len(pairs), "rules_pairs_s": rate_, "rules_cpu_pairs_s": cpu, "rules_again_pairs_s": again,
            "rules_again_cpu_pairs_s": again_cpu, "levenshtein_pairs_s": lev_rate, "levenshtein_cpu_pairs_s": lev_cpu,
            "ratio": lev_rate / rate_, "cold_rules_s": cold_rules, "cold_levenshtein_s": cold_lev}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="score only the first N pairs of each file")
    ap.add_argument("--speed-pairs", type=int, default=2000)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--signed-only", action="store_true",
                    help="skip the paper formula's tuning grid and ablations and the user-dict rows (much faster)")
    ap.add_argument("--no-components", action="store_true", help="skip the GSD component check and speed")
    ap.add_argument("--no-ablation", action="store_true", help="skip the signed engine's ablations")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report: dict = {"limit": args.limit}
    data = {}
    for name, (test, dev) in SETS.items():
        tp, tl = load_pairs(test, args.limit)
        dp, dl = load_pairs(dev, args.limit) if dev else (None, None)
        data[name] = (tp, tl, dp, dl)
    signed = RulesScorer()
    signed.cache_size = 400_000
    base = signed.with_config(PAPER)  # the paper's formula on the same analyses
    t0 = time.perf_counter()
    rows = {}
    for name in SETS:
        rows[("signed (default)", name)] = measure(signed, data, name)
        rows[("paper defaults", name)] = measure(base, data, name)
    report["polarity"] = {"signed (default)": polarity(signed, data), "paper defaults": polarity(base, data)}
    report["suites"] = {"signed (default)": suites(signed)}
    banking = project_data_path("userdicts/banking.txt")
    with_dict = RulesScorer(user_dict=banking)
    with_dict.cache_size = 200_000
    if not args.signed_only:
        rows[("signed + user dict", "BQ")] = measure(with_dict, data, "BQ")
    ablation = {}
    for label, change in ({} if args.no_ablation else SIGNED_ABLATIONS).items():
        scorer = signed.with_config(RuleConfig().replace(**change))
        ablation[f"signed: {label}"] = {name: measure(scorer, data, name)["acc"] for name in ("LCQMC", "BQ")}
    ablation["(signed default)"] = {name: rows[("signed (default)", name)]["acc"] for name in ("LCQMC", "BQ")}
    tuned_config = None
    if not args.signed_only:
        tuned_config, trials = tune(base, data)
        report["tuning"] = [{"lcqmc_dev_acc": round(100 * a, 2), **c} for a, c in trials]
        for name in SETS:
            rows[("paper tuned on LCQMC dev", name)] = measure(base.with_config(tuned_config), data, name)
        paper_dict = with_dict.with_config(PAPER)
        rows[("paper defaults + user dict", "BQ")] = measure(paper_dict, data, "BQ")
        rows[("paper tuned + user dict", "BQ")] = measure(paper_dict.with_config(tuned_config), data, "BQ")
        for label, change in ABLATIONS.items():
            scorer = base.with_config(PAPER.replace(**change))
            ablation[f"paper: {label}"] = {name: measure(scorer, data, name)["acc"] for name in ("LCQMC", "BQ")}
        ablation["(paper defaults)"] = {name: rows[("paper defaults", name)]["acc"] for name in ("LCQMC", "BQ")}
    report["accuracy_seconds"] = time.perf_counter() - t0
    if not args.no_components:
        report["components"] = components_on_raw_text(base, args.limit)
        report["speed"] = speed(data["BQ"][0], args.speed_pairs)
    report["tuned_config"] = {k: getattr(tuned_config, k) for k in GRID} if tuned_config else None

    print("## Accuracy (test; thresholds chosen on dev, 'dev acc' at that threshold; paper tuned = grid on LCQMC dev)\n")
    print("| config | LCQMC acc | LCQMC F1 | LCQMC AUC | LCQMC dev acc | BQ acc | BQ F1 | BQ AUC | BQ dev acc "
          "| PAWS-X ρ | STS-B ρ |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for config in ("signed (default)", "signed + user dict", "paper defaults", "paper tuned on LCQMC dev",
                   "paper defaults + user dict", "paper tuned + user dict"):
        if not any(k[0] == config for k in rows):
            continue
        cells = []
        for name, keys in (("LCQMC", ("acc", "F1", "AUC", "dev acc")), ("BQ", ("acc", "F1", "AUC", "dev acc")),
                           ("PAWS-X", ("ρ",)),
                           ("STS-B", ("ρ",))):
            r = rows.get((config, name))
            cells += [f"{r[k]:.2f}" if r else "—" for k in keys]
        print(f"| {config} | " + " | ".join(cells) + " |")
    goal_cells = []
    for name, (key, goal) in GOALS.items():
        best = rows[("signed (default)", name)][key]
        goal_cells.append(f"{name} {key} ≥ {goal:g}: signed {best:.2f} ({'met' if best >= goal else 'missed'})")
    print("\nGoals: " + "; ".join(goal_cells))
    if report["tuned_config"]:
        print(f"\nPaper formula tuned config: {report['tuned_config']}")
    print("\n## Polarity\n")
    print("| engine | " + " | ".join(next(iter(report["polarity"].values()))) + " |")
    print("|---|" + "---|" * len(next(iter(report["polarity"].values()))))
    for engine, cells in report["polarity"].items():
        print(f"| {engine} | " + " | ".join(f"{a}/{b} ({100 * a / max(b, 1):.1f}%)" for a, b in cells.values()) + " |")
    print("\n## Behaviour suites (tests/rules_suites.py; share handled as the suite asks)\n")
    print("| suite | signed (default) |")
    print("|---|---|")
    for label, (ok, n) in report["suites"]["signed (default)"].items():
        print(f"| {label} | {ok}/{n} ({100 * ok / n:.1f}%) |")
    print("\n## Ablation (one rule off; accuracy, dev thresholds)\n")
    print("| switched off | LCQMC acc | BQ acc |")
    print("|---|---|---|")
    for label, r in ablation.items():
        print(f"| {label} | {r['LCQMC']:.2f} | {r['BQ']:.2f} |")
    if args.no_components:
        return _finish(args, report, rows, ablation)
    c = report["components"]
    print(f"\n## Components on GSD 1.4 test ({c['n']} sentences; centre word equals the treebank's)\n")
    print("| input | HED | subject centre | object centre |")
    print("|---|---|---|---|")
    for label in ("raw text", "gold tokens"):
        print(f"| {label} | {c[label]['HED']:.1f} | {c[label]['subject']:.1f} | {c[label]['object']:.1f} |")
    s = report["speed"]
    print(f"\n## Speed ({s['pairs']} BQ test pairs, a fresh scorer, same run; pairs/s by wall clock / by CPU time)\n")
    print("| scorer | pairs/s | CPU pairs/s | again (all cached) | ratio to levenshtein | cold start of `simcalc compare` |")
    print("|---|---|---|---|---|---|")
    print(f"| levenshtein | {s['levenshtein_pairs_s']:.0f} | {s['levenshtein_cpu_pairs_s']:.0f} | — | 1 | "
          f"{s['cold_levenshtein_s']:.2f} s |")
    print(f"| rules | {s['rules_pairs_s']:.0f} | {s['rules_cpu_pairs_s']:.0f} | {s['rules_again_pairs_s']:.0f} "
          f"({s['rules_again_cpu_pairs_s']:.0f} CPU) | {s['ratio']:.0f}× slower | {s['cold_rules_s']:.2f} s |")
    _finish(args, report, rows, ablation)


def _finish(args, report: dict, rows: dict, ablation: dict) -> None:
    if args.limit:
        print(f"\n(first {args.limit} pairs of each file)")
    if args.json:
        args.json.write_text(json.dumps({**report, "accuracy": {f"{k[0]} | {k[1]}": v for k, v in rows.items()},
                                         "ablation": ablation}, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
