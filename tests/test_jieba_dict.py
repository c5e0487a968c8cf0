"""jieba's dictionary is loaded once per process and shared; private tokenizers never leak added words."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("jieba")

from simcalc.jieba_dict import base_tokenizer, private_tokenizer  # noqa: E402


def test_private_tokenizer_cuts_like_the_base_and_keeps_its_words_to_itself():
    text = "微粒贷怎么开通借款功能"
    mine = private_tokenizer()
    assert mine.lcut(text) == base_tokenizer().lcut(text)
    mine.add_word("开通借款功能", 10 ** 7)
    assert "开通借款功能" in mine.lcut(text)
    assert "开通借款功能" not in base_tokenizer().lcut(text) and "开通借款功能" not in private_tokenizer().lcut(text)


def test_the_default_engine_loads_the_dictionary_once():
    code = ("import jieba\n"
            "loads = []\n"
            "original = jieba.Tokenizer.initialize\n"
            "def counting(self, *a, **k):\n"
            "    if not self.initialized:\n"
            "        loads.append(1)\n"
            "    return original(self, *a, **k)\n"
            "jieba.Tokenizer.initialize = counting\n"
            "import simcalc\n"
            "simcalc.Engine().compare('怎么开通花呗', '花呗如何开通')\n"
            "print(len(loads))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "1"
