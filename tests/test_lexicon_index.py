"""The compiled lexicon indexes: the container format, where each resource comes from, and that the
packaged files are exactly what the builder makes from the shared data (so they cannot drift)."""
from __future__ import annotations

from pathlib import Path

import pytest

from simcalc.hownet_sim import index as ix
from simcalc.hownet_sim.api import build_engine
from simcalc.hownet_sim.lexicon import GlossaryLexicon
from simcalc.resources import project_data_path

FIXTURES = Path(__file__).parent / "fixtures" / "hownet" / "data"
NAMES = ("hownet2000", "cilin", "flat", "antonym_pairs", "sentiment")


def test_container_round_trip_and_damage_is_detected(tmp_path):
    w = ix.IndexWriter("demo", {"note": "词"})
    w.strings("words", ["高", "", "BP机", "a b"])
    w.strings("none", [])
    w.smallest_ints("small", [0, 255])
    w.smallest_ints("big", [0, 70_000, 2**31])
    blob = w.to_bytes()
    assert blob == w.to_bytes()  # deterministic
    path = tmp_path / "demo.idx"
    path.write_bytes(blob)
    index = ix.IndexFile.open(path)
    assert index.meta["note"] == "词" and index.meta["kind"] == "demo"
    assert index.strings("words") == ["高", "", "BP机", "a b"] and index.strings("none") == []
    assert list(index.ints("small")) == [0, 255] and list(index.ints("big")) == [0, 70_000, 2**31]
    with pytest.raises(ValueError, match="newline"):
        w.strings("bad", ["a\nb"])
    flipped = bytearray(blob)
    flipped[-8] ^= 0xFF  # inside the last section (the 4 bytes after it are padding)
    damaged = ix.IndexFile(bytes(flipped), "damaged")
    with pytest.raises(ix.IndexFormatError, match="corrupt"):
        damaged.verify()
    for bad, why in ((b"nonsense", "bad magic"), (blob[:-20], "truncated"),
                     (blob.replace(b'"format":1', b'"format":9'), "format 9")):
        with pytest.raises(ix.IndexFormatError, match=why):
            ix.IndexFile(bad, "bad")


def test_ragged_map_decodes_rows_on_demand():
    w = ix.IndexWriter("demo")
    ix.ragged(w, "rows", {"甲": [3, 1], "乙": [], "丙": [2]})
    index = ix.IndexFile(w.to_bytes(), "demo")
    rows = ix.read_ragged(index, "rows", list)
    assert dict(rows) == {"甲": [3, 1], "乙": [], "丙": [2]} and list(rows) == ["甲", "乙", "丙"]
    assert "乙" in rows and "丁" not in rows and rows.get("丁") is None and len(rows) == 3


def test_every_resource_ships_with_the_package():
    for name in NAMES:
        index = ix.IndexFile.open(project_data_path(f"lexicon/{name}.idx"))
        index.verify()
        assert index.meta["kind"] == name and index.meta["sources"]


def test_without_a_data_folder_the_packaged_lexicon_is_used(monkeypatch):
    monkeypatch.delenv("SIMCALC_DATA_DIR", raising=False)
    lexicon = GlossaryLexicon.load()
    assert Path(lexicon.source) == project_data_path("lexicon/hownet2000.idx")
    assert len(lexicon) == 53_335 and lexicon.cache_file is None
    engine = build_engine(lexicon)
    assert engine.similarity("父亲", "爸爸") == pytest.approx(1.0)
    assert engine.similarity("高", "矮") < 0 and engine.similarity("大", "小") < 0
    assert engine.report("花呗", "开通")["method"] in ("cilin", "flat_sememes", "characters")
    assert engine.cilin is not None and engine.flat is not None and "人士" in engine.cilin
    for name in NAMES:
        assert ix.where(name) == "packaged index"


