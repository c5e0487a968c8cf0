#!/usr/bin/env python
"""The ensemble against each of its members, on four benchmarks, plus a throughput table.

    SIMCALC_DATA_DIR=../shared/data python bench/ensemble.py [--limit N] [--json out.json]

Protocol (nothing is tuned on a reported split):
  * BQ test      — config ``bq`` (fit on BQ dev); with ``--with-rules`` also a config fitted here on BQ dev
                   with the rule engine as a member; member thresholds: best accuracy on BQ dev.
  * LCQMC test   — config ``lcqmc`` (fit on LCQMC dev); member thresholds from LCQMC dev.
  * PAWS-X zh dev — config ``lcqmc`` (open domain; PAWS-X has no other labelled split here): AUC, Spearman.
  * CNSD STS-B dev — config fitted by this script on CNSD STS-B *train* (labels ≥ 2.5 = similar): Spearman.
One ensemble pass scores every member too (the members' raw scores are in the ensemble's details),
so member and ensemble numbers come from the same run. Throughput: pairs/s on BQ test pairs, each
scorer in the same run, with the ratio to levenshtein; cold start of ``simcalc compare`` in a fresh process.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from simcalc import datasets, registry  # noqa: E402
from simcalc.ensemble import EnsembleScorer  # noqa: E402
from simcalc.evaluate import best_threshold, binary_metrics, graded_metrics  # noqa: E402
from bench.common import cold_start_seconds, pairs_per_second, pairs as read_pairs  # noqa: E402
from simcalc.resources import cache_dir  # noqa: E402



def scored(path: Path, scorer: EnsembleScorer, limit: int | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Ensemble and member raw scores (by name) and labels of a labelled file."""
    rows = read_pairs(path, limit, labelled=True)
    pairs, labels = [(a, b) for a, b, _ in rows], [label for _, _, label in rows]
    results = []
    for start in range(0, len(pairs), 1024):
        results += scorer.score_batch(pairs[start:start + 1024])
    out = {"ensemble": np.array([r.score for r in results])}
    for name in results[0].details["members"]:
        out[name] = np.array([r.details["members"][name]["raw"] for r in results])
    for member in scorer.config.members:  # members the config does not use (weight 0): scored for the table
        if member.name in scorer.unused:
            alone = scorer._load_member(member)
            out[member.name] = np.array([r.score for r in alone.score_batch(pairs)])
    return out, np.array(labels)


def sts_config(limit: int | None) -> Path:
    from simcalc.fitting import fit_ensemble

    out = cache_dir() / "bench" / "sts_train.toml"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        fit_ensemble(datasets.resolve("cnsd_sts_b/train.tsv"), out, description="CNSD STS-B train (bench only)")
    return out


def rules_config() -> Path:
    """BQ dev fit with the rule engine as a seventh member (needs the HowNet data in SIMCALC_DATA_DIR)."""
    from simcalc.fitting import DEFAULT_MEMBERS, fit_ensemble

    out = cache_dir() / "bench" / "bq-rules.toml"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        fit_ensemble(datasets.resolve("bq_corpus/dev.tsv"), out, [*DEFAULT_MEMBERS, "rules"],
                     description="BQ dev with the rule engine (bench only)")
    return out


