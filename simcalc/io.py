"""Pair files in and out: TSV, CSV, JSONL; streaming; nothing dropped silently.

Reading
    * TSV is split on tabs with **no quoting** (the benchmark files contain bare ``"``); CSV uses
      standard quoting; JSONL is one object per line.
    * Each physical line is decoded on its own, so one undecodable line (say, GBK bytes in a UTF-8
      file) becomes an error row instead of stopping the run. Its bytes are kept as ``\\xNN`` escapes.
    * The first row is a header when it names the chosen columns or a well-known column
      (``sentence1``, ``text_a``, ``query`` ...); ``header=True/False`` overrides the guess.
    * A row that cannot be used (wrong number of columns, blank line, bad JSON, bad bytes) is still
      yielded, with ``error`` set to a message that starts with its line number.

Writing
    * Output keeps every input column in input order and appends ``score``, ``prediction`` (when a
      threshold applies) and ``error``.
    * Files are written to a temporary file beside the target and renamed at the end, so an
      interrupted run never leaves a half-written output.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

from .errors import InputFormatError

FORMATS = ("tsv", "csv", "jsonl")
KNOWN_PAIR_COLUMNS = (
    ("sentence1", "sentence2"), ("text_a", "text_b"), ("query", "title"), ("s1", "s2"),
    ("question1", "question2"), ("sentence_a", "sentence_b"), ("text1", "text2"), ("q1", "q2"),
)
KNOWN_LABEL_COLUMNS = ("label", "labels", "score", "similarity", "is_duplicate", "gold_label")
OUTPUT_COLUMNS = ("score", "prediction", "error")


@dataclass
class PairRow:
    """One input record, with the two sentences picked out (or an error saying why not)."""

    line_no: int
    fields: list[str] | dict[str, Any]
    sentence1: str | None = None
    sentence2: str | None = None
    label: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InputFormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}.get(suffix, "tsv")


def parse_columns(spec: str | Sequence[str] | None) -> list[str] | None:
    """``"s1,s2"`` or ``"s1,s2,label"`` (names, or 1-based numbers) → list, or None."""
    if spec is None:
        return None
    names = [c.strip() for c in (spec.split(",") if isinstance(spec, str) else spec)]
    if len(names) not in (2, 3) or not all(names):
        raise InputFormatError(
            f"--columns takes two or three comma-separated names or 1-based numbers "
            f"(sentence1,sentence2[,label]), got {spec!r}"
        )
    return names


def _decoded_lines(stream: IO[bytes], encoding: str, bad_lines: set[int]) -> Iterator[str]:
    """Decode line by line; a line with bad bytes is recorded and decoded with escapes."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and encoding.replace("_", "-").lower() in ("utf-8", "utf8") and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a BOM at file start is never data
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            bad_lines.add(number)
            text = raw.decode(encoding, errors="backslashreplace")
        if text.endswith("\n"):
            text = text[:-1]
        yield text[:-1] if text.endswith("\r") else text


