"""Checkpoint directories and the text → tensor step that goes with them.

A checkpoint directory holds:

* ``config.json``   model kind and hyper-parameters, length limits, the dev-chosen threshold;
* ``vocab_char.json`` / ``vocab_word.json``   the vocabularies (lists of tokens, id = position);
* ``model.safetensors``   the weights (possibly fp16; loaded back as fp32);
* ``metrics.json``  training history and dev (and reported test) scores;
* ``train_state.pt`` (training runs only, not shipped)   optimizer/RNG state and the last epoch's
  weights, so that ``train_model`` can resume.

An *averaged* model's folder holds only ``config.json``: its members (paths relative to the folder, each with
the SHA-256 of the member's ``config.json``, which in turn pins its weights) and the threshold chosen for the
averaged probabilities (:func:`write_average`; the scorers average the members, :mod:`simcalc.neural.scorers`).

Crash safety: every file is written to a temporary folder inside the checkpoint first, flushed to disk,
then moved into place with :func:`os.replace` (atomic per file); ``config.json`` goes last and carries a
``manifest`` (SHA-256 of the weights and vocabularies) and the ``epoch``. A kill between two moves leaves
weights that do not match the config's manifest, and :func:`load_checkpoint` refuses them with a clear
message instead of pairing the threshold of one epoch with the weights of another.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from simcalc.errors import InputFormatError, ResourceNotFoundError

if TYPE_CHECKING:  # torch is imported where tensors are made, so metrics/config helpers stay light
    import torch
from .tokens import PAD_ID, Encoded, Vocab, encode, tokenize

log = logging.getLogger(__name__)

CONFIG, WEIGHTS, METRICS, STATE = "config.json", "model.safetensors", "metrics.json", "train_state.pt"


def levels_of(config: dict[str, Any]) -> list[str]:
    return ["char", "word"] if config["kind"] == "mgf" else [config["level"]]


class Featurizer:
    """Turns sentences into padded id tensors for one model config and its vocabularies."""

    def __init__(self, config: dict[str, Any], vocabs: dict[str, Vocab]) -> None:
        self.config = config
        self.vocabs = vocabs
        self.levels = levels_of(config)
        self.max_len = {"char": int(config["max_chars"]), "word": int(config["max_words"])}

    def encode(self, text: str) -> dict[str, Encoded]:
        return {lv: encode(tokenize(text, lv), self.vocabs[lv], self.max_len[lv]) for lv in self.levels}

    @staticmethod
    def pad(seqs: Sequence[Encoded]) -> tuple[np.ndarray, np.ndarray]:
        """(ids padded to the longest, lengths) as int64 numpy arrays."""
        width = max(len(s.ids) for s in seqs)
        ids = np.full((len(seqs), width), PAD_ID, dtype=np.int64)
        for row, s in enumerate(seqs):
            ids[row, : len(s.ids)] = s.ids
        return ids, np.array([len(s.ids) for s in seqs], dtype=np.int64)

    @classmethod
    def _pad(cls, seqs: Sequence[Encoded]) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        ids, lengths = cls.pad(seqs)
        return torch.from_numpy(ids), torch.from_numpy(lengths)

    def collate_sentences(self, sentences: Sequence[dict[str, Encoded]]) -> dict[str, np.ndarray]:
        """Padded ids of single sentences (numpy), for a network's ``sentence_vectors``."""
        if self.config["kind"] == "mgf":
            chars, clen = self.pad([s["char"] for s in sentences])
            words, wlen = self.pad([s["word"] for s in sentences])
            return {"chars": chars, "clen": clen, "words": words, "wlen": wlen}
        ids, lengths = self.pad([s[self.config["level"]] for s in sentences])
        return {"ids": ids, "len": lengths}

    def collate(self, pairs: Sequence[tuple[dict[str, Encoded], dict[str, Encoded]]]) -> dict[str, torch.Tensor]:
        batch: dict[str, torch.Tensor] = {}
        for side, index in (("a", 0), ("b", 1)):
            if self.config["kind"] == "mgf":
                batch[f"chars_{side}"], batch[f"clen_{side}"] = self._pad([p[index]["char"] for p in pairs])
                batch[f"words_{side}"], batch[f"wlen_{side}"] = self._pad([p[index]["word"] for p in pairs])
            else:
                level = self.config["level"]
                batch[f"ids_{side}"], batch[f"len_{side}"] = self._pad([p[index][level] for p in pairs])
        return batch


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _commit(staging: Path, directory: Path, names: list[str]) -> None:
    """Move staged files into ``directory`` in order (each move atomic), then drop the staging folder."""
    for name in names:
        _fsync(staging / name)
        os.replace(staging / name, directory / name)
    shutil.rmtree(staging, ignore_errors=True)


