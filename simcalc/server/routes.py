"""The JSON API's routes: ``/health``, ``/scorers``, ``/compare``, ``/score``, ``/explain``, ``/rank``.

Each route validates on the event loop (cheap), then scores in a worker thread through :func:`in_thread`:
at most ``settings.threads`` at once, within the request's deadline. Scoring that runs long looks at the
deadline between chunks (``/score``, ``/rank``) so a request answered 504 frees its thread. The app
(:func:`simcalc.server.app.create_app`) holds the settings, the scorer pool and the slots in ``app.state``.
A new route goes here, with its request and response models in :mod:`simcalc.server.schemas`.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import anyio
from fastapi import APIRouter, Request

from simcalc import __version__
from simcalc.errors import InvalidTextError, SimcalcError
from simcalc.rows import FailedPair, PreparedPair, RowOutcome, score_prepared_rows
from simcalc.scorer import Scorer
from simcalc.text import PreparedText, prepare

from .errors import ERRORS, ApiError, from_simcalc
from .schemas import (
    CompareRequest,
    ExplainRequest,
    ExplainResponse,
    RankRequest,
    RankResponse,
    ResultBody,
    ScoreRequest,
    ScoreResponse,
)
from .scorers import ScorerPool
from .settings import ServerSettings

router = APIRouter()

#: Pairs a /score request scores between two looks at its deadline (large enough to keep batching efficient).
SCORE_CHUNK = 64


def pool_of(request: Request) -> ScorerPool:
    return request.app.state.pool


def settings_of(request: Request) -> ServerSettings:
    return request.app.state.settings


def check_text(request: Request, value: str, field: str) -> PreparedText:
    """The text normalised as scorers take it (``settings.max_chars`` ≤ theirs: nothing is cut), or a 422."""
    settings = settings_of(request)
    if len(value) > settings.max_chars:
        raise ApiError(422, "text_too_long", f"{field} has {len(value)} characters; the limit is "
                       f"{settings.max_chars}", field)
    try:
        return prepare(value, which=field)
    except InvalidTextError as exc:
        raise ApiError(422, "invalid_text", str(exc), field) from None


def scorer_for(request: Request, name: str | None) -> tuple[str, Scorer]:
    try:
        return pool_of(request).get(name)
    except SimcalcError as exc:
        raise from_simcalc(exc) from None


async def in_thread(request: Request, fn: Callable[..., Any], *args: Any, deadline: float | None = None) -> Any:
    """Run scoring off the event loop, at most ``settings.threads`` at once, within the time limit.

    A request past its deadline is answered 504 at once; its thread never starts scoring if it was
    still waiting for a slot, and otherwise holds its slot until it ends (``/score`` and ``/rank`` stop
    between chunks).
    """
    settings = settings_of(request)
    deadline = deadline if deadline is not None else time.monotonic() + settings.timeout_s
    slots: threading.BoundedSemaphore = request.app.state.slots

    def guarded() -> Any:
        if not slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        try:
            if time.monotonic() > deadline:
                raise TimeoutError
            return fn(*args)
        finally:
            slots.release()

    try:
        with anyio.fail_after(max(0.0, deadline - time.monotonic())):
            return await anyio.to_thread.run_sync(guarded, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiError(504, "timeout", f"the request took longer than the server's limit of "
                       f"{settings.timeout_s:g} s; send fewer pairs or shorter text") from None
    except SimcalcError as exc:
        raise from_simcalc(exc) from None


@router.get("/health", tags=["service"])
async def health(request: Request) -> dict[str, Any]:
    """Whether every scorer loaded (``degraded`` names those that did not, and why)."""
    settings = settings_of(request)
    return {**pool_of(request).health(), "version": __version__, "limits": settings.limits()}


@router.get("/scorers", tags=["service"])
async def scorers(request: Request) -> dict[str, Any]:
    """The scorers this server answers with: status, range, threshold, and the default."""
    pool = pool_of(request)
    return {"default": pool.default, "aliases": dict(pool.aliases),
            "scorers": [entry.to_dict() for entry in pool.entries.values()]}


@router.post("/compare", response_model=ResultBody, responses=ERRORS,
             tags=["similarity"])
async def compare(body: CompareRequest, request: Request) -> dict[str, Any]:
    """One pair's score (and label at the scorer's threshold) with the scorer's details."""
    check_text(request, body.sentence1, "sentence1")
    check_text(request, body.sentence2, "sentence2")
    _, scorer = scorer_for(request, body.scorer)
    result = await in_thread(request, scorer.score, body.sentence1, body.sentence2)
    return result.to_dict()


@router.post("/score", response_model=ScoreResponse, responses=ERRORS,
             tags=["similarity"])
