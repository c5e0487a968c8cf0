import json

import pytest
from click.testing import CliRunner

from simcalc import cli


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli.main, list(args))
    return invoke


def test_compare_json_has_a_score_in_range(run):
    result = run("compare", "怎么开通花呗", "花呗如何开通", "--scorer", "levenshtein", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert 0.0 <= payload["score"] <= 1.0 and payload["scorer"] == "levenshtein"


def test_compare_text_output(run):
    result = run("compare", "怎么开通花呗", "怎么开通花呗", "--scorer", "levenshtein")
    assert result.exit_code == 0 and result.output.startswith("1.0000  similar")


@pytest.mark.parametrize("a", ["", "   ", "？？？", "\x00\x01"])
def test_bad_text_gives_one_line_error_and_exit_2(run, a):
    result = run("compare", a, "花呗如何开通")
    assert result.exit_code == 2
    assert result.output.startswith("Error: sentence1") and "Traceback" not in result.output


def test_unknown_scorer_is_a_clear_error(run):
    result = run("compare", "你好", "您好", "--scorer", "magic")
    assert result.exit_code == 2 and "unknown scorer 'magic'" in result.output


def test_explain_shows_details(run):
    result = run("explain", "怎么开通花呗", "花呗如何开通", "--scorer", "char_jaccard")
    assert result.exit_code == 0
    assert "char_jaccard: 0.5000" in result.output and "shared:" in result.output


def test_score_command_writes_file_and_keeps_bad_rows(run, tmp_path):
    src = tmp_path / "pairs.tsv"
    src.write_text("sentence1\tsentence2\n你好\t您好\n坏行\n花呗\t借呗\n", encoding="utf-8")
    out = tmp_path / "scored.tsv"
    result = run("score", str(src), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 4 and "line 3: expected 2 columns, found 1" in rows[2]


def test_info_lists_scorers(run):
    result = run("info", "--json")
    assert result.exit_code == 0
    names = {s["name"]: s for s in json.loads(result.output)["scorers"]}
    assert names["levenshtein"]["available"] is True


@pytest.mark.parametrize("command", ["compare", "explain", "score", "eval", "info"])
def test_every_command_teaches_with_an_example(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Examples:" in result.output and "simcalc " + command in result.output


def test_eval_without_labels_is_a_clear_error(run, tmp_path):
    src = tmp_path / "pairs.tsv"
    src.write_text("sentence1\tsentence2\n你好\t您好\n", encoding="utf-8")
    result = run("eval", str(src))
    assert result.exit_code == 2 and "no label column" in result.output


def test_score_gbk_file_to_stdout(run, tmp_path):
    src = tmp_path / "gbk.tsv"
    src.write_bytes("sentence1\tsentence2\n怎么开通花呗\t花呗如何开通\n".encode("gbk"))
    result = run("score", str(src), "--encoding", "gbk", "-q", "--scorer", "levenshtein")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "sentence1\tsentence2\tscore\tprediction\terror\twarning\tverdict"
    assert lines[1].startswith("怎么开通花呗\t花呗如何开通\t0.333333\t0")


@pytest.mark.parametrize("args, message", [
    (["compare", "你好", "您好", "--model", "x"], "takes no option model"),
    (["compare", "你好", "您好", "--threshold", "inf"], "finite number"),
    (["compare", "你好", "您好", "--threshold", "nan"], "finite number"),
])
def test_bad_options_are_one_line_errors(run, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_eval_refuses_labels_that_do_not_fit_the_task(run, tmp_path):
    src = tmp_path / "three.tsv"
    src.write_text("sentence1\tsentence2\tlabel\n你好\t你好\t2\n你好\t再见\t0\n", encoding="utf-8")
    result = run("eval", str(src), "--task", "binary", "-q")
    assert result.exit_code == 2 and "labels 2 do not fit the binary task" in result.output
    result = run("eval", str(src), "--threshold", "0.5", "-q")
    assert result.exit_code == 2 and "takes 2 threshold value(s)" in result.output
    result = run("eval", str(src), "--threshold", "0.3,0.7", "--json", "-q")
    assert result.exit_code == 0 and json.loads(result.output)["accuracy"] == 1.0


def test_eval_json_turns_undefined_metrics_into_null(run, tmp_path):
    src = tmp_path / "one_class.tsv"
    src.write_text("sentence1\tsentence2\tlabel\n你好\t你好\t1\n你好\t您好\t1\n", encoding="utf-8")
    result = run("eval", str(src), "--json", "-q")
    assert result.exit_code == 0 and json.loads(result.output)["roc_auc"] is None


def test_score_exits_1_when_no_row_could_be_scored(run, tmp_path):
    src = tmp_path / "bad.tsv"
    src.write_text("sentence1\tsentence2\n？\t。\n", encoding="utf-8")
    assert run("score", str(src), "-q").exit_code == 1


def test_score_shows_a_progress_bar_with_pairs_per_second(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "p.tsv"
    src.write_text("sentence1\tsentence2\n" + "你好\t您好\n" * 50, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "simcalc.cli", "score", str(src), "-o", str(tmp_path / "o.tsv")],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "50/50" in proc.stderr and "pair/s" in proc.stderr


def test_tfidf_compare_does_not_depend_on_earlier_calls(run):
    import simcalc

    fresh = simcalc.registry.create("tfidf").score("今天天气好", "今天天气不好").score
    simcalc.compare("怎么开通花呗", "花呗如何开通", scorer="tfidf")
    assert simcalc.compare("今天天气好", "今天天气不好", scorer="tfidf").score == pytest.approx(fresh)


def test_parse_command_gives_ltp_labels_with_the_verb_as_head(run):
    result = run("parse", "我把苹果吃了", "--json")
    assert result.exit_code == 0, result.output
    tree = json.loads(result.output)
    head = tree["heads"].index(0)
    assert tree["tokens"][head] == "吃" and tree["rels"][head] == "HED"
    assert run("parse", "？？").exit_code == 2


def test_train_vectors_and_a_tiny_training_run_through_the_cli(run, tmp_path):
    pairs = ["怎么开通花呗\t花呗如何开通\t1", "花呗怎么还款\t借呗额度多少\t0", "如何提高额度\t怎样提升额度\t1",
             "为什么扣款失败\t今天天气很好\t0"] * 4
    data = tmp_path / "pairs.tsv"
    data.write_text("sentence1\tsentence2\tlabel\n" + "\n".join(pairs) + "\n", encoding="utf-8")
    result = run("train-vectors", str(data), "--out", str(tmp_path / "c.kv"), "--dim", "8")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c.kv").exists()
    result = run("train", "cvlstm", "--train", str(data), "--dev", str(data), "--out", str(tmp_path / "m"),
                 "--epochs", "2", "--hidden", "8", "--emb-dim", "8", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["best_epoch"] in (1, 2)  # stdout: the progress bar goes to stderr
    scored = run("compare", "怎么开通花呗", "花呗如何开通", "--scorer", "cvlstm", "--model", str(tmp_path / "m"), "--json")
    assert scored.exit_code == 0 and 0 <= json.loads(scored.stdout)["score"] <= 1
