"""Train the embedded parser on UD Chinese GSD v1.4 (simplified with OpenCC). One command::

    SIMCALC_DATA_DIR=... python -m simcalc.rules.parse.embedded.train --out runs/parser --export data/parser

Checkpoints every epoch (``last.pt``, resumable with ``--resume``) and keeps the best dev LAS in
``best.pt``; ``--export`` writes the shipped weights (safetensors + JSON). One CPU thread by default,
a wall-clock budget (``--minutes``) stops training cleanly.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from simcalc.resources import find_resource

from ..conllu import UDSentence, build_char_table, read_conllu
from .model import BiaffineParser, ModelConfig, pad_batch
from .partial import PartialTree, partial_trees
from .vocab import Vocabs

log = logging.getLogger(__name__)

GSD = "ud_chinese/UD_Chinese-GSD_r1.4/zh-ud-{split}.conllu"


def portable_args(args: dict | None) -> dict | None:
    """Training arguments as a shipped model card may record them: an absolute path (a folder of the machine
    that trained) is reduced to its last component, so no machine's paths travel with the weights."""
    if args is None:
        return None
    def short(v):
        if isinstance(v, list):
            return [short(x) for x in v]
        return Path(v).name if isinstance(v, str) and Path(v).is_absolute() else v

    return {k: short(v) for k, v in args.items()}


def load_split(split: str) -> list[UDSentence]:
    path = find_resource(GSD.format(split=split), what=f"UD Chinese GSD v1.4 {split}")
    return read_conllu(path, simplify=True)


def make_batches(sentences: list[UDSentence], max_tokens: int, shuffle: bool) -> list[list[int]]:
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    batches, current, longest = [], [], 0
    for i in order:
        longest_next = max(longest, len(sentences[i]) + 1)
        if current and longest_next * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest_next = [], len(sentences[i]) + 1
        current.append(i)
        longest = longest_next
    if current:
        batches.append(current)
    if shuffle:
        random.shuffle(batches)
    return batches


def tensors(sentences: list, ids: list[int], vocabs: Vocabs):
    """Padded inputs and targets of a batch. Treebank sentences give every head, label and tag; partial
    question trees (:class:`PartialTree`) only some heads, a *set* of allowed labels per annotated word and
    labels forbidden under their root word. Unknown targets are -100 (ignored by the loss)."""
    encoded = [vocabs.encode_tokens(sentences[i].tokens) for i in ids]
    words, chars = pad_batch(encoded)
    heads = torch.full_like(words, -100)
    tags = torch.full_like(words, -100)
    allowed = torch.zeros(*words.shape, len(vocabs.rels), dtype=torch.bool)
    forbid = torch.zeros_like(allowed)
    anchors = torch.zeros(len(ids), dtype=torch.long)
    for b, i in enumerate(ids):
        s = sentences[i]
        n = len(s)
        if isinstance(s, PartialTree):
            heads[b, 1: n + 1] = torch.tensor([h if h >= 0 else -100 for h in s.heads])
            anchors[b] = s.anchor
            if s.tags is not None:
                tags[b, 1: n + 1] = torch.tensor([vocabs.tags.get(x, 0) for x in s.tags])
            for k in range(n):
                for name, table in ((s.rels[k], allowed), (s.forbid[k], forbid)):
                    for d in name:
                        if d in vocabs.rels.index:
                            table[b, k + 1, vocabs.rels.index[d]] = True
        else:
            heads[b, 1: n + 1] = torch.tensor(s.heads)
            rel_ids = torch.tensor([vocabs.rels.get(d, 0) for d in s.deprels])
            allowed[b, torch.arange(1, n + 1), rel_ids] = True
            tags[b, 1: n + 1] = torch.tensor([vocabs.tags.get(x, 0) for x in s.xpos])
    return words, chars, heads, allowed, tags, forbid, anchors


def loss_fn(s_arc, s_rel, s_tag, heads, allowed, tags, mask, forbid=None, anchors=None):
    """Arc and tag cross-entropy over known targets, the relation loss over the allowed label set
    (-log of its total probability), and for partial trees ``-log(1 - p)`` of every forbidden arc."""
    known = mask & heads.ne(-100)
    n_known = known.sum().clamp(min=1)
    arc = nn.functional.cross_entropy(s_arc[known], heads[known], reduction="sum") / n_known
    gold = heads.clamp(min=0)
    rel_scores = s_rel.gather(2, gold.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, s_rel.size(-1))).squeeze(2)
    logp = rel_scores[known].log_softmax(-1)
    rel = -(logp.masked_fill(~allowed[known], float("-inf")).logsumexp(-1)).sum() / n_known
    tagged = mask & tags.ne(-100)
    tag = (nn.functional.cross_entropy(s_tag[tagged], tags[tagged], reduction="sum") / tagged.sum().clamp(min=1)
           if tagged.any() else s_tag.sum() * 0)
    total = arc + rel + tag
    if forbid is not None and forbid.any():
        b, j = (forbid.any(-1) & mask).nonzero(as_tuple=True)  # words with a forbidden label
        a = anchors[b]
        p_arc = s_arc[b, j].log_softmax(-1).gather(1, a.unsqueeze(1)).squeeze(1).exp()
        p_bad = (s_rel[b, j, a].softmax(-1) * forbid[b, j]).sum(-1) * p_arc
        total = total + (-torch.log1p(-p_bad.clamp(max=1 - 1e-6))).sum() / n_known
    return total


