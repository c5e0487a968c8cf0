"""Scoring pairs held in a Dask DataFrame or Bag, partition by partition, on any Dask scheduler.

For de-duplicating millions of pairs on a cluster simcalc does not run cluster code of its own:
Dask schedules the partitions, simcalc scores each one with :func:`simcalc.rows.score_rows` (the
function behind ``simcalc score``), so the added columns — ``score``, ``prediction`` (when the scorer
has a threshold), ``error``, ``warning`` — and the error-row contract are the same: a pair that cannot
be scored keeps its place with the reason in ``error``. Error messages carry no ``line N:`` prefix
(a partition has no file lines); the row's index says where it is.

The scorer is loaded **once per worker process**, not per partition:

* ``scorer="cvlstm"`` (a registry name + options): each worker builds it from its
  :class:`~simcalc.scorer.Recipe` on first use and keeps it in a module-level cache keyed by the recipe. Models and data must
  be present on the workers (the package's shipped models; ``SIMCALC_DATA_DIR`` for data-backed ones).
* ``scorer=<Scorer object>`` (e.g. a TF-IDF fitted on a corpus, a model from a custom folder): with a
  ``distributed`` client it is pickled once and handed to every worker — also workers that join
  later — by a :class:`ScorerPlugin` (a ``WorkerPlugin``); with Dask's local schedulers it is used in
  place.

This module is ``simcalc.dask``; the library is imported absolutely (``import dask``) and only here.
"""
from __future__ import annotations

import hashlib
import math
import pickle
import threading
from typing import Any, Sequence

try:
    import dask  # noqa: F401  (absolute import: the library, not this module)
    import pandas as pd
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(f"simcalc.dask needs dask[dataframe] and distributed ({exc}); "
                      "pip install 'simcalc[dask]'") from exc

from . import registry
from .config import DEFAULT_SCORER
from .errors import InputFormatError
from .io import _text, output_names
from .rows import Row, score_rows
from .scorer import Recipe, Scorer

_SCORERS: dict[str, Scorer] = {}  # per process: key → scorer
_BUILDS: dict[str, int] = {}  # per process: key → how many times it was built or received (tests read it)
_LOCK = threading.Lock()


class ScorerPlugin(WorkerPlugin):
    """Puts one pickled scorer into every worker's scorer cache when the worker starts (or joins)."""

    def __init__(self, key: str, payload: bytes) -> None:
        self.key = key
        self.payload = payload
        self.name = f"simcalc-scorer-{key}"  # registering the same scorer twice is a no-op

    def setup(self, worker: Any = None) -> None:
        with _LOCK:
            if self.key not in _SCORERS:
                _SCORERS[self.key] = pickle.loads(self.payload)
                _BUILDS[self.key] = _BUILDS.get(self.key, 0) + 1


def _worker_scorer(key: str, fallback: Recipe | Scorer | None) -> Scorer:
    """This process's scorer for ``key``: cached, else built from a recipe / taken from the object."""
    scorer = _SCORERS.get(key)
    if scorer is not None:
        return scorer
    with _LOCK:
        if key not in _SCORERS:
            if fallback is None:
                raise RuntimeError(f"simcalc scorer {key} was not sent to this worker (ScorerPlugin missing)")
            _SCORERS[key] = registry.build(fallback) if isinstance(fallback, Recipe) else fallback
            _BUILDS[key] = _BUILDS.get(key, 0) + 1
        return _SCORERS[key]


