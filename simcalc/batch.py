"""Scoring whole pair files: read → validate → score in batches → write, in constant memory."""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InvalidTextError
from .io import PairReader, PairRow, PairWriter, count_lines, detect_format, read_sentences
from .scorer import PreparedPair, Scorer

log = logging.getLogger(__name__)


@dataclass
class ScoredRow:
    row: PairRow
    score: float | None
    prediction: int | None
    error: str | None
    warning: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def progress_bar(total: int | None, enabled: bool, desc: str = "scoring"):
    """A tqdm bar on stderr counting pairs (pairs/s shown); a no-op object when disabled."""
    from tqdm import tqdm

    return tqdm(total=total, unit="pair", desc=desc, disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def iter_scored(reader: PairReader, scorer: Scorer, batch_size: int = 256,
                progress: bool = False) -> Iterator[ScoredRow]:
    """Score every row of ``reader`` in order; bad rows come out with ``error`` set, never dropped.

    A scorer that learns statistics and has no corpus (TF-IDF) is fitted on this file's sentences
    first, in one extra streaming pass.
    """
    if scorer.needs_fit and not scorer.is_fitted:
        scorer = scorer.for_sentences(s for r in reader if r.error is None for s in (r.sentence1, r.sentence2)
                                      if isinstance(s, str) and s.strip())
    total = count_lines(reader.path) if progress else None
    with progress_bar(total, progress) as bar:
        pending: list[tuple[PairRow, PreparedPair | None, str | None]] = []
        for row in reader:
            if bar.total and reader.file_has_header and bar.n == 0 and not pending:
                bar.total -= 1  # the header line is not a pair
            prepared, error = None, row.error
            if error is None:
                try:
                    prepared = scorer.prepare_pair(row.sentence1, row.sentence2)
                except InvalidTextError as exc:
                    error = f"line {row.line_no}: {exc}"
            pending.append((row, prepared, error))
            if len(pending) >= batch_size:
                yield from _flush(pending, scorer)
                bar.update(len(pending))
                pending = []
        yield from _flush(pending, scorer)
        bar.update(len(pending))


def _flush(pending, scorer: Scorer) -> Iterator[ScoredRow]:
    results = iter(scorer.score_prepared([p for _, p, e in pending if e is None]))
    for row, _prepared, error in pending:
        if error is not None:
            yield ScoredRow(row, None, None, error)
            continue
        result = next(results)
        warning = f"line {row.line_no}: " + "; ".join(result.warnings) if result.warnings else None
        yield ScoredRow(row, result.score, result.label, None, warning, result.details)


def score_file(input_path: str | Path, output_path: str | Path | None, scorer: Scorer, *,
               fmt: str | None = None, output_format: str | None = None, encoding: str = "utf-8",
               columns: str | None = None, header: bool | None = None, batch_size: int = 256,
               progress: bool = True) -> dict[str, Any]:
    """Score a pair file into ``output_path`` (stdout when None); returns a summary dict."""
    reader = PairReader(input_path, fmt=fmt, encoding=encoding, columns=columns, header=header)
    out_fmt = detect_format(output_path, output_format) if output_path else (output_format or reader.fmt)
    started = time.perf_counter()
    n = errors = warnings = 0
    with PairWriter(output_path, out_fmt, with_prediction=scorer.threshold is not None) as writer:
        for scored in iter_scored(reader, scorer, batch_size, progress):
            writer.write(scored.row, reader.header, scored.score, scored.prediction, scored.error, scored.warning)
            n += 1
            errors += scored.score is None
            warnings += scored.warning is not None
    seconds = time.perf_counter() - started
    summary = {"rows": n, "scored": n - errors, "errors": errors, "warnings": warnings,
               "seconds": round(seconds, 3),
               "pairs_per_second": round(n / seconds, 1) if seconds > 0 else None,
               "scorer": scorer.name, "output": str(output_path) if output_path else "-"}
    if errors:
        log.warning("%d of %d rows could not be scored; see their 'error' column", errors, n)
    return summary


def fit_from_corpus(scorer: Scorer, corpus: str | Path, encoding: str = "utf-8") -> None:
    """Fit a corpus-statistics scorer (TF-IDF) on a file instead of the sentences scored."""
    scorer.fit(read_sentences(corpus, encoding=encoding))