@torch.no_grad()
def evaluate(model: BiaffineParser, sentences: list[UDSentence], vocabs: Vocabs, max_tokens: int = 3000) -> dict:
    """Greedy-head UAS/LAS/POS accuracy over all tokens (punctuation included), for model selection."""
    model.eval()
    total = uas = las = pos = 0
    for ids in make_batches(sentences, max_tokens, shuffle=False):
        words, chars, heads, allowed, tags, _, _ = tensors(sentences, ids, vocabs)
        rels = allowed.float().argmax(-1)
        s_arc, s_rel, s_tag = model(words, chars)
        mask = words.ne(0)
        mask[:, 0] = False
        pred_heads = s_arc.argmax(-1)
        pred_rels = s_rel.gather(2, pred_heads.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, s_rel.size(-1)))
        pred_rels = pred_rels.squeeze(2).argmax(-1)
        head_ok = (pred_heads == heads) & mask
        total += int(mask.sum())
        uas += int(head_ok.sum())
        las += int((head_ok & (pred_rels == rels)).sum())
        pos += int(((s_tag.argmax(-1) == tags) & mask).sum())
    model.train()
    return {"uas": 100 * uas / total, "las": 100 * las / total, "pos": 100 * pos / total}


@torch.no_grad()
def evaluate_partial(model: BiaffineParser, trees: list[PartialTree], vocabs: Vocabs) -> dict:
    """Share of questions whose most root-like word is the annotated UD root, and of annotated arcs
    (root, subject, object) whose greedy head and label are right, on partial question trees."""
    model.eval()
    root_ok = arcs = arcs_ok = 0
    for ids in make_batches(trees, 3000, shuffle=False):
        words, chars, heads, allowed, _, _, anchors = tensors(trees, ids, vocabs)
        s_arc, s_rel, _ = model(words, chars)
        mask = words.ne(0)
        mask[:, 0] = False
        root_score = s_arc.log_softmax(-1)[..., 0].masked_fill(~mask, float("-inf"))
        root_ok += int((root_score.argmax(-1) == anchors).sum())
        pred_heads = s_arc.argmax(-1)
        pred_rels = s_rel.gather(2, pred_heads.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, s_rel.size(-1)))
        pred_rels = pred_rels.squeeze(2).argmax(-1)
        known = mask & heads.ne(-100)
        label_ok = allowed.gather(2, pred_rels.unsqueeze(-1)).squeeze(-1)
        arcs += int(known.sum())
        arcs_ok += int((known & (pred_heads == heads) & label_ok).sum())
    model.train()
    return {"root": 100 * root_ok / max(len(trees), 1), "arcs": 100 * arcs_ok / max(arcs, 1)}


@torch.no_grad()
def keep_init(model: BiaffineParser, trees: list[PartialTree], vocabs: Vocabs, arcs: bool = True) -> int:
    """Fill what each partial tree leaves open with the initial model's own greedy predictions: the POS of
    every word, and head + label of every unannotated word whose predicted arc agrees with the annotation
    (not a second root, not a label forbidden under the root word). Why: the question files speak only of
    HED/SBV/VOB; with no target elsewhere, fine-tuning let the rest drift (runs A-D: 瘦 tagged as
    punctuation, 卖给's 给 as an object), and the rule engine reads those words too. ``arcs=False``: the POS
    only. Returns the number of arcs added."""
    model.eval()
    added = 0
    for ids in make_batches(trees, 3000, shuffle=False):
        words, chars, *_ = tensors(trees, ids, vocabs)
        s_arc, s_rel, s_tag = model(words, chars)
        heads = s_arc.argmax(-1)
        rels = s_rel.gather(2, heads.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, s_rel.size(-1)))
        rels, tags = rels.squeeze(2).argmax(-1), s_tag.argmax(-1)
        for b, i in enumerate(ids):
            t = trees[i]
            t.tags = [vocabs.tags.items[int(x)] for x in tags[b, 1: len(t) + 1]]
            for k in range(len(t) if arcs else 0):
                h, r = int(heads[b, k + 1]), vocabs.rels.items[int(rels[b, k + 1])]
                if t.heads[k] >= 0 or h == 0 or h == k + 1 or (h == t.anchor and r in t.forbid[k]):
                    continue
                t.heads[k], t.rels[k] = h, (r,)
                added += 1
    model.train()
    return added