class PairReader:
    """Iterate a pair file as :class:`PairRow` objects, in order, in constant memory.

    After the first row has been read, ``header`` holds the column names (or generated
    ``column1..N`` names when the file has none) and ``has_label`` says whether labels were found.
    """

    def __init__(self, path: str | Path, *, fmt: str | None = None, encoding: str = "utf-8",
                 columns: str | Sequence[str] | None = None, header: bool | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputFormatError(f"{self.path}: no such file")
        self.fmt = detect_format(self.path, fmt)
        self.encoding = encoding
        try:
            "".encode(encoding)
        except LookupError:
            raise InputFormatError(f"unknown encoding {encoding!r} (try utf-8, utf-8-sig or gbk)") from None
        self.columns = parse_columns(columns)
        self.header_flag = header
        self.header: list[str] | None = None
        self.file_has_header = False
        self.has_label = False
        self._index: tuple[Any, Any, Any] | None = None

    # -- column choice ----------------------------------------------------------------------------
    def _looks_like_header(self, row: list[str]) -> bool:
        if self.header_flag is not None:
            return self.header_flag
        names = {c.strip().lower() for c in row}
        wanted = {c.lower() for c in (self.columns or []) if not c.isdigit()}
        known = {c for pair in KNOWN_PAIR_COLUMNS for c in pair} | set(KNOWN_LABEL_COLUMNS)
        return bool(names & wanted) or len(names & known) >= 1 and all(
            c.replace("_", "").isalnum() and c.isascii() for c in names if c)

    def _choose(self, names: list[str]) -> tuple[Any, Any, Any]:
        """Return keys (indices for rows, names for JSON) of sentence1, sentence2, label."""
        lowered = [n.lower() for n in names]

        def key(spec: str) -> Any:
            if spec.isdigit():
                index = int(spec) - 1
                if not 0 <= index < len(names):
                    raise InputFormatError(f"column {spec} does not exist (the file has {len(names)} columns)")
                return names[index] if self.fmt == "jsonl" else index
            if spec.lower() not in lowered:
                raise InputFormatError(f"column {spec!r} not found; columns are: {', '.join(names)}")
            i = lowered.index(spec.lower())
            return names[i] if self.fmt == "jsonl" else i

        if self.columns:
            keys = [key(c) for c in self.columns]
            label = keys[2] if len(keys) == 3 else self._label_key(names, lowered, exclude=keys)
            return keys[0], keys[1], label
        for a, b in KNOWN_PAIR_COLUMNS:
            if a in lowered and b in lowered:
                return key(a), key(b), self._label_key(names, lowered)
        if self.fmt == "jsonl":
            raise InputFormatError(
                f"cannot tell which keys hold the sentences (keys: {', '.join(names)}); use --columns A,B")
        if len(names) < 2:
            raise InputFormatError("the file has fewer than two columns; pairs need two sentences")
        label = 2 if len(names) >= 3 else None
        if self.file_has_header:
            label = self._label_key(names, lowered, exclude=[0, 1])
        return 0, 1, label

    def _label_key(self, names: list[str], lowered: list[str], exclude: Sequence[Any] = ()) -> Any:
        for candidate in KNOWN_LABEL_COLUMNS:
            if candidate in lowered:
                k = names[lowered.index(candidate)] if self.fmt == "jsonl" else lowered.index(candidate)
                if k not in exclude:
                    return k
        return None

    # -- iteration --------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[PairRow]:
        self._index, self.header, self.file_has_header = None, None, False  # each pass starts afresh
        bad_lines: set[int] = set()
        with open(self.path, "rb") as stream:
            lines = _decoded_lines(stream, self.encoding, bad_lines)
            if self.fmt == "jsonl":
                yield from self._iter_jsonl(lines, bad_lines)
            else:
                yield from self._iter_table(lines, bad_lines)

    def _bad_bytes(self, line_no: int) -> str:
        return f"line {line_no}: bytes that are not valid {self.encoding} (kept as \\x escapes); check --encoding"

    def _iter_table(self, lines: Iterator[str], bad_lines: set[int]) -> Iterator[PairRow]:
        if self.fmt == "tsv":
            records = ((n, line.split("\t")) for n, line in enumerate(lines, start=1))
        else:
            reader = csv.reader(line + "\n" for line in lines)
            records = ((reader.line_num, row) for row in reader)
        width = None
        for line_no, row in records:
            if self._index is None:
                if row == [""]:
                    yield PairRow(line_no, row, error=f"line {line_no}: blank line")
                    continue
                width = len(row)
                if self._looks_like_header(row):
                    self.file_has_header = True
                    self.header = [c.strip() for c in row]
                    self._index = self._choose(self.header)
                    self.has_label = self._index[2] is not None
                    continue
                self.header = [f"column{i}" for i in range(1, width + 1)]
                self._index = self._choose(self.header)
                self.has_label = self._index[2] is not None
            yield self._table_row(line_no, row, width, line_no in bad_lines)

    def _table_row(self, line_no: int, row: list[str], width: int | None, bad: bool) -> PairRow:
        i1, i2, il = self._index  # type: ignore[misc]
        out = PairRow(line_no, row)
        if bad:
            out.error = self._bad_bytes(line_no)
        elif row == [""]:
            out.error = f"line {line_no}: blank line"
        elif width is not None and len(row) != width:
            out.error = f"line {line_no}: expected {width} columns, found {len(row)}"
            if len(row) > width:
                out.extra["extra_fields"] = row[width:]
        if out.error is None:
            out.sentence1, out.sentence2 = row[i1], row[i2]
            out.label = row[il].strip() if il is not None else None
        return out

    def _iter_jsonl(self, lines: Iterator[str], bad_lines: set[int]) -> Iterator[PairRow]:
        for line_no, line in enumerate(lines, start=1):
            if line_no in bad_lines:
                yield PairRow(line_no, {"raw": line}, error=self._bad_bytes(line_no))
                continue
            if not line.strip():
                yield PairRow(line_no, {}, error=f"line {line_no}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield PairRow(line_no, {"raw": line}, error=f"line {line_no}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                yield PairRow(line_no, {"raw": line}, error=f"line {line_no}: expected a JSON object")
                continue
            if self._index is None:
                self.header = list(obj)
                self._index = self._choose(self.header)
                self.has_label = self._index[2] is not None
            k1, k2, kl = self._index
            row = PairRow(line_no, obj)
            missing = [k for k in (k1, k2) if k not in obj]
            if missing:
                row.error = f"line {line_no}: missing key(s) {', '.join(missing)}"
            else:
                row.sentence1, row.sentence2 = _as_text(obj[k1]), _as_text(obj[k2])
                row.label = None if kl is None or obj.get(kl) is None else str(obj[kl])
            yield row


def _as_text(value: Any) -> Any:
    """Keep strings; None stays None (reported later as an error); numbers become text."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def read_pairs(path: str | Path, **options: Any) -> Iterator[PairRow]:
    """Shorthand for ``iter(PairReader(path, **options))``."""
    return iter(PairReader(path, **options))


def read_corpus_sentences(path: str | Path, encoding: str = "utf-8") -> Iterator[str]:
    """Sentences for fitting corpus statistics: both sides of a pair file, or one sentence per line."""
    path = Path(path)
    if path.suffix.lower() in (".tsv", ".csv", ".jsonl", ".json"):
        for row in PairReader(path, encoding=encoding):
            if row.error is None:
                for s in (row.sentence1, row.sentence2):
                    if isinstance(s, str) and s.strip():
                        yield s
        return
    with open(path, encoding=encoding, errors="replace") as f:
        for line in f:
            if line.strip():
                yield line.strip()


def count_lines(path: str | Path) -> int:
    """Physical line count (for progress bars), in 1 MiB chunks."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


class PairWriter:
    """Write scored rows atomically: a temp file beside ``path``, renamed on :meth:`close`.

    Use as a context manager; if the block raises, the temp file is removed and ``path`` is untouched.
    ``path=None`` writes to standard output as rows arrive.
    """

    def __init__(self, path: str | Path | None, fmt: str, input_header: list[str] | None,
                 with_prediction: bool, stream: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.path = Path(path) if path is not None else None
        self.extra = ["score"] + (["prediction"] if with_prediction else []) + ["error"]
        self.input_header = list(input_header or [])
        self._tmp_name: str | None = None
        if self.path is not None:
            directory = self.path.resolve().parent
            fd, self._tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=directory)
            self._out: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="")
        else:
            import sys

            self._out = stream or sys.stdout
        self._csv = csv.writer(self._out, lineterminator="\n") if fmt == "csv" else None
        self._started = False

    def __enter__(self) -> "PairWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _write_fields(self, fields: list[str]) -> None:
        if self._csv is not None:
            self._csv.writerow(fields)
        else:
            self._out.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields) + "\n")

    def set_header(self, header: list[str] | None) -> None:
        if not self._started and header:
            self.input_header = list(header)

    def write(self, row: PairRow, score: float | None, prediction: int | None, error: str | None) -> None:
        values = {"score": "" if score is None else f"{score:.6f}",
                  "prediction": "" if prediction is None else str(prediction),
                  "error": error or ""}
        if self.fmt == "jsonl":
            obj = dict(row.fields) if isinstance(row.fields, dict) else {"fields": row.fields}
            obj["score"] = None if score is None else round(score, 6)
            if "prediction" in self.extra:
                obj["prediction"] = prediction
            obj["error"] = error
            self._out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            return
        if not self._started:
            self._write_fields(self.input_header + self.extra)
            self._started = True
        width = len(self.input_header)
        fields = list(row.fields) if isinstance(row.fields, list) else list(row.fields.values())
        if width:
            fields = (fields + [""] * width)[:width]
        if row.extra.get("extra_fields"):
            values["error"] += f" (extra fields: {json.dumps(row.extra['extra_fields'], ensure_ascii=False)})"
        self._write_fields(fields + [values[c] for c in self.extra])

    def close(self) -> None:
        if self.path is None:
            self._out.flush()
            return
        self._out.close()
        os.replace(self._tmp_name, self.path)  # type: ignore[arg-type]

    def abort(self) -> None:
        if self.path is not None and self._tmp_name:
            self._out.close()
            try:
                os.unlink(self._tmp_name)
            except FileNotFoundError:
                pass
