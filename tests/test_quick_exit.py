"""`simcalc compare` run as a program ends right after its output (no interpreter teardown): the output,
the messages and the exit codes are those of the normal exit."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from simcalc import cli

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "simcalc.cli", *args], cwd=ROOT, env=env, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120)


def test_compare_as_a_program_prints_what_the_command_prints(tmp_path):
    args = ["compare", "怎么开通花呗", "花呗如何开通", "--scorer", "levenshtein"]
    inside = CliRunner().invoke(cli.main, args)  # in-process: never the quick exit
    program = _run(*args)
    assert program.returncode == inside.exit_code == 0
    assert program.stdout == inside.output and program.stdout.strip().endswith("similar")
    with open(tmp_path / "out.txt", "w", encoding="utf-8") as handle:  # a file, block-buffered: flushed too
        assert _run(*args, "--json", stdout=handle).returncode == 0
    assert '"scorer": "levenshtein"' in (tmp_path / "out.txt").read_text(encoding="utf-8")


def test_compare_errors_keep_their_message_and_exit_code():
    bad = _run("compare", "", "花呗如何开通", "--scorer", "levenshtein")
    assert bad.returncode == 2 and "sentence1 is empty" in bad.stderr
    unknown = _run("compare", "a", "b", "--scorer", "nosuch")
    assert unknown.returncode == 2 and "unknown scorer 'nosuch'" in unknown.stderr
    usage = _run("compare", "only-one")
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_the_quick_exit_skips_teardown_only_for_quick_commands(tmp_path):
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('teardown', file=sys.stderr))\n"
            f"sys.argv = ['simcalc', *{{argv!r}}]\n"
            "from simcalc import cli\n"
            "cli.main()\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv, teardown in ((["compare", "a", "b", "--scorer", "levenshtein"], False), (["--help"], True)):
        out = subprocess.run([sys.executable, "-c", code.format(argv=argv)], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert ("teardown" in out.stderr) is teardown, argv
