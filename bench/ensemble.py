#!/usr/bin/env python
"""The ensemble against each of its members, on four benchmarks, plus a throughput table; with
``--signed``, the signed default engine against the configs of an earlier revision.

    SIMCALC_DATA_DIR=../shared/data python bench/ensemble.py [--limit N] [--json out.json]
    SIMCALC_DATA_DIR=../shared/data python bench/ensemble.py --signed --before REV [--cache DIR]

``--signed`` (the README's "signed default" tables): the default config and ``lcqmc`` of this checkout and
of git revision REV (``--before``), on BQ test / LCQMC test (accuracy at the config's dev threshold, AUC,
similar-labelled pairs called *opposite*), BQ dev + LCQMC dev (pairs called *opposite* and how many are
labelled not similar), PAWS-X zh dev (AUC, Spearman) and CNSD STS-B dev (Spearman); the behaviour suites
of tests/rules_suites.py by verdict; rows/s of the new default against the old on BQ test pairs in the
same process, and cold starts. ``--cache DIR`` keeps each member's scores, features and polarity per file
on disk (the rule engine takes minutes per file on a loaded machine); delete it after changing a member.

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
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from simcalc import datasets, registry  # noqa: E402
from simcalc.ensemble import EnsembleScorer  # noqa: E402
from simcalc.evaluate import best_threshold, binary_metrics, graded_metrics  # noqa: E402
from bench.common import ROOT, cold_start_seconds, pairs_per_second, pairs as read_pairs, publish  # noqa: E402
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


# -- the signed default ------------------------------------------------------------------------------
SIGNED_SETS = (("BQ test", "bq_corpus/test.tsv"), ("LCQMC test", "lcqmc/test.tsv"), ("BQ dev", "bq_corpus/dev.tsv"),
               ("LCQMC dev", "lcqmc/dev.tsv"), ("PAWS-X zh dev", "pawsx_zh/dev.tsv"),
               ("CNSD STS-B dev", "cnsd_sts_b/dev.tsv"))


def configs_at(rev: str) -> Path:
    """The shipped configs (and the files beside them) of git revision ``rev``, in a cache folder."""
    out = cache_dir() / "bench" / f"configs-{rev}"
    if not (out / "bq.toml").exists():
        out.mkdir(parents=True, exist_ok=True)
        names = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:simcalc/configs"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.split()
        for name in names:
            blob = subprocess.run(["git", "show", f"{rev}:simcalc/configs/{name}"], cwd=ROOT, check=True,
                                  capture_output=True).stdout
            (out / name).write_bytes(blob)
    return out


def labelled_pairs(relative: str, limit: int | None) -> tuple[list[tuple[str, str]], np.ndarray]:
    """A benchmark file's pairs and labels (``bench.common.pairs``)."""
    rows = read_pairs(datasets.resolve(relative), limit, labelled=True)
    return [(a, b) for a, b, _ in rows], np.array([y for _, _, y in rows])


def member_results(member, scorer, relative: str, pairs, cache: Path | None):
    """One member's results on a file, from ``cache`` when there (score, features and polarity only)."""
    from simcalc.result import Result

    import hashlib

    recipe = scorer.recipe().key if scorer.recipe() is not None else repr(sorted(member.options.items()))
    key = f"{relative.replace('/', '_')}.{len(pairs)}.{member.name}.{hashlib.md5(recipe.encode()).hexdigest()[:10]}"
    path = cache / f"{key}.json" if cache else None
    if path is not None and path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        rows = []
        for start in range(0, len(pairs), 1024):
            for r in scorer.score_batch(pairs[start:start + 1024]):
                rows.append([r.score, {k: r.details[k] for k in ("features", "polarity") if k in r.details}])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return [Result(score, member.name, details=details) for score, details in rows]


def ensemble_results(scorer: EnsembleScorer, relative: str, pairs, cache: Path | None):
    """The ensemble's results on a file: each member's (cached) results combined as ``score_batch`` would;
    under a cascade, the skipped members' results are read only for the pairs the cascade runs them on."""
    per_member = {m.name: member_results(m, s, relative, pairs, cache) for m, s in scorer.members}
    if scorer.cascade is None:
        return scorer.combine(per_member, len(pairs), pairs)
    expensive = per_member.pop(scorer.cascade.member)
    early = {name: per_member.pop(name) for name in scorer.cascade.early}
    return scorer.combine_cascaded(per_member, pairs, lambda rows: [expensive[i] for i in rows],
                                   lambda rows: {name: [rs[i] for i in rows] for name, rs in early.items()})


