"""The ASGI app behind ``simcalc serve`` (FastAPI): the JSON API and the explanation page at ``/``.

Why it is shaped this way:

* Scorers load once, in the lifespan (before the first request is accepted), through
  :class:`~simcalc.server.scorers.ScorerPool`; a scorer that fails to load answers 503 on its routes.
* Scoring is CPU work: routes validate on the event loop (cheap), then score in worker threads
  (``settings.threads`` at once) under a per-request time limit, so one slow request never blocks
  ``/health`` or the others.
* Every error is JSON ``{"error": {"type", "message", "field"}}`` with a 4xx status naming what was
  wrong; nothing a client sends reaches a traceback. No route reads or writes a file a client names.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, Callable

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from simcalc import __version__
from simcalc.errors import (
    InputFormatError,
    InvalidTextError,
    ResourceNotFoundError,
    ScorerUnavailableError,
    SimcalcError,
    UnknownScorerError,
)
from simcalc.rows import FailedPair, PreparedPair, RowOutcome, score_prepared_rows
from simcalc.text import PreparedText, prepare

from .limits import AllowedHosts, BodySizeLimit
from .schemas import (
    CompareRequest,
    ErrorResponse,
    ExplainRequest,
    ExplainResponse,
    RankRequest,
    RankResponse,
    ResultBody,
    ScoreRequest,
    ScoreResponse,
)
from .scorers import NotServedError, ScorerPool
from .settings import ServerSettings

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as JSON with ``status``; ``field`` names the offending part of the request."""

    def __init__(self, status: int, type_: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.field = status, type_, message, field


def error_response(status: int, type_: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message, "field": field}}, status_code=status)


def _from_simcalc(exc: SimcalcError, field: str | None = None) -> ApiError:
    """simcalc's own errors → HTTP: the client's mistakes are 4xx, missing resources 503."""
    if isinstance(exc, (UnknownScorerError, NotServedError)):
        return ApiError(422, "unknown_scorer", str(exc).strip("'\""), "scorer")
    if isinstance(exc, (ScorerUnavailableError, ResourceNotFoundError)):
        return ApiError(503, "scorer_unavailable", str(exc), "scorer")
    if isinstance(exc, (InvalidTextError, InputFormatError)):
        return ApiError(422, "invalid_text", str(exc), field)
    return ApiError(500, "scoring_failed", str(exc), field)


ERRORS = {code: {"model": ErrorResponse} for code in (400, 408, 413, 422, 503, 504)}

#: Pairs a /score request scores between two looks at its deadline (large enough to keep batching efficient).
SCORE_CHUNK = 64


