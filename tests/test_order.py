"""The word-order member (simcalc.order): same words in another order is another fact, unless the words
only changed places inside a list."""
import itertools

import pytest

import simcalc
from simcalc.order import align_words, coordination, order_features

NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊"]
PLACES = ["北京", "上海", "广州", "成都", "西安", "杭州"]
#: templates with two slots whose fillers, exchanged, make another fact
TEMPLATES = [
    "{x}在比赛中击败了{y}", "{x}把{y}介绍给了老师", "去年{x}从{y}搬到了南京", "{x}是{y}的老师",
    "{x}比{y}早两年毕业", "{x}借给{y}一本书", "{x}向{y}道歉了", "{x}的妹妹嫁给了{y}",
]
PLACE_TEMPLATES = ["她三岁时从{x}搬到{y}", "这趟列车从{x}开往{y}", "{x}位于{y}的东北方向", "他先去了{x}，后来又去了{y}的大学"]


@pytest.fixture(scope="module")
def scorer():
    return simcalc.get_scorer("word_order")


def _swaps():
    for template in TEMPLATES:
        for x, y in itertools.combinations(NAMES[:4], 2):
            yield template.format(x=x, y=y), template.format(x=y, y=x)
    for template in PLACE_TEMPLATES:
        for x, y in itertools.combinations(PLACES[:4], 2):
            yield template.format(x=x, y=y), template.format(x=y, y=x)


def test_identical_text_keeps_its_order(scorer):
    result = scorer.score("张伟在比赛中击败了李娜。", "张伟在比赛中击败了李娜")
    assert result.score == pytest.approx(1.0)
    features = result.details["order"]
    assert features["char_order"] == features["content_order"] == 1.0
    assert features["exchanged"] == features["chars_exchanged"] == features["breaks"] == 0.0


def test_nothing_shared_is_no_order_kept(scorer):
    result = scorer.score("今天天气好", "怎么开通花呗")
    assert result.score == 0.0
    assert result.details["order"]["content_order"] == 0.0


def test_exchanged_names_and_places_are_seen_and_named(scorer):
    pairs = list(_swaps())
    results = scorer.score_batch(pairs)
    seen = [r for r in results if r.details["order"]["exchanged"] == 1.0]
    assert len(seen) >= 0.9 * len(pairs)
    assert all(r.score < 0.9 for r in results)
    for (a, b), r in zip(pairs, results):
        for x, y in r.details["swapped"]:
            assert x in a and y in a and x in b and y in b


def test_a_swap_scores_below_the_same_words_in_the_same_order(scorer):
    for a, b in _swaps():
        kept = scorer.score(a, a.replace("了", "")).score
        assert scorer.score(a, b).score < kept


def test_reordering_a_list_is_not_an_exchange():
    for a, b in [("他去过北京、上海和广州", "他去过广州、上海和北京"),
                 ("书房里挂着叔本华、麦克斯韦、法拉第的画像", "书房里挂着法拉第、麦克斯韦、叔本华的画像"),
                 ("张伟和李娜一起去了成都", "李娜和张伟一起去了成都")]:
        features, swapped = order_features(a, b)
        assert features["exchanged"] == 0.0 and swapped == [], (a, b)
    # the same two words around a verb are an exchange
    features, swapped = order_features("张伟批评了李娜", "李娜批评了张伟")
    assert features["exchanged"] == 1.0 and swapped == [("张伟", "李娜")]


def test_a_moved_clause_breaks_the_run_but_exchanges_nothing():
    features, _ = order_features("后来，张伟在战争期间加入了军队", "后来，在战争期间，张伟加入了军队")
    assert features["exchanged"] == 0.0
    assert features["content_order"] < 1.0


def test_coordination_items_share_an_id():
    words = ["他", "去过", "北京", "、", "上海", "和", "广州"]
    ids = coordination(words)
    assert ids[2] is not None and ids[2] == ids[4] == ids[6]
    assert ids[0] is None and ids[1] is None  # a verb ends the item


def test_alignment_prefers_identical_words_then_shared_characters():
    a = ["伊莉莎", "是", "朱迪思", "的", "姐姐"]
    b = ["朱迪思", "是", "伊丽莎", "的", "姐姐"]
    assert align_words(a, b) == [(0, 2), (2, 0), (4, 4)]


def test_scores_are_in_range_deterministic_and_char_order_is_symmetric(scorer):
    texts = [a for a, _ in _swaps()][:30] + ["怎么开通花呗", "花呗如何开通", "我的花呗额度是多少", "借呗还款日期"]
    pairs = list(itertools.combinations(texts, 2))
    first = scorer.score_batch(pairs)
    assert [r.score for r in first] == [r.score for r in scorer.score_batch(pairs)]
    assert all(0.0 <= r.score <= 1.0 for r in first)
    back = scorer.score_batch([(b, a) for a, b in pairs])
    for r, s in zip(first, back):
        assert r.details["order"]["char_order"] == pytest.approx(s.details["order"]["char_order"])
        assert r.score == pytest.approx(s.score), (r.details, s.details)
        assert all(isinstance(v, float) for v in r.details["order"].values())


def test_a_pair_swapping_two_names_both_ways_loses_a_quarter_per_kind_of_exchange(scorer):
    r = scorer.score("张伟在比赛中击败了李娜", "李娜在比赛中击败了张伟")
    kinds = r.details["order"]["exchanged"] + r.details["order"]["chars_exchanged"]
    assert kinds >= 1 and r.score == pytest.approx(r.details["order"]["char_order"] * 0.75 ** kinds)


def test_registered_with_a_description():
    spec = simcalc.registry.spec("word-order")
    assert spec.name == "word_order" and spec.kind == "lexical"
    assert "order" in spec.description


def test_features_for_a_stack_only_when_asked():
    pair = ("张伟批评了李娜", "李娜批评了张伟")
    plain = simcalc.registry.create("word_order").score(*pair)
    assert "features" not in plain.details and plain.details["order"]["exchanged"] == 1.0
    stacked = simcalc.registry.create("word_order", features=True).score(*pair)
    assert stacked.details["features"] == plain.details["order"] and stacked.score == plain.score
