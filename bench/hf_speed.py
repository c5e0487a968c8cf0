#!/usr/bin/env python
"""What a BERT-base-sized model of your own costs next to mgf: pairs/s of hf-cross, hf-bi and mgf, one run.

    SIMCALC_DATA_DIR=../shared/data python bench/hf_speed.py --work runs/hf-bench [--pairs 300] [--device cpu]

simcalc ships no pretrained transformer, so this builds BERT-base-shaped models with random weights
(12 layers, hidden 768, a 21k-character CJK vocabulary: the size of bert-base-chinese / Erlangshen-110M)
under ``--work`` (≈ 0.8 GB, built once) and scores the first ``--pairs`` BQ test pairs with one torch
thread each. Speed does not depend on the weights' values, only on the shapes; accuracy is not measured.
Absolute rates depend on the machine's load: compare the ratios, measured in the same run.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(work: Path) -> None:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [chr(c) for c in range(0x4E00, 0x9FA6)] \
        + list("0123456789？，。！")
    for kind, cls in (("cross", BertForSequenceClassification), ("bi", BertModel)):
        folder = work / kind
        if (folder / "config.json").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        torch.manual_seed(0)
        cls(BertConfig(vocab_size=len(vocab), num_labels=2)).save_pretrained(str(folder))
        BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, type=Path, help="Folder for the generated models.")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    from simcalc import registry
    from simcalc.resources import data_dir

    build(args.work)
    rows = []
    with open(data_dir() / "bq_corpus" / "test.tsv", encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if i and len(row) >= 2:
                rows.append((row[0], row[1]))
            if len(rows) >= args.pairs:
                break
    for name, options in (("mgf", {}), ("hf-cross", {"model": str(args.work / "cross")}),
                          ("hf-bi", {"model": str(args.work / "bi")})):
        scorer = registry.create(name, threads=1, device=args.device, **options)
        scorer.score_batch(rows[:8])  # warm-up
        started = time.time()
        scorer.score_batch(rows)
        print(f"{name:9} {len(rows) / (time.time() - started):8.1f} pairs/s  ({args.device}, 1 thread)", flush=True)


if __name__ == "__main__":
    main()
