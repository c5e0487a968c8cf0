#!/usr/bin/env python
"""FAQ matching (1-vs-N) speed and hit rate against FAQs of 1,000 and 10,000 questions built from BQ.

    SIMCALC_DATA_DIR=../shared/data python bench/faq.py [--queries 200] [--sizes 1000,10000]

FAQ: the first sentences of BQ *test* pairs labelled similar (the answers to find), padded with
distinct BQ *train* sentences as distractors up to the FAQ size. Queries: the second sentences of
those similar pairs. hit@k: the paired question is among the top k. queries/s includes everything
per query (validation, prefilter, member scoring, combination); building the index is timed apart.
All engines run in the same process, side by side.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simcalc  # noqa: E402
from simcalc import datasets  # noqa: E402
from bench.common import pairs as read_pairs  # noqa: E402


def build(size: int, n_queries: int, seed: int = 1) -> tuple[list[str], list[tuple[str, int]]]:
    positives = read_pairs(datasets.resolve("bq_corpus/test.tsv"),
                           where=lambda r: r.label == "1" and r.sentence1 != r.sentence2)
    random.Random(seed).shuffle(positives)
    faq: list[str] = []
    seen: set[str] = set()
    queries = []
    for question, query in positives:
        if len(queries) >= n_queries:
            break
        if question not in seen:
            seen.add(question)
            faq.append(question)
            queries.append((query, len(faq) - 1))
    for sentence1, _ in read_pairs(datasets.resolve("bq_corpus/train.tsv")):
        if len(faq) >= size:
            break
        if sentence1 not in seen:
            seen.add(sentence1)
            faq.append(sentence1)
    order = list(range(len(faq)))
    random.Random(seed + 1).shuffle(order)
    position = {old: new for new, old in enumerate(order)}
    return [faq[i] for i in order], [(q, position[i]) for q, i in queries]


def run(engine: simcalc.Engine, faq: list[str], queries: list[tuple[str, int]], **index_options) -> dict:
    started = time.perf_counter()
    index = engine.index(faq, **index_options)
    built = time.perf_counter() - started
    hits1 = hits3 = 0
    started = time.perf_counter()
    for query, answer in queries:
        top = [m.index for m in index.rank(query, top_k=3)]
        hits1 += top[:1] == [answer]
        hits3 += answer in top
    seconds = time.perf_counter() - started
    return {"index_s": built, "qps": len(queries) / seconds, "hit1": hits1 / len(queries), "hit3": hits3 / len(queries),
            "prefilter": index.prefilter is not None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    engines = [("tfidf", simcalc.Engine(scorer="tfidf")), ("cvlstm", simcalc.Engine(scorer="cvlstm")),
               ("ensemble lexical", simcalc.Engine("lexical")), ("ensemble default (bq)", simcalc.Engine())]
    print("| FAQ size | engine | prefilter | index build s | queries/s | hit@1 | hit@3 |")
    print("|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        faq, queries = build(size, args.queries)
        for name, engine in engines:
            r = run(engine, faq, queries)
            print(f"| {len(faq):,} | {name} | {'TF-IDF top 100' if r['prefilter'] else 'none'} | {r['index_s']:.2f} "
                  f"| {r['qps']:.1f} | {100 * r['hit1']:.1f} | {100 * r['hit3']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
