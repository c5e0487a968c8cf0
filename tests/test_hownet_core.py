"""hownet_sim on hand-written fixture files in the real HowNet 2000 / Cilin formats (no shared data)."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from simcalc.hownet_sim import parse_def
from simcalc.hownet_sim.api import build_engine, render_word_similarity
from simcalc.hownet_sim.cilin import Cilin
from simcalc.hownet_sim.errors import LexiconFormatError
from simcalc.hownet_sim.lexicon import GlossaryLexicon
from simcalc.hownet_sim.similarity import ConceptSimilarity, LiuLiParams
from simcalc.hownet_sim.tree import SememeTree
from simcalc.hownet_sim.wsd import Disambiguator
from simcalc.errors import ResourceNotFoundError, SimcalcError

DATA = Path(__file__).parent / "fixtures" / "hownet" / "data"



def test_parse_def_four_parts():
    c = parse_def("place|地方,country|国家,ProperName|专,(Asia|亚洲),#(movie|电影),content=(x|叉),%AnimalHuman|动物")
    assert c.first == "place|地方"
    assert c.others == ("country|国家", "ProperName|专", "(Asia|亚洲)")
    assert c.relations == (("content", "(x|叉)"),)
    assert c.symbols == (("#", "(movie|电影)"), ("%", "AnimalHuman|动物"))
    f = parse_def("{ThirdPerson|他,male|男}")
    assert f.function_word and f.first == "ThirdPerson|他" and f.others == ("male|男",)
    for bad in ("", "{human|人", "human|人,,male|男", "role=", "human|人,(China|中国"):
        with pytest.raises(ValueError):
            parse_def(bad)


def test_alpha_formula_on_known_distances(lexicon):
    sim = ConceptSimilarity(lexicon.tree, LiuLiParams())
    assert lexicon.tree.distance("tall|高", "low|矮") == 2
    assert sim.sememe("tall|高", "low|矮") == pytest.approx(1.6 / (2 + 1.6))
    # tall → height → measurement → AttributeValue ← color ← red
    assert lexicon.tree.distance("tall|高", "red|红") == 5
    assert sim.sememe("tall|高", "red|红") == pytest.approx(1.6 / 6.6)
    assert lexicon.tree.path("tall|高", "red|红") == [
        "tall|高", "height|高度", "measurement|量度", "AttributeValue|属性和属性值", "color|颜色", "red|红"]
    # different trees: the configured distance (20), or 0 when it is None
    assert lexicon.tree.distance("tall|高", "human|人") is None
    assert sim.sememe("tall|高", "human|人") == pytest.approx(1.6 / 21.6)
    assert ConceptSimilarity(lexicon.tree, LiuLiParams(unrelated_distance=None)).sememe("tall|高", "human|人") == 0
    # concrete words and atoms
    assert sim.sememe("(Asia|亚洲)", "(Asia|亚洲)") == 1 and sim.sememe("(Asia|亚洲)", "(US|美国)") == 0
    assert sim.sememe("(Asia|亚洲)", "human|人") == pytest.approx(0.2)
    assert sim.sememe("China|中国", "US|美国") == pytest.approx(1.6 / 21.6)  # atoms: no path


def test_nearest_occurrence_of_repeated_sememe(lexicon):
    tree = lexicon.tree
    assert len(tree.ids_by_name["cause|原因"]) == 2
    assert tree.distance("cause|原因", "buy|买") == 2  # via the occurrence under act
    assert tree.distance("cause|原因", "male|男") == 2  # via the occurrence under SecondaryFeature


def test_concept_similarity_liu_li(lexicon):
    sim = ConceptSimilarity(lexicon.tree, LiuLiParams())
    tall, low = lexicon.senses("高", "ADJ")[0].concept, lexicon.senses("矮")[0].concept
    sim2 = (1 + 1.6 / 3.6) / 2
    expected = 0.5 * 1 + 0.2 * sim2 + 0.17 * sim2 + 0.13 * sim2  # empty relation/symbol parts score 1
    assert sim.concept(tall, low) == pytest.approx(expected)
    fw = lexicon.senses("和", "COOR")[0].concept
    assert sim.concept(fw, tall) == 0.0  # function word vs notional word
    assert sim.concept(fw, lexicon.senses("的")[0].concept) < 1


def test_word_similarity_and_antonyms(engine):
    assert engine.similarity("父亲", "爸爸") == pytest.approx(1.0)
    assert engine.similarity("父亲", "母亲") > 0.5
    assert engine.similarity("高楼", "高楼") == 1.0
    high_low = engine.report("高", "矮")
    assert high_low["score"] < 0 and high_low["antonym"]["rule"] == "sibling_values"
    assert high_low["score"] == pytest.approx(-high_low["similarity"])
    assert engine.report("买", "卖")["antonym"]["rule"] == "sememe_pair"
    assert engine.report("同意", "反对")["antonym"]["rule"] == "hypernym_pair"
    assert engine.report("聪明", "愚蠢")["antonym"]["rule"] == "sentiment"  # 3-valued scale: not siblings
    assert engine.similarity("聪明", "机灵") > 0  # same scale, no opposite polarity
    # listed words on a small scale (the fixture's colour has 3 values; HowNet's has 14, where 红/绿
    # stay a word_list pair): the list and the scale together decide
    assert engine.report("红", "绿")["antonym"]["rule"] == "sibling_values"
    assert engine.similarity("红", "蓝") > 0  # many-valued scale: not opposites
    unsigned = build_engine(engine.lexicon, DATA, signed=False)
    assert unsigned.similarity("高", "矮") == pytest.approx(-engine.similarity("高", "矮"))


def test_oov_chain_steps_are_reported(engine):
    assert engine.report("妈妈", "爸爸")["method"] == "cilin"  # 妈妈 is not in the glossary
    assert engine.report("妈妈", "爸爸")["antonym"]["rule"] == "word_list"
    flat = engine.report("手机", "座机")
    assert flat["method"] == "flat_sememes" and 0.2 < flat["score"] < 1
    chars = engine.report("高楼", "矮楼")
    assert chars["method"] == "characters"
    assert abs(chars["score"]) == pytest.approx((1 + abs(engine.similarity("高", "矮"))) / 2)
    # one differing character, 高/矮 opposite: the morpheme rule signs the characters step's score
    assert chars["score"] < 0 and chars["antonym"]["rule"] == "morpheme"
    nothing = engine.report("𠀀", "𠀁")
    assert nothing["method"] == "none" and nothing["score"] == 0
    assert [s["step"] for s in nothing["oov_chain"]] == [
        "identical", "hownet", "cilin", "flat_sememes", "characters"]
    text = render_word_similarity(engine.report("高", "矮"))
    assert "tall|高 → height|高度 → low|矮" in text and "-0.86" in text


def test_each_step_is_budget_bounded(lexicon):
    slow = build_engine(lexicon, DATA, step_budget=0)
    report = slow.report("高楼大厦", "矮楼小屋")
    assert {s["status"] for s in report["oov_chain"][1:]} <= {"budget exhausted", "not applicable"}
    assert any(s["status"] == "budget exhausted" for s in report["oov_chain"])
    assert report["method"] == "none"


def test_cilin_branch_order_on_demand_is_every_node_s_order():
    """Branch orders are worked out per node on first use: the same as counting every node up front."""
    from collections import defaultdict

    from simcalc.hownet_sim.index import open_resource
    from simcalc.hownet_sim.lexicon_index import read_cilin

    cilin = read_cilin(open_resource("cilin", None))  # the packaged index: ~17,800 codes
    prefix = (1, 2, 4, 5, 7)
    branches: dict[tuple[str, int], set[str]] = defaultdict(set)
    for code in cilin._codes:
        for lo, hi in zip(prefix, prefix[1:]):
            branches[code[:lo], hi].add(code[lo:hi])
    assert len(branches) > 5000
    for (parent, end), segs in branches.items():
        assert cilin.branch_order(parent, end) == {seg: i for i, seg in enumerate(sorted(segs))}, parent


def test_antonym_pair_lookup_without_the_set_answers_as_the_set():
    import random

    from simcalc.hownet_sim.index import open_resource
    from simcalc.hownet_sim.lexicon_index import LazyPairs

    index = open_resource("antonym_pairs", None)
    pairs = set(LazyPairs(index))  # iterating builds the two-way set
    assert len(pairs) == len(LazyPairs(index)) > 30000
    words = sorted({w for p in pairs for w in p})
    rng = random.Random(7)
    asked = sorted(pairs) + [(rng.choice(words), rng.choice(words)) for _ in range(20000)]
    asked += [("大", "大"), ("大",), (1, 2)]
    fresh = LazyPairs(index)
    assert [p in fresh for p in asked] == [p in pairs for p in asked]


def test_cilin_tian_zhao():
    cilin = Cilin.from_file(DATA / "cilin" / "cilin_ex.txt")
    assert cilin.similarity("父亲", "爸爸")[0] == 1.0
    assert cilin.similarity("汽车", "轿车")[0] == 0.5  # '#' related, not equal
    assert cilin.similarity("父亲", "汽车")[0] == pytest.approx(0.1)
    # differ at level 5 under Aa01A, which has 2 branches at distance 1
    assert cilin.similarity("父亲", "妈妈")[0] == pytest.approx(0.96 * math.cos(2 * math.pi / 180) * 2 / 2)
    assert cilin.similarity("父亲", "火星") is None


def test_wsd_by_pos_and_collocation(lexicon):
    wsd = Disambiguator(lexicon, ConceptSimilarity(lexicon.tree))
    play, ball = wsd(["打", "篮球"], ["v", "n"])
    assert play.sense.concept.first == "exercise|锻练" and play.reason == "collocation"
    assert ball.sense.concept.first == "fact|事情"
    buy, _ = wsd(["打", "酱油"], ["v", "n"])  # no sememe of 酱油 is closer to one verb sense than the other
    assert buy.reason == "no collocation evidence: first sense" and buy.sense.concept.first == "buy|买"
    prep = wsd(["打", "北京"], ["p", "ns"])[0]
    assert prep.sense.concept.function_word and prep.reason == "only sense with this POS"
    conj = wsd(["他", "和", "我"], ["r", "c", "r"])[1]
    assert conj.sense.concept.raw == "{and|和}"
    missing = wsd(["火星"], ["n"])[0]
    assert missing.sense is None and missing.reason == "not in lexicon"
    with pytest.raises(ValueError):
        wsd(["打"], [])


def test_malformed_lines_are_reported_with_line_numbers(tmp_path):
    hownet = tmp_path / "hownet"
    hownet.mkdir()
    (hownet / "whole.dat").write_text((DATA / "hownet" / "whole.dat").read_text(encoding="utf-8"), encoding="utf-8")
    (hownet / "glossary.dat").write_text(
        "父亲\tN\thuman|人,family|家\n坏行\tN\n好\tADJ\taValue|属性值,(China|中国\n母亲\tN\thuman|人\n",
        encoding="utf-8")
    with pytest.raises(LexiconFormatError) as err:
        GlossaryLexicon.load(tmp_path, use_cache=False, strict=True)
    assert "line 2" in str(err.value) and "line 3" in str(err.value) and isinstance(err.value, SimcalcError)
    lenient = GlossaryLexicon.load(tmp_path, use_cache=False)
    assert [n for n, _ in lenient.problems] == [2, 3] and "母亲" in lenient
    (hownet / "whole.dat").write_text("    0  event|事件   0\n    1  broken\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="line 2"):
        SememeTree.from_whole_dat(hownet / "whole.dat")
    (tmp_path / "cilin.txt").write_text("Aa01A01= 人\nXYZ 坏\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="line 2"):
        Cilin.from_file(tmp_path / "cilin.txt")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ResourceNotFoundError, match="glossary.dat"):
        GlossaryLexicon.load(tmp_path)


def test_index_cache_is_reused_and_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(tmp_path / "cache"))
    first = GlossaryLexicon.load(DATA)
    assert first.cache_file is not None and first.cache_file.exists()
    second = GlossaryLexicon.load(DATA)
    assert second.cache_file == first.cache_file
    assert second.senses("高", "ADJ")[0].concept == first.senses("高", "ADJ")[0].concept
    assert len(second) == len(first)
    copy = tmp_path / "copy" / "hownet"
    copy.mkdir(parents=True)
    for name in ("whole.dat", "glossary.dat"):
        (copy / name).write_text((DATA / "hownet" / name).read_text(encoding="utf-8"), encoding="utf-8")
    with open(copy / "glossary.dat", "a", encoding="utf-8") as handle:
        handle.write("新词\tN\thuman|人\n")
    third = GlossaryLexicon.load(copy.parent)
    assert third.cache_file != first.cache_file and "新词" in third


def test_import_is_light():
    code = "import hownet_sim, sys; print(any(m in sys.modules for m in ('torch', 'gensim', 'ltp', 'OpenHowNet')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compiled_and_tabulated_paths_match_the_reference(lexicon):
    engine = build_engine(lexicon, DATA)
    reference = ConceptSimilarity(lexicon.tree, LiuLiParams())
    n = len(lexicon.concepts)
    lazy = {(i, j): engine.compiled.similarity(i, j) for i in range(n) for j in range(n)}
    engine.warm_up()
    for (i, j), value in lazy.items():
        expected = reference.concept(lexicon.concepts[i], lexicon.concepts[j])
        assert value == pytest.approx(expected, abs=1e-12)
        assert engine.compiled.similarity(i, j) == pytest.approx(expected, abs=1e-12)
    assert engine.similarity("高", "矮") < 0 and engine.similarity("父亲", "爸爸") == pytest.approx(1.0)


def test_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(tmp_path / "cache"))
    first = GlossaryLexicon.load(DATA)
    good = first.cache_file.read_bytes()
    del first  # the index is memory-mapped: let it go before overwriting the file
    for broken in (b"{not an index", good[:-40], good[:-40] + bytes(b ^ 0xFF for b in good[-40:])):
        cache_file = GlossaryLexicon.load(DATA).cache_file
        cache_file.write_bytes(broken)
        again = GlossaryLexicon.load(DATA)
        assert again.senses("父亲")[0].concept.first == "human|人"
        assert again.cache_file.read_bytes() == good


def test_public_api_validates_words():
    from simcalc import hownet_sim
    from simcalc.errors import InvalidTextError

    assert hownet_sim.word_similarity(" 高 ", "矮", data_dir=DATA) < 0
    report = hownet_sim.word_similarity_report("父亲", "爸爸", data_dir=DATA)
    assert report["score"] == pytest.approx(1.0) and report["method"] == "hownet"
    for bad in (None, "", "  ", "。，", 5):
        with pytest.raises(InvalidTextError):
            hownet_sim.word_similarity(bad, "高", data_dir=DATA)  # type: ignore[arg-type]
    with pytest.raises(InvalidTextError):
        hownet_sim.disambiguate(["高"], [], data_dir=DATA)
    choices = hownet_sim.disambiguate(["打", "篮球"], ["v", "n"], data_dir=DATA)
    assert choices[0].to_dict()["def"] == "exercise|锻练,sport|体育"


def test_word_list_never_overrides_a_shared_concept(lexicon, tmp_path):
    data = tmp_path / "data"
    for rel in ("hownet/whole.dat", "hownet/glossary.dat", "cilin/cilin_ex.txt"):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text((DATA / rel).read_text(encoding="utf-8"), encoding="utf-8")
    (data / "cilin" / "antonym_pairs_yaleimeng.txt").write_text("父亲@爸爸\n爸爸@父亲\n红@绿\n", encoding="utf-8")
    engine = build_engine(lexicon, data)
    assert engine.similarity("父亲", "爸爸") == pytest.approx(1.0)  # same DEF: the list is wrong
    assert engine.report("父亲", "爸爸")["antonym"] is None
    assert engine.similarity("红", "绿") < 0


def test_compiled_concepts_give_each_sememe_one_code_under_threads():
    """The server scores from several threads: two threads meeting a new sememe at once must not
    hand out one code for two names (the code → name table decides every similarity)."""
    import threading
    import time

    from simcalc.hownet_sim.fast import CompiledConcepts

    class SlowList(list):  # a thread switch between reading the size and appending, every time
        def __len__(self) -> int:
            time.sleep(0.001)
            return super().__len__()

    class Concept:
        function_word = True

        def __init__(self, names):
            self.names = names

        def all_sememes(self):
            return self.names

    class Sim:
        class params:
            beta, delta = (0.5, 0.2, 0.17, 0.13), 0.2

    concepts = [Concept([f"a{i}", f"b{i}"]) for i in range(20)] + [Concept([f"b{i}", f"a{i}"]) for i in range(20)]
    compiled = CompiledConcepts(Sim(), concepts)
    compiled._names = SlowList(compiled._names)
    threads = [threading.Thread(target=lambda k=k: [compiled.compiled(i) for i in range(k * 20, k * 20 + 20)])
               for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(compiled._names[code] == name for name, code in compiled._codes.items())
    assert len(compiled._names) == len(compiled._codes) == 41