def create_app(settings: ServerSettings | None = None, *, pool: ScorerPool | None = None) -> FastAPI:
    """The app for ``settings`` (``pool``: scorers loaded already, e.g. shared by tests)."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = pool if pool is not None else await anyio.to_thread.run_sync(ScorerPool, settings)
        # Held by the scoring thread itself (not by the awaiting task), so a request answered 504 keeps its
        # slot until its thread really stops: at most `threads` scorings run, however many time out.
        app.state.slots = threading.BoundedSemaphore(settings.threads)
        app.state.analyser = _pair_analyser(app.state.pool) if settings.view else None
        for key, entry in app.state.pool.entries.items():
            log.info("scorer %s: %s", key, "ready" if entry.ready else f"unavailable ({entry.error})")
        yield

    app = FastAPI(title="simcalc", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Chinese sentence similarity with explanations. The page at / draws them.")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, read_timeout_s=settings.body_timeout_s)
    if settings.allowed_hosts is not None:
        app.add_middleware(AllowedHosts, hosts=settings.allowed_hosts)
    _install_error_handlers(app)

    def pool_of(request: Request) -> ScorerPool:
        return request.app.state.pool

    def check_text(value: str, field: str) -> PreparedText:
        """The text normalised as scorers take it (``settings.max_chars`` ≤ theirs: nothing is cut), or a 422."""
        if len(value) > settings.max_chars:
            raise ApiError(422, "text_too_long", f"{field} has {len(value)} characters; the limit is "
                           f"{settings.max_chars}", field)
        try:
            return prepare(value, which=field)
        except InvalidTextError as exc:
            raise ApiError(422, "invalid_text", str(exc), field) from None

    def scorer_for(request: Request, name: str | None):
        try:
            return pool_of(request).get(name)
        except SimcalcError as exc:
            raise _from_simcalc(exc) from None

    async def in_thread(request: Request, fn: Callable[..., Any], *args: Any, deadline: float | None = None) -> Any:
        """Run scoring off the event loop, at most ``settings.threads`` at once, within the time limit.

        A request past its deadline is answered 504 at once; its thread never starts scoring if it was
        still waiting for a slot, and otherwise holds its slot until it ends (``/score`` stops between chunks).
        """
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
            raise _from_simcalc(exc) from None

    @app.get("/health", tags=["service"])
    async def health(request: Request) -> dict[str, Any]:
        """Whether every scorer loaded (``degraded`` names those that did not, and why)."""
        return {**pool_of(request).health(), "version": __version__, "limits": settings.limits()}

    @app.get("/scorers", tags=["service"])
    async def scorers(request: Request) -> dict[str, Any]:
        """The scorers this server answers with: status, range, threshold, and the default."""
        pool = pool_of(request)
        return {"default": pool.default, "aliases": dict(pool.aliases),
                "scorers": [entry.to_dict() for entry in pool.entries.values()]}

    @app.post("/compare", response_model=ResultBody, responses=ERRORS,
              tags=["similarity"])
    async def compare(body: CompareRequest, request: Request) -> dict[str, Any]:
        """One pair's score (and label at the scorer's threshold) with the scorer's details."""
        check_text(body.sentence1, "sentence1")
        check_text(body.sentence2, "sentence2")
        _, scorer = scorer_for(request, body.scorer)
        result = await in_thread(request, scorer.score, body.sentence1, body.sentence2)
        return result.to_dict()

    @app.post("/score", response_model=ScoreResponse, responses=ERRORS,
              tags=["similarity"])
    async def score(body: ScoreRequest, request: Request) -> dict[str, Any]:
        """A batch of pairs, answered in order; ``errors: keep`` gives bad pairs an error entry instead of a 422."""
        if len(body.pairs) > settings.max_pairs:
            raise ApiError(422, "too_many_pairs", f"{len(body.pairs)} pairs; the limit is {settings.max_pairs} "
                           "per request", "pairs")
        key, scorer = scorer_for(request, body.scorer)
        items: list[PreparedPair | str] = []
        for i, (a, b) in enumerate(body.pairs):
            try:
                items.append((check_text(a, f"pairs.{i}.0"), check_text(b, f"pairs.{i}.1")))
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

    @app.post("/explain", response_model=ExplainResponse, responses=ERRORS,
              tags=["similarity"])
    async def explain(body: ExplainRequest, request: Request) -> dict[str, Any]:
        """The score with everything behind it; ``view`` adds the parse analysis (trees, components,
        aligned words, coefficients) and its HTML rendering, which the page at ``/`` shows."""
        check_text(body.sentence1, "sentence1")
        check_text(body.sentence2, "sentence2")
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

    @app.post("/rank", response_model=RankResponse, responses=ERRORS, tags=["similarity"])
    async def rank(body: RankRequest, request: Request) -> dict[str, Any]:
        """The ``top_k`` candidates closest to ``query``, best first (candidates given, or the server's FAQ)."""
        check_text(body.query, "query")
        if body.top_k > settings.max_top_k:
            raise ApiError(422, "top_k_too_large", f"top_k is {body.top_k}; the limit is {settings.max_top_k}",
                           "top_k")
        pool = pool_of(request)
        key, scorer = scorer_for(request, body.scorer)
        deadline = time.monotonic() + settings.timeout_s

        def past_deadline() -> bool:  # looked at between chunks: a request answered 504 frees its thread
            return time.monotonic() > deadline

        if body.candidates is None:
            if pool.faq is None:
                raise ApiError(422, "no_candidates", "send candidates: this server was started without --faq",
                               "candidates")

            def work() -> list:
                return pool.faq_index(key).rank(body.query, body.top_k, stop=past_deadline)
        else:
            if not body.candidates:
                raise ApiError(422, "no_candidates", "candidates is empty", "candidates")
            if len(body.candidates) > settings.max_candidates:
                raise ApiError(422, "too_many_candidates", f"{len(body.candidates)} candidates; the limit is "
                               f"{settings.max_candidates}", "candidates")
            for i, text in enumerate(body.candidates):
                check_text(text, f"candidates.{i}")

            def work() -> list:
                from simcalc.rank import CandidateIndex

                index = CandidateIndex(scorer, body.candidates, stop=past_deadline)
                return index.rank(body.query, body.top_k, stop=past_deadline)

        matches = await in_thread(request, work, deadline=deadline)
        return {"scorer": key, "matches": [m.to_dict() for m in matches]}

    _install_page(app)
    _install_docs(app)
    return app


