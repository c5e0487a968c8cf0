"""OpenHowNetLexicon on a tiny resource set written here in OpenHowNet's own formats.

The pickles are written by this test (plain dicts of str), so the package's loader unpickles only
files we made; no real OpenHowNet data is needed or downloaded.
"""
from __future__ import annotations

import pickle

import pytest

pytest.importorskip("OpenHowNet")
pytest.importorskip("anytree")

from simcalc.hownet_sim.api import build_engine  # noqa: E402
from simcalc.hownet_sim.openhownet import OpenHowNetLexicon  # noqa: E402
from simcalc.errors import ResourceNotFoundError  # noqa: E402

SEMEMES = {"human|人": 9, "family|家": 3, "male|男": 3, "female|女": 2, "AttributeValue|属性值": 5,
           "HeightValue|高度值": 2, "high|高": 1, "low|低": 1, "entity|实体": 1, "thing|万物": 1}
TRIPLES = [
    ("human|人", "hypernym", "thing|万物"), ("thing|万物", "hypernym", "entity|实体"),
    ("family|家", "hypernym", "entity|实体"), ("male|男", "hypernym", "entity|实体"),
    ("female|女", "hypernym", "entity|实体"),
    ("HeightValue|高度值", "hypernym", "AttributeValue|属性值"),
    ("high|高", "hypernym", "HeightValue|高度值"), ("low|低", "hypernym", "HeightValue|高度值"),
    ("high|高", "antonym", "low|低"), ("low|低", "antonym", "high|高"),
    ("male|男", "antonym", "female|女"), ("female|女", "antonym", "male|男"),
]
SENSES = [
    ("父亲", "father", "noun", "{human|人:belong={family|家},modifier={male|男}}"),
    ("爸爸", "dad", "noun", "{human|人:belong={family|家},modifier={male|男}}"),
    ("母亲", "mother", "noun", "{human|人:belong={family|家},modifier={female|女}}"),
    ("高", "tall", "adj", "{HeightValue|高度值:{high|高}}"),
    ("低", "low", "adj", "{HeightValue|高度值:{low|低}}"),
]


def write_resources(folder):
    res = folder / "resources"
    res.mkdir(parents=True)
    with open(res / "sememe_all", "wb") as handle:
        pickle.dump(SEMEMES, handle)
    (res / "sememe_triples_taxonomy.txt").write_text(
        "".join(f"{h} {r} {t}\n" for h, r, t in TRIPLES), encoding="utf-8")
    senses = {f"{i:06d}": {"No": f"{i:06d}", "en_word": en, "en_grammar": pos, "ch_word": zh,
                           "ch_grammar": pos, "Def": kdml}
              for i, (zh, en, pos, kdml) in enumerate(SENSES, 1)}
    with open(res / "HowNet_dict_complete", "wb") as handle:
        pickle.dump(senses, handle)
    return folder


def test_adapter_reads_openhownet_formats(tmp_path):
    lex = OpenHowNetLexicon.load(write_resources(tmp_path / "ohn"))
    father = lex.senses("父亲")
    assert len(father) == 1 and father[0].pos == "N"
    concept = father[0].concept
    assert concept.first == "human|人"
    assert concept.relations == (("belong", "family|家"), ("modifier", "male|男"))
    assert lex.senses("高", "ADJ")[0].concept.others == ("high|高",)
    assert lex.tree.distance("high|高", "low|低") == 2
    assert lex.sememe_relations()[("high|高", "low|低")] == "antonym"


def test_adapter_feeds_the_same_similarity(tmp_path):
    lex = OpenHowNetLexicon.load(write_resources(tmp_path / "ohn"))
    engine = build_engine(lex, tmp_path / "no-extra-data")
    assert engine.similarity("父亲", "爸爸") == pytest.approx(1.0)
    report = engine.report("高", "低")
    assert report["score"] < 0 and report["antonym"]["rule"] == "sememe_pair"
    assert engine.report("父亲", "母亲")["antonym"]["sememes"] == ["male|男", "female|女"]


def test_missing_resource_is_named(tmp_path):
    folder = write_resources(tmp_path / "ohn")
    (folder / "resources" / "HowNet_dict_complete").unlink()
    with pytest.raises(ResourceNotFoundError, match="HowNet_dict_complete"):
        OpenHowNetLexicon.load(folder)
