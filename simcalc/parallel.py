"""Scoring a pair file with several worker processes (``simcalc score --jobs N``).

Why processes: the lexical scorers are pure Python and hold the GIL, so threads would not help.
How it keeps the promises of serial scoring:

* **Same results.** The parent cuts the file into the same ``batch_size`` batches as a serial run and
  every worker scores each batch with :func:`simcalc.rows.score_rows`, the function the serial path
  uses; a scorer that fits statistics on the scored sentences (TF-IDF without a corpus) is fitted
  once in the parent, on the whole file, before the fitted scorer is shipped. ``--jobs 2`` output is
  byte-identical to ``--jobs 1``.
* **Order and error rows.** Results are collected in submission order; file rows stay in the parent and
  only :class:`~simcalc.rows.Row` values (sentences, error, line) travel, so a bad row keeps its place and its message.
* **Constant memory.** At most ``2 × jobs`` tasks are in flight, each of whole batches up to ``task_rows`` rows
  (one batch when a batch is larger: the neural scorers' 4,096); the
  reader is consumed only as results come back.
* **One model load per worker.** The scorer is pickled once and unpickled by each worker's
  initializer; a registry scorer that cannot be pickled (the rule engine holds modules) is rebuilt from
  its :meth:`~simcalc.scorer.Scorer.recipe` (name and options) in each worker instead. Torch gets ``cores // jobs`` threads per worker so workers
  do not oversubscribe.
* **Interrupt-safe.** Workers ignore Ctrl-C (the parent handles it); when the parent stops for any
  reason the workers are terminated and the caller's atomic writer removes its temp file.

Workers are started with the ``spawn`` method: forking a process that already ran torch can hang.
"""
from __future__ import annotations

import logging
import os
import pickle
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Iterable, Iterator

from .errors import InputFormatError
from .rows import Row, RowOutcome, score_rows
from .scorer import Recipe, Scorer, ScopesThreads

log = logging.getLogger(__name__)

_worker_scorer: Scorer | None = None  # the one scorer of this worker process


def resolve_jobs(jobs: int) -> int:
    """``0`` means one job per CPU core; negative numbers are refused."""
    if jobs < 0:
        raise InputFormatError(f"--jobs must be 0 (one per CPU core) or more, got {jobs}")
    return jobs or (os.cpu_count() or 1)


def _init_worker(payload: bytes, torch_threads: int) -> None:
    """Runs once in each worker: get the scorer (the only model load) and set thread limits."""
    global _worker_scorer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    shipped = pickle.loads(payload)
    if isinstance(shipped, Recipe):
        from . import registry

        shipped = registry.build(shipped)
    _worker_scorer = shipped
    import sys

    if "torch" in sys.modules:  # the scorer uses torch: its share of the cores, not the parent's choice
        sys.modules["torch"].set_num_threads(torch_threads)
    if isinstance(shipped, ScopesThreads) and isinstance(shipped.threads, int):
        shipped.threads = torch_threads  # torch's or numpy's BLAS pool (the neural scorers' numpy backend)


def _score_task(batches: list[list[Row]]) -> list[list[RowOutcome]]:
    assert _worker_scorer is not None, "worker was not initialised"
    # details stay in the worker: `simcalc score` does not write them, and they can be large
    return [[outcome.lean() for outcome in score_rows(_worker_scorer, batch)] for batch in batches]


def _payload(scorer: Scorer) -> bytes:
    """What each worker receives once: the pickled scorer, or its recipe to build the same one."""
    scorer.require_fitted("between worker processes")
    try:
        return pickle.dumps(scorer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing here
        recipe = scorer.recipe()
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


def score_batches_parallel(batches: Iterable[list[Row]], scorer: Scorer, jobs: int, bar: Any = None,
                           task_rows: int = 2048) -> Iterator[list[RowOutcome]]:
    """Score ``batches`` of rows in ``jobs`` processes; yields each batch's outcomes, in input order.

    ``scorer`` must already be fitted if it needs fitting (:func:`simcalc.batch.iter_scored` does it).
    ``bar`` (a tqdm bar) is advanced as results arrive.
    """
    import multiprocessing

    jobs = resolve_jobs(jobs)
    payload = _payload(scorer)
    torch_threads = max(1, (os.cpu_count() or 1) // jobs)
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(payload, torch_threads))
    in_flight: deque[tuple[list[list[Row]], Future]] = deque()
    source = iter(batches)
    finished = False
    try:
        while True:
            while not finished and len(in_flight) < 2 * jobs:
                task: list[list[Row]] = []
                held = 0
                for rows in source:  # whole batches, until the task holds task_rows rows (8 batches of 256)
                    task.append(rows)
                    held += len(rows)
                    if held >= task_rows:
                        break
                else:
                    finished = True
                if task:
                    in_flight.append((task, executor.submit(_score_task, task)))
            if not in_flight:
                break
            task, future = in_flight.popleft()
            for rows, outcomes in zip(task, future.result()):
                yield outcomes
                if bar is not None:
                    bar.update(len(rows))
    except BaseException:
        _terminate(executor)
        raise
    finally:
        # normal end: workers are idle, let them exit; after an error _terminate already ran
        executor.shutdown(wait=True, cancel_futures=True)
