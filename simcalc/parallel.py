"""Scoring a pair file with several worker processes (``simcalc score --jobs N``).

Why processes: the lexical scorers are pure Python and hold the GIL, so threads would not help.
How it keeps the promises of serial scoring:

* **Same results.** The parent cuts the file into the same ``batch_size`` batches as a serial run and
  every worker scores each batch with :func:`simcalc.batch.score_rows`, the function the serial path
  uses; a scorer that fits statistics on the scored sentences (TF-IDF without a corpus) is fitted
  once in the parent, on the whole file, before the fitted scorer is shipped. ``--jobs 2`` output is
  byte-identical to ``--jobs 1``.
* **Order and error rows.** Results are collected in submission order; rows stay in the parent and
  only ``(line, sentence1, sentence2, error)`` travel, so a bad row keeps its place and its message.
* **Constant memory.** At most ``2 × jobs`` tasks are in flight, each of whole batches up to ``task_rows`` rows
  (one batch when a batch is larger: the neural scorers' 4,096); the
  reader is consumed only as results come back.
* **One model load per worker.** The scorer is pickled once and unpickled by each worker's
  initializer; a registry scorer that cannot be pickled (the rule engine holds modules) is rebuilt by
  name and options in each worker instead. Torch gets ``cores // jobs`` threads per worker so workers
  do not oversubscribe.
* **Interrupt-safe.** Workers ignore Ctrl-C (the parent handles it); when the parent stops for any
  reason the workers are terminated and the caller's atomic writer removes its temp file.

Workers are started with the ``spawn`` method: forking a process that already ran torch can hang.
"""
from __future__ import annotations

import ast
import logging
import os
import pickle
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .batch import Outcome, ScoredRow, resolve_jobs, score_rows
from .errors import InputFormatError
from .io import PairRow
from .scorer import Scorer

log = logging.getLogger(__name__)

_worker_scorer: Scorer | None = None  # the one scorer of this worker process


def _init_worker(payload: bytes, torch_threads: int) -> None:
    """Runs once in each worker: get the scorer (the only model load) and set thread limits."""
    global _worker_scorer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    shipped = pickle.loads(payload)
    if isinstance(shipped, _Recipe):
        from . import registry

        if shipped.spec.name not in registry.names():  # a plug-in registered at run time in the parent
            registry.register(shipped.spec)
        shipped = registry.get(shipped.spec.name, **shipped.options)
    _worker_scorer = shipped
    import sys

    if "torch" in sys.modules:  # the scorer uses torch: its share of the cores, not the parent's choice
        sys.modules["torch"].set_num_threads(torch_threads)
        if isinstance(getattr(shipped, "threads", None), int):  # neural scorers scope their own threads
            shipped.threads = torch_threads


def _score_task(batches: list[list[tuple[int | None, Any, Any, str | None]]]) -> list[list[Outcome]]:
    assert _worker_scorer is not None, "worker was not initialised"
    # details stay in the worker: `simcalc score` does not write them, and they can be large
    return [[outcome[:4] + ({},) for outcome in score_rows(_worker_scorer, batch)] for batch in batches]


@dataclass(frozen=True)
class _Recipe:
    """A registry scorer that cannot be pickled (it holds modules, parsers ...): workers build their own."""

    spec: Any  # registry.ScorerSpec
    options: dict[str, Any]


def _recipe(scorer: Scorer) -> _Recipe | None:
    """(name, options) of a scorer that came from :func:`simcalc.registry.get`, else None."""
    from . import registry

    for (name, items), cached in list(registry._cache.items()):
        if cached is scorer or getattr(scorer, "registry_key", None) == (name, items):
            try:  # the cache key holds repr()s; the CLI's options (str, float, int, None) read back exactly
                return _Recipe(registry.spec(name), {k: ast.literal_eval(v) for k, v in items})
            except (ValueError, SyntaxError):
                return None
    return None


def _payload(scorer: Scorer) -> bytes:
    """What each worker receives once: the pickled scorer, or a recipe to build the same one."""
    if scorer.needs_fit and not scorer.is_fitted:
        raise InputFormatError(
            f"scorer {scorer.name!r} must be fitted before parallel scoring (fit it on the file or a corpus)")
    try:
        return pickle.dumps(scorer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing here
        recipe = _recipe(scorer)
        if recipe is None:
            raise InputFormatError(
                f"scorer {scorer.name!r} cannot be sent to worker processes ({exc}); use --jobs 1") from None
        log.info("scorer %s cannot be pickled (%s); each worker builds it by name", scorer.name, exc)
        return pickle.dumps(recipe, protocol=pickle.HIGHEST_PROTOCOL)


def _terminate(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now (Python < 3.14 has no public call for it)."""
    executor.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(executor, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.join(timeout=5)


def iter_scored_parallel(batches: Iterable[list[PairRow]], scorer: Scorer, jobs: int, bar: Any = None,
                         task_rows: int = 2048) -> Iterator[ScoredRow]:
    """Score ``batches`` of rows in ``jobs`` processes; yields rows in input order.

    ``scorer`` must already be fitted if it needs fitting (:func:`simcalc.batch.iter_scored` does it).
    ``bar`` (a tqdm bar) is advanced as results arrive.
    """
    import multiprocessing

    jobs = resolve_jobs(jobs)
    payload = _payload(scorer)
    torch_threads = max(1, (os.cpu_count() or 1) // jobs)
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(payload, torch_threads))
    in_flight: deque[tuple[list[list[PairRow]], Future]] = deque()
    source = iter(batches)
    finished = False
    try:
        while True:
            while not finished and len(in_flight) < 2 * jobs:
                task: list[list[PairRow]] = []
                held = 0
                for rows in source:  # whole batches, until the task holds task_rows rows (8 batches of 256)
                    task.append(rows)
                    held += len(rows)
                    if held >= task_rows:
                        break
                else:
                    finished = True
                if task:
                    items = [[(r.line_no, r.sentence1, r.sentence2, r.error) for r in rows] for rows in task]
                    in_flight.append((task, executor.submit(_score_task, items)))
            if not in_flight:
                break
            task, future = in_flight.popleft()
            for rows, outcomes in zip(task, future.result()):
                yield from (ScoredRow(row, *outcome) for row, outcome in zip(rows, outcomes))
                if bar is not None:
                    bar.update(len(rows))
    except BaseException:
        _terminate(executor)
        raise
    finally:
        # normal end: workers are idle, let them exit; after an error _terminate already ran
        executor.shutdown(wait=True, cancel_futures=True)
