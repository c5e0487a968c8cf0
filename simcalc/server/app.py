"""The ASGI app behind ``simcalc serve`` (FastAPI): the JSON API and the explanation page at ``/``.

Why it is shaped this way:

* Scorers load once, in the lifespan (before the first request is accepted), through
  :class:`~simcalc.server.scorers.ScorerPool`; a scorer that fails to load answers 503 on its routes.
* Scoring is CPU work: routes (:mod:`simcalc.server.routes`) validate on the event loop (cheap), then
  score in worker threads (``settings.threads`` at once) under a per-request time limit, so one slow
  request never blocks ``/health`` or the others.
* Every error is JSON ``{"error": {"type", "message", "field"}}`` with a 4xx status naming what was
  wrong; nothing a client sends reaches a traceback. No route reads or writes a file a client names.
"""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from simcalc import __version__

from .errors import ApiError, error_response
from .limits import AllowedHosts, BodySizeLimit
from .routes import SCORE_CHUNK, router
from .scorers import ScorerPool
from .settings import ServerSettings

log = logging.getLogger(__name__)


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

    app.state.settings = settings
    app.include_router(router)
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
        first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {"type": "invalid", "loc": (),
                                                                              "msg": "invalid request"}
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


__all__ = ["create_app", "app_from_env", "ApiError", "SCORE_CHUNK"]
