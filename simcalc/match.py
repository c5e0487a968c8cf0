"""``simcalc match``: the top-k FAQ questions for each query of a file.

The FAQ file is one question per line, or a TSV whose first column is the question (other columns,
e.g. an id or the answer, are copied to the output). Queries: one per line (``-`` = stdin).
Output: TSV ``query_line, query, rank, faq_line, faq_question, score, label[, faq columns...]`` or JSONL.
A query that cannot be scored gets one row with its ``error``. With an ensemble, ranking is the learned FAQ
ranker's (:mod:`simcalc.ranker`): ``score`` is its P(this question answers the query) and ``label`` whether that
reaches the ranker's threshold; JSONL rows add ``decided_by`` (the feature that put the match ahead of the next
one), and the library's :attr:`Match.result <simcalc.rank.Match.result>` holds every feature's contribution.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import InputFormatError, InvalidTextError
from .io import AtomicOutput


def read_faq(path: str | Path, encoding: str = "utf-8") -> tuple[list[str], list[list[str]], list[int]]:
    """Questions, their extra columns, and their line numbers; empty lines are skipped."""
    questions, extras, lines = [], [], []
    try:
        with open(path, encoding=encoding) as f:
            for line_no, line in enumerate(f, 1):
                cells = line.rstrip("\r\n").split("\t")
                if not cells[0].strip():
                    continue
                questions.append(cells[0])
                extras.append(cells[1:])
                lines.append(line_no)
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{path}: not {encoding} text ({exc.reason}); pass --encoding") from None
    if not questions:
        raise InputFormatError(f"{path}: no FAQ questions found")
    return questions, extras, lines


def read_queries(path: str, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    stream: IO[str] = sys.stdin if path == "-" else open(path, encoding=encoding)
    try:
        for line_no, line in enumerate(stream, 1):
            if line.strip():
                yield line_no, line.rstrip("\r\n").split("\t")[0]
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{path}: not {encoding} text ({exc.reason}); pass --encoding") from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def match_file(queries: str, faq: str | Path, engine: Any, *, top_k: int = 3, output: str | None = None,
               fmt: str = "tsv", encoding: str = "utf-8", prefilter_above: int = 500,
               shortlist: int = 100, ranker: str | None = "auto") -> dict[str, Any]:
    """Rank the FAQ for every query; write rows to ``output`` (atomically) or stdout; return a summary.

    ``ranker``: for an ensemble engine, the learned FAQ ranker or None (see :meth:`simcalc.Engine.index`)."""
    questions, extras, faq_lines = read_faq(faq, encoding)
    index = engine.index(questions, prefilter_above=prefilter_above, shortlist=shortlist, ranker=ranker)
    n = errors = 0
    started = time.perf_counter()
    with AtomicOutput(output) as out:
        if fmt == "tsv":
            out.write("query_line\tquery\trank\tfaq_line\tfaq_question\tscore\tlabel\terror\n")
        for line_no, query in read_queries(queries, encoding):
            n += 1
            try:
                matches = index.rank(query, top_k)
            except InvalidTextError as exc:
                errors += 1
                _write(out, fmt, {"query_line": line_no, "query": query, "error": f"line {line_no}: {exc}"}, [])
                continue
            for m in matches:
                row = {"query_line": line_no, "query": query, "rank": m.rank, "faq_line": faq_lines[m.index],
                       "faq_question": m.text, "score": round(m.score, 6), "label": m.label}
                if fmt == "jsonl" and "decided_by" in m.result.details:
                    row["decided_by"] = m.result.details["decided_by"]
                _write(out, fmt, row, extras[m.index])
    seconds = time.perf_counter() - started
    return {"queries": n, "errors": errors, "faq_questions": len(questions), "top_k": top_k,
            "prefiltered": index.prefilter is not None, "seconds": round(seconds, 3),
            "ranker": index.ranker.ranker.name if index.ranker is not None else None,
            "queries_per_second": round(n / seconds, 1) if seconds > 0 else None,
            "output": str(output) if output else "-"}


def _write(out: IO[str], fmt: str, row: dict[str, Any], extra: list[str]) -> None:
    if fmt == "jsonl":
        if extra:
            row["faq_columns"] = extra
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    cells = [row.get(k) for k in ("query_line", "query", "rank", "faq_line", "faq_question", "score", "label", "error")]
    text = ["" if c is None else str(c).replace("\t", " ").replace("\n", " ") for c in cells]
    out.write("\t".join(text + extra) + "\n")
