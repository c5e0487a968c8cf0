"""Inference without torch: the numpy forward passes give the torch models' scores, trees and words.

torch is the training framework; the shipped parser and segmenter run in numpy (rules/parse/embedded/
numpy_net.py). The comparisons skip when torch is not installed; the no-torch checks run everywhere.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simcalc.rules.parse.conllu import read_conllu
from simcalc.rules.parse.embedded.decode import decode_batch, decode_tree
from simcalc.numpy_nn import load_safetensors
from simcalc.rules.parse.embedded.numpy_net import ParserNet, log_softmax
from simcalc.rules.parse.embedded.parser import EmbeddedParser, model_available
from simcalc.rules.parse.gold import read_question_gold
from simcalc.resources import project_data_path

ROOT = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "parse" / "gsd_style.conllu"
QUESTIONS = ["怎么开通花呗", "花呗如何开通", "我的微粒贷额度怎么提升？", "为什么我的借呗不能用了", "他是不是已经还款了呢",
             "这个手机多少钱", "请问怎么把银行卡解绑", "小明把门打开了", "北京是中国的首都。", "好", "吗", "我我我我我我我我",
             "你好吗，我很好呢。", "2019年12月的账单什么时候出来", "ABC公司的iPhone怎么样"]
shipped = pytest.mark.skipif(not model_available(), reason="shipped parser weights missing")


def _sentences() -> list[list[str]]:
    """Token lists of varied length: hand-written trees, shipped question gold set, a long one."""
    sents = [s.tokens for s in read_conllu(FIXTURE, simplify=False)]
    sents += [q.tokens for q in read_question_gold(project_data_path("parser/questions_gold.conllu"))][:60]
    sents.append(["我", "的", "银行卡", "，"] * 20)
    return [list(s) for s in sents]


def _torch_parser(folder: Path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    from simcalc.rules.parse.embedded.model import BiaffineParser, ModelConfig

    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    model = BiaffineParser(ModelConfig(**meta["config"]))
    model.load_state_dict({k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()})
    return torch, model.eval()


def _torch_reference(torch, model, vocabs, sentences):
    """Scores and trees the way inference ran under torch: [(arc log-probs, tags, rels, heads), ...]."""
    from simcalc.rules.parse.embedded.model import pad_batch

    torch.set_num_threads(1)
    words, chars = pad_batch([vocabs.encode_tokens(s) for s in sentences])
    with torch.inference_mode():
        h = model.encode(words, chars)
        s_arc = model.arc_scores(h, words.ne(0))
        s_tag = model.tag_out(h)
        heads = torch.zeros_like(words)
        log_arc = s_arc.log_softmax(-1).numpy()
        for b, s in enumerate(sentences):
            heads[b, 1: len(s) + 1] = torch.tensor(decode_tree(log_arc[b, : len(s) + 1, : len(s) + 1]))
        s_rel = model.rel_scores_for(h, heads)
    return s_arc.numpy(), s_tag.numpy(), s_rel.numpy(), heads.numpy(), words.numpy(), chars.numpy()


@shipped
@pytest.mark.parametrize("name", ["parser/model.safetensors", "models/mgf-bq/model.safetensors"])  # fp32, fp16
def test_safetensors_reader_matches_the_library(name):
    st = pytest.importorskip("safetensors.numpy")
    path = project_data_path(name)
    ours, theirs = load_safetensors(path), st.load_file(str(path))
    assert ours.keys() == theirs.keys()
    for k in ours:
        assert ours[k].dtype == np.float32 and np.array_equal(ours[k], theirs[k].astype(np.float32)), k


def test_safetensors_reader_reads_bfloat16_and_float32(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    values = torch.tensor([[1.5, -2.25], [3.0e3, 0.0]])
    save_file({"a": values.to(torch.bfloat16), "b": values}, str(tmp_path / "x.safetensors"))
    got = load_safetensors(tmp_path / "x.safetensors")
    assert np.array_equal(got["a"], values.to(torch.bfloat16).float().numpy())
    assert np.array_equal(got["b"], values.numpy())


@shipped
def test_numpy_parser_gives_the_torch_scores_and_trees():
    """Logits within 1e-4 and the same heads, tags and relations as the torch model, on the shipped model."""
    folder = project_data_path("parser/model.json").parent
    torch, model = _torch_parser(folder)
    parser = EmbeddedParser(folder)
    sentences = _sentences()
    s_arc, s_tag, s_rel, heads, words, chars = _torch_reference(torch, model, parser.vocabs, sentences)
    lengths = (words != 0).sum(1)
    x = parser.net.embed(words.reshape(-1), chars.reshape(-1, chars.shape[-1])).reshape(*words.shape, -1)
    h = parser.net.encode_embedded(x, lengths)
    arc = parser.net.arc_scores(h, lengths)
    assert np.array_equal(np.isfinite(arc), np.isfinite(s_arc))
    real = np.isfinite(s_arc) & (words != 0)[:, :, None]
    assert np.abs(arc[real] - s_arc[real]).max() < 1e-4
    mask = words != 0
    assert np.abs(parser.net.tag_scores(h, lengths)[mask] - s_tag[mask]).max() < 1e-4
    assert np.abs(parser.net.rel_scores_for(h, heads, lengths)[mask] - s_rel[mask]).max() < 1e-4
    assert np.array_equal(decode_batch(log_softmax(arc), lengths), heads)
    # and end to end: what the parser returns is the torch model's decoded output
    tags, rels = parser.vocabs.tags.items, parser.vocabs.rels.items
    for b, (s, (xpos, got_heads, got_rels)) in enumerate(zip(sentences, parser.parse_ud(sentences))):
        n = len(s) + 1
        assert got_heads == heads[b, 1:n].tolist()
        assert xpos == [tags[t] for t in (s_tag[b, 1:n, 1:].argmax(-1) + 1)]
        assert got_rels == [rels[r] for r in (s_rel[b, 1:n, 1:].argmax(-1) + 1)]


def test_numpy_parser_matches_torch_for_other_shapes(tmp_path):
    """A randomly initialised one-layer model of other sizes (as the training tests export)."""
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    from simcalc.rules.parse.embedded.model import BiaffineParser, ModelConfig, pad_batch

    torch.manual_seed(0)
    model = BiaffineParser(ModelConfig(30, 20, 6, 5, word_dim=8, char_dim=6, char_out=10, hidden=12, layers=1,
                                       arc_dim=7, rel_dim=5)).eval()
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.5)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "m.safetensors"))
    net = ParserNet(load_safetensors(tmp_path / "m.safetensors"))
    gen = torch.Generator().manual_seed(1)
    lengths = torch.tensor([7, 3, 1, 5])
    words = torch.randint(3, 30, (4, 7), generator=gen) * (torch.arange(7) < lengths[:, None])
    chars = torch.randint(0, 20, (4, 7, 4), generator=gen) * (words != 0)[:, :, None]
    with torch.inference_mode():
        h = model.encode(words, chars)
        s_arc = model.arc_scores(h, words.ne(0)).numpy()
        heads = torch.randint(0, 7, (4, 7), generator=gen) % lengths[:, None]  # heads inside the sentence
        s_rel = model.rel_scores_for(h, heads).numpy()
    w, c = words.numpy(), chars.numpy()
    x = net.embed(w.reshape(-1), c.reshape(-1, 4)).reshape(4, 7, -1)
    hn = net.encode_embedded(x, lengths.numpy())
    mask = w != 0
    assert np.abs(hn[mask] - h.numpy()[mask]).max() < 1e-4
    real = np.isfinite(s_arc) & mask[:, :, None]
    assert np.abs(net.arc_scores(hn, lengths.numpy())[real] - s_arc[real]).max() < 1e-4
    assert np.abs(net.rel_scores_for(hn, heads.numpy(), lengths.numpy())[mask] - s_rel[mask]).max() < 1e-4
    assert pad_batch  # the training-side padding stays importable next to the numpy path


def test_batched_decoding_equals_the_per_sentence_decoder():
    """Greedy trees are accepted in bulk; everything else (cycles, several roots) goes through decode_tree."""
    rng = np.random.default_rng(0)
    checked = 0
    for trial in range(120):
        length = int(rng.integers(2, 16))
        lengths = rng.integers(2, length + 1, size=12)
        scores = rng.normal(size=(12, length, length)).astype(np.float32) * (4 if trial % 2 else 0.3)
        scores[np.broadcast_to(np.arange(length)[None, None, :] >= lengths[:, None, None], scores.shape)] = -np.inf
        scores = log_softmax(scores)
        heads = decode_batch(scores, lengths)
        for b, n in enumerate(lengths):
            assert heads[b, 1:n].tolist() == decode_tree(scores[b, :n, :n])
            assert not heads[b, n:].any() and heads[b, 0] == 0
            checked += 1
    assert checked == 120 * 12


@shipped
def test_numpy_segmenter_gives_the_torch_scores_and_words():
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    from simcalc.rules.parse.embedded.segmenter import SegConfig, TrainedSegmenter, build_network, featurize, pad

    seg = TrainedSegmenter()
    folder = project_data_path("parser/segmenter.json").parent
    meta = json.loads((folder / "segmenter.json").read_text(encoding="utf-8"))
    net = build_network(SegConfig(**meta["config"]))
    net.load_state_dict({k: v.float() for k, v in load_file(str(folder / "segmenter.safetensors")).items()})
    net.eval()
    freq = seg.jieba.frequencies
    texts = QUESTIONS + ["".join(s) for s in _sentences()[:30]]
    feats = [featurize(t, seg.vocab, lambda t: seg.jieba._tokenizer.cut(t, HMM=True), lambda w: freq.get(w, 0) > 0)
             for t in texts]
    x = pad(feats)
    with torch.inference_mode():
        want = net(*[torch.from_numpy(a) for a in x]).numpy()
    got = seg.net(*x)
    mask = x[0] != 0
    assert np.abs(got[mask] - want[mask]).max() < 1e-4
    from simcalc.rules.parse.embedded.segmenter import viterbi, words_from_tags

    paths = viterbi(log_softmax(want), mask.sum(1))
    assert seg.cut_many(texts) == [words_from_tags(t, paths[b, : len(t)].tolist()) for b, t in enumerate(texts)]


@shipped
def test_parsing_and_the_rules_scorer_never_import_torch():
    """`simcalc compare --scorer rules` and raw-text parsing run with torch (and the safetensors package)
    made unimportable."""
    code = ("import sys; sys.modules['torch'] = None; sys.modules['safetensors'] = None\n"
            "from simcalc.rules.parse.embedded.parser import EmbeddedParser\n"
            "p = EmbeddedParser(); t = p.parse('怎么开通花呗'); assert t.heads.count(0) == 1\n"
            "from simcalc.rules.scorer import RulesScorer\n"
            "print(RulesScorer().score('怎么开通花呗', '花呗如何开通'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    cli = subprocess.run([sys.executable, "-X", "importtime", "-m", "simcalc.cli", "compare", "怎么开通花呗", "花呗如何开通",
                          "--scorer", "rules"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert cli.returncode == 0, cli.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in cli.stderr.splitlines() if line.startswith("import time:")}
    assert "simcalc.rules.parse.embedded.parser" in imported
    assert not {m for m in imported if m == "torch" or m.startswith("torch.")}


def test_length_batches_cover_every_sentence_within_bounds():
    from simcalc.numpy_nn import length_batches

    lengths = [((i * 37) % 50) + 1 for i in range(500)] + [400]
    batches = length_batches(lengths, max_sentences=64, max_tokens=1024)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 64
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 1024
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)  # similar lengths together: little padding


@shipped
def test_concurrent_parsing_with_a_small_feature_cache(monkeypatch):
    """Threads share the parser; the word-vector cache may be cleared by one while another reads it."""
    from concurrent.futures import ThreadPoolExecutor

    from simcalc.rules.parse.embedded import parser as module

    parser = EmbeddedParser()
    sentences = _sentences()
    want = parser.parse_ud(sentences)
    monkeypatch.setattr(module, "FEATURE_CACHE", 8)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda k: parser.parse_ud(sentences[k::3]), [0, 1, 2] * 4))
    for k, out in zip([0, 1, 2] * 4, got):
        assert out == want[k::3]
