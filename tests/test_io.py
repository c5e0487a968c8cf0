import json

import pytest

import simcalc
from simcalc.batch import score_file
from simcalc.errors import InputFormatError
from simcalc.io import PairReader, PairWriter, count_lines


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def scorer():
    return simcalc.get_scorer("levenshtein")


def test_tsv_is_read_without_quoting_and_header_is_detected(tmp_path):
    path = write(tmp_path / "p.tsv", 'sentence1\tsentence2\tlabel\n他说"你好\t"你好"\t1\n')
    reader = PairReader(path)
    rows = list(reader)
    assert reader.header == ["sentence1", "sentence2", "label"] and reader.has_label
    assert (rows[0].sentence1, rows[0].sentence2, rows[0].label) == ('他说"你好', '"你好"', "1")
    assert rows[0].line_no == 2


def test_headerless_file_uses_first_two_columns(tmp_path):
    path = write(tmp_path / "p.tsv", "你好\t您好\n再见\t拜拜\n")
    rows = list(PairReader(path))
    assert [r.sentence1 for r in rows] == ["你好", "再见"]
    assert all(r.label is None for r in rows)


def test_columns_by_name_and_number(tmp_path):
    path = write(tmp_path / "p.csv", 'id,q1,q2,y\n7,"你好,朋友",您好,1\n')
    row = next(iter(PairReader(path, columns="q1,q2,y")))
    assert (row.sentence1, row.sentence2, row.label) == ("你好,朋友", "您好", "1")
    row = next(iter(PairReader(path, columns="2,3")))
    assert row.sentence1 == "你好,朋友"
    with pytest.raises(InputFormatError, match="column 'nope' not found"):
        next(iter(PairReader(path, columns="nope,q2")))


def test_bom_and_gbk(tmp_path):
    bom = write(tmp_path / "bom.tsv", "sentence1\tsentence2\n你好\t您好\n", encoding="utf-8-sig")
    assert next(iter(PairReader(bom))).sentence1 == "你好"
    assert next(iter(PairReader(bom, encoding="utf-8-sig"))).sentence1 == "你好"
    gbk = write(tmp_path / "gbk.tsv", "sentence1\tsentence2\n怎么开通花呗\t花呗如何开通\n", encoding="gbk")
    assert next(iter(PairReader(gbk, encoding="gbk"))).sentence2 == "花呗如何开通"
    bad = next(iter(PairReader(gbk)))  # read as UTF-8: an error row, not a crash
    assert bad.error.startswith("line 2: bytes that are not valid utf-8")


def test_unknown_encoding_is_a_clear_error(tmp_path):
    path = write(tmp_path / "p.tsv", "a\tb\n")
    with pytest.raises(InputFormatError, match="unknown encoding"):
        PairReader(path, encoding="klingon")


def test_jsonl_rows_and_bad_lines(tmp_path):
    lines = [json.dumps({"text_a": "你好", "text_b": "您好", "label": 1}, ensure_ascii=False),
             "{not json", json.dumps({"text_a": "你好"}, ensure_ascii=False), "[1, 2]"]
    rows = list(PairReader(write(tmp_path / "p.jsonl", "\n".join(lines) + "\n")))
    assert rows[0].sentence2 == "您好" and rows[0].label == "1"
    assert rows[1].error.startswith("line 2: invalid JSON")
    assert rows[2].error == "line 3: missing key(s) text_b"
    assert rows[3].error == "line 4: expected a JSON object"


