"""Where data files and models come from. Never the network.

Order of search for a resource given by a relative path (e.g. ``hownet/glossary.dat``):

1. an explicit path (a CLI flag or a keyword argument): used as is, and must exist;
2. ``$SIMCALC_DATA_DIR/<relative>`` (the benchmark/lexicon data folder);
3. ``<cache dir>/data/<relative>`` where the cache dir is ``$SIMCALC_CACHE_DIR`` or
   ``$XDG_CACHE_HOME/simcalc`` (default ``~/.cache/simcalc``).

The project's own small resources (word lists, shipped model weights) live in the repository's
``data/`` folder, installed as the ``simcalc.data`` package (see setup.py), and are found with
:func:`project_data_path`: first as package data (:mod:`importlib.resources`, any install), then in the
source checkout.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import ResourceNotFoundError

DATA_DIR_ENV = "SIMCALC_DATA_DIR"
CACHE_DIR_ENV = "SIMCALC_CACHE_DIR"
_PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"


def cache_dir() -> Path:
    """Writable folder for derived files (indexes, caches); created on first use by the caller."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "simcalc"


def data_dir() -> Path | None:
    """The folder named by ``$SIMCALC_DATA_DIR``, if set."""
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


def search_roots() -> list[Path]:
    roots: list[Path] = []
    given = data_dir()
    if given is not None:
        roots.append(given)
    roots.append(cache_dir() / "data")
    return roots


def find_resource(relative: str | Path, explicit: str | Path | None = None, *, what: str = "") -> Path:
    """Return the path of a resource or raise :class:`ResourceNotFoundError` telling how to fix it."""
    label = what or str(relative)
    if explicit is not None:
        path = Path(explicit).expanduser()
        if path.exists():
            return path
        raise ResourceNotFoundError(f"{label}: {path} does not exist; check the path you passed")
    tried = []
    for root in search_roots():
        candidate = root / relative
        if candidate.exists():
            return candidate
        tried.append(str(candidate))
    hint = (
        f"set {DATA_DIR_ENV} to the folder that holds {relative} "
        f"(the simcalc data folder), or pass its path explicitly"
    )
    looked = "; ".join(tried) if tried else "nowhere"
    raise ResourceNotFoundError(f"{label} not found (looked in: {looked}). Fix: {hint}")


def _data_roots() -> list[Path]:
    import importlib.resources

    roots = []
    try:  # an installed wheel: data/ became the simcalc.data package
        roots.append(Path(str(importlib.resources.files("simcalc") / "data")))
    except (ModuleNotFoundError, TypeError):
        pass
    roots.append(_PROJECT_DATA)  # a source checkout (editable install, PYTHONPATH)
    return roots


def project_data_path(relative: str | Path) -> Path:
    """A file of the project's own ``data/`` folder (shipped with the package)."""
    roots = _data_roots()
    for root in roots:
        path = root / relative
        if path.exists():
            return path
    raise ResourceNotFoundError(
        f"{relative} is missing from simcalc's data (looked in {', '.join(map(str, roots))}); "
        "reinstall simcalc (pip install simcalc, or from a complete checkout)"
    )
