"""Fine-tuning a local pretrained transformer into an ``hf-cross`` similarity model.

``train_hf(train, dev, out, init=PATH)`` reads the pair files like the cvlstm/mgf loop, puts a
classification head of the right size on the model in ``init`` (kept when it already fits, e.g. a
3-class QBQTC head; freshly initialised otherwise), and trains with AdamW. After every epoch it scores
dev, picks the threshold with the best dev accuracy and, when that accuracy is the best so far, saves
the model, tokenizer and ``simcalc.json`` (threshold, epoch) to ``out`` — staged and moved into place,
``simcalc.json`` last. Early stopping on dev accuracy (``patience``), a wall-clock budget
(``max_minutes``), and resumption from ``out/train_state.pt`` (refused when the settings that shape an
epoch, the data or the initial model differ) work as in :mod:`simcalc.neural.training`.

Losses: ``bce`` (binary data, a 1-logit head; the default for 0/1 labels), ``ce`` (softmax over 2 or
3 classes) and ``pcl`` (Erlangshen's propensity-corrected loss, 3-class data; see :mod:`.losses`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from simcalc.errors import InputFormatError

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "epochs": 3, "patience": 2, "batch_size": 16, "lr": 2e-5, "weight_decay": 0.01, "loss": None,
    "max_length": 128, "seed": 1, "threads": 1, "device": "auto", "max_train": None, "max_minutes": None,
    "resume": True, "progress": True, "grad_clip": 1.0, "label_smoothing": 0.1, "pcl_epsilon": 0.1,
}
LOSSES = ("bce", "ce", "pcl")


def _settings(hyperparams: dict[str, Any]) -> dict[str, Any]:
    unknown = set(hyperparams) - set(DEFAULTS)
    if unknown:
        raise InputFormatError(f"unknown training option(s) for hf-cross: {', '.join(sorted(unknown))} "
                               f"(it takes {', '.join(sorted(DEFAULTS))})")
    settings = {**DEFAULTS, **{k: v for k, v in hyperparams.items() if v is not None}}
    if settings["loss"] is not None and settings["loss"] not in LOSSES:
        raise InputFormatError(f"loss for hf-cross must be one of {', '.join(LOSSES)}, not {settings['loss']!r}")
    return settings


def train_hf(train: str, dev: str, out: str, init: str | None = None, **hyperparams: Any) -> dict[str, Any]:
    """Fine-tune the local model folder ``init`` on ``train``, early-stopping on ``dev``; write to ``out``.

    Options (``simcalc train hf-cross`` flags; None = default): epochs (3), patience (2), batch_size (16),
    lr (2e-5), weight_decay (0.01), loss (bce for 0/1 labels, ce for 3 classes; pcl for 3 classes),
    max_length (128 tokens per pair), seed (1), threads (1), device (auto|cpu|cuda), max_train,
    max_minutes, resume (True), grad_clip (1.0), label_smoothing / pcl_epsilon (pcl only).
    Returns the metrics also written to ``out/metrics.json``.
    """
    from .device import resolve_threads, torch_threads
    from .hf import check_model_folder, require_transformers

    require_transformers()
    settings = _settings(hyperparams)
    init_dir = check_model_folder(init, "simcalc train hf-cross --init")
    with torch_threads(resolve_threads(settings["threads"])):
        return _train(train, dev, Path(out), init_dir, settings)


def _fingerprint(s: dict[str, Any], files: list[str], init_dir: Path) -> dict[str, Any]:
    """What a resumed run must share with the saved one (the same shape as the cvlstm/mgf loop's)."""
    from .checkpoint import file_sha256
    from .training import RUNTIME_SETTINGS

    fixed = {k: v for k, v in sorted(s.items()) if k not in RUNTIME_SETTINGS}
    init_files = sorted(p for p in init_dir.iterdir() if p.is_file() and p.name.endswith((".json", ".txt", ".model")))
    digest = hashlib.sha256()
    for path in init_files:
        digest.update(path.name.encode() + file_sha256(path).encode())
    return {"settings": fixed, "data_sha256": [file_sha256(f) for f in files], "vocab_sha256": digest.hexdigest()}


def save_model(out_dir: Path, model, tokenizer, meta: dict[str, Any]) -> None:
    """Model, tokenizer and ``simcalc.json`` staged, then moved into ``out_dir`` (simcalc.json last)."""
    from .checkpoint import _commit, _staging
    from .hf import SIMCALC_META

    staging = _staging(out_dir)
    model.save_pretrained(str(staging))
    tokenizer.save_pretrained(str(staging))
    (staging / SIMCALC_META).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != SIMCALC_META)
    _commit(staging, out_dir, names + [SIMCALC_META])