def _staging(directory: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=".partial-", dir=directory))


def save_checkpoint(directory: str | Path, config: dict[str, Any], vocabs: dict[str, Vocab],
                    model: torch.nn.Module, metrics: dict[str, Any] | None = None, fp16: bool = False) -> Path:
    """Write a checkpoint crash-safely (see the module docstring): staged, then moved, config last."""
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staging = _staging(directory)
    names = []
    for level, vocab in vocabs.items():
        vocab.save(staging / f"vocab_{level}.json")
        names.append(f"vocab_{level}.json")
    state = {k: (v.half() if fp16 and v.is_floating_point() else v).detach().cpu().contiguous()
             for k, v in model.state_dict().items()}
    save_file(state, str(staging / WEIGHTS))
    (staging / WEIGHTS).chmod(0o644)  # safetensors creates it owner-only; it is meant to be shipped
    names.append(WEIGHTS)
    manifest = {name: file_sha256(staging / name) for name in names}
    (staging / CONFIG).write_text(json.dumps({**config, "manifest": manifest}, indent=2, ensure_ascii=False),
                                  encoding="utf-8")
    names.append(CONFIG)
    if metrics is not None:
        (staging / METRICS).write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
        names.append(METRICS)
    _commit(staging, directory, names)
    return directory


def write_metrics(directory: str | Path, metrics: dict[str, Any]) -> None:
    """``metrics.json``, replaced atomically."""
    directory = Path(directory)
    staging = _staging(directory)
    (staging / METRICS).write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    _commit(staging, directory, [METRICS])


def save_train_state(directory: str | Path, state: dict[str, Any]) -> None:
    """``train_state.pt`` via a staged file and an atomic move: a kill leaves the previous state intact."""
    directory = Path(directory)
    staging = _staging(directory)
    import torch

    torch.save(state, staging / STATE)
    _commit(staging, directory, [STATE])


def load_train_state(path: str | Path) -> dict[str, Any]:
    """A ``train_state.pt`` read as data only (tensors, numbers, strings, lists, dicts): a file that would run
    code when unpickled — one copied from elsewhere, or tampered with — is refused, never executed."""
    import pickle

    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise InputFormatError(f"{path}: not a training state simcalc wrote (it holds objects other than tensors "
                               f"and plain data; refusing to load it): {str(exc).splitlines()[0]}") from None


def verify_manifest(directory: Path, config: dict[str, Any]) -> None:
    """Refuse files that do not belong to this config (an interrupted write, or a hand-copied file)."""
    for name, expected in (config.get("manifest") or {}).items():
        path = directory / name
        if not path.is_file() or file_sha256(path) != expected:
            raise ResourceNotFoundError(
                f"{directory}: {name} does not match config.json (written by another epoch or run, e.g. an "
                "interrupted save); resume the training run to rewrite the checkpoint, or re-export it")


def read_config(directory: str | Path) -> dict[str, Any]:
    path = Path(directory, CONFIG)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def read_metrics(directory: str | Path) -> dict[str, Any]:
    path = Path(directory, METRICS)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def read_checkpoint(directory: str | Path) -> tuple[dict[str, Any], dict[str, Vocab]]:
    """(config, vocabularies) of a checkpoint directory whose files match its manifest; no weights read."""
    directory = Path(directory)
    missing = [n for n in (CONFIG, WEIGHTS) if not (directory / n).is_file()]
    if missing:
        raise ResourceNotFoundError(
            f"{directory} is not a simcalc neural checkpoint (missing {', '.join(missing)}); "
            "train one with `simcalc train {cvlstm,mgf} --train T --dev D --out DIR`")
    config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
    verify_manifest(directory, config)
    return config, {lv: Vocab.load(directory / f"vocab_{lv}.json") for lv in levels_of(config)}


