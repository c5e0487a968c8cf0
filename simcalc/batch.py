"""Scoring whole pair files: read → validate → score in batches → write, in constant memory."""
from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .io import PairReader, PairRow, PairWriter, count_lines, detect_format, read_sentences
from .parallel import resolve_jobs
from .rows import Row, RowOutcome, score_rows
from .scorer import Scorer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoredRow(RowOutcome):
    """A row of the input file (``row``) and what became of it (the :class:`RowOutcome` it extends)."""

    row: PairRow = field(kw_only=True)

    @classmethod
    def of(cls, row: PairRow, outcome: RowOutcome) -> "ScoredRow":
        return cls(outcome.result, outcome.error, outcome.place, row=row)

    @property
    def outcome(self) -> RowOutcome:
        return self

    @property
    def prediction(self) -> int | None:
        """The file's ``prediction`` column: the label at the scorer's threshold."""
        return self.label


def file_row(row: PairRow) -> Row:
    """A pair file's row as row scoring takes it (messages start with ``line N:``)."""
    return Row(row.sentence1, row.sentence2, row.error, f"line {row.line_no}" if row.line_no is not None else None)


def progress_bar(total: int | None, enabled: bool, desc: str = "scoring"):
    """A tqdm bar on stderr counting pairs (pairs/s shown); a no-op object when disabled."""
    from tqdm import tqdm

    return tqdm(total=total, unit="pair", desc=desc, disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def iter_scored(reader: PairReader, scorer: Scorer, batch_size: int | None = None,
                progress: bool = False, jobs: int = 1) -> Iterator[ScoredRow]:
    """Score every row of ``reader`` in order; bad rows come out with ``error`` set, never dropped.

    A scorer that learns statistics and has no corpus (TF-IDF) is fitted on this file's sentences
    first, in one extra streaming pass. ``jobs > 1`` scores in that many worker processes (see
    :mod:`simcalc.parallel`; rows then carry no ``details``); the scores are the same. ``batch_size``:
    pairs handed to the scorer at once (default: the scorer's ``batch_rows``).
    Each row is scored by :func:`simcalc.rows.score_rows`, as everywhere else.
    """
    jobs = resolve_jobs(jobs)
    batch_size = scorer.rows_per_batch(batch_size)
    if scorer.needs_fit and not scorer.is_fitted:
        scorer = scorer.for_sentences(s for r in reader if r.error is None for s in (r.sentence1, r.sentence2)
                                      if isinstance(s, str) and s.strip())
    total = count_lines(reader.path) if progress else None
    with progress_bar(total, progress) as bar:
        if jobs > 1:
            from collections import deque

            from .parallel import score_batches_parallel

            held: deque[list[PairRow]] = deque()

            def sent() -> Iterator[list[Row]]:
                for rows in _batches(reader, batch_size, bar):
                    held.append(rows)
                    yield [file_row(r) for r in rows]

            for outcomes in score_batches_parallel(sent(), scorer, jobs, bar):
                yield from map(ScoredRow.of, held.popleft(), outcomes)
            return
        for rows in _batches(reader, batch_size, bar):
            outcomes = score_rows(scorer, [file_row(r) for r in rows])
            bar.update(len(rows))
            yield from map(ScoredRow.of, rows, outcomes)


def _batches(reader: PairReader, batch_size: int, bar) -> Iterator[list[PairRow]]:
    """The reader's rows in lists of ``batch_size`` (the unit a scorer sees at once, in every mode)."""
    pending: list[PairRow] = []
    for row in reader:
        if bar.total and reader.file_has_header and bar.n == 0 and not pending:
            bar.total -= 1  # the header line is not a pair
        pending.append(row)
        if len(pending) >= batch_size:
            yield pending
            pending = []
    if pending:
        yield pending


def score_file(input_path: str | Path, output_path: str | Path | None, scorer: Scorer, *,
               fmt: str | None = None, output_format: str | None = None, encoding: str = "utf-8",
               columns: str | None = None, header: bool | None = None, batch_size: int | None = None,
               progress: bool = True, jobs: int = 1) -> dict[str, Any]:
    """Score a pair file into ``output_path`` (stdout when None); returns a summary dict.

    ``jobs`` worker processes score in parallel (1: in this process); the output is the same.
    """
    jobs = resolve_jobs(jobs)
    reader = PairReader(input_path, fmt=fmt, encoding=encoding, columns=columns, header=header)
    out_fmt = detect_format(output_path, output_format) if output_path else (output_format or reader.fmt)
    started = time.perf_counter()
    n = errors = warnings = 0
    with PairWriter(output_path, out_fmt, with_prediction=scorer.threshold is not None) as writer:
        for scored in iter_scored(reader, scorer, batch_size, progress, jobs):
            writer.write(scored.row, reader.header, scored.score, scored.prediction, scored.error, scored.warning)
            n += 1
            errors += scored.score is None
            warnings += scored.warning is not None
        writer.set_header(reader.header)
    seconds = time.perf_counter() - started
    summary = {"rows": n, "scored": n - errors, "errors": errors, "warnings": warnings,
               "seconds": round(seconds, 3),
               "pairs_per_second": round(n / seconds, 1) if seconds > 0 else None,
               "scorer": scorer.name, "jobs": jobs, "output": str(output_path) if output_path else "-"}
    if errors:
        log.warning("%d of %d rows could not be scored; see their 'error' column", errors, n)
    return summary


def fit_from_corpus(scorer: Scorer, corpus: str | Path, encoding: str = "utf-8") -> None:
    """Fit a corpus-statistics scorer (TF-IDF) on a file instead of the sentences scored."""
    scorer.fit(read_sentences(corpus, encoding=encoding))