def accuracy_tables(limit: int | None, with_rules: bool = False) -> dict:
    report = {}
    with_rules = [str(rules_config())] if with_rules else []
    for label, configs, test, dev in (("BQ test", ["bq"] + with_rules, "bq_corpus/test.tsv", "bq_corpus/dev.tsv"),
                                      ("LCQMC test", ["lcqmc"], "lcqmc/test.tsv", "lcqmc/dev.tsv")):
        rows = {}
        for config in configs:  # the last config's members give the member rows
            scorer = EnsembleScorer(config)
            dev_scores, dev_y = scored(datasets.resolve(dev), scorer, limit)
            test_scores, test_y = scored(datasets.resolve(test), scorer, limit)
            for name, s in test_scores.items():
                t = scorer.threshold if name == "ensemble" else best_threshold(dev_scores[name], dev_y)
                m = binary_metrics(s, test_y, t)
                key = f"ensemble `{Path(config).stem}`" if name == "ensemble" else name
                rows[key] = {"accuracy": m["accuracy"], "f1": m["f1"], "roc_auc": m["roc_auc"], "threshold": t}
        rows = dict(sorted(rows.items(), key=lambda kv: not kv[0].startswith("ensemble")))
        report[label] = {"config": ", ".join(Path(c).stem for c in configs), "n": len(test_y), "rows": rows}
    for label, config, data in (("PAWS-X zh dev", "lcqmc", "pawsx_zh/dev.tsv"),
                                ("CNSD STS-B dev", None, "cnsd_sts_b/dev.tsv")):
        config = config or str(sts_config(limit))
        scorer = EnsembleScorer(config)
        scores, y = scored(datasets.resolve(data), scorer, limit)
        rows = {}
        for name, s in scores.items():
            rows[name] = {"spearman": graded_metrics(s, y)["spearman"]}
            if label.startswith("PAWS"):
                rows[name]["roc_auc"] = binary_metrics(s, y, 0.5)["roc_auc"]
        report[label] = {"config": Path(config).stem, "n": len(y), "rows": rows}
    return report


def throughput(n: int) -> dict:
    pairs = read_pairs(datasets.resolve("bq_corpus/test.tsv"), n)
    out = {}
    for name in ("levenshtein", "jaro_winkler", "char_jaccard", "tfidf", "cvlstm", "mgf", "ensemble"):
        options = {"config": "bq"} if name == "ensemble" else {}
        scorer = registry.get(name, **options)
        if name == "tfidf":
            scorer.fit(s for p in pairs for s in p)
        out[name] = pairs_per_second(scorer, pairs)
    return out


def cold_start(config: str, repeats: int = 3) -> float:
    return cold_start_seconds(["compare", "怎么开通花呗", "花呗如何开通", "--config", config], repeats)


def render(report: dict) -> str:
    lines = []
    for label in ("BQ test", "LCQMC test"):
        block = report["accuracy"][label]
        lines += [f"### {label} (n={block['n']}, ensemble config `{block['config']}`, thresholds from dev)", "",
                  "| scorer | acc | F1 | AUC |", "|---|---|---|---|"]
        for name, m in block["rows"].items():
            lines.append(f"| {name} | {100 * m['accuracy']:.2f} | {100 * m['f1']:.2f} | {100 * m['roc_auc']:.2f} |")
        lines.append("")
    for label in ("PAWS-X zh dev", "CNSD STS-B dev"):
        block = report["accuracy"][label]
        keys = list(next(iter(block["rows"].values())))
        lines += [f"### {label} (n={block['n']}, ensemble config `{block['config']}`)", "",
                  "| scorer | " + " | ".join("Spearman" if k == "spearman" else "AUC" for k in keys) + " |",
                  "|---" * (len(keys) + 1) + "|"]
        for name, m in block["rows"].items():
            lines.append(f"| {name} | " + " | ".join(f"{100 * m[k]:.2f}" for k in keys) + " |")
        lines.append("")
    if "throughput" in report:
        base = report["throughput"]["levenshtein"]
        lines += ["### Throughput (BQ test pairs, one process, side by side)", "",
                  "| scorer | pairs/s | × levenshtein |", "|---|---|---|"]
        for name, v in report["throughput"].items():
            lines.append(f"| {name} | {v:,.0f} | {v / base:.3f} |")
        lines += ["", "| cold start `simcalc compare` | seconds |", "|---|---|"]
        for config, v in report["cold_start"].items():
            lines.append(f"| --config {config} | {v:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="At most N pairs per file (quick runs).")
    parser.add_argument("--pairs", type=int, default=3000, help="Pairs for the throughput table.")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--with-rules", action="store_true", help="Also fit and report BQ with the rules member.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = {"accuracy": accuracy_tables(args.limit, args.with_rules)}
    if not args.no_speed:
        report["throughput"] = throughput(args.pairs)
        report["cold_start"] = {c: cold_start(c) for c in ("default", "lexical")}
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
