"""Training loop for CV-LSTM and MGF: ``train_model(kind, train, dev, out, **hyperparams)``.

What it does, in order: read the pair files; build the vocabularies on the training sentences; train
skip-gram vectors on them (or load given ones) to initialise the embeddings; train with length-bucketed
batches; after every epoch score dev, pick the threshold with the best dev accuracy, keep the best
epoch's weights (early stopping on dev accuracy, patience 10 by default) and write a resumable state.
Deterministic on CPU for a given seed (one thread, fixed batch order, seeded dropout).
"""
from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from simcalc.errors import InputFormatError

from simcalc.evaluate import best_threshold, binary_metrics

from .data import int_labels, read_pairs

log = logging.getLogger(__name__)

DEFAULTS: dict[str, dict[str, Any]] = {
    # CV-LSTM paper, Table 3 / §3: 400-d character vectors, 200 LSTM units, dropout 0.3, Adadelta.
    "cvlstm": {"level": "char", "encoder": "lstm", "emb_dim": 400, "hidden": 200, "dropout": 0.3,
               "filters": 128, "kernel": 3, "optimizer": "adadelta", "lr": 1.0, "loss": "ce",
               "batch_size": 128, "head_init": "cosine", "head_scale": 10.0},
    # MGF paper §4.2: 300-d embeddings and units, dropout 0.5, batch 512, equilibrium cross-entropy.
    "mgf": {"emb_dim": 300, "hidden": 300, "dropout": 0.5, "optimizer": "adam", "lr": 1e-3,
            "loss": "equilibrium", "batch_size": 512},
}
COMMON: dict[str, Any] = {
    "epochs": 200, "patience": 10, "seed": 1, "threads": 1, "device": "auto", "min_count": 2,
    "max_chars": 64, "max_words": 48, "w2v_epochs": 5, "char_vectors": None, "word_vectors": None,
    "label_smoothing": 0.1, "pcl_epsilon": 0.1, "max_train": None, "max_minutes": None,
    "resume": True, "progress": True, "grad_clip": 5.0, "lr_decay": None,
}
LOSSES = {"cvlstm": ("ce", "pcl"), "mgf": ("equilibrium", "bce")}
#: Settings that may change between a run and its resumption: they decide how long and where to train,
#: not what an epoch computes. Every other setting (and the data) must match, or the resume is refused.
RUNTIME_SETTINGS = frozenset({"epochs", "patience", "max_minutes", "resume", "progress", "threads", "device"})
#: Settings that act only after an epoch without a better dev accuracy: they may change on resume when
#: every saved epoch but the last improved, because then they could not yet have changed anything.
PLATEAU_SETTINGS = frozenset({"lr_decay"})


def fingerprint(settings: dict[str, Any], files: Sequence[str | Path], vocabs: dict[str, Any]) -> dict[str, Any]:
    """What a resumed run must share with the saved one: settings, data file hashes, vocabulary hash."""
    import hashlib
    import json

    from .checkpoint import file_sha256

    fixed = {k: (str(v) if isinstance(v, Path) else v) for k, v in sorted(settings.items()) if k not in RUNTIME_SETTINGS}
    vocab_text = json.dumps({lv: v.itos for lv, v in sorted(vocabs.items())}, ensure_ascii=False)
    return {"settings": fixed, "data_sha256": [file_sha256(f) for f in files],
            "vocab_sha256": hashlib.sha256(vocab_text.encode("utf-8")).hexdigest()}


def _plateaus(history: Sequence[dict[str, Any]]) -> int:
    """Epochs before the last that did not beat every earlier one: where a plateau setting would have acted."""
    best, count = -1.0, 0
    for record in history[:-1]:
        if record["dev_accuracy"] > best:
            best = record["dev_accuracy"]
        else:
            count += 1
    return count


