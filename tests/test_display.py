"""Drawings of explanations (simcalc.display, explain --svg/--html): trees, marks, escaping, HTML content.

Fast tests use the hand-built parses and word table of test_rules_engine; the parse-only and CLI tests
run the embedded parser (shipped in data/parser, no HowNet); one test uses the shared data.
"""
from __future__ import annotations

import html
import random
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from simcalc import display, registry
from simcalc.display.style import ROLE_COLOURS
from simcalc.errors import ResourceNotFoundError
from simcalc.rules.scorer import RulesScorer
from simcalc.rules.words import NoWords, TableWords
from test_rules_engine import TABLE, FakeParser

SVG = "{http://www.w3.org/2000/svg}"
BUY = "李四从张三那里买了一本书"


@pytest.fixture(scope="module")
def rules() -> RulesScorer:
    return RulesScorer(parser=FakeParser(), words=TableWords(TABLE, converse={("卖", "买")}))


def svg_tree(text: str) -> ET.Element:
    return ET.fromstring(text)  # raises on malformed XML or bad escaping


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == cls]


def words(root: ET.Element) -> dict[int, ET.Element]:
    return {int(g.get("data-index")): g for g in by_class(root, "word")}


class Tags(HTMLParser):
    """Start tags of an HTML document, to check that user text never becomes markup."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


# -- components and word knowledge ----------------------------------------------------------------
def test_components_carry_one_based_token_indices(rules):
    view = rules.score("小明把门打开了", "门被小明打开了").details["explanation"]["sentences"]
    ba, bei = view[0]["clauses"][0]["components"], view[1]["clauses"][0]["components"]
    assert (ba["subject"]["centre_index"], ba["predicate"]["centre_index"], ba["object"]["centre_index"]) == (1, 4, 3)
    assert (bei["subject"]["centre_index"], bei["object"]["centre_index"]) == (3, 1)  # role-normalised
    for comps, tokens in ((ba, view[0]["tokens"]), (bei, view[1]["tokens"])):
        for comp in comps.values():
            assert tokens[comp["centre_index"] - 1] == comp["centre"]
    obj = rules.score(BUY, BUY).details["explanation"]["sentences"][0]
    comp = obj["clauses"][0]["components"]["object"]
    assert [obj["tokens"][i - 1] for i in comp["modifier_indices"]] == [m.split("/")[0] for m in comp["modifiers"]]


def test_no_words_knows_nothing_but_identity():
    words_ = NoWords()
    assert words_.senses(["我", "去"], ["r", "v"]) == [None, None] and not words_.knows("我")
    assert words_.relation("我", "我").score == 1.0 and words_.relation("我", "你").score == 0.0
    assert words_.describe() == {"lexicon": "none"}


# -- tree_svg ---------------------------------------------------------------------------------------
def test_tree_svg_has_a_word_per_token_an_arc_per_dependent_and_the_root(rules):
    view = rules.score("小明把门打开了", "门被小明打开了").details["explanation"]["sentences"][0]
    root = svg_tree(display.tree_svg(view, title="sentence 1"))
    assert root.tag == SVG + "svg" and root.get("role") == "img" and "小明把门打开了" in root.get("aria-label")
    assert root.find(SVG + "title") is not None
    assert [t.text for t in by_class(root, "token")] == view["tokens"]
    assert [t.text for t in by_class(root, "pos")] == view["pos"]
    arcs = by_class(root, "arc")
    expected = {(h, d, r) for d, (h, r) in enumerate(zip(view["heads"], view["rels"]), 1) if h != 0}
    assert {(int(a.get("data-head")), int(a.get("data-dep")), a.get("data-rel")) for a in arcs} == expected
    assert len(arcs) == len(view["tokens"]) - 1
    for arc in arcs:
        assert [t.text for t in by_class(arc, "rel")] == [arc.get("data-rel")]
    roots = by_class(root, "root")
    assert [int(r.get("data-dep")) for r in roots] == [view["heads"].index(0) + 1]
    assert "ROOT" in "".join(roots[0].itertext())


def test_tree_svg_marks_centre_words_strongly_and_modifiers_lightly(rules):
    view = rules.score(BUY, BUY).details["explanation"]["sentences"][0]
    marked = words(svg_tree(display.tree_svg(view)))
    expected = {1: ("subject", "true"), 5: ("predicate", "true"), 9: ("object", "true"), 7: ("object", "false"),
                4: ("participant", "true"), 3: ("participant", "false")}
    for index, (role, centre) in expected.items():
        assert (marked[index].get("data-role"), marked[index].get("data-centre")) == (role, centre)
        token = by_class(marked[index], "token")[0]
        assert (token.get("font-weight") == "bold") == (centre == "true")
        assert token.get("fill") == ROLE_COLOURS[role][0]
    assert marked[2].get("data-role") is None and marked[8].get("data-role") is None  # 从, 本: unmarked
    legend = "".join(by_class(svg_tree(display.tree_svg(view)), "legend")[0].itertext())
    assert all(role in legend for role in ("subject", "predicate", "object", "participant", "centre word"))


def test_tree_svg_notes_ba_bei_negation_and_noun_phrases(rules):
    exp = rules.score("小明把门打开了", "门被小明打开了").details["explanation"]
    ba, bei = (svg_tree(display.tree_svg(v)) for v in exp["sentences"])
    assert "把 construction" in "".join(t.text for t in by_class(ba, "note"))
    assert "被 construction" in "".join(t.text for t in by_class(bei, "note"))
    assert "把 marker" in "".join(words(ba)[2].itertext())
    neg = rules.score("我不喜欢苹果", "他不是不喜欢苹果").details["explanation"]["sentences"]
    notes = ["".join(t.text for t in by_class(svg_tree(display.tree_svg(v)), "note")) for v in neg]
    assert "negation 不: negated" in notes[0] and "不是/不: cancels out" in notes[1]
    nominal = rules.score("花呗分期的手续费", "花呗分期手续费").details["explanation"]["sentences"][0]
    marked = words(svg_tree(display.tree_svg(nominal)))
    assert (marked[4].get("data-role"), marked[4].get("data-centre")) == ("phrase", "true")
    assert marked[1].get("data-role") == "phrase"


def test_user_text_is_escaped_everywhere():
    view = {"text": "<script>alert(1)</script>&", "tokens": ["<script>", "a&b", 'x"y'], "pos": ["n", "<i>", "v"],
            "heads": [0, 1, 1], "rels": ["HED", "ATT", "<b>"],
            "clauses": [{"components": {"predicate": {"centre": "<script>", "centre_index": 1, "modifier_indices": []}},
                         "participants": [], "negations": [], "construction": None, "notes": ["<img src=x>"]}]}
    text = display.tree_svg(view, title="<title>&")
    root = svg_tree(text)
    assert [t.text for t in by_class(root, "token")] == ["<script>", "a&b", 'x"y']
    assert "<b>" in [a.get("data-rel") for a in by_class(root, "arc")]
    assert "<script>" not in text and "<b>" not in text and "<i>" not in text
    analysis = {"source": "parse-only", "sentences": [view, view], "unavailable": "<b>no</b>"}
    page = display.standalone_html(display.explanation_html(
        {"score": 0.5, "scorer": "x<y", "details": {"<k>": "<v>"}, "warnings": ["<u>w</u>"]}, analysis), "<t>")
    parser = Tags()
    parser.feed(page)
    assert not {"script", "b", "i", "img", "u", "k", "v", "t", "y"} & set(parser.tags)
    assert html.escape("<script>alert(1)</script>&") in page
    svg_tree(display.pair_svg(analysis))


def test_long_sentences_grow_sideways_and_stack_arcs_without_overlap():
    rng = random.Random(7)
    n = 60
    heads = [0] * n
    root_index = rng.randrange(n)
    for i in range(n):  # a random tree: each token hangs on an earlier-placed token
        if i != root_index:
            heads[i] = rng.choice([j for j in range(n) if j != i and (j == root_index or heads[j] != 0 or j < i)]) + 1
    view = {"tokens": [f"词{i}" for i in range(n)], "pos": ["n"] * n, "heads": heads, "rels": ["ATT"] * n}
    root = svg_tree(display.tree_svg(view))
    assert float(root.get("width")) > 50 * n
    assert len(by_class(root, "arc")) == n - 1
    spans = {}
    for arc in by_class(root, "arc"):
        h, d = int(arc.get("data-head")), int(arc.get("data-dep"))
        top = float(arc.find(SVG + "rect").get("y"))
        spans.setdefault(top, []).append((min(h, d), max(h, d)))
    assert len(spans) > 1  # stacked
    for level in spans.values():  # arcs drawn at one height never overlap
        level.sort()
        assert all(a[1] <= b[0] for a, b in zip(level, level[1:]))


def test_a_malformed_view_is_a_clear_error():
    with pytest.raises(ValueError, match="same length"):
        display.tree_svg({"tokens": ["a", "b"], "pos": ["n"], "heads": [0, 1], "rels": ["HED", "ATT"]})
    with pytest.raises(ValueError, match="outside the sentence"):
        display.tree_svg({"tokens": ["a", "b"], "pos": ["n", "n"], "heads": [0, 3], "rels": ["HED", "ATT"]})


# -- analysis and HTML ------------------------------------------------------------------------------
def test_rules_explanation_html_shows_alignment_every_coefficient_and_formula(rules):
    result = rules.score("小明把门打开了", "门被小明打开了")
    analysis = display.PairAnalyser(rules).analyse("小明把门打开了", "门被小明打开了")
    exp = result.details["explanation"]
    assert analysis["source"] == "rules" and analysis["score"] == result.score and analysis["label"] == result.label
    assert analysis["sentences"] == exp["sentences"]
    page = display.explanation_html(result, analysis)
    assert page.count("<svg") == 2 and "Word comparison unavailable" not in page
    coefficients = [("K1", exp["K1"])] + [kv for c in exp["clauses"] for kv in c["coefficients"].items()]
    assert {name for name, _ in coefficients} >= {"K1", "K2", "K3", "K4", "ba_bei", "role_exchange"}
    for name, c in coefficients:
        assert html.escape(c["reason"]) in page, name
    assert re.search(r'<tr class="sc-fired"><th scope="row">ba_bei</th>.*?<td>fired</td>', page)
    assert html.escape(exp["formula"]) in page and "similar" in page
    assert "<caption>" in page and 'scope="col"' in page
    assert display.explanation_html(result.to_dict(), analysis) == page  # Result or its dict


def test_analysis_reuses_the_result_and_finds_a_rules_member(rules):
    result = rules.score("我喜欢苹果", "我不喜欢苹果")

    class Boom:
        def score(self, a, b):
            raise AssertionError("should not score again")

    analysis = display.PairAnalyser(Boom()).analyse("我喜欢苹果", "我不喜欢苹果", result)
    assert analysis["source"] == "rules" and analysis["score"] < 0
    ensemble = {"score": 0.3, "scorer": "ensemble", "label": 0, "threshold": 0.5,
                "details": {"config": "c", "combination": "mean", "members": {
                    "rules": {"raw": result.score, "calibrated": 0.1, "weight": 1.0, "details": result.details}}}}
    found = display.rules_analysis(ensemble)
    assert found["source"] == "rules" and found["score"] == result.score
    page = display.explanation_html(ensemble, found)
    assert "explanation is shown below" in page and html.escape(found["K1"]["reason"]) in page


def test_ensemble_members_rendered():
    from simcalc.ensemble import EnsembleScorer

    result = EnsembleScorer("lexical").score("怎么开通花呗", "花呗如何开通")
    page = display.explanation_html(result, None)
    details = result.details
    assert "Ensemble members" in page and "stacking" in page
    for name, member in details["members"].items():
        row = re.search(rf'<tr><th scope="row">{name}</th>(.*?)</tr>', page).group(1)
        cells = re.findall(r'<td class="sc-num">([^<]*)</td>', row)
        assert cells == [f"{member['raw']:.4f}", f"{member['calibrated']:.4f}", f"{member['weight']:.4f}",
                         f"{member['stack_coefficient']:.4f}"]
    for name in details.get("unused", []):
        assert name in page
    assert f"{result.score:.4f}" in page and f"at threshold {result.threshold:g}" in page


def test_parse_only_analysis_without_hownet(monkeypatch):
    for name in ("SIMCALC_DATA_DIR", "SIMCALC_LTP_MODEL", "SIMCALC_PARSER"):
        monkeypatch.delenv(name, raising=False)
    analyser = display.PairAnalyser()
    analysis = analyser.analyse("小明把门打开了", "门被小明打开了")
    assert analysis["source"] == "parse-only" and "not loaded" in analysis["unavailable"]
    assert [v["text"] for v in analysis["sentences"]] == ["小明把门打开了", "门被小明打开了"]
    for view in analysis["sentences"]:
        assert {"tokens", "pos", "heads", "rels", "clauses", "pattern"} <= set(view)
        comps = view["clauses"][0]["components"]
        assert view["tokens"][comps["predicate"]["centre_index"] - 1] == "打开"
        root = svg_tree(display.tree_svg(view))
        assert len(by_class(root, "token")) == len(view["tokens"])
    page = display.explanation_html({"score": 0.5, "scorer": "levenshtein"}, analysis)
    assert page.count("<svg") == 2 and "Word comparison unavailable" in page and "Coefficients" not in page
    # concurrent readers get the same answers as one reader
    pairs = [("小明把门打开了", "门被小明打开了"), ("我喜欢苹果", "我不喜欢苹果")] * 4
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda p: analyser.analyse(*p), pairs))
    assert parallel == [analyser.analyse(*p) for p in pairs]


@pytest.fixture
def no_rules(monkeypatch):
    """The CLI's drawing falls back to parse-only (no HowNet), quickly and whatever the environment."""
    real_get = registry.get

    def get(name, **options):
        if name == "rules":
            raise ResourceNotFoundError("HowNet glossary.dat not found (test)")
        return real_get(name, **options)

    monkeypatch.setattr(registry, "get", get)


