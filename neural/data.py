"""Reading pair files for training, through the lead's :mod:`simcalc.io` reader.

Pair files are TSV (no quoting; BQ train has ``"`` in 107 rows), CSV or JSONL with a header naming the
two sentence columns and a label column (``sentence1 sentence2 label`` in the shared data). For training
nothing may be skipped silently, so a row the reader flags as unusable stops the run with its line number.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from simcalc import io as pair_io
from simcalc.errors import InputFormatError, ResourceNotFoundError

Row = tuple[str, str, str]


def read_pairs(path: str | Path) -> list[Row]:
    """``(sentence1, sentence2, label)`` rows as strings; a bad row is an :class:`InputFormatError`."""
    path = Path(path)
    if not path.is_file():
        raise ResourceNotFoundError(f"pair file {path} does not exist")
    reader = pair_io.PairReader(path)
    rows: list[Row] = []
    for row in reader:
        if row.error is not None:
            raise InputFormatError(f"{path}: {row.error}")
        if row.label is None or row.label == "":
            raise InputFormatError(f"{path}:{row.line_no}: no label (training needs a label column)")
        rows.append((row.sentence1, row.sentence2, row.label))
    return rows


def int_labels(rows: list[Row], path: str | Path = "") -> list[int]:
    """Class labels as ints (0/1, or 0/1/2 for QBQTC); graded labels are an error for a classifier."""
    out = []
    for index, (_, _, label) in enumerate(rows):
        try:
            value = float(label)
        except ValueError:
            raise InputFormatError(f"{path} row {index + 1}: label {label!r} is not a number") from None
        if value != int(value) or value < 0:
            raise InputFormatError(
                f"{path} row {index + 1}: label {label!r} is not a class id (0, 1, 2 ...); "
                "binarise graded scores first")
        out.append(int(value))
    return out


def corpus_sentences(path: str | Path) -> Iterator[str]:
    """Sentences of a pair file (.tsv/.csv/.jsonl: both columns) or of a text file (one sentence a line)."""
    path = Path(path)
    if not path.is_file():
        raise ResourceNotFoundError(f"corpus file {path} does not exist")
    return pair_io.read_sentences(path)
