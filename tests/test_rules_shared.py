"""The rule engine end to end: jieba → embedded parser → components → HowNet 2000 (needs the shared data).

Probes are hand-written for the issue's cases; names (张三, 李四) come from a user dictionary, as a user
would pass one (jieba's HMM otherwise glues them to the next word, and the parser cannot recover).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def user_dict(tmp_path_factory):
    path = tmp_path_factory.mktemp("dict") / "names.txt"
    path.write_text("张三 1000 nr\n李四 1000 nr\n花呗 1000 nz\n借呗 1000 nz\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rules(shared_data, user_dict):
    from simcalc.rules.scorer import RulesScorer

    return RulesScorer(user_dict=user_dict, data_dir=shared_data)


@pytest.mark.parametrize("a,b", [("我喜欢吃苹果", "我不喜欢吃苹果"), ("他很高", "他很矮"), ("我喜欢你", "我讨厌你"), ("价格上升了", "价格下降了"),
                                 ("他去了北京", "他没有去北京")])
def test_negation_and_antonymous_predicates_are_negative(rules, a, b):
    assert rules.score(a, b).score < 0


def test_double_negation_is_positive(rules):
    assert rules.score("他不是不喜欢你", "他喜欢你").score > 0.5


@pytest.mark.parametrize("a,b", [("小明把门打开了", "门被小明打开了"), ("警察把小偷抓住了", "小偷被警察抓住了")])
def test_ba_bei_conversions_are_paraphrases(rules, a, b):
    result = rules.score(a, b)
    assert result.score >= 0.8
    assert result.details["explanation"]["clauses"][0]["coefficients"]["ba_bei"]["fired"]


@pytest.mark.parametrize("a,b", [("狐狸被兔子骗了", "狐狸把兔子骗了"), ("张三借给李四一本书", "李四借给张三一本书")])
def test_swapped_roles_are_not_paraphrases(rules, a, b):
    assert rules.score(a, b).score < 0.5


@pytest.mark.parametrize("b", ["李四从张三那里买了一本书", "李四向张三买了一本书"])
def test_converse_predicates_with_swapped_roles_are_paraphrases(rules, b):
    result = rules.score("张三卖给李四一本书", b)
    assert result.score >= 0.8
    coeffs = result.details["explanation"]["clauses"][0]["coefficients"]
    assert coeffs["K3"]["fired"] and coeffs["K4"]["fired"]


def test_interrogative_against_declarative_is_lowered(rules):
    from simcalc.rules.config import RuleConfig

    paper = rules.with_config(RuleConfig().replace(mode="paper"))
    question, statement = paper.score("你去北京吗？", "你去北京。"), paper.score("你去北京。", "你去北京。")
    assert question.details["explanation"]["K1"]["fired"]
    assert question.score < 0.5 * statement.score  # the paper's K1 = 0.1
    # the signed engine: a question type against none lowers the score, far less than K1
    question, statement = rules.score("你去北京吗？", "你去北京。"), rules.score("你去北京。", "你去北京。")
    assert question.details["features"]["qtype_differs"] == 1.0
    assert question.details["features"]["pattern_differs"] == 1.0
    assert 0.5 * statement.score < question.score < statement.score


def test_domain_words_from_the_user_dictionary(shared_data, rules):
    from simcalc.rules.scorer import RulesScorer

    plain = RulesScorer(data_dir=shared_data)
    sentences = plain.analyse_many(["怎么开通花呗"])["怎么开通花呗"].sentence
    with_dict = rules.analyse_many(["怎么开通花呗"])["怎么开通花呗"].sentence
    assert "花呗" not in sentences.parse.tokens  # jieba alone splits it into 花 / 呗
    assert with_dict.clauses[0].predicate.centre.token == "开通"
    assert rules.score("怎么开通花呗", "花呗如何开通").score >= 0.8


def test_same_pair_same_score_in_two_processes(shared_data, user_dict):
    code = ("import json, sys; from rules.scorer import RulesScorer; s = RulesScorer(user_dict=sys.argv[1]);"
            "r = s.score('张三卖给李四一本书', '李四从张三那里买了一本书'); q = s.score('花呗怎么还款', '借呗如何还钱');"
            "print(json.dumps([r.to_dict(), q.to_dict()], ensure_ascii=False, sort_keys=True))")
    env = {**os.environ, "SIMCALC_DATA_DIR": str(shared_data)}
    outs = [subprocess.run([sys.executable, "-c", code, str(user_dict)], capture_output=True, text=True, env=env,
                           check=True).stdout for _ in range(2)]
    assert outs[0] == outs[1] and json.loads(outs[0])[0]["score"] >= 0.8


def test_cli_explain_shows_components_and_the_ba_bei_rule(shared_data):
    from click.testing import CliRunner

    from simcalc.cli import main

    result = CliRunner().invoke(main, ["explain", "小明把门打开了", "门被小明打开了", "--scorer", "rules"],
                                env={"SIMCALC_DATA_DIR": str(shared_data)})
    assert result.exit_code == 0, result.output
    for needle in ("subject 小明", "predicate 打开", "object 门", "ba_bei", "fired: 把/被 pair", "K1 pattern"):
        assert needle in result.output
    as_json = CliRunner().invoke(main, ["compare", "我喜欢吃苹果", "我不喜欢吃苹果", "--scorer", "rules", "--json"],
                                 env={"SIMCALC_DATA_DIR": str(shared_data)})
    assert as_json.exit_code == 0 and json.loads(as_json.output)["score"] < 0
