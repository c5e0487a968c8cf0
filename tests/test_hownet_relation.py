"""The relation API, the best-pair antonym rule, the work budget and case handling on fixture data."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from simcalc import hownet_sim
from simcalc.hownet_sim import Relation
from simcalc.hownet_sim.api import build_engine

DATA = Path(__file__).parent / "fixtures" / "hownet" / "data"



def test_a_shared_concept_is_never_negated(engine):
    # 安静 {quiet, peaceful} / 寂 {quiet, lonely}: peaceful/lonely are the two values of circumstances,
    # but both words have the sense quiet: the best pair is a synonym pair, so no negation.
    assert engine.similarity("安静", "寂") == pytest.approx(1.0)
    report = engine.report("安静", "寂")
    assert report["score"] == pytest.approx(1.0) and report["antonym"] is None
    rel = engine.relation("安静", "寂")
    assert not rel.antonym and rel.rule is None and rel.sense1.concept == rel.sense2.concept
    # the opposite sense pair still counts when it is the chosen one (after WSD)
    lonely = [s for s in engine.lexicon.senses("寂") if "lonely|孤" in s.concept.raw]
    peaceful = [s for s in engine.lexicon.senses("安静") if "peaceful|宁" in s.concept.raw]
    chosen = engine.relation("安静", "寂", peaceful, lonely)
    assert chosen.antonym and chosen.score < 0 and chosen.rule == "sibling_values"
    assert not chosen.confident  # sibling_values: measured precision 0.29 (hownet_sim/README.md)
    assert engine.relation("寂", "吵").antonym  # quiet/noisy: the best pair is the opposite pair


def test_no_pair_of_words_sharing_a_definition_is_negative(engine, lexicon):
    groups: dict[int, list[str]] = {}
    for word in lexicon.words():
        for i in lexicon.def_ids(word):
            groups.setdefault(i, []).append(word)
    pairs = [p for words in groups.values() for p in itertools.combinations(words, 2)]
    assert ("安静", "寂") in pairs or ("寂", "安静") in pairs
    for a, b in pairs:
        assert engine.similarity(a, b) >= 0 and engine.similarity(b, a) >= 0, (a, b)
        assert not engine.relation(a, b).antonym, (a, b)


def test_relation_api(engine):
    buy_sell = engine.relation("买", "卖")
    assert isinstance(buy_sell, Relation)
    assert buy_sell.converse and not buy_sell.antonym and buy_sell.rule == "sememe_pair"
    assert buy_sell.confident and buy_sell.method == "hownet" and buy_sell.opposite
    assert buy_sell.score == pytest.approx(-buy_sell.similarity) and 0 < buy_sell.similarity <= 1
    assert buy_sell.sense1.word == "买" and buy_sell.sense2.concept.first == "sell|卖"
    high_low = engine.relation("高", "矮")
    assert high_low.antonym and high_low.rule == "sibling_values" and not high_low.confident
    trusting = build_engine(engine.lexicon, DATA)
    trusting.confident_rules = frozenset({"sememe_pair", "sibling_values"})
    assert trusting.relation("高", "矮").confident
    assert high_low.score == pytest.approx(engine.similarity("高", "矮"))
    # the community word list alone: negative score, but never a confident opposite; with a concept
    # rule (here two values of the fixture's 3-valued colour scale) the two sources agree
    red_green = engine.relation("红", "绿")
    assert red_green.antonym and red_green.listed and red_green.rule == "sibling_values" and red_green.confident
    assert red_green.score < 0
    mum_dad = engine.relation("妈妈", "爸爸")  # 妈妈 is only in Cilin: the chain, then the list
    assert mum_dad.method == "cilin" and mum_dad.rule == "word_list" and not mum_dad.confident
    assert mum_dad.sense1 is None and mum_dad.sense2 is None
    same = engine.relation("父亲", "父亲")
    assert same.method == "identical" and same.score == 1.0 and not same.opposite
    unknown = engine.relation("𠀀", "𠀁")
    assert unknown.method == "none" and unknown.score == 0.0 and unknown.rule is None
    data = json.loads(json.dumps(buy_sell.to_dict(), ensure_ascii=False))
    assert data["sense1"] == {"word": "买", "pos": "V", "def": "buy|买,commercial|商"}
    assert data["converse"] is True and data["confident"] is True


def test_relation_with_chosen_senses(engine, lexicon):
    surname = [s for s in lexicon.senses("高") if s.pos == "N"]
    rel = engine.relation("高", "矮", surname, None)
    assert not rel.antonym and rel.score > 0 and rel.sense1 == surname[0]
    api = hownet_sim.relation("高", "矮", senses=(surname, None), data_dir=DATA)
    assert api.score == pytest.approx(rel.score) and api.sense1 == surname[0]
    assert hownet_sim.relation("高", "矮", data_dir=DATA).antonym


def test_relation_agrees_with_similarity_and_report(engine, lexicon):
    words = sorted(lexicon.words()) + ["妈妈", "手机", "座机", "高楼", "矮楼", "𠀀"]
    for a, b in itertools.combinations(words, 2):
        rel = engine.relation(a, b)
        assert rel.score == pytest.approx(engine.similarity(a, b)), (a, b)
        assert rel.score == pytest.approx(engine.report(a, b)["score"]), (a, b)
        assert rel.method == engine.report(a, b)["method"], (a, b)


def test_relation_cache_is_bounded_and_thread_safe(lexicon):
    engine = build_engine(lexicon, DATA)
    assert engine._relation.cache_info().maxsize == engine.relation_cache
    first = engine.relation("买", "卖")
    assert engine.relation("买", "卖") is first  # memoised
    words = sorted(lexicon.words())
    pairs = list(itertools.combinations(words, 2))
    expected = {p: build_engine(lexicon, DATA).relation(*p) for p in pairs}
    shared = build_engine(lexicon, DATA)
    errors: list[str] = []

    def work() -> None:
        for p in pairs:
            if shared.relation(*p) != expected[p]:
                errors.append(str(p))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    from simcalc.hownet_sim.engine import WordSimilarity

    tiny = WordSimilarity(lexicon, antonyms=engine.antonyms, relation_cache=8)
    for p in pairs[:50]:
        tiny.relation(*p)
    assert tiny._relation.cache_info().currsize <= 8


def test_budget_cuts_a_step_deterministically(lexicon):
    full = build_engine(lexicon, DATA).report("高楼大厦", "矮楼小屋")
    assert full["method"] == "characters"
    used = next(s["work"] for s in full["oov_chain"] if s["step"] == "characters")
    assert used > 1
    for budget in (used - 1, used // 2):
        cut = build_engine(lexicon, DATA, step_budget=budget).report("高楼大厦", "矮楼小屋")
        step = next(s for s in cut["oov_chain"] if s["step"] == "characters")
        assert step["status"] == "budget exhausted" and step["budget"] == budget and step["work"] > budget
        assert cut["method"] == "none" and cut["score"] == 0
    exact = build_engine(lexicon, DATA, step_budget=used).report("高楼大厦", "矮楼小屋")
    assert exact == full


_SCRIPT = """
import json, sys
from simcalc.hownet_sim.api import build_engine
from simcalc.hownet_sim.lexicon import GlossaryLexicon
lex = GlossaryLexicon.load(sys.argv[1], use_cache=False)
out = {}
for budget in (3, 20000):
    engine = build_engine(lex, sys.argv[1], step_budget=budget)
    out[budget] = [engine.report(a, b) for a, b in (("高楼大厦", "矮楼小屋"), ("安静", "寂"), ("买", "卖"))]
    out[budget].append(engine.relation("高", "矮").to_dict())
