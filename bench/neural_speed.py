"""What a user gets from ``simcalc score``: neural scorers against levenshtein, side by side, cold start included.

    SIMCALC_DATA_DIR=... python bench/neural_speed.py [--scorers levenshtein,cvlstm,mgf] [--pairs 10000]
        [--threads auto 1 2] [--repeats 1] [--json FILE]

Each measurement is one fresh ``python -m simcalc.cli score BQ/test.tsv -o OUT --scorer S`` process (interpreter
start, imports, model load, jieba dictionary, tokenisation, writing): its wall time, and the ratio to
levenshtein's wall time measured in the same run (absolute times depend on the machine and its load; the
ratios are what the README quotes; on a busy machine the CPU-seconds ratio is the steadier one). ``cold start`` is a separate ``simcalc compare`` of one pair, the
fixed cost of a call; ``first cold start`` runs it with an empty jieba cache (the dictionary is built
once, then read from simcalc's cache folder). Rows are the first N pairs of BQ test.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh ``python -m simcalc.cli ARGS`` process."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "simcalc.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"simcalc {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, _cpu() - cpu


def _environment(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["SIMCALC_CACHE_DIR"] = cache
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", default="levenshtein,cvlstm,mgf,mgf:mgf-bq-large",
                        help="comma-separated; NAME:MODEL scores with another checkpoint (a shipped model's "
                             "name or a folder), e.g. mgf:mgf-bq-large")
    parser.add_argument("--threads", nargs="+", default=["auto"], help="--threads values tried for neural scorers")
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=1, help="median of this many runs per cell")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)

    from simcalc.resources import find_resource

    source = find_resource("bq_corpus/test.tsv")
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pairs.tsv"
        lines = source.read_text(encoding="utf-8").splitlines()[: args.pairs + 1]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows = len(lines) - 1
        cache = str(Path(tmp) / "cache")
        env = _environment(cache)
        cells = []
        for name in args.scorers.split(","):
            for threads in (args.threads if name.split(":")[0] in ("cvlstm", "mgf") else [None]):
                cells.append((name, threads))
        first_cold = {}
        def scorer(name: str) -> list[str]:
            base, _, model = name.partition(":")
            return ["--scorer", base] + (["--model", model] if model else [])

        for name, threads in cells:  # first call of each scorer: empty jieba cache for the first mgf call
            if name not in first_cold:
                first_cold[name], _ = _run(["compare", "怎么开通花呗", "花呗如何开通", *scorer(name)], env)
        for name, threads in cells:
            extra = ["--threads", threads] if threads else []
            cold = statistics.median(_run(["compare", "怎么开通花呗", "花呗如何开通", *scorer(name)], env)[0]
                                     for _ in range(args.repeats))
            runs = [_run(["score", str(data), "-o", str(Path(tmp) / "out.tsv"), *scorer(name), "-q", *extra], env)
                    for _ in range(args.repeats)]
            results.append({"scorer": name, "threads": threads, "rows": rows,
                            "wall_seconds": statistics.median(r[0] for r in runs),
                            "cpu_seconds": statistics.median(r[1] for r in runs),
                            "cold_start_seconds": cold, "first_cold_start_seconds": first_cold[name]})
    base = next((r["wall_seconds"] for r in results if r["scorer"] == "levenshtein"), None)
    base_cpu = next((r["cpu_seconds"] for r in results if r["scorer"] == "levenshtein"), None)
    print(f"`simcalc score` of the first {rows:,} BQ test pairs, one fresh process each "
          f"(cores usable: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.1f}):\n")
    print("| scorer | --threads | wall s (cold start included) | pairs/s | × levenshtein wall | CPU s "
          "| × levenshtein CPU | cold start s | first cold start s (empty jieba cache) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        r["pairs_per_second"] = r["rows"] / r["wall_seconds"]
        r["ratio_to_levenshtein"] = r["wall_seconds"] / base if base else None
        r["cpu_ratio_to_levenshtein"] = r["cpu_seconds"] / base_cpu if base_cpu else None
        ratio = f"{r['ratio_to_levenshtein']:.1f}×" if base else "–"
        cpu_ratio = f"{r['cpu_ratio_to_levenshtein']:.1f}×" if base_cpu else "–"
        print(f"| {r['scorer']} | {r['threads'] or '–'} | {r['wall_seconds']:.2f} | {r['pairs_per_second']:,.0f} | "
              f"{ratio} | {r['cpu_seconds']:.2f} | {cpu_ratio} | {r['cold_start_seconds']:.2f} | "
              f"{r['first_cold_start_seconds']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
