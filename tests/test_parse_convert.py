"""UD → LTP conversion on hand-written trees, and the Parse / decoder contracts."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from simcalc.rules.parse import LTP_LABELS, Parse, ParseError, render_parse
from simcalc.rules.parse.conllu import canonical_form, read_conllu
from simcalc.rules.parse.ud_convert import LABEL_TABLE, convert, ltp_pos, mapping_table

FIXTURE = Path(__file__).parent / "fixtures" / "parse" / "gsd_style.conllu"

# text → (LTP heads, LTP relations), written by hand following HIT-CDT / LTP conventions
EXPECTED = {
    "我把苹果吃了。": ([4, 4, 2, 0, 4, 4], "SBV ADV POB HED RAD WP"),
    "北京是中国的首都。": ([2, 0, 5, 3, 2, 2], "SBV HED ATT RAD VOB WP"),
    "他在桌子上放了书。": ([5, 5, 4, 2, 0, 5, 5, 5], "SBV ADV ATT POB HED RAD VOB WP"),
    "苹果被我吃了。": ([4, 4, 2, 0, 4, 4], "SBV ADV POB HED RAD WP"),
    "我喜欢苹果和香蕉。": ([2, 0, 2, 5, 3, 2], "SBV HED VOB LAD COO WP"),
    "我请他吃饭。": ([2, 0, 2, 2, 2], "SBV HED DBL VOB WP"),
    "他不是学生。": ([3, 3, 0, 3, 3], "SBV ADV HED VOB WP"),
    "这本书很好。": ([2, 3, 5, 5, 0, 5], "ATT ATT SBV ADV HED WP"),
    "手法被用于技术中。": ([3, 3, 0, 3, 6, 4, 3], "SBV ADV HED CMP ATT POB WP"),
    "他吃完饭就走了。": ([2, 6, 2, 2, 6, 0, 6, 6], "SBV ADV CMP VOB ADV HED RAD WP"),
}


@pytest.fixture(scope="module")
def trees():
    return {s.text: s for s in read_conllu(FIXTURE)}


@pytest.mark.parametrize("text", list(EXPECTED))
def test_hand_written_trees_convert_to_ltp(trees, text):
    s = trees[text]
    tree = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
    heads, rels = EXPECTED[text]
    assert tree.heads == heads
    assert tree.rels == rels.split()
    Parse(s.tokens, tree.pos, tree.heads, tree.rels)  # a valid tree


def test_copula_becomes_head_with_subject_and_object(trees):
    s = trees["北京是中国的首都。"]
    tree = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
    shi = s.tokens.index("是") + 1
    assert tree.heads[shi - 1] == 0 and tree.rels[shi - 1] == "HED"
    assert tree.rels[s.tokens.index("北京")] == "SBV" and tree.heads[s.tokens.index("北京")] == shi
    assert tree.rels[s.tokens.index("首都")] == "VOB" and tree.heads[s.tokens.index("首都")] == shi


def test_pos_mapping():
    assert ltp_pos("上", "ADP", "IN") == "nd"
    assert ltp_pos("年", "NOUN", "NNB") == "nt"
    assert ltp_pos("个", "NOUN", "NNB") == "q"
    assert ltp_pos("，", "PUNCT", ",") == "wp"
    assert ltp_pos("吃", "VERB", "VV") == "v"
    assert ltp_pos("x", "INTJ") == "e"


def test_every_table_value_is_an_ltp_label():
    for value in LABEL_TABLE.values():
        assert set(value.split("|")) <= set(LTP_LABELS)
    assert "| cop |" in mapping_table() and "| punct | WP |" in mapping_table()


def test_unknown_label_and_single_word():
    tree = convert(["好"], ["ADJ"], [0], ["root"])
    assert tree.heads == [0] and tree.rels == ["HED"]
    tree = convert(["很", "好"], ["ADV", "ADJ"], [2, 0], ["weird:label", "root"])
    assert tree.rels == ["ADV", "HED"]


def test_convert_rejects_mismatched_lengths():
    with pytest.raises(ParseError):
        convert(["a", "b"], ["X"], [0, 1], ["root", "dep"])


def test_converted_treebank_is_always_a_tree(shared_data):
    """Every GSD 1.4 dev tree converts into a valid single-rooted LTP tree."""
    sentences = read_conllu(shared_data / "ud_chinese/UD_Chinese-GSD_r1.4/zh-ud-dev.conllu")
    assert len(sentences) == 500
    for s in sentences:
        tree = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
        parse = Parse(s.tokens, tree.pos, tree.heads, tree.rels)
        assert tree.heads.count(0) == 1 and parse.rels[parse.root - 1] == "HED"
        assert set(tree.rels) <= set(LTP_LABELS)
    assert sentences[0].tokens == [canonical_form(t) for t in sentences[0].tokens]  # simplified, full-width


@pytest.mark.parametrize("bad", [
    dict(heads=[0, 5]), dict(heads=[2, 1]), dict(heads=[1, 0]), dict(rels=["HED"]), dict(heads=[1, 1]),
])
def test_parse_rejects_invalid_trees(bad):
    fields = dict(tokens=["我", "好"], pos=["r", "a"], heads=[2, 0], rels=["SBV", "HED"]) | bad
    with pytest.raises(ParseError):
        Parse(**fields)


def test_parse_round_trip_and_render():
    p = Parse(["我", "好"], ["r", "a"], [2, 0], ["SBV", "HED"], "test")
    assert Parse.from_dict(p.to_dict()) == p
    assert p.root == 2 and p.children(2) == [1]
    text = render_parse(p)
    assert text.index("HED 好/a") < text.index("SBV 我/r")


def _brute_best(scores):
    n = scores.shape[0] - 1
    best = -np.inf
    for hs in itertools.product(range(n + 1), repeat=n):
        try:
            Parse(["w"] * n, ["x"] * n, list(hs), ["ATT"] * n)
        except ParseError:
            continue
        if hs.count(0) == 1:
            best = max(best, sum(scores[i + 1, h] for i, h in enumerate(hs)))
    return best


def test_mst_decoder_finds_the_best_single_root_tree():
    from simcalc.rules.parse.embedded.decode import decode_tree

    rng = np.random.default_rng(0)
    for _ in range(60):
        n = int(rng.integers(2, 6))
        scores = rng.normal(size=(n + 1, n + 1))
        heads = decode_tree(scores, max_root_candidates=n)
        assert heads.count(0) == 1
        total = sum(scores[i + 1, h] for i, h in enumerate(heads))
        assert total == pytest.approx(_brute_best(scores))
