"""``simcalc serve``: an HTTP API (FastAPI + uvicorn) and a page that draws the explanations.

>>> from simcalc.server import create_app, ServerSettings                      # doctest: +SKIP
>>> app = create_app(ServerSettings(scorers=("levenshtein",)))                  # doctest: +SKIP

FastAPI is imported only when the app is built (``import simcalc`` stays light).
"""
from __future__ import annotations

from typing import Any

from .settings import DEFAULT_SCORERS, ServerSettings


def create_app(settings: ServerSettings | None = None, **kwargs: Any):
    """The ASGI app (see :func:`simcalc.server.app.create_app`)."""
    from .app import create_app as build

    return build(settings, **kwargs)


def serve(settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log_level: str = "info") -> None:
    """Run uvicorn until interrupted; ``workers`` > 1 starts that many processes (each loads the scorers)."""
    import os

    import uvicorn

    from .settings import ENV_VAR

    if workers > 1:
        os.environ[ENV_VAR] = settings.to_json()
        uvicorn.run("simcalc.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level)
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


__all__ = ["create_app", "serve", "ServerSettings", "DEFAULT_SCORERS"]