def word_dropout(words: torch.Tensor, p: float) -> torch.Tensor:
    """Replace words by <unk> with probability ``p`` so the char features learn to carry OOV words."""
    if p <= 0:
        return words
    drop = (torch.rand_like(words, dtype=torch.float) < p) & words.gt(2)
    return words.masked_fill(drop, 1)


TRAINING_DATA = "UD Chinese GSD v1.4 train (OpenCC t2s, full-width punctuation)"


def export(checkpoint: Path, out_dir: Path, training_data: str = TRAINING_DATA) -> Path:
    """Write ``model.safetensors`` (fp16 weights) and ``model.json`` (config, vocabularies, scores)."""
    from safetensors.torch import save_file

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {k: v.to(torch.float16).contiguous() for k, v in state["model"].items()}
    save_file(weights, str(out_dir / "model.safetensors"))
    meta = {"format": "simcalc-biaffine-1", "config": state["config"], "vocabs": state["vocabs"],
            "dev": state.get("dev"), "epoch": state.get("epoch"), "train_args": portable_args(state.get("args")),
            "training_data": training_data}
    (out_dir / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    build_char_table(state["vocabs"]["chars"], out_dir / "t2s_chars.json")  # parsing must not need OpenCC
    return out_dir / "model.safetensors"


def load_init(folder: str | Path, config: ModelConfig | None = None) -> BiaffineParser:
    """A model of ``config`` (default: the folder's own) with the shipped weights of ``folder`` (only dropped
    upper layers may be missing)."""
    from safetensors.torch import load_file

    if config is None:
        config = ModelConfig(**json.loads((Path(folder) / "model.json").read_text(encoding="utf-8"))["config"])
    model = BiaffineParser(config)
    weights = load_file(str(Path(folder) / "model.safetensors"))
    model.load_state_dict({k: v.float() for k, v in weights.items() if k in model.state_dict()})
    return model


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/parser", help="checkpoint folder")
    ap.add_argument("--export", default=None, help="write shipped weights here after training")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=29.0, help="wall-clock budget (the issue allows 30)")
    ap.add_argument("--patience", type=int, default=12)
    ap.add_argument("--max-tokens", type=int, default=800, help="tokens per batch (padded)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--word-dropout", type=float, default=0.2)
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training sentences (tests)")
    ap.add_argument("--train-file", default=None, help="CoNLL-U training file instead of GSD v1.4 train")
    ap.add_argument("--dev-file", default=None)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", default=None, help="start from shipped weights (a folder with model.json + "
                    "model.safetensors, e.g. data/parser) and their vocabularies: fine-tuning")
    ap.add_argument("--extra-train", action="append", default=[], metavar="FILE[:WEIGHT]",
                    help="partial question trees (questions_train.conllu format) mixed into every epoch, "
                    "repeated WEIGHT times (default 1)")
    ap.add_argument("--jieba-view", action="store_true",
                    help="also train on each question cut by jieba (the rule engine's words), the annotation "
                    "carried over where the slot words survive the cut")
    ap.add_argument("--keep-init", nargs="?", const="all", choices=("all", "pos"), default=None,
                    help="with --init: train the partial trees' unannotated words toward the initial model's "
                         "own predictions, so only the annotated slots move (all: POS and arcs; pos: POS only)")
    ap.add_argument("--extra-holdout", type=int, default=0, metavar="N",
                    help="keep the last N trees of the first --extra-train file apart for model selection "
                    "(selection then maximises GSD dev LAS + their root accuracy)")
    args = ap.parse_args(argv)
    if args.keep_init and not (args.init and args.extra_train):  # checked before minutes of data loading
        raise SystemExit("--keep-init needs --init (the model whose predictions are kept) and --extra-train "
                         "(the partial trees it completes)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    train = read_conllu(args.train_file) if args.train_file else load_split("train")
    dev = read_conllu(args.dev_file) if args.dev_file else load_split("dev")
    if args.limit:
        train = train[: args.limit]
    extra: list = []
    extra_dev: list[PartialTree] = []
    for k, spec in enumerate(args.extra_train):
        path, _, weight = spec.partition(":") if not Path(spec).exists() else (spec, "", "")
        trees = partial_trees(path, jieba_view=args.jieba_view)
        if k == 0 and args.extra_holdout:  # by question, so no jieba view of a held-out one is trained on
            texts = list(dict.fromkeys("".join(t.tokens) for t in trees))
            held = set(texts[-args.extra_holdout:])
            extra_dev = [t for t in trees if "".join(t.tokens) in held]
            trees = [t for t in trees if "".join(t.tokens) not in held]
        extra += trees * int(weight or 1)
        log.info("extra: %d partial trees from %s (x%s)", len(trees), Path(path).name, weight or 1)
    train = train + extra
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    last, best_path = out / "last.pt", out / "best.pt"

    if args.resume and last.exists():
        state = torch.load(last, map_location="cpu", weights_only=False)
        vocabs, config = Vocabs.from_dict(state["vocabs"]), ModelConfig(**state["config"])
    elif args.init:
        state = None
        meta = json.loads((Path(args.init) / "model.json").read_text(encoding="utf-8"))
        vocabs, config = Vocabs.from_dict(meta["vocabs"]), ModelConfig(**meta["config"])
        if args.layers < config.layers:  # a smaller encoder: keep the lower BiLSTM layers, re-fit what is above
            config.layers = args.layers
    else:
        state = None
        vocabs = Vocabs.build([s for s in train if isinstance(s, UDSentence)])
        config = ModelConfig(len(vocabs.words), len(vocabs.chars), len(vocabs.tags), len(vocabs.rels),
                             hidden=args.hidden, layers=args.layers)
    model = load_init(args.init, config) if args.init and state is None else BiaffineParser(config)
    if args.init and state is None:
        log.info("initialised from %s", args.init)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.9))
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.75 ** (1 / 10))
    start_epoch, best_las, stale = 1, -1.0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start_epoch, best_las, stale = state["epoch"] + 1, state["best_las"], state["stale"]
        log.info("resumed at epoch %d (best dev LAS %.2f)", start_epoch, best_las)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("train %d sents, dev %d; vocab words %d chars %d; %d parameters", len(train), len(dev),
             len(vocabs.words), len(vocabs.chars), n_params)

    if args.init and state is None:
        base = evaluate(model, dev, vocabs)
        if extra_dev:
            base.update({f"q_{k}": v for k, v in evaluate_partial(model, extra_dev, vocabs).items()})
        log.info("before fine-tuning: %s", {k: round(v, 2) for k, v in base.items()})
    if args.keep_init and extra:
        unique = list({id(t): t for t in extra}.values())
        log.info("kept the initial model's POS of %d partial trees and %d of their unannotated arcs",
                 len(unique), keep_init(load_init(args.init), unique, vocabs, arcs=args.keep_init == "all"))
    started = time.time()
    for epoch in range(start_epoch, args.epochs + 1):
        model.train()
        t0, total_loss = time.time(), 0.0
        for ids in make_batches(train, args.max_tokens, shuffle=True):
            words, chars, heads, allowed, tags, forbid, anchors = tensors(train, ids, vocabs)
            mask = words.ne(0)
            mask[:, 0] = False
            s_arc, s_rel, s_tag = model(word_dropout(words, args.word_dropout), chars)
            loss = loss_fn(s_arc, s_rel, s_tag, heads, allowed, tags, mask, forbid, anchors)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            total_loss += loss.item()
        scheduler.step()
        dev_scores = evaluate(model, dev, vocabs)
        if extra_dev:
            dev_scores.update({f"q_{k}": v for k, v in evaluate_partial(model, extra_dev, vocabs).items()})
        score = dev_scores["las"] + dev_scores.get("q_root", 0.0)
        improved = score > best_las
        if improved:
            best_las, stale = score, 0
        else:
            stale += 1
        snapshot = {"model": model.state_dict(), "config": config.to_dict(), "vocabs": vocabs.to_dict(),
                    "epoch": epoch, "dev": dev_scores, "args": vars(args), "best_las": best_las, "stale": stale}
        if improved:
            torch.save(snapshot, best_path)
        snapshot.update(optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict())
        torch.save(snapshot, last)
        log.info("epoch %d loss %.3f dev UAS %.2f LAS %.2f POS %.2f%s (%.0fs)%s", epoch, total_loss,
                 dev_scores["uas"], dev_scores["las"], dev_scores["pos"],
                 f" questions root {dev_scores['q_root']:.1f} arcs {dev_scores['q_arcs']:.1f}" if extra_dev else "",
                 time.time() - t0, " *best*" if improved else "")
        if stale >= args.patience:
            log.info("no dev improvement for %d epochs: stop", stale)
            break
        if (time.time() - started) / 60 > args.minutes:
            log.info("time budget of %.0f minutes used: stop", args.minutes)
            break
    if args.export:
        path = export(best_path, Path(args.export),
                      training_data=TRAINING_DATA + (" + partial question trees " + ", ".join(
                          Path(x.partition(":")[0] if not Path(x).exists() else x).name for x in args.extra_train)
                          if args.extra_train else ""))
        log.info("exported %s (%.1f MB)", path, path.stat().st_size / 1e6)


if __name__ == "__main__":
    main()