def signed_tables(before: str | None, limit: int | None, cache: Path | None, sets: list[str] | None = None) -> dict:
    old = configs_at(before) if before else None
    configs = {"default": "default", "lcqmc": "lcqmc"}
    if old is not None:
        configs = {f"default @{before}": str(old / "bq.toml"), "default": "default",
                   f"lcqmc @{before}": str(old / "lcqmc.toml"), "lcqmc": "lcqmc"}
    report: dict = {}
    for label, relative in SIGNED_SETS:
        if sets and label not in sets:
            continue
        pairs, y = labelled_pairs(relative, limit)
        graded = label.startswith("CNSD")
        block = {}
        for name, config in configs.items():
            scorer = EnsembleScorer(config)
            results = ensemble_results(scorer, relative, pairs, cache)
            s = np.array([r.score for r in results])
            verdicts = [r.verdict for r in results]
            row = {"spearman": graded_metrics(s, y)["spearman"]}
            if not graded:
                m = binary_metrics(s, y, scorer.threshold)
                opposite = np.array([v == "opposite" for v in verdicts])
                row.update(accuracy=m["accuracy"], roc_auc=m["roc_auc"], similar=int((y == 1).sum()),
                           similar_called_opposite=int((opposite & (y == 1)).sum()), opposite=int(opposite.sum()),
                           opposite_labelled_0=int((opposite & (y == 0)).sum()))
            block[name] = row
        report[label] = {"n": len(y), "rows": block}
    return report


def behaviour(configs: dict[str, str]) -> dict:
    """Share of each template suite (tests/rules_suites.py) that gets the verdict the suite asks for."""
    sys.path.insert(0, str(ROOT / "tests"))
    import rules_suites as S

    checks = {
        "negation → opposite": (S.negation_pairs(), {"opposite"}),
        "antonymous predicates → opposite": (S.antonym_pairs(), {"opposite"}),
        "same polarity → similar": (S.same_polarity_pairs(), {"similar"}),
        "negation on another event → not opposite": (S.other_event_negation_pairs(), {"similar", "not similar"}),
        "two ways of failing → similar": (S.failure_pairs(), {"similar"}),
        "A-not-A vs 吗 → similar": (S.a_not_a_pairs(), {"similar"}),
        "roles swapped → not similar": (S.role_swap_pairs(), {"not similar"}),
        "把/被 → similar": (S.ba_bei_pairs(), {"similar"}),
        "other amount → not similar": (S.number_pairs(), {"not similar"}),
    }
    out: dict = {}
    for name, config in configs.items():
        scorer = registry.get("rules") if config == "rules" else EnsembleScorer(config)
        for label, (pairs, wanted) in checks.items():
            results = scorer.score_batch(pairs)
            out.setdefault(label, {})[name] = (sum(r.verdict in wanted for r in results), len(pairs))
        triples = S.question_type_triples()
        same = scorer.score_batch([(a, b) for a, b, _ in triples])
        other = scorer.score_batch([(a, c) for a, _, c in triples])
        out.setdefault("same question type > other type", {})[name] = (
            sum(x.score > z.score for x, z in zip(same, other)), len(triples))
    return out


def signed_speed(before: str | None, n: int) -> dict:
    """Rows/s of the default engine against the earlier revision's default, one process, same pairs."""
    pairs = labelled_pairs("bq_corpus/test.tsv", n)[0]
    configs = {"bq": "bq", "default": "default"}
    if before:
        configs = {f"default @{before}": str(configs_at(before) / "bq.toml"), **configs}
    return {name: pairs_per_second(EnsembleScorer(config), pairs) for name, config in configs.items()}