def _pair_analyser(pool: ScorerPool) -> Any:
    """The page's analyser: the served rule engine's view of a pair, or parse-only trees saying why.

    :class:`~simcalc.display.PairAnalyser` loads nothing until its first use and is safe to share
    between the worker threads.
    """
    from simcalc.display import PairAnalyser

    entry = pool.entries.get("rules")
    reason = None
    if entry is None:
        reason = "the rule engine is not served here (start with --scorers including rules)"
    elif not entry.ready:
        reason = f"the rule engine could not load: {entry.error}"
    return PairAnalyser(rules=pool.ready("rules"), reason=reason)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.status in (500, 504):  # a 503 is the known state /health reports; not worth a line per request
            log.warning("%s %s: %s", request.method, request.url.path, exc.message)
        return error_response(exc.status, exc.type, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"type": "invalid", "loc": (), "msg": "invalid request"}
        if first["type"] == "json_invalid":
            detail = first.get("ctx", {}).get("error", "")
            return error_response(400, "malformed_json", f"the body is not valid JSON: {detail}".rstrip(": "))
        loc = [str(part) for part in first.get("loc", ()) if part != "body"]
        field = ".".join(loc) or None
        if first["type"] == "missing" and field is None:
            return error_response(422, "missing_body", "send a JSON object body (Content-Type: application/json)")
        message = first.get("msg", "invalid value")
        if first["type"] == "string_too_short":  # "" for a sentence: the same answer as any text with no content
            return error_response(422, "invalid_text", f"{field} is empty; there is nothing to compare", field)
        if first["type"] == "extra_forbidden":
            message = "unknown field"
        return error_response(422, "invalid_request", f"{field}: {message}" if field else message, field)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's own body parsing (e.g. bytes that are not UTF-8)
            return error_response(400, "malformed_json", "the body could not be parsed as JSON: not UTF-8 (or UTF-16/32) "
                                  "text, or past the parser's limits (a number with thousands of digits, deep nesting)")
        kinds = {404: "not_found", 405: "method_not_allowed", 408: "body_timeout", 413: "body_too_large"}
        response = error_response(exc.status_code, kinds.get(exc.status_code, "http_error"), str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. the Allow header of a 405
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "the server failed on this request; its log has the details")


def _static(name: str) -> bytes:
    return resources.files("simcalc.server").joinpath("static", name).read_bytes()


def _install_page(app: FastAPI) -> None:
    """``/``: the explanation page; ``/static/*``: its script and styles (no CDN: it works offline)."""
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    names = {"app.js", "page.css"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(_static("index.html").decode("utf-8"))

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name == "simcalc.css":  # the explanation styles, shared with `simcalc explain --html`
            css = resources.files("simcalc").joinpath("static", "simcalc.css")
            if not css.is_file():  # a broken install: say so rather than serve an empty stylesheet
                raise StarletteHTTPException(404, "simcalc/static/simcalc.css is missing from this installation")
            return Response(css.read_bytes(), media_type=types[".css"])
        if name not in names:  # a fixed list: no path from the client touches the file system
            raise StarletteHTTPException(404, f"no static file {name!r}")
        return Response(_static(name), media_type=types["." + name.rsplit(".", 1)[1]])


def _install_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the swagger-ui-bundle package, not a CDN (the server may be offline)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    assets = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
              "favicon-32x32.png": "image/png"}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="simcalc API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")

    @app.get("/docs-assets/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in assets:
            raise StarletteHTTPException(404, f"no docs asset {name!r}")
        try:
            from swagger_ui_bundle import swagger_ui_path
        except ImportError:
            raise StarletteHTTPException(404, "the API docs need the swagger-ui-bundle package "
                                              "(pip install 'simcalc[serve]')") from None
        from pathlib import Path

        return Response((Path(swagger_ui_path) / name).read_bytes(), media_type=assets[name])


def app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (``--workers N``): settings come from the environment."""
    return create_app(ServerSettings.from_env())


__all__ = ["create_app", "app_from_env", "ApiError"]
