"""Make an averaged model: checkpoints of one kind whose probabilities are averaged, with the threshold chosen
for the average on a held-out slice (as training chooses one checkpoint's: the best held-out accuracy).

Why: runs that differ only in seed or vocabulary make partly independent errors, so the mean of their
probabilities ranks and decides better than either (re2: BQ test 79.7 / 80.0 alone, 80.4 averaged; see its
model card). The scorers load such a folder like any checkpoint (:mod:`simcalc.neural.scorers`).

    python -m simcalc.neural.average OUT MEMBER_DIR MEMBER_DIR [...] --held HELD.tsv
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .checkpoint import read_config, write_average
from .data import read_pairs

log = logging.getLogger(__name__)


def average_checkpoints(target: str | Path, members: Sequence[str | Path], held: str | Path,
                        threads: int | None = 1) -> dict[str, Any]:
    """Score ``held`` (a labelled 0/1 pair file none of the members trained on) with the members and their
    mean, write the averaged model to ``target`` with the mean's best-accuracy threshold; returns the held-out
    metrics (the average's, and each member's probability at its own stored threshold)."""
    from simcalc.evaluate import best_threshold, binary_metrics

    from .evaluate import scorer_class

    rows = read_pairs(held)
    labels = np.array([int(float(y)) for _, _, y in rows])
    scorer = scorer_class(read_config(members[0]).get("kind", ""))(model="+".join(map(str, members)), threads=threads)
    results = scorer.score_batch([(a, b) for a, b, _ in rows])
    mean = np.array([r.score for r in results])  # the scorer's own path (coverage fallback included)
    threshold = best_threshold(mean, labels)
    own = [np.array([r.details["members"][k]["probability"] for r in results]) for k in range(len(members))]

    def summary(scores: np.ndarray, t: float) -> dict[str, float]:
        m = binary_metrics(scores, labels, t)
        return {"accuracy": round(m["accuracy"], 4), "auc": round(m["roc_auc"], 4), "threshold": round(t, 6)}

    held_out = {"file": Path(held).name, "pairs": len(rows), **summary(mean, threshold),
                "members": {c.directory.name: summary(s, c.config["threshold"])
                            for c, s in zip(scorer.checkpoints, own)}}
    write_average(target, members, threshold, held_out)
    return held_out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("members", type=Path, nargs="+")
    parser.add_argument("--held", type=Path, required=True, help="labelled held-out pairs (none trained on)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if len(args.members) < 2:
        parser.error("an average needs at least two checkpoints")
    print(json.dumps(average_checkpoints(args.out, args.members, args.held), indent=2))


if __name__ == "__main__":
    main()
