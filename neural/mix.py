"""The general training mix: every labelled pair set there is, split and balanced by a fixed recipe.

    python -m simcalc.neural.mix --data ../shared/data --out runs/general

Why: the shipped neural members are trained on BQ alone and mislead an ensemble off that domain
(issue 21). A member that generalises must see every domain, without letting BQ's 100,000 pairs
drown the small ones, and without touching any split that is reported. The recipe (all seeded, so
the same data always gives the same files):

* **Test splits are never read** (BQ test, LCQMC test, ChineseSTS test part; the PAWS-X, CNSD and
  QBQTC test splits are not staged at all).
* Dev files that are trained on keep a fixed part out for reporting, written to ``holdout/`` with
  the original labels (graded / 3-class): PAWS-X dev 50 %, CNSD dev 50 %, QBQTC dev 30 %, LCQMC dev 20 %.
* AFQMC dev stays untouched (a reported benchmark); AFQMC's early-stopping part is cut from its train.
* Labels become binary: CNSD STS-B score >= 3 ("roughly equivalent" or better) -> 1; ChineseSTS at 2.5
  (through :func:`simcalc.datasets.chinesests_split`, the project's one splitter); QBQTC grade 2 -> 1,
  grade 0 -> 0, grade 1 ("some relevance": neither paraphrase nor unrelated) dropped from train and dev.
* Balance: each domain's training part is resized to ``min(CAP, max(n, min(FLOOR, UPSAMPLE * n)))``
  rows: sampled without replacement above the cap, repeated (whole copies, then a seeded remainder)
  below the floor, never more than ``UPSAMPLE`` times its size. Early-stopping dev: at most
  ``DEV_CAP`` rows per domain, no repeats, so every domain weighs about the same in model selection.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from .data import Row, read_pairs

log = logging.getLogger(__name__)

SEED = 20261203
CAP = 40_000
FLOOR = 8_000
UPSAMPLE = 5
DEV_CAP = 2_000
CNSD_CUT = 3.0
CHINESESTS_CUT = 2.5

Label = Callable[[str], Optional[str]]


def _keep(label: str) -> str | None:
    return str(int(float(label)))


def _graded(cut: float) -> Label:
    return lambda label: str(int(float(label) >= cut))


def _qbqtc(label: str) -> str | None:
    return {"0": "0", "2": "1"}.get(label.strip())


@dataclass(frozen=True)
class Part:
    """One source file cut into train / dev / holdout fractions (in this order, after a seeded shuffle)."""

    file: str  # relative to the data folder, or chinesests:<split>
    train: float = 0.0
    dev: float = 0.0
    holdout: float = 0.0


@dataclass(frozen=True)
class Domain:
    name: str
    parts: tuple[Part, ...]
    label: Label = _keep
    note: str = ""


DOMAINS: tuple[Domain, ...] = (
    Domain("bq", (Part("bq_corpus/train.tsv", train=1.0), Part("bq_corpus/dev.tsv", dev=1.0)),
           note="BQ test untouched"),
    Domain("afqmc", (Part("afqmc/train.tsv", train=0.9, dev=0.1),),
           note="AFQMC dev untouched (reported); early-stopping part cut from train"),
    Domain("cnsd", (Part("cnsd_sts_b/train.tsv", train=1.0), Part("cnsd_sts_b/dev.tsv", dev=0.5, holdout=0.5)),
           label=_graded(CNSD_CUT), note=f"score >= {CNSD_CUT:g} -> 1; dev 50 % held out (graded)"),
    Domain("chinesests", (Part("chinesests:train", train=1.0), Part("chinesests:dev", dev=1.0)),
           label=_graded(CHINESESTS_CUT), note="70:10:20 split of simcalc.datasets.chinesests_split; test part untouched"),
    Domain("qbqtc", (Part("qbqtc/dev.tsv", train=0.6, dev=0.1, holdout=0.3),), label=_qbqtc,
           note="grade 2 -> 1, 0 -> 0, 1 dropped (train/dev); 30 % held out (3-class)"),
    Domain("pawsx", (Part("pawsx_zh/dev.tsv", train=0.4, dev=0.1, holdout=0.5),),
           note="PAWS-X dev: 50 % held out"),
    Domain("lcqmc", (Part("lcqmc/dev.tsv", train=0.6, dev=0.2, holdout=0.2),),
           note="LCQMC dev: 20 % held out; LCQMC test untouched"),
)

#: Files the mix must never read (the reported test splits).
FORBIDDEN = ("bq_corpus/test.tsv", "lcqmc/test.tsv", "chinesests:test", "qbqtc/test.tsv")


def _rng(*key: object) -> random.Random:
    """A generator seeded by a string (Python hashes str seeds with SHA-512: stable across runs)."""
    return random.Random(":".join(str(k) for k in (SEED, *key)))


def _resolve(data: Path, relative: str) -> Path:
    if relative in FORBIDDEN:
        raise ValueError(f"the mix must not read the test split {relative}")
    if relative.startswith("chinesests:"):
        from simcalc.datasets import chinesests_split

        os.environ["SIMCALC_DATA_DIR"] = str(data)  # chinesests_split finds its source through it
        return chinesests_split()[relative.split(":", 1)[1]]
    return data / relative


def cut(rows: Sequence[Row], part: Part, key: str) -> dict[str, list[Row]]:
    """Seeded shuffle, then consecutive fractions: train, dev, holdout (disjoint by row)."""
    order = list(range(len(rows)))
    _rng("cut", key).shuffle(order)
    n_train = round(len(rows) * part.train)
    n_dev = round(len(rows) * part.dev)
    if part.train + part.dev + part.holdout >= 0.999:  # the last part takes the rounding rest
        if part.holdout:
            bounds = (n_train, n_train + n_dev, len(rows))
        elif part.dev:
            bounds = (n_train, len(rows), len(rows))
        else:
            bounds = (len(rows), len(rows), len(rows))
    else:
        bounds = (n_train, n_train + n_dev, n_train + n_dev + round(len(rows) * part.holdout))
    pieces = {"train": order[:bounds[0]], "dev": order[bounds[0]:bounds[1]], "holdout": order[bounds[1]:bounds[2]]}
    return {name: [rows[i] for i in sorted(idx)] for name, idx in pieces.items()}


def resize(rows: Sequence[Row], target: int, key: str) -> list[Row]:
    """``target`` rows: a seeded sample without replacement, or whole copies plus a seeded remainder."""
    rng = _rng("resize", key)
    if target <= len(rows):
        return [rows[i] for i in sorted(rng.sample(range(len(rows)), target))]
    copies, rest = divmod(target, len(rows))
    return list(rows) * copies + [rows[i] for i in sorted(rng.sample(range(len(rows)), rest))]


def train_target(n: int) -> int:
    return min(CAP, max(n, min(FLOOR, UPSAMPLE * n)))


def _relabel(rows: Sequence[Row], label: Label) -> list[Row]:
    out = []
    for a, b, y in rows:
        mapped = label(y)
        if mapped is not None:
            out.append((a, b, mapped))
    return out


def build(data: str | Path) -> dict[str, dict[str, list[Row]]]:
    """Per domain: ``train`` (balanced, binary), ``dev`` (capped, binary), ``holdout`` (original labels)."""
    data = Path(data)
    out: dict[str, dict[str, list[Row]]] = {}
    for domain in DOMAINS:
        pieces: dict[str, list[Row]] = {"train": [], "dev": [], "holdout": []}
        for part in domain.parts:
            rows = read_pairs(_resolve(data, part.file))
            for name, got in cut(rows, part, f"{domain.name}:{part.file}").items():
                pieces[name].extend(got)
        train = _relabel(pieces["train"], domain.label)
        dev = _relabel(pieces["dev"], domain.label)
        out[domain.name] = {
            "train": resize(train, train_target(len(train)), domain.name) if train else [],
            "dev": resize(dev, min(DEV_CAP, len(dev)), f"{domain.name}:dev") if dev else [],
            "holdout": pieces["holdout"],
            "_source_train": train,  # before balancing, for the counts
        }
    return out


def _write(path: Path, rows: Sequence[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("sentence1\tsentence2\tlabel\n")
        for a, b, y in rows:
            if any(c in s for s in (a, b) for c in "\t\n\r"):
                raise ValueError(f"a sentence holds a tab or newline: {a!r} / {b!r}")
            f.write(f"{a}\t{b}\t{y}\n")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_mix(data: str | Path, out: str | Path) -> dict:
    """Write ``train.tsv``, ``dev.tsv``, ``holdout/<domain>.tsv`` and ``mix.json`` (counts, recipe, hashes)."""
    out = Path(out)
    parts = build(data)
    train = [r for d in parts.values() for r in d["train"]]
    dev = [r for d in parts.values() for r in d["dev"]]
    _rng("order", "train").shuffle(train)
    _rng("order", "dev").shuffle(dev)
    _write(out / "train.tsv", train)
    _write(out / "dev.tsv", dev)
    for name, d in parts.items():
        if d["holdout"]:
            _write(out / "holdout" / f"{name}.tsv", d["holdout"])
    counts = {name: {"train_source": len(d["_source_train"]), "train": len(d["train"]),
                     "train_positive": sum(y == "1" for *_, y in d["train"]), "dev": len(d["dev"]),
                     "dev_positive": sum(y == "1" for *_, y in d["dev"]), "holdout": len(d["holdout"])}
              for name, d in parts.items()}
    summary = {"recipe": {"seed": SEED, "cap": CAP, "floor": FLOOR, "upsample": UPSAMPLE, "dev_cap": DEV_CAP,
                          "domains": {d.name: {"files": [vars(p) for p in d.parts], "note": d.note} for d in DOMAINS}},
               "counts": counts, "train_pairs": len(train), "dev_pairs": len(dev),
               "sha256": {"train.tsv": _sha(out / "train.tsv"), "dev.tsv": _sha(out / "dev.tsv")},
               "command": "python -m simcalc.neural.mix --data ../shared/data --out runs/general"}
    (out / "mix.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("SIMCALC_DATA_DIR"),
                        help="the shared data folder (default: $SIMCALC_DATA_DIR)")
    parser.add_argument("--out", required=True, help="folder for train.tsv, dev.tsv, holdout/, mix.json")
    args = parser.parse_args(argv)
    if not args.data:
        raise SystemExit("no data folder: pass --data or set SIMCALC_DATA_DIR")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    summary = write_mix(args.data, args.out)
    for name, c in summary["counts"].items():
        print(f"{name:11s} source {c['train_source']:6d} -> train {c['train']:6d} ({c['train_positive']} pos) "
              f"dev {c['dev']:5d} ({c['dev_positive']} pos) holdout {c['holdout']:5d}")
    print(f"train {summary['train_pairs']} / dev {summary['dev_pairs']} pairs -> {args.out}")


if __name__ == "__main__":
    main()
