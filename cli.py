"""The ``simcalc`` command: a thin click layer over the :mod:`simcalc` package.

Exit codes (every command):
    0    success
    1    ``score --strict``: some rows could not be scored (or no row at all could, even without --strict)
    2    usage or input error: bad option, unreadable file, unscorable text, unknown scorer
    130  interrupted (Ctrl-C); 143 on SIGTERM. Files being written are left untouched.

Every command turns a :class:`simcalc.SimcalcError` into one clear line on stderr (under ``--json``:
a JSON object ``{"error": {"type": ..., "message": ..., "exit_code": 2}}`` on stderr);
``--json`` output is for machines and always has the documented keys.
"""
from __future__ import annotations

if __name__ not in ("simcalc.cli", "__main__", "__mp_main__"):  # one import name per file (simcalc/__init__.py)
    raise ImportError(f"import the command line as simcalc.cli, not {__name__}")

import json
import logging
import signal
import sys
from typing import Any

import click

from simcalc.config import DEFAULT_SCORER
from simcalc.result import json_ready
from simcalc.server.settings import DEFAULT_SCORERS as DEFAULT_SERVED

EXAMPLES_COMPARE = """
\b
Examples:
  simcalc compare "怎么开通花呗" "花呗如何开通"
  simcalc compare "怎么开通花呗" "花呗如何开通" --scorer jaro_winkler --json
"""


#: one-shot commands: when run as a program, the process ends as soon as the output is flushed (the
#: interpreter's teardown frees every model and table one by one: ~0.13 s CPU of a 1.5 s cold `compare`)
QUICK_EXIT = ("compare",)


def _quick_exit(code: Any) -> None:
    """``os._exit`` after flushing the output and the log, for :data:`QUICK_EXIT` commands; returns (and the
    normal exit follows) when the exit code is not a number, when flushing fails (a closed pipe) or
    under a tracer or profiler (their reports are written at exit)."""
    import os

    if not (code is None or isinstance(code, int)) or sys.gettrace() is not None or sys.getprofile() is not None:
        return
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)


