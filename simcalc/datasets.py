"""The staged benchmarks and how each is evaluated (which split sets the threshold, which reports).

Test splits are for reporting only: thresholds come from dev/train splits. ChineseSTS has no official
split; like the CV-LSTM paper we cut it 70:10:20 with a fixed seed (see :func:`chinesests_split`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .errors import ResourceNotFoundError
from .resources import cache_dir, find_resource


@dataclass(frozen=True)
class Benchmark:
    name: str
    data: str  # relative to SIMCALC_DATA_DIR
    threshold_from: str | None  # relative; None = threshold-free metrics only
    task: str
    metrics: tuple[str, ...]  # which metrics the summary table shows


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("LCQMC", "lcqmc/test.tsv", "lcqmc/dev.tsv", "binary", ("accuracy", "f1", "roc_auc")),
    Benchmark("BQ", "bq_corpus/test.tsv", "bq_corpus/dev.tsv", "binary", ("accuracy", "f1", "roc_auc")),
    Benchmark("AFQMC", "afqmc/dev.tsv", "afqmc/train.tsv", "binary", ("f1", "roc_auc")),
    Benchmark("PAWS-X", "pawsx_zh/dev.tsv", None, "binary", ("roc_auc",)),
    Benchmark("STS-B", "cnsd_sts_b/dev.tsv", None, "graded", ("spearman",)),
    Benchmark("ChineseSTS", "chinesests:test", None, "graded", ("spearman",)),
)

CHINESESTS_SPLIT = (0.7, 0.1, 0.2)
CHINESESTS_SEED = 20180101


def chinesests_split(seed: int = CHINESESTS_SEED, binarise: float | None = None) -> dict[str, Path]:
    """Cut ChineseSTS ``train.tsv`` 70:10:20 (train/dev/test) with a fixed seed; files cached on disk.

    Returns the paths of the three split files. The same seed always gives the same rows, so neural
    models trained on ``train`` and every scorer evaluated on ``test`` see the same sentences. With
    ``binarise`` (the CV-LSTM paper uses 2.5) the same rows are written with labels ``int(score >=
    binarise)``, for classifiers; the graded files are the default. This is the only ChineseSTS splitter.
    """
    source = find_resource("chinesests/train.tsv", what="ChineseSTS")
    name = f"chinesests-{seed}" + ("" if binarise is None else f"-binary{binarise:g}")
    out_dir = cache_dir() / "splits" / name
    paths = {part: out_dir / f"{part}.tsv" for part in ("train", "dev", "test")}
    if all(p.exists() for p in paths.values()):
        return paths
    with open(source, encoding="utf-8") as f:
        header, *rows = f.read().splitlines()
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_train = int(len(rows) * CHINESESTS_SPLIT[0])
    n_dev = int(len(rows) * CHINESESTS_SPLIT[1])
    parts = {"train": order[:n_train], "dev": order[n_train:n_train + n_dev], "test": order[n_train + n_dev:]}
    label_at = header.split("\t").index("label") if "label" in header.split("\t") else -1

    def line(row: str) -> str:
        if binarise is None:
            return row
        cells = row.split("\t")
        cells[label_at] = str(int(float(cells[label_at]) >= binarise))
        return "\t".join(cells)

    out_dir.mkdir(parents=True, exist_ok=True)
    for part, idx in parts.items():
        tmp = paths[part].with_suffix(".part")
        tmp.write_text("\n".join([header] + [line(rows[i]) for i in sorted(idx)]) + "\n", encoding="utf-8")
        tmp.replace(paths[part])
    return paths


def resolve(relative: str) -> Path:
    """A benchmark file: a path under SIMCALC_DATA_DIR, or ``chinesests:<split>``."""
    if relative.startswith("chinesests:"):
        return chinesests_split()[relative.split(":", 1)[1]]
    return find_resource(relative, what=f"benchmark file {relative}")


def available(benchmark: Benchmark) -> bool:
    try:
        resolve(benchmark.data)
        if benchmark.threshold_from:
            resolve(benchmark.threshold_from)
        return True
    except ResourceNotFoundError:
        return False