def test_auto_falls_back_to_parse_only_saying_why(no_rules):
    analysis = display.PairAnalyser("auto").analyse("我喜欢苹果", "我讨厌苹果")
    assert analysis["source"] == "parse-only" and "glossary.dat not found" in analysis["unavailable"]


def test_standalone_html_inlines_the_packaged_stylesheet():
    css = display.stylesheet()
    assert ".sc-tree-scroll" in css and ":focus-visible" in css
    page = display.standalone_html("<p>x</p>", "t")
    assert page.startswith("<!DOCTYPE html>") and css in page and "<link" not in page


# -- CLI --------------------------------------------------------------------------------------------


def test_explain_writes_svg_and_html_and_leaves_stdout_alone(tmp_path, no_rules):
    from simcalc.cli import main

    runner = CliRunner()
    args = ["explain", "小明把门打开了", "门被小明打开了", "--scorer", "levenshtein"]
    plain = runner.invoke(main, args + ["--json"])
    svg, page = tmp_path / "t.svg", tmp_path / "t.html"
    drawn = runner.invoke(main, args + ["--json", "--svg", str(svg), "--html", str(page)])
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout == plain.stdout
    root = svg_tree(svg.read_text(encoding="utf-8"))
    assert len(by_class(root, "token")) >= 8 and len(by_class(root, "root")) == 2
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 2
    assert "levenshtein" in text and "glossary.dat not found (test)" in text
    assert not list(tmp_path.glob(".*.part"))


