#!/usr/bin/env python
"""Side-by-side accuracy of simcalc's scorers on the staged benchmarks, in one run.

    SIMCALC_DATA_DIR=../shared/data python bench/accuracy.py [--scorers a,b] [--json out.json] [--plot out.png]

Thresholds are chosen on the dev (or train) split named in simcalc.datasets.BENCHMARKS and applied to
the reported split; PAWS-X, STS-B and ChineseSTS are reported threshold-free (AUC / Spearman).
Speed is scoring throughput on the BQ test file, also as a ratio to the levenshtein scorer measured in
the same run (absolute pairs/s depend on the machine's load).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simcalc  # noqa: E402
from bench.common import pairs, pairs_per_second  # noqa: E402
from simcalc import datasets, registry  # noqa: E402
from simcalc.errors import SimcalcError  # noqa: E402
from simcalc.evaluate import evaluate  # noqa: E402

SHORT = {"accuracy": "acc", "f1": "F1", "roc_auc": "AUC", "spearman": "ρ"}


def default_scorers() -> list[str]:
    names = []
    for spec in registry.specs():
        if spec.missing_requirements():
            continue
        try:
            registry.get(spec.name)
        except SimcalcError as exc:
            logging.warning("skipping %s: %s", spec.name, exc)
            continue
        names.append(spec.name)
    return names


def throughput(scorer, path: Path, limit: int = 5000) -> float:
    return pairs_per_second(scorer, pairs(path, limit))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", help="comma-separated scorer names (default: every available one)")
    parser.add_argument("--datasets", help="comma-separated benchmark names (default: all staged)")
    parser.add_argument("--json", dest="json_out", help="also write all metrics to this JSON file")
    parser.add_argument("--plot", dest="plot_out",
                        help="also draw the table as a chart (threshold-free AUC / Spearman per dataset) into this .png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    names = args.scorers.split(",") if args.scorers else default_scorers()
    for name in names:
        try:
            registry.spec(name)
        except SimcalcError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    wanted = set(args.datasets.split(",")) if args.datasets else None
    benches = [b for b in datasets.BENCHMARKS if (wanted is None or b.name in wanted)]
    missing = [b.name for b in benches if not datasets.available(b)]
    if missing:
        print(f"not staged (set SIMCALC_DATA_DIR): {', '.join(missing)}", file=sys.stderr)
    benches = [b for b in benches if b.name not in missing]
    if not benches:
        return 1

    results: dict[str, dict[str, dict]] = {}
    speed: dict[str, float] = {}
    for name in names:
        results[name] = {}
        for bench in benches:
            scorer = registry.create(name)  # fresh: corpus-fitted scorers start clean per dataset
            dev = datasets.resolve(bench.threshold_from) if bench.threshold_from else None
            report = evaluate(datasets.resolve(bench.data), scorer, threshold_from=dev, task=bench.task)
            results[name][bench.name] = report
            print(f"  {name:13} {bench.name:11} " + " ".join(
                f"{m}={report[m]:.4f}" for m in bench.metrics), file=sys.stderr)
        bq = datasets.resolve("bq_corpus/test.tsv") if any(b.name == "BQ" for b in benches) else None
        if bq is not None:
            speed[name] = throughput(registry.create(name), bq)

    header = ["scorer"] + [f"{b.name} {SHORT.get(m, m)}" for b in benches for m in b.metrics]
    if speed:
        header += ["pairs/s", "speed vs levenshtein"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    base = speed.get("levenshtein")
    for name in names:
        cells = [name] + [f"{100 * results[name][b.name][m]:.2f}" if m != "spearman"
                          else f"{results[name][b.name][m]:.4f}" for b in benches for m in b.metrics]
        if speed:
            cells += [f"{speed.get(name, 0):,.0f}", f"{speed[name] / base:.2f}×" if base and name in speed else "-"]
        print("| " + " | ".join(cells) + " |")
    print("\nacc/F1/AUC in %, ρ = Spearman; thresholds from: "
          + ", ".join(f"{b.name} {b.threshold_from}" for b in benches if b.threshold_from)
          + f"; simcalc {simcalc.__version__}")
    if args.plot_out:
        from simcalc.plot import plot_accuracy_table

        print(f"chart written to {plot_accuracy_table(results, args.plot_out)}", file=sys.stderr)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"results": results, "pairs_per_second": speed},
                                                  ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
