"""word2vec vectors: built from pair files or plain text, reproducible, used to initialise embeddings."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gensim")

from simcalc.neural.embeddings import embedding_matrix, load_vectors, train_vectors  # noqa: E402
from simcalc.neural.tokens import Vocab  # noqa: E402
from simcalc.errors import InputFormatError, ResourceNotFoundError  # noqa: E402


@pytest.fixture()
def corpus(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\tlabel\n怎么开通花呗\t花呗如何开通\t1\n如何还款\t怎么还钱\t1\n", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("借款利息多少\n\n利率是多少\n", encoding="utf-8")
    return [pairs, plain]


def test_char_vectors_from_pairs_and_plain_text(corpus, tmp_path):
    path = train_vectors(corpus, tmp_path / "char.kv", level="char", dim=12, epochs=2)
    kv = load_vectors(path)
    assert kv.vector_size == 12
    assert {"花", "呗", "利", "率"} <= set(kv.key_to_index)
    assert "label" not in kv.key_to_index and "l" not in kv.key_to_index  # the header is not a sentence


def test_word_vectors_and_reproducibility(corpus, tmp_path):
    a = load_vectors(train_vectors(corpus, tmp_path / "a.kv", level="word", dim=8, seed=3))
    b = load_vectors(train_vectors(corpus, tmp_path / "b.kv", level="word", dim=8, seed=3))
    assert {"利率", "借款"} <= set(a.key_to_index)
    assert np.array_equal(a.vectors, b.vectors)


def test_embedding_matrix_uses_vectors_and_zero_padding(corpus, tmp_path):
    kv = load_vectors(train_vectors(corpus, tmp_path / "c.kv", level="char", dim=6))
    vocab = Vocab.build([list("花呗X")])
    matrix, covered = embedding_matrix(vocab, 6, kv)
    assert covered == 2  # 花, 呗; "x" (normalised X) is not in the corpus
    assert np.allclose(matrix[vocab.stoi["花"]], kv["花"])
    assert not matrix[0].any()
    with pytest.raises(InputFormatError):
        embedding_matrix(vocab, 7, kv)


def test_errors_are_clear(tmp_path):
    with pytest.raises(ResourceNotFoundError):
        train_vectors([tmp_path / "missing.txt"], tmp_path / "x.kv")
    with pytest.raises(InputFormatError):
        train_vectors([], tmp_path / "x.kv", level="phrase")
    with pytest.raises(ResourceNotFoundError):
        load_vectors(tmp_path / "none.kv")