def _train(train: str, dev: str, out_dir: Path, init_dir: Path, s: dict[str, Any]) -> dict[str, Any]:
    import torch

    from simcalc.evaluate import best_threshold, binary_metrics

    from .checkpoint import STATE, load_train_state, save_train_state, write_metrics
    from .device import select_device
    from .hf import cross_score, length_chunks, load_model, load_tokenizer
    from .losses import bce, pcl_constants, propensity_corrected_loss
    from .training import _batches, _check_resumable, finish_run, optimise, stop_after, training_rows

    device = select_device(s["device"])
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    rows, labels, dev_rows, dev_labels = training_rows(train, dev, s)
    num_classes = max(max(labels), max(dev_labels)) + 1
    if num_classes > 3:
        raise InputFormatError(f"labels go up to {num_classes - 1}; hf-cross trains 0/1 or 0/1/2 (QBQTC) labels")
    num_classes = max(num_classes, 2)
    loss_name = s["loss"] or ("bce" if num_classes == 2 else "ce")
    if loss_name == "pcl" and num_classes != 3:
        raise InputFormatError("the PCL loss is defined for 3-label data (labels 0, 1, 2)")
    if loss_name == "bce" and num_classes != 2:
        raise InputFormatError("bce is for 0/1 labels; use ce or pcl for 3-label data")
    head = 1 if loss_name == "bce" else num_classes

    torch.manual_seed(s["seed"])
    tokenizer = load_tokenizer(init_dir, "hf-cross --init")
    model = load_model(init_dir, "hf-cross --init", "AutoModelForSequenceClassification", num_labels=head,
                       ignore_mismatched_sizes=True)
    model.config.problem_type = None  # the loss below decides; HF's own would guess from the head size
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and s["max_length"] > limit:
        log.warning("max_length %d is above the model's position limit; using %d", s["max_length"], limit)
        s = {**s, "max_length": int(limit)}
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
    label_counts = [Counter(labels)[k] for k in range(num_classes)]
    pcl = pcl_constants(label_counts, s["pcl_epsilon"]) if loss_name == "pcl" else None

    def loss_fn(logits, y):
        if loss_name == "bce":
            return bce(logits.squeeze(-1), y)
        if loss_name == "pcl":
            return propensity_corrected_loss(logits, y, pcl[0], pcl[1], s["label_smoothing"])
        return torch.nn.functional.cross_entropy(logits, y)

    def tokens(batch_rows):
        enc = tokenizer([r[0] for r in batch_rows], [r[1] for r in batch_rows], truncation="longest_first",
                        max_length=s["max_length"], padding=True, return_tensors="pt")
        return {k: v.to(device) for k, v in enc.items()}

    full = tokenizer([r[0] for r in rows], [r[1] for r in rows], truncation=False, verbose=False)["input_ids"]
    lengths = [len(ids) for ids in full]
    train_cut = sum(n > s["max_length"] for n in lengths)
    dev_sizes = [len(ids) for ids in tokenizer([r[0] for r in dev_rows], [r[1] for r in dev_rows],
                                               truncation=False, verbose=False)["input_ids"]]
    dev_cut = sum(n > s["max_length"] for n in dev_sizes)
    log.info("%d train / %d dev pairs; %d classes, loss %s; pairs cut to %d tokens: train %d, dev %d",
             len(rows), len(dev_rows), num_classes, loss_name, s["max_length"], train_cut, dev_cut)

    def evaluate() -> np.ndarray:
        model.eval()
        scores = np.zeros(len(dev_rows))
        with torch.inference_mode():
            for idx in length_chunks(dev_sizes, max(s["batch_size"], 64)):
                logits = model(**tokens([dev_rows[i] for i in idx])).logits.float().cpu().tolist()
                for i, row in zip(idx, logits):
                    scores[i] = cross_score(row)[0]
        model.train()
        return scores

    prints = _fingerprint(s, [train, dev], init_dir)
    state_path = out_dir / STATE
    history: list[dict[str, Any]] = []
    start_epoch, best_acc, best_epoch, best_threshold_value = 0, -1.0, -1, None
    if s["resume"] and state_path.exists():
        state = load_train_state(state_path)
        _check_resumable(state.get("fingerprint"), prints, out_dir, state["history"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, best_acc, best_epoch = state["epoch"], state["best_acc"], state["best_epoch"]
        history, best_threshold_value = state["history"], state["best_threshold"]
        log.info("resumed from %s after epoch %d (best dev accuracy %.4f)", state_path, start_epoch, best_acc)
    if start_epoch and (start_epoch >= s["epochs"] or start_epoch - best_epoch >= s["patience"]):
        raise InputFormatError(f"nothing to train: {out_dir} already holds {start_epoch} epochs "
                               "(raise --epochs, or pass --no-resume to start again)")
    from tqdm import tqdm

    y_all = torch.tensor(labels, dtype=torch.long)
    dev_y = np.asarray(dev_labels)
    stop_reason, metrics = "epochs", {}
    model.train()
    for epoch in range(start_epoch, s["epochs"]):
        epoch_start = time.time()
        batches = _batches(lengths, s["batch_size"], np.random.default_rng(s["seed"] * 1000 + epoch), shuffle=True)
        total, seen = 0.0, 0
        bar = tqdm(batches, desc=f"hf-cross epoch {epoch + 1}", disable=not s["progress"], mininterval=10)
        for idx in bar:
            loss = loss_fn(model(**tokens([rows[i] for i in idx])).logits, y_all[idx].to(device))
            total += optimise(model, optimizer, loss, s["grad_clip"]) * len(idx)
            seen += len(idx)
        bar.close()
        dev_scores = evaluate()
        if num_classes == 2:
            threshold = best_threshold(dev_scores, dev_y)
            dev_metrics = binary_metrics(dev_scores, dev_y, threshold)
        else:
            threshold = None
            dev_metrics = {"accuracy": float((np.rint(dev_scores * 2).astype(int) == dev_y).mean())}
        record: dict[str, Any] = {"epoch": epoch + 1, "train_loss": total / max(seen, 1), "dev_accuracy": dev_metrics["accuracy"],
                  "dev_f1": dev_metrics.get("f1"), "threshold": threshold, "minutes": (time.time() - epoch_start) / 60}
        history.append(record)
        log.info("epoch %d: loss %.4f, dev accuracy %.4f (threshold %s)", epoch + 1, record["train_loss"],
                 record["dev_accuracy"], threshold)
        if s["progress"]:
            tqdm.write(f"hf-cross epoch {epoch + 1}: loss {record['train_loss']:.4f} dev acc "
                       f"{record['dev_accuracy']:.4f} thr {threshold} ({record['minutes']:.1f} min)", file=sys.stderr)
        if record["dev_accuracy"] > best_acc:
            best_acc, best_epoch, best_threshold_value = record["dev_accuracy"], epoch + 1, threshold
            save_model(out_dir, model, tokenizer, {
                "kind": "hf-cross", "threshold": threshold, "epoch": best_epoch, "num_classes": num_classes,
                "loss": loss_name, "max_length": s["max_length"], "init": init_dir.name,
                "dev_accuracy": best_acc})
        metrics = {"kind": "hf-cross", "init": str(init_dir), "settings": s, "loss": loss_name,
                   "train_file": str(train), "dev_file": str(dev), "train_pairs": len(rows), "dev_pairs": len(dev_rows),
                   "label_counts": label_counts, "pairs_cut": {"train": train_cut, "dev": dev_cut,
                                                               "max_length": s["max_length"]},
                   "history": history, "best_epoch": best_epoch, "best_dev_accuracy": best_acc,
                   "threshold": best_threshold_value, "parameters": sum(p.numel() for p in model.parameters()),
                   "device": str(device), "train_minutes_total": sum(h["minutes"] for h in history)}
        write_metrics(out_dir, metrics)
        save_train_state(out_dir, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
            "epoch": epoch + 1, "best_acc": best_acc, "best_epoch": best_epoch, "best_threshold": best_threshold_value,
            "history": history, "fingerprint": prints})
        stop_reason = stop_after(epoch, best_epoch, s, started) or stop_reason
        if stop_reason != "epochs":
            break
    return finish_run(out_dir, metrics, stop_reason, started)
