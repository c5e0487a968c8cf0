import pytest

from simcalc.errors import InvalidTextError
from simcalc.text import MAX_CHARS, content_chars, normalize, prepare


@pytest.mark.parametrize("bad, reason", [
    (None, "None"), (42, "must be a string"), ("", "empty"), ("   \t\n", "empty"),
    ("\x00\x07\u200b", "empty"), ("？！。，…", "only punctuation"), ("?!...", "only punctuation"),
])
def test_unscorable_text_raises_clear_error(bad, reason):
    with pytest.raises(InvalidTextError, match=reason):
        prepare(bad)


def test_normalisation_folds_width_case_controls_and_spaces():
    assert normalize("\ufeff怎么\u200b开通\x07ＡＢＣ？  花呗\t") == "怎么开通abc?花呗"  # a space beside 花 is dropped


def test_emoji_and_non_chinese_are_content():
    assert prepare("😀").text == "😀"
    assert prepare("How are you?").text == "how are you?"
    assert content_chars("花呗，好用吗？😀") == "花呗好用吗😀"


def test_long_text_is_cut_and_says_so():
    prepared = prepare("好" * (MAX_CHARS + 5))
    assert len(prepared.text) == MAX_CHARS
    assert prepared.truncated
    assert "truncated from 1005" in prepared.warnings[0]


def test_traditional_characters_become_simplified():
    assert normalize("為什麼給我降低額度") == "为什么给我降低额度"
    assert normalize("怎麼知道我是否開通花唄了") == "怎么知道我是否开通花呗了"


def test_simplified_text_is_never_changed():
    # characters that are also simplified words' characters stay (著名, 乾隆), and normalising twice is
    # normalising once: nothing the table produces is converted again
    assert normalize("著名的乾隆皇帝在哪里") == "著名的乾隆皇帝在哪里"
    from simcalc.text import _t2s_table

    produced = "".join(sorted({chr(v) for v in _t2s_table().values()}))
    assert produced and normalize(produced) == produced.lower()


def test_missing_table_keeps_text_and_warns(monkeypatch, caplog):
    import simcalc.text as text
    from simcalc.errors import ResourceNotFoundError

    def missing(_relative):
        raise ResourceNotFoundError("gone")

    monkeypatch.setattr("simcalc.resources.project_data_path", missing)
    text._t2s_table.cache_clear()
    try:
        assert text.normalize("為什麼") == "為什麼"
        assert "traditional" in caplog.text
    finally:
        text._t2s_table.cache_clear()
