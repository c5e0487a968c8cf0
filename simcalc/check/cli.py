"""``simcalc check``: the click command (registered in the top-level cli.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import DEFAULT_SCORER

EPILOG = """
\b
Examples:
  simcalc check --scorer levenshtein
  simcalc check --capability negation,role_swap --json
  simcalc check -o report.html --fail-above 0.2        # exit 1 if a capability fails > 20% of its cases
  simcalc check --config my.toml --markdown             # an ensemble config; a Markdown table
  simcalc check --list                                  # the capabilities and what each expects
"""


@click.command("check", epilog=EPILOG)
@click.option("--scorer", "-s", default=DEFAULT_SCORER, show_default=True, help="Scorer name (see `simcalc info`).")
@click.option("--config", default=None,
              help="Ensemble config (a shipped name or a .toml file) for the ensemble scorer.")
@click.option("--capability", "-c", "capabilities", multiple=True,
              help="Only these capabilities (repeat, or comma-separated); default: all.")
@click.option("--suite", type=click.Path(exists=True, file_okay=False), default=None,
              help="A suite folder (capabilities.toml, lexicons/, handwritten.tsv); default: the shipped one.")
@click.option("--cases", type=click.IntRange(1, 100000), default=None,
              help="Generated cases per capability (default: the suite's, 200).")
@click.option("--seed", type=int, default=None, help="Random seed of the generator (default: the suite's).")
@click.option("--threshold", type=float, default=None,
              help="Decision threshold (default: the scorer's; for a scorer without one, the middle of its range).")
@click.option("--no-handwritten", is_flag=True, help="Only the generated cases.")
@click.option("--worst", type=click.IntRange(0, 1000), default=3, show_default=True,
              help="Worst failures shown per capability (5 in JSON/HTML unless set).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--all-cases", is_flag=True, help="With --json: every case's outcome, not only the worst failures.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown (for a README).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the report to this file: .json, .md, .txt, or else a self-contained HTML page.")
@click.option("--fail-above", type=click.FloatRange(0.0, 1.0), default=None, metavar="RATE",
              help="Exit with code 1 when a capability's failure rate is above RATE (e.g. 0.2), for CI.")
@click.option("--list", "list_only", is_flag=True, help="List the capabilities and their expectations, then exit.")
@click.option("--batch-size", type=click.IntRange(1, 100000), default=None, help="Pairs per score_batch call.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def check(ctx: click.Context, scorer: str, config: str | None, capabilities: tuple[str, ...], suite: str | None,
          cases: int | None, seed: int | None, threshold: float | None, no_handwritten: bool, worst: int,
          as_json: bool, all_cases: bool, markdown: bool, output: str | None, fail_above: float | None,
          list_only: bool, batch_size: int | None, quiet: bool) -> None:
    """Behavioural tests by capability (CheckList): negation, antonyms, word order, Ba/Bei, typos, ...

    Generates pairs from the suite's templates and lexicons (fixed seed), scores them with the scorer and
    prints, per capability, the number of cases, the failure rate and the worst failures. The exit code is
    0 whatever fails, unless --fail-above is given.
    """
    from . import report as render
    from .runner import run, select
    from .suite import load_suite

    ctx.meta["simcalc_json"] = as_json
    loaded = load_suite(suite)
    if list_only:
        for name in select(loaded, capabilities):
            cap = loaded.capabilities[name]
            click.echo(f"{name:<20} {cap.kind:<4} {cap.expect:<12} {cap.property}")
        return
    progress = None
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="pair", desc="check", file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()
    try:
        result = run(scorer, capabilities or None, suite=loaded, config=config, seed=seed, cases=cases,
                     threshold=threshold, include_handwritten=not no_handwritten, batch_size=batch_size,
                     progress=progress)
    finally:
        if bar is not None:
            bar.close()
    detail = worst if ctx.get_parameter_source("worst") == click.core.ParameterSource.COMMANDLINE else 5
    if as_json:
        click.echo(render.to_json(result, detail, all_cases))
    elif markdown:
        click.echo(render.to_markdown(result))
    else:
        click.echo(render.to_text(result, worst))
    if output:
        suffix = Path(output).suffix.lower()
        text = {".json": lambda: render.to_json(result, detail, all_cases), ".md": lambda: render.to_markdown(result),
                ".txt": lambda: render.to_text(result, worst)}.get(suffix, lambda: render.to_html(result, detail))()
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"report written to {output}", err=True)
    if fail_above is not None:
        over = result.exceeds(fail_above)
        if over:
            click.echo(f"failure rate above {fail_above:g} in: {', '.join(over)}", err=True)
            ctx.exit(1)
