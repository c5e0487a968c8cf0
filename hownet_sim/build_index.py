"""Build the packaged lexicon indexes from the source data (see :mod:`simcalc.hownet_sim.index`).

    python -m simcalc.hownet_sim.build_index --data ../shared/data --out data/lexicon/

Writes one ``<resource>.idx`` per resource (HowNet 2000, Cilin, the flat sememe list, the word-level
antonym pairs, the sentiment lists). The output is deterministic: rebuilding from the same files gives
the same bytes, which tests/test_lexicon_index.py checks against the committed files.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .index import build, resources, source_paths


def build_all(data: Path, out: Path, names: list[str] | None = None) -> dict[str, int]:
    """Write ``out/<name>.idx`` for each resource found in ``data``; returns their sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name in names or list(resources()):
        paths = source_paths(name, data)
        if paths is None:
            raise SystemExit(f"{name}: none of {', '.join(resources()[name].sources)} found under {data}")
        blob = build(name, paths)
        (out / f"{name}.idx").write_bytes(blob)
        sizes[name] = len(blob)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the data folder holding hownet/ and cilin/")
    parser.add_argument("--out", type=Path, required=True, help="where to write the .idx files")
    parser.add_argument("--only", nargs="*", help="build only these resources")
    args = parser.parse_args(argv)
    for name, size in build_all(args.data, args.out, args.only).items():
        print(f"{args.out / (name + '.idx')}: {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
