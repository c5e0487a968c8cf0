"""Benchmarks of the neural scorers (the issue-5 table). ``python -m neural.evaluate --help``.

Test splits are for reporting only: thresholds come from each model's training dev set, never from the
data being evaluated. Zero-shot rows (LCQMC, AFQMC, CNSD STS-B) use the BQ-trained models as they are.
ChineseSTS follows the CV-LSTM paper: no official split exists, so the pairs are shuffled (seed 1) and
split 70:10:20 into train/dev/test, labels binarised at 2.5 (the set is 79 % 0.0 and 20 % 5.0), and a
model is trained on that train part.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
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


def score_file(scorer, path: str | Path, limit: int | None = None) -> tuple[np.ndarray, list[str], float]:
    """Scores of every pair of a file, its labels, and pairs per second."""
    rows = read_pairs(path)[:limit]
    start = time.perf_counter()
    results = scorer.score_batch([(a, b) for a, b, _ in rows])
    rate = len(rows) / max(time.perf_counter() - start, 1e-9)
    return np.array([r.score for r in results]), [y for _, _, y in rows], rate


def binary_report(scores: np.ndarray, labels: list[str], threshold: float) -> dict[str, float]:
    from simcalc.evaluate import binary_metrics

    y = np.array([int(float(v)) for v in labels])
    out = binary_metrics(scores, y, threshold)
    out["auc"] = out.pop("roc_auc")
    return {k: round(100 * v, 2) for k, v in out.items()}


def spearman(scores: np.ndarray, labels: list[str]) -> float:
    from simcalc.evaluate import graded_metrics

    return round(100 * graded_metrics(scores, np.array([float(v) for v in labels]))["spearman"], 2)


def benchmark(kind: str, model: str | None = None) -> dict[str, Any]:
    """BQ test, LCQMC test, AFQMC dev, CNSD STS-B dev for one checkpoint (default: the shipped one)."""
    from .scorers import CVLSTMScorer, MGFScorer

    scorer = (CVLSTMScorer if kind == "cvlstm" else MGFScorer)(model=model)
    out: dict[str, Any] = {"model": str(scorer.model_dir), "threshold": scorer.threshold}
    for name, rel, graded in (("bq_test", "bq_corpus/test.tsv", False), ("lcqmc_test_zero_shot", "lcqmc/test.tsv", False),
                              ("afqmc_dev_zero_shot", "afqmc/dev.tsv", False),
                              ("cnsd_sts_b_dev_zero_shot", "cnsd_sts_b/dev.tsv", True)):
        path = find_resource(rel, what=name)
        scores, labels, rate = score_file(scorer, path)
        report = {"spearman": spearman(scores, labels)} if graded else binary_report(scores, labels, scorer.threshold)
        report["pairs_per_second"] = round(rate)
        out[name] = report
        log.info("%s %s: %s", kind, name, report)
    return out


def chinesests_split(out_dir: str | Path, seed: int = 1) -> dict[str, Path]:
    """70:10:20 train/dev/test files of ChineseSTS with labels binarised at 2.5 (written to ``out_dir``)."""
    rows = read_pairs(find_resource("chinesests/train.tsv", what="ChineseSTS"))
    random.Random(seed).shuffle(rows)
    n = len(rows)
    parts = {"train": rows[: int(0.7 * n)], "dev": rows[int(0.7 * n): int(0.8 * n)], "test": rows[int(0.8 * n):]}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, part in parts.items():
        paths[name] = out_dir / f"{name}.tsv"
        paths[name].write_text("sentence1\tsentence2\tlabel\n" + "".join(
            f"{a}\t{b}\t{int(float(y) >= 2.5)}\n" for a, b, y in part), encoding="utf-8")
    return paths


def chinesests_experiment(kind: str, out_dir: str | Path, **hyperparams: Any) -> dict[str, Any]:
    """Train ``kind`` on the ChineseSTS 70 % split and report test accuracy/P/R/F1 (CV-LSTM paper, Table 4)."""
    from .scorers import CVLSTMScorer, MGFScorer
    from .training import train_model

    out_dir = Path(out_dir)
    split = chinesests_split(out_dir / "split")
    metrics = train_model(kind, str(split["train"]), str(split["dev"]), str(out_dir / kind), **hyperparams)
    scorer = (CVLSTMScorer if kind == "cvlstm" else MGFScorer)(model=out_dir / kind)
    scores, labels, _ = score_file(scorer, split["test"])
    return {"test": binary_report(scores, labels, scorer.threshold), "best_epoch": metrics["best_epoch"],
            "epochs_run": len(metrics["history"]), "train_minutes": round(metrics["train_minutes_total"], 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kinds", default="cvlstm,mgf")
    parser.add_argument("--model", action="append", default=[], help="kind=DIR (default: shipped models)")
    parser.add_argument("--chinesests", metavar="OUT_DIR", help="also train+test on ChineseSTS under OUT_DIR")
    parser.add_argument("--chinesests-epochs", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="write all numbers to FILE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    models = dict(m.split("=", 1) for m in args.model)
    results = {}
    for kind in args.kinds.split(","):
        results[kind] = benchmark(kind, models.get(kind))
        if args.chinesests:
            results[kind]["chinesests_test"] = chinesests_experiment(
                kind, args.chinesests, epochs=args.chinesests_epochs, threads=1, device="cpu", progress=False)
    print(format_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


def format_table(results: dict[str, Any]) -> str:
    lines = ["| model | BQ test acc | BQ test F1 | LCQMC test acc / F1 (zero-shot) | AFQMC dev F1 / AUC (zero-shot) "
             "| CNSD STS-B dev Spearman (zero-shot) | ChineseSTS test acc / F1 |", "|---|---|---|---|---|---|---|"]
    for name, (acc, f1) in BQ_PAPER.items():
        lines.append(f"| {name} (BQ paper) | {acc} | {f1} | – | – | – | – |")
    for kind, r in results.items():
        cs = r.get("chinesests_test", {}).get("test")
        cs_cell = f"{cs['accuracy']} / {cs['f1']}" if cs else "–"
        lines.append(
            f"| {kind} (this repo) | {r['bq_test']['accuracy']} | {r['bq_test']['f1']} | "
            f"{r['lcqmc_test_zero_shot']['accuracy']} / {r['lcqmc_test_zero_shot']['f1']} | "
            f"{r['afqmc_dev_zero_shot']['f1']} / {r['afqmc_dev_zero_shot']['auc']} | "
            f"{r['cnsd_sts_b_dev_zero_shot']['spearman']} | {cs_cell} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
