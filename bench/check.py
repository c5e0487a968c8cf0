"""Behavioural checks side by side: one Markdown table, a failure-rate column per scorer (the README's table).

    SIMCALC_DATA_DIR=../shared/data python bench/check.py [--scorers levenshtein,rules,ensemble] [--cases 200]

Each scorer runs the same generated cases (the suite's fixed seed) plus the hand-written ones; the table
gives each capability's failure rate, and for signed scorers on minimum-functionality tests how often the
score said "opposite" (< 0). A scorer that cannot load here (missing data or package) is skipped with the
reason. Timings (wall clock, scoring only) follow the table.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's simcalc, not an installed one

DEFAULT = "levenshtein,jaro_winkler,char_jaccard,tfidf,rules,cvlstm,mgf,ensemble"


def main(argv: list[str] | None = None) -> int:
    from simcalc.check import run, side_by_side_markdown
    from simcalc.errors import SimcalcError

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", default=DEFAULT, help=f"comma-separated scorer names (default: {DEFAULT})")
    parser.add_argument("--config", action="append", default=[],
                        help="also an ensemble config (shipped name or .toml), as a column 'ensemble:NAME'")
    parser.add_argument("--cases", type=int, default=None, help="generated cases per capability (default: the suite's)")
    parser.add_argument("--suite", default=None, help="suite folder (default: the shipped data/check)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    reports, notes = [], []
    jobs = [(name.strip(), None) for name in args.scorers.split(",") if name.strip()]
    jobs += [("ensemble", config) for config in args.config]
    for name, config in jobs:
        label = f"{name}:{config}" if config else name
        try:
            report = run(name, suite=args.suite, config=config, cases=args.cases)
        except SimcalcError as exc:
            notes.append(f"- `{label}` skipped: {exc}")
            continue
        reports.append(report)
        print(f"{label}: {report.pairs_scored} pairs in {report.seconds:.1f} s", file=sys.stderr)
    if not reports:
        print("\n".join(notes), file=sys.stderr)
        return 1
    print(side_by_side_markdown(reports))
    print()
    for r in reports:
        s = r.scale
        print(f"- `{r.scorer}`: range {s.low:g}..{s.high:g}, threshold {s.threshold:g} ({r.threshold_source}); "
              f"{r.cases} cases, {r.pairs_scored} distinct pairs scored in {r.seconds:.1f} s")
    if notes:
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