async def score(body: ScoreRequest, request: Request) -> dict[str, Any]:
    """A batch of pairs, answered in order; ``errors: keep`` gives bad pairs an error entry instead of a 422."""
    settings = settings_of(request)
    if len(body.pairs) > settings.max_pairs:
        raise ApiError(422, "too_many_pairs", f"{len(body.pairs)} pairs; the limit is {settings.max_pairs} "
                       "per request", "pairs")
    key, scorer = scorer_for(request, body.scorer)
    items: list[PreparedPair | str] = []
    for i, (a, b) in enumerate(body.pairs):
        try:
            items.append((check_text(request, a, f"pairs.{i}.0"), check_text(request, b, f"pairs.{i}.1")))
        except ApiError as exc:
            if body.errors == "raise":
                raise
            items.append(exc.message)
    deadline = time.monotonic() + settings.timeout_s

    def work() -> list[RowOutcome]:
        """Score in chunks, stopping at the deadline: a request answered 504 does not keep a thread busy.
        Validated and normalised once, above; corpus statistics are fitted once on the whole batch."""
        return score_prepared_rows(scorer, items, chunk=SCORE_CHUNK, stop=lambda: time.monotonic() > deadline)

    if any(not isinstance(item, str) for item in items):
        outcomes = await in_thread(request, work, deadline=deadline)
    else:
        outcomes = [RowOutcome(None, item) for item in items]  # type: ignore[arg-type]
    return {"scorer": key, "results": [o.result.to_dict() if o.result is not None else
                                       FailedPair(i, body.pairs[i], o.error or "").to_dict()
                                       for i, o in enumerate(outcomes)]}


@router.post("/explain", response_model=ExplainResponse, responses=ERRORS,
             tags=["similarity"])
async def explain(body: ExplainRequest, request: Request) -> dict[str, Any]:
    """The score with everything behind it; ``view`` adds the parse analysis (trees, components,
    aligned words, coefficients) and its HTML rendering, which the page at ``/`` shows."""
    settings = settings_of(request)
    check_text(request, body.sentence1, "sentence1")
    check_text(request, body.sentence2, "sentence2")
    _, scorer = scorer_for(request, body.scorer)
    analyser = request.app.state.analyser if body.view else None
    deadline = time.monotonic() + settings.timeout_s

    def work() -> dict[str, Any]:
        from simcalc.display import explanation_html

        result = scorer.score(body.sentence1, body.sentence2)
        out: dict[str, Any] = {"result": result.to_dict()}
        if analyser is not None:  # the rules result is reused when the scorer was `rules`
            if time.monotonic() > deadline:  # answered 504 already: do not parse and draw as well
                raise TimeoutError
            analysis = analyser.analyse(body.sentence1, body.sentence2, result)
            out.update(analysis=analysis, html=explanation_html(result, analysis))
        return out

    return await in_thread(request, work, deadline=deadline)


@router.post("/rank", response_model=RankResponse, responses=ERRORS, tags=["similarity"])
async def rank(body: RankRequest, request: Request) -> dict[str, Any]:
    """The ``top_k`` candidates closest to ``query``, best first (candidates given, or the server's FAQ)."""
    settings = settings_of(request)
    check_text(request, body.query, "query")
    if body.top_k > settings.max_top_k:
        raise ApiError(422, "top_k_too_large", f"top_k is {body.top_k}; the limit is {settings.max_top_k}",
                       "top_k")
    pool = pool_of(request)
    key, scorer = scorer_for(request, body.scorer)
    deadline = 0.0  # set when scoring is handed over, as for the other routes

    def past_deadline() -> bool:  # looked at between chunks: a request answered 504 frees its thread
        return time.monotonic() > deadline

    if body.candidates is None:
        if pool.faq is None:
            raise ApiError(422, "no_candidates", "send candidates: this server was started without --faq",
                           "candidates")

        def work() -> list:
            return pool.faq_index(key).rank(body.query, body.top_k, stop=past_deadline)
    else:
        candidates: list[str] = body.candidates
        if not candidates:
            raise ApiError(422, "no_candidates", "candidates is empty", "candidates")
        if len(body.candidates) > settings.max_candidates:
            raise ApiError(422, "too_many_candidates", f"{len(body.candidates)} candidates; the limit is "
                           f"{settings.max_candidates}", "candidates")
        for i, text in enumerate(body.candidates):
            check_text(request, text, f"candidates.{i}")

        def work() -> list:
            from simcalc.rank import CandidateIndex

            index = CandidateIndex(scorer, candidates, stop=past_deadline)
            return index.rank(body.query, body.top_k, stop=past_deadline)

    deadline = time.monotonic() + settings.timeout_s
    matches = await in_thread(request, work, deadline=deadline)
    return {"scorer": key, "matches": [m.to_dict() for m in matches]}
