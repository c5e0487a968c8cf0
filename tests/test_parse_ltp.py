"""The LTP backend on a tiny random-weight model that the test builds in LTP's own format.

Checks that ``ltp.LTP(local_dir)`` really loads the folder and that the pipeline output (words,
POS, ``{'head': [...], 'label': [...]}``) becomes valid ``Parse`` objects. Not accuracy: the weights
are random.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("ltp")
sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "parse"))
from tiny_ltp import LTP_DEP, LTP_POS, build_tiny_ltp  # noqa: E402

from simcalc.rules.parse import Parse, ParserUnavailableError, backend_status, get_parser  # noqa: E402
from simcalc.rules.parse.ltp_backend import LTPParser, resolve_model  # noqa: E402

TEXTS = ["我把苹果吃了", "北京是中国的首都。", "他说:hello world 2024!", "我"]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    chars = "".join(TEXTS) + "abcdefghijklmnopqrstuvwxyz0123456789,.!?:;。，？！😀"
    return build_tiny_ltp(tmp_path_factory.mktemp("ltp") / "tiny", chars)


@pytest.fixture(scope="module")
def ltp_parser(tiny_dir) -> LTPParser:
    return LTPParser(tiny_dir)


def _check(parse: Parse) -> None:
    n = len(parse.tokens)
    assert n >= 1 and len(parse.pos) == len(parse.heads) == len(parse.rels) == n
    assert parse.backend == "ltp"
    assert set(parse.pos) <= set(LTP_POS)
    assert set(parse.rels) <= set(LTP_DEP)
    assert parse.heads.count(0) == 1  # LTP's Eisner decoder gives one projective tree
    assert parse.rels[parse.root - 1] == "HED"


def test_loads_the_local_folder(tiny_dir, ltp_parser):
    assert {"cws", "pos", "dep"} <= set(ltp_parser.ltp.supported_tasks)
    assert ltp_parser.ltp.dep_vocab == LTP_DEP
    assert ltp_parser.describe()["model"] == str(tiny_dir)


def test_raw_text_segmented_by_ltp(ltp_parser):
    parses = ltp_parser.parse_batch(TEXTS)
    assert len(parses) == len(TEXTS)
    for text, parse in zip(TEXTS, parses):
        _check(parse)
        # LTP's words cover the (normalised) text exactly
        assert "".join(parse.tokens).replace(" ", "") == text.lower().replace(" ", "")


def test_pretokenised_input_keeps_the_tokens(ltp_parser):
    tokens = ["北京", "是", "中国", "的", "首都"]
    parse = ltp_parser.parse_tokens(tokens)
    _check(parse)
    assert parse.tokens == tokens
    batch = ltp_parser.parse_tokens_batch([tokens, ["我"]])
    assert [p.tokens for p in batch] == [tokens, ["我"]]
    assert batch[1].heads == [0]


def test_long_input_is_bounded(ltp_parser):
    start = time.time()
    parse = ltp_parser.parse("我把苹果吃了" * 300)
    assert time.time() - start < 60
    _check(parse)
    assert any("truncated" in w for w in parse.warnings)
    assert len("".join(parse.tokens)) <= 500


def test_selection_prefers_a_local_ltp_model(tiny_dir, monkeypatch):
    monkeypatch.setenv("SIMCALC_LTP_MODEL", str(tiny_dir))
    status = backend_status()
    assert status["active"] == "ltp" and str(tiny_dir) in status["reason"]
    parser = get_parser("ltp")
    assert parser.name == "ltp"


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("SIMCALC_LTP_MODEL", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    folder, why = resolve_model("LTP/small")
    assert folder is None and "SIMCALC_LTP_MODEL" in why
    with pytest.raises(ParserUnavailableError, match="lacks"):
        LTPParser(tmp_path)  # an empty folder
    with pytest.raises(ParserUnavailableError):
        LTPParser(str(tmp_path / "nope"))
    status = backend_status("ltp")
    assert status["active"] is None and "unavailable" in status["reason"]


def test_user_dictionary_words_reach_ltp(tiny_dir, tmp_path):
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("苹果吃 5 n\n", encoding="utf-8")
    parser = LTPParser(tiny_dir, user_dict=user_dict)
    assert "苹果吃" in parser.parse("我把苹果吃了").tokens  # LTP's hook merges dictionary words


def test_auto_falls_back_when_the_ltp_folder_is_broken(tmp_path, monkeypatch):
    from simcalc.rules.parse import select
    from simcalc.rules.parse.embedded.parser import model_available

    if not model_available():
        pytest.skip("data/parser weights not present in this checkout")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    (broken / "pytorch_model.bin").write_bytes(b"")
    monkeypatch.setenv("SIMCALC_LTP_MODEL", str(broken))
    monkeypatch.setattr(select, "_cache", {})
    assert backend_status()["active"] == "ltp"  # files are there ...
    assert get_parser("auto").name == "embedded"  # ... but loading fails, so auto falls back
    with pytest.raises(ParserUnavailableError, match="could not load"):
        get_parser("ltp")


def test_hub_cache_is_consulted_only_where_the_model_could_be(tmp_path):
    """No hub cache folder for the model: decided without importing huggingface_hub (cold start); a cached
    snapshot with the weights is still found through it."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "SIMCALC_LTP_MODEL")}
    env["HF_HOME"] = str(tmp_path / "hf")
    code = ("import sys\nfrom simcalc.rules.parse.ltp_backend import resolve_model\n"
            "folder, why = resolve_model('LTP/small')\n"
            "print(folder, '|', why, '|', 'huggingface_hub' in sys.modules)\n")

    def run() -> list[str]:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).parent.parent, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        return [part.strip() for part in done.stdout.strip().splitlines()[-1].split("|")]

    folder, why, imported = run()
    assert folder == "None" and "SIMCALC_LTP_MODEL" in why and imported == "False"
    pytest.importorskip("huggingface_hub")
    snapshot = tmp_path / "hf" / "hub" / "models--LTP--small" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (snapshot / "pytorch_model.bin").write_bytes(b"")
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("abc")
    folder, why, imported = run()
    assert folder == str(snapshot) and "hub cache" in why and imported == "True"