class SimcalcGroup(click.Group):
    """Turn deliberate simcalc errors into a one-line message instead of a traceback."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        # args None: run as a program (the console script, python -m), not by a test runner
        if args is not None or len(sys.argv) < 2 or sys.argv[1] not in QUICK_EXIT:
            return super().main(args, *rest, **kwargs)
        try:
            return super().main(args, *rest, **kwargs)
        except SystemExit as exc:
            _quick_exit(exc.code)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        from simcalc.errors import SimcalcError

        try:
            return super().invoke(ctx)
        except SimcalcError as exc:
            if ctx.meta.get("simcalc_json"):
                _echo_json({"error": {"type": type(exc).__name__, "message": str(exc), "exit_code": 2}}, err=True)
            else:
                click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


def _scorer(name: str, threshold: float | None = None, model: str | None = None, fresh: bool = False,
            user_dict: str | None = None, threads: str | None = None, config: str | None = None):
    """The named scorer; ``fresh`` for one this command may change (fit on a corpus).

    ``threads`` (torch threads while scoring) goes to neural scorers only; the others run single-threaded.
    """
    from simcalc import registry
    from simcalc.errors import InputFormatError

    name = registry.canonical(name)
    if config is not None and name != "ensemble":
        raise InputFormatError("--config is for the ensemble scorer; drop it or use --scorer ensemble")
    extra = {"threads": threads} if threads and registry.spec(name).kind == "neural" else {}
    return (registry.create if fresh else registry.get)(name, threshold=threshold, model=model, user_dict=user_dict,
                                                        config=config, **extra)


def _echo_json(obj: Any, err: bool = False) -> None:
    click.echo(json.dumps(json_ready(obj), ensure_ascii=False, indent=2, allow_nan=False), err=err)


def _emit(data: dict, as_json: bool, render) -> None:
    """JSON for machines, or the human rendering of the same data."""
    if as_json:
        _echo_json(data)
    else:
        click.echo(render())


scorer_option = click.option("--scorer", "-s", default=DEFAULT_SCORER, show_default=True,
                             help="Scorer name (see `simcalc info`).")
threshold_option = click.option("--threshold", type=float, default=None,
                                help="Decision threshold: score >= it means 'similar' (default: the scorer's).")
model_option = click.option("--model", type=click.Path(), default=None,
                            help="Neural scorers: a checkpoint folder, or a shipped model's name "
                                 "(mgf-bq-large: MGF at full width, more accurate, about half as fast; "
                                 "default: cvlstm-bq / mgf-bq).")


def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["simcalc_json"] = value  # errors are reported as JSON too
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_remember_json,
                           help="Print JSON for machines (errors too, on stderr).")
user_dict_option = click.option("--user-dict", type=click.Path(exists=True, dir_okay=False), default=None,
                                help="jieba user dictionary (word [freq] [tag] per line) for the rule engine's "
                                     "segmentation, e.g. domain words such as 花呗, 借呗.")
config_option = click.option("--config", "config", default=None,
                             help="Ensemble config: a shipped name (default = general, bq, lcqmc, lexical) or a .toml file "
                                  "written by `simcalc fit-ensemble`.")


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                             help="Output file (written atomically); default: standard output.")


def file_options(labelled: bool = False):
    """How a pair file is read (``--columns``, ``--format``, ``--encoding``, ``--header``): one set of options
    for every command that reads one (``score``; ``eval`` and ``fit-ensemble``, whose files have labels)."""
    columns = ("Sentence and label columns, e.g. s1,s2,label (names or 1-based numbers)." if labelled else
               "The two sentence columns (and optionally the label): names or 1-based numbers, e.g. s1,s2.")
    group = (click.option("--columns", default=None, help=columns),
             click.option("--format", "fmt", type=click.Choice(["tsv", "csv", "jsonl"]), default=None,
                          help="Input format (default: from the file extension; .tsv/.txt are tab-separated, "
                               "unquoted)."),
             click.option("--encoding", default="utf-8", show_default=True,
                          help="Input encoding: utf-8, utf-8-sig (with BOM), gbk, ... Output is always UTF-8."),
             click.option("--header/--no-header", default=None,
                          help="Whether the first row names the columns (default: guess)."))

    def decorate(command):
        for option in reversed(group):
            command = option(command)
        return command

    return decorate


def pair_options(command):
    """The arguments and options shared by the commands that judge one sentence pair."""
    for decorate in reversed((click.argument("sentence1"), click.argument("sentence2"), scorer_option,
                              threshold_option, model_option, user_dict_option, config_option, json_option)):
        command = decorate(command)
    return command


@click.group(cls=SimcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simcalc")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """simcalc: Chinese sentence similarity with explanations.

    \b
    Start here:
      simcalc compare "怎么开通花呗" "花呗如何开通"      one score
      simcalc explain "怎么开通花呗" "花呗如何开通"      why, part by part
      simcalc score pairs.tsv -o scored.tsv            a file of pairs
      simcalc eval test.tsv --threshold-from dev.tsv   metrics on labelled data
      simcalc info                                     scorers, resources, backends
      simcalc serve                                    HTTP API + a page that draws the explanation
    """
    # SIGTERM unwinds like Ctrl-C, so atomic writers remove their temp files.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


@main.command(epilog=EXAMPLES_COMPARE)
@pair_options
def compare(sentence1: str, sentence2: str, scorer: str, threshold: float | None,
            model: str | None, user_dict: str | None, config: str | None, as_json: bool) -> None:
    """Score how similar SENTENCE1 and SENTENCE2 are.

    Prints the score (in the scorer's range; most are 0..1, the rule engine and the default engine -1..1)
    and the verdict: similar / not similar (when the scorer has a threshold), or opposite (a negative
    score: same topic, contradicting polarity).
    """
    result = _scorer(scorer, threshold, model, user_dict=user_dict, config=config).score(sentence1, sentence2)
    if as_json:
        _echo_json(result.to_dict())
        return
    click.echo(f"{result.score:.4f}" + (f"  {result.verdict}" if result.verdict else ""))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command(epilog="""
\b
Examples:
  simcalc explain "怎么开通花呗" "花呗如何开通"
  simcalc explain "怎么开通花呗" "花呗如何开通" --scorer tfidf --json
  simcalc explain "小明把门打开了" "门被小明打开了" --scorer rules
  simcalc explain "小明把门打开了" "门被小明打开了" --svg trees.svg --html why.html

--svg draws both dependency trees with the subject / predicate / object marked; --html writes a page
with the whole explanation and the trees (it opens offline). If the rule engine cannot load, the drawing
still shows the parses and components, and says why the word comparison is missing.
""")
@pair_options
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False), default=None,
              help="Also write both dependency trees as one SVG file.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the explanation with the trees as a self-contained HTML page.")
def explain(sentence1: str, sentence2: str, scorer: str, threshold: float | None,
            model: str | None, user_dict: str | None, config: str | None, as_json: bool,
            svg_path: str | None, html_path: str | None) -> None:
    """Show why SENTENCE1 and SENTENCE2 got their score, component by component.

    With `--scorer rules`: both dependency parses, the subject / predicate / object components, the
    aligned words with their HowNet senses and similarities, and every coefficient with its reason.
    For the ensemble: every member's raw score, calibrated score, weight and its own details.
    """
    from simcalc.explain import render_result
    from simcalc.scorer import Renders

    scorer_obj = _scorer(scorer, threshold, model, user_dict=user_dict, config=config)
    result = scorer_obj.score(sentence1, sentence2)
    if svg_path or html_path:
        _write_drawings(sentence1, sentence2, result, user_dict, svg_path, html_path)
    render = scorer_obj.render if isinstance(scorer_obj, Renders) else render_result
    _emit(result.to_dict(), as_json, lambda: render(result))


def _write_drawings(sentence1: str, sentence2: str, result: Any, user_dict: str | None,
                    svg_path: str | None, html_path: str | None) -> None:
    """``explain --svg/--html``: the rule engine's view of the pair (parse-only without HowNet), written
    atomically; stdout is left to the explanation."""
    from simcalc import display
    from simcalc.errors import InputFormatError
    from simcalc.io import AtomicOutput

    analysis = display.PairAnalyser("auto", user_dict=user_dict).analyse(sentence1, sentence2, result)
    outputs = []
    if svg_path:
        outputs.append((svg_path, display.pair_svg(analysis)))
    if html_path:
        title = f"simcalc explain: {sentence1} / {sentence2}".encode("utf-8", "replace").decode("utf-8")
        outputs.append((html_path, display.standalone_html(display.explanation_html(result, analysis), title)))
    for path, text in outputs:
        try:
            with AtomicOutput(path) as out:
                out.write(text)
        except OSError as exc:
            raise InputFormatError(f"cannot write {path}: {exc.strerror or exc}") from None


@main.command(epilog="""
\b
Examples:
  simcalc score pairs.tsv -o scored.tsv
  simcalc score questions.csv --columns q1,q2 --scorer tfidf -o out.csv
  simcalc score old_export.tsv --encoding gbk -o scored.jsonl
  simcalc score big.tsv --jobs 2 -o scored.tsv       (2 worker processes, same output)
  cat pairs.tsv | simcalc score - --json > scored.jsonl   (JSONL rows on stdout, summary on stderr)
Rows that cannot be scored keep their place and get a message in the `error` column.
INPUT `-` reads standard input (give --format when it is not TSV).
""")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@output_option
@scorer_option
@threshold_option
@model_option
@config_option
@file_options()
@click.option("--output-format", type=click.Choice(["tsv", "csv", "jsonl"]), default=None,
              help="Output format (default: from the output extension, else the input's).")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fit corpus statistics (tfidf) on this file instead of the sentences scored.")
@click.option("--batch-size", default=None, type=click.IntRange(1, 100000),
              help="Pairs scored at once (default: the scorer's choice, 256; 4096 for neural scorers "
                   "and ensembles with one).")
@click.option("--threads", default=None, metavar="N|auto",
              help="torch threads for neural scorers (default auto: the cores not busy by the load average).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0, 1024),
              help="Worker processes (0: one per CPU core). Output is identical to --jobs 1; it pays off "
                   "on long files for tfidf and the neural scorers, little for the other lexical ones "
                   "(see README).")
@quiet_option
@click.option("--strict", is_flag=True, help="Exit with code 1 when any row could not be scored.")
@json_option
def score(input_path: str, output: str | None, scorer: str, threshold: float | None, model: str | None,
          config: str | None, columns: str | None, fmt: str | None, output_format: str | None, encoding: str,
          header: bool | None, corpus: str | None, batch_size: int, threads: str | None, jobs: int, quiet: bool,
          strict: bool,
          as_json: bool) -> None:
    """Score every pair in INPUT (TSV, CSV or JSONL; - for stdin), keeping all columns and row order.

    Adds `score`, `prediction` (when the scorer has a threshold), `error` and `warning` columns.
    Without -o, rows go to stdout (JSONL under --json) and the summary to stderr.
    """
    from simcalc.batch import fit_from_corpus, score_file

    if as_json and output is None and output_format is None:
        output_format = "jsonl"
    if input_path == "-":
        input_path = _stdin_to_file(fmt)

    scorer_obj = _scorer(scorer, threshold, model, fresh=corpus is not None, threads=threads, config=config)
    if corpus:
        fit_from_corpus(scorer_obj, corpus, encoding=encoding)
    summary = score_file(input_path, output, scorer_obj, fmt=fmt, output_format=output_format,
                         encoding=encoding, columns=columns, header=header, batch_size=batch_size,
                         progress=not quiet, jobs=jobs)
    if as_json:
        _echo_json(summary, err=output is None)
    elif output is not None:
        click.echo(f"{summary['rows']} rows → {output} ({summary['errors']} with errors, "
                   f"{summary['pairs_per_second']} pairs/s)", err=True)
    if summary["rows"] and not summary["scored"]:
        raise click.exceptions.Exit(1)  # nothing could be scored: almost surely the wrong file or options
    if strict and summary["errors"]:
        raise click.exceptions.Exit(1)


def _stdin_to_file(fmt: str | None) -> str:
    """Standard input copied to a temporary file (readers need to look twice: header guess, TF-IDF)."""
    import atexit
    import os
    import shutil
    import tempfile

    fd, path = tempfile.mkstemp(prefix="simcalc-stdin-", suffix="." + (fmt or "tsv"))
    def remove() -> None:
        if os.path.exists(path):
            os.unlink(path)

    atexit.register(remove)  # before copying: Ctrl-C may come mid-copy
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)  # click.get_binary_stream is deprecated in click 8.5
    return path


@main.command("eval", epilog="""
\b
Examples:
  simcalc eval lcqmc/test.tsv --threshold-from lcqmc/dev.tsv
  simcalc eval bq_corpus/test.tsv --scorer tfidf --threshold 0.5 --json
  simcalc eval cnsd_sts_b/dev.tsv                     (graded labels: Spearman/Pearson)
  simcalc eval lcqmc/test.tsv --threshold-from lcqmc/dev.tsv --plot lcqmc.png
""")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@scorer_option
@model_option
@config_option
@click.option("--threshold-from", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Labelled development file: the threshold with the best accuracy there is used.")
@click.option("--threshold", default=None, help="Fixed threshold (two, t1,t2, for 3-class data).")
@click.option("--task", type=click.Choice(["binary", "graded", "3class"]), default=None,
              help="Label type (default: guessed: 0/1 binary, 0/1/2 3-class, else graded).")
@file_options(labelled=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw the evaluation into this .png/.svg/.pdf: score distribution per label with the "
                   "threshold, ROC and reliability curves (binary), or score vs gold (graded).")
@quiet_option
@json_option
def eval_(data: str, scorer: str, model: str | None, config: str | None, threshold_from: str | None, threshold: str | None,
          task: str | None, columns: str | None, fmt: str | None, encoding: str, header: bool | None,
          plot_path: str | None, quiet: bool, as_json: bool) -> None:
    """Measure a scorer on labelled DATA (accuracy/F1/AUC, Spearman, or 3-class metrics).

    The decision threshold never comes from DATA itself: use --threshold-from DEV or --threshold.
    """
    from simcalc.evaluate import evaluate

    if plot_path:
        from simcalc.plot import check_plot_path

        check_plot_path(plot_path)
    scorer_obj = _scorer(scorer, None, model, config=config)
    scored: dict = {}
    report = evaluate(data, scorer_obj, threshold_from=threshold_from, threshold=threshold,
                      task=task, encoding=encoding, columns=columns, fmt=fmt, header=header,
                      progress=not quiet, scored=scored)
    if plot_path:
        from simcalc.plot import plot_evaluation

        plot_evaluation(report, scored["test"].scores, scored["test"].labels, plot_path, scorer_obj.range)
        click.echo(f"plot written to {plot_path}", err=True)
    if as_json:
        _echo_json(report)
        return
    skip = {"error_rows", "data"}
    click.echo(f"{report['data']}  ({report['scorer']}, {report['task']}, n={report['n']})")
    for key, value in report.items():
        if key in skip or key in ("scorer", "task", "n"):
            continue
        click.echo(f"  {key:18} {value:.4f}" if isinstance(value, float) else f"  {key:18} {value}")


@main.command(epilog="""
\b
Examples:
  simcalc match queries.txt --faq faq.tsv --top-k 3 -o matches.tsv
  cat queries.txt | simcalc match - --faq faq.tsv --scorer tfidf --json
FAQ: one question per line, or TSV with the question first (other columns are copied).
Large FAQs (> --prefilter-above questions) are prefiltered by TF-IDF to --shortlist candidates.
An ensemble ranks with the learned FAQ ranker (--ranker auto); --ranker none ranks by its pair scores.
""")
@click.argument("queries", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--faq", required=True, type=click.Path(exists=True, dir_okay=False), help="FAQ questions file.")
@click.option("--top-k", default=3, show_default=True, type=click.IntRange(1, 1000))
@output_option
@scorer_option
@threshold_option
@config_option
@click.option("--prefilter-above", default=500, show_default=True, type=click.IntRange(0, None),
              help="FAQ size from which candidates are prefiltered with TF-IDF.")
@click.option("--shortlist", default=100, show_default=True, type=click.IntRange(1, None),
              help="Candidates kept by the prefilter.")
@click.option("--ranker", default="auto", show_default=True,
              help="Ensembles: the FAQ ranker (auto = faq, or a ranker file), or none for pair scores.")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--json", "as_json", is_flag=True, callback=_remember_json,
              help="JSONL rows (summary as JSON on stderr).")
def match(queries: str, faq: str, top_k: int, output: str | None, scorer: str, threshold: float | None,
          config: str | None, prefilter_above: int, shortlist: int, ranker: str, encoding: str,
          as_json: bool) -> None:
    """For each query in QUERIES (one per line, - for stdin), the --top-k closest FAQ questions."""
    from simcalc import Engine
    from simcalc.match import match_file

    if config is not None and scorer.lower() != "ensemble":
        from simcalc.errors import InputFormatError

        raise InputFormatError("--config is for the ensemble scorer; drop it or use --scorer ensemble")
    engine = Engine(config, scorer=scorer, threshold=threshold)
    summary = match_file(queries, faq, engine, top_k=top_k, output=output, fmt="jsonl" if as_json else "tsv",
                         encoding=encoding, prefilter_above=prefilter_above, shortlist=shortlist,
                         ranker=None if ranker.lower() == "none" else ranker)
    if as_json:
        _echo_json(summary, err=True)
    else:
        click.echo(f"{summary['queries']} queries × top {top_k} of {summary['faq_questions']} FAQ questions → "
                   f"{summary['output']} ({summary['queries_per_second']} queries/s)", err=True)


@main.command("fit-ensemble", epilog="""
\b
Examples:
  simcalc fit-ensemble --dev bq_corpus/dev.tsv --out bq.toml
  simcalc fit-ensemble --dev lcqmc/dev.tsv --members levenshtein,tfidf,mgf --combination mean --out my.toml
  simcalc fit-ensemble --dev bq_corpus/dev.tsv --members tfidf,cvlstm,mgf,rules --features rules --out signed.toml
  simcalc eval bq_corpus/test.tsv --config bq.toml
  simcalc fit-ensemble --domain bq=bq_corpus/dev.tsv --domain lcqmc=lcqmc/dev.tsv \\
      --domain pawsx=pawsx_zh/dev.tsv@0:1200 --members tfidf,cvlstm,mgf,rules --out general.toml
The threshold is chosen on DEV (best accuracy); evaluate on a different file. A member that exposes
features (the rule engine) stacks them too, and one that says "opposite" makes the config signed.
With --domain (instead of --dev), a general config: one stack per domain and a router mixing them.
""")
@click.option("--dev", "dev_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Labelled dev pairs (0/1; graded labels are cut at the middle of their range).")
@click.option("--domain", "domains", multiple=True, metavar="NAME=FILE[@START:STOP]",
              help="A domain of a general (routed) config and its labelled fitting pairs (rows START:STOP "
                   "only, by line order); repeat for each domain.")
@click.option("--domain-pairs", type=int, default=10000, show_default=True,
              help="With --domain: a larger domain is sampled to this many pairs (seed 0).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Config file to write (.toml).")
@click.option("--members", default=None,
              help="Comma-separated scorer names (default: levenshtein,jaro_winkler,char_jaccard,tfidf,cvlstm,mgf).")
@click.option("--combination", type=click.Choice(["stacking", "mean"]), default="stacking", show_default=True)
@click.option("--calibration", type=click.Choice(["platt", "isotonic", "none"]), default="isotonic", show_default=True,
              help="Per-member raw score → P(similar): isotonic (monotone table) or platt (sigmoid).")
@click.option("--allow-negative", is_flag=True,
              help="Keep members with a negative stack coefficient (default: drop them and refit).")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fit TF-IDF on this file instead of the dev sentences.")
@click.option("--features", "feature_members", default="auto", show_default=True,
              help="Members whose details features join the stack (comma-separated), 'auto' (every member "
                   "that exposes some) or 'none'.")
@click.option("--unsigned", is_flag=True, help="No opposite verdict even when a member can say it.")
@file_options(labelled=True)
@click.option("--description", default="", help="A line saying what the config is for.")
@quiet_option
@json_option
def fit_ensemble(dev_path: str | None, domains: tuple[str, ...], domain_pairs: int, out: str, members: str | None,
                 combination: str, calibration: str, allow_negative: bool, corpus: str | None, feature_members: str,
                 unsigned: bool, columns: str | None, fmt: str | None, encoding: str, header: bool | None,
                 description: str, quiet: bool, as_json: bool) -> None:
    """Fit an ensemble's calibrations, weights, stack and threshold on a labelled dev file."""
    from simcalc.errors import InputFormatError
    from simcalc.fitting import DEFAULT_MEMBERS, dev_report, fit_general, parse_domains
    from simcalc.fitting import fit_ensemble as fit

    if (dev_path is None) == (not domains):
        raise InputFormatError("give --dev FILE, or --domain NAME=FILE for each domain of a general config")
    names = [m.strip() for m in members.split(",") if m.strip()] if members else list(DEFAULT_MEMBERS)
    features = None if feature_members == "auto" else \
        [] if feature_members == "none" else [m.strip() for m in feature_members.split(",") if m.strip()]
    if domains:
        config = fit_general(parse_domains(domains), out, names, calibration=calibration, max_pairs=domain_pairs,
                             description=description, progress=not quiet, nonnegative=not allow_negative,
                             signed=not unsigned)
    else:
        config = fit(dev_path, out, names, combination=combination, calibration=calibration, corpus=corpus,  # type: ignore[arg-type]
                     description=description, progress=not quiet, nonnegative=not allow_negative,
                     encoding=encoding, columns=columns, fmt=fmt, header=header, features=features,
                     signed=not unsigned)
    report = dev_report(config)

    def render() -> str:
        lines = [f"{out}: {config.combination}, threshold {config.threshold} ({config.fitted_on})"]
        lines += [f"  {name:13} weight {m['weight']:.3f}  stack {m['stack'] or 0:+.3f}  dev AUC {m.get('dev_auc')}"
                  for name, m in report["members"].items()]
        return "\n".join(lines)

    _emit(report, as_json, render)


@main.command(epilog="""
\b
Examples:
  simcalc info
  simcalc info --json
""")
@json_option
def info(as_json: bool) -> None:
    """List scorers, data resources and backends, and what is missing for each."""
    from simcalc.info import gather_info, render_info

    report = gather_info()
    _emit(report, as_json, lambda: render_info(report))


@main.command("word-sim", epilog="""
\b
Examples:
  simcalc word-sim 父亲 爸爸
  simcalc word-sim 高 矮 --json          (antonyms score below 0)
""")
@click.argument("word1")
@click.argument("word2")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding hownet/glossary.dat etc. (default: $SIMCALC_DATA_DIR, else the packaged lexicon).")
@json_option
def word_sim(word1: str, word2: str, data_dir: str | None, as_json: bool) -> None:
    """HowNet similarity of two words in [-1, 1], with the senses and sememe paths behind it."""
    from simcalc.hownet_sim.api import render_word_similarity, word_similarity_report

    report = word_similarity_report(word1, word2, data_dir=data_dir)
    _emit(report, as_json, lambda: render_word_similarity(report))


@main.command(epilog="""
\b
Examples:
  simcalc parse "我把苹果吃了"
  simcalc parse "北京是中国的首都" --json
  simcalc parse "我把苹果吃了" --parser ltp     (needs a local LTP model: SIMCALC_LTP_MODEL)
""")
@click.argument("text")
@click.option("--parser", "parser_name", type=click.Choice(["auto", "ltp", "embedded"]), default=None,
              help="auto: LTP when a local model exists (SIMCALC_LTP_MODEL), else the embedded parser. "
                   "Default: $SIMCALC_PARSER, else auto.")
@click.option("--user-dict", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A jieba-style user dictionary (one word per line) to keep domain terms whole.")
@json_option
def parse(text: str, parser_name: str | None, user_dict: str | None, as_json: bool) -> None:
    """Dependency-parse TEXT: tokens, POS, heads and LTP relations (HED, SBV, VOB, ...)."""
    from simcalc.rules.parse import get_parser, render_parse

    options = {"user_dict": user_dict} if user_dict else {}
    result = get_parser(parser_name, **options).parse(text)
    _emit(result.to_dict(), as_json, lambda: render_parse(result))


@main.command(epilog="""
\b
Examples:
  simcalc train cvlstm --train bq_corpus/train.tsv --dev bq_corpus/dev.tsv --out runs/cvlstm
  simcalc train mgf --train bq_corpus/train.tsv --dev bq_corpus/dev.tsv --out runs/mgf --loss bce --max-minutes 60
  simcalc compare "怎么开通花呗" "花呗如何开通" --scorer mgf --model runs/mgf
  simcalc train hf-cross --init my-bert/ --train pairs.tsv --dev dev.tsv --out runs/hf   (your local model)
  simcalc train re2 --train mix/train.tsv --dev mix/held.tsv --out runs/re2 --emb-dim 128 --hidden 100
Training resumes from OUT/train_state.pt when it exists (--no-resume starts afresh).
""")
@click.argument("kind", type=click.Choice(["cvlstm", "mgf", "re2", "hf-cross"]))
@click.option("--train", "train_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labelled training pairs (sentence1, sentence2, label).")
@click.option("--dev", "dev_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labelled dev pairs: early stopping and the decision threshold.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Checkpoint directory.")
@click.option("--epochs", type=int, default=None, help="At most this many epochs (default 200; early stopping).")
@click.option("--patience", type=int, default=None, help="Epochs without a better dev accuracy before stopping (10).")
@click.option("--batch-size", type=int, default=None, help="Pairs per batch (cvlstm 128, mgf 512).")
@click.option("--lr", type=float, default=None, help="Learning rate (Adadelta 1.0 for cvlstm, Adam 1e-3 for mgf).")
@click.option("--lr-decay", type=float, default=None,
              help="After an epoch without a better dev accuracy, go back to the best weights and multiply "
                   "the learning rate by this factor (0-1; default: constant rate).")
@click.option("--dropout", type=float, default=None, help="Dropout (cvlstm 0.3, mgf 0.5).")
@click.option("--loss", default=None, help="cvlstm: ce|pcl (3-label data); mgf: equilibrium|bce.")
@click.option("--hidden", type=int, default=None, help="LSTM units (cvlstm 200, mgf 150 as shipped).")
@click.option("--emb-dim", type=int, default=None, help="Embedding size (cvlstm 400, mgf 300).")
@click.option("--level", type=click.Choice(["char", "word"]), default=None, help="cvlstm input: characters or words.")
@click.option("--encoder", type=click.Choice(["lstm", "cnn"]), default=None, help="cvlstm encoder variant.")
@click.option("--char-vectors", type=click.Path(exists=True), default=None, help="KeyedVectors for characters.")
@click.option("--word-vectors", type=click.Path(exists=True), default=None, help="KeyedVectors for words.")
@click.option("--max-minutes", type=float, default=None, help="Stop after the epoch that passes this budget.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None, help="auto: CUDA when present.")
@click.option("--seed", type=int, default=None, help="Random seed (1); CPU runs are deterministic for a seed.")
@click.option("--threads", type=int, default=None, help="CPU threads for torch (1).")
@click.option("--resume/--no-resume", default=True, show_default=True)
@click.option("--init", type=click.Path(exists=True, file_okay=False), default=None,  # hf-cross (issue 22)
              help="hf-cross: the local pretrained model folder to fine-tune (never downloaded).")
@click.option("--max-length", type=int, default=None, help="hf-cross: tokens per pair (128).")
@json_option
def train(kind: str, train_path: str, dev_path: str, out: str, as_json: bool, **options: Any) -> None:
    """Train a neural scorer (KIND: cvlstm, mgf, re2, or hf-cross from your --init model) and write it to --out."""
    from simcalc.neural.training import train_model

    options = {k: v for k, v in options.items() if v is not None}
    if kind == "hf-cross":  # fine-tune a local transformers model (simcalc/neural/hf_training.py)
        from simcalc.neural.hf_training import train_hf

        metrics = train_hf(train_path, dev_path, out, **options)
    elif kind == "re2":
        metrics = _train_re2(train_path, dev_path, out, options)
    else:
        if options.pop("init", None) is not None or options.pop("max_length", None) is not None:
            from simcalc.errors import InputFormatError

            raise InputFormatError("--init and --max-length are for hf-cross")
        metrics = train_model(kind, train_path, dev_path, out, **options)
    if as_json:
        _echo_json(metrics)
    else:
        click.echo(f"best dev accuracy {metrics.get('best_dev_accuracy')} at epoch {metrics.get('best_epoch')} "
                   f"(threshold {metrics.get('threshold')}); {metrics.get('stop_reason')}; checkpoint in {out}")


#: the `train` options the re2 trainer takes (simcalc/neural/re2_training.py; its other settings keep their defaults)
RE2_OPTIONS = frozenset({"epochs", "patience", "batch_size", "lr", "lr_decay", "dropout", "hidden", "emb_dim",
                         "max_minutes", "seed", "threads", "resume"})


def _train_re2(train_path: str, dev_path: str, out: str, options: dict[str, Any]) -> dict[str, Any]:
    """The cross-attention member: it resumes from OUT/train_state.pt itself (refusing other settings)."""
    from pathlib import Path

    from simcalc.errors import InputFormatError
    from simcalc.neural.device import resolve_threads, torch_threads
    from simcalc.neural.re2_training import train_re2

    unsupported = sorted(set(options) - RE2_OPTIONS)
    if unsupported:
        raise InputFormatError("re2 does not take " + ", ".join("--" + o.replace("_", "-") for o in unsupported))
    threads = options.pop("threads", 1)
    if not options.pop("resume", True) and (Path(out) / "train_state.pt").exists():
        raise InputFormatError(f"{out} holds a run that re2 would resume; to start afresh, give a new --out folder")
    with torch_threads(resolve_threads(threads)):
        return train_re2(train_path, dev_path, out, **options)


@main.command("train-vectors", epilog="""
\b
Examples:
  simcalc train-vectors bq_corpus/train.tsv --out vectors/char.kv --level char --dim 400
  simcalc train-vectors corpus.txt --out vectors/word.kv --level word --dim 300
""")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="KeyedVectors file to write (*.kv).")
@click.option("--level", type=click.Choice(["char", "word"]), default="char", show_default=True)
@click.option("--dim", type=int, default=300, show_default=True, help="Vector size (CV-LSTM paper: 400; MGF: 300).")
@click.option("--window", type=int, default=5, show_default=True)
@click.option("--min-count", type=int, default=1, show_default=True)
@click.option("--epochs", type=int, default=5, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="gensim threads (1 = reproducible).")
def train_vectors(corpus: tuple[str, ...], out: str, level: str, dim: int, window: int, min_count: int,
                  epochs: int, seed: int, workers: int) -> None:
    """Train skip-gram word2vec vectors (gensim) on CORPUS files: pair files or one sentence per line."""
    from simcalc.neural.embeddings import train_vectors as train

    path = train(list(corpus), out, level=level, dim=dim, window=window, min_count=min_count,
                 epochs=epochs, seed=seed, workers=workers)
    click.echo(f"vectors written to {path}", err=True)


@main.command(epilog="""
\b
Examples:
  simcalc serve                                   then open http://127.0.0.1:8000/
  simcalc serve --scorers levenshtein,tfidf --port 8080
  simcalc serve --config lcqmc --config bq --faq faq.txt --workers 2
  curl -s localhost:8000/compare -H 'Content-Type: application/json' \\
       -d '{"sentence1": "怎么开通花呗", "sentence2": "花呗如何开通"}'
The page at / draws the explanation (trees, members, aligned words, coefficients); /docs has the API.
It binds to 127.0.0.1: put a reverse proxy in front before exposing it (--host 0.0.0.0) to a network.
""")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--scorers", default=",".join(DEFAULT_SERVED), show_default=True,
              help="Comma-separated scorers to load at start (see `simcalc info`).")
@click.option("--config", "configs", multiple=True,
              help="Ensemble config(s): bq, lcqmc, lexical or a TOML file; repeat for several "
                   "(the first answers to `ensemble`, each to `ensemble:NAME`). Default: the shipped configs "
                   "(default = general, bq, lcqmc, lexical).")
@click.option("--default-scorer", default=None, help="Scorer for requests that name none (default: the ensemble).")
@click.option("--faq", type=click.Path(exists=True, dir_okay=False), default=None,
              help="FAQ questions (one per line, as for `simcalc match`) that POST /rank uses without candidates.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each loads the scorers).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Requests scored at once per process (threads beside the event loop).")
@click.option("--max-pairs", default=1000, show_default=True, type=click.IntRange(1, None), help="Pairs per /score request.")
@click.option("--max-chars", default=512, show_default=True, type=click.IntRange(1, None), help="Characters per text.")
@click.option("--max-body-bytes", default=1_000_000, show_default=True, type=click.IntRange(1, None),
              help="Largest request body (chunked uploads are counted as they arrive).")
@click.option("--max-candidates", default=5000, show_default=True, type=click.IntRange(1, None),
              help="Candidates per /rank request.")
@click.option("--max-top-k", default=100, show_default=True, type=click.IntRange(1, None), help="Largest top_k.")
@click.option("--allow-host", "allow_hosts", multiple=True,
              help="Host header to answer besides the loopback names (repeat; '*' for any). On a loopback "
                   "bind only 127.0.0.1/localhost/[::1] are answered, which stops DNS-rebinding pages.")
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a request may take before it is answered 504.")
@click.option("--body-timeout", "body_timeout_s", default=10.0, show_default=True,
              type=click.FloatRange(0, min_open=True),
              help="Seconds to wait for the next part of a request body before answering 408 (slow clients).")
def serve(host: str, port: int, scorers: str, configs: tuple[str, ...], default_scorer: str | None, faq: str | None,
          workers: int, threads: int, max_pairs: int, max_chars: int, max_body_bytes: int, max_candidates: int,
          max_top_k: int, allow_hosts: tuple[str, ...], timeout_s: float, body_timeout_s: float) -> None:
    """Serve the HTTP API and the explanation page (FastAPI + uvicorn) until Ctrl-C.

    Scorers load once at start; a scorer that cannot load is reported by GET /health and answers 503,
    while the others keep serving. Endpoints: POST /compare, /score, /explain, /rank; GET /scorers,
    /health, /docs.
    """
    import importlib.util

    from simcalc import registry
    from simcalc.errors import InputFormatError
    from simcalc.server import ServerSettings, serve as run
    from simcalc.server.settings import allowed_hosts_for, is_loopback

    missing = [m for m in ("fastapi", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise InputFormatError(f"simcalc serve needs {' and '.join(missing)}: pip install 'simcalc[serve]'")
    names = tuple(registry.canonical(n) for n in scorers.split(",") if n.strip())
    try:
        settings = ServerSettings(scorers=names, configs=configs, default_scorer=default_scorer,
                                  faq=faq, max_pairs=max_pairs, max_chars=max_chars, max_body_bytes=max_body_bytes,
                                  max_candidates=max_candidates, max_top_k=max_top_k,
                                  allowed_hosts=allowed_hosts_for(host, allow_hosts),
                                  timeout_s=timeout_s, body_timeout_s=body_timeout_s, threads=threads)
    except ValueError as exc:
        raise InputFormatError(str(exc)) from None
    if faq:
        from simcalc.server.scorers import load_faq

        load_faq(faq)  # a bad FAQ file is a usage error now, not a traceback after every model has loaded
    if not is_loopback(host):
        click.echo(f"warning: binding to {host}: the API has no authentication", err=True)
    run(settings, host=host, port=port, workers=workers)


from simcalc.check.cli import check as _check  # noqa: E402  (simcalc check: its own module, simcalc/check/cli.py)

main.add_command(_check)

if __name__ == "__main__":  # pragma: no cover
    main()
