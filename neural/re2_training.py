"""Training loop of the RE2 matcher (:mod:`simcalc.neural.re2`): ``train_re2(train, dev, out, **options)``.

Reuses the CV-LSTM/MGF pieces: pair reading, character vocabulary, skip-gram initial vectors, length-bucketed
batches, the plateau step (back to the best weights at a lower rate), crash-safe checkpoints. Runs as

    python -m simcalc.neural.re2_training TRAIN.tsv DEV.tsv OUT_DIR [--option value ...]
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from .re2 import DEFAULTS, RE2, build

log = logging.getLogger(__name__)


def _probabilities(model: RE2, featurizer: Any, encoded: Sequence, batch: int = 512) -> np.ndarray:
    """P(similar) of encoded pairs, eval mode, length-sorted batches."""
    model.eval()
    order = np.argsort([len(a["char"].ids) + len(b["char"].ids) for a, b in encoded], kind="stable")
    out = np.empty(len(encoded), dtype=np.float64)
    with torch.no_grad():
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            logits = model(featurizer.collate([encoded[i] for i in idx]))["logits"]
            out[idx] = torch.softmax(logits, -1)[:, 1].double().numpy()
    model.train()
    return out


def train_re2(train: str | Path, dev: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Train on a labelled pair file (0/1), early-stop on ``dev`` accuracy (threshold chosen there);
    the best epoch goes to ``out`` as a checkpoint (``kind = "re2"``), resumable from ``out/train_state.pt``.

    ``options``: see :data:`DEFAULTS`; ``lr_decay``: after an epoch without a better dev accuracy, back
    to the best weights with the rate multiplied by it (as :func:`simcalc.neural.training._decay`).
    ``parts``: evaluate and checkpoint every 1/parts epoch (a *step*; ``patience`` and ``best_epoch`` count
    steps), so that a slow CPU run can stop at any time with a recent best. ``max_minutes``: stop after the
    step that passes this budget. One torch thread is the caller's choice."""
    from simcalc.errors import InputFormatError
    from simcalc.evaluate import best_threshold, binary_metrics

    from .checkpoint import STATE, Featurizer, load_train_state, save_checkpoint, save_train_state, write_metrics
    from .embeddings import embedding_matrix, train_keyed_vectors
    from .training import _batches, _decay, finish_run, optimise, training_rows
    from .tokens import Vocab, tokenize

    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise InputFormatError(f"unknown re2 option(s): {', '.join(sorted(unknown))}")
    s = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    torch.manual_seed(s["seed"])
    rows, labels, dev_rows, dev_labels = training_rows(train, dev, {"max_train": None, "seed": s["seed"]})
    if max(labels) > 1 or max(dev_labels) > 1:
        raise InputFormatError("re2 is trained on 0/1 labels")
    tokens = [(tokenize(a, "char"), tokenize(b, "char")) for a, b, _ in rows]
    vocab = Vocab.build((t for pair in tokens for t in pair), min_count=s["min_count"])
    config: dict[str, Any] = {"format": 1, "kind": "re2", "level": "char", "num_classes": 2,
                              "max_words": s["max_chars"],
                              **{k: s[k] for k in ("emb_dim", "hidden", "blocks", "enc_layers", "kernel", "dropout",
                                                   "max_chars")}}
    featurizer = Featurizer(config, {"char": vocab})
    train_enc = [(featurizer.encode(a), featurizer.encode(b)) for a, b, _ in rows]
    dev_enc = [(featurizer.encode(a), featurizer.encode(b)) for a, b, _ in dev_rows]
    y_all = torch.tensor(labels, dtype=torch.long)
    dev_y = np.asarray(dev_labels)
    model = build(config, len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=s["lr"])
    state_path = out_dir / STATE
    history: list[dict[str, Any]] = []
    best_acc, best_epoch, first, best_state = -1.0, 0, 0, None
    if state_path.exists():
        state = load_train_state(state_path)
        if state["vocab"] != vocab.itos or state["settings"] != {k: v for k, v in s.items() if k != "max_minutes"}:
            raise InputFormatError(f"cannot resume {out_dir}: other data or settings; use a new out folder")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        history, best_acc, best_epoch, first = state["history"], state["best_acc"], state["best_epoch"], state["epoch"]
        best_state, config["threshold"] = state["best_model"], state["best_threshold"]
        log.info("resuming after epoch %d (best %.4f at %d)", first, best_acc, best_epoch)
    else:
        kv = (train_keyed_vectors([t for pair in tokens for t in pair], dim=s["emb_dim"], epochs=s["w2v_epochs"],
                                  seed=s["seed"]) if s["w2v_epochs"] else None)
        matrix, covered = embedding_matrix(vocab, s["emb_dim"], kv, seed=s["seed"])
        model.embedding.weight.data.copy_(torch.from_numpy(matrix))
        log.info("vocab %d chars, %d with skip-gram vectors (%.1f min)", len(vocab), covered,
                 (time.time() - started) / 60)
    rng = np.random.default_rng(s["seed"])
    lengths = [len(a["char"].ids) + len(b["char"].ids) for a, b in train_enc]
    metrics: dict[str, Any] = {}
    parts = max(1, int(s["parts"]))
    if first >= s["epochs"] * parts:  # a resumed run with no step left: keep its metrics as they are
        raise InputFormatError(f"nothing to train: {out_dir} already holds {first} steps (raise epochs)")
    batches: list = []
    stop_reason = "epochs"
    for step in range(first, s["epochs"] * parts):  # a step: 1/parts of an epoch, then dev and a checkpoint
        epoch, part = divmod(step, parts)
        if step == first or part == 0:
            for _ in range(epoch if step == first else 0):  # the batch orders already used: a resumed run
                _batches(lengths, s["batch_size"], rng, shuffle=True)  # draws what a straight one draws
            batches = _batches(lengths, s["batch_size"], rng, shuffle=True)
        t0, total, seen = time.time(), 0.0, 0
        model.train()
        for idx in batches[part * len(batches) // parts: (part + 1) * len(batches) // parts]:
            loss = F.cross_entropy(model(featurizer.collate([train_enc[i] for i in idx]))["logits"], y_all[idx])
            total += optimise(model, optimizer, loss, s["grad_clip"]) * len(idx)
            seen += len(idx)
        scores = _probabilities(model, featurizer, dev_enc)
        threshold = best_threshold(scores, dev_y)
        dev_metrics = binary_metrics(scores, dev_y, threshold)
        record = {"step": step + 1, "epoch": round((step + 1) / parts, 3), "lr": optimizer.param_groups[0]["lr"], "train_loss": total / max(seen, 1),
                  "dev_accuracy": dev_metrics["accuracy"], "dev_auc": dev_metrics.get("roc_auc"),
                  "threshold": threshold, "minutes": (time.time() - t0) / 60}
        history.append(record)
        log.info("re2 epoch %.2f: loss %.4f dev acc %.4f auc %s thr %.3f (%.1f min)", record["epoch"], record["train_loss"],
                 record["dev_accuracy"], record["dev_auc"], threshold, record["minutes"])
        if record["dev_accuracy"] > best_acc:
            best_acc, best_epoch = record["dev_accuracy"], step + 1
            config["threshold"], config["epoch"] = threshold, best_epoch
            save_checkpoint(out_dir, config, {"char": vocab}, model)
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif s["lr_decay"] and best_state is not None:
            _decay(model, optimizer, best_state, float(s["lr_decay"]), best_epoch)
        metrics = {"kind": "re2", "settings": s, "train_file": str(train), "dev_file": str(dev),
                   "train_pairs": len(rows), "dev_pairs": len(dev_rows), "vocab": len(vocab), "history": history,
                   "best_epoch": best_epoch, "best_dev_accuracy": best_acc, "threshold": config.get("threshold"),
                   "parameters": sum(p.numel() for p in model.parameters()),
                   "train_minutes_total": sum(h["minutes"] for h in history)}
        write_metrics(out_dir, metrics)
        save_train_state(out_dir, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                   "torch_rng": torch.get_rng_state(), "epoch": step + 1, "best_acc": best_acc,
                                   "best_epoch": best_epoch, "best_threshold": config.get("threshold"),
                                   "best_model": best_state, "history": history, "vocab": vocab.itos,
                                   "settings": {k: v for k, v in s.items() if k != "max_minutes"}})
        if step + 1 - best_epoch >= s["patience"]:
            stop_reason = f"no better dev accuracy for {s['patience']} steps"
            break
        if s["max_minutes"] and (time.time() - started) / 60 >= s["max_minutes"]:
            stop_reason = f"time budget of {s['max_minutes']} minutes reached"
            break
    return finish_run(out_dir, metrics, stop_reason, started)


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("train")
    parser.add_argument("dev")
    parser.add_argument("out")
    for key, value in DEFAULTS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", dest=key, default=None,
                            type=float if isinstance(value, float) or value is None else int, help=f"default {value}")
    args = vars(parser.parse_args(argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    torch.set_num_threads(1)
    metrics = train_re2(args.pop("train"), args.pop("dev"), args.pop("out"), **args)
    print(json.dumps({k: metrics.get(k) for k in ("best_epoch", "best_dev_accuracy", "threshold", "stop_reason")}))


if __name__ == "__main__":
    main()