print(json.dumps(out, ensure_ascii=False, sort_keys=True))
"""


def test_same_pair_same_output_in_two_processes():
    runs = [subprocess.run([sys.executable, "-c", _SCRIPT, str(DATA)], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).parent.parent).stdout for _ in range(2)]
    assert runs[0] == runs[1] and '"budget exhausted"' in runs[0] and '"characters"' in runs[0]


def test_case_insensitive_lookup(engine, lexicon):
    assert "dna" in lexicon and "bp机" in lexicon and "Dna" in lexicon
    assert [s.word for s in lexicon.senses("dna")] == ["DNA"]
    assert lexicon.def_ids("bp机") == lexicon.def_ids("BP机") != []
    assert lexicon.key("Bp机") == "BP机" and lexicon.key("火星") is None
    assert engine.similarity("dna", "DNA") == pytest.approx(1.0)
    assert engine.similarity("dna", "bp机") == pytest.approx(engine.similarity("DNA", "BP机"))
    assert engine.similarity("dna", "bp机") > 0
    rel = engine.relation("dna", "bp机")
    assert rel.method == "hownet" and rel.sense1.word == "DNA" and rel.sense2.word == "BP机"
    assert engine.report("dna", "bp机")["senses"][0]["word"] == "DNA"
    assert hownet_sim.word_similarity("dna", "bp机", data_dir=DATA) == pytest.approx(rel.score)


def test_a_cut_hownet_step_is_cut_on_every_path(lexicon):
    """打 has 3 DEFs and 篮球 2: with a budget of 5 the hownet step is cut (6 sense pairs) in the
    report, in similarity() and in relation() alike, and the chain decides."""
    engine = build_engine(lexicon, DATA, step_budget=5)
    report = engine.report("打", "篮球")
    assert report["oov_chain"][1] == {"step": "hownet", "status": "budget exhausted", "work": 6, "budget": 5}
    assert engine.similarity("打", "篮球") == pytest.approx(report["score"])
    assert engine.relation("打", "篮球").method == report["method"] != "hownet"
    assert build_engine(lexicon, DATA, step_budget=6).relation("打", "篮球").method == "hownet"
