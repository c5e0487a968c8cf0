"""jieba's dictionary is loaded once per process, fast, and shared; it is exactly jieba's own table (same
words, frequencies, order and total), so segmentation is jieba's; private tokenizers never leak added words."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

jieba = pytest.importorskip("jieba")

from simcalc import jieba_dict  # noqa: E402
from simcalc.jieba_dict import base_tokenizer, private_tokenizer, read_table, write_table  # noqa: E402

BANKING = Path(__file__).resolve().parent.parent / "data" / "userdicts" / "banking.txt"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A tokenizer that loaded jieba's dictionary jieba's own way (its marshal cache in a folder of its own)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(tmp_path_factory.mktemp("jieba-own"))
    tokenizer.initialize()
    return tokenizer


def test_private_tokenizer_cuts_like_the_base_and_keeps_its_words_to_itself():
    text = "微粒贷怎么开通借款功能"
    mine = private_tokenizer()
    assert mine.lcut(text) == base_tokenizer().lcut(text)
    mine.add_word("开通借款功能", 10 ** 7)
    assert "开通借款功能" in mine.lcut(text)
    assert "开通借款功能" not in base_tokenizer().lcut(text) and "开通借款功能" not in private_tokenizer().lcut(text)
    assert "开通借款功能" not in base_tokenizer().FREQ and "开通借款功能" not in jieba.dt.FREQ


def test_the_table_is_jiebas_own(reference):
    base = base_tokenizer()
    assert base.total == reference.total
    assert base.FREQ == reference.FREQ
    assert list(base.FREQ) == list(reference.FREQ)  # same insertion order, too


def test_table_file_round_trip_and_damage(tmp_path):
    freq = {"花": 10, "花呗": 2000, "开": 0, "开通": 70000, "a+b": 1, "é": 3}
    path = tmp_path / "t.bin"
    write_table(path, freq, 72014)
    table, total = read_table(path)
    assert table == freq and list(table) == list(freq) and total == 72014
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ValueError):
        read_table(path)
    path.write_bytes(b"something else")
    with pytest.raises(ValueError):
        read_table(path)


def test_a_damaged_cached_table_is_rebuilt(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(tmp_path))
    tokenizer = jieba.Tokenizer()
    path = jieba_dict._table_files(Path(tokenizer.get_dict_file().name))[0]
    path.parent.mkdir(parents=True)
    path.write_bytes(b"simcalc-jieba-prefix-1\n" + b"\0" * 30)
    freq, total = jieba_dict.load_table(tokenizer)
    assert "rebuilding" in caplog.text
    assert total == base_tokenizer().total and freq == base_tokenizer().FREQ
    assert read_table(path)[1] == total  # and written again


def test_an_unwritable_cache_folder_keeps_the_table_in_the_temp_folder(tmp_path, monkeypatch):
    import tempfile

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SIMCALC_CACHE_DIR", str(blocker / "cache"))  # mkdir fails under a file
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    freq, total = jieba_dict.load_table(jieba.Tokenizer())
    assert total == base_tokenizer().total and len(list((tmp_path / "tmp").glob("simcalc-jieba-*/prefix-*.bin"))) == 1

    def no_rebuild(*args):
        raise AssertionError("the table was rebuilt instead of read from the temp folder")

    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", staticmethod(no_rebuild))
    assert jieba_dict.load_table(jieba.Tokenizer()) == (freq, total)


def _sentences(root: Path, limit: int) -> list[str]:
    out: list[str] = []
    for rel in ("bq_corpus/dev.tsv", "lcqmc/dev.tsv"):
        with open(root / rel, encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)
            for row in rows:
                out += row[:2]
                if len(out) >= limit * (1 + (rel != "bq_corpus/dev.tsv")):
                    break
    return out


def test_segmentation_is_jiebas_on_real_questions(shared_data, reference, tmp_path):
    sentences = _sentences(shared_data, 3000) + ["iPhone 12怎么用花呗分期？", "我想开通借呗 可以吗", "a.b-c_d 100%"]
    base = base_tokenizer()
    for text in sentences:
        assert base.lcut(text) == reference.lcut(text), text
        assert base.lcut(text, HMM=False) == reference.lcut(text, HMM=False), text
        assert base.lcut_for_search(text) == reference.lcut_for_search(text), text
    # with user dictionaries: the shipped one (frequencies given) and one with words jieba must size itself
    own = tmp_path / "own.txt"
    own.write_text("开通借款功能\n花呗分期 nz\n微粒贷额度 5\n借呗 0\n", encoding="utf-8")
    for user_dict in (BANKING, own):
        mine, theirs = private_tokenizer(), jieba.Tokenizer()
        theirs.tmp_dir = reference.tmp_dir
        theirs.initialize()
        mine.load_userdict(str(user_dict))
        theirs.load_userdict(str(user_dict))
        assert mine.FREQ == theirs.FREQ and mine.total == theirs.total
        for text in sentences:
            assert mine.lcut(text) == theirs.lcut(text), (user_dict.name, text)
    assert base.FREQ == reference.FREQ  # the user words stayed private


def test_the_default_engine_loads_the_dictionary_once_and_never_by_jieba():
    code = ("import jieba\n"
            "from simcalc import jieba_dict\n"
            "loads, own = [], []\n"
            "load_table, initialize = jieba_dict.load_table, jieba.Tokenizer.initialize\n"
            "def counting(tokenizer):\n"
            "    loads.append(1)\n"
            "    return load_table(tokenizer)\n"
            "def jiebas(self, *a, **k):\n"
            "    own.append(1)\n"
            "    return initialize(self, *a, **k)\n"
            "jieba_dict.load_table, jieba.Tokenizer.initialize = counting, jiebas\n"
            "import simcalc\n"
            "simcalc.Engine().compare('怎么开通花呗', '花呗如何开通')\n"
            "print(len(loads), len(own))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["1", "0"]