def test_score_file_keeps_order_columns_and_reports_bad_rows(tmp_path, scorer):
    data = ("sentence1\tsentence2\tlabel\n"
            "你好\t你好\t1\n"
            "only-one-field\n"
            "\t您好\t0\n"
            "？？\t您好\t0\n"
            "\n"
            "再见\t拜拜\t0\textra\n"
            "花呗\t借呗\t0\n")
    src = write(tmp_path / "in.tsv", data)
    out = tmp_path / "out.tsv"
    summary = score_file(src, out, scorer, progress=False, batch_size=2)
    assert summary == {**summary, "rows": 7, "scored": 2, "errors": 5}
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["sentence1", "sentence2", "label", "score", "prediction", "error", "warning", "verdict"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == ["你好", "only-one-field", "", "？？", "", "再见", "花呗"]
    assert rows[0][3:] == ["1.000000", "1", "", "", "similar"]
    assert rows[1][5] == "line 3: expected 3 columns, found 1"
    assert rows[2][5] == "line 4: sentence1 is empty (or only whitespace/control characters)"
    assert rows[3][5] == "line 5: sentence1 has only punctuation; there is nothing to compare"
    assert rows[4][5] == "line 6: blank line"
    assert rows[5][5].startswith("line 7: expected 3 columns, found 4") and '"extra"' in rows[5][5]
    assert rows[6][3] != ""


def test_output_format_follows_extension(tmp_path, scorer):
    src = write(tmp_path / "in.tsv", "sentence1\tsentence2\n你好\t您好\n")
    out = tmp_path / "out.jsonl"
    score_file(src, out, scorer, progress=False)
    obj = json.loads(out.read_text(encoding="utf-8"))
    assert obj["sentence1"] == "你好" and obj["sentence2"] == "您好"
    assert 0 <= obj["score"] <= 1 and obj["error"] is None and obj["warning"] is None


def test_interrupted_write_leaves_no_file(tmp_path):
    out = tmp_path / "out.tsv"
    with pytest.raises(RuntimeError):
        with PairWriter(out, "tsv", with_prediction=False) as writer:
            writer._out.write("partial\n")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_count_lines_without_trailing_newline(tmp_path):
    assert count_lines(write(tmp_path / "a.tsv", "a\nb")) == 2
    assert count_lines(write(tmp_path / "b.tsv", "a\nb\n")) == 2


def test_tfidf_file_scoring_fits_on_the_file(tmp_path):
    src = write(tmp_path / "in.tsv", "sentence1\tsentence2\n怎么开通花呗\t花呗如何开通\n借呗\t借呗\n")
    scorer = simcalc.registry.create("tfidf")
    summary = score_file(src, tmp_path / "o.tsv", scorer, progress=False)
    assert summary["scored"] == 2 and not scorer.is_fitted  # the file's statistics stay with the file
    lines = (tmp_path / "o.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("sentence1\tsentence2\tscore")  # header not mistaken for data on the 2nd pass
    assert len(lines) == 3


@pytest.mark.shared_data
def test_bq_test_with_an_injected_bad_row_streams_in_order(shared_data, tmp_path, scorer):
    lines = (shared_data / "bq_corpus" / "test.tsv").read_text(encoding="utf-8").splitlines()
    lines.insert(5001, "这一行只有一列")  # a malformed row in the middle
    src = tmp_path / "bq.tsv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    summary = score_file(src, out, scorer, progress=False)
    assert summary["rows"] == 10001 and summary["errors"] == 1
    written = out.read_text(encoding="utf-8").splitlines()
    assert len(written) == 10002
    for original, scored in zip(lines[1:], written[1:]):
        assert scored.split("\t")[0] == original.split("\t")[0]
    error_column = written[0].split("\t").index("error")
    assert written[5001].split("\t")[error_column] == "line 5002: expected 3 columns, found 1"


def test_unbalanced_csv_quote_is_one_error_row_not_swallowed_lines(tmp_path, scorer):
    src = write(tmp_path / "q.csv", 'sentence1,sentence2\n"你好,您好\n花呗,借呗\n再见,拜拜\n')
    out = tmp_path / "o.csv"
    summary = score_file(src, out, scorer, progress=False)
    assert (summary["rows"], summary["errors"]) == (3, 1)
    text = out.read_text(encoding="utf-8")
    assert "line 2: malformed CSV" in text and "花呗" in text and "再见" in text


def test_crlf_and_bare_cr_in_csv(tmp_path):
    rows = list(PairReader(write(tmp_path / "c.csv", "sentence1,sentence2\r\n你好,您好\r\n你\r好,您好\r\n")))
    assert rows[0].sentence2 == "您好" and rows[0].error is None
    assert rows[1].error.startswith("line 3: malformed CSV")


def test_huge_csv_field_is_read_then_cut_with_a_warning(tmp_path, scorer):
    src = write(tmp_path / "big.csv", "sentence1,sentence2\n" + "好" * 200_000 + ",好\n")
    out = tmp_path / "o.jsonl"
    summary = score_file(src, out, scorer, progress=False)
    record = json.loads(out.read_text(encoding="utf-8"))
    assert summary["warnings"] == 1 and "truncated from 200000" in record["warning"] and record["error"] is None


def test_jsonl_to_table_maps_by_key_and_keeps_unknown_keys(tmp_path, scorer):
    src = write(tmp_path / "j.jsonl", '{"text_a": "你好", "text_b": "您好", "label": 1}\n'
                                      '{"text_b": "再见", "text_a": "拜拜", "x": true}\n')
    out = tmp_path / "o.tsv"
    score_file(src, out, scorer, progress=False)
    header, first, second = (line.split("\t") for line in out.read_text(encoding="utf-8").splitlines())
    assert header[:3] == ["text_a", "text_b", "label"]
    assert first[:3] == ["你好", "您好", "1"]
    assert second[:2] == ["拜拜", "再见"] and '{"x": true}' in second[header.index("error")]


def test_input_columns_named_like_ours_are_not_overwritten(tmp_path, scorer):
    src = write(tmp_path / "s.jsonl", '{"sentence1": "你好", "sentence2": "您好", "score": 4.5}\n')
    out = tmp_path / "o.jsonl"
    score_file(src, out, scorer, progress=False)
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["score"] == 4.5 and record["simcalc_score"] == 0.5


def test_header_guessing(tmp_path):
    reader = PairReader(write(tmp_path / "a.tsv", "text\tsimilarity\t1\n你好\t您好\t1\n"))
    assert [r.sentence1 for r in reader] == ["text", "你好"] and not reader.file_has_header
    with pytest.raises(InputFormatError, match="cannot tell which columns"):
        list(PairReader(write(tmp_path / "b.tsv", "id\tquestion\tanswer\tlabel\n1\t你好\t您好\t1\n")))
    reader = PairReader(write(tmp_path / "c.tsv", "句子1\t句子2\t标签\n你好\t您好\t1\n"))
    assert [(r.sentence1, r.label) for r in reader] == [("你好", "1")]


def test_rows_before_the_first_usable_one_keep_their_place(tmp_path, scorer):
    src = write(tmp_path / "f.tsv", "\n只有一列\nsentence1\tsentence2\n你好\t您好\n")
    reader = PairReader(src)
    rows = list(reader)
    assert reader.header == ["sentence1", "sentence2"]
    assert [r.line_no for r in rows] == [1, 2, 4]
    assert rows[0].error == "line 1: blank line" and "at least 2 columns" in rows[1].error
    out = tmp_path / "o.tsv"
    score_file(src, out, scorer, progress=False, batch_size=1)
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("sentence1\tsentence2\tscore")


def test_jsonl_first_object_without_sentences_is_an_error_row(tmp_path):
    rows = list(PairReader(write(tmp_path / "j.jsonl", '{"text_a": "你好"}\n{"text_a": "你好", "text_b": "您好"}\n')))
    assert "cannot tell which columns" in rows[0].error and rows[1].sentence2 == "您好"


def test_jsonl_boolean_labels(tmp_path):
    rows = list(PairReader(write(tmp_path / "j.jsonl", '{"text_a": "a", "text_b": "b", "label": true}\n')))
    assert rows[0].label == "1"


def test_encodings_that_break_lines_are_refused(tmp_path):
    path = write(tmp_path / "p.tsv", "a\tb\n")
    with pytest.raises(InputFormatError, match="not ASCII-compatible"):
        PairReader(path, encoding="utf-16")


def test_output_is_readable_by_others_and_missing_folder_is_clear(tmp_path, scorer):
    import os
    import stat

    src = write(tmp_path / "in.tsv", "sentence1\tsentence2\n你好\t您好\n")
    out = tmp_path / "o.tsv"
    old = os.umask(0o022)
    try:
        score_file(src, out, scorer, progress=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    with pytest.raises(InputFormatError, match="output folder .* does not exist"):
        score_file(src, tmp_path / "nope" / "o.tsv", scorer, progress=False)


def _counting(scorer, calls):
    real = scorer.score_prepared

    def score_prepared(prepared):
        calls.append(len(prepared))
        return real(prepared)

    scorer.score_prepared = score_prepared
    return scorer


def test_file_batches_follow_the_scorer_unless_the_caller_sets_them(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("sentence1\tsentence2\n" + "".join(f"句子{i}\t句子{i + 1}\n" for i in range(10)), encoding="utf-8")
    calls: list[int] = []
    scorer = _counting(simcalc.get_scorer("levenshtein"), calls)  # a copy: the shared one is untouched
    scorer.batch_rows = 3
    score_file(path, tmp_path / "o.tsv", scorer, progress=False)
    assert calls == [3, 3, 3, 1]
    calls.clear()
    score_file(path, tmp_path / "o.tsv", scorer, progress=False, batch_size=4)
    assert calls == [4, 4, 2]
    calls.clear()
    engine = simcalc.Engine(scorer="levenshtein")
    engine.scorer = scorer
    assert len(list(engine.score_pairs([("一", "二")] * 7))) == 7 and calls == [3, 3, 1]
    assert simcalc.get_scorer("levenshtein").batch_rows == 256
    with pytest.raises(InputFormatError, match="at least 1"):
        score_file(path, tmp_path / "o.tsv", scorer, progress=False, batch_size=0)


def test_neural_scorers_and_ensembles_with_one_take_big_batches():
    from simcalc.ensemble import EnsembleScorer
    from simcalc.scorer import Scorer

    pytest.importorskip("torch")
    neural = simcalc.get_scorer("cvlstm")
    assert neural.batch_rows >= 4 * Scorer.batch_rows
    both = EnsembleScorer({"ensemble": {"name": "t", "combination": "mean", "threshold": 0.5},
                           "members": {"levenshtein": {"weight": 1.0}, "cvlstm": {"weight": 1.0}}})
    lexical = EnsembleScorer({"ensemble": {"name": "t", "combination": "mean", "threshold": 0.5},
                              "members": {"levenshtein": {"weight": 1.0}}})
    assert (both.batch_rows, lexical.batch_rows) == (neural.batch_rows, Scorer.batch_rows)
