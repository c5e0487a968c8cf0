"""word2vec vectors (gensim) at character or word level, used to initialise the embedding layers.

Both seed papers pre-train skip-gram vectors: CV-LSTM on Chinese Wikipedia (400 dimensions, window 5,
min count 5), MGF on the target data set (300 dimensions). With no Wikipedia dump here, the default is
the MGF way: train on the training sentences themselves. ``simcalc train-vectors`` builds vectors from
any corpus so that bigger ones can be used.
"""
from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from simcalc.errors import InputFormatError, ResourceNotFoundError

from .data import corpus_sentences
from .tokens import LEVELS, PAD_ID, Vocab, tokenize

log = logging.getLogger(__name__)


def _stable_hash(text: str) -> int:
    """gensim seeds each vector with hash(word + seed); Python's str hash changes per process."""
    return zlib.crc32(text.encode("utf-8"))


def train_keyed_vectors(sentences: Sequence[Sequence[str]], dim: int = 300, window: int = 5,
                        min_count: int = 1, epochs: int = 5, seed: int = 1, workers: int = 1):
    """Skip-gram word2vec on tokenised sentences; returns gensim ``KeyedVectors``.

    ``workers=1`` (the default) makes the vectors reproducible for a seed.
    """
    from gensim.models import Word2Vec

    sentences = [list(s) for s in sentences if s]
    if not sentences:
        raise InputFormatError("no sentences to train vectors on")
    model = Word2Vec(sentences=sentences, vector_size=dim, window=window, min_count=min_count, sg=1,
                     epochs=epochs, seed=seed, workers=workers, hashfxn=_stable_hash)
    return model.wv


def train_vectors(corpus_paths: Iterable[str | Path] | str | Path, out: str | Path, level: str = "char",
                  dim: int = 300, window: int = 5, min_count: int = 1, epochs: int = 5, seed: int = 1,
                  workers: int = 1) -> Path:
    """Train skip-gram vectors on corpus files and save them as gensim KeyedVectors at ``out``.

    Options (the ``simcalc train-vectors`` flags):
      corpus_paths  pair TSV files (both sentence columns are used) or plain text, one sentence a line;
      out           file to write (gensim ``KeyedVectors.save`` format; conventionally ``*.kv``);
      level         ``char`` (content characters) or ``word`` (jieba words);
      dim           vector size (CV-LSTM paper: 400 best; MGF paper: 300);
      window        context window (5 in both papers);
      min_count     drop tokens rarer than this (CV-LSTM paper: 5 on Wikipedia);
      epochs, seed, workers  gensim training passes, seed, threads (1 = reproducible).
    Returns the path written.
    """
    if level not in LEVELS:
        raise InputFormatError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if isinstance(corpus_paths, (str, Path)):
        corpus_paths = [corpus_paths]
    sentences = [tokenize(s, level) for p in corpus_paths for s in corpus_sentences(p)]
    kv = train_keyed_vectors(sentences, dim=dim, window=window, min_count=min_count, epochs=epochs,
                             seed=seed, workers=workers)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    kv.save(str(out))
    log.info("saved %d %s vectors of dimension %d to %s", len(kv), level, dim, out)
    return out


def load_vectors(path: str | Path):
    """KeyedVectors saved by :func:`train_vectors` (or any gensim ``KeyedVectors.save`` file)."""
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.exists():
        raise ResourceNotFoundError(f"word vectors {path} not found; build them with `simcalc train-vectors`")
    return KeyedVectors.load(str(path))


def embedding_matrix(vocab: Vocab, dim: int, kv=None, seed: int = 1, scale: float = 0.1) -> tuple[np.ndarray, int]:
    """Initial embedding weights: the vector of each token found in ``kv``, small random values otherwise.

    The padding row is zero. Returns the matrix and the number of tokens covered by ``kv``.
    """
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-scale, scale, size=(len(vocab), dim)).astype(np.float32)
    matrix[PAD_ID] = 0.0
    covered = 0
    if kv is not None:
        if kv.vector_size != dim:
            raise InputFormatError(f"vectors have dimension {kv.vector_size}, the model expects {dim}")
        for index, token in enumerate(vocab.itos):
            if index > 1 and token in kv.key_to_index:
                matrix[index] = kv[token]
                covered += 1
    return matrix, covered
