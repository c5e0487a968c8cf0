"""The shipped general CV-LSTM (issue 21): an option chosen by name, not the default, and it scores offline."""
from __future__ import annotations

import pytest

import simcalc
from simcalc.resources import project_data_path

pytest.importorskip("torch")


def test_general_model_is_a_named_option_and_not_the_default():
    default, general = simcalc.get_scorer("cvlstm"), simcalc.get_scorer("cvlstm", model="cvlstm-general")
    assert default.model_dir.name == "cvlstm-bq" and general.model_dir == project_data_path("models/cvlstm-general")
    assert (general.model_dir / "MODEL_CARD.md").is_file() and general.config["weights_dtype"] == "float16"
    assert general.threshold == pytest.approx(general.config["threshold"])
    # a vocabulary from every domain: more characters than the BQ-only model knows
    assert len(general.vocabs["char"]) > len(default.vocabs["char"])


@pytest.mark.parametrize("same,different", [
    (("怎么开通花呗", "花呗如何开通"), ("怎么开通花呗", "我要提前还款")),            # AFQMC/BQ style
    (("一个男人在弹吉他。", "一个人在弹吉他。"), ("一个男人在弹吉他。", "一个女人在切洋葱。")),  # STS-B style
    (("英雄联盟什么英雄最好", "英雄联盟最好的英雄是什么"), ("英雄联盟什么英雄最好", "今天北京天气怎么样")),  # LCQMC style
])
def test_general_model_ranks_a_paraphrase_above_an_unrelated_pair(same, different):
    scorer = simcalc.get_scorer("cvlstm", model="cvlstm-general")
    a, b = scorer.score_batch([same, different])
    assert a.score > b.score, (a.score, b.score)


def test_general_model_does_not_call_unknown_unrelated_text_similar():
    result = simcalc.get_scorer("cvlstm", model="cvlstm-general").score("สวัสดีครับ วันนี้อากาศดี", "Привет, как дела")
    assert result.label == 0, (result.score, result.details)
