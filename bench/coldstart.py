"""Cold start of the CLI against ``python -c "import torch"``, in fresh processes, side by side.

    python bench/coldstart.py [--repeats 5] [--json out.json] [--before OTHER_CHECKOUT] [--no-bytecode-cache]

``--before``: also time the rules and default commands of another checkout (e.g. the main branch), in the
same interleaved rounds.

Bytecode: an installed package has its ``.pyc`` files, so by default every process may write and reuse them
(``PYTHONPYCACHEPREFIX`` in a temporary folder: the checkouts stay clean; the warm-up run compiles).
``--no-bytecode-cache`` sets ``PYTHONDONTWRITEBYTECODE`` instead: every process compiles simcalc's modules
from source (~0.2-0.3 s more per command), as in a checkout where bytecode writing is off.

Each command runs ``--repeats`` times, the commands interleaved (so machine load hits all of them alike);
the table gives the median wall time, the median CPU time (user + system, steadier on a shared machine),
the ratios of both to ``import torch``, and the peak RSS. ``rules`` and the default engine run twice: with
``SIMCALC_DATA_DIR`` unset (the packaged lexicon index) and set (source files compiled into the cache;
the cache is warmed first). Phase breakdowns follow (one process each, wall and CPU seconds): the default
engine's (each member's construction and first scoring) and the rules scorer's start.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIR = ("怎么开通花呗", "花呗如何开通")

PHASES = """
import json, time
t = time.perf_counter(); marks = {}
def mark(name):
    global t
    now = time.perf_counter(); marks[name] = round(now - t, 3); t = now
import simcalc.cli; mark("import simcalc.cli")
from simcalc.rules.parse import get_parser
get_parser(); mark("parser (numpy weights)")
from simcalc.jieba_dict import base_tokenizer
base_tokenizer(); mark("jieba dictionary")
from simcalc import hownet_sim
engine = hownet_sim.get_engine(); mark("lexicon + engine")
engine.similarity("大", "小"); mark("first word pair")
engine.report("花呗", "开通"); mark("first unknown word (Cilin + flat list)")
import sys; marks["torch imported"] = "torch" in sys.modules
print(json.dumps(marks))
"""

#: the default engine's start, one phase per member: construction (registry.create) and first scoring
ENGINE_PHASES = """
import json, sys, time
def now(): return time.perf_counter(), time.process_time()
def mark(name, start):
    wall, cpu = now()
    marks.append((name, round(wall - start[0], 3), round(cpu - start[1], 3)))
marks = []
t = now(); import simcalc.cli; mark("import simcalc.cli", t)
from simcalc import registry
create = registry.create
def timed_create(name, **options):
    t = now(); scorer = create(name, **options); mark("build " + name, t)
    cls = type(scorer)
    if not getattr(cls, "_timed", False):
        original = cls.score_prepared
        def timed(self, prepared, _original=original, _name=name):
            t = now(); out = _original(self, prepared); mark("score " + _name, t); return out
        cls.score_prepared, cls._timed = timed, True
    return scorer
registry.create = timed_create
t = now(); scorer = registry.get("ensemble"); t2 = now()
scorer.score(*PAIR); mark("first pair (all scoring)", t2)
marks.append(("whole process so far (CPU from its start)", None, round(time.process_time(), 3)))
marks.append(("torch imported", "torch" in sys.modules, None))
print(json.dumps(marks, ensure_ascii=False))
"""


def run(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=env["PYTHONPATH"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--before", type=Path, help="another checkout to time alongside this one")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="compile every module from source in every process (PYTHONDONTWRITEBYTECODE)")
    args = ap.parse_args(argv)
    root = ROOT
    base = {k: v for k, v in os.environ.items()
            if k not in ("SIMCALC_DATA_DIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    base.update(PYTHONPATH=str(root), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
                SIMCALC_CACHE_DIR=tempfile.mkdtemp(prefix="coldstart-cache-"))
    if args.no_bytecode_cache:
        base["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        base["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="coldstart-pyc-")
    print(f"bytecode: {'compiled in every process' if args.no_bytecode_cache else 'cached (as installed)'}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start\n")
    data = os.environ.get("SIMCALC_DATA_DIR")
    cli = [sys.executable, "-m", "simcalc.cli", "compare", *PAIR]
    cases = {"python -c 'import torch'": ([sys.executable, "-c", "import torch"], base),
             "compare --scorer levenshtein": (cli + ["--scorer", "levenshtein"], base),
             "compare --scorer rules (packaged lexicon)": (cli + ["--scorer", "rules"], base),
             "compare (default engine, packaged lexicon)": (cli, base)}
    if data:
        with_data = {**base, "SIMCALC_DATA_DIR": data}
        cases["compare --scorer rules (SIMCALC_DATA_DIR)"] = (cli + ["--scorer", "rules"], with_data)
        cases["compare (default engine, SIMCALC_DATA_DIR)"] = (cli, with_data)
    if args.before:
        before = {**base, "PYTHONPATH": str(args.before.resolve())}
        if data:
            before["SIMCALC_DATA_DIR"] = data
        cases["before: compare --scorer rules"] = (cli + ["--scorer", "rules"], before)
        cases["before: compare (default engine)"] = (cli, before)
    for cmd, env in cases.values():  # warm the OS file cache, jieba's cache and the compiled-index cache
        run(cmd, env)
    samples: dict[str, list] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, (cmd, env) in cases.items():
            samples[name].append(run(cmd, env))
    rows = {}
    for name, runs in samples.items():
        rows[name] = {"wall_s": statistics.median(r[0] for r in runs), "cpu_s": statistics.median(r[1] for r in runs),
                      "rss_mb": max(r[2] for r in runs)}
    torch_row = rows["python -c 'import torch'"]
    print(f"| command | wall s (median of {args.repeats}) | × import torch | CPU s | × import torch | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['wall_s']:.2f} | {r['wall_s'] / torch_row['wall_s']:.2f} | {r['cpu_s']:.2f} | "
              f"{r['cpu_s'] / torch_row['cpu_s']:.2f} | {r['rss_mb']:.0f} |")
    phases = subprocess.run([sys.executable, "-c", PHASES], cwd=root, env=base, capture_output=True, text=True,
                            check=True)
    marks = json.loads(phases.stdout.strip().splitlines()[-1])
    engine_env = {**base, "SIMCALC_DATA_DIR": data} if data else base
    engine_run = subprocess.run([sys.executable, "-c", f"PAIR = {PAIR!r}\n" + ENGINE_PHASES], cwd=root,
                                env=engine_env, capture_output=True, text=True, check=True)
    engine_marks = json.loads(engine_run.stdout.strip().splitlines()[-1])
    print("\nphases of the default engine's cold compare (one process, seconds; build ensemble includes its members):\n")
    print("| phase | wall s | CPU s |\n|---|---|---|")
    for name, wall, cpu in engine_marks:
        print(f"| {name} | {'' if wall is None else wall} | {'' if cpu is None else cpu} |")
    print("\nphases of the rules scorer's start (one process, packaged lexicon, seconds):")
    for name, seconds in marks.items():
        print(f"  {name:42} {seconds}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "phases": marks, "engine_phases": engine_marks,
                                               "repeats": args.repeats,
                                               "bytecode_cache": not args.no_bytecode_cache}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
