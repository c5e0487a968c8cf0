"""Benchmarks of the neural scorers and the one source of the README's neural table.

    python -m simcalc.neural.evaluate [--kinds cvlstm,mgf,mgf:mgf-bq-large] [--model kind=DIR] [--chinesests OUT_DIR] [--write]
    python -m simcalc.neural.evaluate --table        # the README table, from the models' metrics.json only
    python -m simcalc.neural.evaluate --kinds cvlstm,cvlstm:cvlstm-general --general MIX_DIR  # issue 21 table

Test splits are for reporting only: thresholds come from each model's training dev set, never from the
data being evaluated. BQ dev is scored too (the model-selection split, with and without the
out-of-vocabulary fallback). Zero-shot rows (LCQMC, AFQMC, CNSD STS-B) use the BQ-trained models as they
are. ChineseSTS follows the CV-LSTM paper: no official split exists, so it is cut 70:10:20 by
:func:`simcalc.datasets.chinesests_split` (the project's one splitter, the same test rows as
bench/accuracy.py) with labels binarised at 2.5 (the set is 79 % 0.0 and 20 % 5.0), and a model is
trained on that train part. ``--write`` stores the numbers in ``<model>/metrics.json`` under
``benchmarks``, next to the training history, so that the table can be regenerated without scoring.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from simcalc.resources import find_resource

from .data import read_pairs

log = logging.getLogger(__name__)

#: BQ paper (Chen et al. 2018, Table 3): test accuracy and F1 of its baselines.
BQ_PAPER = {"TF-IDF": (63.83, 62.75), "Text-CNN": (68.52, 69.17), "BiLSTM": (73.51, 72.68),
            "BiMPM": (81.85, 81.73), "DIIN": (81.41, 81.36)}


def score_file(scorer, path: str | Path, limit: int | None = None
               ) -> tuple[np.ndarray, list[str], float, np.ndarray]:
    """Scores of every pair of a file, its labels, pairs per second, and the model's own scores
    (before the out-of-vocabulary fallback of :mod:`simcalc.neural.scorers`)."""
    rows = read_pairs(path)[:limit]
    start = time.perf_counter()
    results = scorer.score_batch([(a, b) for a, b, _ in rows])
    rate = len(rows) / max(time.perf_counter() - start, 1e-9)
    raw = np.array([r.details.get("fallback", {}).get("model_score", r.score) for r in results])
    return np.array([r.score for r in results]), [y for _, _, y in rows], rate, raw


def binary_report(scores: np.ndarray, labels: list[str], threshold: float) -> dict[str, float]:
    from simcalc.evaluate import binary_metrics

    y = np.array([int(float(v)) for v in labels])
    out = binary_metrics(scores, y, threshold)
    out["auc"] = out.pop("roc_auc")
    return {k: round(100 * v, 2) for k, v in out.items()}


def spearman(scores: np.ndarray, labels: list[str]) -> float:
    from simcalc.evaluate import graded_metrics

    return round(100 * graded_metrics(scores, np.array([float(v) for v in labels]))["spearman"], 2)


SETS = (("bq_dev", "bq_corpus/dev.tsv", False), ("bq_test", "bq_corpus/test.tsv", False),
        ("lcqmc_test_zero_shot", "lcqmc/test.tsv", False), ("afqmc_dev_zero_shot", "afqmc/dev.tsv", False),
        ("cnsd_sts_b_dev_zero_shot", "cnsd_sts_b/dev.tsv", True))


def benchmark(kind: str, model: str | None = None) -> dict[str, Any]:
    """BQ dev and test, LCQMC test, AFQMC dev, CNSD STS-B dev for one checkpoint (default: the shipped one)."""
    scorer = scorer_class(kind)(model=model)
    out: dict[str, Any] = {"threshold": scorer.threshold}
    for name, rel, graded in SETS:
        path = find_resource(rel, what=name)
        scores, labels, rate, raw = score_file(scorer, path)
        if graded:
            report = {"spearman": spearman(scores, labels), "spearman_without_fallback": spearman(raw, labels)}
        else:
            report = binary_report(scores, labels, scorer.threshold)
            report["accuracy_without_fallback"] = binary_report(raw, labels, scorer.threshold)["accuracy"]
        report["pairs_with_fallback"] = int((scores != raw).sum())
        report["pairs"] = len(labels)
        report["pairs_per_second"] = round(rate)
        out[name] = report
        log.info("%s %s: %s", kind, name, report)
    return out


#: The general-member comparison (issue 21): (name, file, metric). ``mix:`` files are the held-out parts
#: written by :mod:`simcalc.neural.mix` (never trained on, never used for selection).
GENERAL_SETS = (("BQ test", "bq_corpus/test.tsv", "binary"), ("LCQMC test", "lcqmc/test.tsv", "binary"),
                ("AFQMC dev", "afqmc/dev.tsv", "binary"), ("CNSD dev held-out", "mix:holdout/cnsd.tsv", "graded"),
                ("PAWS-X dev held-out", "mix:holdout/pawsx.tsv", "graded"),
                ("QBQTC dev held-out", "mix:holdout/qbqtc.tsv", "graded"),
                ("ChineseSTS test", "chinesests:test", "graded"))


def general_benchmark(kind: str, model: str | None, mix_dir: str | Path) -> dict[str, Any]:
    """Accuracy (at the model's own threshold, and at the one LCQMC's held-out dev part picks) and AUC on
    the binary sets, Spearman ρ on the graded ones (PAWS-X's 0/1 too, as issue 21 reports it)."""
    from simcalc.datasets import resolve
    from simcalc.evaluate import best_threshold

    scorer = scorer_class(kind)(model=model)
    lcqmc_scores, lcqmc_labels, _, _ = score_file(scorer, Path(mix_dir) / "holdout" / "lcqmc.tsv")
    lcqmc_threshold = best_threshold(lcqmc_scores, np.array([int(float(v)) for v in lcqmc_labels]))
    out: dict[str, Any] = {"threshold": scorer.threshold, "lcqmc_dev_heldout_threshold": round(lcqmc_threshold, 4)}
    for name, rel, task in GENERAL_SETS:
        path = Path(mix_dir) / rel[4:] if rel.startswith("mix:") else resolve(rel)
        scores, labels, _, _ = score_file(scorer, path)
        if task == "graded":
            out[name] = {"spearman": spearman(scores, labels), "pairs": len(labels)}
        else:
            own = binary_report(scores, labels, scorer.threshold)
            out[name] = {"accuracy": own["accuracy"], "f1": own["f1"], "auc": own["auc"],
                         "accuracy_at_lcqmc_threshold": binary_report(scores, labels, lcqmc_threshold)["accuracy"],
                         "pairs": len(labels)}
        log.info("%s %s: %s", model or kind, name, out[name])
    return out


def format_general_table(results: dict[str, Any]) -> str:
    """One row per model: acc (own threshold) / acc (LCQMC-dev threshold) / AUC, or Spearman ρ."""
    head = ["model"] + [name for name, _, _ in GENERAL_SETS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, r in results.items():
        cells = []
        for name, _, task in GENERAL_SETS:
            m = r[name]
            cells.append(f"ρ {m['spearman']}" if task == "graded" else
                         f"{m['accuracy']} / {m['accuracy_at_lcqmc_threshold']} / AUC {m['auc']}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chinesests_experiment(kind: str, out_dir: str | Path, **hyperparams: Any) -> dict[str, Any]:
    """Train ``kind`` on the ChineseSTS 70 % split and report test accuracy/P/R/F1 (CV-LSTM paper, Table 4)."""
    from simcalc.datasets import CHINESESTS_SEED, chinesests_split

    from .training import train_model

    out_dir = Path(out_dir)
    split = chinesests_split(binarise=2.5)
    metrics = train_model(kind, str(split["train"]), str(split["dev"]), str(out_dir / kind), **hyperparams)
    scorer = scorer_class(kind)(model=out_dir / kind)
    scores, labels, _, _ = score_file(scorer, split["test"])
    return {"split": f"simcalc.datasets.chinesests_split(seed={CHINESESTS_SEED}, binarise=2.5)",
            "settings": {k: v for k, v in hyperparams.items() if k not in ("progress",)},
            "test": binary_report(scores, labels, scorer.threshold), "best_epoch": metrics["best_epoch"],
            "epochs_run": len(metrics["history"]), "train_minutes": round(metrics["train_minutes_total"], 1)}


def write_benchmarks(model_dir: str | Path, results: dict[str, Any]) -> None:
    """Merge ``results`` into ``model_dir/metrics.json`` under ``benchmarks`` (other keys untouched)."""
    from .checkpoint import read_metrics, write_metrics

    metrics = read_metrics(model_dir)
    metrics["benchmarks"] = {**metrics.get("benchmarks", {}), **results,
                             "written": time.strftime("%Y-%m-%d"), "command": "python -m simcalc.neural.evaluate --write"}
    write_metrics(model_dir, metrics)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default="cvlstm,mgf,mgf:mgf-bq-large",
                        help="kind (its default model) or kind:NAME (another shipped model), comma-separated")
    parser.add_argument("--model", action="append", default=[], help="kind=DIR (default: shipped models)")
    parser.add_argument("--chinesests", metavar="OUT_DIR", help="also train+test on ChineseSTS under OUT_DIR")
    parser.add_argument("--chinesests-epochs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="store the numbers in each model's metrics.json")
    parser.add_argument("--table", action="store_true", help="print the table from metrics.json; score nothing")
    parser.add_argument("--card", action="store_true",
                        help="print each model card's scores table from metrics.json; score nothing")
    parser.add_argument("--json", metavar="FILE", help="write all numbers to FILE")
    parser.add_argument("--general", metavar="MIX_DIR",
                        help="issue 21 table instead: BQ/LCQMC test, AFQMC dev and the held-out parts of the mix "
                             "written by `python -m simcalc.neural.mix --out MIX_DIR`")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    models = dict(m.split("=", 1) for m in args.model)
    rows = [_entry(item, models) for item in args.kinds.split(",")]
    if args.table:
        print(format_table({label: stored_benchmarks(kind, model) for label, kind, model in rows}))
        return
    if args.card:
        for label, kind, model in rows:
            print(f"{label}:\n\n{format_card_table(stored_benchmarks(kind, model))}\n")
        return
    results = {}
    if args.general:
        for label, kind, model in rows:
            results[label] = general_benchmark(kind, model, args.general)
            if args.write:
                write_benchmarks(model_dir(kind, model), {"general": results[label]})
        print(format_general_table(results))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
        return
    for label, kind, model in rows:
        results[label] = benchmark(kind, model)
        if args.chinesests and label == kind:  # one ChineseSTS model per kind, reported on its default's row
            results[label]["chinesests_test"] = chinesests_experiment(
                kind, args.chinesests, epochs=args.chinesests_epochs, threads=1, device="cpu", progress=False)
        if args.write:
            write_benchmarks(model_dir(kind, model), results[label])
    print(format_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


def _entry(item: str, models: dict[str, str]) -> tuple[str, str, str | None]:
    """``kind`` (its default model, or ``--model kind=DIR``) or ``kind:NAME`` (a shipped model by name)
    → (row label, kind, model)."""
    kind, _, name = item.partition(":")
    if kind not in ("cvlstm", "mgf"):
        raise SystemExit(f"unknown kind {kind!r} in --kinds; use cvlstm, mgf or kind:shipped-model-name")
    return (name, kind, name) if name else (kind, kind, models.get(kind))


def scorer_class(kind: str):
    """The scorer class of a model kind (``cvlstm``, ``mgf`` or ``re2``)."""
    from .re2_scorer import RE2Scorer
    from .scorers import CVLSTMScorer, MGFScorer

    return {"cvlstm": CVLSTMScorer, "mgf": MGFScorer, "re2": RE2Scorer}[kind]


def model_dir(kind: str, model: str | None) -> Path:
    """The checkpoint folder of ``model``: a path, a shipped model's name, or None for the kind's default."""
    return scorer_class(kind).model_path(model)


def stored_benchmarks(kind: str, model: str | None = None) -> dict[str, Any]:
    from .checkpoint import read_metrics

    directory = model_dir(kind, model)
    stored = read_metrics(directory).get("benchmarks")
    if not stored:
        raise SystemExit(f"{directory}/metrics.json has no benchmarks; run `python -m simcalc.neural.evaluate --write` first")
    return stored


CARD_ROWS = (("bq_dev", "BQ dev (model selection)"), ("bq_test", "**BQ test**"),
             ("lcqmc_test_zero_shot", "LCQMC test, zero-shot"),
             ("afqmc_dev_zero_shot", "AFQMC dev, zero-shot (69 % negative)"))


def format_card_table(r: dict[str, Any]) -> str:
    """A model card's scores table (threshold from BQ dev), from stored benchmarks."""
    lines = ["| data (split) | accuracy | precision | recall | F1 | AUC | pairs with OOV fallback | "
             "accuracy without fallback |", "|---|---|---|---|---|---|---|---|"]
    for key, title in CARD_ROWS:
        m = r[key]
        lines.append(f"| {title} | {m['accuracy']} | {m['precision']} | {m['recall']} | {m['f1']} | {m['auc']} | "
                     f"{m['pairs_with_fallback']} of {m['pairs']:,} | {m['accuracy_without_fallback']} |")
    sts = r["cnsd_sts_b_dev_zero_shot"]
    lines.append(f"| CNSD STS-B dev, zero-shot: Spearman {sts['spearman']} (without fallback "
                 f"{sts['spearman_without_fallback']}) | | | | | | {sts['pairs_with_fallback']} of {sts['pairs']:,} | |")
    return "\n".join(lines)


def format_table(results: dict[str, Any]) -> str:
    """The README's neural table: paper baselines, then each model's dev and test numbers."""
    lines = ["| model | BQ dev acc | BQ test acc | BQ test F1 | BQ test AUC | LCQMC test acc / F1 (zero-shot) "
             "| AFQMC dev F1 / AUC (zero-shot) | CNSD STS-B dev Spearman (zero-shot) | ChineseSTS test acc / F1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, (acc, f1) in BQ_PAPER.items():
        lines.append(f"| {name} (BQ paper) | – | {acc} | {f1} | – | – | – | – | – |")
    for kind, r in results.items():
        cs = r.get("chinesests_test", {}).get("test")
        cs_cell = f"{cs['accuracy']} / {cs['f1']}" if cs else "–"
        dev = r.get("bq_dev", {}).get("accuracy", "–")
        lines.append(
            f"| {kind} (simcalc) | {dev} | {r['bq_test']['accuracy']} | {r['bq_test']['f1']} | {r['bq_test']['auc']} | "
            f"{r['lcqmc_test_zero_shot']['accuracy']} / {r['lcqmc_test_zero_shot']['f1']} | "
            f"{r['afqmc_dev_zero_shot']['f1']} / {r['afqmc_dev_zero_shot']['auc']} | "
            f"{r['cnsd_sts_b_dev_zero_shot']['spearman']} | {cs_cell} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
