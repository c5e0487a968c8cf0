"""Partial question trees (data/parser/questions_train.conllu) as training targets of the embedded parser.

The question files are annotated in LTP labels (HED + its SBV/VOB); the parser learns UD v1 trees. These tests
check that the UD-side targets convert back (through ud_convert) to the annotated LTP slots, that the training
set is kept apart from the gold set, and that training accepts such a file.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from simcalc.rules.parse.embedded.partial import SBV_RELS, VOB_RELS, partial_trees, to_ud_targets
from simcalc.rules.parse.gold import predicted_slots, read_question_gold
from simcalc.rules.parse.types import Parse
from simcalc.rules.parse.ud_convert import convert

DATA = Path(__file__).resolve().parents[1] / "data" / "parser"
FIXTURE = Path(__file__).parent / "fixtures" / "parse" / "gsd_style.conllu"


def _ltp_slots(tokens, upos, heads, rels):
    tree = convert(tokens, upos, heads, rels)
    parse = Parse(tokens=tokens, pos=tree.pos, heads=tree.heads, rels=tree.rels, backend="test")
    text = "".join(tokens)
    return {k: (text[s[0]:s[1]] if s else None) for k, s in predicted_slots(parse).items()}


def test_copula_maps_to_a_ud_cop_arc_and_converts_back():
    t = to_ud_targets(["利息", "是", "多少"], hed=1, sbv=0, vob=2)
    assert t.heads == [3, 3, 0] and t.anchor == 3
    assert t.rels[1] == ("cop",) and t.rels[2] == ("root",) and t.rels[0] == SBV_RELS
    # a UD tree meeting the targets gives back the annotation in LTP labels
    assert _ltp_slots(t.tokens, ["NOUN", "AUX", "PRON"], t.heads, ["nsubj", "cop", "root"]) == \
        {"HED": "是", "SBV": "利息", "VOB": "多少"}


def test_verb_with_subject_and_object_converts_back():
    tokens = ["我", "想", "下载", "app"]
    t = to_ud_targets(tokens, hed=1, sbv=0, vob=2)
    assert t.heads[:3] == [2, 0, 2] and t.heads[3] == -1
    assert set(t.rels[2]) >= set(VOB_RELS)
    for rel in ("ccomp", "xcomp"):
        assert _ltp_slots(tokens, ["PRON", "VERB", "VERB", "NOUN"], [2, 0, 2, 3], ["nsubj", "root", rel, "dobj"]) \
            == {"HED": "想", "SBV": "我", "VOB": "下载"}


def test_absent_slots_forbid_subject_and_object_labels_elsewhere():
    t = to_ud_targets(["为什么", "总是", "打不开"], hed=2, sbv=None, vob=None)
    assert t.heads == [-1, -1, 0]
    assert "nsubj" in t.forbid[0] and "dobj" in t.forbid[1] and t.forbid[2] == ()
    # after a copula the object is 是's complement itself: only other subjects are forbidden
    c = to_ud_targets(["这", "是", "什么", "？"], hed=1, sbv=0, vob=2)
    assert "nsubj" in c.forbid[3] and "dobj" not in c.forbid[3]


def test_training_questions_are_apart_from_the_gold_set():
    train = read_question_gold(DATA / "questions_train.conllu")
    gold = read_question_gold(DATA / "questions_gold.conllu")
    assert len(train) >= 400
    assert not {q.text for q in train} & {q.text for q in gold}
    assert {q.source for q in train} <= {"bq_train", "afqmc_train"}
    trees = partial_trees(DATA / "questions_train.conllu")
    assert len(trees) == len(train) and all(t.heads.count(0) == 1 for t in trees)


def test_loss_penalises_forbidden_arcs():
    torch = pytest.importorskip("torch")
    from simcalc.rules.parse.embedded.train import loss_fn, tensors
    from simcalc.rules.parse.embedded.vocab import Vocabs
    from simcalc.rules.parse.conllu import read_conllu

    vocabs = Vocabs.build(read_conllu(FIXTURE, simplify=False))
    trees = [to_ud_targets(["为什么", "总是", "打不开"], hed=2, sbv=None, vob=None)]
    words, chars, heads, allowed, tags, forbid, anchors = tensors(trees, [0], vocabs)
    mask = words.ne(0)
    mask[:, 0] = False
    s_arc = torch.zeros(1, 4, 4)
    s_rel = torch.zeros(1, 4, 4, len(vocabs.rels))
    s_tag = torch.zeros(1, 4, len(vocabs.tags))
    base = loss_fn(s_arc, s_rel, s_tag, heads, allowed, tags, mask)
    with_forbid = loss_fn(s_arc, s_rel, s_tag, heads, allowed, tags, mask, forbid, anchors)
    assert with_forbid > base
    s_rel[0, 1, 3, vocabs.rels.index["nsubj"]] = 5.0  # 为什么 as the subject of 打不开: penalised more
    assert loss_fn(s_arc, s_rel, s_tag, heads, allowed, tags, mask, forbid, anchors) > with_forbid


def test_training_accepts_partial_question_trees(tmp_path, caplog):
    pytest.importorskip("torch")
    from simcalc.rules.parse.embedded import train

    questions = tmp_path / "q.conllu"
    questions.write_text(
        "# sent_id = a\n# text = 我把苹果吃了\n1\t我\t_\t_\t_\t_\t4\tSBV\t_\t_\n2\t把\t_\t_\t_\t_\t_\t_\t_\t_\n"
        "3\t苹果\t_\t_\t_\t_\t_\t_\t_\t_\n4\t吃\t_\t_\t_\t_\t0\tHED\t_\t_\n5\t了\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
        "# sent_id = b\n# text = 北京是首都\n1\t北京\t_\t_\t_\t_\t2\tSBV\t_\t_\n2\t是\t_\t_\t_\t_\t0\tHED\t_\t_\n"
        "3\t首都\t_\t_\t_\t_\t2\tVOB\t_\t_\n\n", encoding="utf-8")
    with caplog.at_level("INFO"):
        train.main(["--train-file", str(FIXTURE), "--dev-file", str(FIXTURE), "--out", str(tmp_path / "run"),
                    "--epochs", "2", "--hidden", "16", "--layers", "1", "--max-tokens", "200",
                    "--extra-train", f"{questions}:3", "--extra-holdout", "1"])
    assert "extra: 1 partial trees" in caplog.text and "questions root" in caplog.text
    # fine-tuning from those weights, the unannotated words kept at the initial model's predictions
    train.export(tmp_path / "run" / "best.pt", tmp_path / "init")
    with caplog.at_level("INFO"):
        train.main(["--train-file", str(FIXTURE), "--dev-file", str(FIXTURE), "--out", str(tmp_path / "run2"),
                    "--epochs", "1", "--max-tokens", "200", "--init", str(tmp_path / "init"), "--keep-init",
                    "--extra-train", f"{questions}:3", "--extra-holdout", "1"])
    assert "kept the initial model's POS of 1 partial trees" in caplog.text


def test_keep_init_without_init_or_partial_trees_is_refused_before_any_loading(tmp_path):
    from simcalc.rules.parse.embedded import train

    for args in (["--keep-init", "--extra-train", "x.conllu"], ["--keep-init", "--init", "somewhere"]):
        with pytest.raises(SystemExit, match="--keep-init needs --init"):
            train.main(["--train-file", "missing.conllu", "--out", str(tmp_path / "run"), *args])


def test_jieba_view_carries_slots_over_to_words_that_survive_the_cut():
    from simcalc.rules.parse.embedded.partial import project

    slots = {"HED": (5, 7), "SBV": (0, 3), "VOB": None}  # 微粒贷可以申请吗: HED 申请, SBV 微粒贷
    tree = project(["微粒", "贷", "可以", "申请", "吗"], slots, ["微粒贷", "可以", "申请", "吗"])
    assert tree is not None and tree.heads == [-1, -1, -1, 0, -1]
    # the subject is split here: no subject claim either way, the (absent) object is still forbidden
    assert all("nsubj" not in f for f in tree.forbid) and "dobj" in tree.forbid[4]
    assert project(["微粒贷可", "以申请吗"], slots, []) is None  # the HED does not survive: skipped


def test_a_complement_right_after_the_root_may_be_xcomp():
    # 还上 / 转到: UD xcomp there converts to CMP, not VOB, so an absent object does not forbid it
    t = to_ud_targets(["怎么", "还", "上", "钱"], hed=1, sbv=None, vob=3)
    assert "xcomp" not in t.forbid[2] and "dobj" in t.forbid[2]
    assert _ltp_slots(t.tokens, ["ADV", "VERB", "VERB", "NOUN"], [2, 0, 2, 2], ["advmod", "root", "xcomp", "dobj"]) \
        == {"HED": "还", "SBV": None, "VOB": "钱"}
    # a word that is no complement keeps every object label forbidden (卖给: 给 as xcomp would be a VOB)
    s = to_ud_targets(["他", "卖", "给", "我", "房子"], hed=1, sbv=0, vob=4)
    assert {"xcomp", "dobj"} <= set(s.forbid[2]) and "dobj" in s.forbid[3]


def test_construction_trees_are_apart_from_the_gold_set_and_the_behaviour_suites():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import rules_suites

    made = read_question_gold(DATA / "questions_constructions.conllu")
    gold = read_question_gold(DATA / "questions_gold.conllu")
    suites = {s for name in dir(rules_suites) if name.endswith(("_pairs", "_triples"))
              for row in getattr(rules_suites, name)() for s in row}
    assert len(made) >= 80 and not {q.text for q in made} & ({q.text for q in gold} | suites)
    assert {q.source for q in made} <= {"bq_train", "afqmc_train", "own"}
    trees = partial_trees(DATA / "questions_constructions.conllu")
    assert len(trees) == len(made) and all(t.heads.count(0) == 1 for t in trees)


def test_keep_init_fills_only_what_the_annotation_leaves_open():
    pytest.importorskip("torch")
    import torch

    from simcalc.rules.parse.conllu import read_conllu
    from simcalc.rules.parse.embedded.model import BiaffineParser, ModelConfig
    from simcalc.rules.parse.embedded.train import keep_init
    from simcalc.rules.parse.embedded.vocab import Vocabs

    torch.manual_seed(0)
    vocabs = Vocabs.build(read_conllu(FIXTURE, simplify=False))
    model = BiaffineParser(ModelConfig(len(vocabs.words), len(vocabs.chars), len(vocabs.tags), len(vocabs.rels),
                                       hidden=16, layers=1))
    trees = [to_ud_targets(["他", "卖", "给", "我", "房子", "了"], hed=1, sbv=0, vob=4),
             to_ud_targets(["为什么", "总是", "打不开"], hed=2, sbv=None, vob=None)]
    before = [(list(t.heads), list(t.rels)) for t in trees]
    keep_init(model, trees, vocabs)
    for t, (heads, rels) in zip(trees, before):
        assert t.tags is not None and len(t.tags) == len(t) and set(t.tags) <= set(vocabs.tags.items)
        for k in range(len(t)):
            if heads[k] >= 0:  # annotated: untouched
                assert (t.heads[k], t.rels[k]) == (heads[k], rels[k])
            elif t.heads[k] >= 0:  # filled: never a second root, a self-loop or a forbidden arc
                assert t.heads[k] not in (0, k + 1) and len(t.rels[k]) == 1
                assert not (t.heads[k] == t.anchor and t.rels[k][0] in t.forbid[k])
