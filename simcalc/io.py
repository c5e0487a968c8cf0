"""Pair files in and out: TSV, CSV, JSONL; streaming; nothing dropped silently.

Reading
    * One record per physical line. TSV is split on tabs with **no quoting** (the benchmark files
      contain bare ``"``); CSV lines are parsed with standard quoting, strictly: an unbalanced quote is
      an error row, never a field that swallows the following lines; JSONL is one object per line.
    * Each line is decoded on its own, so one undecodable line (say, GBK bytes in a UTF-8 file)
      becomes an error row instead of stopping the run. Its bytes are kept as ``\\xNN`` escapes.
    * The first row is a header when it names the chosen columns, holds a well-known pair of column
      names (``sentence1/sentence2``, ``text_a/text_b``, ``query/title``, ``句子1/句子2`` ...), or is
      made only of identifier-like names one of which is well known; ``header=True/False`` overrides.
    * A row that cannot be used (wrong number of columns, blank line, bad quoting, bad JSON, bad bytes)
      is still yielded, with ``error`` set to a message that starts with its line number.

Writing
    * Output keeps every input column in input order and appends ``score``, ``prediction`` (when a
      threshold applies), ``error`` and ``warning`` (``simcalc_score`` ... when the input already has
      such a column).
    * Files are written to a temporary file beside the target and renamed at the end, so an
      interrupted run never leaves a half-written output.
"""
from __future__ import annotations

import csv
import json
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

from .errors import InputFormatError
from .result import verdict_of

FORMATS = ("tsv", "csv", "jsonl")
KNOWN_PAIR_COLUMNS = (
    ("sentence1", "sentence2"), ("text_a", "text_b"), ("query", "title"), ("s1", "s2"),
    ("question1", "question2"), ("sentence_a", "sentence_b"), ("text1", "text2"), ("q1", "q2"),
    ("句子1", "句子2"), ("问题1", "问题2"),
)
KNOWN_LABEL_COLUMNS = ("label", "labels", "score", "similarity", "is_duplicate", "gold_label", "标签")
#: ``verdict`` comes last: scripts that read the earlier columns by position keep working.
OUTPUT_COLUMNS = ("score", "prediction", "error", "warning", "verdict")
_IDENTIFIER = re.compile(r"^[^\W\d][\w.\- ]*$")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long fields are cut later, with a warning


@dataclass
class PairRow:
    """One input record, with the two sentences picked out (or an error saying why not)."""

    line_no: int
    fields: list[str] | dict[str, Any]
    sentence1: Any = None
    sentence2: Any = None
    label: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def detect_format(path: str | Path | None, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InputFormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower() if path else ""
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


def check_encoding(encoding: str) -> None:
    """Accept only encodings that keep ASCII (tabs, commas, newlines) as single bytes."""
    try:
        ok = b"a\t,\n".decode(encoding) == "a\t,\n"
    except UnicodeDecodeError:
        ok = False
    except LookupError:
        raise InputFormatError(f"unknown encoding {encoding!r} (try utf-8, utf-8-sig or gbk)") from None
    if not ok:
        raise InputFormatError(f"encoding {encoding!r} is not ASCII-compatible; convert the file to UTF-8 first")


def _decoded_lines(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, str, bool]]:
    """(line number, text without its line ending, decoded cleanly?) for each physical line."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf") and encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
            raw = raw[3:]  # a BOM at file start is never data
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        try:
            yield number, raw.decode(encoding), True
        except UnicodeDecodeError:
            yield number, raw.decode(encoding, errors="backslashreplace"), False


def _text(value: Any) -> Any:
    """Sentences must be strings; numbers become text, anything else stays (and is refused later)."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    return str(value).strip()


