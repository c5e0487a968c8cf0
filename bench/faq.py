#!/usr/bin/env python
"""FAQ retrieval (1-vs-N): top-1 / top-3 and speed on pair files used as retrieval tasks.

    SIMCALC_DATA_DIR=../shared/data python bench/faq.py [--split test] [--queries N] [--slow-queries 200]

Task (:func:`simcalc.ranker.retrieval_task`): the FAQ is every distinct ``sentence2`` of the file (LCQMC test:
12,064 questions; BQ test: 4,809); the queries are the ``sentence1`` of its positive pairs (LCQMC test: 6,247;
BQ test: 5,000), and a query is answered when a ``sentence2`` it is paired with as similar is ranked first
(top-1) or among the first three (top-3). A query that is itself a FAQ question is not ranked against its own
text; with ``--same content`` neither are its copies (the same content characters: only punctuation, spaces,
case or script differ), and a pair of copies is no query: paraphrases only (see
:func:`simcalc.ranker.retrieval_task`; LCQMC dev's labels almost never name a copy as the answer, so ranking it
first, as it should be, counts as a miss under the default ``--same text``; 657 of LCQMC test's 6,247 positive
pairs are copies, which every engine finds). *top-1 labelled not similar*: the share of queries whose first
answer the file labels not similar to the query; every other miss is a FAQ question the file says nothing about for that query (on LCQMC mostly another
paraphrase of it: the labels name one answer per pair, not all). BQ is many paraphrases of few banking topics:
its FAQ holds many right answers the labels do not name, so its numbers are low for every engine (a second,
harder row, not a goal).

queries/s includes everything per query (validation, prefilter, features or member scoring); building the
index is timed apart. All engines run in this one process, on the same queries. *ranker faq*: the learned
FAQ ranker every ensemble ranks with (:mod:`simcalc.ranker`, fitted on the *dev* files; report on
``--split test``); *+ polarity guard*: a signed config's rule engine checks the ranker's first three where a
character cue says polarity may differ, and an *opposite* question goes last. *pair scores*: the TF-IDF
shortlist (top 100) ranked by the engine's own pair score (for an ensemble: ``ranker=None``, how it ranked
before); the default and ``lcqmc`` configs run the rule engine on every shortlisted pair and are measured on
the first ``--slow-queries`` queries only.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simcalc  # noqa: E402
from simcalc import datasets  # noqa: E402
from simcalc.ranker import RetrievalTask, retrieval_task  # noqa: E402

SETS = {"lcqmc": "lcqmc/{split}.tsv", "bq": "bq_corpus/{split}.tsv"}


def run(engine: simcalc.Engine, task: RetrievalTask, n: int | None, **index_options: Any) -> dict[str, Any]:
    started = time.perf_counter()
    index = engine.index(task.candidates, **index_options)
    built = time.perf_counter() - started
    queries = [(q, gold, task.left_out(i), labelled_not)
               for i, (q, gold, labelled_not) in enumerate(zip(task.queries, task.gold, task.labelled_not))][:n]
    hits1 = hits3 = wrong1 = 0
    started = time.perf_counter()
    for query, gold, left_out, labelled_not in queries:
        top = [m.index for m in index.rank(query, top_k=3 + len(left_out)) if m.index not in left_out][:3]
        hits1 += bool(top) and top[0] in gold
        hits3 += bool(gold.intersection(top))
        wrong1 += bool(top) and top[0] in labelled_not
    seconds = time.perf_counter() - started
    guard = " + polarity guard" if getattr(index, "polarity", None) is not None else ""
    ranking = (f"ranker {index.ranker.ranker.name}{guard}" if index.ranker is not None
               else f"pair scores, TF-IDF top {index.shortlist}" if index.prefilter is not None else "pair scores")
    return {"index_s": built, "qps": len(queries) / seconds, "hit1": hits1 / len(queries),
            "hit3": hits3 / len(queries), "wrong1": wrong1 / len(queries), "n": len(queries), "ranking": ranking}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="test", help="test (report) or dev (where the rankers were fitted)")
    parser.add_argument("--sets", default="lcqmc,bq")
    parser.add_argument("--queries", type=int, default=None, help="queries per set (default: all)")
    parser.add_argument("--slow-queries", type=int, default=200, help="queries for the pair-rerank rows (0: skip)")
    parser.add_argument("--same", choices=("text", "content"), default="text",
                        help="when a FAQ question is the query itself: identical text (default), or the same "
                             "content characters (copies that differ in punctuation, spaces, case or script)")
    args = parser.parse_args()
    default = simcalc.Engine()
    engines: list[tuple[str, simcalc.Engine, dict[str, Any], bool]] = [
        ("tfidf", simcalc.Engine(scorer="tfidf"), {}, False),
        ("default", default, {}, False),
        ("`lexical` config", simcalc.Engine("lexical"), {"ranker": None}, False),
        ("default", default, {"ranker": None}, True),
        ("`lcqmc` config", simcalc.Engine("lcqmc"), {"ranker": None}, True),
    ]
    print("| set | FAQ size | engine | ranking | queries | top-1 % | top-3 % | top-1 labelled not similar % "
          "| queries/s | index build s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for set_name in args.sets.split(","):
        task = retrieval_task(datasets.resolve(SETS[set_name].format(split=args.split)), same=args.same)
        if args.same == "content":
            print(f"<!-- {set_name} {args.split}: {sum(bool(c) for c in task.copies):,} queries have copies "
                  "of their text in the FAQ (left out of their ranking) -->", flush=True)
        for name, engine, options, slow in engines:
            if slow and not args.slow_queries:
                continue
            r = run(engine, task, args.slow_queries if slow else args.queries, **options)
            print(f"| {set_name} {args.split} | {len(task.candidates):,} | {name} | {r['ranking']} | {r['n']:,} "
                  f"| {100 * r['hit1']:.1f} | {100 * r['hit3']:.1f} | {100 * r['wrong1']:.1f} | {r['qps']:.1f} "
                  f"| {r['index_s']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