def test_data_folder_overrides_the_packaged_index(monkeypatch, tmp_path):
    monkeypatch.setenv("SIMCALC_DATA_DIR", str(FIXTURES))
    from_env = GlossaryLexicon.load()
    assert len(from_env) < 1000 and from_env.cache_file is not None  # the fixture glossary, compiled and cached
    assert ix.where("hownet2000") == str(FIXTURES / "hownet")
    assert ix.where("cilin") == str(FIXTURES / "cilin") and ix.where("flat") == str(FIXTURES / "hownet")
    # an explicit folder wins over the variable, and is never mixed with the packaged data
    only_glossary = tmp_path / "hownet"
    only_glossary.mkdir()
    for name in ("glossary.dat", "whole.dat"):
        (only_glossary / name).write_bytes((FIXTURES / "hownet" / name).read_bytes())
    engine = build_engine(GlossaryLexicon.load(tmp_path), tmp_path)
    assert engine.cilin is None and engine.flat is None and not engine.antonyms.word_pairs
    # a variable naming a folder without HowNet files falls back to the package
    monkeypatch.setenv("SIMCALC_DATA_DIR", str(tmp_path / "nothing"))
    assert len(GlossaryLexicon.load()) == 53_335


def test_a_missing_explicit_folder_is_a_clear_error(tmp_path):
    from simcalc.errors import ResourceNotFoundError

    with pytest.raises(ResourceNotFoundError, match="glossary.dat and whole.dat not found"):
        GlossaryLexicon.load(tmp_path)


@pytest.mark.shared_data
@pytest.mark.slow
def test_packaged_index_is_what_the_builder_makes(shared_data, tmp_path):
    """Rebuild every index from SIMCALC_DATA_DIR: the committed files must be byte-identical."""
    from simcalc.hownet_sim.build_index import build_all

    build_all(shared_data, tmp_path)
    for name in NAMES:
        built = (tmp_path / f"{name}.idx").read_bytes()
        shipped = project_data_path(f"lexicon/{name}.idx").read_bytes()
        assert built == shipped, (f"data/lexicon/{name}.idx differs from what the builder makes from the shared "
                                  f"data: python -m simcalc.hownet_sim.build_index --data ../shared/data --out data/lexicon/")


@pytest.mark.shared_data
@pytest.mark.slow
def test_packaged_resources_equal_the_text_readers(shared_data, monkeypatch):
    """What the loaders rebuild from the index equals what the text readers give, word for word."""
    from simcalc.hownet_sim.antonym import read_sentiment, read_word_pairs
    from simcalc.hownet_sim.cilin import Cilin
    from simcalc.hownet_sim.flat import FlatSememes
    from simcalc.hownet_sim.lexicon import read_glossary, read_sememe_relations
    from simcalc.hownet_sim.lexicon_index import SENTIMENT_NEGATIVE, SENTIMENT_POSITIVE
    from simcalc.hownet_sim.tree import SememeTree

    monkeypatch.delenv("SIMCALC_DATA_DIR")
    packaged = build_engine(GlossaryLexicon.load())
    lexicon = packaged.lexicon
    concepts, entries, _ = read_glossary(shared_data / "hownet" / "glossary.dat")
    assert list(lexicon.words()) == list(entries)
    assert all(lexicon.entries[w] == rows for w, rows in entries.items())
    assert [c.raw for c in lexicon.concepts] == [c.raw for c in concepts] and list(lexicon.concepts) == concepts
    tree = SememeTree.from_whole_dat(shared_data / "hownet" / "whole.dat")
    assert lexicon.tree.names == tree.names and lexicon.tree.parents == tree.parents
    assert lexicon.sememe_relations() == read_sememe_relations(shared_data / "hownet" / "antonym_converse_whole2000.tsv")
    cilin = Cilin.from_file(shared_data / "cilin" / "cilin_ex.txt")
    assert dict(packaged.cilin.codes) == cilin.codes and packaged.cilin._codes == cilin._codes
    flat = FlatSememes.from_file(shared_data / "hownet" / "word_sememes_flat.tsv", tree)
    assert dict(packaged.flat.sememes) == flat.sememes
    assert set(packaged.antonyms.word_pairs) == read_word_pairs(shared_data / "cilin" / "antonym_pairs_yaleimeng.txt")
    assert len(packaged.antonyms.word_pairs) == len(set(packaged.antonyms.word_pairs))
    assert packaged.antonyms.positive == read_sentiment([shared_data / p for p in SENTIMENT_POSITIVE])
    assert packaged.antonyms.negative == read_sentiment([shared_data / p for p in SENTIMENT_NEGATIVE])