def render_signed(report: dict) -> str:
    lines = []
    sets = report["signed"]
    lines += ["### Signed default: accuracy and opposites (thresholds from each config's dev)", "",
              "| config | set | acc | AUC | similar called opposite | called opposite | of them labelled 0 |",
              "|---|---|---|---|---|---|---|"]
    for label in ("BQ test", "LCQMC test", "BQ dev", "LCQMC dev"):
        for name, m in sets.get(label, {}).get("rows", {}).items():
            share = m["similar_called_opposite"] / max(1, m["similar"])
            lines.append(f"| {name} | {label} | {100 * m['accuracy']:.2f} | {100 * m['roc_auc']:.2f} | "
                         f"{m['similar_called_opposite']} / {m['similar']} ({100 * share:.2f} %) | {m['opposite']} | "
                         f"{m['opposite_labelled_0']} |")
    if "PAWS-X zh dev" in sets and "CNSD STS-B dev" in sets:
        lines += ["", "| config | PAWS-X zh dev AUC | PAWS-X zh dev Spearman | CNSD STS-B dev Spearman |",
                  "|---|---|---|---|"]
        for name in sets["PAWS-X zh dev"]["rows"]:
            p, c = sets["PAWS-X zh dev"]["rows"][name], sets["CNSD STS-B dev"]["rows"][name]
            lines.append(f"| {name} | {100 * p['roc_auc']:.2f} | {100 * p['spearman']:.2f} | {100 * c['spearman']:.2f} |")
    if "behaviour" in report:
        names = list(next(iter(report["behaviour"].values())))
        lines += ["", "### Behaviour suites (tests/rules_suites.py): pairs with the verdict the suite asks for", "",
                  "| suite | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for label, row in report["behaviour"].items():
            lines.append(f"| {label} | " + " | ".join(f"{ok}/{n}" for ok, n in row.values()) + " |")
    if "signed_speed" in report:
        speed = report["signed_speed"]
        base = next(iter(speed.values()))
        lines += ["", "### Speed (BQ test pairs, one process, same run)", "", "| config | pairs/s | ratio |", "|---|---|---|"]
        lines += [f"| {name} | {v:,.0f} | {v / base:.2f} |" for name, v in speed.items()]
        lines += ["", "| cold start `simcalc compare` | seconds |", "|---|---|"]
        lines += [f"| --config {c} | {v:.2f} |" for c, v in report["cold_start"].items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="At most N pairs per file (quick runs).")
    parser.add_argument("--pairs", type=int, default=3000, help="Pairs for the throughput table.")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--with-rules", action="store_true", help="Also fit and report BQ with the rules member.")
    parser.add_argument("--signed", action="store_true", help="The signed default tables (see above) instead.")
    parser.add_argument("--before", default=None, help="--signed: git revision whose configs to compare with.")
    parser.add_argument("--cache", type=Path, default=None, help="--signed: folder for member scores per file.")
    parser.add_argument("--no-behaviour", action="store_true", help="--signed: skip the behaviour suites.")
    parser.add_argument("--sets", default=None, help="--signed: only these sets (comma-separated labels; none: "
                        "no accuracy tables).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.signed:
        wanted = None if not args.sets else [] if args.sets == "none" else args.sets.split(",")
        report = {"signed": signed_tables(args.before, args.limit, args.cache, wanted) if wanted != [] else {}}
        names = {"rules": "rules", "default": "default"}
        if args.before:
            names = {f"default @{args.before}": str(configs_at(args.before) / "bq.toml"), **names}
        if not args.no_behaviour:
            report["behaviour"] = behaviour(names)
        if not args.no_speed:
            report["signed_speed"] = signed_speed(args.before, args.pairs)
            report["cold_start"] = {"default": cold_start("default"), "bq": cold_start("bq")}
            if args.before:
                report["cold_start"][f"@{args.before} bq"] = cold_start(str(configs_at(args.before) / "bq.toml"))
        return publish(render_signed(report), report, args.json)
    report = {"accuracy": accuracy_tables(args.limit, args.with_rules)}
    if not args.no_speed:
        report["throughput"] = throughput(args.pairs)
        report["cold_start"] = {c: cold_start(c) for c in ("default", "lexical")}
    return publish(render(report), report, args.json)


if __name__ == "__main__":
    sys.exit(main())
