"""The cvlstm/mgf scorers: loading, errors, batching, warnings, registry wiring, shipped models."""
from __future__ import annotations

import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

import simcalc  # noqa: E402
from simcalc.neural.checkpoint import save_checkpoint  # noqa: E402
from simcalc.neural.models import build_model  # noqa: E402
from simcalc.neural.scorers import CVLSTMScorer, MGFScorer  # noqa: E402
from simcalc.neural.tokens import Vocab  # noqa: E402
from simcalc.errors import InvalidTextError, ResourceNotFoundError  # noqa: E402
from simcalc.resources import project_data_path  # noqa: E402

SENTENCES = ["怎么开通花呗", "花呗如何开通", "如何还款", "怎么还钱"]


def _checkpoint(directory, kind, max_chars=8):
    from simcalc.neural.tokens import tokenize

    config = {"format": 1, "kind": kind, "emb_dim": 8, "hidden": 8, "dropout": 0.0, "max_chars": max_chars,
              "max_words": 6, "min_count": 1, "num_classes": 2, "threshold": 0.5, "level": "char",
              "encoder": "lstm", "filters": 8, "kernel": 3}
    levels = ["char", "word"] if kind == "mgf" else ["char"]
    vocabs = {lv: Vocab.build([tokenize(s, lv) for s in SENTENCES]) for lv in levels}
    torch.manual_seed(0)
    model = build_model(config, {lv: len(v) for lv, v in vocabs.items()})
    return save_checkpoint(directory, config, vocabs, model)


@pytest.fixture(scope="module")
def mgf_dir(tmp_path_factory):
    return _checkpoint(tmp_path_factory.mktemp("mgf"), "mgf")


@pytest.fixture(scope="module")
def cvlstm_dir(tmp_path_factory):
    return _checkpoint(tmp_path_factory.mktemp("cv"), "cvlstm")


def test_batch_scores_equal_single_scores(mgf_dir):
    scorer = MGFScorer(model=str(mgf_dir), batch_size=2)
    pairs = [(a, b) for a in SENTENCES for b in SENTENCES]
    batch = [r.score for r in scorer.score_batch(pairs)]
    single = [scorer.score(a, b).score for a, b in pairs]
    assert batch == pytest.approx(single, abs=1e-6)
    assert all(0.0 <= s <= 1.0 for s in batch)


def test_explanation_details(mgf_dir, cvlstm_dir):
    mgf = MGFScorer(model=str(mgf_dir)).score("怎么开通花呗", "花呗如何开通")
    assert mgf.label in (0, 1) and mgf.threshold == 0.5
    assert mgf.details["probability"] == pytest.approx(mgf.score, abs=1e-6)
    assert set(mgf.details["stream_cosine"]) == {"char", "word"}
    cv = CVLSTMScorer(model=str(cvlstm_dir)).score("如何还款", "怎么还钱")
    assert -1.0 <= cv.details["cosine"] <= 1.0 and cv.details["variant"] == "CV-LSTM"


def test_long_input_is_cut_with_a_warning(cvlstm_dir):
    result = CVLSTMScorer(model=str(cvlstm_dir)).score("如何还款" * 5, "怎么还钱")
    assert any("read only the first 8" in w for w in result.warnings)
    assert not CVLSTMScorer(model=str(cvlstm_dir)).score("如何还款", "怎么还钱").warnings


def test_threshold_option_overrides_checkpoint(cvlstm_dir):
    assert CVLSTMScorer(model=str(cvlstm_dir), threshold=0.9).threshold == 0.9


def test_missing_model_names_path_and_how_to_train(tmp_path):
    with pytest.raises(ResourceNotFoundError) as info:
        MGFScorer(model=str(tmp_path / "nope"))
    assert "nope" in str(info.value) and "simcalc train mgf" in str(info.value)
    with pytest.raises(ResourceNotFoundError, match="not a simcalc neural checkpoint"):
        MGFScorer(model=str(tmp_path))


def test_wrong_kind_is_a_clear_error(cvlstm_dir):
    with pytest.raises(ResourceNotFoundError, match="cvlstm"):
        MGFScorer(model=str(cvlstm_dir))


def test_bad_text_is_rejected(mgf_dir):
    with pytest.raises(InvalidTextError):
        MGFScorer(model=str(mgf_dir)).score("？？", "花呗")


def test_registry_passes_model_option(mgf_dir):
    result = simcalc.compare("怎么开通花呗", "花呗如何开通", scorer="mgf", model=str(mgf_dir))
    assert result.scorer == "mgf"


def test_importing_simcalc_and_neural_does_not_import_torch():
    code = ("import sys, simcalc, simcalc.neural, simcalc.neural.tokens, simcalc.neural.data; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name,folder,model", [("cvlstm", "models/cvlstm-bq", None), ("mgf", "models/mgf-bq", None),
                                               ("mgf", "models/mgf-bq-large", "mgf-bq-large")])
def test_shipped_models_score_offline(name, folder, model):
    directory = project_data_path(folder)
    assert (directory / "MODEL_CARD.md").is_file()
    scorer = simcalc.get_scorer(name, model=model)
    assert scorer.model_dir == directory and scorer.config["weights_dtype"] == "float16"
    same, different = scorer.score_batch([("怎么开通花呗", "花呗如何开通"), ("怎么开通花呗", "我要提前还款")])
    assert same.score > different.score
    assert scorer.threshold == pytest.approx(scorer.config["threshold"])


