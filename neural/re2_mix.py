"""The training mix of the ``re2`` member, kept apart from every row the general config is fitted on.

Why apart: the general config (bench/general.py) stacks its members on BQ dev, LCQMC dev, an AFQMC-train
sample (10,000 rows drawn with ``numpy.random.default_rng(0)``), CNSD STS-B train and PAWS-X zh dev rows
0–1199. A member trained on those rows looks better there than anywhere else and the stack over-trusts it.
So the mix is BQ train plus the AFQMC train rows *outside* that sample; a seeded slice of it is held out
for early stopping and the threshold (no dev split of any benchmark is read).

Synthetic role swaps (``--swaps``): for a share of the similar pairs, two different nouns/pronouns of
sentence 1 trade places ("我借给他" → "他借给我") and the result is paired with sentence 2 (or with the
original sentence 1) as *not similar*: the same characters in a different role order, which is what
PAWS-X's adversarial pairs are made of and what bag-of-characters members cannot see.

    python -m simcalc.neural.re2_mix --data ../shared/data --out DIR [--swaps 0.3] [--held 5000]
"""
from __future__ import annotations

import argparse
import csv
import logging
from pathlib import Path

import numpy as np

from .data import Row, read_pairs

log = logging.getLogger(__name__)

#: The general config's AFQMC fitting sample (bench/general.py FIT_SETS "sample:10000"): rows left out here.
AFQMC_FIT_SAMPLE = 10000
SWAP_FLAGS = ("n", "nr", "ns", "nt", "nz", "vn")
#: Personal pronouns also trade roles (question words such as 什么 / 怎么 do not: swapping them garbles the question).
PERSONS = frozenset({"我", "你", "您", "他", "她", "它", "我们", "你们", "他们", "她们", "别人", "对方"})


def afqmc_unfitted(rows: list[Row]) -> list[Row]:
    """AFQMC train rows outside the general config's fitting sample (same draw: seed 0 over all rows)."""
    taken = set(np.random.default_rng(0).choice(len(rows), size=min(AFQMC_FIT_SAMPLE, len(rows)), replace=False).tolist())
    return [r for i, r in enumerate(rows) if i not in taken]


def swap_roles(text: str, rng: np.random.Generator) -> str | None:
    """``text`` with two different nouns/pronouns exchanged (jieba POS tags), or None when it has no two."""
    import jieba.posseg as pseg

    words = [(w.word, w.flag) for w in pseg.cut(text)]
    slots = [i for i, (w, f) in enumerate(words) if (f in SWAP_FLAGS or w in PERSONS) and w.strip()]
    pairs = [(i, j) for i in slots for j in slots if i < j and words[i][0] != words[j][0]]
    if not pairs:
        return None
    i, j = pairs[int(rng.integers(len(pairs)))]
    tokens = [w for w, _ in words]
    tokens[i], tokens[j] = tokens[j], tokens[i]
    swapped = "".join(tokens)
    return swapped if swapped != text else None


def synthetic_swaps(rows: list[Row], share: float, rng: np.random.Generator) -> list[Row]:
    """Not-similar pairs made by :func:`swap_roles` from ``share`` of the similar pairs."""
    positives = [r for r in rows if float(r[2]) == 1]
    picked = rng.permutation(len(positives))[: int(share * len(positives))]
    out: list[Row] = []
    for k in picked.tolist():
        a, b, _ = positives[k]
        swapped = swap_roles(a, rng)
        if swapped is not None:
            out.append((swapped, b, "0") if rng.random() < 0.5 else (a, swapped, "0"))
    return out


def write_tsv(rows: list[Row], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=None, quotechar=None)
        writer.writerow(["sentence1", "sentence2", "label"])
        for a, b, y in rows:
            writer.writerow([a.replace("\t", " "), b.replace("\t", " "), str(int(float(y)))])


def build_mix(data: Path, out: Path, swaps: float = 0.0, held: int = 5000, seed: int = 0) -> dict[str, int]:
    """Write ``train.tsv`` and ``held.tsv`` (the held-out slice, no synthetic rows) under ``out``."""
    rows = read_pairs(data / "bq_corpus" / "train.tsv") + afqmc_unfitted(read_pairs(data / "afqmc" / "train.tsv"))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    held_rows = [rows[i] for i in order[:held]]
    train_rows = [rows[i] for i in order[held:]]
    extra = synthetic_swaps(train_rows, swaps, rng) if swaps else []
    train_rows = train_rows + extra
    train_rows = [train_rows[i] for i in rng.permutation(len(train_rows))]
    out.mkdir(parents=True, exist_ok=True)
    write_tsv(train_rows, out / "train.tsv")
    write_tsv(held_rows, out / "held.tsv")
    counts = {"train": len(train_rows), "synthetic_swaps": len(extra), "held": len(held_rows)}
    log.info("re2 mix: %s", counts)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--swaps", type=float, default=0.0, help="share of similar pairs given a role-swapped negative")
    parser.add_argument("--held", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(build_mix(args.data, args.out, args.swaps, args.held))


if __name__ == "__main__":
    main()
