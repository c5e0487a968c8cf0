"""Inference speed of the neural scorers (pairs/s, tokenisation included) and their training time.

    SIMCALC_DATA_DIR=... python bench/neural_speed.py [--threads 1 2] [--pairs 10000]

Pairs are the first N of BQ test; scoring goes through ``Scorer.score_batch`` as the CLI does.
"""
from __future__ import annotations

import argparse
import time

from neural.checkpoint import read_metrics
from neural.data import read_pairs
from simcalc.resources import find_resource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--kinds", default="cvlstm,mgf")
    args = parser.parse_args()
    pairs = [(a, b) for a, b, _ in read_pairs(find_resource("bq_corpus/test.tsv"))[: args.pairs]]
    from neural.scorers import CVLSTMScorer, MGFScorer

    print("| model | threads | pairs/s | train min/epoch (1 thread) | epochs | train minutes |")
    print("|---|---|---|---|---|---|")
    for kind in args.kinds.split(","):
        for threads in args.threads:
            scorer = (CVLSTMScorer if kind == "cvlstm" else MGFScorer)(threads=threads, device="cpu")
            scorer.score_batch(pairs[:200])  # warm-up: jieba dictionary, allocator
            start = time.perf_counter()
            scorer.score_batch(pairs)
            rate = len(pairs) / (time.perf_counter() - start)
            history = read_metrics(scorer.model_dir).get("history", [])
            minutes = [h["minutes"] for h in history]
            per_epoch = sum(minutes) / len(minutes) if minutes else float("nan")
            print(f"| {kind} | {threads} | {rate:,.0f} | {per_epoch:.1f} | {len(minutes)} | {sum(minutes):.0f} |")


if __name__ == "__main__":
    main()
