"""The embedded biaffine parser: training entry point, loading, decoding and bad input.

A tiny model is trained here on the hand-written fixture trees (seconds, one thread); the shipped
model in data/parser is checked on the sentences the issue names.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from simcalc.errors import InvalidTextError, SimcalcError
from simcalc.text import normalize

from simcalc.rules.parse import LTP_LABELS, Parse, ParserUnavailableError, get_parser, render_parse
from simcalc.rules.parse.embedded.parser import EmbeddedParser, model_available

FIXTURE = Path(__file__).parent / "fixtures" / "parse" / "gsd_style.conllu"
LONG = "我把苹果吃了，他说北京是中国的首都。" * 60  # 1,080 characters


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    import torch

    from simcalc.rules.parse.embedded import train

    threads = torch.get_num_threads()
    out = tmp_path_factory.mktemp("embedded")
    train.main(["--train-file", str(FIXTURE), "--dev-file", str(FIXTURE), "--out", str(out / "run"),
                "--export", str(out / "model"), "--epochs", "40", "--hidden", "32", "--layers", "1",
                "--max-tokens", "200", "--minutes", "1", "--patience", "40"])
    torch.set_num_threads(threads)
    return out / "model"


@pytest.fixture(scope="module")
def tiny(tiny_model) -> EmbeddedParser:
    return EmbeddedParser(tiny_model)


def _valid(parse: Parse) -> None:
    assert parse.backend == "embedded"
    assert parse.heads.count(0) == 1
    assert parse.rels[parse.root - 1] == "HED"
    assert set(parse.rels) <= set(LTP_LABELS)


def test_training_exports_a_loadable_model(tiny_model, tiny):
    from simcalc.rules.parse import Parser

    assert isinstance(tiny, Parser)
    meta = json.loads((tiny_model / "model.json").read_text(encoding="utf-8"))
    assert meta["format"] == "simcalc-biaffine-1" and meta["dev"]["las"] >= 0
    assert (tiny_model / "model.safetensors").stat().st_size < 2_000_000
    assert "aux:caus" in tiny.vocabs.rels.items


def test_tiny_model_learns_its_training_trees(tiny):
    """40 epochs on ten trees: the training sentences themselves must come back mostly right."""
    parse = tiny.parse_tokens(["我", "把", "苹果", "吃", "了", "。"])
    _valid(parse)
    assert parse.tokens[parse.root - 1] == "吃"


def test_resume_continues_from_the_last_checkpoint(tiny_model, caplog):
    import torch

    from simcalc.rules.parse.embedded import train

    run = tiny_model.parent / "run"
    epoch = torch.load(run / "last.pt", weights_only=False)["epoch"]
    with caplog.at_level("INFO"):
        train.main(["--train-file", str(FIXTURE), "--dev-file", str(FIXTURE), "--out", str(run),
                    "--epochs", str(epoch + 1), "--resume", "--max-tokens", "200"])
    assert f"resumed at epoch {epoch + 1}" in caplog.text


@pytest.mark.parametrize("text", [
    "好", "苹果", "今天天气很好，我们去公园吧，然后去吃饭。", "iPhone 15 Pro 售价 7999 元", "我爱你😀😀",
    "   我\t把  苹果\n吃了  ", "？？他来了！！",
])
def test_odd_inputs_give_valid_trees(tiny, text):
    parse = tiny.parse(text)
    _valid(parse)
    assert "".join(parse.tokens) == normalize(text).replace(" ", "")  # every character kept, in order


@pytest.mark.parametrize("text", ["", "   ", "。，！？", "...", None, 42])
def test_unparseable_text_is_a_clear_error(tiny, text):
    with pytest.raises(InvalidTextError):
        tiny.parse(text)


def test_bad_token_lists(tiny):
    with pytest.raises(InvalidTextError):
        tiny.parse_tokens([])
    with pytest.raises(InvalidTextError):
        tiny.parse_tokens(["", "  "])
    with pytest.raises(InvalidTextError):
        tiny.parse_tokens("我把苹果吃了")
    with pytest.raises(InvalidTextError):
        tiny.parse_batch("我把苹果吃了")


def test_long_text_is_truncated_in_bounded_time(tiny):
    start = time.time()
    parse = tiny.parse(LONG)
    assert time.time() - start < 30
    _valid(parse)
    assert any("truncated from 1080 to 1000" in w for w in parse.warnings)
    many = tiny.parse_tokens(["我"] * 2000)
    assert len(many) == 512 and any("512 tokens" in w for w in many.warnings)


@pytest.mark.parametrize("segmenter", ["jieba", "trained"])
def test_user_dictionary_changes_segmentation(tiny_model, tmp_path, segmenter):
    plain = EmbeddedParser(tiny_model, segmenter=segmenter)
    assert "微粒贷" not in plain.parse("怎么开通微粒贷").tokens
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("微粒贷 100 n\n", encoding="utf-8")
    with_dict = EmbeddedParser(tiny_model, user_dict=user_dict, segmenter=segmenter)
    assert "微粒贷" in with_dict.parse("怎么开通微粒贷").tokens


def test_missing_weights_are_a_clear_error(tmp_path):
    assert not model_available(tmp_path)
    with pytest.raises(ParserUnavailableError, match="retrain"):
        EmbeddedParser(tmp_path)


def test_unknown_parser_name():
    with pytest.raises(SimcalcError, match="choose one of"):
        get_parser("spacy")


def test_importing_rules_parse_does_not_import_torch():
    import subprocess

    code = "import sys, rules.parse; rules.parse.backend_status(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the shipped model -------------------------------------------------------------------------------
shipped = pytest.mark.skipif(not model_available(), reason="data/parser weights not present in this checkout")


@pytest.fixture(scope="module")
def embedded() -> EmbeddedParser:
    return EmbeddedParser()


@shipped
@pytest.mark.parametrize("text, head", [("我把苹果吃了", "吃"), ("北京是中国的首都", "是")])
def test_shipped_model_finds_the_predicate(embedded, text, head):
    parse = embedded.parse(text)
    _valid(parse)
    assert parse.tokens[parse.root - 1] == head


@shipped
def test_shipped_model_ba_and_copula_structure(embedded):
    ba = embedded.parse("我把苹果吃了")
    by_token = dict(zip(ba.tokens, zip(ba.rels, ba.heads)))
    assert by_token["我"] == ("SBV", 4) and by_token["把"] == ("ADV", 4) and by_token["苹果"] == ("POB", 2)
    cop = embedded.parse("北京是中国的首都")
    by_token = dict(zip(cop.tokens, zip(cop.rels, cop.heads)))
    assert by_token["北京"] == ("SBV", 2) and by_token["首都"] == ("VOB", 2)
    assert "HED 是" in render_parse(cop)


@shipped
def test_shipped_model_on_the_question_gold_set(embedded):
    """The shipped (GSD-only) weights with the question root repair on the question gold set: 76.8 / 65.0 /
    73.2 (HED / subject / object) with the set's words, 65.9 / 58.2 on jieba's (73.2 / 65.0 / 70.0 and 63.2 /
    57.3 without the repair); floors a sentence or two below, so a retrained model or a repair that loses on
    questions fails here (MODEL_CARD.md)."""
    from simcalc.resources import project_data_path
    from simcalc.rules.parse.gold import read_question_gold, score_questions
    from simcalc.rules.parse.segment import default_segmenter

    gold = read_question_gold(project_data_path("parser/questions_gold.conllu"))
    own = score_questions(gold, embedded.parse_tokens_batch([q.tokens for q in gold]))
    assert own["HED"] >= 75.5 and own["SBV"] >= 64.0 and own["VOB"] >= 72.0
    cut = default_segmenter(None)
    jieba = score_questions(gold, embedded.parse_tokens_batch([[w for w in cut(q.text) if w.strip()] for q in gold]))
    assert jieba["HED"] >= 64.5 and jieba["SBV"] >= 57.0


@shipped
def test_shipped_model_bad_inputs(embedded):
    for text in ["好", "苹果和香蕉", "iPhone 15 售价 7999 元", "😀", "你好吗？我很好！他呢？"]:
        _valid(embedded.parse(text))
    start = time.time()
    _valid(embedded.parse(LONG))
    assert time.time() - start < 30


def test_relation_scores_for_chosen_heads_match_the_full_tensor():
    """Inference scores relations only for the decoded heads; it must equal the training-time tensor."""
    import torch

    from simcalc.rules.parse.embedded.model import BiaffineParser, ModelConfig

    torch.manual_seed(0)
    model = BiaffineParser(ModelConfig(12, 12, 5, 7, hidden=8, layers=1, arc_dim=4, rel_dim=3)).eval()
    torch.nn.init.normal_(model.rel_attn.weight)
    words, chars = torch.randint(3, 12, (2, 6)), torch.randint(3, 12, (2, 6, 3))
    _, s_rel, _ = model(words, chars)
    heads = torch.randint(0, 6, (2, 6))
    chosen = model.rel_scores_for(model.encode(words, chars), heads)
    full = s_rel.gather(2, heads[:, :, None, None].expand(-1, -1, 1, 7)).squeeze(2)
    assert torch.allclose(chosen, full, atol=1e-5)


def test_config_override_and_explicit_choice(monkeypatch, tiny_model):
    from simcalc.rules.parse import backend_status

    monkeypatch.setenv("SIMCALC_PARSER", "embedded")
    monkeypatch.delenv("SIMCALC_LTP_MODEL", raising=False)
    assert backend_status()["requested"] == "embedded"
    assert backend_status("auto")["requested"] == "auto"  # --parser beats the environment
    monkeypatch.setenv("SIMCALC_PARSER", "nonsense")
    with pytest.raises(SimcalcError, match="choose one of"):
        backend_status()
    parser = get_parser("embedded", model_dir=tiny_model)
    assert parser.name == "embedded" and get_parser("embedded", model_dir=tiny_model) is parser


@pytest.mark.parametrize("tokens, heads, rels, want_heads, want_rels", [
    # 我们 去 公园 吧: the model made 吧 the object with 公园 under it
    (["我们", "去", "公园", "吧"], [2, 0, 4, 2], ["nsubj", "root", "nmod", "dobj"],
     [2, 0, 2, 2], ["nsubj", "root", "dobj", "discourse"]),
    # 你 好 吗 ， 我 很 好 呢 。: each particle goes to its own clause's predicate
    (["你", "好", "吗", "，", "我", "很", "好", "呢", "。"], [2, 7, 2, 7, 7, 7, 0, 7, 7],
     ["nsubj", "dep", "dobj", "punct", "nsubj", "advmod", "root", "dobj", "punct"],
     [2, 7, 2, 7, 7, 7, 0, 7, 7], ["nsubj", "dep", "discourse", "punct", "nsubj", "advmod", "root", "discourse", "punct"]),
    # 吗 as the root: its dependent inherits the root
    (["好", "吗"], [2, 0], ["nsubj", "root"], [0, 1], ["root", "discourse"]),
    # not clause-final: untouched
    (["吗", "啡"], [0, 1], ["root", "dep"], [0, 1], ["root", "dep"]),
])
def test_clause_final_particles_become_adjuncts(tokens, heads, rels, want_heads, want_rels):
    from simcalc.rules.parse.embedded.parser import attach_final_particles

    xpos = ["NN"] * len(tokens)
    attach_final_particles(tokens, heads, rels, xpos)
    assert heads == want_heads and rels == want_rels
    Parse(tokens, ["x"] * len(tokens), heads, ["ATT"] * len(tokens))  # still a tree


def test_parsing_needs_no_opencc():
    """OpenCC is a training extra: a plain install parses (simplified and traditional text) without it."""
    import subprocess

    code = ("import sys; sys.modules['opencc'] = None\n"
            "from simcalc.rules.parse.embedded.parser import EmbeddedParser\n"
            "p = EmbeddedParser()\n"
            "a, b = p.parse('小明把门打开了'), p.parse('小明把門打開了')\n"
            "assert a.heads == b.heads and a.rels == b.rels, (a, b)\n"
            "assert 'opencc' not in sys.modules or sys.modules['opencc'] is None\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]


def test_treebank_reading_without_opencc_is_a_clear_error(monkeypatch):
    from simcalc.rules.parse import conllu

    monkeypatch.setitem(sys.modules, "opencc", None)
    conllu._t2s.cache_clear()
    conllu.to_simplified.cache_clear()
    try:
        with pytest.raises(SimcalcError, match="simcalc\\[train\\]"):
            conllu.to_simplified("國家")
    finally:
        conllu._t2s.cache_clear()
        conllu.to_simplified.cache_clear()


def test_long_pieces_join_into_one_tree():
    from simcalc.rules.parse.embedded.parser import join_pieces, split_pieces

    tokens = (["我"] * 50 + ["，"]) * 5 + ["好"] * 130
    spans = split_pieces(tokens, limit=96)
    assert spans[0][0] == 0 and spans[-1][1] == len(tokens)
    assert all(b - a <= 96 for a, b in spans) and all(s[1] == t[0] for s, t in zip(spans, spans[1:]))
    assert tokens[spans[0][1] - 1] == "，"  # cut after punctuation when there is one
    pieces = [(["NN"] * (b - a), [0] + [1] * (b - a - 1), ["root"] + ["dep"] * (b - a - 1)) for a, b in spans]
    _, heads, rels = join_pieces(pieces)
    assert len(heads) == len(tokens) and heads.count(0) == 1 and rels.count("parataxis") == len(spans) - 1


@pytest.mark.parametrize("text", ["我" * 512, "的" * 512, "啊，" * 256, "1" * 512, "北京" * 256])
def test_memory_per_sentence_is_bounded(text):
    """Issue 18.5: any 512-character text costs at most 150 MB more than a short sentence (peak RSS)."""
    import subprocess

    code = ("import resource, sys\n"
            "from simcalc.rules.parse.embedded.parser import EmbeddedParser\n"
            "p = EmbeddedParser(); p.parse('小明把门打开了')\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "parse = p.parse(sys.argv[1])\n"
            "assert parse.heads.count(0) == 1\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)\n")
    done = subprocess.run([sys.executable, "-c", code, text], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent.parent, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip().splitlines()[-1]) <= 150