def test_explain_reports_a_file_it_cannot_write(tmp_path, no_rules):
    from simcalc.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["explain", "我喜欢苹果", "我讨厌苹果", "-s", "levenshtein",
                                       "--svg", str(blocker / "t.svg")])
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output


# -- shared data ------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_ba_bei_pair_with_the_rules_scorer(shared_data, tmp_path, monkeypatch):
    from simcalc.cli import main

    monkeypatch.setenv("SIMCALC_DATA_DIR", str(shared_data))
    page, svg = tmp_path / "t.html", tmp_path / "t.svg"
    result = CliRunner().invoke(main, ["explain", "小明把门打开了", "门被小明打开了", "--scorer", "rules",
                                       "--html", str(page), "--svg", str(svg)])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 2 and "Word comparison unavailable" not in text
    assert re.search(r'<th scope="row">ba_bei</th><td class="sc-num">—</td><td>fired</td>'
                     r'<td class="sc-reason">把/被 pair, agent', text)
    root = svg_tree(svg.read_text(encoding="utf-8"))
    marked = [(g.get("data-role"), "".join(by_class(g, "token")[0].itertext())) for g in by_class(root, "word")
              if g.get("data-centre") == "true"]
    assert marked == [("subject", "小明"), ("object", "门"), ("predicate", "打开"),
                      ("object", "门"), ("subject", "小明"), ("predicate", "打开")]
