"""The trained segmenter (GSD-style words for the embedded parser) and the question gold set.

A tiny segmenter is trained on the hand-written fixture trees (seconds, one thread); the shipped one in
data/parser is checked for what the rule engine relies on: user-dictionary words stay whole, lexicon
words can be merged back, whitespace is never a word, and jieba takes over when the weights are missing.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from simcalc.rules.parse.embedded.segmenter import (TrainedSegmenter, bmes, force_words, merge_known,
                                                  segmenter_available, words_from_tags)
from simcalc.rules.parse.gold import predicted_slots, read_question_gold, score_questions, slot_right
from simcalc.rules.parse.types import Parse
from simcalc.resources import project_data_path

FIXTURE = Path(__file__).parent / "fixtures" / "parse" / "gsd_style.conllu"
shipped = pytest.mark.skipif(not segmenter_available(), reason="data/parser segmenter weights missing")


@pytest.mark.parametrize("words", [["我"], ["北京", "是", "中国", "的", "首都"], ["中华人民共和国", "成立", "了"]])
def test_tags_round_trip(words):
    text = "".join(words)
    assert words_from_tags(text, bmes(words)) == words


def test_viterbi_only_makes_valid_tag_sequences():
    import numpy as np

    from simcalc.rules.parse.embedded.numpy_net import log_softmax
    from simcalc.rules.parse.embedded.segmenter import _ALLOWED, viterbi

    scores = log_softmax(np.random.default_rng(0).normal(size=(16, 12, 4)).astype(np.float32))
    lengths = np.array([random.Random(i).randint(1, 12) for i in range(16)])
    paths = viterbi(scores, lengths).tolist()
    for path, n in zip(paths, lengths.tolist()):
        tags = path[:n]
        assert tags[0] in (0, 3) and tags[-1] in (2, 3)
        assert all((a, b) in _ALLOWED for a, b in zip(tags, tags[1:]))


def test_forced_words_are_whole_and_neighbours_cut_at_their_edges():
    text = "我的微粒贷额度怎么提升"
    words = ["我", "的", "微粒", "贷额", "度", "怎么", "提升"]
    out = force_words(text, words, {"微粒贷", "额度"})
    assert out == ["我", "的", "微粒贷", "额度", "怎么", "提升"]
    assert force_words(text, words, set()) == words
    assert "".join(force_words(text, words, {"粒贷额度怎", "的微"})) == text


def test_known_words_are_merged_back_within_limits():
    known = {"北京市", "中国人", "北京市长"}.__contains__
    assert merge_known(["北京", "市", "的", "中国", "人"], known) == ["北京市", "的", "中国人"]
    assert merge_known(["北京", "市", "长"], known) == ["北京市长"]  # the longest known run wins
    assert merge_known(["北京", "市"], known, max_chars=2) == ["北京", "市"]
    assert merge_known(["北京", "市"], known, protected=frozenset({"市"})) == ["北京", "市"]


@pytest.fixture(scope="module")
def tiny_segmenter(tmp_path_factory) -> Path:
    import torch

    from simcalc.rules.parse.embedded import train_segmenter

    threads = torch.get_num_threads()
    out = tmp_path_factory.mktemp("segmenter")
    train_segmenter.main(["--train", str(FIXTURE), "--dev", str(FIXTURE), "--out", str(out / "run"),
                          "--export", str(out / "model"), "--epochs", "30", "--hidden", "16", "--batch", "4",
                          "--minutes", "1"])
    torch.set_num_threads(threads)
    return out / "model"


def test_tiny_segmenter_trains_exports_and_learns(tiny_segmenter):
    from simcalc.rules.parse.conllu import read_conllu

    seg = TrainedSegmenter(model_dir=tiny_segmenter)
    sentences = read_conllu(FIXTURE, simplify=False)
    cuts = seg.cut_many([s.text for s in sentences])
    assert all("".join(c) == s.text for c, s in zip(cuts, sentences))
    same = sum(c == s.tokens for c, s in zip(cuts, sentences))
    assert same >= len(sentences) // 2, cuts


def test_missing_weights_fall_back_to_jieba(monkeypatch, tmp_path, caplog):
    from simcalc.errors import ResourceNotFoundError
    from simcalc.rules.parse import segment
    from simcalc.rules.parse.embedded import segmenter

    with pytest.raises(ResourceNotFoundError, match="train_segmenter"):
        TrainedSegmenter(model_dir=tmp_path)
    monkeypatch.setattr(segmenter, "segmenter_available", lambda *a: False)
    segment.model_segmenter.cache_clear()
    try:
        assert isinstance(segment.model_segmenter(None), segment.Segmenter)
    finally:
        segment.model_segmenter.cache_clear()


@shipped
def test_shipped_segmenter_gsd_words_user_words_and_whitespace(tmp_path):
    seg = TrainedSegmenter()
    assert seg("北京是中国的首都") == ["北京", "是", "中国", "的", "首都"]
    assert all(w.strip() for w in seg("我 的  额度\t怎么 提升"))
    assert "".join(seg("我 的  额度\t怎么 提升")) == "我的额度怎么提升"
    user = tmp_path / "user.txt"
    user.write_text("粒贷额\n怎么提升 10\n", encoding="utf-8")
    forced = TrainedSegmenter(user_dict=user)("我的微粒贷额度怎么提升")
    assert "粒贷额" in forced and "怎么提升" in forced
    assert forced == TrainedSegmenter(user_dict=user).cut_many(["我的微粒贷额度怎么提升"])[0]
    assert seg.frequencies.get("北京", 0) > 0  # jieba's dictionary, for the rule engine's repairs


@shipped
def test_embedded_parser_uses_the_trained_segmenter_unless_told():
    from simcalc.rules.parse.embedded.parser import EmbeddedParser

    trained, jieba = EmbeddedParser(), EmbeddedParser(segmenter="jieba")
    text = "上海市的人口是多少"
    assert trained.parse(text).tokens == TrainedSegmenter()(text)
    from simcalc.rules.parse.segment import default_segmenter

    assert jieba.parse(text).tokens == default_segmenter(None)(text)
    with pytest.raises(ValueError, match="segmenter"):
        EmbeddedParser(segmenter="bert")


def test_question_gold_set_is_well_formed():
    gold = read_question_gold(project_data_path("parser/questions_gold.conllu"))
    assert len(gold) >= 200
    assert {q.source for q in gold} <= {"bq_train", "bq_dev", "lcqmc_train", "lcqmc_dev"}
    assert len({q.text for q in gold}) == len(gold)
    for q in gold:
        assert "".join(q.tokens) == "".join(q.text.split()), q.sent_id
        assert q.slots["HED"] is not None
        assert q.slots["SBV"] != q.slots["HED"] != q.slots["VOB"]
    assert sum(q.slots["SBV"] is not None for q in gold) > 50 and sum(q.slots["VOB"] is not None for q in gold) > 50


def test_question_scoring_strict_and_overlap():
    gold = read_question_gold(project_data_path("parser/questions_gold.conllu"))[:1]  # 你们 借款 最少 是 多少
    q = gold[0]
    right = Parse(q.tokens, ["r", "v", "d", "v", "r"], [2, 4, 4, 0, 4], ["ATT", "SBV", "ADV", "HED", "VOB"], "t")
    assert score_questions(gold, [right])["HED"] == 100 and score_questions(gold, [right])["VOB"] == 100
    coarse = Parse(["你们借款", "最少", "是", "多少"], ["n", "d", "v", "r"], [3, 3, 0, 3], ["SBV", "ADV", "HED", "VOB"], "t")
    scores = score_questions(gold, [coarse])
    assert scores["SBV"] == 0 and scores["SBV_overlap"] == 100 and scores["HED"] == 100
    assert predicted_slots(coarse)["SBV"] == (0, 4)
    assert slot_right(None, None) and not slot_right((0, 1), None) and not slot_right(None, (0, 1), strict=False)


def test_refine_splits_only_inside_the_callers_tokens():
    from simcalc.rules.parse.embedded.parser import refine

    fine, group = refine(["我", "的", "银行卡", "为什么"], ["我的", "银行", "卡", "为", "什么"])
    assert fine == ["我", "的", "银行", "卡", "为", "什么"] and group == [0, 1, 2, 2, 3, 3]
    assert refine(["ab"], ["a", "c"]) == (["ab"], [0])  # not the same text: unchanged


def test_merged_tree_keeps_the_piece_nearest_the_root():
    from simcalc.rules.parse.embedded.parser import merge_subwords

    # 我 的 银行 卡 丢 了: 卡 heads 银行卡 (银行 ATT 卡), 丢 is the root
    fine = Parse(["我", "的", "银行", "卡", "丢", "了"], ["r", "u", "n", "n", "v", "u"], [4, 1, 4, 5, 0, 5],
                 ["ATT", "RAD", "ATT", "SBV", "HED", "RAD"], "t")
    merged = merge_subwords(fine, ["我", "的", "银行卡", "丢", "了"], [0, 1, 2, 2, 3, 4])
    assert merged.heads == [3, 1, 4, 0, 4] and merged.rels == ["ATT", "RAD", "SBV", "HED", "RAD"]
    # a caller's token spanning the root and its dependent keeps the root
    glued = merge_subwords(fine, ["我", "的", "银行", "卡丢", "了"], [0, 1, 2, 3, 3, 4])
    assert glued.heads == [4, 1, 4, 0, 4] and glued.rels[3] == "HED"


@shipped
def test_parse_tokens_returns_the_callers_tokens():
    from simcalc.rules.parse.embedded.parser import EmbeddedParser

    parser = EmbeddedParser(refine=True)
    tokens = ["我", "的", "银行卡", "为什么", "还", "不了", "款"]
    parse = parser.parse_tokens(tokens)
    assert parse.tokens == tokens and parse.heads.count(0) == 1
    user = parser.parse_batch(["我想了解微粒贷额度"])[0]
    assert "".join(user.tokens) == "我想了解微粒贷额度"


@shipped
def test_refine_is_off_unless_asked():
    from simcalc.rules.parse.embedded.parser import EmbeddedParser

    tokens = ["我", "的", "银行卡", "丢", "了"]
    plain, refined = EmbeddedParser(), EmbeddedParser(refine=True)
    _, heads, _ = plain.parse_ud([tokens])[0]
    assert plain.parse_tokens(tokens).tokens == refined.parse_tokens(tokens).tokens == tokens
    assert len(heads) == len(tokens)


def test_exported_training_arguments_carry_no_machine_paths(tmp_path):
    """A shipped model card records how it was trained, never the trainer's folders (absolute paths → names)."""
    from simcalc.rules.parse.embedded.train import portable_args

    args = {"out": str(tmp_path / "run1"), "export": "data/parser", "epochs": 30, "train": "train"}
    assert portable_args(args) == {"out": "run1", "export": "data/parser", "epochs": 30, "train": "train"}
    assert portable_args(None) is None
    import json

    from simcalc.resources import project_data_path

    shipped = json.loads(project_data_path("parser/segmenter.json").read_text(encoding="utf-8"))["train_args"]
    assert not any(isinstance(v, str) and v.startswith("/") for v in shipped.values()), shipped
