"""What a user gets from ``simcalc score``: neural scorers against levenshtein, side by side, cold start included.

    SIMCALC_DATA_DIR=... python bench/neural_speed.py [--scorers levenshtein,cvlstm,mgf] [--pairs 10000]
        [--threads auto 1 2] [--backends numpy torch] [--repeats 1] [--json FILE]
    SIMCALC_DATA_DIR=... python bench/neural_speed.py --inprocess [--pairs 2048] [--repeats 3]
    python bench/neural_speed.py --coldstart [--repeats 5]

``--backends``: each neural cell once per backend (``SIMCALC_NEURAL_BACKEND``; numpy is the default).
``--inprocess``: the scorers' own throughput, no process start: ``score_batch`` of one pair at a time and
of 256 pairs at a time, torch and numpy backends of each shipped model, one thread, rounds interleaved;
the best round's CPU seconds per pair (steadiest on a shared machine) and the ratio to torch ``mgf-bq``
(the default ``mgf`` before the numpy backend).
``--coldstart``: ``simcalc compare`` of one pair with ``--scorer cvlstm`` / ``mgf`` (and mgf-bq-large) on each
backend, against ``python -c "import torch"``, fresh processes interleaved (bench/coldstart.py's timer).

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
if str(ROOT) not in sys.path:  # measure this checkout, not an installed simcalc
    sys.path.insert(0, str(ROOT))


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


INPROCESS = [("cvlstm", "cvlstm-bq"), ("mgf", "mgf-bq"), ("mgf", "mgf-bq-large")]


def inprocess(pairs: int, repeats: int) -> list[dict]:
    """Pairs/s of ``score_batch`` at batch sizes 1 and 256 for each shipped model and backend (one thread)."""
    import csv

    import simcalc
    from simcalc.resources import find_resource

    with open(find_resource("bq_corpus/test.tsv"), encoding="utf-8") as f:
        rows = [(r[0], r[1]) for r in list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1: pairs + 1]]
    scorers = {(name, model, backend): simcalc.get_scorer(name, model=model, backend=backend, threads=1)
               for name, model in INPROCESS for backend in ("torch", "numpy")}
    for scorer in scorers.values():
        scorer.score_batch(rows[:64])  # jieba and first-call costs out of the way
    single = rows[: max(1, pairs // 8)]
    best: dict[tuple, dict[int, tuple[float, float]]] = {key: {} for key in scorers}
    for _ in range(repeats):
        for key, scorer in scorers.items():
            for batch, data in ((1, single), (256, rows)):
                cpu, wall = time.process_time(), time.perf_counter()
                for i in range(0, len(data), batch):
                    scorer.score_batch(data[i: i + batch])
                cpu, wall = (time.process_time() - cpu) / len(data), (time.perf_counter() - wall) / len(data)
                old = best[key].get(batch)
                best[key][batch] = (min(cpu, old[0]), min(wall, old[1])) if old else (cpu, wall)
    base = best[("mgf", "mgf-bq", "torch")]
    out = []
    for (name, model, backend), cells in best.items():
        for batch, (cpu, wall) in cells.items():
            out.append({"scorer": name, "model": model, "backend": backend, "batch": batch,
                        "pairs_per_cpu_second": 1 / cpu, "pairs_per_second": 1 / wall,
                        "cpu_ratio_to_torch_mgf_bq": base[batch][0] / cpu})
    return out


def print_inprocess(results: list[dict], pairs: int, repeats: int) -> None:
    print(f"`score_batch` in process, first {pairs:,} BQ test pairs (batch 1: the first {max(1, pairs // 8):,}), "
          f"one thread, best of {repeats} interleaved rounds (load average {os.getloadavg()[0]:.1f}):\n")
    print("| model | backend | batch | pairs per CPU second | pairs/s (wall) | × torch mgf-bq (CPU) |")
    print("|---|---|---|---|---|---|")
    for r in sorted(results, key=lambda r: (r["batch"], r["model"], r["backend"])):
        print(f"| {r['model']} | {r['backend']} | {r['batch']} | {r['pairs_per_cpu_second']:,.0f} | "
              f"{r['pairs_per_second']:,.0f} | {r['cpu_ratio_to_torch_mgf_bq']:.2f} |")


def coldstart(repeats: int) -> None:
    """Median wall and CPU seconds of ``simcalc compare`` per scorer and backend, and their ratio to ``import torch``."""
    from coldstart import run  # bench/coldstart.py: (wall, CPU, peak RSS) of one fresh process

    env = {**_environment(tempfile.mkdtemp(prefix="neural-coldstart-")), "PYTHONPATH": str(ROOT)}
    env.setdefault("OMP_NUM_THREADS", "1")
    cli = [sys.executable, "-m", "simcalc.cli", "compare", "怎么开通花呗", "花呗如何开通"]
    cases = {"python -c 'import torch'": ([sys.executable, "-c", "import torch"], env)}
    for name, extra in (("cvlstm", []), ("mgf", []), ("mgf --model mgf-bq-large", ["--model", "mgf-bq-large"])):
        for backend in ("numpy", "torch"):
            cases[f"compare --scorer {name} ({backend})"] = (
                cli + ["--scorer", name.split()[0], *extra], {**env, "SIMCALC_NEURAL_BACKEND": backend})
    for cmd, case_env in cases.values():  # warm the file cache and jieba's cache
        run(cmd, case_env)
    samples: dict[str, list] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (cmd, case_env) in cases.items():
            samples[name].append(run(cmd, case_env))
    torch_wall = statistics.median(r[0] for r in samples["python -c 'import torch'"])
    torch_cpu = statistics.median(r[1] for r in samples["python -c 'import torch'"])
    print(f"cold start, median of {repeats} interleaved rounds (load average {os.getloadavg()[0]:.1f}):\n")
    print("| command | wall s | × import torch | CPU s | × import torch | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for name, runs in samples.items():
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"| {name} | {wall:.2f} | {wall / torch_wall:.2f} | {cpu:.2f} | {cpu / torch_cpu:.2f} | "
              f"{max(r[2] for r in runs):.0f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", default="levenshtein,cvlstm,mgf,mgf:mgf-bq-large",
                        help="comma-separated; NAME:MODEL scores with another checkpoint (a shipped model's "
                             "name or a folder), e.g. mgf:mgf-bq-large")
    parser.add_argument("--threads", nargs="+", default=["auto"], help="--threads values tried for neural scorers")
    parser.add_argument("--backends", nargs="+", default=[None], choices=["numpy", "torch"],
                        help="neural backends tried (SIMCALC_NEURAL_BACKEND); default: the scorers' own choice")
    parser.add_argument("--inprocess", action="store_true", help="in-process throughput table (see above)")
    parser.add_argument("--coldstart", action="store_true", help="cold start table per backend (see above)")
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=1, help="median of this many runs per cell")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    if args.coldstart:
        coldstart(max(args.repeats, 1))
        return
    if args.inprocess:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        results_inprocess = inprocess(args.pairs, args.repeats)
        print_inprocess(results_inprocess, args.pairs, args.repeats)
        if args.json:
            Path(args.json).write_text(json.dumps(results_inprocess, indent=2), encoding="utf-8")
        return

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
            neural = name.split(":")[0] in ("cvlstm", "mgf")
            for threads in (args.threads if neural else [None]):
                for backend in (args.backends if neural else [None]):
                    cells.append((name, threads, backend))
        first_cold = {}
        def scorer(name: str) -> list[str]:
            base, _, model = name.partition(":")
            return ["--scorer", base] + (["--model", model] if model else [])

        def with_backend(backend: str | None) -> dict[str, str]:
            return {**env, "SIMCALC_NEURAL_BACKEND": backend} if backend else env

        for name, threads, backend in cells:  # first call of each scorer: empty jieba cache for the first mgf call
            if (name, backend) not in first_cold:
                first_cold[name, backend], _ = _run(["compare", "怎么开通花呗", "花呗如何开通", *scorer(name)], with_backend(backend))
        for name, threads, backend in cells:
            extra = ["--threads", threads] if threads else []
            cold = statistics.median(_run(["compare", "怎么开通花呗", "花呗如何开通", *scorer(name)],
                                          with_backend(backend))[0] for _ in range(args.repeats))
            runs = [_run(["score", str(data), "-o", str(Path(tmp) / "out.tsv"), *scorer(name), "-q", *extra],
                         with_backend(backend)) for _ in range(args.repeats)]
            results.append({"scorer": name, "threads": threads, "backend": backend, "rows": rows,
                            "wall_seconds": statistics.median(r[0] for r in runs),
                            "cpu_seconds": statistics.median(r[1] for r in runs),
                            "cold_start_seconds": cold, "first_cold_start_seconds": first_cold[name, backend]})
    base = next((r["wall_seconds"] for r in results if r["scorer"] == "levenshtein"), None)
    base_cpu = next((r["cpu_seconds"] for r in results if r["scorer"] == "levenshtein"), None)
    print(f"`simcalc score` of the first {rows:,} BQ test pairs, one fresh process each "
          f"(cores usable: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.1f}):\n")
    print("| scorer | backend | --threads | wall s (cold start included) | pairs/s | × levenshtein wall | CPU s "
          "| × levenshtein CPU | cold start s | first cold start s (empty jieba cache) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        r["pairs_per_second"] = r["rows"] / r["wall_seconds"]
        r["ratio_to_levenshtein"] = r["wall_seconds"] / base if base else None
        r["cpu_ratio_to_levenshtein"] = r["cpu_seconds"] / base_cpu if base_cpu else None
        ratio = f"{r['ratio_to_levenshtein']:.1f}×" if base else "–"
        cpu_ratio = f"{r['cpu_ratio_to_levenshtein']:.1f}×" if base_cpu else "–"
        print(f"| {r['scorer']} | {r['backend'] or '–'} | {r['threads'] or '–'} | {r['wall_seconds']:.2f} | {r['pairs_per_second']:,.0f} | "
              f"{ratio} | {r['cpu_seconds']:.2f} | {cpu_ratio} | {r['cold_start_seconds']:.2f} | "
              f"{r['first_cold_start_seconds']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
