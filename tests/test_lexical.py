import sys
import subprocess

import pytest

import simcalc
from simcalc.errors import InvalidTextError, UnknownScorerError

LEXICAL = ["levenshtein", "jaro_winkler", "char_jaccard", "tfidf"]


def edit_distance(a: str, b: str, sub_cost: int = 1) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (0 if ca == cb else sub_cost))
    return row[-1]


@pytest.mark.parametrize("name", LEXICAL)
def test_identical_is_one_disjoint_is_zero_and_symmetric(name):
    scorer = simcalc.get_scorer(name)
    assert scorer.score("怎么开通花呗", "怎么开通花呗").score == pytest.approx(1.0)
    assert scorer.score("怎么开通花呗", "今天天气好").score == pytest.approx(0.0, abs=1e-9)
    a, b = "怎么开通花呗", "花呗如何开通"
    assert scorer.score(a, b).score == pytest.approx(scorer.score(b, a).score)
    assert 0.0 < scorer.score(a, b).score < 1.0


def test_levenshtein_is_the_papers_ratio():
    a, b = "怎么开通花呗", "花呗如何开通"
    total = len(a) + len(b)
    expected = (total - edit_distance(a, b, sub_cost=2)) / total
    assert simcalc.compare(a, b, scorer="levenshtein").score == pytest.approx(expected)


def test_punctuation_and_width_do_not_change_lexical_scores():
    for name in LEXICAL:
        scorer = simcalc.get_scorer(name)
        assert scorer.score("怎么开通花呗？", "怎么开通花呗").score == pytest.approx(1.0)


def test_default_thresholds_are_the_cv_lstm_papers():
    assert simcalc.get_scorer("levenshtein").threshold == 0.618
    assert simcalc.get_scorer("jaro_winkler").threshold == 0.618
    result = simcalc.compare("怎么开通花呗", "怎么开通花呗呢", scorer="levenshtein")
    assert result.label == 1 and result.threshold == 0.618


def test_char_jaccard_counts_sets():
    result = simcalc.compare("花呗开通", "开通借呗", scorer="char_jaccard")
    assert result.score == pytest.approx(3 / 5)  # {呗,开,通} over {花,呗,开,通,借}


def test_tfidf_corpus_fit_downweights_common_characters(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(["怎么办", "怎么样", "怎么说", "花呗额度"]), encoding="utf-8")
    scorer = simcalc.registry.create("tfidf", corpus=str(corpus))
    shared_common = scorer.score("怎么开", "怎么关").score
    shared_rare = scorer.score("花呗开", "花呗关").score
    assert shared_rare > shared_common


def test_batch_keeps_order_and_names_the_bad_pair():
    scorer = simcalc.get_scorer("levenshtein")
    pairs = [("你好", "你好"), ("你好", "再见")]
    assert [r.score for r in scorer.score_batch(pairs)] == [1.0, 0.0]
    with pytest.raises(InvalidTextError, match="pair 1: sentence2 is empty"):
        scorer.score_batch([("你好", "你好"), ("你好", " ")])
    with pytest.raises(InvalidTextError, match="pair 0"):
        scorer.score_batch([("only one",)])


def test_unknown_scorer_lists_known_ones():
    with pytest.raises(UnknownScorerError, match="known scorers: .*levenshtein"):
        simcalc.get_scorer("nope")


def test_light_paths_do_not_import_heavy_packages():
    code = (
        "import sys, simcalc\nfrom simcalc import cli\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(cli.main, ['--help'])\n"
        "for n in ['levenshtein','jaro_winkler','char_jaccard','tfidf']:\n"
        "    simcalc.compare('怎么开通花呗', '花呗如何开通', scorer=n)\n"
        "heavy = [m for m in ('torch', 'gensim', 'ltp', 'transformers', 'OpenHowNet') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("a, b, message", [
    (None, "你好", "sentence1 is None"), ("你好", None, "sentence2 is None"),
    (["你好"], "你好", "must be a string, not list"), ("🙂🙂", "。。", "sentence2 has only punctuation"),
])
def test_library_api_rejects_unscorable_input_clearly(a, b, message):
    with pytest.raises(InvalidTextError, match=message):
        simcalc.compare(a, b)


def test_emoji_latin_and_long_text_get_defined_scores():
    assert simcalc.compare("🙂", "🙂", scorer="levenshtein").score == 1.0
    assert 0 < simcalc.compare("How do I open Huabei", "how to open huabei?", scorer="levenshtein").score < 1
    long = simcalc.compare("花" * 5000, "花" * 5000, scorer="levenshtein")
    assert long.score == 1.0 and any("truncated" in w for w in long.warnings)
