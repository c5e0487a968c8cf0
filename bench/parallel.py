#!/usr/bin/env python
"""Throughput of `simcalc score --jobs N` and of simcalc.dask on local workers, side by side in one run.

    SIMCALC_DATA_DIR=../shared/data python bench/parallel.py [--scorers a,b] [--repeat 1] [--rows N] [--dask]

jobs: each scorer scores BQ test (10,000 pairs; ``--repeat R`` concatenates it R times, ``--rows N`` keeps
the first N) with ``score_file`` at 1 and 2 jobs, wall time from start to the renamed output file (worker
start-up and model loading included), and checks that both outputs are byte-identical. ``ensemble`` is
the default engine. The CPU columns (this process plus its workers) tell the cost of running in parallel
apart from the machine's load: on a shared machine, a second worker may get no free core, and the wall
ratio then shows the load, not simcalc. 2 × CPU(jobs 1) / CPU(jobs 2) is the speed-up the same work would get
if it split evenly over 2 free cores (the parent's own model load and each worker's count in CPU(jobs 2)).
dask (``--dask``): the same pairs as a Dask DataFrame scored on a LocalCluster of 1 and of 2 worker
processes (1 thread each; torch scorers built with ``threads=1``) against plain ``score_file`` in this
process (torch's default threads, as the CLI); cluster start-up is reported
apart, the timed run follows a warm-up that loads the engine on every worker; RSS per worker after it.
Absolute rates depend on the machine's load: compare the ratios, measured in the same run.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simcalc import registry  # noqa: E402
from simcalc.batch import score_file  # noqa: E402
from simcalc.resources import find_resource  # noqa: E402

LEXICAL = ["levenshtein", "jaro_winkler", "char_jaccard", "tfidf"]


def bq_file(folder: Path, repeat: int, rows: int | None = None) -> Path:
    source = find_resource("bq_corpus/test.tsv")
    if repeat == 1 and rows is None:
        return source
    lines = source.read_text(encoding="utf-8").splitlines()
    body = (lines[1:] * repeat)[:rows]
    path = folder / f"bq_test_x{repeat}_{len(body)}.tsv"
    path.write_text("\n".join(lines[:1] + body) + "\n", encoding="utf-8")
    return path


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the workers, once shut down)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed_score(path: Path, out: Path, name: str, jobs: int) -> tuple[float, int, float]:
    """(wall s, rows, CPU s of this process and its workers) of one ``score_file`` run."""
    started, cpu = time.perf_counter(), _cpu()
    scorer = registry.create(name)  # fresh per run: a fair share of model loading for both
    summary = score_file(path, out, scorer, progress=False, jobs=jobs)
    return time.perf_counter() - started, summary["rows"], _cpu() - cpu


def bench_jobs(names: list[str], path: Path, folder: Path) -> None:
    print(f"\n`simcalc score --jobs N` on {path.name} (wall time incl. start-up; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start)\n")
    print("| scorer | rows | jobs 1 rows/s | jobs 2 rows/s | jobs 2 / jobs 1 (wall) | CPU s jobs 1 / jobs 2 | "
          "2 × CPU₁ / CPU₂ | output identical |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        seconds, cpu = {}, {}
        for jobs in (1, 2):
            seconds[jobs], rows, cpu[jobs] = timed_score(path, folder / f"{name}.{jobs}.tsv", name, jobs)
        same = (folder / f"{name}.1.tsv").read_bytes() == (folder / f"{name}.2.tsv").read_bytes()
        print(f"| {name} | {rows:,} | {rows / seconds[1]:,.0f} | {rows / seconds[2]:,.0f} | "
              f"{seconds[1] / seconds[2]:.2f}× | {cpu[1]:.1f} / {cpu[2]:.1f} | {2 * cpu[1] / cpu[2]:.2f}× | "
              f"{'yes' if same else 'NO'} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


def bench_dask(names: list[str], path: Path, folder: Path) -> None:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster

    import simcalc.dask as sd

    logging.getLogger("distributed").setLevel(logging.ERROR)
    frame = pd.read_csv(path, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    print(f"\nsimcalc.dask on {path.name} ({len(frame):,} pairs, 8 partitions) vs `simcalc score` in one process\n")
    print("| scorer | plain score pairs/s | dask 1 worker pairs/s | dask 2 workers pairs/s | 2 workers / plain | "
          "cluster start s (1 / 2) | RSS per worker MB |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        plain_s, rows, _ = timed_score(path, folder / f"{name}.plain.tsv", name, 1)
        rates, starts, rss = {}, {}, 0.0
        for workers in (1, 2):
            started = time.perf_counter()
            with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                starts[workers] = time.perf_counter() - started
                ddf = dd.from_pandas(frame, npartitions=8)
                options = {"threads": 1} if registry.spec(name).kind == "neural" else {}  # 1 thread per worker
                sd.score_dataframe(dd.from_pandas(frame.head(64), npartitions=workers), name, **options).compute()
                began = time.perf_counter()
                sd.score_dataframe(ddf, name, **options).compute()
                rates[workers] = len(frame) / (time.perf_counter() - began)

                def _rss() -> float:
                    import psutil

                    return psutil.Process().memory_info().rss / 2**20

                rss = max(client.run(_rss).values())
        plain = rows / plain_s
        print(f"| {name} | {plain:,.0f} | {rates[1]:,.0f} | {rates[2]:,.0f} | {rates[2] / plain:.2f}× | "
              f"{starts[1]:.1f} / {starts[2]:.1f} | {rss:,.0f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", help="comma-separated (default: the lexical scorers, cvlstm and mgf)")
    parser.add_argument("--repeat", type=int, default=1, help="concatenate BQ test this many times")
    parser.add_argument("--rows", type=int, default=None, help="only the first N pairs (quick runs)")
    parser.add_argument("--dask", action="store_true", help="also measure simcalc.dask on a LocalCluster")
    parser.add_argument("--dask-scorers", default="levenshtein,cvlstm")
    parser.add_argument("--no-jobs", action="store_true", help="skip the --jobs table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    names = args.scorers.split(",") if args.scorers else LEXICAL + [
        n for n in ("cvlstm", "mgf") if not registry.spec(n).missing_requirements()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = bq_file(folder, args.repeat, args.rows)
        if not args.no_jobs:
            bench_jobs(names, path, folder)
        if args.dask:
            bench_dask(args.dask_scorers.split(","), path, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
