"""Antonyms kept through sense choice, confidence from two sources, the co-hyponym cap, and the opposite
word-pair bench (real HowNet 2000 + Cilin: skipped when SIMCALC_DATA_DIR is unset)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simcalc.hownet_sim.api import get_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine(shared_data):
    return get_engine(shared_data)


@pytest.fixture(scope="module")
def words(shared_data):
    from simcalc.rules.words import HowNetWords

    return HowNetWords(str(shared_data))


def senses_in(words, tokens, tags, word):
    return words.senses(tokens, tags)[tokens.index(word)]


@pytest.mark.parametrize("w1,w2", [("大", "小"), ("高", "矮"), ("好", "坏"), ("快", "慢"), ("贵", "便宜"),
                                   ("冷", "热"), ("多", "少"), ("新", "旧"), ("干净", "脏")])
def test_adjective_antonyms_survive_wsd(words, w1, w2):
    """After 很 the context allows the adjective senses; a rare one WSD picks from a neighbour (大 as
    clan|辈分 next to 房子) must not hide the antonym sense pair of a listed pair."""
    s1 = senses_in(words, ["这个", "房子", "很", w1], ["r", "n", "d", "a"], w1)
    s2 = senses_in(words, ["这个", "房子", "很", w2], ["r", "n", "d", "a"], w2)
    rel = words.relation(w1, w2, s1, s2)
    assert rel.score < 0 and rel.opposite, rel


@pytest.mark.parametrize("w1,w2", [("喜欢", "讨厌"), ("同意", "反对"), ("增加", "减少"), ("成功", "失败"),
                                   ("买", "卖"), ("支持", "反对"), ("接受", "拒绝")])
def test_verb_opposites_in_context(words, w1, w2):
    s1 = senses_in(words, ["我", w1, "你", "的", "看法"], ["r", "v", "r", "u", "n"], w1)
    s2 = senses_in(words, ["我", w2, "你", "的", "看法"], ["r", "v", "r", "u", "n"], w2)
    rel = words.relation(w1, w2, s1, s2)
    assert rel.score < 0 and rel.opposite, rel


def test_the_widened_senses_keep_the_part_of_speech(engine):
    """Only senses of the chosen POS are searched: 高 as a surname (N) stays no opposite of 矮."""
    surname = [s for s in engine.lexicon.senses("高") if s.pos == "N"]
    rel = engine.relation("高", "矮", surname, None)
    assert rel.rule == "word_list" and not rel.confident  # only the list's sign, no sense pair
    clan = [s for s in engine.lexicon.senses("大") if "clan|辈分" in s.concept.raw]
    small = [s for s in engine.lexicon.senses("小") if s.pos == "ADJ"]
    rel = engine.relation("大", "小", clan, small)
    assert rel.antonym and rel.confident and rel.sense1.concept.raw.endswith("big|大")


@pytest.mark.parametrize("w1,w2", [("喜欢", "喜爱"), ("同意", "赞成"), ("增加", "增多"), ("父亲", "爸爸"),
                                   ("美丽", "漂亮"), ("开始", "开头"), ("安静", "寂"), ("会见", "会晤"),
                                   ("考上", "考取")])
def test_synonyms_are_not_turned_into_opposites(engine, w1, w2):
    rel = engine.relation(w1, w2)
    assert not rel.opposite and rel.score > 0, rel


def test_confidence_needs_two_sources_or_a_strict_sememe_pair(engine):
    # a HowNet sememe pair on kin terms (male/female plus kinship): signed, not confident
    kin = engine.relation("哥哥", "老婆")
    assert kin.rule == "sememe_pair" and kin.score < 0 and not kin.confident
    # a rare sense of a single character (下 as few|少): not confident
    assert not engine.relation("下", "显").confident
    # the same rule with the list or a strict difference: confident
    assert engine.relation("大", "小").confident and engine.relation("贵", "便宜").confident
    # the list alone: never
    alone = engine.relation("不能", "可以")
    assert alone.rule == "word_list" and not alone.confident
    # borrow/lend is a HowNet converse, but 借/贷款 are used alike in loan questions: not confident
    assert not engine.relation("借", "贷款").confident


def test_morpheme_rule(engine):
    rel = engine.relation("进口", "出口")  # HowNet gives both words the same DEFs
    assert rel.rule == "morpheme" and rel.opposite and rel.confident and rel.score < 0
    assert not engine.relation("上海", "下海").opposite  # a noun only: no morpheme reading
    assert not engine.relation("大学", "小学").opposite


def test_cohyponym_cap(engine, shared_data):
    for w1, w2 in (("狗", "猫"), ("苹果", "香蕉"), ("北京", "上海")):
        rel = engine.relation(w1, w2)
        assert rel.cohyponym and rel.score == pytest.approx(0.8), rel
        assert engine.similarity(w1, w2) == pytest.approx(rel.score)
        assert engine.report(w1, w2)["score"] == pytest.approx(rel.score)
        assert engine.report(w1, w2)["cohyponym"]["cap"] == 0.8
    for w1, w2 in (("父亲", "爸爸"), ("狗", "犬")):  # one Cilin synonym group: no cap
        rel = engine.relation(w1, w2)
        assert not rel.cohyponym and rel.score == pytest.approx(1.0), rel
    faithful = get_engine(shared_data, signed=False, oov_chain=False)
    assert faithful.similarity("狗", "猫") == pytest.approx(1.0)  # Liu & Li as published


def test_antonym_bench_is_deterministic(shared_data):
    cmd = [sys.executable, str(ROOT / "bench" / "antonyms.py"), "--data-dir", str(shared_data)]
    runs = [subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout for _ in range(2)]
    assert runs[0] == runs[1] and "| word | dev |" in runs[0] and "| context | test |" in runs[0]
