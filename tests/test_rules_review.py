"""Negative suites for today's rule-engine repairs (our own colloquial sentences, BQ/LCQMC style): the name
merge must leave particles, punctuation and ordinary words alone, undo-phrasings (解除绑定 / 解绑) must agree,
把/被 role checks must not fire across clauses or verbs, manner/reason questions must stay close."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def engine(shared_data):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer(data_dir=shared_data)


def tokens_of(engine, texts: list[str]) -> dict[str, list[str]]:
    sides = engine.analyse_many(texts)
    return {t: list(sides[t].sentence.parse.tokens) for t in texts}


def share(engine, pairs, ok) -> float:
    return sum(bool(ok(r)) for r in engine.score_batch(pairs)) / len(pairs)


@pytest.mark.shared_data
def test_no_name_swallows_a_particle_punctuation_or_an_adjective(engine):
    texts = ["利息高吗", "额度高了", "他姓王吗", "额头高的人好看吗", "我姓蒋，你呢", "你的生肖？", "生肖是什么",
             "费用高不高啊", "手续费高吗", "她姓李吧", "年费贵吗", "利率高的话怎么办", "他姓张啊", "马上到账吗",
             "方便吗", "黄了吗", "价格高呢"]
    names_made = {t: [w for w in toks if len(w) >= 2 and w[-1] in "吗了的啊吧呢，？,?"]
                  for t, toks in tokens_of(engine, texts).items()}
    assert not any(names_made.values()), names_made
    toks = tokens_of(engine, ["你的生肖？", "生肖是什么"])
    assert all("生肖" in t for t in toks.values()), toks


@pytest.mark.shared_data
def test_real_three_character_names_stay_whole(engine):
    names = ["郭德纲", "邓紫棋", "冯绍峰", "周杰伦", "刘德华"]
    texts = [f"{n}是谁" for n in names] + [f"{n}结婚了吗" for n in names] + [f"喜欢{n}的歌" for n in names]
    toks = tokens_of(engine, texts)
    whole = [t for t in texts if any(n in toks[t] for n in names)]
    assert len(whole) / len(texts) >= 0.8, {t: toks[t] for t in texts if t not in whole}