class PairReader:
    """Iterate a pair file as :class:`PairRow` objects, in order, in constant memory.

    After iteration has started, ``header`` holds the column names (for headerless tables,
    ``column1..N``), ``file_has_header`` says whether the file had one and ``has_label`` whether a
    label column was found. Each ``iter()`` reads the file afresh.
    """

    def __init__(self, path: str | Path, *, fmt: str | None = None, encoding: str = "utf-8",
                 columns: str | Sequence[str] | None = None, header: bool | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputFormatError(f"{self.path}: no such file")
        self.fmt = detect_format(self.path, fmt)
        check_encoding(encoding)
        self.encoding = encoding
        self.columns = parse_columns(columns)
        self.header_flag = header
        self._reset()

    def _reset(self) -> None:
        self.header: list[str] | None = None
        self.file_has_header = False
        self.has_label = False
        self._keys: tuple[Any, Any, Any] | None = None
        self._width: int | None = None

    # -- column choice ----------------------------------------------------------------------------
    def _is_header(self, row: list[str]) -> bool:
        if self.header_flag is not None:
            return self.header_flag
        names = [c.strip().lower() for c in row]
        wanted = {c.lower() for c in (self.columns or []) if not c.isdigit()}
        if wanted and wanted & set(names):
            return True
        if any(a in names and b in names for a, b in KNOWN_PAIR_COLUMNS):
            return True
        known = {c for pair in KNOWN_PAIR_COLUMNS for c in pair} | set(KNOWN_LABEL_COLUMNS)
        return bool(set(names) & known) and all(_IDENTIFIER.match(n) for n in names)

    def _set_keys(self, names: list[str]) -> None:
        """Choose the sentence and label keys: indices for tables, names for JSONL."""
        self.header = names
        lowered = [n.strip().lower() for n in names]

        def key(spec: str) -> Any:
            if spec.isdigit():
                index = int(spec) - 1
                if not 0 <= index < len(names):
                    raise InputFormatError(f"column {spec} does not exist (the file has {len(names)} columns)")
            elif spec.lower() in lowered:
                index = lowered.index(spec.lower())
            else:
                raise InputFormatError(f"column {spec!r} not found; columns are: {', '.join(names)}")
            return names[index] if self.fmt == "jsonl" else index

        def label_key(exclude: Sequence[Any]) -> Any:
            for candidate in KNOWN_LABEL_COLUMNS:
                if candidate in lowered and key(candidate) not in exclude:
                    return key(candidate)
            return None

        if self.columns:
            keys = [key(c) for c in self.columns]
            label = keys[2] if len(keys) == 3 else label_key(keys)
        else:
            pair = next(((a, b) for a, b in KNOWN_PAIR_COLUMNS if a in lowered and b in lowered), None)
            if pair is not None:
                keys = [key(pair[0]), key(pair[1])]
                label = label_key(keys)
            elif self.fmt != "jsonl" and not self.file_has_header:
                keys, label = [0, 1], (2 if len(names) >= 3 else None)
            else:
                raise InputFormatError(
                    f"cannot tell which columns hold the two sentences (columns: {', '.join(names)}); "
                    "name them with --columns A,B[,LABEL]")
        self._keys = (keys[0], keys[1], label)
        self.has_label = label is not None

    # -- iteration --------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[PairRow]:
        self._reset()
        with open(self.path, "rb") as stream:
            lines = _decoded_lines(stream, self.encoding)
            if self.fmt == "jsonl":
                yield from self._iter_jsonl(lines)
            else:
                yield from self._iter_table(lines)

    def _line_error(self, line_no: int, line: str, clean: bool) -> str | None:
        """What is wrong with a physical line before any parsing: bad bytes, or nothing on it."""
        if not clean:
            return f"line {line_no}: bytes that are not valid {self.encoding} (kept as \\x escapes); check --encoding"
        if not line.strip():
            return f"line {line_no}: blank line"
        return None

    def _split(self, line: str) -> list[str]:
        if self.fmt == "tsv":
            return line.split("\t")
        return next(csv.reader([line], strict=True), [])

    def _iter_table(self, lines: Iterator[tuple[int, str, bool]]) -> Iterator[PairRow]:
        leading: list[PairRow] = []  # error rows seen before the header: yielded after it is known
        for line_no, line, clean in lines:
            row = PairRow(line_no, [line], error=self._line_error(line_no, line, clean))
            if row.error is None:
                try:
                    row.fields = self._split(line)
                except csv.Error as exc:
                    row.error = f"line {line_no}: malformed CSV ({exc}); one record per line, quotes balanced"
            if row.error is None and self._keys is None:
                if self._is_header(row.fields):  # type: ignore[arg-type]
                    self.file_has_header = True
                    self._width = len(row.fields)
                    self._set_keys([c.strip() for c in row.fields])  # type: ignore[union-attr]
                    yield from leading
                    leading = []
                    continue
                if len(row.fields) >= 2:
                    self._width = len(row.fields)
                    self._set_keys([f"column{i}" for i in range(1, self._width + 1)])
                    yield from leading
                    leading = []
            if self._keys is None:
                if row.error is None:
                    row.error = f"line {line_no}: expected at least 2 columns, found {len(row.fields)}"
                leading.append(row)
                continue
            yield self._fill(row)
        yield from leading

    def _fill(self, row: PairRow) -> PairRow:
        if row.error is not None:
            return row
        fields: list[str] = row.fields  # type: ignore[assignment]
        if len(fields) != self._width:
            row.error = f"line {row.line_no}: expected {self._width} columns, found {len(fields)}"
            if len(fields) > (self._width or 0):
                row.extra["extra_fields"] = fields[self._width:]
            return row
        k1, k2, kl = self._keys  # type: ignore[misc]
        row.sentence1, row.sentence2 = fields[k1], fields[k2]
        row.label = _label(fields[kl]) if kl is not None else None
        return row

    def _iter_jsonl(self, lines: Iterator[tuple[int, str, bool]]) -> Iterator[PairRow]:
        for line_no, line, clean in lines:
            row = PairRow(line_no, {"raw": line}, error=self._line_error(line_no, line, clean))
            if row.error is None:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    obj, row.error = None, f"line {line_no}: invalid JSON ({exc.msg})"
                if row.error is None and not isinstance(obj, dict):
                    row.error = f"line {line_no}: expected a JSON object"
                elif row.error is None:
                    row.fields = obj
                    if self._keys is None:
                        try:
                            self._set_keys(list(obj))
                        except InputFormatError as exc:
                            if self.columns:  # a named column that is absent: the user must fix it
                                raise
                            row.error = f"line {line_no}: {exc}"
            if row.error is None:
                k1, k2, kl = self._keys  # type: ignore[misc]
                missing = [k for k in (k1, k2) if k not in row.fields]
                if missing:
                    row.error = f"line {line_no}: missing key(s) {', '.join(missing)}"
                else:
                    row.sentence1, row.sentence2 = _text(row.fields[k1]), _text(row.fields[k2])
                    row.label = _label(row.fields.get(kl)) if kl is not None else None  # type: ignore[union-attr]
            yield row


def read_pairs(path: str | Path, **options: Any) -> Iterator[PairRow]:
    """Shorthand for ``iter(PairReader(path, **options))``."""
    return iter(PairReader(path, **options))


def read_sentences(path: str | Path, encoding: str = "utf-8") -> Iterator[str]:
    """Every usable sentence of a file: both sides of a pair file (.tsv/.csv/.jsonl), else one per line."""
    path = Path(path)
    if path.suffix.lower() in (".tsv", ".csv", ".jsonl", ".json", ".ndjson"):
        for row in PairReader(path, encoding=encoding):
            if row.error is None:
                yield from (s for s in (row.sentence1, row.sentence2) if isinstance(s, str) and s.strip())
        return
    with open(path, encoding=encoding, errors="replace") as f:
        yield from (line.strip() for line in f if line.strip())


def count_lines(path: str | Path) -> int:
    """Physical line count (for progress bars), in 1 MiB chunks."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _cell(value: Any) -> str:
    """A table cell: strings as they are (tab/newline/CR folded to spaces in TSV), others as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def output_names(input_columns: Sequence[str], with_prediction: bool, with_verdict: bool = False) -> dict[str, str]:
    """The columns scoring adds (score, prediction when a threshold applies, error, warning, and the verdict
    when asked: similar / not similar / opposite), each renamed ``simcalc_<name>`` when the input already
    has a column of that name."""
    taken = {str(h).lower() for h in input_columns}
    wanted = [c for c in OUTPUT_COLUMNS if (c != "prediction" or with_prediction) and (c != "verdict" or with_verdict)]
    return {c: (f"simcalc_{c}" if c in taken else c) for c in wanted}


class AtomicOutput:
    """A text output that appears whole or not at all: a temp file beside ``path`` renamed by
    :meth:`commit`, removed by :meth:`discard` (Ctrl-C, SIGTERM, an error). ``path=None``: standard output
    (or ``stream``). Used by every command that writes a file of results."""

    def __init__(self, path: str | Path | None, stream: IO[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._tmp_name: str | None = None
        if self.path is None:
            self.stream: IO[str] = stream or sys.stdout
            return
        directory = self.path.absolute().parent
        if not directory.is_dir():
            raise InputFormatError(f"output folder {directory} does not exist")
        fd, self._tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=directory)
        try:  # replacing a file keeps its permissions (a chmod 600 result stays private)
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:  # a new file: what the user's umask gives (mkstemp's 0600 is not what one expects)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(self._tmp_name, mode)
        self.stream = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        if self._tmp_name is None:
            self.stream.flush()
            return
        self.stream.close()
        os.replace(self._tmp_name, self.path)  # type: ignore[arg-type]
        self._tmp_name = None

    def discard(self) -> None:
        if self._tmp_name is None:
            return
        self.stream.close()
        try:
            os.unlink(self._tmp_name)
        except FileNotFoundError:
            pass
        self._tmp_name = None

    def __enter__(self) -> IO[str]:
        return self.stream

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


class PairWriter:
    """Write scored rows atomically: a temp file beside ``path``, renamed on :meth:`close`.

    Use as a context manager; if the block raises (Ctrl-C, SIGTERM via SystemExit, an error), the
    temp file is removed and ``path`` is untouched. ``path=None`` writes to standard output.
    """

    def __init__(self, path: str | Path | None, fmt: str, with_prediction: bool,
                 stream: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.path = Path(path) if path is not None else None
        self.with_prediction = with_prediction
        self.input_header: list[str] = []
        self.out_names: dict[str, str] = {}
        self._target = AtomicOutput(self.path, stream)
        self._out: IO[str] = self._target.stream
        self._csv = csv.writer(self._out, lineterminator="\n") if fmt == "csv" else None
        self._started = False
        self._header: list[str] | None = None

    def __enter__(self) -> "PairWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _start(self, header: list[str] | None) -> None:
        self.input_header = list(header or [])
        self.out_names = output_names(self.input_header, self.with_prediction, with_verdict=self.with_prediction)
        if self.fmt != "jsonl":
            self._write_fields(self.input_header + list(self.out_names.values()))
        self._started = True

    def _write_fields(self, fields: list[str]) -> None:
        if self._csv is not None:
            self._csv.writerow(fields)
        else:
            self._out.write("\t".join(re.sub(r"[\t\r\n]", " ", f) for f in fields) + "\n")

    def write(self, row: PairRow, header: list[str] | None, score: float | None, prediction: int | None,
              error: str | None, warning: str | None = None) -> None:
        """Write one row; ``header`` is the reader's (known once the reader has started)."""
        if not self._started:
            self._start(header)
        values = {"score": None if score is None else round(score, 6), "prediction": prediction,
                  "verdict": verdict_of(score, prediction), "error": error, "warning": warning}
        if row.extra.get("extra_fields"):
            values["error"] = f"{error} (extra fields: {json.dumps(row.extra['extra_fields'], ensure_ascii=False)})"
        ours = {name: values[c] for c, name in self.out_names.items()}
        if isinstance(row.fields, dict):
            record = dict(row.fields)
        elif row.error is None or len(row.fields) == len(self.input_header):
            record = dict(zip(self.input_header, row.fields)) if self.input_header else {"fields": row.fields}
        else:
            record = {"raw": "\t".join(row.fields) if self.fmt != "csv" else ",".join(row.fields)}
        if self.fmt == "jsonl":
            self._out.write(json.dumps({**record, **ours}, ensure_ascii=False) + "\n")
            return
        if isinstance(row.fields, dict):
            cells = [_cell(row.fields.get(h)) for h in self.input_header]
            unknown = {k: v for k, v in row.fields.items() if k not in self.input_header}
            if unknown and not ours[self.out_names["error"]]:
                ours[self.out_names["error"]] = (f"line {row.line_no}: keys not in the first object's columns: "
                                                 + json.dumps(unknown, ensure_ascii=False))
        else:
            cells = list(row.fields)
            if self.input_header:
                cells = (cells + [""] * len(self.input_header))[:len(self.input_header)]
        self._write_fields(cells + [("" if v is None else f"{v:.6f}" if isinstance(v, float) else str(v))
                                    for v in ours.values()])

    def set_header(self, header: list[str] | None) -> None:
        """The reader's header, for a file that has no rows to write (its column names are kept)."""
        self._header = header

    def close(self) -> None:
        if self.path is not None and not self._started and self.fmt != "jsonl":
            self._start(self._header)
        self._target.commit()

    def abort(self) -> None:
        self._target.discard()