def _prepare(scorer: str | Scorer, options: dict[str, Any]) -> tuple[Scorer, str, Recipe | Scorer | None]:
    """Validate the scorer in the client; decide how workers get it (returns scorer, key, fallback)."""
    if isinstance(scorer, str):
        local = registry.get(scorer, **options)  # fails early, in the client, with a clear message
        local.require_fitted("per partition")
        recipe = local.recipe()
        assert recipe is not None  # registry.get always sets it
        return local, recipe.key, recipe
    if options:
        raise InputFormatError("options go with a scorer name; configure a Scorer object before passing it")
    if not isinstance(scorer, Scorer):
        raise InputFormatError(f"scorer must be a registry name or a simcalc Scorer, got {type(scorer).__name__}")
    scorer.require_fitted("per partition")
    try:
        payload = pickle.dumps(scorer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing here
        raise InputFormatError(f"scorer {scorer.name!r} cannot be sent to workers ({exc}); pass it by name "
                               f"(score_dataframe(df, {scorer.name!r}, **options)) so each worker builds it") from None
    key = f"{scorer.name}-{hashlib.sha1(payload).hexdigest()[:16]}"
    client = _client()
    if client is None:
        _SCORERS.setdefault(key, scorer)
        return scorer, key, scorer
    register = getattr(client, "register_plugin", None) or client.register_worker_plugin  # older distributed
    register(ScorerPlugin(key, payload))
    return scorer, key, None


def _client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def _cell(value: Any) -> Any:
    """A DataFrame cell as a sentence: missing (None/NaN/NA) → "" — the error row an empty field of a
    pair file gets ("sentence1 is empty ...") — numbers → text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _text(value)


def _score_items(pairs: Sequence[tuple[Any, Any, str | None]], key: str, fallback: Any,
                 batch_size: int | None) -> list[tuple]:
    """``(sentence1, sentence2, error or None)`` → ``(score, prediction, error, warning)``, in order."""
    scorer = _worker_scorer(key, fallback)
    batch_size = scorer.rows_per_batch(batch_size)
    out: list[tuple] = []
    for start in range(0, len(pairs), batch_size):
        rows = [Row(_cell(a), _cell(b), error) for a, b, error in pairs[start:start + batch_size]]
        out.extend((o.score, o.label, o.error, o.warning) for o in score_rows(scorer, rows))
    return out


def _out_columns(names: dict[str, str], with_prediction: bool) -> dict[str, str]:
    return {names[c]: dtype for c, dtype in (("score", "float64"), ("prediction", "Int64"),
                                              ("error", "object"), ("warning", "object"))
            if c != "prediction" or with_prediction}


def _score_frame(df: pd.DataFrame, key: str, fallback: Any, s1: str, s2: str, batch_size: int | None,
                 names: dict[str, str], with_prediction: bool) -> pd.DataFrame:
    outcomes = _score_items([(a, b, None) for a, b in zip(df[s1].tolist(), df[s2].tolist())],
                            key, fallback, batch_size)
    out = df.copy()
    values = dict(zip(("score", "prediction", "error", "warning"), zip(*outcomes))) if outcomes else {}
    for column, dtype in _out_columns(names, with_prediction).items():
        plain = next(c for c, n in names.items() if n == column)
        data = list(values.get(plain, []))
        if plain == "score":
            data = [math.nan if v is None else v for v in data]
        out[column] = pd.Series(data, index=df.index, dtype=dtype)
    return out


def score_dataframe(df: Any, scorer: str | Scorer = DEFAULT_SCORER, *, columns: Sequence[str] | None = None,
                    batch_size: int | None = None, **options: Any) -> Any:
    """Add ``score``/``prediction``/``error``/``warning`` columns to a Dask DataFrame of pairs (lazy).

    ``columns`` names the two sentence columns (default: the first well-known pair such as
    ``sentence1,sentence2`` or ``text_a,text_b``); ``options`` (``threshold``, ``model`` ...) go to a
    scorer given by name. Call ``.compute()`` / ``.to_parquet()`` on the result as usual.
    """
    import dask.dataframe as dd

    if not isinstance(df, dd.DataFrame):
        raise InputFormatError(f"expected a dask DataFrame, got {type(df).__name__} (dd.from_pandas wraps a pandas one)")
    s1, s2 = _sentence_columns(list(df.columns), columns)
    local, key, fallback = _prepare(scorer, options)
    with_prediction = local.threshold is not None
    names = output_names([str(c) for c in df.columns], with_prediction)
    meta = df._meta.copy()
    for column, dtype in _out_columns(names, with_prediction).items():
        meta[column] = pd.Series([], dtype=dtype)
    return df.map_partitions(_score_frame, key, fallback, s1, s2, batch_size, names, with_prediction, meta=meta)


def _sentence_columns(present: list[Any], columns: Sequence[str] | None) -> tuple[Any, Any]:
    from .io import KNOWN_PAIR_COLUMNS

    if columns is not None:
        if len(columns) != 2 or any(c not in present for c in columns):
            raise InputFormatError(f"columns must name two of the frame's columns ({present}), got {columns!r}")
        return columns[0], columns[1]
    lowered = {str(c).lower(): c for c in present}
    for a, b in KNOWN_PAIR_COLUMNS:
        if a in lowered and b in lowered:
            return lowered[a], lowered[b]
    raise InputFormatError(f"cannot tell which columns hold the two sentences ({present}); pass columns=(A, B)")


def _bag_item(item: Any) -> tuple[dict[str, Any], tuple[Any, Any, str | None]]:
    """An item as (its output record, (sentence1, sentence2, error))."""
    if isinstance(item, dict):
        try:
            a, b = _sentence_columns(list(item), None)
        except InputFormatError as exc:
            return dict(item), (None, None, str(exc))
        return dict(item), (item[a], item[b], None)
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return {"sentence1": item[0], "sentence2": item[1]}, (item[0], item[1], None)
    return {"item": item}, (None, None, f"expected a (sentence1, sentence2) pair or a dict, got {type(item).__name__}")


def _score_bag_partition(items: Sequence[Any], key: str, fallback: Any, batch_size: int | None,
                         with_prediction: bool) -> list[dict[str, Any]]:
    items = list(items)
    records, pairs = zip(*(_bag_item(item) for item in items)) if items else ((), ())
    out = []
    for record, (score, prediction, error, warning) in zip(records, _score_items(list(pairs), key, fallback,
                                                                                 batch_size)):
        values = {"score": score, "prediction": prediction, "error": error, "warning": warning}
        out.append({**record, **{name: values[c] for c, name in output_names(list(record), with_prediction).items()}})
    return out


def score_bag(bag: Any, scorer: str | Scorer = DEFAULT_SCORER, *, batch_size: int | None = None,
              **options: Any) -> Any:
    """Score a Dask Bag of ``(sentence1, sentence2)`` tuples or of dicts with a known pair of keys.

    Each item becomes a dict: its fields (``sentence1``/``sentence2`` for tuples) plus ``score``,
    ``prediction`` (when a threshold applies), ``error`` and ``warning``. Lazy, like every Bag.
    """
    import dask.bag as db

    if not isinstance(bag, db.Bag):
        raise InputFormatError(f"expected a dask Bag, got {type(bag).__name__}")
    local, key, fallback = _prepare(scorer, options)
    return bag.map_partitions(_score_bag_partition, key, fallback, batch_size, local.threshold is not None)