def average_members(directory: str | Path) -> list[Path]:
    """The member folders of an averaged model folder (its config's ``average``), each checked against the
    hash recorded when the average was made; ``[]`` for a plain checkpoint."""
    directory = Path(directory)
    members = read_config(directory).get("average") or {}
    paths = []
    for relative, expected in members.items():
        path = directory / relative
        if not (path / CONFIG).is_file() or file_sha256(path / CONFIG) != expected:
            raise ResourceNotFoundError(
                f"{directory}: member {relative} is missing or was re-exported after the average was made (its "
                "threshold may no longer fit); rebuild it with `python -m simcalc.neural.average`")
        paths.append(path)
    return paths


def write_average(target: str | Path, members: Sequence[str | Path], threshold: float,
                  held_out: dict[str, Any] | None = None) -> Path:
    """An averaged model's folder: ``config.json`` naming ``members`` (relative to ``target``, hashed) with
    the threshold chosen for their mean probability, and what the held-out slice measured."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    configs = [read_config(m) for m in members]
    kinds = {c.get("kind") for c in configs}
    if len(kinds) != 1 or None in kinds:
        raise InputFormatError(f"an average needs checkpoints of one kind; got {sorted(map(str, kinds))}")
    average = {Path(os.path.relpath(Path(m).resolve(), target.resolve())).as_posix(): file_sha256(Path(m, CONFIG))
               for m in members}
    config = {"format": 1, "kind": kinds.pop(), "average": average, "threshold": float(threshold),
              "held_out": held_out or {}}
    staging = _staging(target)
    (staging / CONFIG).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    _commit(staging, target, [CONFIG])
    return target


def load_checkpoint(directory: str | Path, device: str | torch.device = "cpu"
                    ) -> tuple[dict[str, Any], dict[str, Vocab], torch.nn.Module]:
    """(config, vocabularies, torch model in eval mode) from a checkpoint directory."""
    from safetensors.torch import load_file

    from .models import build_model

    config, vocabs = read_checkpoint(directory)
    model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(Path(directory, WEIGHTS))).items()}
    model.load_state_dict(state)
    model.to(device).eval()
    return config, vocabs, model


def load_numpy_network(directory: str | Path) -> tuple[dict[str, Any], dict[str, Vocab], Any]:
    """(config, vocabularies, numpy network) from a checkpoint directory: inference without torch."""
    from simcalc.numpy_nn import load_safetensors

    from .numpy_net import build

    config, vocabs = read_checkpoint(directory)
    try:
        network = build(config, load_safetensors(Path(directory, WEIGHTS)))
    except KeyError as exc:
        raise ResourceNotFoundError(f"{directory}: {WEIGHTS} lacks the tensor {exc} that a {config['kind']} "
                                    "model has; re-export the checkpoint") from None
    return config, vocabs, network


def export_checkpoint(source: str | Path, target: str | Path, fp16: bool = True) -> Path:
    """Copy a trained checkpoint for shipping: config, vocabularies, metrics, weights (fp16 by default).

    The resumable ``train_state.pt`` stays behind (it holds optimizer state and is not needed to score).
    """
    config, vocabs, model = load_checkpoint(source)
    config = {k: v for k, v in config.items() if k != "manifest"}
    config = {**config, "weights_dtype": "float16" if fp16 else "float32"}
    return save_checkpoint(target, config, vocabs, model, _portable(read_metrics(source)), fp16=fp16)


def _portable(value: Any) -> Any:
    """Metrics with machine paths made relative: to $SIMCALC_DATA_DIR when under it, else the file name."""
    from simcalc.resources import data_dir

    if isinstance(value, dict):
        return {k: _portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_portable(v) for v in value]
    if isinstance(value, str) and Path(value).is_absolute():
        root = data_dir()
        path = Path(value)
        if root is not None and path.resolve().is_relative_to(root.resolve()):
            return "$SIMCALC_DATA_DIR/" + path.resolve().relative_to(root.resolve()).as_posix()
        return path.name
    return value
