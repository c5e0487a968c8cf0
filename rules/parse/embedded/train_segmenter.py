"""Train the word segmenter on UD Chinese GSD v1.4 train (simplified with OpenCC). One command::

    SIMCALC_DATA_DIR=... python -m simcalc.rules.parse.embedded.train_segmenter --out runs/segmenter --export data/parser

Model selection on GSD v1.4 dev word F1; one CPU thread, a wall-clock budget (``--minutes``).
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

import torch
from torch import nn

from ..conllu import read_conllu
from ..jieba_segment import Segmenter
from .segmenter import SegConfig, SegVocab, bmes, build_network, featurize, pad, viterbi, words_from_tags
from .train import load_split, portable_args

log = logging.getLogger(__name__)


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def word_prf(gold: list[list[str]], pred: list[list[str]]) -> float:
    """Word F1 over character spans (100 = identical segmentation)."""
    g = p = ok = 0
    for a, b in zip(gold, pred):
        sa, sb = spans(a), spans(b)
        g, p, ok = g + len(sa), p + len(sb), ok + len(sa & sb)
    return 200 * ok / (g + p) if g + p else 0.0


def sentences(split_or_file: str) -> list[list[str]]:
    data = read_conllu(split_or_file) if Path(split_or_file).is_file() else load_split(split_or_file)
    return [[("".join(t.split())) for t in s.tokens if t.strip()] for s in data]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/segmenter")
    ap.add_argument("--export", default=None)
    ap.add_argument("--train", default="train", help="GSD v1.4 split name or a CoNLL-U file")
    ap.add_argument("--dev", default="dev")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--batch", type=int, default=32, help="sentences per batch")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    train, dev = sentences(args.train), sentences(args.dev)
    if args.limit:
        train = train[: args.limit]
    jieba = Segmenter()
    freq = jieba.frequencies
    in_dict = lambda w: freq.get(w, 0) > 0  # noqa: E731
    cut = lambda t: jieba._tokenizer.cut(t, HMM=True)  # noqa: E731
    vocab = SegVocab.build("".join(s) for s in train)
    config = SegConfig(len(vocab.chars), len(vocab.bigrams), hidden=args.hidden)
    net = build_network(config)
    feats = [featurize("".join(s), vocab, cut, in_dict) for s in train]
    gold = [bmes(s) for s in train]
    dev_feats = [featurize("".join(s), vocab, cut, in_dict) for s in dev]
    log.info("train %d sents, dev %d; chars %d bigrams %d; %d parameters", len(train), len(dev), len(vocab.chars),
             len(vocab.bigrams), sum(p.numel() for p in net.parameters()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    best, started = -1.0, time.time()
    order = sorted(range(len(train)), key=lambda i: len(gold[i]))
    batches = [order[i: i + args.batch] for i in range(0, len(order), args.batch)]
    for epoch in range(1, args.epochs + 1):
        net.train()
        random.shuffle(batches)
        t0, total = time.time(), 0.0
        for ids in batches:
            x = [torch.from_numpy(a) for a in pad([feats[i] for i in ids])]
            y = torch.full(x[0].shape, -100, dtype=torch.long)
            for b, i in enumerate(ids):
                y[b, : len(gold[i])] = torch.tensor(gold[i])
            loss = nn.functional.cross_entropy(net(*x).reshape(-1, 4), y.reshape(-1), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimizer.step()
            total += loss.item()
        net.eval()
        pred = []
        with torch.no_grad():
            for s in range(0, len(dev), 128):
                x = [torch.from_numpy(a) for a in pad(dev_feats[s: s + 128])]
                paths = viterbi(net(*x).log_softmax(-1).numpy(), x[0].ne(0).sum(1).numpy()).tolist()
                pred += [words_from_tags("".join(w), p[: sum(map(len, w))]) for w, p in zip(dev[s: s + 128], paths)]
        f1 = word_prf(dev, pred)
        if f1 > best:
            best = f1
            torch.save({"model": net.state_dict(), "config": config.to_dict(),
                        "vocab": {"chars": vocab.chars, "bigrams": vocab.bigrams}, "epoch": epoch,
                        "dev": {"word_f1": round(f1, 2)}, "args": vars(args)}, out / "best.pt")
        log.info("epoch %d loss %.2f dev word F1 %.2f (%.0fs)%s", epoch, total, f1, time.time() - t0,
                 " *best*" if f1 >= best else "")
        if (time.time() - started) / 60 > args.minutes:
            log.info("time budget used: stop")
            break
    log.info("trained in %.1f minutes", (time.time() - started) / 60)
    if args.export:
        export(out / "best.pt", Path(args.export))


def export(checkpoint: Path, out_dir: Path) -> None:
    from safetensors.torch import save_file

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.to(torch.float16).contiguous() for k, v in state["model"].items()},
              str(out_dir / "segmenter.safetensors"))
    meta = {"format": "simcalc-bmes-1", "config": state["config"], "vocab": state["vocab"], "dev": state["dev"],
            "epoch": state["epoch"], "train_args": portable_args(state["args"]),
            "training_data": "UD Chinese GSD v1.4 train (OpenCC t2s), jieba tags and dictionary as features"}
    (out_dir / "segmenter.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    log.info("exported to %s", out_dir)


if __name__ == "__main__":
    main()