def test_shipped_models_are_chosen_by_name_and_unknown_names_list_them():
    small, large = simcalc.get_scorer("mgf"), simcalc.get_scorer("mgf", model="mgf-bq-large")
    assert (small.config["hidden"], large.config["hidden"]) == (150, 300)
    assert small.score("怎么开通花呗", "花呗如何开通").score != large.score("怎么开通花呗", "花呗如何开通").score
    with pytest.raises(ResourceNotFoundError, match="shipped mgf models: mgf-bq, mgf-bq-large"):
        simcalc.get_scorer("mgf", model="mgf-bq-huge")


def test_nan_from_a_broken_model_reaches_the_result_guard(tmp_path):
    """A NaN probability must not be clipped into 0.0 (it would read as a confident 'different')."""
    from simcalc.errors import SimcalcError

    from simcalc.neural.scorers import unit_interval

    from simcalc.neural.checkpoint import load_checkpoint

    directory = _checkpoint(tmp_path, "cvlstm")
    config, vocabs, model = load_checkpoint(directory)
    model.classifier.bias.data.fill_(float("nan"))
    save_checkpoint(directory, config, vocabs, model)
    with pytest.raises(SimcalcError, match="NaN"):
        CVLSTMScorer(model=str(directory)).score("如何还款", "怎么还钱")
    assert unit_interval(1.7) == 1.0 and unit_interval(-0.2) == 0.0
    assert unit_interval(float("nan")) != unit_interval(float("nan"))  # still NaN


def test_coverage_is_reported_and_in_vocabulary_pairs_are_left_alone(mgf_dir):
    result = MGFScorer(model=str(mgf_dir)).score("怎么开通花呗", "花呗如何开通")
    coverage = result.details["coverage"]
    assert coverage["pair"] == 1.0 and set(coverage["sentence1"]) == {"char", "word"}
    assert "fallback" not in result.details and not result.warnings
    assert result.score == pytest.approx(result.details["probability"], abs=1e-6)


@pytest.mark.parametrize("name", ["cvlstm", "mgf"])
@pytest.mark.parametrize("a,b", [("สวัสดีครับ วันนี้อากาศดี", "Привет, как дела"), ("😀", "🚀"),
                                 ("apple pie", "quantum physics")])
def test_shipped_models_do_not_call_unknown_unrelated_text_similar(name, a, b):
    result = simcalc.get_scorer(name).score(a, b)
    assert result.label == 0, (result.score, result.details)
    if result.details["coverage"]["pair"] < 0.5:
        assert result.details["fallback"]["model_weight"] < 1 and result.warnings


def test_unknown_but_identical_text_stays_similar(cvlstm_dir):
    result = CVLSTMScorer(model=str(cvlstm_dir)).score("😀😀", "😀😀")
    assert result.details["coverage"]["pair"] == 0.0 and result.label == 1 and result.score == 1.0
    assert "lexical" in result.warnings[0]


def test_coverage_weight_ramps_linearly_to_the_threshold():
    from simcalc.neural.scorers import MIN_COVERAGE, coverage_weight, lexical_fallback

    assert coverage_weight(0.0) == 0.0 and coverage_weight(MIN_COVERAGE) == 1.0 and coverage_weight(1.0) == 1.0
    assert coverage_weight(MIN_COVERAGE / 2) == pytest.approx(0.5)
    assert lexical_fallback("abc", "abc", 0.3) == pytest.approx(1.0)
    assert lexical_fallback("abc", "xyz", 0.3) == pytest.approx(0.0)


def test_scoring_restores_the_callers_torch_threads(cvlstm_dir):
    before = torch.get_num_threads()
    scorer = CVLSTMScorer(model=str(cvlstm_dir), threads=1)
    assert torch.get_num_threads() == before  # construction changes nothing
    scorer.score("如何还款", "怎么还钱")
    assert torch.get_num_threads() == before and scorer.threads == 1
    from simcalc.neural.device import auto_threads, resolve_threads

    assert resolve_threads("auto") == auto_threads() >= 1 and resolve_threads(None) is None
    with pytest.raises(Exception, match="threads"):
        resolve_threads(0)


@pytest.mark.parametrize("kind", ["cvlstm", "mgf"])
def test_fast_inference_path_equals_the_model(kind, tmp_path):
    """The tabled, padding-free LSTM of neural.fast computes the model's own sentence vectors."""
    from simcalc.neural.checkpoint import Featurizer, load_checkpoint
    from simcalc.neural.fast import FastEncoder

    directory = _checkpoint(tmp_path, kind, max_chars=20)
    config, vocabs, model = load_checkpoint(directory)
    if kind == "mgf":  # two stacked layers must be covered too
        assert model.word_lstm.num_layers == 2
    featurizer = Featurizer(config, vocabs)
    texts = SENTENCES + ["如何", "开通花呗如何还款怎么还钱", "还"]
    side = {k: torch.from_numpy(v) for k, v in featurizer.collate_sentences([featurizer.encode(t) for t in texts]).items()}
    with torch.inference_mode():
        expected = model.sentence_vectors(side)
        got = FastEncoder(model).sentence_vectors(side)
    for e, g in zip(expected, got):
        assert torch.allclose(e, g, atol=1e-5)
