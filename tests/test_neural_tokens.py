"""Tokenisation, vocabularies and length limits."""
from __future__ import annotations

import pytest

from simcalc.neural.tokens import PAD_ID, UNK_ID, Vocab, char_tokens, encode, tokenize, word_tokens
from simcalc.errors import InputFormatError


def test_char_tokens_drop_punctuation_and_normalise():
    assert char_tokens("怎么开通花呗？") == list("怎么开通花呗")
    assert char_tokens("ＡＢ 1") == ["a", "b", "1"]  # NFKC + lower case, space dropped


def test_word_tokens_use_jieba_and_drop_punctuation():
    words = word_tokens("怎么开通花呗？")
    assert "".join(words) == "怎么开通花呗"
    assert len(words) >= 2
    assert "？" not in words and "?" not in words


def test_vocab_reserves_pad_and_unk_and_applies_min_count():
    vocab = Vocab.build([["a", "b", "a"], ["a", "c"]], min_count=2)
    assert vocab.itos == ["<pad>", "<unk>", "a"]
    assert vocab.ids(["a", "b"]) == [2, UNK_ID]
    assert PAD_ID == 0


def test_vocab_round_trip(tmp_path):
    vocab = Vocab.build([list("花呗开通")])
    vocab.save(tmp_path / "v.json")
    assert Vocab.load(tmp_path / "v.json").itos == vocab.itos


def test_encode_records_truncation_instead_of_hiding_it():
    vocab = Vocab.build([list("abcdef")])
    enc = encode(list("abcdef"), vocab, max_len=4)
    assert len(enc.ids) == 4 and enc.original_length == 6 and enc.truncated
    assert not encode(list("ab"), vocab, max_len=4).truncated
    assert encode([], vocab, max_len=4).ids == [UNK_ID]


def test_unknown_level_is_a_clear_error():
    with pytest.raises(InputFormatError):
        tokenize("你好", "phrase")