def _check_resumable(saved: dict[str, Any] | None, now: dict[str, Any], out_dir: Path,
                     history: Sequence[dict[str, Any]] = ()) -> None:
    if saved is None:
        raise InputFormatError(f"{out_dir / 'train_state.pt'} predates resumable fingerprints; "
                               "train into a new --out or pass --no-resume")
    free = PLATEAU_SETTINGS if not _plateaus(history) else frozenset()
    problems = [f"{k}: {saved['settings'].get(k)!r} → {now['settings'].get(k)!r}"
                for k in sorted(set(saved["settings"]) | set(now["settings"]))
                if k not in free and saved["settings"].get(k) != now["settings"].get(k)]
    if saved["data_sha256"] != now["data_sha256"]:
        problems.append("the train or dev file changed")
    elif saved["vocab_sha256"] != now["vocab_sha256"]:
        problems.append("the vocabulary changed")
    if problems:
        raise InputFormatError(f"cannot resume {out_dir}: it was trained with other settings or data ("
                               + "; ".join(problems) + "); use a new --out, or --no-resume to start again")


def _batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator, shuffle: bool) -> list[np.ndarray]:
    """Batches of similar length (less padding): shuffle, sort within chunks of 50 batches, shuffle batches."""
    index = rng.permutation(len(lengths)) if shuffle else np.arange(len(lengths))
    lengths = np.asarray(lengths)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(index), chunk):
        part = index[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def _settings(kind: str, hyperparams: dict[str, Any]) -> dict[str, Any]:
    if kind not in DEFAULTS:
        raise InputFormatError(f"unknown model kind {kind!r}; use cvlstm or mgf")
    settings = {**COMMON, **DEFAULTS[kind]}
    unknown = set(hyperparams) - set(settings)
    if unknown:
        raise InputFormatError(f"unknown training option(s) for {kind}: {', '.join(sorted(unknown))}")
    settings.update({k: v for k, v in hyperparams.items() if v is not None})
    if settings["loss"] not in LOSSES[kind]:
        raise InputFormatError(f"loss for {kind} must be one of {', '.join(LOSSES[kind])}, not {settings['loss']!r}")
    if kind == "cvlstm" and settings["level"] not in ("char", "word"):
        raise InputFormatError("level must be char (CV-*) or word (WV-*)")
    if settings["lr_decay"] is not None and not 0 < float(settings["lr_decay"]) < 1:
        raise InputFormatError(f"lr_decay must be between 0 and 1 (exclusive), not {settings['lr_decay']!r}")
    if kind == "cvlstm" and settings["head_init"] not in ("cosine", "random"):
        raise InputFormatError("head_init must be cosine (fixed positive slope) or random (PyTorch's default)")
    return settings


def _init_embeddings(model, kind: str, vocabs: dict, train_tokens: dict, s: dict[str, Any]) -> dict[str, Any]:
    """Copy word2vec vectors (given files, or trained here on the training sentences) into the embeddings."""
    import torch

    from .embeddings import embedding_matrix, load_vectors, train_keyed_vectors

    info = {}
    for lv, vocab in vocabs.items():
        given = s[f"{lv}_vectors"]
        if given:
            kv = load_vectors(given)
        elif s["w2v_epochs"] > 0:
            kv = train_keyed_vectors([t for pair in train_tokens[lv] for t in pair], dim=s["emb_dim"],
                                     epochs=s["w2v_epochs"], seed=s["seed"], min_count=1)
        else:
            kv = None
        matrix, covered = embedding_matrix(vocab, s["emb_dim"], kv, seed=s["seed"])
        layer = model.embedding if kind == "cvlstm" else getattr(model, f"{lv}_embedding")
        layer.weight.data.copy_(torch.from_numpy(matrix))
        info[lv] = {"source": str(given) if given else ("trained on train" if kv is not None else "random"),
                    "covered": covered, "vocab": len(vocab)}
    return info


def _init_cosine_head(model, featurizer, sample: Sequence, scale: float) -> dict[str, float]:
    """Start CV-LSTM's Linear(1, classes) head as ``scale · (cosine − m)`` per class step.

    Why: with PyTorch's random init the head's slope on the single cosine feature is drawn from
    U(−2, 2) per seed; a negative or near-zero slope tells the encoder that *similar* sentences should
    have *lower* cosines, and Adadelta's small early steps on the 4 head parameters undo that slowly.
    That made training depend on the seed (a 300-d run stayed at 0.64 dev accuracy). A fixed positive
    slope, centred on the mean cosine of fresh sentence vectors (``m``, from a training sample in
    eval mode, no randomness used), gives every seed the same sensible start.
    """
    import torch

    model.eval()
    with torch.no_grad():
        cos = model(featurizer.collate(list(sample)))["cosine"]
    model.train()
    centre = float(cos.mean())
    classes = model.classifier.out_features
    steps = torch.arange(classes, dtype=torch.float32) - (classes - 1) / 2
    with torch.no_grad():
        model.classifier.weight.copy_((scale * steps).view(-1, 1))
        model.classifier.bias.copy_(-scale * steps * centre)
    return {"scale": scale, "centre": round(centre, 4), "cosine_std": round(float(cos.std()), 4)}


def _decay(model, optimizer, best_state: dict[str, Any], factor: float, best_epoch: int) -> None:
    """Plateau step: back to the best epoch's weights, learning rate × ``factor``.

    Why: at a constant rate MGF's dev accuracy peaks after a few epochs and then falls as it overfits;
    a smaller step from the best point explores that optimum instead of leaving it (Adam's moment
    estimates are kept, so the smaller rate takes effect at once).
    """
    model.load_state_dict(best_state)
    for group in optimizer.param_groups:
        group["lr"] *= factor
    log.info("no better dev accuracy: back to epoch %d's weights, learning rate now %.3g", best_epoch,
             optimizer.param_groups[0]["lr"])


def train_model(kind: str, train: str, dev: str, out: str, **hyperparams: Any) -> dict[str, Any]:
    """Train ``cvlstm`` or ``mgf`` on a pair file, early-stopping on ``dev``; write a checkpoint to ``out``.

    Options (``simcalc train`` flags; None = default):
      epochs (200, stopped early), patience (10 epochs without a better dev accuracy), batch_size
      (cvlstm 128, mgf 512), lr (Adadelta 1.0 / Adam 1e-3), device (auto|cpu|cuda), seed (1),
      threads (1), max_minutes (stop after the epoch that passes this wall-clock budget),
      max_train (use only the first N training pairs after a seeded shuffle), resume (True: continue
      from ``out/train_state.pt`` if present), lr_decay (None: constant rate; a factor in (0, 1): after an
      epoch without a better dev accuracy, go back to the best epoch's weights and multiply the rate by it).
      Model: emb_dim, hidden, dropout; cvlstm also level (char|word), encoder (lstm|cnn), filters,
      kernel; loss (cvlstm: ce|pcl with label_smoothing, pcl_epsilon; mgf: equilibrium|bce).
      Text: min_count (2), max_chars (64), max_words (48); sentences longer are cut and counted.
      Vectors: char_vectors / word_vectors (KeyedVectors files; default: trained here on the training
      sentences, w2v_epochs passes, skip-gram window 5).
    Returns the metrics dict also written to ``out/metrics.json``.

    Resuming is refused (clear error) when the settings that shape an epoch, the data files or the
    vocabulary differ from the saved run's; a resumed run equals an uninterrupted one on CPU.
    """
    from .device import resolve_threads, torch_threads

    settings = _settings(kind, hyperparams)
    with torch_threads(resolve_threads(settings["threads"])):
        return _train(kind, train, dev, out, settings)


def training_rows(train: str | Path, dev: str | Path, s: dict[str, Any]) -> tuple[list, list[int], list, list[int]]:
    """Train and dev pairs with their integer labels; a seeded subsample of train when ``max_train`` is set.
    Shared by every training loop."""
    rows, dev_rows = read_pairs(train), read_pairs(dev)
    labels, dev_labels = int_labels(rows, train), int_labels(dev_rows, dev)
    if s["max_train"]:
        keep = np.random.default_rng(s["seed"]).permutation(len(rows))[: int(s["max_train"])]
        rows, labels = [rows[i] for i in keep], [labels[i] for i in keep]
    return rows, labels, dev_rows, dev_labels


def optimise(model: Any, optimizer: Any, loss: Any, grad_clip: float | None) -> float:
    """One optimiser step on ``loss`` (gradients clipped to ``grad_clip`` when set); the loss's value.
    Shared by every training loop."""
    import torch

    optimizer.zero_grad()
    loss.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return float(loss.item())


def stop_after(epoch: int, best_epoch: int, s: dict[str, Any], started: float) -> str | None:
    """Why a run stops after ``epoch`` (0-based): early stopping or the time budget; None: go on.
    Shared by every training loop (CV-LSTM/MGF here, hf-cross in :mod:`.hf_training`)."""
    if epoch + 1 - best_epoch >= s["patience"]:
        return f"early stop: no better dev accuracy for {s['patience']} epochs"
    if s["max_minutes"] and (time.time() - started) / 60 >= s["max_minutes"]:
        return f"time budget of {s['max_minutes']} minutes reached"
    return None


def finish_run(out_dir: Path, metrics: dict[str, Any], stop_reason: str, started: float) -> dict[str, Any]:
    """The run's metrics with why it stopped and how long it ran, written beside the model."""
    from .checkpoint import write_metrics

    metrics["stop_reason"] = stop_reason
    metrics["wall_minutes_this_run"] = (time.time() - started) / 60
    write_metrics(out_dir, metrics)
    return metrics


def _train(kind: str, train: str, dev: str, out: str, s: dict[str, Any]) -> dict[str, Any]:
    import torch

    from .checkpoint import (STATE, Featurizer, levels_of, read_config, read_metrics, save_checkpoint,
                             save_train_state, verify_manifest, write_metrics, load_train_state)
    from .device import select_device
    from .losses import bce, equilibrium_cross_entropy, pcl_constants, propensity_corrected_loss
    from .models import build_model, probabilities
    from .tokens import Vocab, encode, tokenize

    device = select_device(s["device"])
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()

    rows, labels, dev_rows, dev_labels = training_rows(train, dev, s)
    num_classes = max(max(labels), max(dev_labels)) + 1
    if kind == "mgf" and num_classes > 2:
        raise InputFormatError("MGF is a binary (sigmoid) model; train 3-label data with cvlstm --loss pcl")
    if s["loss"] == "pcl" and num_classes != 3:
        raise InputFormatError("the PCL loss is defined for 3-label data (labels 0, 1, 2)")
    num_classes = max(num_classes, 2)

    config: dict[str, Any] = {"format": 1, "kind": kind, "num_classes": num_classes,
                              **{k: s[k] for k in ("emb_dim", "hidden", "dropout", "max_chars", "max_words",
                                                   "min_count")}}
    if kind == "cvlstm":
        config.update({k: s[k] for k in ("level", "encoder", "filters", "kernel")})
    levels = levels_of(config)
    train_tokens = {lv: [(tokenize(a, lv), tokenize(b, lv)) for a, b, _ in rows] for lv in levels}
    vocabs = {lv: Vocab.build((t for pair in train_tokens[lv] for t in pair), min_count=s["min_count"])
              for lv in levels}
    featurizer = Featurizer(config, vocabs)
    prints = fingerprint(s, [train, dev], vocabs)

    def encode_rows(tokens_by_level, n):
        """Encoded pairs and the number of sentences cut to the length limits."""
        enc, cut = [], 0
        for i in range(n):
            pair = []
            for side in (0, 1):
                d = {lv: encode(tokens_by_level[lv][i][side], vocabs[lv], featurizer.max_len[lv]) for lv in levels}
                cut += any(e.truncated for e in d.values())
                pair.append(d)
            enc.append(tuple(pair))
        return enc, cut

    train_enc, train_cut = encode_rows(train_tokens, len(rows))
    dev_tokens = {lv: [(tokenize(a, lv), tokenize(b, lv)) for a, b, _ in dev_rows] for lv in levels}
    dev_enc, dev_cut = encode_rows(dev_tokens, len(dev_rows))
    log.info("%d train / %d dev pairs; vocab %s; sentences cut: train %d, dev %d", len(rows), len(dev_rows),
             {lv: len(v) for lv, v in vocabs.items()}, train_cut, dev_cut)

    torch.manual_seed(s["seed"])
    model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
    state_path = out_dir / STATE
    resuming = bool(s["resume"]) and state_path.exists()
    vectors_started = time.time()
    vector_info = {} if resuming else _init_embeddings(model, kind, vocabs, train_tokens, s)
    vectors_minutes = (time.time() - vectors_started) / 60
    head_info = None
    if kind == "cvlstm" and not resuming and s["head_init"] == "cosine":
        head_info = _init_cosine_head(model, featurizer, train_enc[:1024], s["head_scale"])
    model.to(device)

    if s["optimizer"] == "adadelta":
        optimizer = torch.optim.Adadelta(model.parameters(), lr=s["lr"], rho=0.95, eps=1e-6)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=s["lr"])

    label_counts = [Counter(labels)[k] for k in range(num_classes)]
    pcl = pcl_constants(label_counts, s["pcl_epsilon"]) if s["loss"] == "pcl" else None

    def loss_fn(out, y):
        if kind == "mgf":
            return equilibrium_cross_entropy(out["logit"], y) if s["loss"] == "equilibrium" else bce(out["logit"], y)
        if s["loss"] == "pcl":
            return propensity_corrected_loss(out["logits"], y, pcl[0], pcl[1], s["label_smoothing"])
        return torch.nn.functional.cross_entropy(out["logits"], y)

    def to_device(batch):
        return {k: v.to(device) for k, v in batch.items()}

    def score_of(probs: torch.Tensor) -> torch.Tensor:
        grades = torch.arange(probs.size(-1), dtype=probs.dtype, device=probs.device) / (probs.size(-1) - 1)
        return (probs * grades).sum(-1)

    def evaluate() -> np.ndarray:
        model.eval()
        scores = np.zeros(len(dev_enc), dtype=np.float64)
        dev_lengths = [len(p[0][levels[0]].ids) + len(p[1][levels[0]].ids) for p in dev_enc]
        with torch.inference_mode():
            for idx in _batches(dev_lengths, 1024, np.random.default_rng(0), shuffle=False):
                out = model(to_device(featurizer.collate([dev_enc[i] for i in idx])))
                scores[idx] = score_of(probabilities(kind, out)).cpu().numpy()
        model.train()
        return scores

    history: list[dict[str, Any]] = []
    start_epoch, best_acc, best_epoch = 0, -1.0, -1
    best_model_state: dict[str, Any] | None = None
    if resuming:
        state = load_train_state(state_path)
        _check_resumable(state.get("fingerprint"), prints, out_dir, state["history"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        start_epoch, best_acc, best_epoch, history = state["epoch"], state["best_acc"], state["best_epoch"], state["history"]
        config["threshold"], config["epoch"] = state["best_threshold"], best_epoch
        try:  # the best epoch's checkpoint may have been cut by a kill: rewrite it from the saved state
            verify_manifest(out_dir, read_config(out_dir))
            if read_config(out_dir).get("epoch") != best_epoch:
                raise ValueError("stale")
        except Exception:
            best_model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
            best_model.load_state_dict(state["best_model"])
            save_checkpoint(out_dir, config, vocabs, best_model)
            log.warning("rewrote the checkpoint in %s from the saved state (it did not match epoch %d)",
                        out_dir, best_epoch)
        previous = read_metrics(out_dir)
        vector_info, vectors_minutes = previous.get("vectors", {}), previous.get("vectors_minutes", 0.0)
        head_info = previous.get("head_init")
        best_model_state = state["best_model"]
        log.info("resumed from %s after epoch %d (best dev accuracy %.4f)", state_path, start_epoch, best_acc)

    if start_epoch and (start_epoch >= s["epochs"] or start_epoch - best_epoch >= s["patience"]):
        raise InputFormatError(f"nothing to train: {out_dir} already holds {start_epoch} epochs "
                               "(raise --epochs, or pass resume=False to start again)")
    from tqdm import tqdm

    lengths = [len(p[0][levels[0]].ids) + len(p[1][levels[0]].ids) for p in train_enc]
    y_all = torch.tensor(labels, dtype=torch.long)
    dev_y = np.asarray(dev_labels)
    stop_reason = "epochs"
    model.train()
    for epoch in range(start_epoch, s["epochs"]):
        epoch_start = time.time()
        if s["lr_decay"] and history and history[-1]["epoch"] != best_epoch and best_model_state is not None:
            _decay(model, optimizer, best_model_state, float(s["lr_decay"]), best_epoch)
        rng = np.random.default_rng(s["seed"] * 1000 + epoch)
        batches = _batches(lengths, s["batch_size"], rng, shuffle=True)
        total, seen = 0.0, 0
        bar = tqdm(batches, desc=f"{kind} epoch {epoch + 1}", disable=not s["progress"], mininterval=10)
        for idx in bar:
            batch = to_device(featurizer.collate([train_enc[i] for i in idx]))
            y = y_all[idx].to(device)
            loss = loss_fn(model(batch), y)
            total += optimise(model, optimizer, loss, s["grad_clip"]) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        dev_scores = evaluate()
        if num_classes == 2:
            threshold = best_threshold(dev_scores, dev_y)
            dev_metrics = binary_metrics(dev_scores, dev_y, threshold)
            dev_acc = dev_metrics["accuracy"]
        else:
            pred = np.rint(dev_scores * (num_classes - 1)).astype(int)
            threshold, dev_acc = None, float((pred == dev_y).mean())
            dev_metrics = {"accuracy": dev_acc}
        record = {"epoch": epoch + 1, "lr": optimizer.param_groups[0]["lr"],
                  "train_loss": total / max(seen, 1), "dev_accuracy": dev_acc,
                  "dev_f1": dev_metrics.get("f1"), "threshold": threshold,
                  "minutes": (time.time() - epoch_start) / 60}
        history.append(record)
        bar.close()
        log.info("epoch %d: loss %.4f, dev accuracy %.4f (threshold %s), %.1f min", epoch + 1,
                 record["train_loss"], dev_acc, threshold, record["minutes"])
        if s["progress"]:
            tqdm.write(f"{kind} epoch {epoch + 1}: loss {record['train_loss']:.4f} dev acc {dev_acc:.4f} "
                       f"f1 {dev_metrics.get('f1')} thr {threshold} ({record['minutes']:.1f} min)", file=sys.stderr)
        if dev_acc > best_acc:
            best_acc, best_epoch = dev_acc, epoch + 1
            config["threshold"], config["epoch"] = threshold, best_epoch
            save_checkpoint(out_dir, config, vocabs, model)
            best_model_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        metrics = {"kind": kind, "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in s.items()},
                   "train_file": str(train), "dev_file": str(dev), "train_pairs": len(rows),
                   "dev_pairs": len(dev_rows), "label_counts": label_counts, "sentences_cut": {
                       "train": train_cut, "dev": dev_cut, "limits": {"char": s["max_chars"], "word": s["max_words"]}},
                   "vectors": vector_info, "head_init": head_info, "vectors_minutes": vectors_minutes, "history": history, "best_epoch": best_epoch,
                   "best_dev_accuracy": best_acc, "threshold": config.get("threshold"),
                   "parameters": sum(p.numel() for p in model.parameters()),
                   "device": str(device), "threads": s["threads"],
                   "train_minutes_total": sum(h["minutes"] for h in history)}
        write_metrics(out_dir, metrics)
        save_train_state(out_dir, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "epoch": epoch + 1, "best_acc": best_acc, "best_epoch": best_epoch, "best_threshold": config.get("threshold"),
            "best_model": best_model_state, "history": history, "fingerprint": prints})
        stop_reason = stop_after(epoch, best_epoch, s, started) or stop_reason
        if stop_reason != "epochs":
            break
    return finish_run(out_dir, metrics, stop_reason, started)
