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
    assert normalize("\ufeff怎么\u200b开通\x07ＡＢＣ？  花呗\t") == "怎么开通abc? 花呗"


def test_emoji_and_non_chinese_are_content():
    assert prepare("😀").text == "😀"
    assert prepare("How are you?").text == "how are you?"
    assert content_chars("花呗，好用吗？😀") == "花呗好用吗😀"


def test_long_text_is_cut_and_says_so():
    prepared = prepare("好" * (MAX_CHARS + 5))
    assert len(prepared.text) == MAX_CHARS
    assert prepared.truncated
    assert "truncated from 1005" in prepared.warnings[0]
